"""The early segments of one TCP direction held by redaction (``pcap.CaptureRewriter``): those that
came past a hole in the sequence, by sequence number, taken in ``inputs.tcpstream``'s order.

``EarlySegments`` answers ``tcpstream.resume_at`` and ``tcpstream.drain_order`` for what it holds,
with the same results, without a pass over all of it each time: the sequence numbers are also kept
sorted, so the first of them from any place in sequence space (modulo 2^32) is a bisection, and a
drain looks only at the segments the stream reaches. Thousands of one-byte segments each past its
own hole, given up one by one at the end of a capture, were a pass over all held for each
(quadratic: 14,000 of them took over 60 s).
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

_MOD = 1 << 32
_HALF = 1 << 31
T = TypeVar("T")


def _delta(a: int, b: int) -> int:
    """Signed distance a - b in sequence space (as ``tcpstream``)."""
    d = (a - b) % _MOD
    return d - _MOD if d >= _HALF else d


class EarlySegments(Generic[T]):
    """Held segments by sequence number (``T``: what is held for each), in the order first held.

    ``steps`` counts the sequence numbers looked at by ``resume_at`` and ``drain_order`` (for tests:
    the work of a drain follows the segments it reaches, not all that are held)."""

    __slots__ = ("_drain", "_held", "_order", "_places", "steps")

    def __init__(self) -> None:
        self._held: dict[int, tuple[T, int]] = {}  # by sequence number: (value, place first held)
        self._order: list[int] = []  # the same sequence numbers, sorted
        self._places = 0
        self._drain: list[int] | None = None  # the drain under way: [start of A, taken from A, from B]
        self.steps = 0

    def __len__(self) -> int:
        return len(self._held)

    def __bool__(self) -> bool:
        return bool(self._held)

    def __contains__(self, seq: object) -> bool:
        return seq in self._held

    def __iter__(self) -> Iterator[int]:
        return iter(self._held)

    def __getitem__(self, seq: int) -> T:
        return self._held[seq][0]

    def __setitem__(self, seq: int, value: T) -> None:
        """Hold ``value`` at ``seq`` (in place of one held there already, keeping its place in the order)."""
        old = self._held.get(seq)
        if old is not None:
            self._held[seq] = (value, old[1])
            return
        if self._drain is not None:
            raise RuntimeError("a segment held while the held ones are drained")
        self._places += 1
        self._held[seq] = (value, self._places)
        bisect.insort(self._order, seq)

    def pop(self, seq: int) -> T:
        """Take the segment at ``seq`` out."""
        value, _ = self._held.pop(seq)
        at = bisect.bisect_left(self._order, seq)
        del self._order[at]
        drain = self._drain
        if drain is not None:  # one the drain under way has passed (it gives only those)
            if at >= drain[0]:
                drain[1] -= 1
            else:
                drain[0] -= 1
                drain[2] -= 1
        return value

    def resume_at(self, next_seq: int) -> int:
        """``tcpstream.resume_at(self, next_seq)``: the held sequence number least far past
        ``next_seq - 2^31``, modulo 2^32 (the first when the hole before them is given up)."""
        order = self._order
        at = bisect.bisect_left(order, (next_seq - _HALF) % _MOD)
        self.steps += 1
        return order[at] if at < len(order) else order[0]

    def drain_order(self, next_seq: Callable[[], int]) -> Iterator[int]:
        """``tcpstream.drain_order(self, next_seq)``, the caller ``pop``-ping each segment given before
        asking for the next (and holding none meanwhile). The segments wait in the sorted sequence
        numbers from ``base - 2^31`` on, ``base`` where the stream was at the start, then round from
        the lowest (ascending distance from ``base``, as ``drain_order``'s heap): A, ``_order``
        from where that starts, then B, before it; ``_drain`` counts what was taken of each (``pop``
        keeps the counts right)."""
        order, held = self._order, self._held
        base = next_seq()
        drain = self._drain = [bisect.bisect_left(order, (base - _HALF) % _MOD), 0, 0]
        this_sweep: list[tuple[int, int]] = []
        next_sweep: list[tuple[int, int]] = []
        cursor = 0
        try:
            while True:
                reached = next_seq()
                advance = _delta(reached, base)
                while True:
                    start, from_a, from_b = drain
                    if start + from_a < len(order):
                        seq, side = order[start + from_a], 1
                    elif from_b < start:
                        seq, side = order[from_b], 2
                    else:
                        break
                    self.steps += 1
                    if _delta(seq, base) > advance:
                        break
                    drain[side] += 1
                    if _delta(seq, reached) <= 0:  # else 2^31 behind: ahead, modulo 2^32, for good
                        place = held[seq][1]
                        heapq.heappush(this_sweep if place >= cursor else next_sweep, (place, seq))
                if not this_sweep:
                    if not next_sweep:
                        return
                    this_sweep, next_sweep, cursor = next_sweep, [], 0
                    continue
                place, seq = heapq.heappop(this_sweep)
                cursor = place + 1
                if seq in held:
                    yield seq
        finally:
            self._drain = None
