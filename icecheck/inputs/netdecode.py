"""Link layer and IP decoding for captured frames (pure, allocation-light: hot path).

Link types (tcpdump.org LINKTYPE_* values): NULL (0) and LOOP (108) with a 4-byte address
family, ETHERNET (1) with 802.1Q/802.1ad/QinQ tags (IEEE 802.1Q §9), LINUX_SLL (113),
LINUX_SLL2 (276), RAW (101, and 12/14 on some BSDs), IPV4 (228), IPV6 (229).

IPv4 (RFC 791 §3.1) and IPv6 (RFC 8200 §4: extension headers are walked, a Fragment header
§4.5 ends the walk). ``decode_ip`` returns an ``IpPacket`` tuple; fragments are returned
with their fragment fields so that ``fragments.Reassembler`` can put them together.
"""

from __future__ import annotations

import functools
import socket
import struct
from typing import NamedTuple

LINKTYPES = {
    0: "null",
    1: "ethernet",
    12: "raw",
    14: "raw",
    101: "raw",
    108: "loop",
    113: "linux-sll",
    228: "ipv4",
    229: "ipv6",
    276: "linux-sll2",
}
_VLAN = (0x8100, 0x88A8, 0x9100, 0x9200)
_AF_INET6 = (10, 24, 28, 30)  # Linux, NetBSD/OpenBSD, FreeBSD, macOS
_IPV6_EXT = frozenset({0, 43, 60, 135, 139, 140, 253, 254})
UDP_HEADER = struct.Struct("!HHH")  # RFC 768: source port, destination port, length (checksum at 6)
TCP_HEADER = struct.Struct("!HHIIBB")  # RFC 9293 §3.1: ports, sequence, acknowledgement, data offset, flags
UDP_LENGTH_AT, UDP_CHECKSUM_AT = 4, 6
TCP_SEQ_AT, TCP_CHECKSUM_AT = 4, 16  # the acknowledgement number follows the sequence number
TCP_SYN = 0x02


class IpPacket(NamedTuple):
    """One IP packet. ``payload`` holds the captured transport bytes, ``missing`` how many of
    the bytes the IP header announces were not captured (snaplen). For a fragment ``frag_id``
    is not None and ``offset``/``more`` locate it (offset in bytes)."""

    version: int
    src: bytes
    dst: bytes
    proto: int
    payload: bytes
    missing: int
    frag_id: int | None = None
    offset: int = 0
    more: bool = False


def link_payload(linktype: int, frame: bytes) -> bytes | None:
    """The IP packet inside a frame, or None for non-IP frames and unknown link types."""
    if linktype == 1:
        return _ethertype_payload(frame, 12)
    if linktype in (101, 12, 14, 228, 229):
        return frame
    if linktype == 113:
        return _ethertype_payload(frame, 14)
    if linktype == 276:
        return _ethertype_payload(frame, 0, first_at=20)
    if linktype in (0, 108):
        return _null_payload(frame, linktype)
    return None


def _ethertype_payload(frame: bytes, at: int, first_at: int | None = None) -> bytes | None:
    """Follow EtherType (and VLAN tags) at ``at``; data starts after it (or at ``first_at``)."""
    if len(frame) < at + 2:
        return None
    etype = (frame[at] << 8) | frame[at + 1]
    start = first_at if first_at is not None else at + 2
    while etype in _VLAN and len(frame) >= start + 4:  # tag: TCI (2 bytes), then the inner EtherType
        etype = (frame[start + 2] << 8) | frame[start + 3]
        start += 4
    if etype in (0x0800, 0x86DD):
        return frame[start:]
    return None


def _null_payload(frame: bytes, linktype: int) -> bytes | None:
    """NULL: address family in the writer's byte order; LOOP: network byte order."""
    if len(frame) < 5:
        return None
    family = int.from_bytes(frame[:4], "big")
    if linktype == 0 and family > 0xFFFF:
        family = int.from_bytes(frame[:4], "little")
    if family == 2 or family in _AF_INET6:
        return frame[4:]
    return None


