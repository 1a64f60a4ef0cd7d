"""One redaction run from a file to a file: all or nothing, checked before anything is kept.

``redact_file(source, target, standins, scrub)``:
- a pcap/pcapng capture, bare or inside gzip, xz or bzip2, is streamed (bounded memory whatever its
  size): its identifiers are listed (``selfcheck.capture_identifiers``) and reserved, it is
  redacted record by record (``pcap.redact_stream``, compressed again on the fly when it was) into
  a temporary file beside the target, the output is listed the same way, and only when no
  original survives is the temporary file renamed over the target (or copied to standard output);
- a zip archive is read member by member (``_stream_zip``): capture and text members are streamed
  as above, into the new archive; a member that is compressed data or an archive is inflated into a
  private temporary file and redacted by this same function (``_redact``), its output stored as
  the member; every original of every member, through every layer, is listed (into a bounded
  ``TextSet``) and reserved before any stand-in is chosen, and every output member is checked;
- compressed data that holds compressed data or a zip archive (a ``.gz.gz``, a ``.zip.gz``) is
  inflated one layer into a temporary file, redacted by this same function and compressed again
  (``_redact_layer``);
- a text document (JSON, SIP, SDP, logs) larger than ``STREAM_DOCUMENT`` (4 MiB) is streamed too
  (``docstream``: listed, prepared and redacted piece by piece into the temporary file, which is
  then listed as a stream), with the output ``formats.redact_document`` gives;
- anything else (smaller text, JSON, compressed or not) is redacted in memory by
  ``formats.redact_document`` and checked the same way.
A compressed capture has no inflation limit: it never sits in memory; a gzip stream that inflates like
a decompression bomb is refused wherever it is read (``archive.open_gzip``, ``archive.inflate``), and so
is data compressed or archived more than ``archive.MAX_LAYERS`` layers deep. What nested layers are
inflated into temporary files is bounded in all by ``formats.MAX_INFLATED`` (``Spool``: a zip of
nested zips is refused). Standard input is
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
import io
import lzma
import os
import shutil
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from icecheck.inputs.source import CountingReader
from icecheck.inputs.table import TextSet
from icecheck.inputs.textenc import Wide, wide
from icecheck.redact.archive import MAX_LAYERS, RedactError, too_deep
from icecheck.redact.selfcheck import PCAP_MAGICS
from icecheck.redact.standins import StandIns

if TYPE_CHECKING:
    from icecheck.redact.progress import Watch

HEAD = 1 << 16  # bytes read (after decompression) to tell what the input is
_DAMAGE = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)


class Incomplete(Exception):
    """Original identifiers would survive: nothing was written. ``left`` names them."""

    def __init__(self, left: list[str]) -> None:
        super().__init__(", ".join(left))
        self.left = left


def redact_file(source: str, target: str, standins: StandIns, scrub: bool, watch: Watch | None = None) -> str:
    """Redact ``source`` (``-``: standard input) to ``target`` (``-``: standard output); the kind
    redacted (``pcap``, ``pcapng``, ``pcap+gzip``, ``sip``, ...). ``watch`` hears of each pass over
    the input and the output, and of the bytes each reads (``progress``)."""
    from icecheck.redact import formats

    with _spooled(source, watch) as path:
        return _redact(path, target, standins, scrub, Spool(formats.MAX_INFLATED), 0, watch)


def _redact(
    path: str, target: str, standins: StandIns, scrub: bool, spool: Spool, depth: int, watch: Watch | None = None
) -> str:
    """``redact_file`` of a path found inside ``depth`` compressed or archived layers (0: the input);
    ``watch``: the input's passes (a nested layer's are not counted: it says what it is doing)."""
    compression = _compression(path)
    head = _read_head(path, compression)
    if depth >= MAX_LAYERS and (compression or head[:4] in _ZIP_MAGICS):
        raise too_deep()
    if head[:4] in PCAP_MAGICS:
        _stream_capture(path, compression, target, standins, scrub, watch)
        label = "pcapng" if head[:4] == b"\x0a\x0d\x0d\x0a" else "pcap"  # the Section Header Block's type
        return label + (f"+{compression}" if compression else "")
    if not compression and head[:4] in _ZIP_MAGICS:
        _stream_zip(path, target, standins, scrub, spool, depth, watch)
        return "zip"
    if compression and _container(head):
        return _redact_layer(path, compression, target, standins, scrub, spool, depth, watch)
    found = wide(head)
    if found is not None:  # UTF-16 or UTF-32 text: redacted as UTF-8, written back as it was
        if compression:
            raise RedactError(
                f"cannot redact: {found.encoding.upper()} text inside {compression} "
                "(decompress it, then redact the text)"
            )
        return _redact_wide(path, found, target, standins, scrub, watch)
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
            _stream_document(path, kind, target, standins, scrub, compression, watch)
            return kind + (f"+{compression}" if compression else "")
    return _in_memory(Path(path).read_bytes(), target, standins, scrub, watch)


# A text document larger than this is redacted as a stream (``docstream``): the output check lists one
# held in memory whole up to ``selfcheck.LISTED_WHOLE`` (4 MiB), and its identifiers as a set: 16 MB of
# distinct IPv6 addresses, one a line, peaked at 426 MB held so (16 MiB was the limit), 80 MB streamed.
STREAM_DOCUMENT = 4 << 20


def _redact_wide(path: str, found: Wide, target: str, standins: StandIns, scrub: bool, watch: Watch | None) -> str:
    """Text in UTF-16 or UTF-32 (``inputs.textenc``): decoded strictly into a temporary UTF-8 file,
    redacted and checked as any text (``redact_file``), and the output encoded back as the input was
    (the same encoding and byte-order mark). Invalid text, or a NUL character (text in the text),
    is refused: what cannot be decoded cannot be checked."""
    with tempfile.TemporaryDirectory(prefix="icecheck-redact-") as tmp:
        plain, out = os.path.join(tmp, "in.txt"), os.path.join(tmp, "out.txt")
        _begin(watch, f"decoding {found.encoding.upper()}")
        _transcode(path, plain, found)
        kind = redact_file(plain, out, standins, scrub, watch)
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


def _stream_document(
    path: str,
    kind: str,
    target: str,
    standins: StandIns,
    scrub: bool,
    compression: str = "",
    watch: Watch | None = None,
) -> None:
    """A large JSON, SIP or text document (inflated on the fly when compressed, and compressed again
    on the way out): listed, prepared, redacted and checked as streams (``docstream``,
    ``selfcheck.stream_identifiers``), with the same output as ``_in_memory``."""
    from icecheck.redact.docstream import chunks, prepare_stream
    from icecheck.redact.selfcheck import addresses, stream_identifiers, unkept

    def opener(name: str, what: str) -> Callable[[], BinaryIO]:
        return _passes(name, compression, watch, what)

    try:
        before = stream_identifiers(opener(path, LISTING), refuse_nul=True)
        for addr in addresses(before):
            standins.reserve(addr)
        prepare_stream(chunks(opener(path, "preparing")), kind, standins, scrub)
        secret = unkept(before, standins.kept)  # bounded in memory (a TextSet), as ``before``
        before.close()

        def check(tmp: str) -> None:
            left = sorted(stream_identifiers(opener(tmp, CHECKING), among=secret)) if secret else []
            if left:
                raise Incomplete(left)

        with _written(target, check=check) as fh, _compressing(fh, compression) as write:
            redact_document_stream(opener(path, REWRITING), kind, write, standins, scrub)
    except RedactError:
        raise
    except _DAMAGE as exc:
        raise RedactError(f"cannot redact: damaged {compression or 'text'} data ({exc})") from None


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


def _in_memory(data: bytes, target: str, standins: StandIns, scrub: bool, watch: Watch | None = None) -> str:
    from icecheck.redact.archive import layers
    from icecheck.redact.formats import MAX_INFLATED, redact_document
    from icecheck.redact.selfcheck import identifiers, secret_of, still_in

    layers(data, MAX_INFLATED)  # a bomb or too many layers refused before the check reads through them
    # what the output check looks for; none of the addresses listed may become a stand-in
    _begin(watch, LISTING)
    secret = secret_of(identifiers(data), standins.kept, standins.reserve)
    _begin(watch, REWRITING)
    out, kind = redact_document(data, standins, scrub)
    _begin(watch, CHECKING)
    left = still_in(secret, out)  # fail closed: the output is checked before it is written
    if left:
        raise Incomplete(left)
    with _written(target) as fh:
        fh.write(out)
    return kind


def _stream_capture(
    path: str, compression: str, target: str, standins: StandIns, scrub: bool, watch: Watch | None = None
) -> None:
    from icecheck.redact.pcap import redact_stream
    from icecheck.redact.selfcheck import addresses, capture_identifiers, unkept

    try:
        # the first pass reads the whole input: damage shows here
        before = capture_identifiers(_passes(path, compression, watch, LISTING))
    except RedactError:
        raise
    except _DAMAGE as exc:
        raise RedactError(f"cannot redact: damaged {compression or 'capture'} data ({exc})") from None
    for addr in addresses(before):
        standins.reserve(addr)
    secret = unkept(before, standins.kept)
    before.close()
    with (
        _written(target, check=lambda tmp: _check(tmp, compression, secret, watch)) as fh,
        _compressing(fh, compression) as write,
    ):
        redact_stream(_passes(path, compression, watch, REWRITING), write, standins, scrub, media_reserved=True)


class Spool:
    """The bytes that nested layers (a compressed stream inside another, a compressed or archived zip
    member) may still be inflated into temporary files during one run, all of them together: past
    ``formats.MAX_INFLATED`` the input is refused as a bomb would be (``RedactError``). Every layer
    is counted each time it is spooled (a zip's members once for both its passes)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, size: int, what: str) -> None:
        self.left -= size
        if self.left < 0:
            raise RedactError(
                f"cannot redact: nested compressed or archived data inflates to more than {self.limit >> 20} MiB "
                f"in all (at {what}); decompress or unzip it and redact what is inside"
            )


_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def _container(head: bytes) -> bool:
    """``head`` (what a compressed stream inflates to) is compressed again, or a zip archive."""
    return head[:4] in _ZIP_MAGICS or any(head.startswith(magic) for magic, _kind in _COMPRESSIONS)


def _redact_layer(
    path: str,
    compression: str,
    target: str,
    standins: StandIns,
    scrub: bool,
    spool: Spool,
    depth: int,
    watch: Watch | None = None,
) -> str:
    """Compressed data that holds compressed data or a zip archive: one layer inflated (streamed,
    ``archive.open_gzip``'s guard, counted in ``spool``) into a private temporary file, that file
    redacted by ``_redact`` itself (which streams what is large and checks its own output), and the
    output compressed again as ``formats.redact_document`` compresses (the same bytes)."""
    from icecheck.redact.formats import compress_file

    with tempfile.TemporaryDirectory(prefix="icecheck-redact-") as tmp:
        inner, out, packed = (os.path.join(tmp, name) for name in ("inner", "out", "packed"))
        _inflate_to(_passes(path, compression, watch, f"inflating {compression}"), inner, spool, f"{compression} data")
        _begin(watch, f"redacting inside {compression}")
        kind = _redact(inner, out, standins, scrub, spool, depth + 1)
        os.unlink(inner)
        compress_file(compression, Path(out), Path(packed))
        os.unlink(out)
        with _written(target) as fh, open(packed, "rb") as src:
            while block := src.read(1 << 20):
                fh.write(block)
    return f"{kind}+{compression}"


def _inflate_to(open_input: Callable[[], BinaryIO], dest: str, spool: Spool, what: str) -> None:
    """One layer of compressed data written to ``dest`` as it inflates; ``RedactError`` when damaged,
    a bomb (``archive.open_gzip``) or past what ``spool`` allows."""
    try:
        with open_input() as fh, open(dest, "wb") as out:
            while block := fh.read(1 << 20):
                spool.take(len(block), what)
                out.write(block)
    except RedactError:
        raise
    except _DAMAGE as exc:
        raise RedactError(f"cannot redact: damaged {what} ({exc})") from None


def _stream_zip(
    path: str,
    target: str,
    standins: StandIns,
    scrub: bool,
    spool: Spool,
    depth: int = 0,
    watch: Watch | None = None,
) -> None:
    """A zip archive, member by member: a capture member is streamed (listed, redacted into the new
    archive and checked without ever being in memory whole), and so is a text member (JSON, SIP,
    SDP, logs: ``docstream``, with the output ``formats.redact_document`` gives). A member that is
    compressed data or an archive is inflated into a temporary file (``Spool``) and redacted by
    ``_redact`` itself, its output stored as the new member. Every original of every member, nested
    ones too, is listed (into a ``TextSet``) and reserved before any stand-in is chosen; every
    member of the output is checked, deflated or not, against the originals (``_check_zip``)."""
    from icecheck.redact.docstream import chunks, prepare_stream
    from icecheck.redact.formats import redact_document
    from icecheck.redact.pcap import redact_stream
    from icecheck.redact.selfcheck import addresses, unkept

    try:
        with zipfile.ZipFile(path) as src, tempfile.TemporaryDirectory(prefix="icecheck-redact-") as tmp:
            members = [(info, _member_kind(src, info)) for info in src.infolist()]
            _count_streamed(members, spool, depth)
            spooled = [os.path.join(tmp, f"member{n}") for n in range(len(members))]
            before = TextSet()
            try:
                for n, ((info, kind), at) in enumerate(zip(members, spooled, strict=True), 1):
                    _begin(watch, f"{LISTING}: member {n} of {len(members)}")
                    if kind == "nested":
                        _spool_member(src, info, at, spool)
                    _list_member(src, info, kind, at, before, spool, depth)
                for addr in addresses(before):
                    standins.reserve(addr)
                secret = unkept(before, standins.kept)
            finally:
                before.close()
            try:
                with (
                    _written(target, check=lambda out: _check_zip(out, secret, depth, watch)) as fh,
                    zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as dst,  # type: ignore[call-overload]  # a writer
                ):
                    for n, ((info, kind), at) in enumerate(zip(members, spooled, strict=True), 1):
                        _begin(watch, f"{REWRITING}: member {n} of {len(members)}")
                        name = redact_document(info.filename.encode(), standins, scrub)[0] if info.filename else b""
                        new = zipfile.ZipInfo(
                            name.decode("utf-8", "replace"), date_time=info.date_time
                        )  # names hold addresses too
                        new.external_attr, new.compress_type = info.external_attr, zipfile.ZIP_DEFLATED
                        if kind == "pcap":
                            with dst.open(new, "w", force_zip64=True) as out:
                                redact_stream(
                                    _member_opener(src, info), out.write, standins, scrub, media_reserved=True
                                )
                        elif kind == "nested":
                            redacted = at + ".out"
                            # counted in ``spool`` by the first pass, through every layer: its own run
                            # (which lists it again) has a ``Spool`` of its own
                            _redact(at, redacted, standins, scrub, Spool(spool.limit), depth + 1)
                            os.unlink(at)
                            new.file_size = os.path.getsize(redacted)  # as ``writestr`` sets it: the same bytes
                            with dst.open(new, "w") as out, open(redacted, "rb") as body:
                                shutil.copyfileobj(body, out, 1 << 20)
                            os.unlink(redacted)
                        elif kind:  # as formats.redact_document: the first pass, then the redaction, in order
                            prepare_stream(chunks(_member_opener(src, info)), kind, standins, scrub)
                            with dst.open(new, "w", force_zip64=True) as out:
                                redact_document_stream(_member_opener(src, info), kind, out.write, standins, scrub)
                        else:  # a directory or an empty member
                            dst.writestr(new, b"")
            finally:
                secret.close()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError) as exc:
        raise RedactError(f"cannot redact: damaged zip archive ({exc})") from None


