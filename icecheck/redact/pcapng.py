"""pcapng blocks for redaction (draft-ietf-opsawg-pcapng §4): filtered and rewritten.

Blocks are read by ``inputs.pcapfile.PacketReader.records`` (framing, resynchronisation after
damage, a cut-short end) and their fields found where the reader finds them
(``pcapfile.packet_block``, ``options``, ``interface``, the fixed fields' offsets); this module
decides what each block becomes. See ``pcap.py`` for which blocks and options are kept, and for
the frames' rewriting: this module knows blocks, not packets. Each section keeps its byte order.
"""

from __future__ import annotations

import struct

from icecheck.inputs.pcapfile import (
    IDB,
    IDB_OPTIONS,
    ISB,
    ISB_OPTIONS,
    PACKET_BLOCKS,
    SHB,
    SHB_LENGTH_AT,
    PacketBlock,
    interface,
    options,
    packet_block,
)
from icecheck.redact.window import Entry

KEEP_IDB_OPTIONS = (9, 14)  # if_tsresol, if_tsoffset


def block(order: str, btype: int, body: bytes) -> bytes:
    """A whole block: type, length, body padded to 32 bits, length again."""
    body += b"\x00" * (-len(body) % 4)
    length = len(body) + 12
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


def _options(order: str, data: bytes, keep: tuple[int, ...]) -> bytes:
    """Only the ``keep`` option codes (``pcapfile.options``), then opt_endofopt (when any was kept)."""
    out = b"".join(
        struct.pack(order + "HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)
        for code, value in options(data, order)
        if code in keep
    )
    return out + struct.pack(order + "HH", 0, 0) if out else b""


def rewrite_block(order: str, btype: int, body: bytes, links: list[int]) -> bytes | Entry | None:
    """What one block becomes: the bytes of a kept non-packet block, an ``Entry`` for a packet
    (its frame, where ``pcapfile.packet_block`` finds it, to rewrite; options dropped), or None
    for a block left out. ``links`` is the section's interface link types, kept up to date here."""
    if btype == SHB:
        links.clear()
        if len(body) < SHB_LENGTH_AT:
            return None
        return block(order, btype, body[:SHB_LENGTH_AT] + struct.pack(order + "q", -1))
    if btype == IDB and len(body) >= IDB_OPTIONS:
        links.append(interface(body, order)[0])
        return block(order, btype, body[:IDB_OPTIONS] + _options(order, body[IDB_OPTIONS:], KEEP_IDB_OPTIONS))
    if btype == ISB and len(body) >= ISB_OPTIONS:
        return block(order, btype, body[:ISB_OPTIONS])
    if btype in PACKET_BLOCKS:
        layout = packet_block(btype, body, order)
        if layout is None or layout[0] >= len(links):
            return None
        iface, _time, start, caplen = layout[:4]
        return Entry(
            links[iface],
            body[start : start + caplen],
            lambda new: block(order, btype, _packet_body(order, body, layout, new)),
        )
    return None


def _packet_body(order: str, body: bytes, layout: PacketBlock, new: bytes) -> bytes:
    """The block body with the new frame and its lengths (options dropped)."""
    _iface, _time, start, caplen, orig, caplen_at, orig_at = layout
    head = bytearray(body[:start])
    struct.pack_into(order + "I", head, orig_at, min(max(orig + len(new) - caplen, len(new)), 0xFFFFFFFF))
    if caplen_at is not None:  # (the new original length is kept in the field's range)
        struct.pack_into(order + "I", head, caplen_at, len(new))
    return bytes(head) + new
