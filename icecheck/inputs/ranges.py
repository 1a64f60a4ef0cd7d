"""A pcap split across processes by byte ranges (``scan --jobs``): the reading itself shared out.

Two phases. First, each process reads its own byte range of the capture (``prefilter``) with the
reader a whole read uses, media dropped by its byte checks (``media``), and writes the records
left (a small part of a call's capture) to a spill file, each with its number within the range,
time, link type and lengths. Then every process reads those records in order (``read_kept``,
packet numbers made global by adding the records of the ranges before) and does the transport
work and its share of the dispatch as ``lanes`` says: the same report as one process's.

Where ranges start (``cuts``): near equal shares of the file, at the first offset from which
``CHAIN`` record headers in a row look sane (the reader's resynchronisation test). A guess is
never trusted: a range is taken only when its reader reported nothing (no damage, no record
running past the range's end) and ended exactly at the range's end. The first range starts
right after the file header, so each range read this way proves the next one's start a record
boundary. Anything else (damage anywhere, a wrong guess, pcapng, gzip, an I/O error) makes
``prefilter`` give None, and the caller reads the capture the other way: every process reads
all of it (``lanes``), which handles damage exactly as a whole read does.

Classic pcap only, uncompressed: a gzip stream cannot be entered in the middle, and a pcapng
range would need the section and interface blocks before it (not done yet).
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO, cast

from icecheck.inputs import capture, lanes
from icecheck.inputs.capture import CaptureScan, Datagram, Routed, datagram_of
from icecheck.inputs.lanes import Lane
from icecheck.inputs.netdecode import IpPacket, decode_ip, link_payload
from icecheck.inputs.pcapfile import PCAP_MAGICS, PCAPNG_MAGIC, Packet, PacketReader, record_limit
from icecheck.inputs.scanner import CapturePart
from icecheck.inputs.sink import Sink
from icecheck.inputs.source import Tick

CHAIN = 8  # record headers in a row that must look sane where a range starts
WINDOW = 1 << 20  # bytes searched for that, from each guess
_SPILL = struct.Struct("<QdIII")  # number within the range, time, link type, original and captured length
_DATAGRAM = 0xFFFFFFFF  # in place of the link type: a decoded datagram; then its part and length
_FIELDS = struct.Struct("<BiIHH")  # a datagram's kind, declared length, bytes missing, endpoint lengths
_PACKET_BLOCKS = (2, 3, 6)  # pcapng: obsolete, simple and enhanced packet blocks
_RANGE_BLOCKS = (2, 3, 5, 6)  # what may follow within a range: those and interface statistics


@dataclass(frozen=True, slots=True)
class Kept:
    """What ``prefilter`` left of one range: how many records the range holds, the spill file
    holding its non-media ones, and how many parts its datagrams were routed for."""

    records: int
    spill: str
    parts: int = 1


def cuts(path: str, parts: int) -> list[int] | None:
    """Where the capture's records start (after a pcap's file header, or a pcapng's blocks before
    its first packet block), where ``parts`` ranges start after that, and the file's size last
    (fewer ranges when the file is small); None if it is no uncompressed pcap or pcapng, or
    a start was not found."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(WINDOW)
            found = _head(head)
            if found is None:
                return None
            first, chain = found
            starts = [first]
            for k in range(1, parts):
                guess = first + (size - first) * k // parts // 4 * 4  # pcapng blocks are 32-bit aligned
                if guess <= starts[-1]:
                    continue
                f.seek(guess)
                at = chain(f.read(WINDOW), size - guess)
                if at is None:
                    return None
                if starts[-1] < guess + at < size:
                    starts.append(guess + at)
    except OSError:
        return None
    return [*starts, size]


