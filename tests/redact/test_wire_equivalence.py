"""Old and new walks agree: redaction's own pcapng block walk (kept here as it was before it
read blocks through ``inputs.pcapfile.packet_block``) and the new one give the same bytes on
random and mutated blocks. Transitional: the old walk is removed with this test."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.redact.pcapng import rewrite_block
from icecheck.redact.window import Entry

SHB, IDB, PB, SPB, ISB, EPB = 0x0A0D0D0A, 1, 2, 3, 5, 6


def _old_block(order: str, btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    length = len(body) + 12
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


def _old_options(order: str, data: bytes, keep: tuple[int, ...]) -> bytes:
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


def _old_rewrite(order: str, btype: int, body: bytes, links: list[int]) -> bytes | Entry | None:
    if btype == SHB:
        links.clear()
        return _old_block(order, btype, body[:8] + struct.pack(order + "q", -1)) if len(body) >= 8 else None
    if btype == IDB and len(body) >= 8:
        links.append(struct.unpack_from(order + "H", body)[0])
        return _old_block(order, btype, body[:8] + _old_options(order, body[8:], (9, 14)))
    if btype == ISB and len(body) >= 12:
        return _old_block(order, btype, body[:12])
    if btype in (EPB, SPB, PB):
        packet = _old_packet(order, btype, body, links)
        if packet is None:
            return None
        linktype, frame = packet
        return Entry(
            linktype, frame, lambda new: _old_block(order, btype, _old_packet_body(order, btype, body, frame, new))
        )
    return None


def _old_packet(order: str, btype: int, body: bytes, links: list[int]) -> tuple[int, bytes] | None:
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


def _old_packet_body(order: str, btype: int, body: bytes, old: bytes, new: bytes) -> bytes:
    if btype == SPB:
        orig = struct.unpack_from(order + "I", body)[0]
        return struct.pack(order + "I", max(orig + len(new) - len(old), len(new))) + new
    orig = struct.unpack_from(order + "I", body, 16)[0]
    head = bytearray(body[:20])
    struct.pack_into(order + "II", head, 12, len(new), max(orig + len(new) - len(old), len(new)))
    return bytes(head) + new


@st.composite
def _options(draw: st.DrawFn, order: str) -> bytes:
    """Whole options (the old walk wrote a value cut short by the block's end with its stored
    length; the new one writes the length of what is there), an end marker, anything after it."""
    out = b""
    for _ in range(draw(st.integers(0, 4))):
        value = draw(st.binary(max_size=12))
        code = draw(st.sampled_from([2, 9, 14, 3, 0x8001]))
        out += struct.pack(order + "HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)
    if draw(st.booleans()):
        out += struct.pack(order + "HH", 0, 0) + draw(st.binary(max_size=8))
    return out


@st.composite
def _blocks(draw: st.DrawFn) -> tuple[str, int, bytes, list[int]]:
    order = draw(st.sampled_from("<>"))
    btype = draw(st.sampled_from([SHB, IDB, PB, SPB, ISB, EPB, 4, 10]))
    links = draw(st.lists(st.integers(0, 300), max_size=3))
    if btype == IDB and draw(st.booleans()):
        body = draw(st.binary(min_size=8, max_size=8)) + draw(_options(order))
    elif btype in (EPB, PB) and draw(st.booleans()):  # a plausible packet block, lengths mutated
        frame = draw(st.binary(max_size=40))
        caplen = draw(st.sampled_from([len(frame), len(frame) + 3, max(len(frame) - 1, 0), 0xFFFFFFFF]))
        iface = draw(st.integers(0, 3))
        head = struct.pack(order + ("IIIII" if btype == EPB else "HHIIII"), *([iface] if btype == EPB else [iface, 0]),
                           7, 9, caplen, draw(st.integers(0, 0xFFFFFFFF)))  # fmt: skip
        body = head + frame + b"\x00" * (-len(frame) % 4) + draw(_options(order))
    elif btype == SPB and draw(st.booleans()):
        frame = draw(st.binary(max_size=40))
        orig = draw(st.sampled_from([len(frame), len(frame) + 100, max(len(frame) - 2, 0)]))
        body = struct.pack(order + "I", orig) + frame
    else:
        body = draw(st.binary(max_size=64))
    return order, btype, body, links


@settings(max_examples=3000, deadline=None)
@given(_blocks(), st.binary(max_size=50))
def test_pcapng_blocks_old_and_new_walks_agree(block: tuple[str, int, bytes, list[int]], new: bytes) -> None:
    order, btype, body, links = block
    old_links, new_links = list(links), list(links)
    old, now = _old_rewrite(order, btype, body, old_links), rewrite_block(order, btype, body, new_links)
    assert old_links == new_links
    if isinstance(old, Entry):
        assert isinstance(now, Entry) and (now.linktype, now.frame) == (old.linktype, old.frame)
        for frame in (new, old.frame, old.frame + b"grown", old.frame[:-1]):
            assert _finished(now, frame) == _finished(old, frame)
    else:
        assert now == old


def _finished(entry: Entry, frame: bytes) -> bytes | str | None:
    """The entry's output, or the error finishing it raised (an original length grown past 2^32)."""
    try:
        entry.finish(frame)
    except struct.error as exc:
        return str(exc)
    return entry.out
