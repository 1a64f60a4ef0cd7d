"""Text saved as UTF-16 or UTF-32 (Windows PowerShell 5's ``Out-File`` and ``>``, Notepad's "Unicode"),
read as the UTF-8 every reader expects.

``wide(head)`` tells such text by its first bytes: a UTF-32 or UTF-16 byte-order mark, or, without
one, ASCII characters each followed (little-endian) or preceded (big-endian) by a NUL byte, as JSON,
SDP, SIP and logs start. ``Utf8Reader`` turns such a stream into UTF-8 as it is read, the mark left
out (memory stays flat whatever the size): line numbers are the file's own, byte offsets are not.
``decode_head`` does the same for the first bytes, so that a format is recognised by content.

Invalid sequences (a lone surrogate, a file cut in the middle of a character) become U+FFFD in
what is read, as invalid UTF-8 does elsewhere; ``redact`` decodes strictly instead and refuses them.
"""

from __future__ import annotations

import codecs
import io
from typing import BinaryIO, NamedTuple, cast

_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE's, which it starts with
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ASCII = frozenset(b"\t\n\r" + bytes(range(32, 127)))
_SAMPLE = 32  # bytes (16 characters) looked at when there is no mark


class Wide(NamedTuple):
    """How a text file is encoded: ``encoding`` (``utf-16-le`` ...), and its byte-order mark (or b"")."""

    encoding: str
    mark: bytes


def wide(head: bytes) -> Wide | None:
    """The encoding of ``head`` when it starts text in UTF-16 or UTF-32, else None (UTF-8, binary)."""
    for mark, encoding in _MARKS:
        if head.startswith(mark):
            return Wide(encoding, mark)
    sample = head[: min(len(head), _SAMPLE) & ~1]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if not odd.strip(b"\0") and _ASCII.issuperset(even):
        return Wide("utf-16-le", b"")
    if not even.strip(b"\0") and _ASCII.issuperset(odd):
        return Wide("utf-16-be", b"")
    return None


def decode_head(head: bytes, found: Wide) -> bytes:
    """The UTF-8 of the whole characters in ``head`` (the first bytes of a ``found`` file), mark left out."""
    decoder = codecs.getincrementaldecoder(found.encoding)("replace")
    return decoder.decode(head[len(found.mark) :]).encode("utf-8")


class Utf8Reader(io.RawIOBase):
    """``raw`` (a stream at the start of a ``found`` file) read as UTF-8 (see the module doc)."""

    def __init__(self, raw: BinaryIO, found: Wide, chunk: int = 1 << 16) -> None:
        super().__init__()
        self._raw = raw
        self._chunk = chunk
        self._decoder = codecs.getincrementaldecoder(found.encoding)("replace")
        self._pending = b""
        self._ended = False
        raw.read(len(found.mark))

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._ended:
            data = self._raw.read(self._chunk)
            self._ended = not data
            self._pending = self._decoder.decode(data, final=self._ended).encode("utf-8")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def utf8_stream(raw: BinaryIO, found: Wide) -> BinaryIO:
    """A buffered binary stream of ``raw`` as UTF-8 (``Utf8Reader``)."""
    return cast(BinaryIO, io.BufferedReader(Utf8Reader(raw, found), 1 << 16))


def as_utf8(stream: BinaryIO) -> BinaryIO:
    """``stream`` (at its start), read as UTF-8 when it is text in UTF-16 or UTF-32, else as it is;
    its start is peeked (through a buffer when the stream has none)."""
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, stream))
    found = wide(buffered.peek(64)[:64])
    return cast(BinaryIO, buffered) if found is None else utf8_stream(cast(BinaryIO, buffered), found)
