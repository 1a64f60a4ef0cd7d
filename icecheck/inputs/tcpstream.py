"""TCP stream reassembly per direction (RFC 9293 §3.4: sequence numbers, modulo 2^32).

``TcpDirection`` puts segments back in sequence order and hands contiguous bytes to its
consumer: retransmitted bytes are dropped (overlap trimmed), early segments are held until
the hole before them fills. A hole that does not fill — the held bytes exceed
``MAX_HELD``, or the stream ends — is a gap: the consumer is told how many bytes are missing
(it resynchronises on the next message) and delivery goes on after the hole. A hole given up
for ``MAX_HELD`` is told apart (``given_up``): its bytes may still be in the capture, later. A
capture that starts mid-connection (no SYN) starts the stream at the first segment seen.

The placement rules are shared with redaction, which writes each segment back, so that it puts
segments in sequence by the same rules: the functions ``place`` and ``supersedes``, and early
segments held, drained and given up in ``tcpheld.HeldSegments``.
"""

from __future__ import annotations

from typing import Protocol

from icecheck.inputs.tcpheld import HeldSegments
from icecheck.inputs.tcpheld import delta as _delta

MAX_HELD = 512 * 1024
_MOD = 1 << 32


class Consumer(Protocol):
    def data(self, chunk: bytes, packet: int, time: float) -> None: ...

    def gap(self, missing: int, packet: int, given_up: bool = False) -> None: ...


def place(next_seq: int, seq: int, length: int) -> tuple[int, int]:
    """Where a segment of ``length`` bytes at ``seq`` lands in a direction whose stream has
    reached ``next_seq`` (from its SYN, else from the first segment seen): ``(hole, trim)``.
    ``hole`` > 0: that many bytes are missing before it, so it waits (held, at most ``MAX_HELD``
    bytes of such segments); else its first ``trim`` bytes were in the stream already (sent
    before: dropped) and the rest comes next (nothing when ``trim == length``)."""
    d = _delta(seq, next_seq)
    return (d, 0) if d > 0 else (0, min(-d, length))


def supersedes(held: int, length: int) -> bool:
    """Whether a segment of ``length`` bytes replaces one of ``held`` bytes held at the same
    sequence number (a longer retransmission does; otherwise the new one is a retransmission)."""
    return length > held


class TcpDirection:
    """One direction of a connection. ``retransmitted`` counts bytes seen twice. Early segments
    wait in ``HeldSegments`` (data, packet and time by sequence number): a drain and a gap cost a
    logarithm per segment taken, not a pass over all that are held (1-byte segments in reverse
    order, or thousands of holes, would be quadratic)."""

    __slots__ = ("_held", "_held_bytes", "consumer", "gaps", "next_seq", "retransmitted")

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        self.next_seq: int | None = None
        self._held: HeldSegments[tuple[bytes, int, float]] = HeldSegments()
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
        self._move(len(data))
        self.consumer.data(data, packet, time)

    def _move(self, n: int) -> None:
        self.next_seq = (self._reached() + n) % _MOD

    def _hold(self, seq: int, data: bytes, packet: int, time: float) -> None:
        old = self._held.get(seq)
        if old is not None and not supersedes(len(old[0]), len(data)):
            self.retransmitted += len(data)
            return
        self._held_bytes += len(data) - (len(old[0]) if old else 0)
        self._held[seq] = (data, packet, time)  # a longer copy takes the held one's place
        while self._held_bytes > MAX_HELD and self._held:
            self._skip_gap(given_up=True)

    def _drain(self) -> None:
        """Deliver the held segments the stream has reached, in ``HeldSegments.drain``'s order
        (one that starts before where the stream is now is trimmed; one wholly before it dropped)."""
        for seq, (data, packet, time) in self._held.drain(self._reached):
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
        first = self._held.resume_at(self._reached())
        missing = _delta(first, self._reached())
        self.gaps += 1
        self.consumer.gap(missing, self._held[first][1], given_up)
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
