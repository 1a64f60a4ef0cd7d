"""WebSocket frames inside TCP payload (RFC 6455 §5.2): text redacted, masking redone.

A payload (a segment, or the reassembled bytes of held segments) is treated as WebSocket only when
it is exactly a sequence of complete frames with known opcodes. Client frames are masked (§5.3):
unmasked, redacted, masked again with their own key. A message is redacted whole, its fragments
(§5.4) joined. A changed payload length is written back (the header grows or shrinks as §5.2
requires). Control frames (§5.5) are redacted too: a close frame's reason, a ping's or pong's data.

permessage-deflate (RFC 7692): a message with RSV1 on its first frame is inflated with its
direction's context (``Inflater``: kept across messages, as a sender may keep it, §7.2.2), redacted,
and deflated again on its own, which is valid with and without context takeover (§7.1.1). A
message that does not inflate (the capture began after the connection, a lost segment) is blanked,
and so is every compressed message after it in that direction: its context is lost. Counted.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator

OPCODES = frozenset({0, 1, 2, 8, 9, 10})
MAX_INFLATED = 4 << 20  # a message inflating to more is not redacted: blanked (inputs.websocket.MAX_MESSAGE)
_TAIL = b"\x00\x00\xff\xff"  # RFC 7692 §7.2.2: removed by the sender, appended before inflating


class Inflater:
    """One direction of one connection: its permessage-deflate context, and messages blanked."""

    def __init__(self) -> None:
        self._z: zlib._Decompress | None = None  # made at the first compressed message
        self.lost = False  # a message did not inflate: the context after it is unknown
        self.blanked = 0

    def inflate(self, data: bytes) -> bytes | None:
        """The message ``data`` inflated, or None (then and for every later message)."""
        if not self.lost:
            if self._z is None:
                self._z = zlib.decompressobj(-15)
            try:
                out = self._z.decompress(data + _TAIL, MAX_INFLATED)
                if not self._z.unconsumed_tail:
                    return out
            except zlib.error:
                pass
        self.lost = True
        return None


def deflate(data: bytes) -> bytes:
    """``data`` as one permessage-deflate message of its own (no context; a 512-byte window, which
    every ``max_window_bits`` a peer may have agreed, 8 to 15, can inflate)."""
    packer = zlib.compressobj(wbits=-9)
    out = packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)
    return out[: -len(_TAIL)] if out.endswith(_TAIL) else out


Frame = tuple[int, bytes | None, bytes]  # (first byte, mask key, payload as sent)


def frame_start(first: int) -> bool:
    """Whether ``first`` can begin a frame: a known opcode, RSV2 and RSV3 clear, and RSV1 (a
    permessage-deflate message, RFC 7692 §6.1) only on a text or binary frame; so an HTTP response
    ("H": RSV1 on a close frame) is not taken for one."""
    opcode = first & 0x0F
    return not first & 0x30 and opcode in OPCODES and (not first & 0x40 or opcode in (1, 2))


def frames(seg: bytes) -> list[Frame] | None:
    """The frames of ``seg``, or None when it is not exactly a run of WebSocket frames."""
    out: list[Frame] = []
    pos = 0
    while pos < len(seg):
        parsed = _frame(seg, pos)
        if parsed is None:
            return None
        frame, pos = parsed
        out.append(frame)
    return out or None


def _frame(seg: bytes, pos: int) -> tuple[Frame, int] | None:
    if pos + 2 > len(seg) or not frame_start(seg[pos]):
        return None
    masked, n = seg[pos + 1] & 0x80, seg[pos + 1] & 0x7F
    pos += 2
    if n >= 126:
        size = 2 if n == 126 else 8
        if pos + size > len(seg):
            return None
        n = int.from_bytes(seg[pos : pos + size], "big")
        pos += size
    key = seg[pos : pos + 4] if masked else None
    pos += 4 if masked else 0
    if pos + n > len(seg):
        return None
    return (_first(seg, pos, n, key), key, seg[pos : pos + n]), pos + n


def _first(seg: bytes, pos: int, n: int, key: bytes | None) -> int:
    """The first byte of the frame whose payload starts at ``pos`` (walk back over the header)."""
    back = (4 if key is not None else 0) + (0 if n < 126 else 2 if n < 65536 else 8) + 2
    return seg[pos - back]


def _mask(data: bytes, key: bytes) -> bytes:
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


def _header(first: int, key: bytes | None, n: int) -> bytes:
    bit = 0x80 if key is not None else 0
    if n < 126:
        head = bytes([first, bit | n])
    elif n < 65536:
        head = bytes([first, bit | 126]) + struct.pack("!H", n)
    else:
        head = bytes([first, bit | 127]) + struct.pack("!Q", n)
    return head + (key or b"")


def rewrite(seg: bytes, text: Callable[[bytes], bytes], inflater: Inflater | None = None) -> bytes | None:
    """The segment with its messages redacted, or None when it is not WebSocket. ``inflater``: the
    direction's permessage-deflate context (a fresh one when not given)."""
    parsed = frames(seg)
    if parsed is None:
        return None
    return b"".join(_rewrite_frames(parsed, text, inflater or Inflater()))


def _rewrite_frames(parsed: list[Frame], text: Callable[[bytes], bytes], inflater: Inflater) -> Iterator[bytes]:
    """Each message redacted whole (a fragmented one, §5.4, joined first; an address may span its
    frames), then cut back into its frames: each keeps its length, the last takes any change."""
    message: list[tuple[int, bytes | None, bytes]] = []  # the data frames of the message under way
    for first, key, payload in parsed:
        clear = _mask(payload, key) if key else payload
        if first & 0x0F >= 8:  # a control frame (§5.5), possibly between fragments
            new = clear[:2] + text(clear[2:]) if first & 0x0F == 8 else text(clear)
            new = new if len(new) <= 125 else bytes(len(clear))  # §5.5: at most 125 bytes
            yield _header(first, key, len(new)) + (_mask(new, key) if key else new)
            continue
        message.append((first, key, clear))
        if first & 0x80:
            yield from _message(message, text, inflater)
            message = []
    if message:
        yield from _message(message, text, inflater)


def _message(
    frames: list[tuple[int, bytes | None, bytes]], text: Callable[[bytes], bytes], inflater: Inflater
) -> Iterator[bytes]:
    data = b"".join(clear for _, _, clear in frames)
    if frames[0][0] & 0x40:  # RSV1: permessage-deflate
        inflated = inflater.inflate(data)
        if inflated is None:
            inflater.blanked += 1
            new = bytes(len(data))
        else:
            new = deflate(text(inflated))
    else:
        new = text(data)
    pos = 0
    for i, (first, key, clear) in enumerate(frames):
        piece = new[pos:] if i == len(frames) - 1 else new[pos : pos + len(clear)]
        pos += len(piece)
        yield _header(first, key, len(piece)) + (_mask(piece, key) if key else piece)
