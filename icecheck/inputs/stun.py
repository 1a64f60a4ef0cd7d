"""STUN/TURN message decoding (RFC 8489, formerly RFC 5389; TURN RFC 8656), pure.

Only what an on-path observer learns is extracted: the address attributes (MAPPED-ADDRESS
§14.1, XOR-MAPPED-ADDRESS §14.2, XOR-RELAYED-ADDRESS and XOR-PEER-ADDRESS RFC 8656 §18.3/18.5,
plus RESPONSE-ORIGIN/OTHER-ADDRESS of RFC 5780 §7 which reveal the server), SOFTWARE §14.14,
and Chrome's GOOG-NETWORK-INFO (0xC057: network id and network cost, 2+2 bytes). The XOR
encoding (§14.2): port ^ top 16 bits of the magic cookie; IPv4 ^ cookie; IPv6 ^ cookie ‖
transaction id.

What a client relays through TURN is kept too, so that the STUN inside can be read: the DATA
attribute of Send and Data indications (RFC 8656 §11, §18.4) and CHANNEL-NUMBER (§18.1) of a
ChannelBind; ``channel_data`` unwraps a ChannelData message (§12.4). ICE connectivity checks
through a relay travel that way, and their responses name peer-reflexive addresses.

Two older dialects are still on the wire (``looks_like_legacy``): classic STUN (RFC 3489: no
magic cookie, a 128-bit transaction id, MAPPED-ADDRESS in the clear, SOURCE-ADDRESS and
CHANGED-ADDRESS naming the server) and Microsoft's TURN ([MS-TURN], Skype for Business/Lync:
a MAGIC-COOKIE attribute 0x000F = 0x72C64BC6 first, attributes not padded, its own message
types). In an MS-TURN Allocate response MAPPED-ADDRESS is the *relayed* address the server
allocated (§2.2.2.1, §3.2.5.1; MS-ALT-MAPPED-ADDRESS 0x8090 its IPv6 twin) and XOR-MAPPED-ADDRESS
(0x8020) the client's reflexive address, XORed with the first 32 bits of the transaction id
(§2.2.2.16); DESTINATION-ADDRESS and REMOTE-ADDRESS name the peer in the clear (§2.2.2.10-11),
ALTERNATE-SERVER (0x000E, §2.2.2.7) another TURN server. Their attribute names carry an ``MS-TURN``
prefix so that the reader gives them their roles. The DATA (§2.2.2.12) of a Send request and of a
Data indication is what the client exchanges with that peer.

Over TCP, [MS-TURN] frames every message (§2.1.4, "TCP Framing Header"; §2.2.1 refers to it): a
type byte (0x02 a TURN control message, 0x03 end-to-end data: what the client exchanges with its
active destination, named by the DESTINATION-ADDRESS of a Set Active Destination request, §2.2.1,
without Send/Data wrapping), a reserved byte (zero) and a 16-bit length of what follows.
``ms_tcp_header`` reads one; ``looks_like_ms_tcp`` tells a stream that starts with a control frame
holding an MS-TURN message. A frame of any other type loses the framing (§3.1.10: the connection
SHOULD be disconnected).
"""

from __future__ import annotations

import functools
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass

MAGIC = 0x2112A442
MAGIC_BYTES = b"\x21\x12\xa4\x42"

