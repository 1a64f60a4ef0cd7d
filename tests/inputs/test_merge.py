"""Merging the parts of a capture (``inputs.merge``): the sink one process fills, in bounded
memory — the parts spill and are read back as streams, the merged sink spills (issue 13)."""

from __future__ import annotations

import pytest

from icecheck.inputs import limits
from icecheck.inputs.merge import merge, settle
from icecheck.inputs.sink import Sink
from icecheck.model import AddressRole, InputKind, Origin

# (ordinal, part, item): item 0 is seen by both parts, last by part 0 after part 1's last
# sighting of it; item 1 twice by part 1; the others once.
SCRIPT = [(1, 0, 0), (2, 1, 0), (3, 1, 1), (4, 0, 2), (5, 1, 0), (6, 0, 3), (7, 0, 0), (8, 1, 4), (9, 1, 1)]


def _sighting(sink: Sink, ordinal: int, n: int) -> None:
    """A STUN mapped address and an SDP body's candidate, at packet ``ordinal``."""
    sink.ordinal = ordinal
    where = Origin("x.pcap", packet=ordinal, detail=f"message {ordinal}", call="call-1")
    sink.address_at(f"192.0.2.{n}", AddressRole.STUN_MAPPED, 3478, where, "XOR-MAPPED-ADDRESS", "offerer")
    sink.sdp(f"v=0\r\nm=audio 9 RTP/AVP 0\r\na=candidate:1 1 udp 1 10.0.0.{n} {n} typ host\r\n", where)


@pytest.mark.parametrize("settled", [False, True])  # the repeats' last origins built by the parts (``settle``)
@pytest.mark.parametrize("in_memory", [1, 2, 3, 6, 50_000])  # 6: no part spills, their 12 items together would
def test_items_two_parts_both_saw_fold_as_one_process_folds_them(
    monkeypatch: pytest.MonkeyPatch, in_memory: int, settled: bool
) -> None:
    monkeypatch.setattr(limits, "IN_MEMORY", in_memory)
    one = Sink("x.pcap")
    for ordinal, _, n in SCRIPT:
        _sighting(one, ordinal, n)
    expected = one.document(InputKind.PCAP)
    parts = [Sink("x.pcap"), Sink("x.pcap")]
    for part in parts:
        part.track_order()
    for ordinal, i, n in SCRIPT:
        _sighting(parts[i], ordinal, n)
    assert in_memory > 3 or all(p.store is not None for p in parts)  # the parts spilled
    assert in_memory <= 3 or all(p.store is None for p in parts)  # else held: sorted, or merged as streams
    if settled:
        for part in parts:
            settle(part)
    merged = merge(parts)
    assert in_memory > 6 or merged.store is not None  # the merge spilled
    doc = merged.document(InputKind.PCAP)
    assert doc == expected
    for got, want in ((doc.addresses, expected.addresses), (doc.candidates, expected.candidates)):
        assert [(r.count, r.last) for r in got] == [(r.count, r.last) for r in want]
        assert [r.count for r in got] == [4, 2, 1, 1, 1]
        assert got[0].last is not None and got[0].last.packet == 7  # part 0's, though part 1 came later
        assert got[1].last is not None and got[1].last.packet == 9
