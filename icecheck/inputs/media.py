"""Which captured frames are media, told by a few byte checks before any decoding (RFC 7983 §7).

A call's capture is mostly RTP: the reader drops those frames without decoding them. RFC 7983
demultiplexes what shares a UDP port by the payload's first byte: 0-3 STUN, 20-63 DTLS, 64-79
TURN ChannelData, 128-191 RTP/RTCP. A frame is media when it is an unfragmented IPv4 or IPv6
(no extension headers) UDP datagram whose first payload byte is RTP/RTCP or DTLS, or a
ChannelData message (RFC 8656 §12.4) whose application data starts with an RTP/RTCP byte:
relayed media. (A first byte of 65-79 may also start a SIP request line; such a datagram is
only taken for ChannelData when its bytes 1-3 hold no space, so that a SIP method token would
have to reach byte 4, which relayed RTP makes non-ASCII.) The payload is the IP datagram's
(its total or payload length honoured). Everything else — STUN, SIP, TCP, fragments, other
link layers' non-IP frames — takes the reader's full path.

``FIRST`` is the table the readers' inlined Ethernet/IPv4 test uses (1 media, 2 or 3 perhaps
ChannelData: ``media_payload`` decides); ``is_media`` is the whole test for every link type.
"""

from __future__ import annotations

FIRST = bytes(1 if 128 <= b < 192 or 20 <= b < 64 else 2 if b == 64 else 3 if 64 < b < 80 else 0 for b in range(256))
RELAYED = bytes(1 if 128 <= b < 192 else 0 for b in range(256))  # the byte after a ChannelData header
_VLAN = (0x8100, 0x88A8, 0x9100, 0x9200)
_AF_INET6 = (10, 24, 28, 30)  # as netdecode: Linux, NetBSD/OpenBSD, FreeBSD, macOS


def is_media(buf: bytes, start: int, end: int, linktype: int) -> bool:
    """Whether the frame ``buf[start:end]`` of ``linktype`` is media (see the module doc)."""
    at = _ip_start(buf, start, end, linktype)
    if at < 0 or at >= end:
        return False
    version = buf[at] >> 4
    if version == 4:
        ihl = (buf[at] & 15) * 4
        if ihl < 20 or at + ihl > end or buf[at + 9] != 17 or buf[at + 6] & 0x3F or buf[at + 7]:
            return False  # a bad header (the full path says so), not UDP, or a fragment
        total = (buf[at + 2] << 8) | buf[at + 3]
        if total >= ihl:  # below: TSO captures write 0, the frame is trusted (as netdecode)
            end = min(end, at + total)
        payload = at + ihl + 8
    elif version == 6:
        if at + 40 > end or buf[at + 6] != 17:  # extension headers (fragments among them): full path
            return False
        length = (buf[at + 4] << 8) | buf[at + 5]
        if length:
            end = min(end, at + 40 + length)
        payload = at + 48
    else:
        return False
    return payload < end and media_payload(buf, payload, end)


def media_payload(buf: bytes, at: int, end: int) -> bool:
    """Whether the UDP payload at ``buf[at:end]`` (not empty) is RTP/RTCP, DTLS or relayed RTP/RTCP."""
    kind = FIRST[buf[at]]
    if kind == 1:
        return True
    if not kind or at + 4 >= end or not RELAYED[buf[at + 4]]:
        return False
    return kind == 2 or 32 not in (buf[at + 1], buf[at + 2], buf[at + 3])


def _ip_start(buf: bytes, start: int, end: int, linktype: int) -> int:
    """Offset of the IP header in the frame, or -1 for a non-IP frame (as ``netdecode.link_payload``)."""
    if linktype == 1:
        return _after_ethertype(buf, start + 12, start + 14, end)
    if linktype in (101, 12, 14, 228, 229):
        return start
    if linktype == 113:
        return _after_ethertype(buf, start + 14, start + 16, end)
    if linktype == 276:
        return _after_ethertype(buf, start, start + 20, end)
    if linktype in (0, 108) and end - start >= 5:
        family = int.from_bytes(buf[start : start + 4], "big")
        if linktype == 0 and family > 0xFFFF:
            family = int.from_bytes(buf[start : start + 4], "little")
        return start + 4 if family == 2 or family in _AF_INET6 else -1
    return -1


def _after_ethertype(buf: bytes, at: int, data: int, end: int) -> int:
    if at + 2 > end:
        return -1
    etype = (buf[at] << 8) | buf[at + 1]
    while etype in _VLAN and data + 4 <= end:
        etype = (buf[data + 2] << 8) | buf[data + 3]
        data += 4
    return data if etype in (0x0800, 0x86DD) else -1
