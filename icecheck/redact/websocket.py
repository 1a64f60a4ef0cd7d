"""WebSocket frames inside TCP payload (RFC 6455 §5.2): text redacted, masking redone.

One wire layer: frames are read where scan reads them (``inputs.websocket.frame_layout``, the
first bytes it can start with ``frame_start``, unmasking ``unmask``); this module writes them anew.

A payload (a segment, or the reassembled bytes of held segments) is treated as WebSocket only when
it is exactly a sequence of complete frames with known opcodes. Client frames are masked (§5.3):
unmasked, redacted, and masked again with the key 0 (``SENT_KEY``), so the output holds the text it
carries as it is: its own bytes no longer spell chance tokens the output check would take for
originals (the input's masked bytes do), and what is read from them is what was redacted. A
message is redacted whole, its fragments (§5.4) joined. A changed payload length is written back
(the header grows or shrinks as §5.2 requires). Control frames (§5.5) are redacted too: a close
frame's reason, a ping's or pong's data.

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

from icecheck.inputs import websocket as ws

MAX_INFLATED = ws.MAX_MESSAGE  # a message inflating to more is not redacted: blanked (scan skips it too)
SENT_KEY = bytes(4)  # the masking key of a rewritten client frame (a valid key: §5.3 XORs with it)
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


def frames(seg: bytes) -> list[Frame] | None:
    """The frames of ``seg`` (read through ``inputs.websocket.frame_layout``, as scan reads them), or
    None when it is not exactly a run of WebSocket frames (``frame_start``)."""
    out: list[Frame] = []
    pos = 0
    while pos < len(seg):
        frame = ws.frame_layout(seg, pos) if ws.frame_start(seg[pos]) else None
        if frame is None or frame.end > len(seg):
            return None
        out.append((frame.first, frame.key, seg[frame.start : frame.end]))
        pos = frame.end
    return out or None


def _mask(data: bytes, key: bytes) -> bytes:
    return ws.unmask(data, key)  # §5.3: masking and unmasking are the same XOR


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


def _rewrite_frames(parsed: list[Frame], text: Callable[[bytes], bytes], inflater: Inflater) -> list[bytes]:
    """Each message redacted whole (a fragmented one, §5.4, joined first; an address may span its
    frames), then cut back into its frames: each keeps its length, the last takes any change. The
    frames stay in their order: a control frame between fragments stays between them."""
    out: list[bytes] = []
    message: list[tuple[int, bytes | None, bytes]] = []  # the data frames of the message under way
    slots: list[int] = []  # where they go in ``out``
    for first, key, payload in parsed:
        clear = _mask(payload, key) if key else payload
        if first & 0x0F >= 8:  # a control frame (§5.5), possibly between fragments
            new = clear[:2] + text(clear[2:]) if first & 0x0F == 8 else text(clear)
            new = new if len(new) <= 125 else bytes(len(clear))  # §5.5: at most 125 bytes
            out.append(_header(first, SENT_KEY if key else None, len(new)) + new)
            continue
        message.append((first, key, clear))
        slots.append(len(out))
        out.append(b"")
        if first & 0x80:
            for slot, frame in zip(slots, _message(message, text, inflater), strict=True):
                out[slot] = frame
            message, slots = [], []
    for slot, frame in zip(slots, _message(message, text, inflater) if message else (), strict=True):
        out[slot] = frame
    return out


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
        yield _header(first, SENT_KEY if key else None, len(piece)) + piece
