"""One redaction run from a file to a file: all or nothing, checked before anything is kept.

``redact_file(source, target, standins, scrub)``:
- a pcap/pcapng capture, bare or inside gzip, xz or bzip2, is streamed (bounded memory whatever its
  size): its identifiers are listed (``selfcheck.capture_identifiers``) and reserved, it is
  redacted record by record (``pcap.redact_stream``, compressed again on the fly when it was) into
  a temporary file beside the target, the output is listed the same way, and only when no
  original survives is the temporary file renamed over the target (or copied to standard output);
- a zip archive is read member by member (``_stream_zip``): capture members are streamed as above,
  into the new archive; the others are redacted in memory; every output member is checked;
- a text document (JSON, SIP, SDP, logs) larger than ``STREAM_DOCUMENT`` (4 MiB) is streamed too
  (``docstream``: listed, prepared and redacted piece by piece into the temporary file, which is
  then listed as a stream), with the output ``formats.redact_document`` gives;
- anything else (smaller text, JSON; compressed text or a compressed zip inflated up to
  ``formats.MAX_INFLATED``) is redacted in memory by ``formats.redact_document`` and checked the
  same way.
A compressed capture has no inflation limit: it never sits in memory; a gzip stream that inflates like
a decompression bomb is refused wherever it is read (``archive.open_gzip``, ``archive.inflate``), and so
is data compressed more than ``archive.MAX_LAYERS`` layers deep (``archive.layers``). Standard input is
spooled to a temporary file first (the capture is read more than once).

Failures are exceptions: ``RedactError`` (the input cannot be redacted: exit 2),
``Incomplete`` (originals would survive: exit 3), ``WriteError`` (exit 2), ``OSError`` from reading
the input (exit 2). In every case
the temporary file is removed and the target is untouched.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import lzma
import os
import shutil
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

from icecheck.inputs.table import TextSet
from icecheck.inputs.textenc import Wide, wide
from icecheck.redact.archive import RedactError
from icecheck.redact.selfcheck import PCAP_MAGICS
from icecheck.redact.standins import StandIns

HEAD = 1 << 16  # bytes read (after decompression) to tell what the input is
_DAMAGE = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)


class Incomplete(Exception):
    """Original identifiers would survive: nothing was written. ``left`` names them."""

    def __init__(self, left: list[str]) -> None:
        super().__init__(", ".join(left))
        self.left = left


def redact_file(source: str, target: str, standins: StandIns, scrub: bool) -> str:
    """Redact ``source`` (``-``: standard input) to ``target`` (``-``: standard output); the kind
    redacted (``pcap``, ``pcapng``, ``pcap+gzip``, ``sip``, ...)."""
    with _spooled(source) as path:
        compression = _compression(path)
        head = _read_head(path, compression)
        if head[:4] in PCAP_MAGICS:
            _stream_capture(path, compression, target, standins, scrub)
            label = "pcapng" if head[:4] == b"\x0a\x0d\x0d\x0a" else "pcap"  # the Section Header Block's type
            return label + (f"+{compression}" if compression else "")
        if not compression and head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            _stream_zip(path, target, standins, scrub)
            return "zip"
        found = wide(head)
        if found is not None:  # UTF-16 or UTF-32 text: redacted as UTF-8, written back as it was
            if compression:
                raise RedactError(
                    f"cannot redact: {found.encoding.upper()} text inside {compression} "
                    "(decompress it, then redact the text)"
                )
            return _redact_wide(path, found, target, standins, scrub)
        if compression and head:
            from icecheck.redact.formats import detect

            detect(head)  # binary content that is no capture is refused before anything is inflated whole
        large = (
            _larger(lambda: _open_read(path, compression), STREAM_DOCUMENT)
            if compression
            else (os.path.getsize(path) > STREAM_DOCUMENT)
        )
        if head and large:
            kind = document_kind(lambda: _open_read(path, compression), compression)
            if kind is not None:
                _stream_document(path, kind, target, standins, scrub, compression)
                return kind + (f"+{compression}" if compression else "")
        return _in_memory(Path(path).read_bytes(), target, standins, scrub)


# A text document larger than this is redacted as a stream (``docstream``): the output check lists one
# held in memory whole up to ``selfcheck.LISTED_WHOLE`` (4 MiB), and its identifiers as a set: 16 MB of
# distinct IPv6 addresses, one a line, peaked at 426 MB held so (16 MiB was the limit), 80 MB streamed.
STREAM_DOCUMENT = 4 << 20


def _redact_wide(path: str, found: Wide, target: str, standins: StandIns, scrub: bool) -> str:
    """Text in UTF-16 or UTF-32 (``inputs.textenc``): decoded strictly into a temporary UTF-8 file,
    redacted and checked as any text (``redact_file``), and the output encoded back as the input was
    (the same encoding and byte-order mark). Invalid text, or a NUL character (text in the text),
    is refused: what cannot be decoded cannot be checked."""
    with tempfile.TemporaryDirectory(prefix="icecheck-redact-") as tmp:
        plain, out = os.path.join(tmp, "in.txt"), os.path.join(tmp, "out.txt")
        _transcode(path, plain, found)
        kind = redact_file(plain, out, standins, scrub)
        with _written(target) as fh, open(out, encoding="utf-8", newline="") as src:
            fh.write(found.mark)
            while text := src.read(1 << 18):
                fh.write(text.encode(found.encoding))
    return f"{kind}+{found.encoding}"


def _transcode(path: str, plain: str, found: Wide) -> None:
    """``path`` (text in ``found``'s encoding) written to ``plain`` as UTF-8; ``RedactError`` where
    it is not valid text in that encoding or holds a NUL character."""
    decoder = codecs.getincrementaldecoder(found.encoding)("strict")
    name = found.encoding.upper()
    taken = len(found.mark)
    with open(path, "rb") as src, open(plain, "wb") as dst:
        src.read(taken)
        while True:
            block = src.read(1 << 20)
            held = len(decoder.getstate()[0])  # the bytes of a character the last block cut
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                raise RedactError(f"cannot redact: invalid {name} text at byte {taken - held + exc.start}") from None
            if "\0" in text:
                raise RedactError(f"cannot redact: a NUL character in {name} text (binary data?)")
            dst.write(text.encode("utf-8"))
            if not block:
                return
            taken += len(block)


def _stream_document(path: str, kind: str, target: str, standins: StandIns, scrub: bool, compression: str = "") -> None:
    """A large JSON, SIP or text document (inflated on the fly when compressed, and compressed again
    on the way out): listed, prepared, redacted and checked as streams (``docstream``,
    ``selfcheck.stream_identifiers``), with the same output as ``_in_memory``."""
    from icecheck.redact.selfcheck import stream_identifiers

    def opener(name: str) -> Callable[[], BinaryIO]:
        return lambda: _open_read(name, compression)

    try:
        secret = _listed_document(opener(path), standins, scrub, kind)

        def check(tmp: str) -> None:
            left = sorted(stream_identifiers(opener(tmp), among=secret)) if secret else []
            if left:
                raise Incomplete(left)

        with _written(target, check=check) as fh, _compressing(fh, compression) as write:
            redact_document_stream(opener(path), kind, write, standins, scrub)
    except RedactError:
        raise
    except _DAMAGE as exc:
        raise RedactError(f"cannot redact: damaged {compression or 'text'} data ({exc})") from None


def _listed_document(open_input: Callable[[], BinaryIO], standins: StandIns, scrub: bool, kind: str) -> TextSet:
    """The first pass over a streamed document: its identifiers listed (addresses reserved) and
    ``docstream.prepare_stream`` run; the identifiers the output check must not find."""
    from icecheck.redact.docstream import chunks, prepare_stream
    from icecheck.redact.selfcheck import addresses, stream_identifiers, unkept

    before = stream_identifiers(open_input, refuse_nul=True)
    for addr in addresses(before):
        standins.reserve(addr)
    prepare_stream(chunks(open_input), kind, standins, scrub)
    secret = unkept(before, standins.kept)  # bounded in memory (a TextSet), as ``before``
    before.close()
    return secret


def redact_document_stream(
    open_input: Callable[[], BinaryIO], kind: str, write: Callable[[bytes], object], standins: StandIns, scrub: bool
) -> None:
    """The second pass: the document redacted piece by piece to ``write`` (``docstream.redact_stream``)."""
    from icecheck.redact.docstream import chunks, redact_stream

    redact_stream(chunks(open_input), lambda text: write(text.encode("utf-8", "surrogateescape")),
                  kind, standins, scrub)  # fmt: skip


def _larger(open_input: Callable[[], BinaryIO], limit: int) -> bool:
    """The stream holds more than ``limit`` bytes (read through, never held; False when it cannot
    be read: the in-memory path then says what is wrong)."""
    size = 0
    try:
        with open_input() as fh:
            while block := fh.read(1 << 20):
                size += len(block)
                if size > limit:
                    return True
    except RedactError:
        raise
    except _DAMAGE:
        return False
    return False


def document_kind(open_input: Callable[[], BinaryIO], compression: str = "") -> str | None:
    """``json``, ``sip`` or ``text`` when ``formats.detect`` would call the whole stream so (read
    from its head, and past a head of white space only); None for anything else (a capture, an
    archive, compressed data: left to their own paths). ``RedactError`` for binary data."""
    from icecheck.redact.formats import detect

    try:
        with open_input() as fh:
            head = fh.read(HEAD)
            kind = detect(head) if head else "text"
            if kind not in ("json", "sip", "text"):
                return None
            if head.strip() or len(head) < HEAD:
                return kind
            while block := fh.read(HEAD):  # detect looks at the first character that is not white space
                rest = block.lstrip()
                if rest:
                    return "json" if rest[:1] in (b"{", b"[") else "text"
            return "text"
    except RedactError:
        raise
    except _DAMAGE as exc:
        raise RedactError(f"cannot redact: damaged {compression or 'text'} data ({exc})") from None


def _in_memory(data: bytes, target: str, standins: StandIns, scrub: bool) -> str:
    from icecheck.redact.archive import layers
    from icecheck.redact.formats import MAX_INFLATED, redact_document
    from icecheck.redact.selfcheck import identifiers, secret_of, still_in

    layers(data, MAX_INFLATED)  # a bomb or too many layers refused before the check reads through them
    # what the output check looks for; none of the addresses listed may become a stand-in
    secret = secret_of(identifiers(data), standins.kept, standins.reserve)
    out, kind = redact_document(data, standins, scrub)
    left = still_in(secret, out)  # fail closed: the output is checked before it is written
    if left:
        raise Incomplete(left)
    with _written(target) as fh:
        fh.write(out)
    return kind


def _stream_capture(path: str, compression: str, target: str, standins: StandIns, scrub: bool) -> None:
    from icecheck.redact.pcap import redact_stream
    from icecheck.redact.selfcheck import addresses, capture_identifiers, unkept

    def opener(name: str) -> Callable[[], BinaryIO]:
        return lambda: _open_read(name, compression)

    try:
        before = capture_identifiers(opener(path))  # the first pass reads the whole input: damage shows here
    except RedactError:
        raise
    except _DAMAGE as exc:
        raise RedactError(f"cannot redact: damaged {compression or 'capture'} data ({exc})") from None
    for addr in addresses(before):
        standins.reserve(addr)
    secret = unkept(before, standins.kept)
    before.close()
    with (
        _written(target, check=lambda tmp: _check(tmp, compression, secret)) as fh,
        _compressing(fh, compression) as write,
    ):
        redact_stream(opener(path), write, standins, scrub, media_reserved=True)


def _stream_zip(path: str, target: str, standins: StandIns, scrub: bool) -> None:
    """A zip archive, member by member: a capture member is streamed (listed, redacted into the new
    archive and checked without ever being in memory whole), and so is a text member (JSON, SIP,
    SDP, logs: ``docstream``, with the output ``formats.redact_document`` gives); any other member
    (a compressed file, an archive) is redacted in memory (``formats.redact_document``, all of them
    together at most ``formats.MAX_INFLATED``). Every member of the output is checked, deflated or
    not, against every original of the input."""
    from icecheck.redact.docstream import chunks, prepare_stream
    from icecheck.redact.formats import MAX_INFLATED, redact_document
    from icecheck.redact.pcap import redact_stream
    from icecheck.redact.selfcheck import addresses

    try:
        with zipfile.ZipFile(path) as src:
            members = [(info, _member_kind(src, info)) for info in src.infolist()]
            before: set[str] = set()
            for _info, found in _listed(src, members, MAX_INFLATED):
                before |= found
            for addr in addresses(before):
                standins.reserve(addr)
            secret = {i for i in before if not _kept(i, standins)}
            with (
                _written(target, check=lambda tmp: _check_zip(tmp, secret)) as fh,
                zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as dst,  # type: ignore[call-overload]  # a writer
            ):
                for info, kind in members:
                    name = redact_document(info.filename.encode(), standins, scrub)[0] if info.filename else b""
                    new = zipfile.ZipInfo(
                        name.decode("utf-8", "replace"), date_time=info.date_time
                    )  # names hold addresses too
                    new.external_attr, new.compress_type = info.external_attr, zipfile.ZIP_DEFLATED
                    if kind == "pcap":
                        with dst.open(new, "w", force_zip64=True) as out:
                            redact_stream(_member_opener(src, info), out.write, standins, scrub, media_reserved=True)
                    elif kind:  # as formats.redact_document: the first pass, then the redaction, in order
                        prepare_stream(chunks(_member_opener(src, info)), kind, standins, scrub)
                        with dst.open(new, "w", force_zip64=True) as out:
                            redact_document_stream(_member_opener(src, info), kind, out.write, standins, scrub)
                    else:
                        body = _member(src, info)
                        dst.writestr(new, redact_document(body, standins, scrub)[0] if body else b"")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError) as exc:
        raise RedactError(f"cannot redact: damaged zip archive ({exc})") from None


def _member_kind(src: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """``pcap`` for a capture member, ``json``/``sip``/``text`` for a text document (both streamed),
    "" for anything else (a directory, an empty member, compressed data, an archive: in memory).
    An encrypted member is refused."""
    if info.flag_bits & 0x1:
        raise RedactError(f"cannot redact: zip member {info.filename!r} is encrypted")
    if info.is_dir() or not info.file_size:
        return ""
    with src.open(info) as fh:
        if fh.read(4) in PCAP_MAGICS:
            return "pcap"
    return document_kind(_member_opener(src, info)) or ""


def _member_opener(src: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
    return lambda: cast(BinaryIO, src.open(info))


def _member(src: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    body = src.read(info) if not info.is_dir() else b""
    if len(body) != info.file_size:  # a header that lies about the size
        raise RedactError(f"cannot redact: zip member {info.filename!r} is damaged")
    return body


def _listed(
    src: zipfile.ZipFile, members: list[tuple[zipfile.ZipInfo, str]], limit: int, by_record: bool = False
) -> Iterator[tuple[zipfile.ZipInfo, set[str]]]:
    """Each member's identifiers (its name's too): a capture's and a text document's listed as a
    stream, any other's in memory (their sizes together at most ``limit``, else ``RedactError``)."""
    from icecheck.redact.selfcheck import capture_identifiers, identifiers, stream_identifiers

    total = 0
    for info, kind in members:
        found = identifiers(info.filename.encode("utf-8", "surrogateescape"))
        if kind == "pcap":
            listed = capture_identifiers(_member_opener(src, info), by_record=by_record)
            found.update(listed)
            listed.close()
        elif kind:
            listed = stream_identifiers(_member_opener(src, info), refuse_nul=True)
            found.update(listed)
            listed.close()
        elif not info.is_dir():
            total += info.file_size
            if total > limit:
                raise RedactError(f"cannot redact: zip members inflate to more than {limit >> 20} MiB")
            found |= identifiers(_member(src, info))
        yield info, found


