"""GitHub annotations in bounded memory (issue 11 item 5: a party's million findings):
``github.write_github`` writes a line at a time, the findings read in ``locate.ordered``'s order
from their indices grouped by severity and rule; its text is that of the lines built and sorted
whole (the reference below is ``to_github`` as it was, 2026-12-06, main dd42158), for every
sample, several inputs, hostile names, and with ``limits.IN_MEMORY`` lowered (findings spooled)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest

from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs import limits
from icecheck.inputs.scanner import scan_file
from icecheck.model import AuditResult
from icecheck.render.github import _diagnostic, _finding, to_github, write_github
from icecheck.render.locate import input_problems, ordered, origins, summary
from icecheck.render.safe import safe
from tests.conftest import SAMPLES


def _reference(result: AuditResult, exit_code: int) -> str:
    lines = [_diagnostic(d) for doc in result.inputs for d in doc.diagnostics]
    where = origins(result)
    lines += [_finding(f, where) for f in ordered(result)]
    problems = input_problems(result, safe)
    source = f" from {safe(result.policy_source)}" if result.policy_source else ""
    lines.append(f"icecheck: {summary(result)}; policy {safe(result.policy)}{source}, fail-on {result.fail_on.value}"
                 f"{'; ' + problems if problems else ''} → exit {exit_code}")  # fmt: skip
    return "\n".join(lines) + "\n"


def _audit(paths: list[tuple[str, bytes | None]], policy: str = "default") -> AuditResult:
    return audit([scan_file(name, data=data).document for name, data in paths], AuditSettings(preset(policy)))


SAMPLE_FILES = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and not p.name.startswith("."))


@pytest.mark.parametrize("policy", ["default", "relay-only", "no-host-ip"])
def test_samples_one_by_one_and_together(policy: str, tmp_path: Path) -> None:
    for sample in SAMPLE_FILES:
        result = _audit([(str(sample), None)], policy)
        assert to_github(result, 1) == _reference(result, 1)
    empty = tmp_path / "empty.sdp"
    empty.write_text("v=0\n")
    result = _audit([(str(p), None) for p in SAMPLE_FILES] + [(str(tmp_path / "missing"), None), (str(empty), None)])
    assert len({(f.severity, f.rule) for f in result.findings}) > 3  # several groups, interleaved in the input
    out = StringIO()
    write_github(result, 2, out)
    assert out.getvalue() == _reference(result, 2)


def test_hostile_names_and_a_party_spilled(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [f"a=candidate:{i} 1 udp 2122260223 10.0.{i // 256}.{i % 256} {10000 + i} typ host generation 0"
             for i in range(400)]  # fmt: skip
    lines += [*lines[:30], "a=candidate:9 1 udp 2122260223 203.0.113.9 5 typ host", "garbage"]
    data = ("\n".join(lines) + "\n").encode()
    inputs: list[tuple[str, bytes | None]] = [("a%,:\n::error::x\x1b\u202e.log", data), ("plain.log", data[:2000])]
    whole = _reference(_audit(inputs), 1)
    assert "file=a%25%2C%3A%0A%3A%3Aerror%3A%3Ax\\x1b\\u202e.log,line=1," in whole
    assert to_github(_audit(inputs), 1) == whole
    monkeypatch.setattr(limits, "IN_MEMORY", 7)
    result = _audit(inputs)
    assert len(result.findings) > 400
    assert to_github(result, 1) == whole
