"""Old and new walks agree: redaction's own pcapng block walk (kept here as it was before it
read blocks through ``inputs.pcapfile.packet_block``) and the new one give the same bytes on
random and mutated blocks. Transitional: the old walk is removed with this test."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.redact.packet import DropPacket, FrameRewriter, Shifts, checksum, pseudo
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


class _OldTransport(FrameRewriter):
    """``FrameRewriter`` with its UDP and TCP header walks as they were before ``netdecode``'s
    ``udp_layout``/``tcp_layout``."""

    def old_udp(self, seg: bytes, nsrc: bytes, ndst: bytes, inner: bool = False) -> bytes:
        declared = int.from_bytes(seg[4:6], "big")
        if inner and declared != len(seg):  # truncated quote inside ICMP: same-length rewrite only
            new = self.payload(seg[8:])
            return seg[:8] + (new if len(new) == len(seg) - 8 else seg[8:])
        body = self.payload(seg[8:declared] if 8 <= declared <= len(seg) else seg[8:])
        head = bytearray(seg[:8])
        head[4:6] = (8 + len(body)).to_bytes(2, "big")
        if seg[6:8] != b"\x00\x00" or len(nsrc) == 16:  # a zero IPv4 UDP checksum means "none"
            head[6:8] = b"\x00\x00"
            value = checksum(pseudo(nsrc, ndst, 17, 8 + len(body)) + bytes(head) + body) or 0xFFFF
            head[6:8] = value.to_bytes(2, "big")
        return bytes(head) + body

    def old_tcp(self, seg: bytes, src: bytes, dst: bytes, nsrc: bytes, ndst: bytes) -> bytes:
        off = (seg[12] >> 4) * 4
        if off < 20 or len(seg) < off:
            return seg
        sport, dport = struct.unpack_from("!HH", seg)
        flow, back = (src, dst, sport, dport), (dst, src, dport, sport)
        seq, ack = struct.unpack_from("!II", seg, 4)
        if seg[13] & 0x02:  # SYN (RFC 9293 §3.1): the stream's data starts at seq + 1
            self.syn(flow, seq)
        body = self.tcp_body(flow, seq, seg[off:]) if len(seg) > off else b""
        head = bytearray(seg[:off])
        shift, back_shift = self.tcp_shift.get(flow), self.tcp_shift.get(back)
        struct.pack_into("!II", head, 4, (seq + (shift.at(seq) if shift else 0)) & 0xFFFFFFFF,
                         (ack + (back_shift.at(ack) if back_shift else 0)) & 0xFFFFFFFF)  # fmt: skip
        if len(body) != len(seg) - off:
            if shift is None:
                shift = self.tcp_shift[flow] = Shifts(seq)
            shift.add(seq + len(seg) - off, len(body) - (len(seg) - off))
        head[16:18] = b"\x00\x00"
        value = checksum(pseudo(nsrc, ndst, 6, off + len(body)) + bytes(head) + body)
        head[16:18] = value.to_bytes(2, "big")
        return bytes(head) + body


class _OldTransportEntry(_OldTransport):
    def transport(self, proto: int, src: bytes, dst: bytes, seg: bytes, inner: bool = False) -> bytes:
        nsrc, ndst = self.addr(src), self.addr(dst)
        if proto == 17 and len(seg) >= 8:
            return self.old_udp(seg, nsrc, ndst, inner)
        if proto == 6 and len(seg) >= 20 and not inner:
            return self.old_tcp(seg, src, dst, nsrc, ndst)
        return FrameRewriter.transport(self, proto, src, dst, seg, inner)


@st.composite
def _segments(draw: st.DrawFn) -> list[tuple[int, bytes, bytes, bytes, bool]]:
    """UDP and TCP segments of one or two flows, headers and lengths mutated: lengths below,
    equal to and past the captured bytes, data offsets below 20 and past the end, SYNs."""
    out = []
    hosts = [bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), bytes(15) + b"\x01"]
    seqs = [draw(st.integers(0, 2**32 - 1)) for _ in range(2)]
    for _ in range(draw(st.integers(1, 6))):
        proto, inner = draw(st.sampled_from([17, 6])), draw(st.booleans())
        src, dst = draw(st.sampled_from([(hosts[0], hosts[1]), (hosts[1], hosts[0]), (hosts[2], hosts[2])]))
        payload = draw(st.sampled_from([b"", b"a" * 9, b"INVITE sip:a@10.0.0.1 SIP/2.0\r\n\r\n", b"\x00\x01xyz"]))
        payload += draw(st.binary(max_size=12))
        if proto == 17:
            length = draw(st.sampled_from([8 + len(payload), 3, 8, 8 + len(payload) + 4, max(8 + len(payload) - 2, 0)]))
            seg = struct.pack("!HHHH", 5060, 5062, length, draw(st.sampled_from([0, 0x1234]))) + payload
        else:
            i = draw(st.integers(0, 1))
            offset = draw(st.sampled_from([5, 5, 6, 4, 15]))
            flags = draw(st.sampled_from([0x18, 0x02, 0x10]))
            options = bytes(max(0, offset - 5) * 4) if offset <= 6 else b""
            seg = struct.pack("!HHIIBBHHH", 5060 + i, 5062 - i, seqs[i], 7, offset << 4, flags, 100, 0, 0)
            seg += options + payload
            seqs[i] = (seqs[i] + len(payload) + (flags == 0x02)) & 0xFFFFFFFF
        seg = seg[: draw(st.integers(0, len(seg)))] if draw(st.integers(0, 9)) == 0 else seg
        out.append((proto, src, dst, seg, inner))
    return out


@settings(max_examples=2000, deadline=None)
@given(_segments())
def test_udp_and_tcp_old_and_new_walks_agree(segments: list[tuple[int, bytes, bytes, bytes, bool]]) -> None:
    from icecheck.redact.standins import StandIns

    def text(data: bytes) -> bytes:
        return data.replace(b"a", b"bb")  # a change of length: UDP lengths follow, TCP shifts

    old, new = _OldTransportEntry(StandIns(), text), FrameRewriter(StandIns(), text)
    for proto, src, dst, seg, inner in segments:
        assert _outcome(new, proto, src, dst, seg, inner) == _outcome(old, proto, src, dst, seg, inner)


def _outcome(rw: FrameRewriter, proto: int, src: bytes, dst: bytes, seg: bytes, inner: bool) -> bytes | str:
    try:
        return rw.transport(proto, src, dst, seg, inner)
    except DropPacket as drop:
        return f"dropped: {drop.reason}"