def _check_zip(tmp: str, secret: set[str]) -> None:
    """Every member of the written archive (and its name) listed; an original left is ``Incomplete``."""
    if not secret:
        return
    left: set[str] = set()
    with zipfile.ZipFile(tmp) as out:
        members = [(info, _written_kind(out, info)) for info in out.infolist()]
        for _info, found in _listed(out, members, 1 << 62, by_record=True):
            left |= secret & found
    if left:
        raise Incomplete(sorted(left))


def _written_kind(out: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """A member of the written archive: as ``_member_kind``, binary text read in memory (the check
    lists it, it does not refuse it)."""
    try:
        return _member_kind(out, info)
    except RedactError:
        return ""


def _check(tmp: str, compression: str, secret: TextSet) -> None:
    """The written capture listed; an original of ``secret`` left in it is ``Incomplete``."""
    from icecheck.redact.selfcheck import capture_identifiers

    if not secret:
        return
    listed = capture_identifiers(lambda: _open_read(tmp, compression), by_record=True, among=secret)
    left = sorted(listed)
    listed.close()
    if left:
        raise Incomplete(left)


def _kept(identifier: str, standins: StandIns) -> bool:
    from icecheck.redact.selfcheck import is_kept

    return is_kept(identifier, standins.kept)


# -- files ------------------------------------------------------------------------------------------

_COMPRESSIONS = ((b"\x1f\x8b", "gzip"), (b"\xfd7zXZ\x00", "xz"), (b"BZh", "bz2"))


def _compression(path: str) -> str:
    with open(path, "rb") as fh:
        magic = fh.read(6)
    return next((kind for prefix, kind in _COMPRESSIONS if magic.startswith(prefix)), "")


def _read_head(path: str, compression: str) -> bytes:
    """The first ``HEAD`` bytes after decompression (b"" when that already fails: the in-memory
    path then says what is wrong)."""
    try:
        with _open_read(path, compression) as fh:
            return fh.read(HEAD)
    except _DAMAGE:
        return b""


def _open_read(path: str, compression: str) -> BinaryIO:
    if compression in ("gzip", "xz", "bz2"):
        from icecheck.redact.archive import open_gzip

        return open_gzip(path, compression)  # RedactError where it inflates like a bomb
    return open(path, "rb")


@contextmanager
def _compressing(fh: _Target, compression: str) -> Iterator[Callable[[bytes], object]]:
    """A write function into ``fh``, through a compressor when the input was compressed (gzip
    without a name or a time stamp, so the output is reproducible)."""
    if not compression:
        yield fh.write
        return
    z: gzip.GzipFile | lzma.LZMAFile | bz2.BZ2File
    if compression == "gzip":
        z = gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0)
    elif compression == "xz":
        z = lzma.LZMAFile(fh, "wb")  # type: ignore[arg-type]  # noqa: SIM115 - closed below
    else:
        z = bz2.BZ2File(fh, "wb")
    with z:
        yield z.write


