"""TCP reassembly (``inputs.tcpstream``, its early segments in ``inputs.tcpheld``): the same bytes in
the same order as the plain sweeps, at a cost that does not grow with the square of the held segments.

``_Sweeps`` below is the reassembly as it was written first (sweeping every held segment for each
one taken, a linear search for the earliest at each gap): the reference the heaps must agree with,
event for event, on any sequence of segments (retransmissions, overlaps with other bytes, holes,
cuts, sequence numbers that wrap). The work is counted in the sequence numbers ``HeldSegments``
looks at (``steps``), not timed: 1,500 one-byte segments in reverse order took 1.1 million
comparisons when every drain swept all held.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.inputs import tcpstream
from icecheck.inputs.tcpheld import HeldSegments
from icecheck.inputs.tcpheld import delta as _delta
from icecheck.inputs.tcpstream import MAX_HELD, TcpDirection, place, supersedes

_MOD = 1 << 32


def _sweep_order(held: Mapping[int, object], next_seq: Callable[[], int]) -> Iterator[int]:
    while held:
        progressed = False
        for seq in list(held):
            if seq in held and _delta(seq, next_seq()) <= 0:
                progressed = True
                yield seq
        if not progressed:
            return


class _Sweeps:
    """The reference: held segments in a dict, swept whole for each drain and each gap."""

    def __init__(self, consumer: _Log, max_held: int) -> None:
        self.consumer, self.max_held = consumer, max_held
        self.next_seq: int | None = None
        self.held: dict[int, tuple[bytes, int, float]] = {}
        self.held_bytes = 0

    def syn(self, seq: int) -> None:
        if self.next_seq is None:
            self.next_seq = (seq + 1) % _MOD

    def segment(self, seq: int, data: bytes, packet: int, time: float) -> None:
        if self.next_seq is None:
            self.next_seq = seq
        hole, trim = place(self.next_seq, seq, len(data))
        if hole:
            old = self.held.get(seq)
            if old is not None and not supersedes(len(old[0]), len(data)):
                return
            self.held_bytes += len(data) - (len(old[0]) if old else 0)
            self.held[seq] = (data, packet, time)
            while self.held_bytes > self.max_held and self.held:
                self.skip_gap(given_up=True)
            return
        if trim < len(data):
            self.deliver(data[trim:], packet, time)
            self.drain()

    def deliver(self, data: bytes, packet: int, time: float) -> None:
        assert self.next_seq is not None
        self.next_seq = (self.next_seq + len(data)) % _MOD
        self.consumer.data(data, packet, time)

    def drain(self) -> None:
        for seq in _sweep_order(self.held, lambda: self.next_seq or 0):
            data, packet, time = self.held.pop(seq)
            self.held_bytes -= len(data)
            trim = place(self.next_seq or 0, seq, len(data))[1]
            if trim < len(data):
                self.deliver(data[trim:], packet, time)

    def skip_gap(self, given_up: bool = False) -> None:
        assert self.next_seq is not None
        start = self.next_seq
        first = min(self.held, key=lambda seq: _delta(seq, start))
        self.consumer.gap(_delta(first, self.next_seq), self.held[first][1], given_up)
        self.next_seq = first
        self.drain()

    def cut(self, seq: int, announced: int, captured: int, packet: int) -> None:
        if self.next_seq is not None and _delta(self.next_seq, (seq + captured) % _MOD) == 0:
            self.consumer.gap(announced - captured, packet)
            self.next_seq = (seq + announced) % _MOD
            self.drain()

    def finish(self) -> None:
        while self.held:
            self.skip_gap()


class _Log:
    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []

    def data(self, chunk: bytes, packet: int, time: float) -> None:
        self.events.append(("data", chunk, packet))

    def gap(self, missing: int, packet: int, given_up: bool = False) -> None:
        self.events.append(("gap", missing, packet, given_up))


events = st.lists(
    st.tuples(
        st.sampled_from(["seg", "seg", "seg", "seg", "syn", "cut", "finish"]),
        st.integers(-40, 120),
        st.integers(0, 24),
        st.integers(0, 255),
    ),
    max_size=60,
)


def _replay(direction: object, start: int, script: list[tuple[str, int, int, int]]) -> None:
    for packet, (kind, offset, length, fill) in enumerate(script):
        seq = (start + offset) % _MOD
        if kind == "seg":
            direction.segment(seq, bytes([fill]) * length + bytes([packet % 256]), packet, float(packet))  # type: ignore[attr-defined]
        elif kind == "syn":
            direction.syn(seq)  # type: ignore[attr-defined]
        elif kind == "cut":
            direction.cut(seq, length + 5, length, packet)  # type: ignore[attr-defined]
        else:
            direction.finish()  # type: ignore[attr-defined]
    direction.finish()  # type: ignore[attr-defined]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(script=events, start=st.sampled_from([1000, _MOD - 30, _MOD - 1, 0]), max_held=st.sampled_from([40, MAX_HELD]))
def test_heaps_deliver_what_the_sweeps_delivered(
    script: list[tuple[str, int, int, int]], start: int, max_held: int
) -> None:
    ours, reference = _Log(), _Log()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tcpstream, "MAX_HELD", max_held)
        _replay(TcpDirection(ours), start, script)
    _replay(_Sweeps(reference, max_held), start, script)
    assert ours.events == reference.events


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    offsets=st.lists(st.tuples(st.integers(1, 80), st.integers(1, 12)), max_size=40, unique_by=lambda t: t[0]),
    base=st.sampled_from([5, _MOD - 20]),
)
def test_drain_order_is_the_sweeps_order(offsets: list[tuple[int, int]], base: int) -> None:
    """The drain scan and redaction share (a caller that takes each segment given and moves the
    stream to its end) gives the segments in the sweeps' order."""
    reference = {(base + off) % _MOD: n for off, n in offsets}
    held: HeldSegments[int] = HeldSegments()
    for seq, n in reference.items():
        held[seq] = n
    orders = []
    for drained in (held.drain, lambda at: ((seq, reference.pop(seq)) for seq in _sweep_order(reference, at))):
        reached = [base]
        taken = []
        for seq, n in drained(lambda r=reached: r[0]):  # type: ignore[misc]
            end = (seq + n) % _MOD
            if _delta(end, reached[0]) > 0:
                reached[0] = end
            taken.append(seq)
        orders.append(taken)
    assert orders[0] == orders[1]