ADDRESS_ATTRS = {
    0x0001: "MAPPED-ADDRESS",
    0x0020: "XOR-MAPPED-ADDRESS",
    0x8020: "XOR-MAPPED-ADDRESS",  # its code before RFC 5389 (draft-ietf-behave-rfc3489bis), still sent
    0x0016: "XOR-RELAYED-ADDRESS",
    0x0012: "XOR-PEER-ADDRESS",
    0x802B: "RESPONSE-ORIGIN",
    0x802C: "OTHER-ADDRESS",
}
_XORED = frozenset({0x0020, 0x0016, 0x0012, 0x8020})
_CLASSIC_ADDRESS_ATTRS = {
    0x0001: "MAPPED-ADDRESS",
    0x0004: "SOURCE-ADDRESS",
    0x0005: "CHANGED-ADDRESS",
    0x8020: "XOR-MAPPED-ADDRESS",
}
_MS_ADDRESS_ATTRS = {
    0x0001: "MS-TURN MAPPED-ADDRESS",  # the relayed address (see the module doc)
    0x8090: "MS-TURN MS-ALT-MAPPED-ADDRESS",
    0x8020: "XOR-MAPPED-ADDRESS",
    0x0011: "MS-TURN DESTINATION-ADDRESS",
    0x0012: "MS-TURN REMOTE-ADDRESS",
    0x000E: "MS-TURN ALTERNATE-SERVER",  # §2.2.2.7: a TURN server's (not reported; redacted)
}
MS_TCP_CONTROL, MS_TCP_DATA = 0x02, 0x03  # [MS-TURN] §2.1.4 TCP framing header types
MS_COOKIE_ATTR = b"\x00\x0f\x00\x04\x72\xc6\x4b\xc6"  # MAGIC-COOKIE, length 4, 0x72C64BC6 ([MS-TURN] 2.2.2.8)
_MS_TYPES = {
    0x0003: "Allocate request",
    0x0103: "Allocate success response",
    0x0113: "Allocate error response",
    0x0004: "Send request",
    0x0104: "Send success response",
    0x0114: "Send error response",
    0x0115: "Data indication",
    0x0006: "Set Active Destination request",
    0x0106: "Set Active Destination success response",
    0x0116: "Set Active Destination error response",
}
_CLASSIC_TYPES = frozenset({0x0001, 0x0101, 0x0111, 0x0002, 0x0102, 0x0112})  # RFC 3489 §11.1
SOFTWARE = 0x8022
GOOG_NETWORK_INFO = 0xC057
DATA = 0x0013
CHANNEL_NUMBER = 0x000C
CHANNELS = range(0x4000, 0x8000)  # RFC 8656 §12 assigns 0x4000-0x4FFF; RFC 5766 allowed up to 0x7FFF
_CLASSES = {0x000: "request", 0x010: "indication", 0x100: "success response", 0x110: "error response"}
_METHODS = {
    1: "Binding",
    2: "Shared Secret",
    3: "Allocate",
    4: "Refresh",
    6: "Send",
    7: "Data",
    8: "CreatePermission",
    9: "ChannelBind",
    10: "Connect",
    11: "ConnectionBind",
    12: "ConnectionAttempt",
}


@dataclass(frozen=True, slots=True)
class StunAddress:
    """An address carried by a STUN attribute (XOR-MAPPED-ADDRESS, XOR-RELAYED-ADDRESS, ...)."""

    attribute: str  # e.g. "XOR-MAPPED-ADDRESS"
    address: str
    port: int


@dataclass(frozen=True, slots=True)
class StunMessage:
    """A decoded message: ``kind`` like "Binding success response", attributes of interest."""

    kind: str
    transaction: bytes
    addresses: tuple[StunAddress, ...] = ()
    software: str | None = None
    network_id: int | None = None
    network_cost: int | None = None
    problems: tuple[str, ...] = ()
    data: bytes | None = None  # DATA: what a Send or Data indication relays
    channel: int | None = None  # CHANNEL-NUMBER of a ChannelBind


def looks_like_stun(data: bytes) -> bool:
    """RFC 8489 §5: top two bits zero, the magic cookie, a length that is a multiple of 4."""
    return len(data) >= 20 and data[0] < 0x40 and data[4:8] == MAGIC_BYTES and not (data[2] << 8 | data[3]) & 3


def looks_like_legacy(data: bytes) -> bool:
    """A whole RFC 3489 or [MS-TURN] message (see the module doc): a known message type, a length
    that is exactly the rest of ``data``, and attributes that fill it exactly. Without a magic
    cookie to go by, only a message that holds together this way is taken for STUN."""
    if len(data) < 20 or data[0] > 1 or message_length(data) != len(data):
        return False
    mtype = (data[0] << 8) | data[1]
    if data[20:28] == MS_COOKIE_ATTR:
        return mtype in _MS_TYPES and _fills(data, padded=False)
    return data[4:8] != MAGIC_BYTES and mtype in _CLASSIC_TYPES and _fills(data, padded=True)


