"""The audit's exposures and findings spooled with their long evidence packed (issue 11 item 5:
the finding that names a million candidates held a pickler's memo entry per ref while its batch
was pickled): read back equal and shared, and a whole report is the same spooled or not."""

from __future__ import annotations

import io
import os
import pickle
import pickletools

import pytest

from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, _dumps, audit
from icecheck.inputs import limits, spool
from icecheck.inputs.scanner import scan_file
from icecheck.inputs.spool import Spool, SpoolWriter
from icecheck.model import Exposure, ExposureKind, Finding
from icecheck.render.json_report import write_json
from icecheck.render.sarif import write_sarif
from icecheck.severity import Severity


def _batches(s: Spool[Finding]) -> list[bytes]:
    assert s._file is not None
    return [os.pread(s._file.fileno(), size, offset) for offset, size in s._spans]


def _strings(data: bytes) -> int:
    """How many strings a pickled batch holds as strings."""
    return sum(op.name.endswith("UNICODE") for op, _, _ in pickletools.genops(data))


def test_long_evidence_is_pickled_packed_and_read_back_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool, "BATCH", 4)
    shared = (*(f"c{n}" for n in range(1, 300)), "x", "c0")  # refs RefList packs, and two it keeps as text
    items = [Finding("ICE010", Severity.LOW, f"m{n % 3}", shared if n % 2 else shared[:n]) for n in range(11)]
    for dumps in (None, _dumps):
        writer: SpoolWriter[Finding] = SpoolWriter(dumps)
        writer.extend(items)
        spooled = writer.close()
        assert list(spooled) == items and spooled[9] == items[9] and len(spooled._spans) == 2
        strings = [_strings(data) for data in _batches(spooled)]
        assert all(n > 300 for n in strings) if dumps is None else all(n < 60 for n in strings)
        batch = spooled._batch(1)  # items 4 to 7: 5 and 7 shared one tuple
        assert batch[1].evidence is batch[3].evidence


def test_an_exposure_is_packed_too() -> None:
    evidence = tuple(f"c{n}" for n in range(1, 200))
    e = Exposure(ExposureKind.LOCAL_ADDRESS, "s", evidence, value="v", party="p")
    data = _dumps([e, e._replace(summary="t")])
    assert pickle.loads(data) == [e, e._replace(summary="t")]
    assert _strings(data) < 40  # module and class names, not 199 refs


def _reports(text: str, spooled: bool = False) -> tuple[str, str]:
    result = audit([scan_file("party.log", data=text.encode()).document], AuditSettings(preset("default")))
    assert len(result.findings) > 300 and any(len(f.evidence) == 300 for f in result.findings)
    if spooled:  # the findings on disk, pickled without a memo
        assert isinstance(result.findings, Spool) and isinstance(result.exposures, Spool)
        assert all(_strings(data) < 300 * 4 for data in _batches(result.findings))  # ICE010's 300 refs packed
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
