"""Held IP fragments are put together as they come, not sorted and walked again over all held for
each (issue 11 item 5: ``bench_hostile``'s pcap-frag-overlap, 20,000 overlapping fragments of one
datagram never completed, took 20 s; 28 s when they tiled it but for one that differed).

``pcap._Datagram.add`` looks at each piece a few times at most (``steps``), and gives what the
reassembly it replaced (``_reassemble`` here: sort all, then walk) gives, fragment by fragment
(compared on random fragment sets: gaps, overlaps that agree or differ, duplicates, several last
fragments).
"""

from __future__ import annotations

import io
import random
import struct
import sys

from icecheck.inputs import synth
from icecheck.redact.pcap import CaptureRewriter, _Datagram, redact_capture
from icecheck.redact.standins import StandIns


def _sorted_then_reassembled(pieces: list[tuple[int, bytes, bool]]) -> bytes | None:
    """The reassembly ``_Datagram`` replaced: the datagram when the fragments cover it without gaps
    and one ending it says no more follow; an exact duplicate is skipped, overlaps that differ give None."""
    out = bytearray()
    last = False
    for offset, data, more in sorted(pieces, key=lambda piece: piece[0]):
        if offset < len(out):
            if out[offset : offset + len(data)] != data:
                return None
            continue
        if offset != len(out):
            return None
        out += data
        last = not more
    return bytes(out) if last else None


def _steps_to_hold(n: int) -> int:
    """Steps to hold ``n`` fragments tiling a datagram but for one at its end that differs, then
    duplicates of them in random order (each walk would go over all of them, to fail at the end)."""
    rng = random.Random(5)
    group = _Datagram()
    for k in range(n):
        assert group.add(16 * k, bytes(16), True) is None
    assert group.add(16 * (n - 1), b"\xff" * 16, True) is None
    assert group.add(16 * n, bytes(16), False) is None
    for _ in range(4 * n):
        assert group.add(16 * rng.randrange(n), bytes(16), True) is None
    return group.steps


def test_fragments_never_completed_are_looked_at_a_few_times_each() -> None:
    small, large = _steps_to_hold(1000), _steps_to_hold(2000)
    assert large <= 2.1 * small and large <= 3 * 5 * 2000, (small, large)
    rng = random.Random(5)
    group = _Datagram()
    for _ in range(3000):  # pcap-frag-overlap: overlapping offsets, none ends it
        assert group.add(rng.randrange(0, 8000) * 8, bytes(16), True) is None
    assert group.steps <= 2 * 3000


def test_a_datagram_in_shuffled_fragments_is_walked_once() -> None:
    data = bytes(range(256)) * 40
    pieces = [(off, data[off : off + 64], off + 64 < len(data)) for off in range(0, len(data), 64)]
    random.Random(3).shuffle(pieces)
    group = _Datagram()
    got = [group.add(*piece) for piece in pieces]
    assert got[-1] == data and not any(got[:-1])
    assert group.steps <= 3 * len(pieces)  # each added, walked, and looked at where the walk waits


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


def test_giving_up_the_oldest_again_and_again_does_not_walk_what_was_given_up() -> None:
    """``give_up_oldest`` takes the first held group; a dict keeps the slots of the keys taken out, and
    ``next(iter(...))`` walked over all of them each time (quadratic at the end of a capture of
    14,000 incomplete datagrams). The held groups are copied anew as they go: the dict shrinks."""
    rw = CaptureRewriter(StandIns(), False)
    for n in range(8000):
        rw.held[("frag", bytes(4), bytes(4), n, 17)] = _Datagram()
    full = sys.getsizeof(rw.held)
    while len(rw.held) > 500:
        rw.give_up_oldest("test")
    assert sys.getsizeof(rw.held) < full / 4  # no longer the slots of 8,000
    assert list(rw.held) == [("frag", bytes(4), bytes(4), n, 17) for n in range(7500, 8000)]  # oldest first