def ms_tcp_header(buf: bytes | bytearray, pos: int = 0) -> tuple[int, int] | None:
    """([MS-TURN] §2.1.4) the type and end offset of the TCP frame at ``pos``, or None when the
    4 bytes there are no framing header (type 0x02 or 0x03, reserved byte zero) or not all present."""
    if len(buf) < pos + 4 or buf[pos] not in (MS_TCP_CONTROL, MS_TCP_DATA) or buf[pos + 1]:
        return None
    return buf[pos], pos + 4 + ((buf[pos + 2] << 8) | buf[pos + 3])


def looks_like_ms_tcp(buf: bytes | bytearray) -> bool:
    """A TCP stream that starts with an [MS-TURN] control frame (§2.1.4) around an MS-TURN message
    header (§2.2.1: a type of this extension, a length that is exactly the frame's) and its
    MAGIC-COOKIE attribute first (§2.2.2.8). The frame need not be all there yet."""
    header = ms_tcp_header(buf)
    if header is None or header[0] != MS_TCP_CONTROL or len(buf) < 32:
        return False
    mtype, length = (buf[4] << 8) | buf[5], (buf[6] << 8) | buf[7]
    return mtype in _MS_TYPES and header[1] == 24 + length and bytes(buf[24:32]) == MS_COOKIE_ATTR


PSEUDO_TLS_MAX = 1024  # [MS-TURN] §2.1.1 pseudo-TLS records carry no extensions: a bigger one is real TLS


def pseudo_tls_end(buf: bytes | bytearray) -> int | None:
    """The end of the TLS handshake record (RFC 2246 §6.2: type 0x16, version 3.x, 16-bit length)
    of at most ``PSEUDO_TLS_MAX`` bytes that starts ``buf``, as [MS-TURN] §2.1.1 pseudo-TLS sends
    first on port 443; None when ``buf`` does not start so (the record need not be all there)."""
    if len(buf) < 5 or buf[0] != 0x16 or buf[1] != 3:
        return None
    end = 5 + ((buf[3] << 8) | buf[4])
    return end if end <= 5 + PSEUDO_TLS_MAX else None


def is_ms_turn(data: bytes) -> bool:
    """A whole [MS-TURN] message (``looks_like_legacy`` of that dialect)."""
    return data[20:28] == MS_COOKIE_ATTR and looks_like_legacy(data)


def legacy_address_attributes(ms_turn: bool) -> dict[int, str]:
    """The address attributes of a legacy dialect, by code: [MS-TURN]'s or RFC 3489's."""
    return _MS_ADDRESS_ATTRS if ms_turn else _CLASSIC_ADDRESS_ATTRS


def _fills(data: bytes, padded: bool) -> bool:
    pos, end = 20, len(data)
    while pos + 4 <= end:
        alen = (data[pos + 2] << 8) | data[pos + 3]
        pos += 4 + ((alen + 3) & ~3 if padded else alen)
    return pos == end


def attributes(data: bytes | bytearray, end: int, padded: bool = True) -> Iterator[tuple[int, int, int]]:
    """Where the attributes of the message at the start of ``data`` lie: (type, value start, value
    end) in order, for those whose header starts before ``end`` (the message's end). A value may run
    past ``end`` or ``data`` (cut short): the caller decides. ``padded``: values padded to 4 bytes
    (RFC 8489 §14); [MS-TURN] does not pad. ``decode`` reads messages this way; ``redact`` rewrites
    through these ranges."""
    pos = 20
    while pos + 4 <= end:
        alen = (data[pos + 2] << 8) | data[pos + 3]
        yield (data[pos] << 8) | data[pos + 1], pos + 4, pos + 4 + alen
        pos += 4 + ((alen + 3) & ~3 if padded else alen)


@dataclass(frozen=True, slots=True)
class Layout:
    """How a message's attributes are laid out and read: its dialect's address attributes (code →
    name, and whether the address is XORed with ``key``), padding, and the 16-byte XOR key (RFC 8489
    §14.2: magic cookie ‖ transaction id; the legacy dialects: their transaction id)."""

    addresses: dict[int, tuple[str, bool]]
    padded: bool
    key: bytes


