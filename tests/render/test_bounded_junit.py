"""JUnit XML in bounded memory (issue 11 item 5: a finding naming a million locations):
``junit.write_junit`` streams each case's lines into a skeleton ElementTree serialised, and its
bytes are those of the document built whole (the reference below is ``to_junit`` as it was,
2026-12-06, main dd42158), for every sample, for hostile names, and with ``limits.IN_MEMORY``
lowered so that the party is spooled and a finding's locations spill."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from io import StringIO
from pathlib import Path

import pytest

from icecheck.analysis.policy import preset
from icecheck.analysis.rules import CATALOGUE
from icecheck.audit import AuditSettings, audit
from icecheck.inputs import limits
from icecheck.inputs.scanner import scan_file
from icecheck.model import AuditResult, Finding, InputDocument, InputStatus, Origin
from icecheck.render.junit import to_junit, write_junit
from icecheck.render.locate import fails, finding_origins, finding_paths, origins
from icecheck.render.safe import safe
from tests.conftest import SAMPLES


def _reference(result: AuditResult, exit_code: int) -> str:
    by_input: dict[str, list[Finding]] = {}
    where = origins(result)
    for f in result.findings:
        for path in finding_paths(f, where, [d.path for d in result.inputs]):
            by_input.setdefault(path, []).append(f)
    root = ET.Element("testsuites", name="icecheck")
    totals = [0, 0, 0]
    for doc in result.inputs:
        if doc.status is InputStatus.SKIPPED:
            continue
        suite = _reference_suite(root, doc, by_input.get(doc.path, []), result)
        for i, key in enumerate(("tests", "failures", "errors")):
            totals[i] += int(suite.get(key, "0"))
    for i, key in enumerate(("tests", "failures", "errors")):
        root.set(key, str(totals[i]))
    root.set("exit_code", str(exit_code))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _reference_suite(root: ET.Element, doc: InputDocument, findings: list[Finding], result: AuditResult) -> ET.Element:
    suite = ET.SubElement(root, "testsuite", name=safe(doc.path))
    classname = "icecheck." + safe(doc.path).replace(".", "_")
    if doc.status in (InputStatus.UNREADABLE, InputStatus.EMPTY):
        case = ET.SubElement(suite, "testcase", classname=classname, name="read input")
        messages = "; ".join(safe(d.message) for d in doc.diagnostics) or "nothing to audit"
        ET.SubElement(case, "error", message=f"{doc.status.value}: {messages}", type=doc.status.value)
        suite.set("tests", "1")
        suite.set("errors", "1")
        suite.set("failures", "0")
        return suite
    rule_ids = [*CATALOGUE, *sorted({f.rule for f in findings} - set(CATALOGUE))]
    failures = 0
    where = origins(result)
    for rule_id in rule_ids:
        rule = CATALOGUE.get(rule_id)
        case = ET.SubElement(suite, "testcase", classname=classname, name=f"{rule_id} {rule.name}" if rule else rule_id)
        mine = [f for f in findings if f.rule == rule_id]
        failing = [f for f in mine if fails(f, result)]
        if failing:
            worst = max(failing, key=lambda f: f.severity.rank)
            failure = ET.SubElement(case, "failure", message=safe(worst.message), type=worst.severity.value)
            failure.text = "\n".join(_reference_line(f, where) for f in failing)
            failures += 1
        elif mine:
            ET.SubElement(case, "system-out").text = "\n".join(_reference_line(f, where) for f in mine)
    suite.set("tests", str(len(rule_ids)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    return suite


def _reference_line(f: Finding, where: Mapping[str, Origin]) -> str:
    locs = ", ".join(o.location() for o in finding_origins(f, where))
    return safe(f"[{f.severity.value}] {f.rule} {f.message}" + (f" ({locs})" if locs else ""))


def _audit(paths: list[tuple[str, bytes | None]], policy: str = "default") -> AuditResult:
    docs = [scan_file(name, data=data).document for name, data in paths]
    return audit(docs, AuditSettings(preset(policy)))


SAMPLE_FILES = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and not p.name.startswith("."))


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: str(p.relative_to(SAMPLES)))
def test_each_sample_as_built_whole(sample: Path) -> None:
    result = _audit([(str(sample), None)])
    assert to_junit(result, 1) == _reference(result, 1)


@pytest.mark.parametrize("policy", ["default", "relay-only", "no-host-ip"])
def test_all_samples_together_and_missing_ones(policy: str, tmp_path: Path) -> None:
    missing, empty = str(tmp_path / "missing.sdp"), tmp_path / "empty.sdp"
    empty.write_text("v=0\n")
    result = _audit([(str(p), None) for p in SAMPLE_FILES] + [(missing, None), (str(empty), None)], policy)
    assert sum(len(f.evidence) for f in result.findings) > 20
    out = StringIO()
    write_junit(result, 2, out)
    assert out.getvalue() == _reference(result, 2)


def test_hostile_names_and_a_party_spilled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Markup, entities, controls and NUL in the path (every location names it), a party of 400
    distinct candidates with repeats; the same with ``limits.IN_MEMORY`` at 7."""
    lines = [f"a=candidate:{i} 1 udp 2122260223 10.0.{i // 256}.{i % 256} {10000 + i} typ host generation 0"
             for i in range(400)]  # fmt: skip
    lines += [*lines[:30], "a=candidate:9 1 udp 2122260223 203.0.113.9 5 typ host", "garbage"]
    data = ("\n".join(lines) + "\n").encode()
    inputs: list[tuple[str, bytes | None]] = [("a&<b>]]>\x00\x1b[31m\u202e\"'.log", data), ("plain.log", data[:2000])]
    whole = _reference(_audit(inputs), 1)
    assert "a&amp;&lt;b&gt;]]&gt;\\x00\\x1b[31m\\u202e\"'.log:1, " in whole and "\x00" not in whole
    assert to_junit(_audit(inputs), 1) == whole
    monkeypatch.setattr(limits, "IN_MEMORY", 7)
    result = _audit(inputs)
    assert any(len(f.evidence) > 400 for f in result.findings)
    assert to_junit(result, 1) == whole