N = 1500


def _steps(direction: TcpDirection) -> int:
    held: HeldSegments[object] = direction._held  # the sequence numbers it looked at
    return held.steps


def test_segments_in_reverse_order_cost_linear_work() -> None:
    """1,500 one-byte segments sent last first: held, then all taken when the first arrives."""
    log = _Log()
    direction = TcpDirection(log)
    direction.syn(999)
    for i in reversed(range(N)):
        direction.segment(1000 + i, b"x", i, 0.0)
    assert b"".join(e[1] for e in log.events if e[0] == "data") == b"x" * N  # type: ignore[misc]
    assert _steps(direction) < 10 * N


def test_thousands_of_holes_cost_linear_work() -> None:
    """1,500 segments each after a one-byte hole, given up at the end one gap at a time."""
    log = _Log()
    direction = TcpDirection(log)
    direction.syn(999)
    for i in range(N):
        direction.segment(1001 + 2 * i, b"y", i, 0.0)
    direction.finish()
    assert [e[0] for e in log.events] == ["gap", "data"] * N
    assert _steps(direction) < 10 * N


def test_drain_of_a_reversed_run_costs_linear_work() -> None:
    held: HeldSegments[None] = HeldSegments()
    for i in reversed(range(N)):
        held[1000 + i] = None
    reached = [1000]
    taken = []
    for seq, _ in held.drain(lambda: reached[0]):
        reached[0] = seq + 1
        taken.append(seq)
    assert taken == list(range(1000, 1000 + N))
    assert held.steps < 10 * N


def test_a_segment_passed_in_a_sweep_waits_for_the_next_sweep() -> None:
    """Held a (10-14), b (5-9), c (8-17) in that order; the stream reaches 5: the sweep passes a
    (not reached yet), takes b, then c (trimmed by 2), and only the next sweep finds a, wholly sent
    before. Taking a right after b (by the order held, ignoring the sweep) would give other bytes."""
    logs = []
    for direction_type in (TcpDirection, _Sweeps):
        log = _Log()
        direction = direction_type(log) if direction_type is TcpDirection else _Sweeps(log, MAX_HELD)
        direction.syn(-1 % _MOD)
        for seq, data in ((10, b"aaaaa"), (5, b"bbbbb"), (8, b"c" * 10), (0, b"00000")):
            direction.segment(seq, data, seq, 0.0)
        direction.finish()
        logs.append(log.events)
    assert logs[0] == logs[1] == [("data", b"00000", 0), ("data", b"bbbbb", 5), ("data", b"c" * 8, 8)]
