"""SCTP packets (RFC 9260) rewritten chunk by chunk, fail closed; the CRC32c checksum recomputed.

What scan reads in SCTP (SIP over SCTP, RFC 4168) is the user data of DATA (§3.3.1) and I-DATA
(RFC 8260 §2.1) chunks: an unfragmented chunk's data (B and E flags both set) goes through the
payload rewriter (text redacted, possibly at another length: the chunk's length and padding
follow). What redaction cannot rewrite it blanks (zeroes, same length) and counts: fragments of
a message, the opaque parts of the association set-up (INIT/INIT-ACK parameters other than the
IPv4/IPv6 address parameters, §3.3.2.1, which are rewritten; the State Cookie, which an
implementation may fill with addresses), HEARTBEAT information, COOKIE-ECHO, error causes and
any chunk type not listed here. The checksum (Appendix A: CRC32c, stored least significant byte
first) is computed over the new packet; a packet with nothing to rewrite is kept as it was.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable

Addr = Callable[[bytes], bytes]  # packed address → packed stand-in
Payload = Callable[[bytes], bytes]  # user data → redacted user data (any length)

DATA, INIT, INIT_ACK, I_DATA = 0, 1, 2, 64
_NO_IDENTIFIERS = frozenset({3, 7, 8, 11, 14})  # SACK, SHUTDOWN, SHUTDOWN ACK, COOKIE ACK, SHUTDOWN COMPLETE
_IPV4_PARAM, _IPV6_PARAM = 5, 6
_PLAIN_PARAMS = frozenset({9, 12, 0x8000})  # Cookie Preservative, Supported Address Types, ECN Capable


def rewrite_sctp(seg: bytes, addr: Addr, payload: Payload) -> tuple[bytes, int]:
    """(the packet rewritten, how many chunk values were blanked). ``seg`` starts at the common
    header (12 bytes, §3.1); a chunk that runs past the end is blanked to the end."""
    out = bytearray(seg[:12])
    blanked = 0
    pos = 12
    while pos + 4 <= len(seg):
        ctype, flags, length = struct.unpack_from("!BBH", seg, pos)
        if length < 4 or pos + length > len(seg):
            out += bytes(len(seg) - pos)
            blanked += 1
            break
        value = seg[pos + 4 : pos + length]
        new, lost = _chunk(ctype, flags, value, addr, payload)
        blanked += lost
        chunk = struct.pack("!BBH", ctype, flags, 4 + len(new)) + new
        out += chunk + bytes(-len(chunk) % 4)
        pos += length + (-length % 4)
    if pos < len(seg):
        out += bytes(len(seg) - pos)  # trailing bytes shorter than a chunk header
    if out[12:] == seg[12:]:
        return seg, blanked  # nothing to rewrite: the packet and its checksum as they were
    out[8:12] = struct.pack("<I", crc32c(bytes(out[:8]) + bytes(4) + bytes(out[12:])))
    return bytes(out), blanked


def _chunk(ctype: int, flags: int, value: bytes, addr: Addr, payload: Payload) -> tuple[bytes, int]:
    """A chunk's new value and whether it was blanked (0 or 1)."""
    if ctype in (DATA, I_DATA):
        head = 12 if ctype == DATA else 16  # TSN, stream, SSN, PPID; I-DATA: + MID, PPID/FSN
        if len(value) < head:
            return bytes(len(value)), 1
        if flags & 0x03 == 0x03:  # B and E: the whole message in this chunk
            return value[:head] + payload(value[head:]), 0
        return value[:head] + bytes(len(value) - head), 1
    if ctype in (INIT, INIT_ACK):
        return _init(value, addr)
    if ctype in _NO_IDENTIFIERS:
        return value, 0
    return bytes(len(value)), 1 if value else 0


def _init(value: bytes, addr: Addr) -> tuple[bytes, int]:
    """INIT/INIT-ACK: the 16 fixed bytes kept, address parameters rewritten, others blanked."""
    if len(value) < 16:
        return bytes(len(value)), 1
    out = bytearray(value)
    blanked = 0
    pos = 16
    while pos + 4 <= len(value):
        ptype, plen = struct.unpack_from("!HH", value, pos)
        end = min(pos + max(plen, 4), len(value))
        body = slice(pos + 4, end)
        if (ptype, plen) in ((_IPV4_PARAM, 8), (_IPV6_PARAM, 20)) and end - pos == plen:
            out[body] = addr(value[body])
        elif ptype not in _PLAIN_PARAMS:
            out[body] = bytes(end - pos - 4)
            blanked = 1
        pos = end + (-(end - pos) % 4)
    if pos < len(value):
        out[pos:] = bytes(len(value) - pos)
    return bytes(out), blanked


@functools.cache
def _table() -> tuple[int, ...]:
    """CRC32c (Castagnoli, reflected polynomial 0x82F63B78) byte table."""
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


def crc32c(data: bytes) -> int:
    """RFC 9260 Appendix A's checksum (RFC 3309): CRC32c of ``data``."""
    table = _table()
    crc = 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF
