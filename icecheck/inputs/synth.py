"""Build packets and capture files (pure byte builders): for tests, benchmarks and redaction.

Frames for every link type the reader supports, IPv4/IPv6 with fragmentation, UDP, TCP and
SCTP segments, GRE/ERSPAN encapsulation (IP-in-IP needs nothing more than ``ip``), WebSocket
frames (masked or not), STUN messages with XOR'd addresses (also RFC 3489 and MS-TURN ones),
and writers for pcap (both byte orders, micro/nanosecond) and pcapng. Checksums are left zero
(SCTP's CRC32c too): readers (ours, tshark by default, dpkt) do not verify them.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from typing import BinaryIO

from icecheck.inputs.stun import MAGIC, MAGIC_BYTES

MAC_A, MAC_B = b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"


def _raw(addr: str) -> bytes:
    return socket.inet_pton(socket.AF_INET6 if ":" in addr else socket.AF_INET, addr)


def udp(src: str, sport: int, dst: str, dport: int, payload: bytes) -> tuple[str, str, int, bytes]:
    """(src, dst, protocol, transport bytes) for ``ip``."""
    return src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(
    src: str, sport: int, dst: str, dport: int, seq: int, payload: bytes = b"", flags: int = 0x18, ack: int = 0
) -> tuple[str, str, int, bytes]:
    """A TCP segment (default flags PSH|ACK) with a 20-byte header."""
    header = struct.pack("!HHIIBBHHH", sport, dport, seq % (1 << 32), ack, 5 << 4, flags, 65535, 0, 0)
    return src, dst, 6, header + payload


def tcp_session(
    client: tuple[str, int], server: tuple[str, int], exchanges: Iterable[tuple[bool, bytes]], mss: int = 1400
) -> list[tuple[str, str, int, bytes]]:
    """A TCP connection's segments: SYN, SYN-ACK, then each ``(from_client, data)`` cut into
    segments of at most ``mss`` bytes, sequence numbers running on in each direction."""
    seq = {True: 1000, False: 5000}
    out = [tcp(*client, *server, seq[True] - 1, flags=0x02), tcp(*server, *client, seq[False] - 1, flags=0x12)]
    for from_client, data in exchanges:
        src, dst = (client, server) if from_client else (server, client)
        for off in range(0, len(data), mss):
            out.append(tcp(*src, *dst, seq[from_client] + off, data[off : off + mss]))
        seq[from_client] += len(data)
    return out


def ip(segment: tuple[str, str, int, bytes], ident: int = 1, mtu: int | None = None) -> list[bytes]:
    """IPv4 or IPv6 packet(s) for a transport segment; fragmented when ``mtu`` is exceeded."""
    src, dst, proto, data = segment
    if ":" in src:
        return _ipv6(_raw(src), _raw(dst), proto, data, ident, mtu)
    return _ipv4(_raw(src), _raw(dst), proto, data, ident, mtu)


def _ipv4(src: bytes, dst: bytes, proto: int, data: bytes, ident: int, mtu: int | None) -> list[bytes]:
    step = len(data) if mtu is None or len(data) + 20 <= mtu else (mtu - 20) // 8 * 8
    out = []
    for off in range(0, max(len(data), 1), step or 1):
        piece = data[off : off + step]
        more = off + step < len(data)
        frag = (off // 8) | (0x2000 if more else 0)
        out.append(
            struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(piece), ident & 0xFFFF, frag, 64, proto, 0, src, dst) + piece
        )
    return out


def _ipv6(src: bytes, dst: bytes, proto: int, data: bytes, ident: int, mtu: int | None) -> list[bytes]:
    if mtu is None or len(data) + 40 <= mtu:
        return [struct.pack("!IHBB16s16s", 6 << 28, len(data), proto, 64, src, dst) + data]
    step = (mtu - 48) // 8 * 8
    out = []
    for off in range(0, len(data), step):
        piece = data[off : off + step]
        more = off + step < len(data)
        frag_header = struct.pack("!BBHI", proto, 0, off | (1 if more else 0), ident)
        out.append(struct.pack("!IHBB16s16s", 6 << 28, 8 + len(piece), 44, 64, src, dst) + frag_header + piece)
    return out


def link(packet: bytes, linktype: int = 1, vlans: Iterable[int] = ()) -> bytes:
    """Wrap an IP packet for a link type (Ethernet with optional 802.1Q tags, SLL, SLL2, null...)."""
    etype = 0x86DD if packet[0] >> 4 == 6 else 0x0800
    tags = b"".join(struct.pack("!HH", 0x8100, vid) for vid in vlans)
    if linktype == 1:
        first = struct.pack("!H", 0x8100) if tags else struct.pack("!H", etype)
        inner = (tags[2:] + struct.pack("!H", etype)) if tags else b""
        return MAC_B + MAC_A + first + inner + packet
    if linktype == 113:
        return struct.pack("!HHH8sH", 0, 1, 6, MAC_A + b"\0\0", etype) + packet
    if linktype == 276:
        return struct.pack("!HHIHBB8s", etype, 0, 2, 1, 0, 6, MAC_A + b"\0\0") + packet
    if linktype == 0:
        return struct.pack("<I", 30 if etype == 0x86DD else 2) + packet
    if linktype == 108:
        return struct.pack("!I", 24 if etype == 0x86DD else 2) + packet
    return packet  # 101, 228, 229: raw IP


def stun_message(method_class: int, txid: bytes, attrs: Iterable[tuple[int, bytes]]) -> bytes:
    """A STUN message (RFC 8489 §5) with the given (type, value) attributes, padded."""
    body = b"".join(struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4) for t, v in attrs)
    return struct.pack("!HHI12s", method_class, len(body), MAGIC, txid) + body


def xor_address(address: str, port: int, txid: bytes) -> bytes:
    """An XOR-*-ADDRESS attribute value (RFC 8489 §14.2)."""
    raw = _raw(address)
    key = MAGIC_BYTES + txid
    xored = bytes(a ^ b for a, b in zip(raw, key, strict=False))
    return struct.pack("!BBH", 0, 1 if len(raw) == 4 else 2, port ^ (MAGIC >> 16)) + xored


def plain_address(address: str, port: int) -> bytes:
    """A MAPPED-ADDRESS-style attribute value in the clear (RFC 8489 §14.1, RFC 3489 §11.2.1)."""
    raw = _raw(address)
    return struct.pack("!BBH", 0, 1 if len(raw) == 4 else 2, port) + raw


def classic_stun(mtype: int, txid: bytes, attrs: Iterable[tuple[int, bytes]]) -> bytes:
    """An RFC 3489 message: no magic cookie, a 16-byte transaction id, attributes padded to 4."""
    body = b"".join(struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4) for t, v in attrs)
    return struct.pack("!HH16s", mtype, len(body), txid) + body


def ms_turn(mtype: int, txid: bytes, attrs: Iterable[tuple[int, bytes]]) -> bytes:
    """An [MS-TURN] message: MAGIC-COOKIE (0x000F) first, attributes not padded (§2.2.2)."""
    cookie = struct.pack("!HHI", 0x000F, 4, 0x72C64BC6)
    body = cookie + b"".join(struct.pack("!HH", t, len(v)) + v for t, v in attrs)
    return struct.pack("!HH16s", mtype, len(body), txid) + body


def ms_xor_address(address: str, port: int, txid: bytes) -> bytes:
    """[MS-TURN] §2.2.2.16 XOR-MAPPED-ADDRESS: XORed with the transaction id's leading bytes."""
    raw = _raw(address)
    xored = bytes(a ^ b for a, b in zip(raw, txid, strict=False))
    return struct.pack("!BBH", 0, 1 if len(raw) == 4 else 2, port ^ ((txid[0] << 8) | txid[1])) + xored


def gre(payload: bytes, ptype: int | None = None, key: int | None = None, seq: int | None = None) -> bytes:
    """A GRE packet (RFC 2784/2890) around ``payload`` (an IP packet unless ``ptype`` says otherwise)."""
    if ptype is None:
        ptype = 0x86DD if payload[0] >> 4 == 6 else 0x0800
    flags = (0x20 if key is not None else 0) | (0x10 if seq is not None else 0)
    extra = (struct.pack("!I", key) if key is not None else b"") + (struct.pack("!I", seq) if seq is not None else b"")
    return struct.pack("!BBH", flags, 0, ptype) + extra + payload


def erspan2(frame: bytes, session: int = 1, seq: int = 1, vlan: int = 0) -> bytes:
    """ERSPAN type II (draft-foschiano-erspan §4.1) over GRE with a sequence number: 8-byte header."""
    header = struct.pack("!HHI", (1 << 12) | vlan, session & 0x3FF, 0)
    return gre(header + frame, 0x88BE, seq=seq)


def erspan3(frame: bytes, session: int = 1, seq: int = 1, subheader: bool = False, ip_frame: bool = False) -> bytes:
    """ERSPAN type III (draft-foschiano-erspan §4.2): 12-byte header, optional 8-byte platform subheader;
    ``ip_frame``: the frame type is IP (FT 2) rather than Ethernet."""
    last = (2 << 10 if ip_frame else 0) | (1 if subheader else 0)  # P|FT(5)|HwID(6)|D|Gra(2)|O
    header = struct.pack("!HHIHH", 2 << 12, session & 0x3FF, 0x01020304, 0, last)
    return gre(header + (b"\0" * 8 if subheader else b"") + frame, 0x22EB, seq=seq)


