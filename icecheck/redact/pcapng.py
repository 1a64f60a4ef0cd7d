"""pcapng blocks for redaction (draft-ietf-opsawg-pcapng §4): read, filter, rewrite.

See ``pcap.py`` for which blocks and options are kept, and for the frames' rewriting: this
module knows blocks, not packets. Each section keeps its byte order.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

SHB, IDB, PB, SPB, ISB, EPB = 0x0A0D0D0A, 1, 2, 3, 5, 6
KEEP_IDB_OPTIONS = (9, 14)  # if_tsresol, if_tsoffset


def blocks(data: bytes) -> Iterator[tuple[str, int, bytes]]:
    """(byte order, block type, body) for every well-formed block; stops at damage."""
    pos, order = 0, "<"
    while pos + 12 <= len(data):
        if data[pos : pos + 4] == b"\x0a\x0d\x0d\x0a":
            order = "<" if data[pos + 8 : pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, length = struct.unpack_from(order + "II", data, pos)
        if length < 12 or length % 4 or pos + length > len(data):
            return
        yield order, btype, data[pos + 8 : pos + length - 4]
        pos += length


def _block(order: str, btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    length = len(body) + 12
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


def _options(order: str, data: bytes, keep: tuple[int, ...]) -> bytes:
    """Only the ``keep`` option codes, then opt_endofopt (when any was kept)."""
    out, pos = b"", 0
    while pos + 4 <= len(data):
        code, length = struct.unpack_from(order + "HH", data, pos)
        if code == 0:
            break
        if code in keep:
            value = data[pos + 4 : pos + 4 + length]
            out += struct.pack(order + "HH", code, length) + value + b"\x00" * (-length % 4)
        pos += 4 + length + (-length % 4)
    return out + struct.pack(order + "HH", 0, 0) if out else b""


def pcapng_frames(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(linktype, frame) of every packet."""
    links: list[int] = []
    for order, btype, body in blocks(data):
        if btype == SHB:
            links = []
        elif btype == IDB and len(body) >= 8:
            links.append(struct.unpack_from(order + "H", body)[0])
        elif btype in (EPB, SPB, PB):
            packet = _packet(order, btype, body, links)
            if packet is not None:
                yield packet[0], packet[1]


def _packet(order: str, btype: int, body: bytes, links: list[int]) -> tuple[int, bytes, int] | None:
    """(linktype, frame, header size) of a packet block."""
    if btype == SPB:
        return (links[0], body[4 : 4 + struct.unpack_from(order + "I", body)[0]], 4) if links else None
    if btype == EPB and len(body) >= 20:
        iface, caplen = struct.unpack_from(order + "I", body)[0], struct.unpack_from(order + "I", body, 12)[0]
    elif btype == PB and len(body) >= 20:
        iface, caplen = struct.unpack_from(order + "H", body)[0], struct.unpack_from(order + "I", body, 12)[0]
    else:
        return None
    return (links[iface], body[20 : 20 + caplen], 20) if iface < len(links) else None


def rewrite_pcapng(data: bytes, rewrite: Callable[[int, bytes], bytes | None]) -> Iterator[bytes]:
    """Every kept block, rewritten; ``rewrite(linktype, frame)`` gives a packet's new frame, or
    None to drop the packet."""
    links: list[int] = []
    for order, btype, body in blocks(data):
        if btype == SHB:
            links = []
            yield _block(order, btype, body[:8] + struct.pack(order + "q", -1))
        elif btype == IDB and len(body) >= 8:
            links.append(struct.unpack_from(order + "H", body)[0])
            yield _block(order, btype, body[:8] + _options(order, body[8:], KEEP_IDB_OPTIONS))
        elif btype == ISB and len(body) >= 12:
            yield _block(order, btype, body[:12])
        elif btype in (EPB, SPB, PB):
            packet = _packet(order, btype, body, links)
            if packet is None:
                continue
            new = rewrite(packet[0], packet[1])
            if new is None:
                continue
            yield _block(order, btype, _packet_body(order, btype, body, packet[1], new))


def _packet_body(order: str, btype: int, body: bytes, old: bytes, new: bytes) -> bytes:
    """The block body with the new frame and its lengths (options dropped)."""
    if btype == SPB:
        orig = struct.unpack_from(order + "I", body)[0]
        return struct.pack(order + "I", max(orig + len(new) - len(old), len(new))) + new
    orig = struct.unpack_from(order + "I", body, 16)[0]
    head = bytearray(body[:20])
    struct.pack_into(order + "II", head, 12, len(new), max(orig + len(new) - len(old), len(new)))
    return bytes(head) + new
