"""JUnit XML renderer (pure): one test suite per input, one test case per rule per input.

A rule's case fails when the input has a finding of that rule at or above fail-on (all such
findings are listed in the failure); findings below fail-on go to ``system-out``. An input
that could not be read gets an ``error`` case. XML is built with ElementTree (markup escaped),
and strings from the input pass through ``safe`` first: XML 1.0 cannot carry most control
characters even as references, so they are written as visible ``\\xNN`` text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Mapping

from icecheck.analysis.rules import CATALOGUE
from icecheck.model import AuditResult, Finding, InputDocument, InputStatus, Origin
from icecheck.render.locate import fails, finding_origins, finding_paths, origins
from icecheck.render.safe import safe


def to_junit(result: AuditResult, exit_code: int) -> str:
    """The XML document (with declaration), ending with a newline."""
    by_input = _findings_by_input(result)
    root = ET.Element("testsuites", name="icecheck")
    totals = [0, 0, 0]
    for doc in result.inputs:
        if doc.status is InputStatus.SKIPPED:  # found in a folder, no signalling: not a test
            continue
        suite = _suite(root, doc, by_input.get(doc.path, []), result)
        for i, key in enumerate(("tests", "failures", "errors")):
            totals[i] += int(suite.get(key, "0"))
    for i, key in enumerate(("tests", "failures", "errors")):
        root.set(key, str(totals[i]))
    root.set("exit_code", str(exit_code))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _findings_by_input(result: AuditResult) -> dict[str, list[Finding]]:
    where = origins(result)
    paths = [d.path for d in result.inputs]
    out: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        for path in finding_paths(f, where, paths):
            out[path].append(f)
    return out


def _suite(root: ET.Element, doc: InputDocument, findings: list[Finding], result: AuditResult) -> ET.Element:
    suite = ET.SubElement(root, "testsuite", name=safe(doc.path))
    if doc.status in (InputStatus.UNREADABLE, InputStatus.EMPTY):
        case = ET.SubElement(suite, "testcase", classname=_classname(doc.path), name="read input")
        messages = "; ".join(safe(d.message) for d in doc.diagnostics) or "nothing to audit"
        ET.SubElement(case, "error", message=f"{doc.status.value}: {messages}", type=doc.status.value)
        suite.set("tests", "1")
        suite.set("errors", "1")
        suite.set("failures", "0")
        return suite
    failures = sum(_case(suite, doc.path, rule_id, findings, result) for rule_id in _rule_ids(findings))
    suite.set("tests", str(len(_rule_ids(findings))))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    return suite


def _rule_ids(findings: list[Finding]) -> list[str]:
    """Every catalogue rule, plus any other rule a finding names."""
    return [*CATALOGUE, *sorted({f.rule for f in findings} - set(CATALOGUE))]


def _classname(path: str) -> str:
    return "icecheck." + safe(path).replace(".", "_")


def _case(suite: ET.Element, path: str, rule_id: str, findings: list[Finding], result: AuditResult) -> int:
    """Add one rule's case; 1 if it failed."""
    rule = CATALOGUE.get(rule_id)
    name = f"{rule_id} {rule.name}" if rule else rule_id
    case = ET.SubElement(suite, "testcase", classname=_classname(path), name=name)
    mine = [f for f in findings if f.rule == rule_id]
    failing = [f for f in mine if fails(f, result)]
    where = origins(result)
    text = "\n".join(_line(f, where) for f in mine)
    if failing:
        worst = max(failing, key=lambda f: f.severity.rank)
        failure = ET.SubElement(case, "failure", message=safe(worst.message), type=worst.severity.value)
        failure.text = "\n".join(_line(f, where) for f in failing)
    elif mine:
        ET.SubElement(case, "system-out").text = text
    return 1 if failing else 0


def _line(f: Finding, where: Mapping[str, Origin]) -> str:
    locs = ", ".join(o.location() for o in finding_origins(f, where))
    return safe(f"[{f.severity.value}] {f.rule} {f.message}" + (f" ({locs})" if locs else ""))
