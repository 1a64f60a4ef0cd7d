"""Stream packets out of pcap and pcapng files without loading them.

pcap: the classic libpcap format (24-byte header, 16-byte record headers), both byte orders,
micro- and nanosecond variants. pcapng (draft-ietf-opsawg-pcapng §4): sections (SHB, either
byte order), interfaces (IDB: link type, snaplen, ``if_tsresol``/``if_tsoffset``), Enhanced,
Simple and obsolete Packet Blocks; other blocks are skipped.

``PacketReader.packets()`` yields ``(number, time, linktype, data, original_length)``, numbered
from 1 like Wireshark. Damage is reported through ``report(packet, message, level)`` and never
raised: a corrupt record header makes the reader search forward for the next plausible record
(resynchronising), a file cut short ends the stream after saying where.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from icecheck.inputs import media
from icecheck.inputs.source import gzip_error
from icecheck.model import DiagnosticLevel

Report = Callable[[int | None, str, DiagnosticLevel], None]
Packet = tuple[int, float, int, bytes, int]
RawRecord = tuple[str, int, bytes]  # (byte order, record or block type, bytes): ``PacketReader.records``

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
CHUNK = 4 << 20
MAX_RECORD = 1 << 24  # no link layer carries a 16 MiB frame: a larger length is corruption
RESYNC_WINDOW = 1 << 20
SHB, IDB, PB, SPB, ISB, EPB = 0x0A0D0D0A, 1, 2, 3, 5, 6  # pcapng block types
PACKET_BLOCKS = (PB, SPB, EPB)
SHB_LENGTH_AT = 8  # Section Header Block: byte-order magic, version, then the section length (§4.1)
IDB_OPTIONS = 8  # Interface Description Block: link type, reserved, snaplen, then options (§4.2)
ISB_OPTIONS = 12  # Interface Statistics Block: interface id, timestamp, then options (§4.6)


class PacketReader:
    """Iterates the packets of one pcap/pcapng stream. ``consumed`` is the byte offset reached."""

    def __init__(self, stream: BinaryIO, report: Report, skip_media: bool = False) -> None:
        self.skip_media = skip_media  # drop media frames (``media.is_media``) before yielding them
        self._stream = stream
        self._report = report
        self._buf = b""
        self._scratch = bytearray()
        self._readinto: Callable[[memoryview], int | None] | None = getattr(
            stream, "readinto1", getattr(stream, "readinto", None)
        )  # one raw read, as read1: a damaged gzip
        # stream then loses nothing that inflated before the damage
        self._pos = 0
        self._eof = False
        self.number = 0
        self.consumed = 0
        self.described = 0  # pcapng Section Header and Interface Description Blocks read

    # -- buffer ----------------------------------------------------------------------------------

    def _have(self, n: int) -> bool:
        """Make ``n`` bytes available at ``_pos``; False if the stream ends first.

        The unread rest and the next chunk are read into one scratch buffer and copied out once:
        concatenating a large chunk to the rest costs a fresh allocation per chunk, which on a
        1 GB capture took longer than the reading itself.
        """
        if len(self._buf) - self._pos >= n:
            return True
        if self._eof:
            return False
        rest = len(self._buf) - self._pos
        want = max(CHUNK, n)
        if len(self._scratch) < want:
            self._scratch = bytearray(want)
        view = memoryview(self._scratch)
        view[:rest] = memoryview(self._buf)[self._pos :]
        self.consumed += self._pos
        self._pos = 0
        have = rest
        while have < n and not self._eof:
            got = self._read_into(view[have:want])
            if not got:
                self._eof = True
            have += got
        self._buf = bytes(view[:have])
        view.release()
        return have >= n

    def _read_into(self, view: memoryview) -> int:
        """Read into ``view``; a damaged gzip stream ends the input after what inflated."""
        try:
            if self._readinto is not None:
                return self._readinto(view) or 0
            chunk = self._stream.read(len(view))
        except (EOFError, OSError, zlib.error) as exc:
            self._report(self.number + 1, f"{gzip_error(exc) or exc}: reading stops here", DiagnosticLevel.ERROR)
            return 0
        view[: len(chunk)] = chunk
        return len(chunk)

    def _left(self) -> int:
        return len(self._buf) - self._pos

    @property
    def offset(self) -> int:
        """Bytes of the stream read past: once ``packets()`` has ended, where the last whole
        record read ends (trailing bytes too short for a record header are not read past)."""
        return self.consumed + self._pos

    # -- formats ---------------------------------------------------------------------------------

    def packets(self) -> Iterator[Packet]:
        """Sniff the format from the first bytes and yield packets."""
        if not self._have(4):
            self._report(None, "the file is too short to be a capture", DiagnosticLevel.ERROR)
            return
        magic = self._buf[:4]
        if magic in PCAP_MAGICS:
            yield from self._pcap(*PCAP_MAGICS[magic])
        elif magic == PCAPNG_MAGIC:
            yield from self._pcapng()
        else:
            self._report(None, "not a pcap or pcapng file (unknown magic number)", DiagnosticLevel.ERROR)

    def _pcap(self, order: str, unit: float) -> Iterator[Packet]:
        if not self._have(24):
            self._report(None, "the pcap file header is cut short (24 bytes needed)", DiagnosticLevel.ERROR)
            return
        snaplen, network = struct.unpack_from(order + "II", self._buf, 16)
        linktype = network & 0x0FFFFFFF  # upper bits: FCS length flags
        self._pos = 24
        header = struct.Struct(order + "IIII")
        # The record header and, read with it, the Ethernet/IPv4 fields the media test needs:
        # EtherType, version/IHL, flags/fragment offset, protocol (16-bit fields in the file's
        # byte order, so the constants they are compared with are swapped to match).
        wide = struct.Struct(order + "IIII12xHB5xHxB")
        ipv4 = 0x0800 if order == ">" else 0x0008
        unfragmented = 0x3FFF if order == ">" else 0xFF3F  # MF flag and fragment offset bits
        limit = record_limit(snaplen)
        prev_time = 0
        unpack, unpack_wide, frac_limit = header.unpack_from, wide.unpack_from, 1 / unit
        skip_media = self.skip_media
        ethernet = linktype == 1
        first_byte, media_payload = media.FIRST, media.media_payload
        # The hot loop keeps the buffer, position and count in locals and writes them back before
        # anything else can look (a yield, a refill, a resync): most records are skipped media.
        buf, pos, size, number = self._buf, self._pos, len(self._buf), self.number
        while True:
            if size - pos < 40:
                self._pos, self.number = pos, number
                if not self._have(40) and not self._have(16):
                    return
                buf, pos, size = self._buf, self._pos, len(self._buf)
                if size - pos < 40:  # the last record, shorter than a media frame
                    secs, frac, incl, orig = unpack(buf, pos)
                    ethertype = ihl = frag = proto = 0  # not read: the general test below looks
                else:
                    secs, frac, incl, orig, ethertype, ihl, frag, proto = unpack_wide(buf, pos)
            else:
                secs, frac, incl, orig, ethertype, ihl, frag, proto = unpack_wide(buf, pos)
            if incl > limit or frac >= frac_limit or (orig < incl and orig != 0):
                self._pos, self.number = pos, number
                if not self._pcap_resync(header, limit, prev_time, unit, incl):
                    return
                buf, pos, size = self._buf, self._pos, len(self._buf)
                continue
            start = pos + 16
            end = start + incl
            if end > size:  # the hot path avoids this call: most records are buffered
                self._pos, self.number = pos, number
                if not self._have(16 + incl):
                    self._cut_short(incl + 16)
                    return
                buf, pos, size = self._buf, self._pos, len(self._buf)
                start, end = pos + 16, pos + 16 + incl
            pos = end
            number += 1
            prev_time = secs
            # media.is_media, inlined for Ethernet/IPv4: never copied nor yielded, most of a call is RTP
            if skip_media:
                if ethernet and ethertype == ipv4 and incl >= 43:
                    if proto == 17 and not frag & unfragmented and ihl & 15 >= 5:
                        hlen = (ihl & 15) * 4
                        at = start + 22 + hlen
                        if at < end:
                            total = (buf[start + 16] << 8) | buf[start + 17]  # the payload ends there
                            if total > hlen + 8 or total < hlen:  # (below: ignored, as netdecode)
                                kind = first_byte[buf[at]]
                                if kind == 1:
                                    continue
                                stop = end if total < hlen else min(end, start + 14 + total)
                                if kind and media_payload(buf, at, stop):
                                    continue
                elif media.is_media(buf, start, end, linktype):
                    continue
            self._pos, self.number = pos, number
            yield number, secs + frac * unit, linktype, buf[start:end], orig or incl
            buf, pos, size, number = self._buf, self._pos, len(self._buf), self.number

    def _cut_short(self, needed: int) -> None:
        self._report(
            self.number + 1,
            f"the file ends inside this packet's record ({self._left()} of "
            f"{needed} bytes present): the capture is truncated",
            DiagnosticLevel.ERROR,
        )
        self._pos = len(self._buf)

    def _pcap_resync(self, header: struct.Struct, limit: int, prev: int, unit: float, incl: int) -> bool:
        """Find the next offset where two consecutive record headers look sane."""
        at = self.consumed + self._pos
        self._have(RESYNC_WINDOW)
        for skip in range(1, self._left() - 32):
            if self._pcap_plausible(header, self._pos + skip, limit, prev, unit):
                self._report(
                    self.number + 1,
                    f"corrupt record header at byte {at} (claims {incl} bytes): "
                    f"skipped {skip} bytes to the next plausible record",
                    DiagnosticLevel.ERROR,
                )
                self._pos += skip
                return True
        self._report(
            self.number + 1,
            f"corrupt record header at byte {at} (claims {incl} bytes) and no "
            "plausible record follows: the rest of the file is unreadable",
            DiagnosticLevel.ERROR,
        )
        return False

    def _pcap_plausible(self, header: struct.Struct, pos: int, limit: int, prev: int, unit: float) -> bool:
        for _ in range(2):
            if pos + 16 > len(self._buf):
                return pos == len(self._buf)
            secs, frac, incl, orig = header.unpack_from(self._buf, pos)
            if incl > limit or incl == 0 or frac >= 1 / unit or orig < incl or abs(secs - prev) > 86400:
                return False
            pos += 16 + incl
        return True

    # -- pcapng ----------------------------------------------------------------------------------

    def _pcapng(self) -> Iterator[Packet]:
        order = "<"
        interfaces: list[tuple[int, float, float]] = []  # (linktype, resolution, offset)
        while self._have(12):
            if interfaces:
                yield from self._enhanced_blocks(order, interfaces)
                if not self._have(12):
                    return
            block = self._pcapng_block(order)
            if block is None:
                return
            btype, body, order = block
            if btype == SHB:
                interfaces = []
                self.described += 1
            elif btype == IDB:
                self.described += 1
                interfaces.append(interface(body, order) if len(body) >= IDB_OPTIONS else (-1, 1e-6, 0.0))
            elif btype in PACKET_BLOCKS:
                self.number += 1
                packet = _packet_block(btype, body, order, interfaces)
                if packet is None:
                    self._report(
                        self.number,
                        "unusable packet block (too short, or its interface was never described)",
                        DiagnosticLevel.ERROR,
                    )
                    continue
                time, linktype, data, orig = packet
                if not (self.skip_media and media.is_media(data, 0, len(data), linktype)):
                    yield self.number, time, linktype, data, orig

    def _enhanced_blocks(self, order: str, interfaces: list[tuple[int, float, float]]) -> Iterator[Packet]:
        """The hot path of ``_pcapng``: the Enhanced Packet Blocks (§4.3) that follow one another
        whole in the buffer, media dropped unread (``media.is_media``). Their fields are read
        inline, with the block header, where ``packet_block`` says they lie (a test holds them
        to it). It stops at anything else (another block type, a block cut by the buffer's end,
        damage, an unknown interface), which ``_pcapng`` then takes the careful way."""
        head, trailer = struct.Struct(order + "IIIIIII"), struct.Struct(order + "I")
        unpack, unpack_trailer = head.unpack_from, trailer.unpack_from
        skip_media, is_media = self.skip_media, media.is_media
        first_byte, media_payload = media.FIRST, media.media_payload
        known = len(interfaces)
        buf, pos, size = self._buf, self._pos, len(self._buf)
        while size - pos >= 32:
            btype, length, iface, hi, lo, caplen, orig = unpack(buf, pos)
            end = pos + length
            if btype != 6 or length < 32 or length % 4 or end > size or iface >= known:
                break
            if unpack_trailer(buf, end - 4)[0] != length:
                break
            start = pos + 28
            stop = start + min(caplen, length - 32)
            pos = end
            self.number += 1
            linktype, resolution, offset = interfaces[iface]
            if skip_media:
                if linktype == 1 and stop - start >= 43 and buf[start + 12] == 8 and not buf[start + 13]:
                    ihl = buf[start + 14] & 15  # Ethernet/IPv4, inlined as in ``_pcap``
                    if buf[start + 23] == 17 and not buf[start + 20] & 0x3F and not buf[start + 21] and ihl >= 5:
                        at = start + 22 + ihl * 4
                        total = (buf[start + 16] << 8) | buf[start + 17]
                        last = min(stop, start + 14 + total) if total >= ihl * 4 else stop
                        if at < last:
                            kind = first_byte[buf[at]]
                            if kind == 1 or (kind and media_payload(buf, at, last)):
                                continue
                elif is_media(buf, start, stop, linktype):
                    continue
            self._pos = pos
            yield self.number, ((hi << 32) | lo) * resolution + offset, linktype, buf[start:stop], orig
            buf, size = self._buf, len(self._buf)  # unchanged unless the consumer read on
        self._pos = pos

    def _pcapng_block(self, order: str) -> tuple[int, bytes, str] | None:
        """The next block's (type, body, byte order), or None at the end of what can be read."""
        btype = struct.unpack_from(order + "I", self._buf, self._pos)[0]
        if btype == SHB:
            order = "<" if self._buf[self._pos + 8 : self._pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        length = struct.unpack_from(order + "I", self._buf, self._pos + 4)[0]
        if length < 12 or length % 4 or length > MAX_RECORD:
            return self._pcapng_resync(order, length)
        if not self._have(length):
            self._cut_short(length)
            return None
        start = self._pos
        trailer = struct.unpack_from(order + "I", self._buf, start + length - 4)[0]
        if trailer != length:
            return self._pcapng_resync(order, length)
        self._pos += length
        return btype, self._buf[start + 8 : start + length - 4], order

    def _pcapng_resync(self, order: str, length: int) -> tuple[int, bytes, str] | None:
        at = self.consumed + self._pos
        self._have(RESYNC_WINDOW)
        for skip in range(4, self._left() - 12, 4):
            if _plausible_block(self._buf, self._pos + skip, order):
                self._report(
                    self.number + 1,
                    f"corrupt block header at byte {at} (length {length}): "
                    f"skipped {skip} bytes to the next plausible block",
                    DiagnosticLevel.ERROR,
                )
                self._pos += skip
                return self._pcapng_block(order) if self._have(12) else None
        self._report(
            self.number + 1,
            f"corrupt block header at byte {at} (length {length}) and no plausible "
            "block follows: the rest of the file is unreadable",
            DiagnosticLevel.ERROR,
        )
        return None

    # -- raw records (for a rewriter: icecheck.redact) ------------------------------------------

    def records(self) -> Iterator[RawRecord]:
        """Every record as stored, in file order, with the damage handling of ``packets()``
        (resynchronisation, a cut-short end reported), for a rewriter that writes them back:
        pcap → ``(order, -1, 24-byte file header)`` once, then ``(order, 0, 16-byte record header
        + frame)`` per record; pcapng → ``(order, block type, block body)`` per block (the body is
        what lies between the length fields; every block type, SHB and IDB included). ``number``
        counts packet records as in ``packets()``; ``media`` skipping does not apply."""
        if not self._have(4):
            self._report(None, "the file is too short to be a capture", DiagnosticLevel.ERROR)
            return
        magic = self._buf[:4]
        if magic in PCAP_MAGICS:
            yield from self._pcap_records(*PCAP_MAGICS[magic])
        elif magic == PCAPNG_MAGIC:
            order = "<"
            while self._have(12):
                block = self._pcapng_block(order)
                if block is None:
                    return
                btype, body, order = block
                self.number += btype in PACKET_BLOCKS
                yield order, btype, body
        else:
            self._report(None, "not a pcap or pcapng file (unknown magic number)", DiagnosticLevel.ERROR)

    def _pcap_records(self, order: str, unit: float) -> Iterator[RawRecord]:
        """``records()`` of a pcap file: the careful loop of ``_pcap``, without media skipping."""
        if not self._have(24):
            self._report(None, "the pcap file header is cut short (24 bytes needed)", DiagnosticLevel.ERROR)
            return
        yield order, -1, self._buf[:24]
        snaplen = struct.unpack_from(order + "I", self._buf, 16)[0]
        limit = record_limit(snaplen)
        header = struct.Struct(order + "IIII")
        self._pos, prev_time = 24, 0
        while self._have(16):
            secs, frac, incl, orig = header.unpack_from(self._buf, self._pos)
            if incl > limit or frac >= 1 / unit or (orig < incl and orig != 0):
                if not self._pcap_resync(header, limit, prev_time, unit, incl):
                    return
                continue
            if not self._have(16 + incl):
                self._cut_short(incl + 16)
                return
            start = self._pos
            self._pos += 16 + incl
            self.number += 1
            prev_time = secs
            yield order, 0, self._buf[start : self._pos]


def record_limit(snaplen: int) -> int:
    """The largest captured length a pcap record may claim, given the file's snapshot length."""
    return max(snaplen, 262144) if 0 < snaplen <= MAX_RECORD else MAX_RECORD


def _plausible_block(buf: bytes, pos: int, order: str) -> bool:
    btype, length = struct.unpack_from(order + "II", buf, pos)
    if btype not in (IDB, PB, SPB, ISB, EPB) or length < 12 or length % 4 or pos + length > len(buf):
        return False
    return bool(struct.unpack_from(order + "I", buf, pos + length - 4)[0] == length)


def interface(body: bytes, order: str) -> tuple[int, float, float]:
    """Interface Description Block (§4.2) → (link type, time resolution, time offset): the link
    type, then the ``if_tsresol`` and ``if_tsoffset`` options. ``body`` holds ``IDB_OPTIONS`` bytes."""
    linktype = struct.unpack_from(order + "H", body, 0)[0]
    resolution, offset = 1e-6, 0.0
    for code, value in options(body[IDB_OPTIONS:], order):
        if code == 9 and value:  # if_tsresol: 10^-v, or 2^-v when the top bit is set
            v = value[0]
            resolution = 2.0 ** -(v & 0x7F) if v & 0x80 else 10.0**-v
        elif code == 14 and len(value) >= 8:  # if_tsoffset: seconds added to every timestamp
            offset = float(struct.unpack_from(order + "q", value)[0])
    return linktype, resolution, offset


def options(data: bytes, order: str) -> Iterator[tuple[int, bytes]]:
    """A block's options (§3.5): ``(code, value)`` up to ``opt_endofopt`` or the end of ``data``
    (the last value cut short when ``data`` ends inside it); values are padded to 32 bits."""
    pos = 0
    while pos + 4 <= len(data):
        code, length = struct.unpack_from(order + "HH", data, pos)
        if code == 0:
            return
        yield code, data[pos + 4 : pos + 4 + length]
        pos += 4 + (length + 3) // 4 * 4


PacketBlock = tuple[int, int, int, int, int, int | None, int]  # ``packet_block``: a plain tuple, made per packet
_EPB_FIELDS = {order: struct.Struct(order + "IIIII") for order in "<>"}  # interface, timestamp, lengths
_PB_FIELDS = {order: struct.Struct(order + "HHIIII") for order in "<>"}  # interface, drops, timestamp, lengths
_SPB_FIELDS = {order: struct.Struct(order + "I") for order in "<>"}  # original length


def packet_block(btype: int, body: bytes, order: str) -> PacketBlock | None:
    """Where the parts of an Enhanced (§4.3), Simple (§4.4) or obsolete Packet Block (Appendix A)
    lie in its body (the bytes between its length fields), or None for one too short for its fixed
    fields: ``(iface, timestamp, frame, caplen, orig, caplen_at, orig_at)``. The captured frame is
    ``body[frame : frame + caplen]`` (``caplen`` as stored, cut to the body); the original length
    ``orig`` is stored at ``orig_at`` and the captured length at ``caplen_at`` (None in a Simple
    Packet Block: implied by the block's length); ``timestamp`` is in the interface's units (0 in a
    Simple Packet Block, which has none and belongs to interface 0); options, if any, follow the
    frame padded to 32 bits. ``PacketReader`` reads packets by it (its hot path,
    ``_enhanced_blocks``, reads the same Enhanced Packet Block fields inline), a rewriter rewrites
    frames through it."""
    if btype == SPB:
        if len(body) < 4:
            return None
        orig = _SPB_FIELDS[order].unpack_from(body)[0]
        return 0, 0, 4, min(orig, len(body) - 4), orig, None, 0
    if len(body) < 20:
        return None
    if btype == EPB:
        iface, hi, lo, caplen, orig = _EPB_FIELDS[order].unpack_from(body)
    elif btype == PB:
        iface, _drops, hi, lo, caplen, orig = _PB_FIELDS[order].unpack_from(body)
    else:
        return None
    return iface, (hi << 32) | lo, 20, min(caplen, len(body) - 20), orig, 12, 16


def _packet_block(
    btype: int, body: bytes, order: str, interfaces: list[tuple[int, float, float]]
) -> tuple[float, int, bytes, int] | None:
    """A packet block → (time, linktype, data, orig_len), None when unusable."""
    block = packet_block(btype, body, order)
    if block is None or block[0] >= len(interfaces):
        return None
    iface, timestamp, frame, caplen, orig, _caplen_at, _orig_at = block
    linktype, resolution, offset = interfaces[iface]
    time = timestamp * resolution + offset if btype != SPB else 0.0
    return time, linktype, body[frame : frame + caplen], orig
