"""One captured frame rewritten: link-layer MACs, ARP, IPv4/IPv6 addresses, UDP/TCP/ICMP/IGMP, tunnels.

One wire layer: the link layer and the IP header are read where scan reads them
(``inputs.netdecode.link_layout`` and ``ip_layout``, the same walks as ``link_payload`` and
``decode_ip``: VLAN tags, IPv6 extension headers and AH up to the transport or a Fragment header);
a header scan cannot decode is dropped, never copied. IPv6 extension headers: what may name a host
is rewritten or zeroed (``ipv6_extensions``); an AH integrity value is zeroed when the packet changed
(``ah_zeroed``).

Header checksums are recomputed (IPv4 RFC 791 §3.1; UDP RFC 768 and RFC 8200 §8.1 with their
pseudo-headers; TCP RFC 9293 §3.1; ICMP RFC 792; ICMPv6 RFC 4443 §2.3). When a payload's length
changes (a stand-in of another length), UDP and IP lengths follow, and TCP sequence and
acknowledgement numbers of the flow are shifted by the bytes added so far. IPv4 fragments are
handled by ``pcap.py``, which reassembles them first; it also rewrites TCP payload through the
reassembled stream (``tcp_body``). IP in IP and GRE (with ERSPAN II/III)
are rewritten inside; SCTP chunk by chunk (``sctp.py``). Text payloads are redacted with
``formats`` (SIP Content-Length kept right); binary payloads other than STUN, RTP/RTCP and
DTLS are blanked (zeroed, same length). What it does not understand (a link type, an
EtherType, an IP protocol) is dropped, never copied (``DropPacket``); the caller counts both.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING

from icecheck.inputs.netdecode import (
    TCP_CHECKSUM_AT,
    TCP_SEQ_AT,
    TCP_SYN,
    UDP_CHECKSUM_AT,
    UDP_LENGTH_AT,
    IpLayout,
    TcpLayout,
    UdpLayout,
    ip_layout,
    ipv6_extension_fields,
    link_layout,
    tcp_layout,
    udp_layout,
)
from icecheck.redact.sctp import rewrite_sctp
from icecheck.redact.standins import StandIns
from icecheck.redact.stunattr import rewrite_payload

if TYPE_CHECKING:
    from icecheck.redact.websocket import Inflater

Flow = tuple[bytes, bytes, int, int]
BAD_IPV4 = "IPv4 header length or total length not valid"


class DropPacket(Exception):
    """The frame is left out of the output: redaction does not understand it (the reason says what),
    or a fragment whose datagram was written whole with the first fragment (no reason)."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return int(~total & 0xFFFF)


def pseudo(src: bytes, dst: bytes, proto: int, length: int) -> bytes:
    """IPv4 or IPv6 pseudo-header for transport checksums."""
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!I3xB", length, proto)


class Shifts:
    """Bytes added to (or taken from) one direction of a TCP stream by rewriting, by where in the
    stream (its original sequence numbers): a segment's new sequence number, or an acknowledgement's,
    is shifted by the changes made before it, in whatever order the segments were rewritten (a
    segment that arrived out of order is rewritten with its run). Changes far behind (``KEEP``
    later ones) are folded into one total."""

    KEEP = 64
    __slots__ = ("_base", "_folded", "_recent")

    def __init__(self, seq: int) -> None:
        self._base = (seq - (1 << 30)) & 0xFFFFFFFF  # sequence numbers are compared from here (RFC 9293 §3.4)
        self._folded = 0
        self._recent: list[tuple[int, int]] = []  # (where a change ends, relative; bytes added), in order

    def at(self, seq: int) -> int:
        """Bytes added before ``seq``."""
        rel = (seq - self._base) & 0xFFFFFFFF
        return self._folded + sum(delta for end, delta in self._recent if end <= rel)

    def add(self, end: int, delta: int) -> None:
        """The segment ending (originally) at sequence number ``end`` grew by ``delta`` bytes."""
        bisect.insort(self._recent, ((end - self._base) & 0xFFFFFFFF, delta))
        if len(self._recent) > self.KEEP:
            self._folded += self._recent.pop(0)[1]


