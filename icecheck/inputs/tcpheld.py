"""The early segments of one TCP direction: those that came past a hole in the sequence, held by
sequence number until the stream reaches them. Scan's reassembly (``tcpstream.TcpDirection``) and
redaction's (``redact.pcap.CaptureRewriter``) both hold them here, so both take them in one order.

The order (RFC 9293 §3.4: sequence numbers modulo 2^32): when the stream moves on, ``drain`` sweeps
the held segments in the order first held, giving each that starts at or before where the stream
has reached (read again after each: the caller takes it and moves the stream on), until a sweep
finds none. When the hole before them is given up, the stream resumes at ``resume_at``: the held
segment least far past where it is. Neither is a pass over all that is held: the sequence numbers
are also kept sorted, so the first of them from any place in sequence space is a bisection, and a
drain looks only at the segments the stream reaches. Thousands of one-byte segments each past its
own hole, given up one by one at the end of a capture, were a pass over all held for each
(quadratic: 14,000 of them took over 60 s).
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterator
from typing import TypeVar

_MOD = 1 << 32
_HALF = 1 << 31
T = TypeVar("T")


def delta(a: int, b: int) -> int:
    """Signed distance a - b in sequence space."""
    d = (a - b) % _MOD
    return d - _MOD if d >= _HALF else d


class HeldSegments(dict[int, T]):
    """Held segments by sequence number (``T``: what is held for each), in the order first held: a
    dict, read as one; held with ``[]=`` and taken out with ``pop`` or ``drain`` only (they keep
    the order below; ``del``, ``update`` and the like would not).

    The sequence numbers are also kept sorted, highest first (``_order``, negated: ascending for
    ``bisect``; those held since it was last sorted wait in ``_pending``): the first from any place,
    which a hole given up and a drain take, is then at the end of the list, where it is taken out
    without moving the rest. A drain leaves what it took in the list until it ends (``_tidy``).
    ``steps`` counts the sequence numbers looked at by ``resume_at`` and ``drain`` (for tests:
    the work of a drain follows the segments it reaches, not all that are held)."""

    __slots__ = ("_draining", "_order", "_pending", "_place", "_places", "steps")

    def __init__(self) -> None:
        super().__init__()
        self._place: dict[int, int] = {}  # by sequence number: its place in the order first held
        self._order: list[int] = []  # sequence numbers negated, so highest first
        self._pending: list[int] = []  # held since ``_order`` was last sorted
        self._places = 0
        self._draining = False
        self.steps = 0

    def __setitem__(self, seq: int, value: T) -> None:
        """Hold ``value`` at ``seq`` (in place of one held there already, keeping its place in the order)."""
        if seq not in self:
            if self._draining:
                raise RuntimeError("a segment held while the held ones are drained")
            self._places += 1
            self._place[seq] = self._places
            self._pending.append(seq)
        dict.__setitem__(self, seq, value)

    def pop(self, seq: int) -> T:  # type: ignore[override]
        """Take the segment at ``seq`` out."""
        if self._draining:
            raise RuntimeError("a segment taken out while the held ones are drained")
        value = dict.pop(self, seq)
        del self._place[seq]
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
        """Where the stream goes on when the hole before the held segments is given up: the held
        sequence number least far past ``next_seq - 2^31``, modulo 2^32 (the first of them)."""
        order = self._sorted()
        k = self._from((next_seq - _HALF) % _MOD)
        self.steps += 1
        return -order[k - 1] if k else -order[-1]

    def drain(self, next_seq: Callable[[], int]) -> Iterator[tuple[int, T]]:
        """The segments the stream takes (the sweeps of the module's docstring; ``next_seq()``: where
        it has reached), taken out as they are given (the caller holds none meanwhile). They wait in
        ascending distance from ``base``, where the stream was at the start: those from ``base - 2^31`` up (A, the
        first ``k`` of the sorted list, read from its end), then round from the lowest (B, the rest,
        read from the end of the list); ``from_a`` and ``from_b`` count what was read of each."""
        base = next_seq()
        order, places = self._sorted(), self._place
        n = len(order)  # (it does not change before the drain ends)
        k = self._from((base - _HALF) % _MOD)
        from_a = from_b = 0
        this_sweep: list[tuple[int, int]] = []
        next_sweep: list[tuple[int, int]] = []
        cursor = 0
        self._draining = True
        try:
            while True:
                reached = next_seq()
                advance = delta(reached, base)
                while True:
                    if from_a < k:
                        seq = -order[k - 1 - from_a]
                    elif from_b < n - k:
                        seq = -order[n - 1 - from_b]
                    else:
                        break
                    self.steps += 1
                    ahead = (seq - base) % _MOD  # delta(seq, base), inline
                    if (ahead - _MOD if ahead >= _HALF else ahead) > advance:
                        break
                    if from_a < k:
                        from_a += 1
                    else:
                        from_b += 1
                    ahead = (seq - reached) % _MOD
                    if ahead == 0 or ahead >= _HALF:  # reached (else 2^31 behind: ahead, modulo 2^32, for good)
                        place = places[seq]
                        heapq.heappush(this_sweep if place >= cursor else next_sweep, (place, seq))
                if not this_sweep:
                    if not next_sweep:
                        return
                    this_sweep, next_sweep, cursor = next_sweep, [], 0
                    continue
                place, seq = heapq.heappop(this_sweep)
                cursor = place + 1
                if seq in self:
                    del places[seq]
                    yield seq, dict.pop(self, seq)
        finally:
            self._draining = False
            self._tidy(k, from_a, from_b)

    def _tidy(self, k: int, from_a: int, from_b: int) -> None:
        """After a drain: the sequence numbers it read and took out leave the sorted list (B's from
        its end, then A's, which come before them)."""
        order = self._order
        if from_b:
            kept = [neg for neg in order[len(order) - from_b :] if -neg in self]
            del order[len(order) - from_b :]
            order += kept
        if from_a:
            order[k - from_a : k] = [neg for neg in order[k - from_a : k] if -neg in self]
        if len(order) + len(self._pending) != len(self):  # one taken out that the drain had not read
            order[:] = [neg for neg in order if -neg in self]
