"""Bounded memory (issue 13 item 5, issue 11 item 5): past ``limits.IN_MEMORY`` distinct items a
sink moves its oldest ones to disk, the audit writes its items, exposures and findings to spools
and groups parties through SQLite — and every report is the same as when everything is held."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from icecheck.analysis import partystore
from icecheck.cli import cli
from icecheck.inputs import limits, spool
from icecheck.inputs.scanner import read_capture, scan_file
from icecheck.inputs.sink import Sink
from icecheck.inputs.spool import HeldWriter, Spool, SpoolWriter
from icecheck.model import AddressRole, InputKind, Origin
from tests.conftest import SAMPLES


def _bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything spills: one item in memory, batches of two, parties grouped on disk."""
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    monkeypatch.setattr(spool, "BATCH", 2)
    monkeypatch.setattr(partystore, "IN_MEMORY", 1)
    monkeypatch.setattr(partystore, "_FEW", 1)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7])
def test_a_spool_reads_back_what_was_written(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    monkeypatch.setattr(spool, "BATCH", 2)
    items = [("item", i) for i in range(n)]
    held = Spool.of(items)
    assert len(held) == n and list(held) == items and held == tuple(items) and tuple(items) == held
    assert held[:3] == items[:3] and held[1:] == items[1:] and [held[i] for i in range(-n, n)] == items + items
    assert list(pickle.loads(pickle.dumps(held))) == items
    assert held != (*items, ("other", 0))
    with pytest.raises(IndexError):
        held[n]
    writer: SpoolWriter[tuple[str, int]] = SpoolWriter()
    for item in items:
        writer.append(item)
    assert len(writer) == n and list(writer.close()) == items


@pytest.mark.parametrize("n", [0, 2, 3, 7])
def test_a_held_writer_gives_a_tuple_up_to_its_limit_then_a_spool(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    monkeypatch.setattr(spool, "BATCH", 2)
    items = [("item", i) for i in range(n)]
    writer: HeldWriter[tuple[str, int]] = HeldWriter(2)
    writer.extend(items)
    assert len(writer) == n
    out = writer.close()
    assert isinstance(out, tuple if n <= 2 else Spool) and list(out) == items


def test_two_iterations_may_interleave(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool, "BATCH", 2)
    held = Spool.of(range(9))
    assert [(a, b) for a, b in zip(held, held, strict=True)] == [(i, i) for i in range(9)]
    assert held[7] == 7 and held[0] == 0 and held[8] == 8  # a batch read, then another


def _sightings(sink: Sink) -> None:
    """Items, repeats of items long moved to disk (counts and last origins), and new ones."""
    for round_ in range(3):
        for n in range(5):
            where = Origin("x.pcap", packet=100 * round_ + n, detail=f"round {round_}", call=f"call-{n % 2}")
            sink.address_at(f"192.0.2.{n}", AddressRole.STUN_MAPPED, 3478, where, "XOR-MAPPED-ADDRESS", "offerer")
            sink.sdp(f"v=0\r\nm=audio 9 RTP/AVP 0\r\na=candidate:1 1 udp 1 10.0.0.{n} {n} typ host\r\n", where)
        sink.address_at("198.51.100.9", AddressRole.STUN_MAPPED, 1, Origin("x.pcap", packet=round_), "new", None)


def test_a_sink_that_spills_gives_the_document_it_would_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    held = Sink("x.pcap")
    _sightings(held)
    expected = held.document(InputKind.PCAP)
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    spilled = Sink("x.pcap")
    _sightings(spilled)
    assert spilled.store is not None and sum(spilled.store.held) == 10  # all but the newest item are on disk
    doc = spilled.document(InputKind.PCAP)
    assert isinstance(doc.candidates, Spool)
    assert doc == expected and doc.duplicates == expected.duplicates > 0
    assert [a.count for a in doc.addresses] == [a.count for a in expected.addresses]
    assert [a.last for a in doc.addresses] == [a.last for a in expected.addresses]


def test_the_bound_on_distinct_items_counts_those_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    monkeypatch.setattr(limits, "MAX_ITEMS", 4)
    sink = Sink("x.pcap")
    for n in range(6):
        sink.address_at(f"192.0.2.{n}", AddressRole.STUN_MAPPED, 1, Origin("x.pcap", packet=n), "m", None)
    sink.address_at("192.0.2.0", AddressRole.STUN_MAPPED, 1, Origin("x.pcap", packet=9), "m", None)  # on disk: folds
    doc = sink.document(InputKind.PCAP)
    assert [a.address for a in doc.addresses] == [f"192.0.2.{n}" for n in range(4)]
    assert doc.addresses[0].count == 2 and doc.unaudited == 2 and doc.status == "partial"


def test_a_capture_read_with_everything_on_disk_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(SAMPLES / "captures" / "sip-udp-nat-fragments.pcap")
    expected = scan_file(path).document
    _bounded(monkeypatch)
    part = read_capture(path)
    assert part.sink.store is not None
    assert scan_file(path).document == expected


def _scan(*args: str) -> str:
    result = CliRunner().invoke(cli, ["scan", "--offline", "--fail-on", "info", *args], catch_exceptions=False)
    return result.output


@pytest.mark.parametrize("fmt", ["json", "sarif", "text", "markdown"])
def test_every_report_is_the_same_when_everything_spills(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    args = ["--jobs", "1", "-f", fmt, str(SAMPLES / "captures"), str(SAMPLES / "real"), str(SAMPLES / "rules")]
    expected = _scan(*args)
    assert '"id": "c40"' in expected if fmt == "json" else expected
    _bounded(monkeypatch)
    assert _scan(*args) == expected


def test_the_same_with_two_processes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    args = ["-f", "json", str(SAMPLES / "captures")]
    expected = _scan("--jobs", "1", *args)
    _bounded(monkeypatch)
    assert _scan("--jobs", "2", *args) == expected


def test_an_sdp_file_that_spills_gives_the_document_it_would_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    from icecheck.inputs.sdp import parse_sdp_text

    lines = []
    for round_ in range(3):  # each line again, long after it was moved to disk
        for n in range(5):
            lines += [f"a=candidate:1 1 udp 1 10.0.0.{n} {n} typ host", f"c=IN IP4 192.0.2.{n}"]
        lines.append(f"a=candidate:2 1 udp 1 10.0.1.{round_} 9 typ host")
    text = "\n".join(lines)
    expected = parse_sdp_text(text, Origin("x.log"))
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    doc = parse_sdp_text(text, Origin("x.log"))
    assert isinstance(doc.candidates, Spool)
    assert doc == expected and doc.duplicates == expected.duplicates == 10
    assert [c.count for c in doc.candidates] == [3] * 5 + [1] * 3
    assert [a.last for a in doc.addresses] == [a.last for a in expected.addresses]


@pytest.mark.parametrize("few", [1, 256])
@pytest.mark.parametrize("calls", [1, 3, 12])
def test_party_groups_are_split_groups(monkeypatch: pytest.MonkeyPatch, calls: int, few: int) -> None:
    """Past ``IN_MEMORY`` items and parties (lowered to 1: the parties are numbered in SQLite), the
    groups are ``split``'s, a party of more than ``_FEW`` items read from disk as it is iterated;
    ``party_ids`` gives their ids and labels as it does with everything in memory."""
    from icecheck.analysis.parties import split
    from icecheck.audit import audit_addresses, audit_candidates

    sink = Sink("x.pcap")
    for n in range(12):
        where = Origin("x.pcap", packet=n, call=f"call-{n % calls}")
        sink.sdp(f"v=0\r\nc=IN IP4 192.0.2.{n}\r\na=candidate:1 1 udp 1 10.0.0.{n} 9 typ host\r\n", where)
    docs = [sink.document(InputKind.PCAP)]
    cands, addrs = audit_candidates(docs), audit_addresses(docs)
    held_ids = [(k, label, list(c), list(a)) for k, label, c, a in partystore.party_ids(cands, addrs)]
    monkeypatch.setattr(partystore, "IN_MEMORY", 1)
    monkeypatch.setattr(partystore, "_FEW", few)
    expected = split(cands, addrs)
    n = 0
    for n, group in enumerate(partystore.party_groups(cands, addrs), 1):  # a group is read before the next
        assert group == expected[n - 1] and list(group.candidates) == list(expected[n - 1].candidates)
        if calls == 1:  # one party: not filed
            assert group.candidates is cands and group.addresses is addrs
        else:
            assert isinstance(group.candidates, tuple) is (len(cands) + len(addrs) <= few * calls)
    assert n == len(expected) == calls
    filed_ids = [(k, label, list(c), list(a)) for k, label, c, a in partystore.party_ids(cands, addrs)]
    assert filed_ids == held_ids and [k for k, *_ in held_ids] == [g.key for g in expected]
    assert sum(len(c) + len(a) for _, _, c, a in filed_ids) == len(cands) + len(addrs) == 24