class FrameRewriter:
    """Rewrites frames of one capture; keeps TCP sequence shifts per flow."""

    def __init__(self, standins: StandIns, text: Callable[[bytes], bytes]) -> None:
        self.standins = standins
        self.text = text
        self.tcp_shift: dict[Flow, Shifts] = {}  # bytes added to each direction's stream so far
        self.inflaters: dict[Flow, Inflater] = {}  # permessage-deflate contexts, by direction

    def addr(self, raw: bytes) -> bytes:
        return self.standins.ip_bytes(raw)

    def payload(self, data: bytes) -> bytes:
        return rewrite_payload(data, self.addr, self.text, self.fixed)

    def fixed(self, data: bytes) -> bytes:
        """Text inside binary payloads, replaced only at the same length."""
        from icecheck.redact.text import redact_fixed

        return redact_fixed(data.decode("utf-8", "surrogateescape"), self.standins).encode("utf-8", "surrogateescape")

    # -- link layer -----------------------------------------------------------------------------

    def frame(self, linktype: int, frame: bytes) -> bytes:
        """The rewritten frame, its link layer read where scan reads it (``netdecode.link_layout``):
        link-layer addresses replaced, IP and ARP payloads rewritten, anything else dropped."""
        layout = link_layout(linktype, frame)
        if layout is None:
            raise DropPacket(f"link type {linktype}")
        head = bytearray(frame[: layout.start])
        for at, size in layout.addresses:
            head[at : at + size] = self.standins.mac_bytes(frame[at : at + size])
        body = frame[layout.start :]
        if layout.ethertype in (0x0800, 0x86DD):
            return bytes(head) + self.ip(body)
        if layout.ethertype == 0x0806:
            return bytes(head) + self.arp(body)
        if layout.ethertype is None:
            raise DropPacket("not an IP packet" if not layout.addresses else "VLAN tags cut short")
        raise DropPacket(f"EtherType 0x{layout.ethertype:04x}")  # LLDP, CDP, … carry addresses redaction does not read

    def arp(self, p: bytes) -> bytes:
        """RFC 826: sender/target hardware and protocol addresses."""
        if len(p) < 8:
            return p
        hlen, plen = p[4], p[5]
        if len(p) < 8 + 2 * (hlen + plen) or hlen != 6 or plen not in (4, 16):
            return p
        out, pos = bytearray(p), 8
        for size, fn in ((6, self.standins.mac_bytes), (plen, self.addr)) * 2:
            out[pos : pos + size] = fn(bytes(p[pos : pos + size]))
            pos += size
        return bytes(out)

    # -- network layer --------------------------------------------------------------------------

    def ip(self, p: bytes, inner: bool = False) -> bytes:
        """An IPv4 or IPv6 packet read where scan reads it (``netdecode.ip_layout``: IPv4 options,
        IPv6 extension headers walked to the transport or a Fragment header). ``inner``: quoted
        inside ICMP, lengths left alone, and what is not rewritten is blanked."""
        layout = ip_layout(p)
        if layout is None or isinstance(layout, str):
            if inner:
                return bytes(len(p))
            raise DropPacket(BAD_IPV4 if layout is not None and p[0] >> 4 == 4 else layout or "not an IP packet")
        return self._ipv4(p, layout, inner) if layout.version == 4 else self._ipv6(p, layout, inner)

    def _ipv4(self, p: bytes, layout: IpLayout, inner: bool) -> bytes:
        start, end = layout.start, layout.end
        if 0 < int.from_bytes(p[2:4], "big") < start:  # a total length ending inside its header: fail closed
            if inner:
                return bytes(len(p))
            raise DropPacket(BAD_IPV4)
        if layout.fragment is not None and not inner:
            return self.ipv4_fragment(p[:end]) + p[end:]
        body, trailer = p[start:end], p[end:]
        if layout.fragment is None:
            body = self.transport(layout.proto, p[12:16], p[16:20], body, inner)
        else:  # a fragment quoted inside ICMP
            body = bytes(len(body))
        return self.ipv4_header(p[:start], body, inner) + body + trailer

    def ipv4_fragment(self, p: bytes) -> bytes:
        """A fragment on its own: addresses only (``pcap.CaptureRewriter`` reassembles)."""
        ihl = (p[0] & 0x0F) * 4
        return self.ipv4_header(p[:ihl], p[ihl:], False) + p[ihl:]

    def ipv4_header(self, header: bytes, body: bytes, inner: bool) -> bytes:
        """The header with new addresses, total length (unless ``inner``) and checksum."""
        ihl = len(header)
        p = header
        head = bytearray(p[:ihl])
        head[12:16], head[16:20] = self.addr(p[12:16]), self.addr(p[16:20])
        if not inner:
            head[2:4] = (ihl + len(body)).to_bytes(2, "big")
        head[10:12] = b"\x00\x00"
        head[10:12] = checksum(bytes(head)).to_bytes(2, "big")
        return bytes(head)

    def _ipv6(self, p: bytes, layout: IpLayout, inner: bool) -> bytes:
        end = layout.end
        src, dst = p[8:24], p[24:40]
        if layout.fragment is not None:
            if not inner:
                return self.ipv6_fragment(p[:end], layout.fragment) + p[end:]
            body = self.ipv6_extensions(p, layout.start) + bytes(len(p[layout.start : end]))
        else:
            body = self.ipv6_extensions(p, layout.start) + self.transport(
                layout.proto, src, dst, p[layout.start : end], inner
            )
        head = bytearray(p[:40])
        head[8:24], head[24:40] = self.addr(src), self.addr(dst)
        if not inner and (p[4] or p[5]):
            head[4:6] = len(body).to_bytes(2, "big")
        return self.ah_zeroed(p, bytes(head) + body + p[end:], layout.start)

    def ah_zeroed(self, p: bytes, new: bytes, stop: int) -> bytes:
        """``new`` (``p`` rewritten, its extension headers at the same places) with the Integrity Check
        Value of each Authentication Header in ``p[40:stop]`` (RFC 4302 §2.6: after the Next Header,
        Payload Len, Reserved, SPI and Sequence Number fields) zeroed when the packet changed: an
        HMAC of the original under a key not in the capture no longer verifies, and would confirm a
        guess at an original address to anyone with the key (as STUN's MESSAGE-INTEGRITY, ``stunattr``)."""
        icvs: list[tuple[int, int]] = []
        nxt, pos = p[6], 40
        while pos + 8 <= min(stop, len(p)) and nxt != 44:
            size = (p[pos + 1] + 2) * 4 if nxt == 51 else (p[pos + 1] + 1) * 8
            if nxt == 51 and size > 12:
                icvs.append((pos + 12, min(pos + size, stop)))
            nxt, pos = p[pos], pos + size
        if not icvs or new == p:
            return new
        out = bytearray(new)
        for start, end in icvs:
            out[start:end] = bytes(end - start)
        if any(any(p[start:end]) for start, end in icvs):
            self.standins.left_out["IPsec AH integrity values zeroed (what they cover changed)"] += 1
        return bytes(out)

    def ipv6_extensions(self, p: bytes, stop: int) -> bytes:
        """The extension headers ``p[40:stop]`` at the same length, what may name a host in them
        (``netdecode.ipv6_extension_fields``) rewritten: addresses get stand-ins, opaque data is
        zeroed. The Fragment header is the caller's."""
        out = bytearray(p[:stop])
        for at, size, address in ipv6_extension_fields(p, stop):
            out[at : at + size] = self.addr(bytes(out[at : at + size])) if address else bytes(size)
        return bytes(out[40:])

    def ipv6_fragment(self, p: bytes, at: int) -> bytes:
        """An IPv6 fragment (RFC 8200 §4.5; its Fragment header at ``at``): dropped here, where it
        cannot be reassembled (``pcap.CaptureRewriter`` reassembles)."""
        raise DropPacket("IPv6 fragment")

    # -- tunnels --------------------------------------------------------------------------------

    def gre(self, seg: bytes) -> bytes:
        """GRE (RFC 2784, keys and sequence numbers RFC 2890): IP, Ethernet and ERSPAN II/III inside."""
        if len(seg) < 4 or seg[0] & 0x07 or seg[1] & 0x07:  # version 0 only
            raise DropPacket("GRE version")
        flags, proto = struct.unpack_from("!HH", seg)
        start = 4 + 4 * sum(bool(flags & bit) for bit in (0x8000, 0x2000, 0x1000))
        inner = seg[start:]
        if proto in (0x0800, 0x86DD):
            inner = self.ip(inner)
        elif proto == 0x6558:  # transparent Ethernet bridging
            inner = self.frame(1, inner)
        elif proto == 0x88BE and len(inner) >= 8:  # ERSPAN type II: an 8-byte header, then Ethernet
            inner = inner[:8] + self.frame(1, inner[8:])
        elif proto == 0x22EB and len(inner) >= 12:  # ERSPAN type III: 12 bytes (+8 with the O bit)
            skip = 20 if inner[11] & 0x01 else 12
            inner = inner[:skip] + self.frame(1, inner[skip:])
        else:
            raise DropPacket(f"GRE protocol 0x{proto:04x}")
        head = bytearray(seg[:start])
        if flags & 0x8000:
            head[4:6] = b"\x00\x00"
            head[4:6] = checksum(bytes(head) + inner).to_bytes(2, "big")
        return bytes(head) + inner

    # -- transport ------------------------------------------------------------------------------

    def transport(self, proto: int, src: bytes, dst: bytes, seg: bytes, inner: bool = False) -> bytes:
        """UDP, TCP, ICMP or ICMPv6 with its checksum over the new addresses."""
        nsrc, ndst = self.addr(src), self.addr(dst)
        udp = udp_layout(seg) if proto == 17 else None
        if udp is not None:
            return self.udp(seg, udp, nsrc, ndst, inner)
        tcp = tcp_layout(seg) if proto == 6 and not inner else None
        if tcp is not None:
            return self.tcp(seg, tcp, src, dst, nsrc, ndst)
        if proto in (1, 58) and len(seg) >= 8:
            return self.icmp(seg, proto, nsrc, ndst)
        if inner:  # quoted inside ICMP: what is not rewritten is blanked
            return bytes(len(seg))
        if proto == 2 and len(seg) >= 8:
            return self.igmp(seg)
        if proto in (4, 41):  # IP in IP (RFC 2003, RFC 2473)
            return self.ip(seg)
        if proto == 47:
            return self.gre(seg)
        if proto == 132 and len(seg) >= 12:
            new, blanked = rewrite_sctp(seg, self.addr, self.payload)
            if blanked:
                self.standins.left_out["SCTP chunks blanked (fragments, cookies, other chunk types)"] += blanked
            return new
        raise DropPacket(f"IP protocol {proto}")

    def udp(self, seg: bytes, layout: UdpLayout, nsrc: bytes, ndst: bytes, inner: bool = False) -> bytes:
        """A UDP datagram, its payload where scan reads it (``netdecode.udp_layout``)."""
        _sport, _dport, end, declared = layout
        if inner and declared != len(seg):  # truncated quote inside ICMP: same-length rewrite only
            new = self.payload(seg[8:])
            return seg[:8] + (new if len(new) == len(seg) - 8 else seg[8:])
        body = self.payload(seg[8:end])
        head = bytearray(seg[:8])
        head[UDP_LENGTH_AT : UDP_LENGTH_AT + 2] = (8 + len(body)).to_bytes(2, "big")
        at = UDP_CHECKSUM_AT
        if head[at : at + 2] != b"\x00\x00" or len(nsrc) == 16:  # a zero IPv4 UDP checksum means "none"
            head[at : at + 2] = b"\x00\x00"
            value = checksum(pseudo(nsrc, ndst, 17, 8 + len(body)) + bytes(head) + body) or 0xFFFF
            head[at : at + 2] = value.to_bytes(2, "big")
        return bytes(head) + body

    def tcp(self, seg: bytes, layout: TcpLayout, src: bytes, dst: bytes, nsrc: bytes, ndst: bytes) -> bytes:
        """A TCP segment, read where scan reads it (``netdecode.tcp_layout``): its payload through
        the stream (``tcp_body``), its sequence numbers shifted, its checksum recomputed."""
        sport, dport, seq, ack, flags, off = layout
        if off < 20 or len(seg) < off:  # damaged: scan may still read text there; fail closed
            raise DropPacket("TCP header damaged (data offset)")
        flow, back = (src, dst, sport, dport), (dst, src, dport, sport)
        if flags & TCP_SYN:  # RFC 9293 §3.1: the stream's data starts at seq + 1
            self.syn(flow, seq)
        body = self.tcp_body(flow, seq, seg[off:]) if len(seg) > off else b""
        head = bytearray(seg[:off])
        shift, back_shift = self.tcp_shift.get(flow), self.tcp_shift.get(back)
        struct.pack_into("!II", head, TCP_SEQ_AT, (seq + (shift.at(seq) if shift else 0)) & 0xFFFFFFFF,
                         (ack + (back_shift.at(ack) if back_shift else 0)) & 0xFFFFFFFF)  # fmt: skip
        grown = self.tcp_grown(len(body), len(seg) - off)
        if grown:
            if shift is None:
                shift = self.tcp_shift[flow] = Shifts(seq)
            shift.add(seq + len(seg) - off, grown)
        at = TCP_CHECKSUM_AT
        head[at : at + 2] = b"\x00\x00"
        head[at : at + 2] = checksum(pseudo(nsrc, ndst, 6, off + len(body)) + bytes(head) + body).to_bytes(2, "big")
        return bytes(head) + body

    def syn(self, flow: Flow, seq: int) -> None:
        """A SYN of ``flow`` at ``seq`` (``pcap.CaptureRewriter`` starts the direction's stream there)."""

    def tcp_body(self, flow: Flow, seq: int, data: bytes) -> bytes:
        """The new payload of one segment (``pcap.CaptureRewriter`` rewrites through the stream)."""
        return self.tcp_payload(data, flow=flow)

    def tcp_grown(self, new: int, old: int) -> int:
        """Bytes the segment whose payload ``tcp_body`` just gave (``new`` bytes, ``old`` before) added
        to its stream, shifting the sequence numbers after it (``pcap.CaptureRewriter`` counts bytes
        sent again, and padding that stands for growth already counted, as none)."""
        return new - old

    def tcp_payload(self, data: bytes, websocket: bool = False, flow: Flow | None = None) -> bytes:
        """WebSocket frames (client frames are masked) or any other payload. ``websocket``: the
        connection was upgraded, so a fragmented message's first frame (FIN clear) counts too.
        ``flow``: the direction whose permessage-deflate context compressed messages continue."""
        from icecheck.redact.websocket import Inflater, rewrite

        if data[0] & 0x30 or not (data[0] & 0x80 or websocket):
            return self.payload(data)
        inflater = self.inflaters.get(flow) if flow is not None else None
        if inflater is None:
            inflater = Inflater()
            if flow is not None:
                self.inflaters[flow] = inflater
        blanked = inflater.blanked
        ws = rewrite(data, self.text, inflater)
        if inflater.blanked > blanked:
            reason = "WebSocket messages blanked (compressed, and they do not inflate)"
            self.standins.left_out[reason] += inflater.blanked - blanked
        return ws if ws is not None else self.payload(data)

    def icmp(self, seg: bytes, proto: int, nsrc: bytes, ndst: bytes) -> bytes:
        """Errors quote the offending packet (rewritten too); ND messages carry a target address."""
        kind = seg[0]
        body = seg[8:]
        if (proto == 1 and kind in (3, 4, 5, 11, 12)) or (proto == 58 and kind < 128):
            body = self.ip(body, inner=True)
        elif proto == 58 and kind in (135, 136, 137) and len(body) >= 16:
            body = self.addr(body[:16]) + self._nd_options(body[16:])
        out = bytearray(seg[:8] + body)
        out[2:4] = b"\x00\x00"
        prefix = pseudo(nsrc, ndst, 58, len(out)) if proto == 58 else b""
        out[2:4] = checksum(prefix + bytes(out)).to_bytes(2, "big")
        return bytes(out)

    def igmp(self, seg: bytes) -> bytes:
        """IGMP (RFC 2236 §2; RFC 3376 §4.2 version 3 reports with their source lists)."""
        out = bytearray(seg)
        if seg[0] == 0x22 and len(seg) >= 8:  # v3 membership report: group records
            pos = 8
            for _ in range(int.from_bytes(seg[6:8], "big")):
                if pos + 8 > len(seg):
                    break
                aux, count = seg[pos + 1], int.from_bytes(seg[pos + 2 : pos + 4], "big")
                for at in range(pos + 4, min(pos + 8 + 4 * count, len(seg) - 3), 4):
                    out[at : at + 4] = self.addr(bytes(seg[at : at + 4]))
                pos += 8 + 4 * count + 4 * aux
        else:
            out[4:8] = self.addr(bytes(seg[4:8]))
            if seg[0] == 0x11 and len(seg) >= 12:  # v3 query: source addresses follow
                for at in range(12, len(seg) - 3, 4):
                    out[at : at + 4] = self.addr(bytes(seg[at : at + 4]))
        out[2:4] = b"\x00\x00"
        out[2:4] = checksum(bytes(out)).to_bytes(2, "big")
        return bytes(out)

    def _nd_options(self, opts: bytes) -> bytes:
        """RFC 4861 §4.6.1 source/target link-layer address options (MACs)."""
        out, pos = bytearray(opts), 0
        while pos + 8 <= len(opts) and opts[pos + 1]:
            if opts[pos] in (1, 2):
                out[pos + 2 : pos + 8] = self.standins.mac_bytes(bytes(opts[pos + 2 : pos + 8]))
            pos += opts[pos + 1] * 8
        return bytes(out)