def decode_ip(packet: bytes) -> IpPacket | str | None:
    """Decode an IPv4/IPv6 header. Returns a reason string for a malformed packet, None for
    something that is not IP at all."""
    if not packet:
        return None
    version = packet[0] >> 4
    if version == 4:
        return _ipv4(packet)
    if version == 6:
        return _ipv6(packet)
    return None


def _ipv4(p: bytes) -> IpPacket | str:
    ihl = (p[0] & 0x0F) * 4
    if ihl < 20 or len(p) < ihl:
        return "IPv4 header cut short or with a bad header length"
    total = (p[2] << 8) | p[3]
    if total < ihl:
        total = len(p)  # TSO captures write 0 here: trust the frame
    frag = (p[6] << 8) | p[7]
    payload = p[ihl:total]
    missing = max(0, total - len(p))
    offset, more = (frag & 0x1FFF) * 8, bool(frag & 0x2000)
    frag_id = ((p[4] << 8) | p[5]) if (offset or more) else None
    return IpPacket(4, p[12:16], p[16:20], p[9], payload, missing, frag_id, offset, more)


def _ipv6(p: bytes) -> IpPacket | str:
    if len(p) < 40:
        return "IPv6 header cut short"
    length = (p[4] << 8) | p[5]
    end = 40 + length if length else len(p)  # 0: jumbogram (RFC 2675); trust the frame
    missing = max(0, end - len(p))
    nxt, pos = p[6], 40
    while nxt in _IPV6_EXT or nxt == 51:  # RFC 8200 §4.3-4.6; AH (RFC 4302 §2.2) counts 4-byte units
        if pos + 8 > len(p):
            return "IPv6 extension headers cut short"
        size = (p[pos + 1] + 2) * 4 if nxt == 51 else (p[pos + 1] + 1) * 8
        nxt, pos = p[pos], pos + size
    if nxt == 44:  # Fragment header (§4.5): next header, reserved, offset|M, identification
        if pos + 8 > len(p):
            return "IPv6 fragment header cut short"
        field = (p[pos + 2] << 8) | p[pos + 3]
        frag_id = int.from_bytes(p[pos + 4 : pos + 8], "big")
        return IpPacket(
            6, p[8:24], p[24:40], p[pos], p[pos + 8 : end], missing, frag_id, field & 0xFFF8, bool(field & 1)
        )
    return IpPacket(6, p[8:24], p[24:40], nxt, p[pos:end], missing)


def ip_text(raw: bytes) -> str:
    """Printable address for 4- or 16-byte raw addresses."""
    return socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)


@functools.lru_cache(maxsize=4096)
def endpoint(raw: bytes, port: int) -> str:
    """``1.2.3.4:5060`` or ``[2001:db8::1]:5060``. Cached: a capture's datagrams name the same
    few endpoints again and again (each of its STUN and SIP datagrams names two)."""
    text = ip_text(raw)
    return f"{text}:{port}" if len(raw) == 4 else f"[{text}]:{port}"


# -- where the headers lie (for redaction, which rewrites frames in place; not the scan hot path) --


class LinkLayout(NamedTuple):
    """Where a frame's link layer lies: its link-layer addresses (offset, length) and where its
    payload starts, with the payload's EtherType (a NULL/LOOP address family or a raw packet's IP
    version given as the EtherType of that IP version), or None for one ``link_payload`` does not
    know (then ``start`` is where the unknown EtherType's payload would start)."""

    addresses: tuple[tuple[int, int], ...]
    start: int
    ethertype: int | None


