"""WebSocket frames (RFC 6455 §5), pure: framing, unmasking, message assembly, deflate.

``WsReader`` is fed the bytes of one direction of an upgraded connection and returns whole
messages: client→server frames are unmasked (§5.3: octet i XOR masking-key[i mod 4]),
fragmented messages (§5.4: a first frame with FIN clear, continuation frames with opcode 0)
are joined, control frames (§5.5) interleaved between fragments are skipped, and
permessage-deflate (RFC 7692 §7.2.2: RSV1 on the first frame, append 00 00 ff ff, raw
inflate, context kept across messages unless ``no_context_takeover``) is undone.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import NamedTuple

MAX_MESSAGE = 4 << 20
MAX_FRAMES = 1 << 16  # fragments of one message; real senders use a handful
TEXT, BINARY, CLOSE = 1, 2, 8
OPCODES = frozenset({0, 1, 2, 8, 9, 10})  # continuation, text, binary, close, ping, pong (§5.2)


@dataclass(frozen=True, slots=True)
class WsMessage:
    """One whole message: ``opcode`` 1 (text) or 2 (binary), its payload, the frame count."""

    opcode: int
    payload: bytes
    frames: int
    masked: bool


def unmask(data: bytes, key: bytes) -> bytes:
    """RFC 6455 §5.3, done on big integers (much faster than a byte loop in Python)."""
    n = len(data)
    if not n:
        return data
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


class FrameLayout(NamedTuple):
    """Where one frame lies (§5.2): its first byte (FIN, RSV1-3, opcode), its masking key (None:
    not masked), and its payload at ``start:end`` (``end`` may lie past the bytes there are yet)."""

    first: int
    key: bytes | None
    start: int
    end: int


def frame_layout(buf: bytes | bytearray, pos: int = 0) -> FrameLayout | None:
    """The layout of the frame at ``pos``, or None while its header is not all there. Both
    ``parse_frame`` and redaction read frames through it."""
    if len(buf) - pos < 2:
        return None
    b1 = buf[pos + 1]
    length, at = b1 & 0x7F, pos + 2
    if length >= 126:
        size = 2 if length == 126 else 8
        if len(buf) - at < size:
            return None
        length, at = int.from_bytes(buf[at : at + size], "big"), at + size
    key = None
    if b1 & 0x80:
        if len(buf) - at < 4:
            return None
        key, at = bytes(buf[at : at + 4]), at + 4
    return FrameLayout(buf[pos], key, at, at + length)


def frame_start(first: int) -> bool:
    """Whether ``first`` can begin a frame: a known opcode (§5.2), RSV2 and RSV3 clear, and RSV1
    (a permessage-deflate message, RFC 7692 §6.1) only on a text or binary frame; so an HTTP
    response ("H": RSV1 on a close frame) is not taken for one."""
    opcode = first & 0x0F
    return not first & 0x30 and opcode in OPCODES and (not first & 0x40 or opcode in (TEXT, BINARY))


def parse_frame(buf: bytes | bytearray, pos: int = 0) -> tuple[int, int, bool, bool, bytes] | None:
    """Parse one frame at ``pos`` (§5.2). Returns (end, opcode, fin, rsv1, payload) or None if
    incomplete. The payload is unmasked."""
    frame = frame_layout(buf, pos)
    if frame is None or frame.end > len(buf):
        return None
    first, key, start, end = frame
    payload = bytes(buf[start:end])
    return end, first & 0x0F, bool(first & 0x80), bool(first & 0x40), unmask(payload, key) if key else payload


def frame_header_length(buf: bytes | bytearray, pos: int = 0) -> int | None:
    """The declared payload length of the frame at ``pos`` (for bounds checks), or None."""
    if len(buf) - pos < 10:
        return None
    n = buf[pos + 1] & 0x7F
    if n == 126:
        return int.from_bytes(buf[pos + 2 : pos + 4], "big")
    if n == 127:
        return int.from_bytes(buf[pos + 2 : pos + 10], "big")
    return n


class WsReader:
    """Frames → messages for one direction. ``deflate`` when permessage-deflate was agreed."""

    def __init__(self, deflate: bool = False, reset_context: bool = False) -> None:
        self._deflate = deflate
        self._reset = reset_context
        self._inflater = zlib.decompressobj(-15) if deflate else None
        self._parts: list[bytes] = []
        self._size = 0  # bytes in ``_parts``, kept as a sum: a flood of tiny frames stays linear
        self._opcode = 0
        self._compressed = False
        self._frames = 0
        self._masked = False
        self.problems: list[str] = []

    def frame(self, opcode: int, fin: bool, rsv1: bool, payload: bytes, masked: bool) -> WsMessage | None:
        """Take one frame; return a message when it completes one."""
        if opcode >= 8:  # control frames: never fragmented, never signalling
            return None
        if opcode in (TEXT, BINARY):
            if self._parts:
                self.problems.append("a new message started before the previous one finished")
            self._parts, self._size, self._opcode, self._compressed, self._frames = [], 0, opcode, rsv1, 0
            self._masked = masked
        elif not self._opcode:
            self.problems.append("continuation frame without a message to continue")
            return None
        self._parts.append(payload)
        self._size += len(payload)
        self._frames += 1
        if self._size > MAX_MESSAGE or self._frames > MAX_FRAMES:
            too = (
                f"larger than {MAX_MESSAGE >> 20} MiB"
                if self._size > MAX_MESSAGE
                else f"in more than {MAX_FRAMES} frames"
            )
            self.problems.append(f"message {too} skipped")
            self._parts, self._size, self._opcode = [], 0, 0
            return None
        return self._finish() if fin else None

    def _finish(self) -> WsMessage | None:
        data, opcode = b"".join(self._parts), self._opcode
        self._parts, self._size, self._opcode = [], 0, 0
        if self._compressed:
            data = self._inflate(data)
        return WsMessage(opcode, data, self._frames, self._masked)

    def _inflate(self, data: bytes) -> bytes:
        if self._inflater is None:  # RSV1 without the extension: RFC 7692 §6 says fail; try anyway
            self._inflater = zlib.decompressobj(-15)
        try:
            out = self._inflater.decompress(data + b"\x00\x00\xff\xff", MAX_MESSAGE)
        except zlib.error as exc:
            self.problems.append(f"permessage-deflate data does not inflate: {exc}")
            self._inflater = zlib.decompressobj(-15)
            return b""
        if self._reset:
            self._inflater = zlib.decompressobj(-15)
        return out