class WriteError(Exception):
    """Writing the output failed (``icecheck redact`` says so in one line, exit 2)."""


class _Target:
    """The temporary output file; a failed write is a ``WriteError`` (not a reading error)."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh

    def write(self, data: bytes) -> int:
        try:
            return self._fh.write(data)
        except OSError as exc:
            raise WriteError(exc.strerror or str(exc)) from None

    def flush(self) -> None:
        self.write(b"")


@contextmanager
def _spooled(source: str) -> Iterator[str]:
    """A path holding the input: the file itself, or standard input copied to a temporary file."""
    if source != "-":
        yield source
        return
    fd, path = tempfile.mkstemp(prefix="icecheck-redact-", suffix=".in")
    try:
        with os.fdopen(fd, "wb") as fh:
            shutil.copyfileobj(sys.stdin.buffer, fh, 1 << 20)
        yield path
    finally:
        os.unlink(path)


@contextmanager
def _written(target: str, check: Callable[[str], None] | None = None) -> Iterator[_Target]:
    """A temporary file beside ``target`` (or in the temporary directory, for standard output or a
    device); after the block and ``check(temporary path)`` pass, it replaces ``target`` (or is
    copied to it). On any failure the temporary file is removed and ``target`` left alone."""
    dest = None if target == "-" else Path(target)
    regular = dest is not None and (not dest.exists() or dest.is_file())
    if regular and dest is not None:
        tmp = str(dest.with_name(f".{dest.name}.icecheck-partial"))
    else:
        fd, tmp = tempfile.mkstemp(prefix="icecheck-redact-", suffix=".out")
        os.close(fd)
    try:
        try:
            fh = open(tmp, "wb")  # noqa: SIM115 - closed below, before the check reads it
        except OSError as exc:
            raise WriteError(exc.strerror or str(exc)) from None
        with fh:
            yield _Target(fh)
        if check is not None:
            check(tmp)
        try:
            if regular and dest is not None:
                os.replace(tmp, dest)
                return
            with open(tmp, "rb") as src:
                if dest is None:
                    shutil.copyfileobj(src, sys.stdout.buffer, 1 << 20)
                    sys.stdout.buffer.flush()
                else:
                    with open(dest, "wb") as out:  # a device or pipe is written as it is, never replaced
                        shutil.copyfileobj(src, out, 1 << 20)
        except OSError as exc:
            raise WriteError(exc.strerror or str(exc)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
