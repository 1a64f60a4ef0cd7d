"""SCTP user messages from captured packets (RFC 9260, formerly RFC 4960), bounded.

SIP runs over SCTP between proxies and gateways (RFC 4168: one SIP message per SCTP user message,
any stream). A packet is a 12-byte common header (ports, verification tag, checksum) and chunks
of type, flags, length, padded to 4 bytes (§3.2). A DATA chunk (type 0, §3.3.1) holds a TSN,
stream id, stream sequence number, payload protocol identifier (PPID) and user data; its B and E
flags mark a user message's first and last fragment (both set: a whole message). I-DATA (type 64,
RFC 8260 §2.1) has a message id and, in first fragments, the PPID.

``Reassembler`` joins fragments (consecutive TSNs from a B to an E) per direction of an
association and drops retransmitted TSNs it has delivered; it keeps at most ``MAX_PENDING_BYTES``
per direction and ``MAX_FLOWS`` directions (the oldest is dropped to make room); ``dropped`` counts
the fragments so given up, which the caller reports as not audited.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import NamedTuple

MAX_FLOWS = 1024
MAX_PENDING_BYTES = 1 << 20
MAX_FRAGMENTS = 1024
MAX_DELIVERED = 256  # TSNs remembered per direction to drop retransmissions
BOUNDS = f"at most {MAX_PENDING_BYTES >> 20} MiB and {MAX_FRAGMENTS} fragments per direction, {MAX_FLOWS} directions"
DATA, I_DATA = 0, 64
_B, _E = 0x02, 0x01


class Chunk(NamedTuple):
    """One DATA or I-DATA chunk's user data with what locates it."""

    tsn: int
    stream: int
    ppid: int | None  # None in an I-DATA fragment other than the first
    begin: bool
    end: bool
    data: bytes


class Message(NamedTuple):
    """A whole user message."""

    stream: int
    ppid: int | None
    data: bytes


def parse(packet: bytes) -> tuple[int, int, list[Chunk]] | str:
    """(source port, destination port, data chunks) of an SCTP packet, or why it is not one."""
    if len(packet) < 12:
        return "SCTP common header cut short"
    sport, dport = (packet[0] << 8) | packet[1], (packet[2] << 8) | packet[3]
    out: list[Chunk] = []
    pos = 12
    while pos + 4 <= len(packet):
        ctype, flags, length = packet[pos], packet[pos + 1], (packet[pos + 2] << 8) | packet[pos + 3]
        if length < 4:
            return "SCTP chunk with a length below 4"
        value = packet[pos + 4 : pos + length]
        if ctype == DATA and len(value) >= 12:
            out.append(_data(flags, value))
        elif ctype == I_DATA and len(value) >= 16:
            out.append(_idata(flags, value))
        pos += (length + 3) & ~3
    return sport, dport, out


def _data(flags: int, v: bytes) -> Chunk:
    tsn = int.from_bytes(v[0:4], "big")
    return Chunk(tsn, (v[4] << 8) | v[5], int.from_bytes(v[8:12], "big"), bool(flags & _B), bool(flags & _E), v[12:])


def _idata(flags: int, v: bytes) -> Chunk:
    tsn, begin = int.from_bytes(v[0:4], "big"), bool(flags & _B)
    ppid = int.from_bytes(v[12:16], "big") if begin else None  # otherwise the fragment sequence number
    return Chunk(tsn, (v[4] << 8) | v[5], ppid, begin, bool(flags & _E), v[16:])


class _Flow:
    def __init__(self) -> None:
        self.pending: dict[int, Chunk] = {}
        self.size = 0
        self.delivered: OrderedDict[int, None] = OrderedDict()


class Reassembler:
    """Whole user messages from the chunks of many associations (see the module doc)."""

    def __init__(self) -> None:
        self._flows: OrderedDict[tuple[bytes, int, bytes, int], _Flow] = OrderedDict()
        self.dropped = 0  # fragments given up for lack of room (the caller reports them: not audited)

    def pending(self) -> int:
        """Fragments held that no message has completed yet."""
        return sum(len(state.pending) for state in self._flows.values())

    def add(self, flow: tuple[bytes, int, bytes, int], chunk: Chunk) -> Iterator[Message]:
        """Take one chunk of ``flow`` (src, sport, dst, dport); yield the messages it completes."""
        state = self._flows.get(flow)
        if state is None:
            state = self._flows[flow] = _Flow()
            if len(self._flows) > MAX_FLOWS:
                self.dropped += len(self._flows.popitem(last=False)[1].pending)
        if chunk.tsn in state.delivered:
            return  # a retransmission of what was already read
        if chunk.begin and chunk.end:
            _delivered(state, chunk.tsn)
            yield Message(chunk.stream, chunk.ppid, chunk.data)
            return
        if chunk.tsn not in state.pending:
            if state.size + len(chunk.data) > MAX_PENDING_BYTES or len(state.pending) >= MAX_FRAGMENTS:
                self.dropped += len(state.pending)
                state.pending.clear()
                state.size = 0
            state.pending[chunk.tsn] = chunk
            state.size += len(chunk.data)
        whole = _assemble(state, chunk.tsn)
        if whole is not None:
            yield whole


def _assemble(state: _Flow, tsn: int) -> Message | None:
    """The message whose fragments around ``tsn`` are all there (B … E, consecutive TSNs)."""
    first = tsn
    for _ in range(MAX_FRAGMENTS):
        chunk = state.pending.get(first)
        if chunk is None:
            return None
        if chunk.begin:
            break
        first = (first - 1) & 0xFFFFFFFF
    else:
        return None
    parts, last = [], first
    for _ in range(MAX_FRAGMENTS):
        chunk = state.pending.get(last)
        if chunk is None:
            return None
        parts.append(chunk)
        if chunk.end:
            break
        last = (last + 1) & 0xFFFFFFFF
    else:
        return None
    for part in parts:
        del state.pending[part.tsn]
        state.size -= len(part.data)
        _delivered(state, part.tsn)
    return Message(parts[0].stream, parts[0].ppid, b"".join(p.data for p in parts))


def _delivered(state: _Flow, tsn: int) -> None:
    state.delivered[tsn] = None
    if len(state.delivered) > MAX_DELIVERED:
        state.delivered.popitem(last=False)
