"""Calls and parties of a scan (``inputs.grouping``): each address once per party, in first-seen order."""

from __future__ import annotations

from icecheck.inputs.candidate import parse_candidate
from icecheck.inputs.grouping import group, notes
from icecheck.model import CandidateRecord, InputDocument, InputKind, InputStatus, Origin


def record(n: int, call: str | None = "call-1", party: str | None = "offerer") -> CandidateRecord:
    cand = parse_candidate(f"candidate:{n} 1 udp 2122260223 10.{n >> 8 & 255}.{n & 255}.1 {1024 + n} typ host")
    return CandidateRecord(cand, Origin("x.log", line=n + 1, call=call, party=party))


def test_a_party_with_many_addresses_lists_each_once_in_order() -> None:
    # 30,000 distinct addresses in one party, each seen twice (two ports): once quadratic in the
    # party's size (a list searched per item); now a set that keeps the first-seen order.
    recs = tuple(record(n) for n in range(30_000)) + tuple(record(n) for n in range(30_000))
    doc = InputDocument("x.log", InputKind.TEXT, InputStatus.OK, candidates=recs)
    (call,) = group([doc])
    party = call.parties["offerer"]
    assert party.candidates["host"].first[:3] == ["10.0.0.1", "10.0.1.1", "10.0.2.1"]
    assert party.candidates["host"].count == len({r.candidate.address for r in recs}) == 30_000
    assert notes([call]) == [
        "Call call-1 (x.log) — offerer: 30000 host (10.0.0.1, 10.0.1.1, 10.0.2.1, 10.0.3.1 +29996)."
    ]


def test_items_without_a_call_or_party_fall_in_their_own_groups() -> None:
    doc = InputDocument("x.log", InputKind.TEXT, InputStatus.OK, candidates=(record(1, None, None),))
    assert notes(group([doc])) == ["Call (no call) (x.log) — (unknown party): 1 host (10.0.1.1)."]


def test_calls_past_the_notes_are_counted_not_built() -> None:
    """A capture of many STUN exchanges, each its own call: only the calls the notes show are built
    (a ``CallGroup`` each, 181 MB for 300,000 of them); the others are counted, and the notes are
    those of all the calls grouped."""
    from icecheck.inputs.grouping import MAX_NOTES, counted

    recs = tuple(record(n, call=f"call-{n % 5000}", party=f"p{n % 3}") for n in range(20_000))
    doc = InputDocument("x.log", InputKind.TEXT, InputStatus.OK, candidates=recs)
    every = group([doc])
    assert len(every) == 5000
    built, total = counted([doc], MAX_NOTES)
    assert len(built) == MAX_NOTES and total == 5000
    assert notes(built, total) == notes(every)
    assert notes(built, total)[-1] == f"{5000 - MAX_NOTES} more calls not listed."
    few, total = counted([doc], 3)
    assert len(few) == 3 and notes(few, total)[-1] == f"{5000 - 3} more calls not listed."


def test_parties_past_the_notes_are_counted_not_built() -> None:
    """A STUN server's exchanges with a client per flow: one call, a party per client. Every party
    was built and given a note line (300,000 of them: 217 MB of a scan's 346 MB peak); past the
    first ``keep`` they are counted, in one line."""
    from icecheck.inputs.grouping import MAX_NOTES, counted

    recs = tuple(record(n, call="stun", party=f"10.0.{n >> 8 & 255}.{n & 255}:{n}") for n in range(3000))
    recs += tuple(record(n, call=f"sip-{n}", party="offerer") for n in range(3))
    doc = InputDocument("x.log", InputKind.TEXT, InputStatus.OK, candidates=recs)
    built, total = counted([doc], MAX_NOTES)
    assert total == 4 and len(built) == 4
    assert len(built[0].parties) == MAX_NOTES and built[0].more_parties == 3000 - MAX_NOTES
    lines = notes(built, total)
    assert lines[MAX_NOTES] == f"Call stun (x.log) — {3000 - MAX_NOTES} more parties not listed."
    assert lines[:MAX_NOTES] == notes(group([doc]))[:MAX_NOTES]
    assert len(lines) == MAX_NOTES + 1 + 3
