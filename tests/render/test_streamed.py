"""Reports written item by item (issue 11 item 5: any input under 300 MB RSS): the SARIF log and the
JSON report are streamed, and a finding with much evidence is written location by location. The text
is the one ``json.dumps`` makes of the whole dict, and the same whether a finding is written at once
(little evidence) or item by item (much), on every sample and on a party with hundreds of candidates."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs import wire
from icecheck.inputs.scanner import scan_paths
from icecheck.model import AuditResult, Finding
from icecheck.render import json_report, sarif
from icecheck.render.json_report import to_dict, write_json
from icecheck.render.safe import json_dumps
from icecheck.render.sarif import to_sarif, write_sarif
from icecheck.severity import Severity
from tests.conftest import SAMPLES

ROOT = "/nonexistent-root"


def _audit(paths: list[str]) -> AuditResult:
    outputs = list(scan_paths(paths, None, None))
    docs = [o.document for o in outputs]
    facts = [f for o in outputs for f in o.wire]
    return audit(docs, AuditSettings(preset("default")), extra_exposures=wire.wire_exposures(docs, facts))


def _party(tmp_path: Path, count: int = 300) -> Path:
    """One text log of ``count`` distinct host candidates, one a line."""
    lines = [f"a=candidate:{n} 1 udp 2122260223 10.1.{n // 250}.{n % 250} {4000 + n} typ host" for n in range(count)]
    path = tmp_path / "party.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def _with_odd_evidence(result: AuditResult) -> AuditResult:
    """Plus a finding whose evidence repeats ids and names one that is not in the result."""
    ids = [c.id for c in result.candidates]
    odd = Finding("ICE010", Severity.LOW, "odd \u202e evidence", (*ids, "c999999", ids[0], *reversed(ids)))
    return replace(result, findings=(*result.findings, odd))


def _sarif_text(result: AuditResult) -> str:
    out = io.StringIO()
    write_sarif(result, 1, out, ROOT)
    return out.getvalue()


def _json_text(result: AuditResult) -> str:
    out = io.StringIO()
    write_json(result, 1, out)
    return out.getvalue()


def _all_at_once(monkeypatch: pytest.MonkeyPatch, few: int) -> None:
    monkeypatch.setattr(sarif, "_FEW", few)
    monkeypatch.setattr(json_report, "_FEW", few)


def _inputs() -> list[Path]:
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix != ".md")


@pytest.mark.parametrize("sample", _inputs(), ids=lambda p: str(p.relative_to(SAMPLES)))
def test_streamed_sarif_is_the_dumped_log(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _audit([str(sample)])
    text = _sarif_text(result)
    assert text == json_dumps(to_sarif(result, 1, ROOT))
    _all_at_once(monkeypatch, 0)  # every finding item by item: the same text
    assert _sarif_text(result) == text
    assert _json_text(result) == json_dumps(to_dict(result, 1))


@pytest.mark.parametrize("few", [0, 10**9])
def test_a_finding_with_much_evidence_is_the_same_written_item_by_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    result = _with_odd_evidence(_audit([str(_party(tmp_path))]))
    assert max(len(f.evidence) for f in result.findings) > 64
    streamed_sarif, streamed_json = _sarif_text(result), _json_text(result)
    _all_at_once(monkeypatch, few)
    assert streamed_sarif == _sarif_text(result) == json_dumps(to_sarif(result, 1, ROOT))
    assert streamed_json == _json_text(result) == json_dumps(to_dict(result, 1))
    assert "\u202e" not in streamed_sarif and "\\u202e" in streamed_sarif


def test_related_locations_of_a_large_finding(tmp_path: Path) -> None:
    """Each origin once, in evidence order; the fingerprint names the file; unknown ids left out."""
    result = _with_odd_evidence(_audit([str(_party(tmp_path))]))
    log: dict[str, Any] = json.loads(_sarif_text(result))
    odd = log["runs"][0]["results"][-1]
    lines = [odd["locations"][0]["physicalLocation"]["region"]["startLine"]]
    lines += [r["physicalLocation"]["region"]["startLine"] for r in odd["relatedLocations"]]
    assert lines == list(range(1, 301))  # repeated ids and c999999 add none
    assert [r["id"] for r in odd["relatedLocations"]] == list(range(1, 300))
    report = json.loads(_json_text(result))
    assert len(report["findings"][-1]["locations"]) == 2 * 300 + 1  # one per known id, repeats kept