def _head(data: bytes) -> tuple[int, Callable[[bytes, int], int | None]] | None:
    """Where the records start in a file that begins with ``data``, and the test that finds a
    record start in a window (``_pcap_chain`` or ``_pcapng_chain``, bound to the file's format)."""
    if len(data) >= 24 and data[:4] in PCAP_MAGICS:
        order, unit = PCAP_MAGICS[data[:4]]
        header = struct.Struct(order + "IIII")
        limit = record_limit(struct.unpack_from(order + "I", data, 16)[0])
        return 24, lambda buf, left: _pcap_chain(buf, left, header, limit, 1 / unit)
    if len(data) < 12 or data[:4] != PCAPNG_MAGIC:
        return None
    order = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    pos = 0
    while pos + 12 <= len(data):  # the section and interface blocks before the first packet block
        btype, length = struct.unpack_from(order + "II", data, pos)
        if btype in _PACKET_BLOCKS:
            return pos, lambda buf, left: _pcapng_chain(buf, left, order)
        if length < 12 or length % 4:
            return None
        pos += length
    return None


def _pcap_chain(buf: bytes, left: int, header: struct.Struct, limit: int, frac_limit: float) -> int | None:
    """The first offset in ``buf`` (``left`` bytes remain of the file from its start) where
    ``CHAIN`` sane pcap record headers follow one another, or the file ends after fewer."""
    for skip in range(max(len(buf) - 15, 0)):
        pos, first = skip, None
        for _ in range(CHAIN):
            if pos == left:
                return skip
            if pos + 16 > len(buf):
                break
            secs, frac, incl, orig = header.unpack_from(buf, pos)
            first = secs if first is None else first
            if incl == 0 or incl > limit or frac >= frac_limit or orig < incl or abs(secs - first) > 86400:
                break
            pos += 16 + incl
        else:
            return skip
    return None


def _pcapng_chain(buf: bytes, left: int, order: str) -> int | None:
    """The first 32-bit aligned offset in ``buf`` where ``CHAIN`` packet (or statistics) blocks
    follow one another, each length repeated at its end, the first a packet block."""
    lengths = struct.Struct(order + "II")
    trailer = struct.Struct(order + "I")
    for skip in range(0, max(len(buf) - 11, 0), 4):
        pos = skip
        for i in range(CHAIN):
            if pos == left:
                return skip if i else None
            if pos + 12 > len(buf):
                break
            btype, length = lengths.unpack_from(buf, pos)
            if btype not in (_PACKET_BLOCKS if i == 0 else _RANGE_BLOCKS) or length < 12 or length % 4:
                break
            if pos + length > len(buf) or trailer.unpack_from(buf, pos + length - 4)[0] != length:
                break
            pos += length
        else:
            return skip
    return None


def prefilter(
    path: str, first: int, start: int, end: int, spill: str, parts: int = 1, tick: Tick | None = None
) -> Kept | None:
    """Read the records of ``path[start:end]``, media left out, into the file ``spill``; None when
    the range cannot be trusted (see the module doc). A whole UDP datagram is written decoded
    (``capture.datagram_of``), with the part of ``parts`` that dispatches it (``lanes``).
    ``first``: where the file's records start (what is before is put in front of the range, so
    the reader knows the file's format, and a pcapng's sections and interfaces)."""
    problems: list[object] = []
    try:
        with open(path, "rb", buffering=0) as raw, open(spill, "wb", buffering=1 << 20) as out:
            head = raw.read(first)
            described = PacketReader(io.BytesIO(head), lambda *p: None)
            if list(described.packets()):
                return None
            raw.seek(start)
            stream = cast(BinaryIO, _Range(raw, head, end - start, tick))
            reader = PacketReader(stream, lambda *p: problems.append(p), True)
            write, pack = out.write, _SPILL.pack
            for number, time, linktype, frame, orig in reader.packets():
                found = _datagram(linktype, frame)
                if found is None:
                    write(pack(number, time, linktype, orig, len(frame)))
                    write(frame)
                    continue
                body = _encode(found)
                write(pack(number, time, _DATAGRAM, _owner(found, parts), len(body)))
                write(body)
    except OSError:
        return None
    if tick is not None:
        tick(0, reader.number, 0)
    if problems or reader.offset != first + end - start or reader.described != described.described:
        return None  # damage, a record past the end, or a pcapng section or interface in the range
    return Kept(reader.number, spill, parts)


