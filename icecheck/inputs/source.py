"""Open an input as a byte stream: gzip is undone on the fly, bytes read are counted.

Nothing here loads a whole file: readers pull chunks from ``Source.stream``. The counter
sees compressed bytes (what the file holds), so a progress bar against the file size is
right for gzipped inputs too.

A gzip stream that inflates past ``INFLATE_FROM`` bytes to more than ``INFLATE_RATIO`` times the
compressed bytes taken so far is a decompression bomb (deflate reaches about 1,000 times; captures
and logs 2 to 30): its stream raises ``InflationBound`` there, which readers report like a damaged
gzip stream (reading stops, the input is partly read). Without the bound, 1 MB of gzip inflates to
1 GB that takes minutes to read; with it, such a file stops within seconds. Inflated by the user
(``gunzip``), the same bytes are read whole, as any large input.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from icecheck.inputs.textenc import as_utf8, decode_head, wide

GZIP_MAGIC = b"\x1f\x8b"
INFLATE_FROM = 4 << 20  # inflated bytes read before the ratio is checked
INFLATE_RATIO = 100
Tick = Callable[[int, int, int], None]  # bytes read, packets, items found: each since the last call


class CountingReader(io.RawIOBase):
    """A raw reader that reports every read's size to ``tick`` (no packets, no items)."""

    def __init__(self, raw: BinaryIO, tick: Tick | None) -> None:
        super().__init__()
        self._raw = raw
        self._tick = tick
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n: int = self._raw.readinto(buffer) or 0  # type: ignore[attr-defined]
        self.consumed += n
        if self._tick is not None and n:
            self._tick(n, 0, 0)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def inflates_like_bomb(inflated: int, compressed: int) -> bool:
    """The module doc's rule: ``inflated`` bytes from ``compressed`` bytes taken are a decompression bomb's."""
    return inflated > INFLATE_FROM and inflated > INFLATE_RATIO * compressed


class InflationBound(OSError):
    """A gzip stream inflating like a decompression bomb (see the module doc)."""


def inflation_bound(inflated: int, taken: int) -> Exception:
    """What ``Bounded`` raises by default: ``InflationBound``, saying how far it went."""
    return InflationBound(
        f"the gzip stream inflates more than {INFLATE_RATIO} times ({inflated >> 20} MiB from "
        f"{taken >> 10} KiB), as a decompression bomb does: reading stops here "
        "(inflate it with gunzip to read it all)"
    )


class Fed(io.RawIOBase):
    """The compressed side of a gzip stream: counts the bytes the decompressor takes."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self.taken = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.taken += len(data)
        return data

    def close(self) -> None:
        self._raw.close()
        super().close()


class Bounded(io.RawIOBase):
    """The inflated side of a gzip stream, stopped at a bomb's ratio (``inflates_like_bomb``) by the
    exception ``refuse`` makes of the bytes inflated and taken (``InflationBound`` for a reader;
    ``redact`` refuses with its own)."""

    def __init__(
        self, inflated: io.BufferedIOBase, fed: Fed, refuse: Callable[[int, int], Exception] = inflation_bound
    ) -> None:
        super().__init__()
        self._inflated = inflated
        self._fed = fed
        self._refuse = refuse
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self._inflated.readinto1(buffer)  # one inflation: damage after it loses nothing before it
        self.given += n
        if inflates_like_bomb(self.given, self._fed.taken):
            raise self._refuse(self.given, self._fed.taken)
        return n

    def close(self) -> None:
        self._inflated.close()
        self._fed.close()
        super().close()


@dataclass(frozen=True, slots=True)
class Spooled:
    """An input that could be read only once (standard input, a pipe), copied to ``file``: read
    from there under its own name (``spool``)."""

    file: str


Data = bytes | Spooled  # what is read under an input's name instead of opening it


def spool(stream: BinaryIO) -> Spooled:
    """``stream`` copied, a MiB at a time, to a new temporary file (the caller removes it): memory
    stays flat whatever its size (reading it whole held it all)."""
    with tempfile.NamedTemporaryFile(prefix="icecheck-input-", delete=False) as out:
        shutil.copyfileobj(stream, out, 1 << 20)
    return Spooled(out.name)


def _open(path: str, data: Data | None) -> BinaryIO:
    if data is None:
        return open(path, "rb")
    if isinstance(data, Spooled):
        return open(data.file, "rb")
    return io.BytesIO(data)


class Source:
    """An opened input. ``stream`` yields decompressed bytes, as UTF-8 when the input is text in UTF-16
    or UTF-32; ``compressed`` tells if gzip was undone."""

    def __init__(self, path: str, tick: Tick | None = None, data: Data | None = None) -> None:
        """Open ``path``, or read ``data`` (standard input, already read or spooled) under that name."""
        self.path = path
        self.tick = tick
        if data is None or isinstance(data, Spooled):
            self.size = os.path.getsize(path if data is None else data.file)
        else:
            self.size = len(data)
        raw = _open(path, data)
        self._counter = CountingReader(raw, tick)
        buffered = io.BufferedReader(self._counter, 1 << 20)
        self.compressed = buffered.peek(2)[:2] == GZIP_MAGIC
        stream: io.BufferedIOBase = buffered
        if self.compressed:
            fed = Fed(buffered)
            stream = io.BufferedReader(Bounded(gzip.GzipFile(fileobj=fed, mode="rb"), fed), 1 << 16)
        self.stream: BinaryIO = as_utf8(stream)  # type: ignore[arg-type]  # UTF-16/32 text as UTF-8 (``textenc``)

    def close(self) -> None:
        self.stream.close()
        self._counter.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_head(path: str, n: int = 65536, data: Data | None = None) -> tuple[bytes, bool]:
    """The first ``n`` bytes of ``path`` (or of ``data``) after undoing gzip (if it is gzip), and
    whether it was; text in UTF-16 or UTF-32 as UTF-8 (``textenc``), as ``Source`` reads it. A corrupt
    or truncated gzip stream yields what could be decompressed before the damage.
    """
    head, compressed = _head(path, n, data)
    found = wide(head)
    return (head if found is None else decode_head(head, found)), compressed


def _head(path: str, n: int, data: Data | None) -> tuple[bytes, bool]:
    with _open(path, data) as f:
        raw = f.read(n)
        if raw[:2] != GZIP_MAGIC:
            return raw, False
        inflater = zlib.decompressobj(31)
        out = b""
        try:
            while len(out) < n and raw:
                out += inflater.decompress(raw, n - len(out))
                raw = inflater.unconsumed_tail or f.read(65536)
        except zlib.error:
            pass
        return out[:n], True


def gzip_error(exc: BaseException) -> str | None:
    """A human message when ``exc`` comes from a corrupt, truncated or bomb-like gzip stream, else None."""
    if isinstance(exc, InflationBound):
        return str(exc)
    if isinstance(exc, EOFError):
        return "the gzip stream ends early (truncated file)"
    if isinstance(exc, (gzip.BadGzipFile, zlib.error)):
        return f"corrupt gzip data: {exc}"
    return None
