"""STUN/TURN messages inside captured payloads: address attributes rewritten, FINGERPRINT fixed.

One wire layer: a message is walked the way scan decodes it (``inputs.stun.attributes`` for where
each attribute lies, ``stun.layout`` for its dialect's address attributes, padding and XOR key,
``stun.address_range`` for the address inside a value); this module only decides what each
attribute becomes.

RFC 8489 §14.1/§14.2 (MAPPED-ADDRESS, XOR-MAPPED-ADDRESS: port XOR the cookie's top 16 bits,
IPv4 XOR the cookie, IPv6 XOR cookie‖transaction id), RFC 8656 §18 (XOR-PEER-ADDRESS,
XOR-RELAYED-ADDRESS, DATA), RFC 5780 §7 (RESPONSE-ORIGIN, OTHER-ADDRESS), RFC 8489 §14.7
FINGERPRINT (CRC-32 XOR 0x5354554e) is recomputed. MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256
(§14.5, §14.6) cannot be recomputed without the key; when anything before them changed they are
zeroed, since the original HMAC would confirm a guess of the original address to anyone holding
the key (for ICE checks, the ``a=ice-pwd`` of the same capture's SDP); a message left unchanged
keeps them, and they still verify. TURN ChannelData (RFC 8656 §12.4) is unwrapped. The older
dialects scan reads (``inputs.stun.looks_like_legacy``: RFC 3489 classic STUN, [MS-TURN]) have
their address attributes rewritten the same way. A payload may hold several messages back to
back (STUN and ChannelData over TCP, RFC 8656 §12.5), RFC 4571 frames (ICE-TCP, RFC 6544 §3) or
[MS-TURN] TCP frames (§2.1.4: a control frame's MS-TURN message and an end-to-end data frame's
content each rewritten at the same length, so the frame lengths hold; MS-TURN carries no
FINGERPRINT; the pseudo-TLS record before them, §2.1.1, keeps its header only): each is
rewritten; whatever follows that is none of these goes through ``text`` (binary is blanked),
never copied.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

from icecheck.inputs import http, sipmsg, stun

DATA, FINGERPRINT, USERNAME = 0x0013, 0x8028, 0x0006
INTEGRITY = {0x0008, 0x001C}  # MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.5, §14.6)
TEXT_ATTRS = {0x8022, 0x0014, 0x0015, 0x0009}  # SOFTWARE, REALM, NONCE, ERROR-CODE

Addr = Callable[[bytes], bytes]  # packed address → packed stand-in
Text = Callable[[bytes], bytes]  # payload → redacted payload (any length)


def is_stun(p: bytes) -> bool:
    """A STUN message (``stun.looks_like_stun``) whose announced length fits in ``p``."""
    return stun.looks_like_stun(p) and stun.message_length(p) <= len(p)


def is_channel_data(p: bytes) -> bool:
    """TURN ChannelData (``stun.channel_data``): channel 0x4000-0x7FFF and a length that fits."""
    return stun.channel_data(p) is not None


def _text_start(p: bytes) -> bool:
    """``p`` starts with a SIP or HTTP start line, as scan tells them before STUN and ChannelData
    (``capture.datagram_of``, ``appstream``): "INVITE sip:…" reads as ChannelData on channel 0x494E
    of 22,089 bytes, so a held run of SIP text that long was rewritten as relayed data, its
    addresses kept (the output check refused the file)."""
    return 0x40 <= p[0] < 0x80 and (sipmsg.is_sip_start(p) or http.is_http_start(p)) if p else False


def rewrite_stun(p: bytes, addr: Addr, text: Text, fixed: Text | None = None) -> bytes:
    """One message (``is_stun``, or ``stun.looks_like_legacy``: RFC 3489, [MS-TURN]), rewritten
    through the attribute ranges scan reads it by (``stun.attributes``, ``stun.layout``): the
    address of each address attribute of its dialect replaced (same length, XORed back where it
    was XORed), DATA and text attributes rewritten at the same length, MESSAGE-INTEGRITY zeroed if
    what it covers changed, FINGERPRINT fixed."""
    out = bytearray(p)
    shape = stun.layout(p)
    end = min(stun.message_length(p), len(p))
    fingerprint = shape.padded and p[4:8] == stun.MAGIC_BYTES
    for atype, start, stop in stun.attributes(p, end, shape.padded):
        if stop > end:
            break
        if atype in shape.addresses:
            at = stun.address_range(p, start, stop)
            if at is not None:
                pos, size = at
                mask = shape.key[:size] if shape.addresses[atype][1] else bytes(size)
                new = addr(bytes(a ^ b for a, b in zip(p[pos : pos + size], mask, strict=True)))
                out[pos : pos + size] = bytes(a ^ b for a, b in zip(new, mask, strict=True))
        elif atype == DATA:
            out[start:stop] = _same_length(p[start:stop], lambda d: rewrite_payload(d, addr, text, fixed))
        elif atype in TEXT_ATTRS or atype == USERNAME:
            out[start:stop] = _same_length(p[start:stop], text)
        elif atype in INTEGRITY and out[: start - 4] != p[: start - 4]:
            out[start:stop] = bytes(stop - start)  # an HMAC of the original: a check of guesses at it
        elif atype == FINGERPRINT and fingerprint and stop - start == 4:
            crc = zlib.crc32(bytes(out[: start - 4])) ^ 0x5354554E
            struct.pack_into("!I", out, start, crc & 0xFFFFFFFF)
    return bytes(out)


def _same_length(value: bytes, fn: Callable[[bytes], bytes]) -> bytes:
    """``fn(value)`` when it keeps the length (attribute lengths are fixed here), else ``value``."""
    new = fn(value)
    return new if len(new) == len(value) else value


def is_rtcp(p: bytes) -> bool:
    """RTCP (RFC 3550 §6.4): version 2, a packet type 200-206 (SR, RR, SDES, BYE, APP, FB) and a
    length (§6.4.1, in 32-bit words minus one) that fits."""
    if len(p) < 8 or p[0] >> 6 != 2 or not 200 <= p[1] <= 206:
        return False
    return (int.from_bytes(p[2:4], "big") + 1) * 4 <= len(p)  # the first packet's length fits


def rewrite_payload(p: bytes, addr: Addr, text: Text, fixed: Text | None = None) -> bytes:
    """STUN (also classic and MS-TURN), ChannelData carrying STUN, RTCP (SDES CNAMEs, through
    ``fixed``: same length), RTP and DTLS unchanged, anything else through ``text`` (which rewrites
    text and blanks binary). Messages back to back and RFC 4571 frames are each rewritten."""
    if fixed is not None and is_rtcp(p):
        return _same_length(p, fixed)
    if stun.looks_like_legacy(p):
        return rewrite_stun(p, addr, text, fixed)
    if _text_start(p):  # before ChannelData, whose channel numbers are ASCII '@' to 'O' (scan's order too)
        return text(p)
    if is_stun(p) or is_channel_data(p):
        return _messages(p, addr, text, fixed)
    if _framed(p):
        return _frames(p, addr, text, fixed)
    if _ms_framed(p):
        return _ms_frames(p, addr, text, fixed)
    end = _pseudo_tls(p)
    if end:
        body = text(p[5:end])
        rest = _ms_frames(p[end:], addr, text, fixed) if end < len(p) else b""
        return p[:5] + (body if len(body) == end - 5 else bytes(end - 5)) + rest
    if is_media(p):
        return p
    return text(p)


def _messages(p: bytes, addr: Addr, text: Text, fixed: Text | None) -> bytes:
    """STUN messages and ChannelData back to back (a TCP segment may carry several); ChannelData's
    padding to 4 bytes (RFC 8656 §12.5) kept when it is zeros; any other rest through ``text``."""
    parts: list[bytes] = []
    pos = 0
    while pos < len(p):
        rest = p[pos:]
        if is_stun(rest):
            n = stun.message_length(rest)
            parts.append(rewrite_stun(rest[:n], addr, text, fixed))
        elif is_channel_data(rest):
            size = int.from_bytes(rest[2:4], "big")
            inner = _same_length(rest[4 : 4 + size], lambda d: rewrite_payload(d, addr, text, fixed))
            n = 4 + size
            pad = -size % 4
            if pad and rest[n : n + pad] == bytes(pad):
                n += pad
            parts.append(rest[:4] + inner + rest[4 + size : n])
        else:
            parts.append(text(rest))
            break
        pos += n
    return b"".join(parts)


def _framed(p: bytes) -> bool:
    """The payload is whole RFC 4571 frames (a 16-bit length, then the packet), at least one of them
    a STUN message of exactly the frame's length (how scan recognises ICE-TCP)."""
    pos, seen = 0, False
    while pos + 2 <= len(p):
        size = int.from_bytes(p[pos : pos + 2], "big")
        frame = p[pos + 2 : pos + 2 + size]
        if len(frame) != size:
            return False
        seen = seen or (is_stun(frame) and stun.message_length(frame) == size)
        pos += 2 + size
    return seen and pos == len(p)


