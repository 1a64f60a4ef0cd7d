"""The audit's exposures and findings spooled without the pickler's memo (issue 11 item 5: the
finding that names a million candidates held a memo entry per ref while its batch was pickled):
read back equal, pickled without a memo opcode, and a whole report is the same spooled or not."""

from __future__ import annotations

import io
import os
import pickletools

import pytest

from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs import limits, spool
from icecheck.inputs.scanner import scan_file
from icecheck.inputs.spool import Spool, SpoolWriter
from icecheck.model import Finding
from icecheck.render.json_report import write_json
from icecheck.render.sarif import write_sarif
from icecheck.severity import Severity


def _batches(s: Spool[Finding]) -> list[bytes]:
    assert s._file is not None
    return [os.pread(s._file.fileno(), size, offset) for offset, size in s._spans]


def test_a_spool_without_memo_reads_back_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool, "BATCH", 4)
    shared = tuple(f"c{n}" for n in range(1, 300))
    items = [Finding("ICE010", Severity.LOW, f"m{n % 3}", shared if n % 2 else shared[:n]) for n in range(11)]
    for memo in (True, False):
        writer: SpoolWriter[Finding] = SpoolWriter(memo=memo)
        writer.extend(items)
        spooled = writer.close()
        assert list(spooled) == items and spooled[9] == items[9] and len(spooled._spans) == 2
        ops = {op.name for data in _batches(spooled) for op, _, _ in pickletools.genops(data)}
        assert ("MEMOIZE" in ops) is memo


def _reports(text: str, spooled: bool = False) -> tuple[str, str]:
    result = audit([scan_file("party.log", data=text.encode()).document], AuditSettings(preset("default")))
    assert len(result.findings) > 300 and any(len(f.evidence) == 300 for f in result.findings)
    if spooled:  # the findings on disk, pickled without a memo
        assert isinstance(result.findings, Spool) and isinstance(result.exposures, Spool)
        ops = {op.name for data in _batches(result.findings) for op, _, _ in pickletools.genops(data)}
        assert "MEMOIZE" not in ops and "SHORT_BINUNICODE" in ops
    json_out, sarif_out = io.StringIO(), io.StringIO()
    write_json(result, 1, json_out)
    write_sarif(result, 1, sarif_out, "/")
    return json_out.getvalue(), sarif_out.getvalue()


def test_a_party_whose_findings_are_spooled_reports_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """300 distinct private hosts: a finding each and one naming them all (ICE010), spooled in
    batches of 16 past ``limits.IN_MEMORY`` at 7."""
    text = "".join(
        f"a=candidate:{i} 1 udp 2122260223 10.0.{i // 256}.{i % 256} {10000 + i} typ host generation 0\n"
        for i in range(300)
    )
    held = _reports(text)
    monkeypatch.setattr(limits, "IN_MEMORY", 7)
    monkeypatch.setattr(spool, "BATCH", 16)
    assert _reports(text, spooled=True) == held
