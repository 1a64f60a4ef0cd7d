"""WebSocket frames inside TCP payload (RFC 6455 §5.2): text redacted, masking redone.

A payload (a segment, or the reassembled bytes of held segments) is treated as WebSocket only when
it is exactly a sequence of complete frames with known opcodes. Client frames are masked (§5.3):
unmasked, redacted, masked again with their own key. A message is redacted whole, its fragments
(§5.4) joined. A changed payload length is written back (the header grows or shrinks as §5.2
requires).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

OPCODES = frozenset({0, 1, 2, 8, 9, 10})
Frame = tuple[int, bytes | None, bytes]  # (first byte, mask key, payload as sent)


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
    if pos + 2 > len(seg) or seg[pos] & 0x70 or seg[pos] & 0x0F not in OPCODES:
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


def rewrite(seg: bytes, text: Callable[[bytes], bytes]) -> bytes | None:
    """The segment with text frames redacted, or None when it is not WebSocket."""
    parsed = frames(seg)
    if parsed is None:
        return None
    return b"".join(_rewrite_frames(parsed, text))


def _rewrite_frames(parsed: list[Frame], text: Callable[[bytes], bytes]) -> Iterator[bytes]:
    """Each message redacted whole (a fragmented one, §5.4, joined first; an address may span its
    frames), then cut back into its frames: each keeps its length, the last takes any change."""
    message: list[tuple[int, bytes | None, bytes]] = []  # the data frames of the message under way
    for first, key, payload in parsed:
        clear = _mask(payload, key) if key else payload
        if first & 0x0F >= 8:  # a control frame (§5.5), possibly between fragments
            yield _header(first, key, len(clear)) + payload
            continue
        message.append((first, key, clear))
        if first & 0x80:
            yield from _message(message, text)
            message = []
    if message:
        yield from _message(message, text)


def _message(frames: list[tuple[int, bytes | None, bytes]], text: Callable[[bytes], bytes]) -> Iterator[bytes]:
    new, pos = text(b"".join(clear for _, _, clear in frames)), 0
    for i, (first, key, clear) in enumerate(frames):
        piece = new[pos:] if i == len(frames) - 1 else new[pos : pos + len(clear)]
        pos += len(piece)
        yield _header(first, key, len(piece)) + (_mask(piece, key) if key else piece)