# Address attributes scan does not report (they name a server), which redaction rewrites too:
# ALTERNATE-SERVER (RFC 8489 §14.15) and RFC 3489's SOURCE-ADDRESS and CHANGED-ADDRESS, still sent
# with the magic cookie by RFC 5780 servers' predecessors.
_SERVER_ADDRESS_ATTRS = {0x8023: "ALTERNATE-SERVER", 0x0004: "SOURCE-ADDRESS", 0x0005: "CHANGED-ADDRESS"}


def layout(data: bytes | bytearray) -> Layout:
    """The ``Layout`` of a message (``looks_like_stun`` or ``looks_like_legacy``), with every
    attribute that carries an address, reported by ``decode`` or not."""
    ms_turn = data[20:28] == MS_COOKIE_ATTR
    classic = not ms_turn and data[4:8] != MAGIC_BYTES
    table = _LAYOUT_MS if ms_turn else _LAYOUT_CLASSIC if classic else _LAYOUT_STUN
    return Layout(table, not ms_turn, bytes(data[4:20]))


def _xored(atype: int, name: str) -> bool:
    """Whether the address of an address attribute is XORed (§14.2; not [MS-TURN]'s own ones)."""
    return atype in _XORED and not name.startswith("MS-TURN")


def _table(names: dict[int, str]) -> dict[int, tuple[str, bool]]:
    return {code: (name, _xored(code, name)) for code, name in names.items()}


_LAYOUT_STUN = _table(ADDRESS_ATTRS | _SERVER_ADDRESS_ATTRS)  # built once: ``layout`` runs per message
_LAYOUT_CLASSIC = _table(_CLASSIC_ADDRESS_ATTRS)
_LAYOUT_MS = _table(_MS_ADDRESS_ATTRS)


def address_range(data: bytes | bytearray, start: int, stop: int) -> tuple[int, int] | None:
    """Where the address of the address attribute value at ``start:stop`` lies (§14.1: reserved,
    family 1 IPv4 or 2 IPv6, port, address): (offset, 4 or 16), or None when it is malformed."""
    if stop - start < 8 or stop > len(data):
        return None
    size = 4 if data[start + 1] == 1 else 16 if data[start + 1] == 2 else 0
    return (start + 4, size) if size and start + 4 + size <= stop else None


def message_length(data: bytes | bytearray) -> int:
    """Total length (header + attributes) announced by a STUN header (for stream framing)."""
    return 20 + ((data[2] << 8) | data[3])


def decode(data: bytes) -> StunMessage:
    """Decode one message (``looks_like_stun`` or ``looks_like_legacy`` must hold). Damage is
    listed in ``problems``."""
    mtype = (data[0] << 8) | data[1]
    ms_turn = data[20:28] == MS_COOKIE_ATTR
    classic = not ms_turn and data[4:8] != MAGIC_BYTES
    kind = _kind(mtype, ms_turn, classic)
    txid = data[4:20] if classic or ms_turn else data[8:20]
    end = message_length(data)
    problems = []
    if end > len(data):
        problems.append(f"STUN message announces {end} bytes, {len(data)} present")
        end = len(data)
    acc = _Acc(_MS_ADDRESS_ATTRS if ms_turn else _CLASSIC_ADDRESS_ATTRS if classic else ADDRESS_ATTRS)
    key = data[4:20]  # the XOR key: magic cookie ‖ transaction id (RFC 8489 §14.2); MS-TURN: its id
    for atype, start, stop in attributes(data, end, padded=not ms_turn):
        if stop > len(data):
            problems.append(f"attribute 0x{atype:04x} cut short")
            break
        problem = acc.attribute(atype, data[start:stop], key)
        if problem:
            problems.append(problem)
    return StunMessage(
        kind,
        txid,
        tuple(acc.addresses),
        acc.software,
        acc.network_id,
        acc.network_cost,
        tuple(problems),
        acc.data,
        acc.channel,
    )


