"""A party's ids held packed from the inference to the report (issue 11 item 5: one party of 2.6
million distinct candidates held its every candidate id as a tuple of strings, 190 MB, and the
scan's notes and wire step each a set of every address): ``groups.PackedRefs`` reads as the tuple
of its refs, a run of consecutive ids costs two numbers, and the report is the same."""

from __future__ import annotations

import io
import pickle
from collections.abc import Iterator, Sequence

import pytest

from icecheck.analysis import partystore
from icecheck.analysis.groups import Groups, PackedRefs, RefList, evidence
from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs import grouping, limits, spool, wire
from icecheck.inputs.candidate import parse_candidate
from icecheck.inputs.scanner import scan_file
from icecheck.model import CandidateRecord, ExposureKind, InputDocument, InputKind, InputStatus, Origin
from icecheck.render.json_report import write_json
from icecheck.render.sarif import write_sarif

REFS = ["c1", "c2", "c3", "a12", "c0", "c007", "x", "", "c4", "c5", "c99999999999", "c²", "ĉ1", "c1", "zz9", "c6"]


def _packed(refs: list[str]) -> PackedRefs:
    held = RefList()
    for r in refs:
        held.append(r)
    return PackedRefs(held)


def test_packed_refs_read_as_their_tuple() -> None:
    packed = _packed(REFS)
    assert packed == tuple(REFS) and tuple(REFS) == packed and list(packed) == REFS and len(packed) == len(REFS)
    assert [packed[i] for i in range(-len(REFS), len(REFS))] == REFS + REFS
    assert packed[2:9] == tuple(REFS[2:9]) and packed[::3] == tuple(REFS[::3]) and packed[-2:] == tuple(REFS[-2:])
    assert packed.head(9) == tuple(REFS[:9]) and packed.head(0) == ()
    assert hash(packed) == hash(tuple(REFS))
    assert pickle.loads(pickle.dumps(packed)) == packed
    assert packed != tuple(REFS[:-1]) and packed != (*REFS[:-1], "c7")
    with pytest.raises(IndexError):
        packed[len(REFS)]


def test_a_run_of_ids_costs_two_numbers() -> None:
    every = PackedRefs.of(f"c{n}" for n in range(1, 1_000_001))
    assert len(every._refs.starts) == 1 and every[999_999] == "c1000000" and every[1234] == "c1235"
    assert len(pickle.dumps(every)) < 300  # not a million strings
    assert every.distinct() and every.head(10).distinct() and not _packed(REFS).distinct()
    gaps = PackedRefs.of(f"c{n}" for n in (*range(1, 100), *range(200, 300), 150))
    assert len(gaps._refs.starts) == 3 and list(gaps)[-1] == "c150"
    assert not gaps.distinct()  # no repeat, but not ascending: not told cheaply
    assert PackedRefs.of(f"c{n}" for n in (*range(1, 100), *range(200, 300))).distinct()
    assert not PackedRefs.of(["c1", "c2", "c2"]).distinct()
    assert evidence(RefList()) == () and isinstance(evidence(every._refs), PackedRefs)


def test_a_spilled_table_gives_the_known_refs_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "IN_MEMORY", 5)
    every = PackedRefs.of(f"c{n}" for n in range(1, 2001))
    groups: Groups[str] = Groups()
    for n in range(1, 2001):
        groups.add("10.0.0.1", f"c{n}")
        groups.add(f"k{n % 3}", f"c{n}")
    groups.add("10.0.0.2", "c1")
    groups.add("10.0.0.2", "c2")
    read = dict(groups.items(every))
    assert read["10.0.0.1"] is every
    assert isinstance(read["10.0.0.2"], PackedRefs) and read["10.0.0.2"] == ("c1", "c2")  # the beginning, packed
    assert read["k1"] == tuple(f"c{n}" for n in range(1, 2001, 3))


def _log(n: int) -> bytes:
    return "".join(
        f"a=candidate:{i} 1 udp 2122260223 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255} {10000 + i} typ host"
        " generation 0\n"
        for i in range(n)
    ).encode()


def _reports(data: bytes) -> tuple[str, str, list[Sequence[str]]]:
    result = audit([scan_file("party.log", data=data).document], AuditSettings(preset("default")))
    json_out, sarif_out = io.StringIO(), io.StringIO()
    write_json(result, 1, json_out)
    write_sarif(result, 1, sarif_out, "/")
    every = [e.evidence for e in result.exposures if e.kind is ExposureKind.PRIVACY_MODE]
    every += [f.evidence for f in result.findings if f.rule == "ICE010"]
    return json_out.getvalue(), sarif_out.getvalue(), every


def test_a_spilled_party_keeps_its_ids_packed_and_reports_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """600 distinct private hosts of one party: past the limits (lowered), read once as one party,
    spilled and spooled, the exposure and the finding naming every candidate come back from the
    spools packed, and the JSON and SARIF reports are those of the party held in memory."""
    data = _log(600)
    ids = tuple(f"c{n}" for n in range(1, 601))
    json_held, sarif_held, held = _reports(data)
    assert held == [ids, ids]
    monkeypatch.setattr(limits, "IN_MEMORY", 7)
    monkeypatch.setattr(partystore, "IN_MEMORY", 7)
    monkeypatch.setattr(spool, "BATCH", 16)
    json_spilled, sarif_spilled, spilled = _reports(data)
    assert (json_spilled, sarif_spilled) == (json_held, sarif_held)
    assert spilled == [ids, ids] and all(isinstance(e, PackedRefs) and len(e._refs.starts) == 1 for e in spilled)


class _Counted(Sequence[CandidateRecord]):
    """Candidates that count how often they are read (a large input's are read from disk)."""

    def __init__(self, items: list[CandidateRecord]) -> None:
        self.items, self.reads = items, 0

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> CandidateRecord:  # type: ignore[override]
        return self.items[index]

    def __iter__(self) -> Iterator[CandidateRecord]:
        self.reads += 1
        return iter(self.items)


def _records(n: int) -> list[CandidateRecord]:
    return [
        CandidateRecord(
            parse_candidate(f"candidate:{i} 1 udp 2122260223 10.0.{i >> 8 & 255}.{i & 255} {1024 + i} typ host"),
            Origin("x.log", line=i + 1, call="call-1", party="offerer"),
        )
        for i in range(n)
    ]


def test_the_wire_step_reads_no_candidate_without_stun_on_the_wire() -> None:
    cands = _Counted(_records(300))
    doc = InputDocument("x.log", InputKind.TEXT, InputStatus.OK, candidates=cands)  # type: ignore[arg-type]
    assert list(wire.wire_exposures([doc], [])) == [] and cands.reads == 0


def test_a_party_lists_its_first_addresses_and_counts_the_rest_past_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recs = _records(3000) + _records(3000)  # every address twice
    doc = InputDocument("x.log", InputKind.TEXT, InputStatus.OK, candidates=tuple(recs))
    held = grouping.notes(grouping.group([doc]))
    monkeypatch.setattr(limits, "IN_MEMORY", 5)
    (call,) = grouping.group([doc])
    listed = call.parties["offerer"].candidates["host"]
    assert listed.count == 3000 and listed.first == ["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3"]
    assert (
        grouping.notes([call])
        == held
        == ["Call call-1 (x.log) — offerer: 3000 host (10.0.0.0, 10.0.0.1, 10.0.0.2, 10.0.0.3 +2996)."]
    )
