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

    The sequence numbers are also kept sorted, highest first (``_order``, negated: ascending for
    ``bisect``; those held since it was last sorted wait in ``_pending``): the first from any place,
    which a hole given up and a drain take, is then at the end of the list, where it is taken out
    without moving the rest. A drain leaves what it took in the list until it ends (``_tidy``).
    ``steps`` counts the sequence numbers looked at by ``resume_at`` and ``drain_order`` (for tests:
    the work of a drain follows the segments it reaches, not all that are held)."""

    __slots__ = ("_draining", "_held", "_order", "_pending", "_places", "steps")

    def __init__(self) -> None:
        self._held: dict[int, tuple[T, int]] = {}  # by sequence number: (value, place first held)
        self._order: list[int] = []  # sequence numbers negated, so highest first
        self._pending: list[int] = []  # held since ``_order`` was last sorted
        self._places = 0
        self._draining = False
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
        if self._draining:
            raise RuntimeError("a segment held while the held ones are drained")
        self._places += 1
        self._held[seq] = (value, self._places)
        self._pending.append(seq)

    def pop(self, seq: int) -> T:
        """Take the segment at ``seq`` out (during a drain, one it gave: see ``drain_order``)."""
        value, _ = self._held.pop(seq)
        if not self._draining:
            self._sorted()
            del self._order[bisect.bisect_left(self._order, -seq)]
        return value

    def _sorted(self) -> list[int]:
        if self._pending:
            self._order += [-seq for seq in self._pending]
            self._order.sort()
            self._pending.clear()
        return self._order

    def _from(self, seq: int) -> int:
        """How many held sequence numbers are ``seq`` or higher (the sorted list's first ones)."""
        return bisect.bisect_right(self._sorted(), -seq)

    def resume_at(self, next_seq: int) -> int:
        """``tcpstream.resume_at(self, next_seq)``: the held sequence number least far past
        ``next_seq - 2^31``, modulo 2^32 (the first when the hole before them is given up)."""
        order = self._sorted()
        k = self._from((next_seq - _HALF) % _MOD)
        self.steps += 1
        return -order[k - 1] if k else -order[-1]

    def drain_order(self, next_seq: Callable[[], int]) -> Iterator[int]:
        """``tcpstream.drain_order(self, next_seq)``, the caller ``pop``-ping each segment given before
        asking for the next (and holding none meanwhile). The segments wait in ascending distance
        from ``base``, where the stream was at the start (as ``drain_order``'s heap): those from
        ``base - 2^31`` up (A, the first ``k`` of the sorted list, read from its end), then round
        from the lowest (B, the rest, read from the end of the list); ``taken`` counts what was
        read of each."""
        base = next_seq()
        order, held = self._sorted(), self._held
        k = self._from((base - _HALF) % _MOD)
        taken = [0, 0]
        this_sweep: list[tuple[int, int]] = []
        next_sweep: list[tuple[int, int]] = []
        cursor = 0
        self._draining = True
        try:
            while True:
                reached = next_seq()
                advance = _delta(reached, base)
                while True:
                    if taken[0] < k:
                        seq, side = -order[k - 1 - taken[0]], 0
                    elif taken[1] < len(order) - k:
                        seq, side = -order[len(order) - 1 - taken[1]], 1
                    else:
                        break
                    self.steps += 1
                    if _delta(seq, base) > advance:
                        break
                    taken[side] += 1
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
            self._draining = False
            self._tidy(k, taken)

    def _tidy(self, k: int, taken: list[int]) -> None:
        """After a drain: the sequence numbers it read and that were taken out leave the sorted list
        (B's from its end, then A's, which come before them)."""
        order, held = self._order, self._held
        if taken[1]:
            kept = [neg for neg in order[len(order) - taken[1] :] if -neg in held]
            del order[len(order) - taken[1] :]
            order += kept
        if taken[0]:
            order[k - taken[0] : k] = [neg for neg in order[k - taken[0] : k] if -neg in held]
        if len(order) + len(self._pending) != len(held):  # one taken out that the drain had not read
            order[:] = [neg for neg in order if -neg in held]
