"""Compressed and archived inputs for redaction: gzip, xz and bzip2 streams, zip archives.

Everything is inflated with a bound (``limit`` bytes in all): past it, or on damaged data, the input is
refused with ``RedactError``, never copied through. A gzip, xz or bzip2 stream is also refused as a
decompression bomb where it inflates like one (``icecheck scan``'s rule, ``inputs.source.inflates_like_bomb``: past
4 MiB at more than 100 times the compressed bytes taken), whether inflated in memory (``inflate``) or as
a stream (``open_gzip``); and compressed or archived layers nest ``MAX_LAYERS`` deep at most
(``layers``). A zip comes out as a valid archive whose members
are each redacted (directories kept, everything stored with deflate); an encrypted member is refused.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol

from icecheck.inputs.source import INFLATE_RATIO, Bounded, Fed, inflates_like_bomb

_STEP = 8 << 20  # bytes inflated at a time
MAX_LAYERS = 4  # compressed or archived layers inside one another (a gzip in a gzip is 2), at most
COMPRESSED = ((b"\x1f\x8b", "gzip"), (b"\xfd7zXZ\x00", "xz"), (b"BZh", "bz2"))


class RedactError(ValueError):
    """The input cannot be redacted as a whole: nothing may be written (fail closed)."""


def bomb(inflated: int, taken: int) -> RedactError:
    """The refusal of a compressed stream that inflated ``inflated`` bytes from ``taken`` compressed ones."""
    return RedactError(
        f"cannot redact: compressed data inflates more than {INFLATE_RATIO} times ({inflated >> 20} MiB from "
        f"{taken >> 10} KiB), as a decompression bomb does"
    )


class TooDeep(RedactError):
    """Data nested deeper than redaction reads: refused wherever it is met (a base64 body that holds it
    is not kept or removed in its place: ``formats._base64_body``)."""


def too_deep(what: str = "compressed or archived data nests") -> TooDeep:
    return TooDeep(f"cannot redact: {what} more than {MAX_LAYERS} layers deep")


def layers(data: bytes, limit: int) -> None:
    """``RedactError`` when ``data``, a gzip, xz or bzip2 stream, is a bomb, damaged, inflates past
    ``limit`` or nests more than ``MAX_LAYERS`` layers of them (what ``formats.redact_document``
    would refuse, found before the output check lists the input's identifiers through every layer)."""
    for _depth in range(MAX_LAYERS + 1):
        kind = next((k for magic, k in COMPRESSED if data.startswith(magic)), "")
        if not kind:
            return
        data = inflate(kind, data, limit)
    if any(data.startswith(magic) for magic, _ in COMPRESSED):
        raise too_deep()


def inflate(kind: str, data: bytes, limit: int) -> bytes:
    """The content of a gzip, xz or bz2 stream; ``RedactError`` when damaged or over ``limit`` bytes."""
    makers: dict[str, Callable[[], _Decompressor]] = {
        "gzip": lambda: _Gzip(),
        "xz": lambda: _Counted(lzma.LZMADecompressor()),
        "bz2": lambda: _Counted(bz2.BZ2Decompressor()),
    }
    parts: list[bytes] = []
    size, rest = 0, data
    try:
        while rest:  # concatenated members (gzip RFC 1952 §2.2, xz and bzip2 streams)
            d, chunk = makers[kind](), rest
            while not d.eof:  # in steps, so a bomb is stopped at the limit without a larger buffer
                piece = d.decompress(chunk, _STEP)
                chunk = b""
                size += len(piece)
                parts.append(piece)
                if size > limit:
                    raise RedactError(f"cannot redact: {kind} data inflates to more than {limit >> 20} MiB")
                if inflates_like_bomb(size, len(data) - len(rest) + d.taken):
                    raise bomb(size, len(data) - len(rest) + d.taken)
                if not piece and not d.eof and d.needs_input:
                    raise RedactError(f"cannot redact: damaged {kind} data (truncated stream)")
            rest = d.unused_data.lstrip(b"\x00") if kind == "gzip" else d.unused_data
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
        if isinstance(exc, RedactError):
            raise
        raise RedactError(f"cannot redact: damaged {kind} data ({exc})") from None
    return b"".join(parts)


def compress(kind: str, data: bytes) -> bytes:
    """``data`` compressed as ``kind`` again (gzip with no time stamp, so output is reproducible)."""
    if kind == "gzip":
        return gzip.compress(data, mtime=0)
    return lzma.compress(data) if kind == "xz" else bz2.compress(data)


def redact_zip(data: bytes, redact: Callable[[bytes], bytes], limit: int) -> bytes:
    """A zip archive with every member passed through ``redact``; ``RedactError`` if it cannot be read."""
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            total = 0
            for info in src.infolist():
                if info.flag_bits & 0x1:
                    raise RedactError(f"cannot redact: zip member {info.filename!r} is encrypted")
                total += info.file_size
                if total > limit:
                    raise RedactError(f"cannot redact: zip members inflate to more than {limit >> 20} MiB")
                body = src.read(info) if not info.is_dir() else b""
                if len(body) != info.file_size:  # a header that lies about the size
                    raise RedactError(f"cannot redact: zip member {info.filename!r} is damaged")
                new = zipfile.ZipInfo(_redacted_name(info.filename, redact), date_time=info.date_time)
                new.external_attr, new.compress_type = info.external_attr, zipfile.ZIP_DEFLATED
                dst.writestr(new, redact(body) if body else b"")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise RedactError(f"cannot redact: damaged zip archive ({exc})") from None
    return out.getvalue()


def _redacted_name(name: str, redact: Callable[[bytes], bytes]) -> str:
    """A member's name can carry an address too (``capture-10.1.2.3.pcap``)."""
    return redact(name.encode()).decode("utf-8", "replace") if name else name


class _Decompressor(Protocol):
    """What ``inflate`` needs of a decompressor object (``_Gzip`` and ``_Counted`` give it)."""

    @property
    def taken(self) -> int: ...

    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    @property
    def needs_input(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class _Counted:
    """An xz or bzip2 decompressor with ``taken``: the compressed bytes given less those left after its
    stream. It keeps the rest of its input inside, so this is an upper bound: the bomb ratio errs
    towards reading on."""

    def __init__(self, d: lzma.LZMADecompressor | bz2.BZ2Decompressor) -> None:
        self._d = d
        self._given = 0

    @property
    def taken(self) -> int:
        return self._given - len(self._d.unused_data)

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data

    @property
    def needs_input(self) -> bool:
        return self._d.needs_input

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        self._given += len(data)
        return self._d.decompress(data, max_length)


class _Gzip:
    """One gzip member (RFC 1952) through zlib, with ``eof`` and ``unused_data`` like the others."""

    def __init__(self) -> None:
        self._z = zlib.decompressobj(31)
        self._given = 0

    @property
    def taken(self) -> int:
        """Compressed bytes inflated so far."""
        return self._given - len(self._z.unconsumed_tail) - len(self._z.unused_data)

    @property
    def eof(self) -> bool:
        return self._z.eof

    @property
    def unused_data(self) -> bytes:
        return self._z.unused_data

    @property
    def needs_input(self) -> bool:
        return not self._z.unconsumed_tail

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        self._given += len(data)
        return self._z.decompress(self._z.unconsumed_tail + data, max(0, max_length))


def open_gzip(path: str | Path | BinaryIO, kind: str = "gzip") -> BinaryIO:
    """A gzip (or ``kind`` ``xz``, ``bz2``) file (or an open binary reader of one, closed with the
    stream) inflated as a stream, ``RedactError`` (``bomb``) where it inflates like a bomb: the same
    rule for the three, a streamed xz or bzip2 had no bound."""
    fed = Fed(open(path, "rb") if isinstance(path, str | Path) else path)  # noqa: SIM115 - closed with the stream
    inner: io.BufferedIOBase
    if kind == "xz":
        inner = lzma.LZMAFile(fed)  # type: ignore[arg-type]  # noqa: SIM115 - a binary reader, closed with the stream
    elif kind == "bz2":
        inner = bz2.BZ2File(fed)
    else:
        inner = gzip.GzipFile(fileobj=fed, mode="rb")
    return io.BufferedReader(Bounded(inner, fed, bomb), 1 << 16)
