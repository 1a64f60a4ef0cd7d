"""TCP stream reassembly per direction (RFC 9293 §3.4: sequence numbers, modulo 2^32).

``TcpDirection`` puts segments back in sequence order and hands contiguous bytes to its
consumer: retransmitted bytes are dropped (overlap trimmed), early segments are held until
the hole before them fills. A hole that does not fill — the held bytes exceed
``MAX_HELD``, or the stream ends — is a gap: the consumer is told how many bytes are missing
(it resynchronises on the next message) and delivery goes on after the hole. A hole given up
for ``MAX_HELD`` is told apart (``given_up``): its bytes may still be in the capture, later. A
capture that starts mid-connection (no SYN) starts the stream at the first segment seen.

The placement rules are functions (``place``, ``drain_order``, ``resume_at``, ``supersedes``) so
that redaction, which writes each segment back, puts segments in sequence by the same rules.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Protocol

MAX_HELD = 512 * 1024
_MOD = 1 << 32


class Consumer(Protocol):
    def data(self, chunk: bytes, packet: int, time: float) -> None: ...

    def gap(self, missing: int, packet: int, given_up: bool = False) -> None: ...


def _delta(a: int, b: int) -> int:
    """Signed distance a - b in sequence space."""
    d = (a - b) % _MOD
    return d - _MOD if d >= 1 << 31 else d


def place(next_seq: int, seq: int, length: int) -> tuple[int, int]:
    """Where a segment of ``length`` bytes at ``seq`` lands in a direction whose stream has
    reached ``next_seq`` (from its SYN, else from the first segment seen): ``(hole, trim)``.
    ``hole`` > 0: that many bytes are missing before it, so it waits (held, at most ``MAX_HELD``
    bytes of such segments); else its first ``trim`` bytes were in the stream already (sent
    before: dropped) and the rest comes next (nothing when ``trim == length``)."""
    d = _delta(seq, next_seq)
    return (d, 0) if d > 0 else (0, min(-d, length))


def drain_order(held: Mapping[int, object], next_seq: Callable[[], int]) -> Iterator[int]:
    """The held segments (by sequence number) the stream takes, in the order it takes them: sweeps
    over ``held`` in the order held, giving each that starts at or before where the stream has
    reached (``next_seq()``, read again after each: the caller takes the segment, removing it
    from ``held``, and moves the stream on), until a sweep finds none. ``held`` gains no segment
    meanwhile, and the stream only moves on.

    The sweeps are not walked one by one (a segment a sweep, with held segments in reverse order,
    would be quadratic): the segments not yet reached wait in a heap by distance, and those reached
    in two heaps by the place held, for this sweep (at or after where it is) and the next one."""
    order = list(held)
    base = next_seq()
    waiting = [(_delta(seq, base), i) for i, seq in enumerate(order)]
    heapq.heapify(waiting)
    this_sweep: list[int] = []
    next_sweep: list[int] = []
    cursor = 0
    while True:
        reached = next_seq()
        advance = _delta(reached, base)
        while waiting and waiting[0][0] <= advance:
            i = heapq.heappop(waiting)[1]
            if _delta(order[i], reached) <= 0:  # else 2^31 behind: ahead, modulo 2^32, for good
                heapq.heappush(this_sweep if i >= cursor else next_sweep, i)
        if not this_sweep:
            if not next_sweep:
                return
            this_sweep, next_sweep, cursor = next_sweep, [], 0
            continue
        i = heapq.heappop(this_sweep)
        cursor = i + 1
        if order[i] in held:
            yield order[i]


def resume_at(held: Iterable[int], next_seq: int) -> int:
    """Where the stream goes on when the hole before the held segments is given up: the first of them."""
    return min(held, key=lambda seq: _delta(seq, next_seq))


def supersedes(held: int, length: int) -> bool:
    """Whether a segment of ``length`` bytes replaces one of ``held`` bytes held at the same
    sequence number (a longer retransmission does; otherwise the new one is a retransmission)."""
    return length > held


class TcpDirection:
    """One direction of a connection. ``retransmitted`` counts bytes seen twice.

    Held segments are kept by sequence number in the order held (``_held``: data, packet, time
    and their place in that order) and in a heap by position (``_ahead``), a position being the
    sequence number unwrapped: how far past the stream's start. So a drain, giving the segments
    in ``drain_order``'s order, and a gap, resuming at ``resume_at``'s segment, cost a logarithm
    per segment taken, not a pass over all that are held (1-byte segments in reverse order, or
    thousands of holes, would be quadratic). Entries of ``_ahead`` whose segment was taken or
    held again in another place are stale and skipped."""

    __slots__ = ("_ahead", "_at", "_held", "_held_bytes", "_places", "consumer", "gaps", "next_seq", "retransmitted")

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        self.next_seq: int | None = None
        self._at = 0  # next_seq unwrapped
        self._held: dict[int, tuple[bytes, int, float, int]] = {}
        self._ahead: list[tuple[int, int, int]] = []  # (position, place held, sequence number)
        self._places = 0
        self._held_bytes = 0
        self.retransmitted = 0
        self.gaps = 0

    def syn(self, seq: int) -> None:
        """A SYN occupies one sequence number: data starts at seq + 1."""
        if self.next_seq is None:
            self.next_seq = (seq + 1) % _MOD

    def segment(self, seq: int, data: bytes, packet: int, time: float) -> None:
        """Take one segment's payload."""
        if self.next_seq is None:
            self.next_seq = seq
        hole, trim = place(self.next_seq, seq, len(data))
        if hole:
            self._hold(seq, hole, data, packet, time)
            return
        self.retransmitted += trim
        if trim == len(data):
            return
        self._deliver(data[trim:], packet, time)
        if self._held:
            self._drain()

    def _deliver(self, data: bytes, packet: int, time: float) -> None:
        assert self.next_seq is not None
        self._move(len(data))
        self.consumer.data(data, packet, time)

    def _move(self, n: int) -> None:
        assert self.next_seq is not None
        self.next_seq = (self.next_seq + n) % _MOD
        self._at += n

    def _hold(self, seq: int, hole: int, data: bytes, packet: int, time: float) -> None:
        old = self._held.get(seq)
        if old is not None and not supersedes(len(old[0]), len(data)):
            self.retransmitted += len(data)
            return
        self._held_bytes += len(data) - (len(old[0]) if old else 0)
        if old is not None:  # a longer copy takes the held one's place
            self._held[seq] = (data, packet, time, old[3])
        else:
            self._places += 1
            self._held[seq] = (data, packet, time, self._places)
            heapq.heappush(self._ahead, (self._at + hole, self._places, seq))
        while self._held_bytes > MAX_HELD and self._held:
            self._skip_gap(given_up=True)

    def _earliest(self) -> tuple[int, int, int] | None:
        """The heap's first entry that is not stale, or None."""
        while self._ahead:
            _, place_held, seq = first = self._ahead[0]
            entry = self._held.get(seq)
            if entry is not None and entry[3] == place_held:
                return first
            heapq.heappop(self._ahead)
        return None

    def _drain(self) -> None:
        """Deliver held segments that have become contiguous, in ``drain_order``'s order: the
        sweeps over the held segments in the order held are two heaps by the place held, of the
        segments reached for this sweep (at or after where it is) and for the next."""
        this_sweep: list[tuple[int, int]] = []
        next_sweep: list[tuple[int, int]] = []
        cursor = 0
        while True:
            while (first := self._earliest()) is not None and first[0] <= self._at:
                heapq.heappop(self._ahead)
                heapq.heappush(this_sweep if first[1] >= cursor else next_sweep, (first[1], first[2]))
            if not this_sweep:
                if not next_sweep:
                    return
                this_sweep, next_sweep, cursor = next_sweep, [], 0
                continue
            cursor, seq = heapq.heappop(this_sweep)
            cursor += 1
            data, packet, time, _ = self._held.pop(seq)
            self._held_bytes -= len(data)
            trim = place(self._reached(), seq, len(data))[1]
            if trim < len(data):
                self._deliver(data[trim:], packet, time)

    def _reached(self) -> int:
        assert self.next_seq is not None
        return self.next_seq

    def _skip_gap(self, given_up: bool = False) -> None:
        """Give up on the hole before the earliest held segment: at the stream's end (the bytes were
        never captured), or ``given_up`` when ``MAX_HELD`` is reached (they may come later: their
        segments are then taken for retransmissions, so what they held is not audited)."""
        assert self.next_seq is not None
        first = self._earliest()
        assert first is not None
        missing = first[0] - self._at
        self.gaps += 1
        self.consumer.gap(missing, self._held[first[2]][1], given_up)
        self._move(missing)
        self._drain()

    def cut(self, seq: int, announced: int, captured: int, packet: int) -> None:
        """A segment of ``announced`` bytes at ``seq`` had only ``captured`` bytes captured
        (snaplen): once delivery has reached the cut, skip the lost bytes as a gap."""
        if self.next_seq is not None and _delta(self.next_seq, (seq + captured) % _MOD) == 0:
            self.gaps += 1
            self.consumer.gap(announced - captured, packet)
            self._move(announced - captured)
            self._drain()

    def finish(self) -> None:
        """End of stream (FIN, RST, eviction or end of capture): report remaining holes."""
        while self._held:
            self._skip_gap()
