"""Early TCP segments held by redaction are taken in scan's order without a pass over all of them
each time (issue 11 item 5: ``bench_hostile``'s pcap-tcp-holes, 14,000 one-byte segments each past
its own hole, given up one by one at the end of the capture, ran past 60 s).

``inputs.tcpheld.HeldSegments`` gives what a plain reference gives for the same segments (the first
held from where the stream is, and sweeps over all held in the order held; compared on random
streams, sequence numbers wrapping), and the sequence numbers it looks at (``steps``) follow the
segments taken, not those held.
"""

from __future__ import annotations

import io
import random

from icecheck.inputs import synth
from icecheck.inputs.tcpheld import HeldSegments, delta
from icecheck.inputs.tcpstream import place
from icecheck.redact.pcap import redact_capture
from icecheck.redact.standins import StandIns

MOD = 1 << 32


def resume_at(held: dict[int, int], expect: int) -> int:
    """The reference: the held segment least far past where the stream is."""
    return min(held, key=lambda seq: delta(seq, expect))


def _drained(held: dict[int, int], expect: int) -> tuple[list[int], int]:
    """The reference: sweeps over all held in the order held, taking each the stream has reached
    (popping it, moving the stream on past it, as ``pcap._drain`` does) until a sweep takes none."""
    box = [expect]
    taken = []
    progressed = True
    while held and progressed:
        progressed = False
        for seq in list(held):
            if seq in held and delta(seq, box[0]) <= 0:
                _move(box, seq, held.pop(seq))
                taken.append(seq)
                progressed = True
    return taken, box[0]


def _drained_early(early: HeldSegments[int], expect: int) -> tuple[list[int], int]:
    """The same through ``HeldSegments.drain``, which takes each out itself."""
    box = [expect]
    taken = []
    for seq, length in early.drain(lambda: box[0]):
        _move(box, seq, length)
        taken.append(seq)
    return taken, box[0]


def _move(box: list[int], seq: int, length: int) -> None:
    skip = place(box[0], seq, length)[1]
    if skip < length:
        box[0] = (box[0] + length - skip) % MOD


def test_the_same_segments_in_the_same_order_as_scan_takes_them() -> None:
    drains = 0
    for seed in range(3000):
        rng = random.Random(seed)
        ref: dict[int, int] = {}
        mine: HeldSegments[int] = HeldSegments()
        expect = rng.randrange(MOD)
        spread = rng.choice([8, 100, 5000, 1 << 31])
        for _ in range(rng.randrange(1, 60)):
            op = rng.random()
            if op < 0.6:
                seq = (expect + rng.randrange(-spread, spread + 1)) % MOD
                ref[seq] = mine[seq] = rng.randrange(1, 20)
            elif op < 0.7 and ref:
                assert mine.resume_at(expect) == resume_at(ref, expect)
                expect = resume_at(ref, expect)
            elif op < 0.75:
                expect = rng.randrange(MOD)  # a SYN starts the direction again anywhere
            else:
                taken, after = _drained(ref, expect)
                assert _drained_early(mine, expect) == (taken, after), seed
                drains += len(taken) > 1
                expect = after
            assert list(mine) == list(ref) and all(mine[seq] == ref[seq] for seq in ref)
    assert drains > 1000  # the comparison took runs of segments, not only one at a time


def _holes(n: int) -> int:
    """Steps to give up ``n`` one-byte segments, each past a one-byte hole, one by one."""
    early: HeldSegments[int] = HeldSegments()
    for i in range(n):
        early[1001 + 2 * i] = 1
    expect = 1000
    while early:
        expect = early.resume_at(expect)
        taken, expect = _drained_early(early, expect)
        assert len(taken) == 1
    return early.steps


def test_giving_up_hole_after_hole_looks_at_the_segments_taken_only() -> None:
    small, large = _holes(2000), _holes(4000)
    assert large <= 2.1 * small, (small, large)  # linear: a pass over all held per hole would be 4x
    assert large <= 5 * 4000  # a few per hole: where to resume, the segment taken, the next not reached


def test_a_capture_of_holes_is_blanked_segment_by_segment() -> None:
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    packets = [synth.tcp("10.0.0.1", 40000, "10.0.0.2", 5060, 999, flags=0x02)]
    packets += [synth.tcp("10.0.0.1", 40000, "10.0.0.2", 5060, 1001 + 2 * i, b"I") for i in range(300)]
    for i, packet in enumerate(packets):
        writer.write(synth.link(synth.ip(packet)[0]), 1_700_000_000 + i / 100)
    standins = StandIns()
    out = redact_capture(buf.getvalue(), standins)
    assert len(out) == len(buf.getvalue())
    blanked = {why: n for why, n in standins.left_out.items() if why.startswith("TCP payloads blanked")}
    assert sum(blanked.values()) == 300, blanked
