"""IP fragment reassembly with bounded buffers and timeouts (RFC 791 §3.2, RFC 8200 §4.5).

A softphone's INVITE with SDP often exceeds the MTU, so the datagram arrives in fragments.
Fragments are keyed by (version, source, destination, protocol, identification). A datagram
is returned whole when the last fragment (More Fragments clear) has arrived and the pieces
cover it without holes. Overlapping pieces are accepted (RFC 5722 forbids them for IPv6, but
an auditor wants to see whatever was sent); where they overlap, the lower offset wins.

Bounds: a datagram may not exceed 65535 bytes of payload; at most ``MAX_BYTES`` are held in
all, for at most ``MAX_PENDING`` datagrams (each costs some 800 bytes beyond its data: a
capture of 200,000 first fragments of 16 bytes (13 MB), each of its own datagram, held 170 MB
within ``MAX_BYTES``; past the bound the one whose first fragment came first is dropped); a
datagram whose first fragment is older than ``TIMEOUT`` seconds of capture time (RFC 791's
suggested 15 s is too short for captures with clock jumps; Linux uses 30 s) is dropped and
returned by ``expire`` so the caller can report it. A receiver drops the same datagrams
(they never reached an application), but one dropped because ``MAX_BYTES`` or ``MAX_PENDING``
was reached may have been whole in the capture: ``Dropped.bound`` says so, and the caller
reports it as not audited (an error: the input is partial).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TIMEOUT = 30.0
MAX_BYTES = 8 << 20
MAX_PENDING = 20_000  # datagrams awaiting fragments
MAX_DATAGRAM = 65535

FragKey = tuple[int, bytes, bytes, int, int]


@dataclass
class _Pending:
    first_packet: int
    first_time: float
    pieces: list[tuple[int, bytes]] = field(default_factory=list)
    total: int | None = None  # known once the last fragment arrived
    size: int = 0


@dataclass(frozen=True, slots=True)
class Dropped:
    """A datagram given up on: ``reason`` says why, ``packet`` is its first fragment."""

    key: FragKey
    packet: int
    reason: str
    bound: bool = False  # dropped for icecheck's own bound (``MAX_BYTES``), not for the capture's loss


class Reassembler:
    """Collects fragments; ``add`` returns the whole payload once complete."""

    def __init__(self) -> None:
        self._pending: dict[FragKey, _Pending] = {}
        self._bytes = 0
        self.dropped: list[Dropped] = []

    def add(self, key: FragKey, offset: int, more: bool, data: bytes, time: float, packet: int) -> bytes | None:
        """Add one fragment (``offset`` in bytes). Returns the reassembled payload or None."""
        entry = self._pending.get(key)
        if entry is None:
            if len(self._pending) >= MAX_PENDING:
                oldest = next(iter(self._pending))
                self._drop(oldest, f"more than {MAX_PENDING:,} datagrams awaiting fragments", bound=True)
            entry = self._pending[key] = _Pending(packet, time)
        if offset + len(data) > MAX_DATAGRAM:
            self._drop(key, "fragments claim more than 65535 bytes")
            return None
        entry.pieces.append((offset, data))
        entry.size += len(data)
        self._bytes += len(data)
        if not more:
            entry.total = offset + len(data)
        if self._bytes > MAX_BYTES:
            self._evict_oldest()
        return self._complete(key, entry)

    def _complete(self, key: FragKey, entry: _Pending) -> bytes | None:
        if entry.total is None or entry.size < entry.total:
            return None
        buf = bytearray(entry.total)
        filled = 0
        for offset, data in sorted(entry.pieces, key=lambda p: p[0], reverse=True):
            buf[offset : offset + len(data)] = data  # sorted descending: lower offsets written last win
        for offset, data in sorted(entry.pieces, key=lambda p: p[0]):
            if offset > filled:
                return None  # a hole: wait for the missing fragment
            filled = max(filled, offset + len(data))
        if filled < entry.total:
            return None
        self._forget(key)
        return bytes(buf)

    def expire(self, now: float) -> list[Dropped]:
        """Drop datagrams older than ``TIMEOUT``; return everything dropped since the last call."""
        for key, entry in list(self._pending.items()):
            if now - entry.first_time > TIMEOUT:
                self._drop(key, f"incomplete after {TIMEOUT:.0f} s of capture time")
        out, self.dropped = self.dropped, []
        return out

    def flush(self) -> list[Dropped]:
        """At the end of the capture: every datagram still pending is incomplete."""
        for key in list(self._pending):
            self._drop(key, "incomplete at the end of the capture")
        out, self.dropped = self.dropped, []
        return out

    def _evict_oldest(self) -> None:
        while self._bytes > MAX_BYTES and self._pending:
            key = min(self._pending, key=lambda k: self._pending[k].first_time)
            self._drop(key, f"fragment buffers full ({MAX_BYTES >> 20} MiB)", bound=True)

    def _drop(self, key: FragKey, reason: str, bound: bool = False) -> None:
        entry = self._pending.get(key)
        if entry is not None:
            self.dropped.append(Dropped(key, entry.first_packet, reason, bound))
            self._forget(key)

    def _forget(self, key: FragKey) -> None:
        entry = self._pending.pop(key)
        self._bytes -= entry.size

    def __len__(self) -> int:
        return len(self._pending)
