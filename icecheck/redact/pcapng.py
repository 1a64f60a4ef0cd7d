"""pcapng blocks for redaction (draft-ietf-opsawg-pcapng §4): filtered and rewritten.

Blocks are read by ``inputs.pcapfile.PacketReader.records`` (framing, resynchronisation after
damage, a cut-short end); this module decides what each block becomes. See ``pcap.py`` for which
blocks and options are kept, and for the frames' rewriting: this module knows blocks, not packets.
Each section keeps its byte order.
"""

from __future__ import annotations

import struct

from icecheck.redact.window import Entry

SHB, IDB, PB, SPB, ISB, EPB = 0x0A0D0D0A, 1, 2, 3, 5, 6
KEEP_IDB_OPTIONS = (9, 14)  # if_tsresol, if_tsoffset


def block(order: str, btype: int, body: bytes) -> bytes:
    """A whole block: type, length, body padded to 32 bits, length again."""
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


def rewrite_block(order: str, btype: int, body: bytes, links: list[int]) -> bytes | Entry | None:
    """What one block becomes: the bytes of a kept non-packet block, an ``Entry`` for a packet
    (its frame to rewrite; options dropped), or None for a block left out. ``links`` is the
    section's interface link types, kept up to date here."""
    if btype == SHB:
        links.clear()
        return block(order, btype, body[:8] + struct.pack(order + "q", -1)) if len(body) >= 8 else None
    if btype == IDB and len(body) >= 8:
        links.append(struct.unpack_from(order + "H", body)[0])
        return block(order, btype, body[:8] + _options(order, body[8:], KEEP_IDB_OPTIONS))
    if btype == ISB and len(body) >= 12:
        return block(order, btype, body[:12])
    if btype in (EPB, SPB, PB):
        packet = _packet(order, btype, body, links)
        if packet is None:
            return None
        linktype, frame = packet
        return Entry(linktype, frame, lambda new: block(order, btype, _packet_body(order, btype, body, frame, new)))
    return None


def _packet(order: str, btype: int, body: bytes, links: list[int]) -> tuple[int, bytes] | None:
    """(linktype, frame) of a packet block."""
    if btype == SPB:
        if not links or len(body) < 4:
            return None
        return links[0], body[4 : 4 + struct.unpack_from(order + "I", body)[0]]
    if btype == EPB and len(body) >= 20:
        iface, caplen = struct.unpack_from(order + "I", body)[0], struct.unpack_from(order + "I", body, 12)[0]
    elif btype == PB and len(body) >= 20:
        iface, caplen = struct.unpack_from(order + "H", body)[0], struct.unpack_from(order + "I", body, 12)[0]
    else:
        return None
    return (links[iface], body[20 : 20 + caplen]) if iface < len(links) else None


def _packet_body(order: str, btype: int, body: bytes, old: bytes, new: bytes) -> bytes:
    """The block body with the new frame and its lengths (options dropped)."""
    if btype == SPB:
        orig = struct.unpack_from(order + "I", body)[0]
        return struct.pack(order + "I", max(orig + len(new) - len(old), len(new))) + new
    orig = struct.unpack_from(order + "I", body, 16)[0]
    head = bytearray(body[:20])
    struct.pack_into(order + "II", head, 12, len(new), max(orig + len(new) - len(old), len(new)))
    return bytes(head) + new