def _member_kind(src: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """``pcap`` for a capture member, ``json``/``sip``/``text`` for a text document (both streamed),
    ``nested`` for compressed data or an archive (spooled to a file), "" for a directory or an empty
    member. An encrypted member is refused, and so is binary data (``formats.detect``)."""
    if info.flag_bits & 0x1:
        raise RedactError(f"cannot redact: zip member {info.filename!r} is encrypted")
    if info.is_dir() or not info.file_size:
        return ""
    with src.open(info) as fh:
        magic = fh.read(6)
    if magic[:4] in PCAP_MAGICS:
        return "pcap"
    if _container(magic):
        return "nested"
    return document_kind(_member_opener(src, info)) or ""


def _count_streamed(members: list[tuple[zipfile.ZipInfo, str]], spool: Spool, depth: int) -> None:
    """A zip archive found inside another layer: its streamed members' sizes (as their headers give
    them; ``zipfile`` reads no more) counted in ``spool`` before any is read, as the nested ones are
    when spooled: a zip of zips of large text members (a bomb of nested zips) is refused from its
    headers. A zip at the top is read as a stream whatever its size."""
    if depth:
        streamed = sum(info.file_size for info, kind in members if kind != "nested")
        spool.take(streamed, "a zip archive inside another layer")


def _member_opener(src: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
    return lambda: cast(BinaryIO, src.open(info))


def _spool_member(src: zipfile.ZipFile, info: zipfile.ZipInfo, dest: str, spool: Spool) -> None:
    """A member inflated into the file ``dest`` (counted in ``spool``: refused past it before it is
    read when its header says so); ``RedactError`` where the header lies about its size."""
    what = f"zip member {info.filename!r}"
    if info.file_size > spool.left:
        spool.take(info.file_size, what)
    size = 0
    with src.open(info) as fh, open(dest, "wb") as out:
        while block := fh.read(1 << 20):
            spool.take(len(block), what)
            size += len(block)
            out.write(block)
    if size != info.file_size:
        raise RedactError(f"cannot redact: {what} is damaged")


def _list_member(
    src: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    kind: str,
    spooled: str,
    found: TextSet,
    spool: Spool,
    depth: int,
    among: Collection[str] | None = None,
) -> None:
    """A member's identifiers (its name's too) into ``found``, each listed as a stream: a capture's,
    a text document's, and those of a nested member through every layer (from ``spooled``, the file
    it was inflated into: ``_listed_file``). ``among`` (the output check): only those, binary
    members read as any data (not refused)."""
    from icecheck.redact.selfcheck import capture_identifiers, identifiers, stream_identifiers

    name = identifiers(info.filename.encode("utf-8", "surrogateescape"), among=among)
    found.update(name if among is None else (i for i in name if i in among))
    output = among is not None
    if kind == "pcap":
        listed = capture_identifiers(_member_opener(src, info), by_record=output, among=among)
    elif kind == "nested":
        listed = _listed_file(spooled, spool, depth + 1, among)
    elif kind:
        listed = stream_identifiers(_member_opener(src, info), refuse_nul=not output, among=among)
    else:
        return
    found.update(listed)
    listed.close()


def _listed_file(path: str, spool: Spool, depth: int, among: Collection[str] | None = None) -> TextSet:
    """The identifiers of a file found ``depth`` layers down, through every layer, each listed as a
    stream (a nested layer spooled to a temporary file, counted in ``spool``). ``among``: the
    output check (only those; a capture read record by record; binary data not refused)."""
    from icecheck.redact.selfcheck import capture_identifiers, stream_identifiers

    compression = _compression(path)
    head = _read_head(path, compression)
    if depth >= MAX_LAYERS and (compression or head[:4] in _ZIP_MAGICS):
        raise too_deep()

    def opener() -> BinaryIO:
        return _open_read(path, compression)

    try:
        if head[:4] in PCAP_MAGICS:
            return capture_identifiers(opener, by_record=among is not None, among=among)
        if not compression and head[:4] in _ZIP_MAGICS:
            return _listed_zip(path, spool, depth, among)
        if compression and _container(head):
            with tempfile.TemporaryDirectory(prefix="icecheck-redact-") as tmp:
                inner = os.path.join(tmp, "inner")
                _inflate_to(opener, inner, spool, f"{compression} data")
                return _listed_file(inner, spool, depth + 1, among)
        return stream_identifiers(opener, refuse_nul=among is None, among=among)
    except RedactError:
        raise
    except _DAMAGE as exc:
        raise RedactError(f"cannot redact: damaged {compression or 'nested'} data ({exc})") from None


def _listed_zip(path: str, spool: Spool, depth: int, among: Collection[str] | None = None) -> TextSet:
    """``_listed_file`` of a zip archive: every member's identifiers (and its name's)."""
    found = TextSet()
    try:
        with zipfile.ZipFile(path) as src, tempfile.TemporaryDirectory(prefix="icecheck-redact-") as tmp:
            infos = src.infolist()
            kinds = [_member_kind(src, info) if among is None else _written_kind(src, info) for info in infos]
            _count_streamed(list(zip(infos, kinds, strict=True)), spool, depth)
            for n, (info, kind) in enumerate(zip(infos, kinds, strict=True)):
                at = os.path.join(tmp, f"member{n}")
                if kind == "nested":
                    _spool_member(src, info, at, spool)
                _list_member(src, info, kind, at, found, spool, depth, among)
                if kind == "nested":
                    os.unlink(at)
    except BaseException:
        found.close()
        raise
    return found


def _check_zip(tmp: str, secret: Collection[str], depth: int = 0, watch: Watch | None = None) -> None:
    """Every member of the written archive (and its name) listed through every layer (a nested
    member spooled again, with its own ``Spool``: the output is redaction's own); an original left
    is ``Incomplete``."""
    from icecheck.redact import formats

    if not secret:
        return
    _begin(watch, CHECKING)
    listed = _listed_zip(tmp, Spool(2 * formats.MAX_INFLATED), depth, among=secret)
    left = sorted(listed)
    listed.close()
    if left:
        raise Incomplete(left)


def _written_kind(out: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """A member of the written archive: as ``_member_kind``, binary data ``binary`` (the check
    lists it as a stream, it does not refuse it)."""
    try:
        return _member_kind(out, info)
    except RedactError:
        return "binary"


def _check(tmp: str, compression: str, secret: TextSet, watch: Watch | None = None) -> None:
    """The written capture listed; an original of ``secret`` left in it is ``Incomplete``."""
    from icecheck.redact.selfcheck import capture_identifiers

    if not secret:
        return
    listed = capture_identifiers(_passes(tmp, compression, watch, CHECKING), by_record=True, among=secret)
    left = sorted(listed)
    listed.close()
    if left:
        raise Incomplete(left)


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


def _open_read(path: str, compression: str, seen: Callable[[int], None] | None = None) -> BinaryIO:
    """``path`` opened, inflated when compressed; ``seen`` hears of the bytes read of the file as stored."""
    stored = open(path, "rb")  # noqa: SIM115 - closed with the reader returned
    if seen is not None:
        stored = io.BufferedReader(CountingReader(stored, lambda nbytes, _packets, _items: seen(nbytes)))
    if compression in ("gzip", "xz", "bz2"):
        from icecheck.redact.archive import open_gzip

        return open_gzip(stored, compression)  # RedactError where it inflates like a bomb
    return stored


# What a redaction is doing, as ``progress`` shows it
LISTING, REWRITING, CHECKING = "listing originals", "rewriting", "checking the output"


def _passes(path: str, compression: str, watch: Watch | None, what: str) -> Callable[[], BinaryIO]:
    """An opener of ``path`` (inflated when compressed) whose every opening is a pass that ``watch``
    hears of, with the bytes read of the file as stored (compressed ones for a compressed file)."""
    if watch is None:
        return lambda: _open_read(path, compression)
    seen = watch

    def opened() -> BinaryIO:
        seen.begin(what, os.path.getsize(path))
        return _open_read(path, compression, seen.advance)

    return opened


def _begin(watch: Watch | None, what: str) -> None:
    """A stage whose bytes are not counted (a document held in memory, an archive's member)."""
    if watch is not None:
        watch.begin(what, None)


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
def _spooled(source: str, watch: Watch | None = None) -> Iterator[str]:
    """A path holding the input: the file itself, or standard input copied to a temporary file."""
    if source != "-":
        yield source
        return
    fd, path = tempfile.mkstemp(prefix="icecheck-redact-", suffix=".in")
    try:
        _begin(watch, "reading standard input")
        with os.fdopen(fd, "wb") as fh:
            while block := sys.stdin.buffer.read(1 << 20):
                fh.write(block)
                if watch is not None:
                    watch.advance(len(block))
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