def _frames(p: bytes, addr: Addr, text: Text, fixed: Text | None) -> bytes:
    """Each RFC 4571 frame's packet rewritten at the same length (else through ``text``, blanked)."""
    parts: list[bytes] = []
    pos = 0
    while pos < len(p):
        size = int.from_bytes(p[pos : pos + 2], "big")
        frame = p[pos + 2 : pos + 2 + size]
        new = rewrite_payload(frame, addr, text, fixed)
        parts.append(p[pos : pos + 2] + (new if len(new) == size else bytes(size)))
        pos += 2 + size
    return b"".join(parts)


def _ms_framed(p: bytes) -> bool:
    """The payload is whole [MS-TURN] TCP frames (§2.1.4), at least one of them understood: a
    control frame holding an MS-TURN message, or end-to-end data holding STUN or media."""
    pos, seen = 0, False
    while pos < len(p):
        header = stun.ms_tcp_header(p, pos)
        if header is None or header[1] > len(p):
            return False
        seen = seen or _ms_understood(header[0], p[pos + 4 : header[1]])
        pos = header[1]
    return seen


def _ms_understood(kind: int, content: bytes) -> bool:
    if kind == stun.MS_TCP_CONTROL:
        return stun.is_ms_turn(content)
    return (is_stun(content) and stun.message_length(content) == len(content)) or is_media(content)


