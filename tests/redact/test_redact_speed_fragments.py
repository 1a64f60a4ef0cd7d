"""Held IP fragments are put together only when they can make the datagram (issue 11 item 5:
``bench_hostile``'s pcap-frag-overlap, 20,000 overlapping fragments of one datagram never completed,
each sorted and walked over all held again, took 20 s).

``pcap._Datagram.add`` tries ``_reassemble`` (``tries``) only once every byte to the furthest end is
under a fragment and one says none follow, and gives what sorting all the fragments and reassembling
them gives, fragment by fragment (compared on random fragment sets: gaps, overlaps that agree or
differ, duplicates, several last fragments).
"""

from __future__ import annotations

import io
import random
import struct

from icecheck.inputs import synth
from icecheck.redact.pcap import _Datagram, _reassemble, redact_capture
from icecheck.redact.standins import StandIns


def _sorted_then_reassembled(pieces: list[tuple[int, bytes, bool]]) -> bytes | None:
    return _reassemble(sorted(pieces, key=lambda piece: piece[0]))


def test_fragments_never_completed_are_never_put_together() -> None:
    rng = random.Random(5)
    group = _Datagram()
    for _ in range(3000):
        assert group.add(rng.randrange(0, 8000) * 8, bytes(16), True) is None
    assert group.tries == 0


def test_a_datagram_in_shuffled_fragments_is_tried_once_it_is_covered() -> None:
    data = bytes(range(256)) * 40
    pieces = [(off, data[off : off + 64], off + 64 < len(data)) for off in range(0, len(data), 64)]
    random.Random(3).shuffle(pieces)
    group = _Datagram()
    got = [group.add(*piece) for piece in pieces]
    assert got[-1] == data and not any(got[:-1])
    assert group.tries == 1


def test_as_sorting_all_and_reassembling_them_gives() -> None:
    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(96))
    other = bytes(96)
    whole = 0
    for _ in range(3000):
        group = _Datagram()
        held: list[tuple[int, bytes, bool]] = []
        size = rng.choice([16, 48, 96])
        for _ in range(rng.randrange(1, 25)):
            off = rng.randrange(0, size // 8) * 8
            end = min(size, off + rng.choice([0, 8, 16, 24, 40]))
            piece = (off, (other if rng.random() < 0.05 else data)[off:end], end < size or rng.random() < 0.3)
            held.append(piece)
            got = group.add(*piece)
            assert got == _sorted_then_reassembled(held), held
            whole += got is not None
    assert whole > 1000  # the comparison saw datagrams made whole, not only fragments held


def test_overlapping_fragments_in_a_capture_are_dropped() -> None:
    rng = random.Random(5)
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    for i in range(500):
        off = rng.randrange(0, 8000)
        head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 36, 7, 0x2000 | off, 64, 17, 0, bytes(4), bytes(4))
        writer.write(synth.link(head + bytes(16)), 1.0 + i / 1000)
    standins = StandIns()
    out = redact_capture(buf.getvalue(), standins)
    assert len(out) == 24  # the file header: every fragment dropped
    assert standins.left_out["IP fragments dropped (incomplete at the end of the capture)"] == 500
