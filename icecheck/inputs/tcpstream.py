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
    from ``held``, and moves the stream on), until a sweep finds none."""
    while held:
        progressed = False
        for seq in list(held):
            if seq in held and _delta(seq, next_seq()) <= 0:
                progressed = True
                yield seq
        if not progressed:
            return


def resume_at(held: Iterable[int], next_seq: int) -> int:
    """Where the stream goes on when the hole before the held segments is given up: the first of them."""
    return min(held, key=lambda seq: _delta(seq, next_seq))


def supersedes(held: int, length: int) -> bool:
    """Whether a segment of ``length`` bytes replaces one of ``held`` bytes held at the same
    sequence number (a longer retransmission does; otherwise the new one is a retransmission)."""
    return length > held


class TcpDirection:
    """One direction of a connection. ``retransmitted`` counts bytes seen twice."""

    __slots__ = ("_held", "_held_bytes", "consumer", "gaps", "next_seq", "retransmitted")

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        self.next_seq: int | None = None
        self._held: dict[int, tuple[bytes, int, float]] = {}
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
            self._hold(seq, data, packet, time)
            return
        self.retransmitted += trim
        if trim == len(data):
            return
        self._deliver(data[trim:], packet, time)
        if self._held:
            self._drain()

    def _deliver(self, data: bytes, packet: int, time: float) -> None:
        assert self.next_seq is not None
        self.next_seq = (self.next_seq + len(data)) % _MOD
        self.consumer.data(data, packet, time)

    def _hold(self, seq: int, data: bytes, packet: int, time: float) -> None:
        old = self._held.get(seq)
        if old is not None and not supersedes(len(old[0]), len(data)):
            self.retransmitted += len(data)
            return
        self._held_bytes += len(data) - (len(old[0]) if old else 0)
        self._held[seq] = (data, packet, time)
        while self._held_bytes > MAX_HELD and self._held:
            self._skip_gap(given_up=True)

    def _drain(self) -> None:
        """Deliver held segments that have become contiguous."""
        for seq in drain_order(self._held, self._reached):
            data, packet, time = self._held.pop(seq)
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
        first = resume_at(self._held, self.next_seq)
        missing = _delta(first, self.next_seq)
        self.gaps += 1
        self.consumer.gap(missing, self._held[first][1], given_up)
        self.next_seq = first
        self._drain()

    def cut(self, seq: int, announced: int, captured: int, packet: int) -> None:
        """A segment of ``announced`` bytes at ``seq`` had only ``captured`` bytes captured
        (snaplen): once delivery has reached the cut, skip the lost bytes as a gap."""
        if self.next_seq is not None and _delta(self.next_seq, (seq + captured) % _MOD) == 0:
            self.gaps += 1
            self.consumer.gap(announced - captured, packet)
            self.next_seq = (seq + announced) % _MOD
            self._drain()

    def finish(self) -> None:
        """End of stream (FIN, RST, eviction or end of capture): report remaining holes."""
        while self._held:
            self._skip_gap()