def sctp_data(tsn: int, stream: int, ssn: int, ppid: int, data: bytes, begin: bool = True, end: bool = True) -> bytes:
    """A DATA chunk (RFC 9260 §3.3.1); B and E flags mark the first and last fragment."""
    flags = (0x02 if begin else 0) | (0x01 if end else 0)
    chunk = struct.pack("!BBHIHHI", 0, flags, 16 + len(data), tsn, stream, ssn, ppid) + data
    return chunk + b"\0" * (-len(chunk) % 4)


def sctp_idata(tsn: int, stream: int, mid: int, ppid_or_fsn: int, data: bytes, begin: bool, end: bool) -> bytes:
    """An I-DATA chunk (RFC 8260 §2.1): PPID in the first fragment, fragment sequence number after."""
    flags = (0x02 if begin else 0) | (0x01 if end else 0)
    chunk = struct.pack("!BBHIHHII", 64, flags, 20 + len(data), tsn, stream, 0, mid, ppid_or_fsn) + data
    return chunk + b"\0" * (-len(chunk) % 4)


def sctp(
    src: str, sport: int, dst: str, dport: int, chunks: Iterable[bytes], tag: int = 1
) -> tuple[str, str, int, bytes]:
    """(src, dst, 132, packet) for ``ip``: the common header (checksum left zero) and ``chunks``."""
    return src, dst, 132, struct.pack("!HHII", sport, dport, tag, 0) + b"".join(chunks)


def ws_frame(payload: bytes, opcode: int = 1, fin: bool = True, mask: bytes | None = None, rsv1: bool = False) -> bytes:
    """A WebSocket frame (RFC 6455 §5.2); ``mask`` (4 bytes) masks it as a client must."""
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if not mask:
        return head + payload
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


class PcapWriter:
    """Writes a classic pcap. ``order`` "<" or ">"; ``nano`` for the nanosecond variant."""

    def __init__(
        self, out: BinaryIO, linktype: int = 1, order: str = "<", nano: bool = False, snaplen: int = 262144
    ) -> None:
        self.out, self.order, self.nano = out, order, nano
        magic = 0xA1B23C4D if nano else 0xA1B2C3D4
        out.write(struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))

    def write(self, frame: bytes, time: float, orig_len: int | None = None) -> None:
        secs = int(time)
        frac = round((time - secs) * (1e9 if self.nano else 1e6))
        if frac >= (1_000_000_000 if self.nano else 1_000_000):  # rounded up to the next second
            secs, frac = secs + 1, 0
        self.out.write(struct.pack(self.order + "IIII", secs, frac, len(frame), orig_len or len(frame)) + frame)


class PcapngWriter:
    """Writes a pcapng section with one interface (little-endian, microsecond resolution)."""

    def __init__(self, out: BinaryIO, linktype: int = 1) -> None:
        self.out = out
        self._block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
        self._block(1, struct.pack("<HHI", linktype, 0, 262144))

    def write(self, frame: bytes, time: float, orig_len: int | None = None) -> None:
        ts = round(time * 1e6)
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), orig_len or len(frame))
        self._block(6, body + frame + b"\0" * (-len(frame) % 4))

    def _block(self, btype: int, body: bytes) -> None:
        length = 12 + len(body)
        self.out.write(struct.pack("<II", btype, length) + body + struct.pack("<I", length))