def link_layout(linktype: int, frame: bytes) -> LinkLayout | None:
    """The ``LinkLayout`` of a frame of a link type ``link_payload`` reads (None for other link
    types, or a frame too short for its header). Where it names an IP EtherType, the payload from
    ``start`` is what ``link_payload`` returns."""
    if linktype == 1 and len(frame) >= 14:
        start, etype = _vlans(frame, 14, (frame[12] << 8) | frame[13])
        return LinkLayout(((0, 6), (6, 6)), start, etype)
    if linktype == 113 and len(frame) >= 16:  # LINUX_SLL: halen at 4, address at 6, protocol at 14
        start, etype = _vlans(frame, 16, (frame[14] << 8) | frame[15])
        return LinkLayout(((6, 6),) if (frame[4] << 8) | frame[5] == 6 else (), start, etype)
    if linktype == 276 and len(frame) >= 20:  # LINUX_SLL2: protocol at 0, halen at 11, address at 12
        start, etype = _vlans(frame, 20, (frame[0] << 8) | frame[1])
        return LinkLayout(((12, 6),) if frame[11] == 6 else (), start, etype)
    if linktype in (101, 12, 14, 228, 229):
        version = frame[0] >> 4 if frame else 0
        return LinkLayout((), 0, 0x0800 if version == 4 else 0x86DD if version == 6 else None)
    if linktype in (0, 108) and len(frame) >= 5:
        family = int.from_bytes(frame[:4], "big")
        if linktype == 0 and family > 0xFFFF:
            family = int.from_bytes(frame[:4], "little")
        return LinkLayout((), 4, 0x0800 if family == 2 else 0x86DD if family in _AF_INET6 else None)
    return None


def _vlans(frame: bytes, start: int, etype: int) -> tuple[int, int | None]:
    """Past 802.1Q/802.1ad tags (as ``_ethertype_payload`` walks them): (payload start, EtherType)."""
    while etype in _VLAN and len(frame) >= start + 4:
        etype = (frame[start + 2] << 8) | frame[start + 3]
        start += 4
    return start, None if etype in _VLAN else etype


class IpLayout(NamedTuple):
    """Where an IP packet's parts lie: addresses at ``src``/``dst`` (``size`` bytes each), the
    transport (``proto``) from ``start`` to ``end`` (``end`` may pass the captured bytes), and for
    a fragment the Fragment header's offset (IPv6) or 0 (IPv4) in ``fragment``, None otherwise."""

    version: int
    src: int
    dst: int
    size: int
    proto: int
    start: int
    end: int
    fragment: int | None


def ip_layout(packet: bytes) -> IpLayout | str | None:
    """The ``IpLayout`` of what ``decode_ip`` decodes (the same walk: IPv4 options, IPv6 extension
    headers up to a Fragment header), a reason for a malformed packet, None for one that is not IP.
    ``packet[start:end]`` is ``decode_ip``'s payload."""
    version = packet[0] >> 4 if packet else 0
    if version == 4:
        ihl = (packet[0] & 0x0F) * 4
        if ihl < 20 or len(packet) < ihl:
            return "IPv4 header cut short or with a bad header length"
        total = (packet[2] << 8) | packet[3]
        total = len(packet) if total < ihl else total
        fragment = 0 if ((packet[6] << 8) | packet[7]) & 0x3FFF else None
        return IpLayout(4, 12, 16, 4, packet[9], ihl, total, fragment)
    if version != 6:
        return None
    if len(packet) < 40:
        return "IPv6 header cut short"
    length = (packet[4] << 8) | packet[5]
    end = 40 + length if length else len(packet)
    nxt, pos = packet[6], 40
    while nxt in _IPV6_EXT or nxt == 51:
        if pos + 8 > len(packet):
            return "IPv6 extension headers cut short"
        size = (packet[pos + 1] + 2) * 4 if nxt == 51 else (packet[pos + 1] + 1) * 8
        nxt, pos = packet[pos], pos + size
    if nxt == 44:
        if pos + 8 > len(packet):
            return "IPv6 fragment header cut short"
        return IpLayout(6, 8, 24, 16, packet[pos], pos + 8, end, pos)
    return IpLayout(6, 8, 24, 16, nxt, pos, end, None)


def ipv6_extension_fields(packet: bytes, stop: int) -> list[tuple[int, int, bool]]:
    """What in an IPv6 packet's extension headers ``packet[40:stop]`` (as ``ip_layout`` walks them)
    may name a host: ``(offset, length, address)`` — ``address`` a 16-byte address, else opaque data
    that may hold one (RFC 8200 §4). Hop-by-Hop and Destination Options (§4.2): a Home Address
    option (RFC 6275 §6.3) is an address, any other option's data but padding opaque. Routing
    headers (§4.4): the addresses of types 0 and 2 (RFC 6275 §6.4) and a Segment Routing header's
    segment list (RFC 8754 §2: Last Entry + 1 segments) are addresses, the rest of the data (RPL's
    compressed addresses, SRH TLVs) opaque. Other extension headers (Mobility, HIP, Shim6,
    experimental) are opaque past their first two bytes; AH (RFC 4302: an integrity value) names
    no host. The walk stops at a Fragment header."""
    out: list[tuple[int, int, bool]] = []
    nxt, pos, stop = packet[6], 40, min(stop, len(packet))
    while pos + 8 <= stop and nxt != 44:
        size = (packet[pos + 1] + 2) * 4 if nxt == 51 else (packet[pos + 1] + 1) * 8
        end = min(pos + size, stop)
        if nxt in (0, 60):
            _option_fields(packet, pos + 2, end, out)
        elif nxt == 43:
            kind, blocks = packet[pos + 2], pos + 8  # addresses in 16-byte blocks from byte 8 to ``blocks``
            if kind in (0, 2):
                blocks = end
            elif kind == 4:
                blocks = min(end, pos + 8 + 16 * (packet[pos + 4] + 1))
            tail = pos + 8 + (blocks - pos - 8) // 16 * 16
            out.extend((at, 16, True) for at in range(pos + 8, tail, 16))
            out.append((tail, end - tail, False))
        elif nxt != 51:
            out.append((pos + 2, end - pos - 2, False))
        nxt, pos = packet[pos], pos + size
    return [field for field in out if field[1] > 0]


def _option_fields(packet: bytes, pos: int, end: int, out: list[tuple[int, int, bool]]) -> None:
    """TLV options (RFC 8200 §4.2) in ``packet[pos:end]``: Pad1 and PadN name nothing."""
    while pos < end:
        kind = packet[pos]
        if kind == 0:  # Pad1
            pos += 1
            continue
        if pos + 2 > end:
            out.append((pos, end - pos, False))
            return
        stop = min(pos + 2 + packet[pos + 1], end)
        if kind == 0xC9 and stop - pos == 18:  # Home Address
            out.append((pos + 2, 16, True))
        elif kind != 1:
            out.append((pos + 2, stop - pos - 2, False))
        pos = stop


# -- transport headers (scan's ``capture`` decodes UDP and TCP through these; redaction rewrites) --


UdpLayout = tuple[int, int, int, int]  # ``udp_layout``: plain tuples, made per packet
TcpLayout = tuple[int, int, int, int, int, int]  # ``tcp_layout``


def udp_layout(seg: bytes) -> UdpLayout | None:
    """A UDP datagram's (RFC 768) ``(sport, dport, end, declared)``, None when its 8-byte header is
    not there: the payload is ``seg[8:end]``, up to the length the header declares, or to the
    captured end when that length is below the header's 8 bytes or passes what was captured;
    ``declared`` is the length field as stored. The length and the checksum lie at
    ``UDP_LENGTH_AT`` and ``UDP_CHECKSUM_AT``."""
    if len(seg) < 8:
        return None
    sport, dport, declared = UDP_HEADER.unpack_from(seg)
    return sport, dport, declared if 8 <= declared <= len(seg) else len(seg), declared


def tcp_layout(seg: bytes) -> TcpLayout | None:
    """A TCP segment's (RFC 9293 §3.1) ``(sport, dport, seq, ack, flags, start)``, None when its 20
    fixed header bytes are not there. The sequence and acknowledgement numbers are stored at
    ``TCP_SEQ_AT`` and 4 bytes later, the checksum at ``TCP_CHECKSUM_AT``; the payload starts at
    ``start``, the data offset in bytes as stored (below 20, or past the captured end, in a
    damaged header)."""
    if len(seg) < 20:
        return None
    sport, dport, seq, ack, offset, flags = TCP_HEADER.unpack_from(seg)
    return sport, dport, seq, ack, flags, (offset >> 4) * 4
