"""TCP stream reassembly per direction (RFC 9293 §3.4: sequence numbers, modulo 2^32).

``TcpDirection`` puts segments back in sequence order and hands contiguous bytes to its
consumer: retransmitted bytes are dropped (overlap trimmed), early segments are held until
the hole before them fills. A hole that does not fill — the held bytes exceed
``MAX_HELD``, or the stream ends — is a gap: the consumer is told how many bytes are missing
(it resynchronises on the next message) and delivery goes on after the hole. A capture that
starts mid-connection (no SYN) starts the stream at the first segment seen.
"""

from __future__ import annotations

from typing import Protocol

MAX_HELD = 512 * 1024
_MOD = 1 << 32


class Consumer(Protocol):
    def data(self, chunk: bytes, packet: int, time: float) -> None: ...

    def gap(self, missing: int, packet: int) -> None: ...


def _delta(a: int, b: int) -> int:
    """Signed distance a - b in sequence space."""
    d = (a - b) % _MOD
    return d - _MOD if d >= 1 << 31 else d


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
        d = _delta(seq, self.next_seq)
        if d < 0:
            if len(data) <= -d:
                self.retransmitted += len(data)
                return
            self.retransmitted += -d
            data, seq, d = data[-d:], self.next_seq, 0
        if d > 0:
            self._hold(seq, data, packet, time)
            return
        self._deliver(data, packet, time)
        self._drain()

    def _deliver(self, data: bytes, packet: int, time: float) -> None:
        assert self.next_seq is not None
        self.next_seq = (self.next_seq + len(data)) % _MOD
        self.consumer.data(data, packet, time)

    def _hold(self, seq: int, data: bytes, packet: int, time: float) -> None:
        old = self._held.get(seq)
        if old is not None and len(old[0]) >= len(data):
            self.retransmitted += len(data)
            return
        self._held_bytes += len(data) - (len(old[0]) if old else 0)
        self._held[seq] = (data, packet, time)
        while self._held_bytes > MAX_HELD and self._held:
            self._skip_gap()

    def _drain(self) -> None:
        """Deliver held segments that have become contiguous."""
        while self._held and self.next_seq is not None:
            progressed = False
            for seq in list(self._held):
                d = _delta(seq, self.next_seq)
                if d > 0:
                    continue
                data, packet, time = self._held.pop(seq)
                self._held_bytes -= len(data)
                progressed = True
                if len(data) > -d:
                    self._deliver(data[-d:], packet, time)
            if not progressed:
                return

    def _skip_gap(self) -> None:
        """Give up on the hole before the earliest held segment."""
        assert self.next_seq is not None
        first = min(self._held, key=lambda s: _delta(s, self.next_seq or 0))
        missing = _delta(first, self.next_seq)
        self.gaps += 1
        self.consumer.gap(missing, self._held[first][1])
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