def read_kept(path: str, kept: Sequence[Kept], part: int = 0, parts: int = 1, tick: Tick | None = None) -> CapturePart:
    """Part ``part`` of ``parts`` of the capture at ``path`` from its ranges' records (``lanes``).
    Every failure is data."""
    if any(k.parts != parts for k in kept):
        raise ValueError(f"ranges routed for {kept[0].parts} parts read as {parts}")
    sink = Sink(path)
    lane = Lane(sink, part, parts)
    scan = CaptureScan(sink, tick, lane)
    try:
        scan.run_packets(_records(kept, part if parts > 1 else -1), lambda: sum(k.records for k in kept))
    except Exception as exc:  # failures are data: a bad file must not stop the scan
        return CapturePart(sink, None, f"reading stopped: {type(exc).__name__}: {exc}", lane.ordinal)
    return CapturePart(sink, scan.summary())


def _records(kept: Sequence[Kept], part: int = -1) -> Iterator[Packet | Routed]:
    """The ranges' records in order, numbered as in the whole capture. A datagram routed to
    another part than ``part`` (-1: none) is not decoded: only its kind is read, all that part
    ``part`` counts of it (``CaptureScan._routed``)."""
    base = 0
    size, unpack = _SPILL.size, _SPILL.unpack
    for one in kept:
        with open(one.spill, "rb", buffering=1 << 20) as f:
            read = f.read
            while head := read(size):
                number, time, linktype, orig, length = unpack(head)
                if linktype == _DATAGRAM:
                    body = read(length)
                    yield base + number, time, _decode(body) if orig == part or part < 0 else _KINDS[body[0]], orig
                else:
                    yield base + number, time, linktype, read(length), orig
        base += one.records


def _datagram(linktype: int, frame: bytes) -> Datagram | None:
    """The frame's UDP datagram when it is a whole one that says what it carries, else None."""
    ipv4 = linktype == 1 and len(frame) > 23 and frame[12] == 8 and not frame[13] and frame[14] >> 4 == 4
    if ipv4 and frame[23] != 17:  # Ethernet/IPv4 of another protocol (TCP): none, known without decoding
        return None
    packet = link_payload(linktype, frame)
    ip = decode_ip(packet) if packet is not None else None
    if not isinstance(ip, IpPacket) or ip.frag_id is not None or ip.proto != 17:
        return None
    return datagram_of(ip)


def _owner(d: Datagram, parts: int) -> int:
    """The part that dispatches ``d`` (``lanes``: as ``CaptureScan.datagram`` routes it)."""
    if d.kind == capture.SIP:
        return lanes.owner(lanes.sip_key(d.payload, None), parts)
    if d.kind in (capture.STUN, capture.CHANNEL):
        return lanes.owner(lanes.pair_key(d.src, d.dst), parts)
    return 0


_KINDS = {k: Datagram(k, "", "", b"", 0, 0) for k in (capture.OTHER, capture.STUN, capture.SIP, capture.CHANNEL)}


def _encode(d: Datagram) -> bytes:
    src, dst = d.src.encode(), d.dst.encode()
    return _FIELDS.pack(d.kind, d.declared, d.missing, len(src), len(dst)) + src + dst + d.payload


def _decode(body: bytes) -> Datagram:
    kind, declared, missing, nsrc, ndst = _FIELDS.unpack_from(body)
    at = _FIELDS.size
    src, dst = body[at : at + nsrc].decode(), body[at + nsrc : at + nsrc + ndst].decode()
    return Datagram(kind, src, dst, body[at + nsrc + ndst :], declared, missing)


class _Range(io.RawIOBase):
    """``head`` (a pcap file header), then ``length`` bytes of ``raw`` from where it stands;
    each read's size is reported to ``tick``."""

    def __init__(self, raw: io.FileIO, head: bytes, length: int, tick: Tick | None) -> None:
        super().__init__()
        self._raw, self._head, self._left, self._tick = raw, head, length, tick

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        n = min(len(buffer), self._left)
        if n <= 0:
            return 0
        got = self._raw.readinto(memoryview(buffer)[:n]) or 0
        self._left -= got
        if self._tick is not None and got:
            self._tick(got, 0, 0)
        return got