class Decoder:
    """``decode`` for one run of messages, each distinct message decoded once: a capture repeats
    its STUN (every consent check and its response, every keepalive) with nothing new but the
    transaction id. The last ``MEMO`` decodings of RFC 8489 messages are kept under the message
    without its transaction id (type, length, cookie, attributes): what ``decode`` reads for all
    but ``transaction`` and an XOR-encoded IPv6 address (XORed with cookie ‖ transaction id,
    §14.2), so a message holding an IPv6 address is not kept. A repeat is the kept decoding with
    its own ``transaction``. The legacy dialects are decoded each time (their XOR key is their
    transaction id)."""

    MEMO = 4096

    def __init__(self) -> None:
        self._memo: dict[bytes, StunMessage] = {}

    def decode(self, data: bytes) -> StunMessage:
        """``decode(data)``, equal to it."""
        if data[4:8] != MAGIC_BYTES or data[20:28] == MS_COOKIE_ATTR:
            return decode(data)
        key = data[:8] + data[20:]
        seen = self._memo.get(key)
        if seen is None:
            seen = decode(data)
            if not any(":" in a.address for a in seen.addresses):
                if len(self._memo) >= self.MEMO:
                    del self._memo[next(iter(self._memo))]
                self._memo[key] = seen
            return seen
        txid = data[8:20]
        if seen.transaction == txid:
            return seen
        return StunMessage(
            seen.kind,
            txid,
            seen.addresses,
            seen.software,
            seen.network_id,
            seen.network_cost,
            seen.problems,
            seen.data,
            seen.channel,
        )


@functools.lru_cache(maxsize=1024)
def _kind(mtype: int, ms_turn: bool, classic: bool) -> str:
    """``Binding success response``; ``MS-TURN Allocate success response``; ``RFC 3489 Binding request``."""
    if ms_turn:
        return f"MS-TURN {_MS_TYPES.get(mtype, f'message 0x{mtype:04x}')}"
    method = (mtype & 0x000F) | ((mtype & 0x00E0) >> 1) | ((mtype & 0x3E00) >> 2)
    kind = f"{_METHODS.get(method, f'method 0x{method:03x}')} {_CLASSES[mtype & 0x0110]}"
    return f"RFC 3489 {kind}" if classic else kind


def channel_data(data: bytes) -> tuple[int, bytes] | None:
    """(channel number, application data) of a ChannelData message (RFC 8656 §12.4), or None.

    Over UDP the padding to 4 bytes may be missing; the data must be there whole."""
    if len(data) < 4:
        return None
    channel, length = (data[0] << 8) | data[1], (data[2] << 8) | data[3]
    if channel not in CHANNELS or 4 + length > len(data):
        return None
    return channel, data[4 : 4 + length]


class _Acc:
    """Attributes gathered while walking a message; ``names`` are its dialect's address attributes."""

    def __init__(self, names: dict[int, str]) -> None:
        self.names = names
        self.addresses: list[StunAddress] = []
        self.software: str | None = None
        self.network_id: int | None = None
        self.network_cost: int | None = None
        self.data: bytes | None = None
        self.channel: int | None = None

    def attribute(self, atype: int, value: bytes, key: bytes) -> str | None:
        """Take one attribute; return a problem description or None."""
        name = self.names.get(atype)
        if name is not None:
            decoded = _address(value, _xored(atype, name), key)
            if decoded is None:
                return f"malformed {name}"
            self.addresses.append(StunAddress(name, *decoded))
        elif atype == SOFTWARE:
            self.software = value.decode("utf-8", "replace")
        elif atype == GOOG_NETWORK_INFO:
            if len(value) < 4:
                return "malformed GOOG-NETWORK-INFO"
            self.network_id, self.network_cost = struct.unpack_from("!HH", value)
        elif atype == DATA:
            self.data = value
        elif atype == CHANNEL_NUMBER:
            if len(value) < 2:
                return "malformed CHANNEL-NUMBER"
            self.channel = (value[0] << 8) | value[1]
        return None


def _address(value: bytes, xored: bool, key: bytes) -> tuple[str, int] | None:
    """§14.1: reserved byte, family (1 IPv4, 2 IPv6), port, address; XORed (§14.2) with ``key``."""
    if len(value) < 8:
        return None
    family, port = value[1], (value[2] << 8) | value[3]
    size = 4 if family == 1 else 16 if family == 2 else 0
    raw = value[4 : 4 + size]
    if not size or len(raw) != size:
        return None
    if xored:
        port ^= (key[0] << 8) | key[1]
        raw = (int.from_bytes(raw) ^ int.from_bytes(key[:size])).to_bytes(size)
    return socket.inet_ntop(socket.AF_INET if size == 4 else socket.AF_INET6, raw), port