def _ms_frames(p: bytes, addr: Addr, text: Text, fixed: Text | None) -> bytes:
    """Each [MS-TURN] TCP frame's content rewritten at the same length (a frame not understood,
    ``_ms_understood``, through ``text``: binary is blanked), header kept, so the stream still frames;
    a rewrite that would change a length is zeroed instead."""
    parts: list[bytes] = []
    pos = 0
    while pos < len(p):
        header = stun.ms_tcp_header(p, pos)
        assert header is not None  # _ms_framed held
        kind, end = header
        content = p[pos + 4 : end]
        new = rewrite_payload(content, addr, text, fixed) if _ms_understood(kind, content) else text(content)
        parts.append(p[pos : pos + 4] + (new if len(new) == len(content) else bytes(len(content))))
        pos = end
    return b"".join(parts)


def _pseudo_tls(p: bytes) -> int:
    """The end of a whole small TLS handshake record (``stun.pseudo_tls_end``) that is all of ``p``
    or is followed by [MS-TURN] TCP frames, else 0: what an MS-TURN client and
    server each send first on port 443 (§2.1.1 pseudo-TLS). Its header is kept so that the frames
    after it are still found; its content goes through ``text`` (binary is blanked, counted)."""
    end = stun.pseudo_tls_end(p)
    if end is None or end > len(p):
        return 0
    return end if end == len(p) or _ms_framed(p[end:]) else 0


def is_media(p: bytes) -> bool:
    """RTP (RFC 3550 §5.1: version 2) or a DTLS record (RFC 9147 §4: content type 20-63, version
    0xfeff/0xfefd): codec data and ciphertext, no identifiers of the network."""
    if len(p) >= 12 and p[0] >> 6 == 2:  # and a header that holds together: CSRC list and padding fit
        header = 12 + 4 * (p[0] & 0x0F)
        return header <= len(p) and (not p[0] & 0x20 or 0 < p[-1] <= len(p) - header)
    return len(p) >= 13 and 20 <= p[0] <= 63 and p[1:3] in (b"\xfe\xff", b"\xfe\xfd")
