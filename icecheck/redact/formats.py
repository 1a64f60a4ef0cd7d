"""Format-aware redaction of whole documents, keeping each format valid.

- gzip (webrtc-internals downloads, RTCStatsDump, ``.pcapng.gz``): undone, the content is
  redacted, the result compressed again.
- pcap/pcapng: ``redact.pcap``.
- JSON (HAR, webrtc-internals, signalling, JSON lines, RTCStatsDump lines): every string
  literal is decoded, redacted as text and encoded again; everything outside string literals
  is kept byte for byte, so formatting survives and escaped SDP inside strings is handled.
- SIP text: ``redact.sip``, each message with its Content-Length recomputed (RFC 3261 §20.14).
- anything else (SDP, logs): text.
In text, base64 wrapped over lines (a MIME body, a SIP body in base64) is rewritten whole in place
(``redact.wrapped``); one that cannot be is refused naming its line (``wrapped.WrappedRefused``).

Text is read as UTF-8 with ``surrogateescape``, so bytes that are not UTF-8 pass unchanged.
"""

from __future__ import annotations

import base64
import io
import json
import re
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from icecheck.redact.archive import MAX_LAYERS, RedactError, TooDeep, too_deep
from icecheck.redact.pcap import redact_capture
from icecheck.redact.sip import SIP_START, redact_sip_text
from icecheck.redact.standins import StandIns
from icecheck.redact.text import learn_secrets, redact_text, scan_originals
from icecheck.redact.wrapped import WrappedRefused

PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")
# A JSON string literal, unrolled and possessive: one alternation per character made ``re`` keep a
# backtracking frame per character (1.4 GB for a 10 MB string).
_STRING = re.compile(r'"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"')


def detect(data: bytes) -> str:
    """gzip, xz, bz2, zip, pcap, json, sip or text; ``RedactError`` for binary data of any other kind."""
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    for magic, kind in _COMPRESSED:
        if data.startswith(magic):
            return kind
    if data[:4] in PCAP_MAGICS:
        return "pcap"
    if b"\x00" in data:  # text never holds NUL (JSON neither): binary data redaction cannot read (fail closed)
        raise RedactError("format not understood: binary data that is not pcap, pcapng, gzip, xz, bzip2 or zip")
    head = data.lstrip()[:1]
    if head in (b"{", b"[") or data.startswith(b"RTCStatsDump"):
        return "json"
    if SIP_START.search(data[:65536].decode("latin-1")):
        return "sip"
    return "text"


_COMPRESSED = ((b"\xfd7zXZ\x00", "xz"), (b"BZh", "bz2"), (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"))
MAX_INFLATED = 256 << 20  # what one compressed input may inflate to; past it redaction refuses (a bomb)


def redact_document(data: bytes, standins: StandIns, scrub: bool = False, depth: int = 0) -> tuple[bytes, str]:
    """``(redacted bytes, detected kind)``; the first pass reserves every original address. ``depth``:
    the compressed or archived layers ``data`` was found in (at most ``archive.MAX_LAYERS``).

    Raises ``RedactError`` for what it cannot read whole (a damaged gzip stream, a bomb, too many layers)."""
    kind = detect(data)
    if kind in ("zip", "gzip", "xz", "bz2") and depth >= MAX_LAYERS:
        raise too_deep()
    if kind == "zip":
        from icecheck.redact.archive import redact_zip

        return redact_zip(
            data, lambda member: redact_document(member, standins, scrub, depth + 1)[0], MAX_INFLATED
        ), kind
    if kind in ("gzip", "xz", "bz2"):
        from icecheck.redact.archive import compress, inflate

        inner, inner_kind = redact_document(inflate(kind, data, MAX_INFLATED), standins, scrub, depth + 1)
        return compress(kind, inner), f"{inner_kind}+{kind}"
    if kind == "pcap":
        try:
            return redact_capture(data, standins, scrub), kind
        except (struct.error, IndexError, ValueError) as exc:
            raise RedactError(f"cannot redact: damaged capture ({exc})") from None
    text = data.decode("utf-8", "surrogateescape")
    prepare(text, standins, scrub)
    try:
        out = _TEXT_KINDS[kind](text, standins, scrub)
    except WrappedRefused as exc:  # named by its line in this text
        raise exc.located(text) from None
    return out.encode("utf-8", "surrogateescape"), kind


def prepare(text: str, standins: StandIns, scrub: bool) -> None:
    """First pass over text: reserve originals (and learn every secret when scrubbing)."""
    scan_originals(text, standins)
    if scrub:
        learn_secrets(text, standins)


def redact_json_text(text: str, standins: StandIns, scrub: bool) -> str:
    """Redact inside every JSON string literal; keep the rest byte for byte."""
    if scrub:  # key-based secrets ("password": "...") are matched on the raw text first
        from icecheck.redact.text import scrub_secrets

        text = scrub_secrets(text, standins)
    out, pos = [], 0
    for m in _STRING.finditer(text):
        # between literals: JSON punctuation, or what is not JSON (a plain log line, a string with a raw
        # newline): redacted as text, so nothing is copied unread
        out.append(redact_text(text[pos : m.start()], standins, scrub))
        out.append(_json_string(m.group(0), standins, scrub))
        pos = m.end()
    out.append(redact_text(text[pos:], standins, scrub))
    return "".join(out)


def _json_string(literal: str, standins: StandIns, scrub: bool) -> str:
    try:
        value = json.loads(literal)
    except ValueError:
        return redact_text(literal, standins, scrub)
    new = _base64_body(value, standins, scrub)
    if new is None:  # opened by a long base64 run that is no body: not read inside (``long_base64``)
        from icecheck.redact.selfcheck import B64_DEPTH

        new = redact_text(value, standins, scrub, B64_DEPTH if long_base64(literal[1:-1]) else 0)
    if new == value:
        return literal
    return json_string(new, literal.isascii(), escapes_solidus(literal))


_LONE = re.compile("[\ud800-\udc7f\udd00-\udfff]")  # surrogates that no undecodable byte stands for


def json_string(value: str, ascii: bool, solidus: bool = False) -> str:
    """``value`` as a JSON string literal in the file's escaping style (``ascii``: escapes only;
    ``solidus``: each ``/`` escaped, ``\\/``, as PHP's and other encoders write it).
    A lone surrogate that a ``\\uD800`` escape gave is escaped again, whatever the style: written as
    it is, it cannot be encoded. Those in U+DC80-U+DCFF stand for undecodable bytes (surrogateescape)
    and are written as they are, giving the bytes back."""
    literal = json.dumps(value, ensure_ascii=ascii or _LONE.search(value) is not None)
    return literal.replace("/", "\\/") if solidus else literal  # no escape json.dumps writes holds a ``/``


_SOLIDUS = re.compile(r"(?<!\\)(?:\\\\)*+\\/")


def escapes_solidus(raw: str) -> bool:
    """The raw JSON text ``raw`` (a literal or a piece of one) holds a ``\\/`` escape."""
    return "\\/" in raw and _SOLIDUS.search(raw) is not None


B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
B64_MARGIN = 1024  # ``docstream`` cuts a long base64 run this many characters (at least) before its end seen so far


def long_base64(raw: str) -> bool:
    """The raw inside of a JSON string literal opens with a run of base64 characters longer than
    ``B64_MARGIN``: a literal ``docstream._Literal`` may cut inside that run. When it is not a body
    (``_base64_body``), the text's base64 pass does not rewrite its runs on either path
    (``text.redact_text`` at ``selfcheck.B64_DEPTH``): pieces of a run cannot be rewritten apart, so
    the whole path does not rewrite them either (the same output; what the check reads in such a run
    is refused, fail closed)."""
    return len(raw) - len(raw.lstrip(B64_CHARS)) > B64_MARGIN


_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


def _base64_body(value: str, standins: StandIns, scrub: bool) -> str | None:
    """A base64 string (a HAR body with ``encoding: base64``) decoded, redacted and encoded again;
    None when ``value`` is not base64, or is base64 of data redaction cannot read (an image, a font, a
    damaged archive) that holds no identifier: kept as it is. Such data that holds one in its
    printable text (the output check's matcher, ``unread_body``) is removed: ``""`` in its place."""
    if len(value) % 4 or not _BASE64.fullmatch(value):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        return None
    if not _readable(raw):
        return unread_body(lambda: io.BytesIO(raw), standins)
    if raw[:4] in PCAP_MAGICS:
        return _base64_capture(raw, standins, scrub)
    if standins.nesting >= MAX_LAYERS:  # a body in a body ...: each level held at once (400 levels: RecursionError)
        raise too_deep("base64 bodies nest in one another")
    standins.nesting += 1
    try:
        new, _ = redact_document(raw, standins, scrub)
    except TooDeep:
        raise
    except RedactError:
        return unread_body(lambda: io.BytesIO(raw), standins)
    finally:
        standins.nesting -= 1
    return base64.b64encode(new).decode("ascii")


REMOVED_BODIES = "base64 bodies removed (data redaction cannot read, with an address, MAC or name in its text)"
UNREAD_BODIES = "base64 bodies removed (data redaction cannot read, compressed past what the check reads)"


def unread_body(open_body: Callable[[], BinaryIO], standins: StandIns) -> str | None:
    """A decoded body redaction cannot read (binary, or refused): None (kept as it is) when the
    output check's liberal matcher finds no identifier in it that must not survive (an image, a
    font); else ``""`` (removed, counted): it cannot be rewritten in place, and copying it would
    leave, say, an address in a binary's strings. Removed too where the matcher cannot read it through
    (gzip inflating past ``selfcheck.MAX_INFLATE``). The matcher reads it one level deeper than the
    output check reads the encoded body, so whatever the check would find here is removed."""
    from icecheck.redact.selfcheck import PastInflateBudget, in_binary, stream_identifiers, unkept

    try:
        found = stream_identifiers(open_body)
    except PastInflateBudget:  # (what it holds past that is not known: removed)
        standins.left_out[UNREAD_BODIES] += 1
        return ""
    try:
        secret = unkept((i for i in found if in_binary(i)), standins.kept)
        try:
            if not len(secret):
                return None
        finally:
            secret.close()
    finally:
        found.close()
    standins.left_out[REMOVED_BODIES] += 1
    return ""


def _base64_capture(raw: bytes, standins: StandIns, scrub: bool) -> str:
    """A capture from a base64 body, redacted as a stream through temporary files (``pcap.redact_stream``:
    its copies are not held in memory beside the document's), then encoded again piece by piece."""
    import tempfile

    from icecheck.redact.pcap import redact_stream

    with tempfile.TemporaryDirectory(prefix="icecheck-redact-") as tmp:
        src, dst = Path(tmp) / "in.pcap", Path(tmp) / "out.pcap"
        src.write_bytes(raw)
        del raw
        with dst.open("wb") as out:
            redact_stream(lambda: src.open("rb"), out.write, standins, scrub)
        parts = []
        with dst.open("rb") as fh:
            while piece := fh.read(3 << 20):  # a multiple of 3 bytes: the pieces' base64 joins
                parts.append(base64.b64encode(piece).decode("ascii"))
    return "".join(parts)


TextFile = Callable[[Path, Path, str], None]  # (decoded text, redacted text, kind): ``docstream`` redacts it


def base64_body_stream(
    pieces: Callable[[], Iterator[str]], write: Callable[[str], object], standins: StandIns, scrub: bool,
    text_file: TextFile,
) -> bool:  # fmt: skip
    """``_base64_body``'s rule for a base64 string too long to hold (``docstream``: a JSON literal past
    ``docstream.MAX_WHOLE``), given as ``pieces()`` (each a multiple of 4 characters, the last one
    with the padding): writes what ``_json_string`` writes (the literal, quotes included), in pieces, through
    temporary files. Binary data redaction cannot read is written unchanged or removed
    (``unread_body``); a capture is redacted by ``pcap.redact_stream`` (as ``_base64_capture``); text
    by ``text_file`` (``docstream``: prepared,
    then redacted, as ``redact_document`` does); a gzip, xz or bzip2 stream inflated to a file (up to ``MAX_INFLATED``),
    its content redacted the same way and compressed again as ``archive.compress`` does; a zip
    archive in memory (``redact_document``). What ``redact_document`` would refuse is written
    unchanged or removed, as ``_base64_body`` does. False, with nothing written,
    when the string does not decode (then it is not base64 for ``_base64_body`` either)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="icecheck-redact-") as tmp:
        raw, out = Path(tmp) / "body", Path(tmp) / "redacted"
        try:
            with raw.open("wb") as fh:
                for piece in pieces():
                    fh.write(base64.b64decode(piece, validate=True))
        except ValueError:
            return False
        with raw.open("rb") as fh:
            head = fh.read(_HEAD)
        if not _readable(head):
            redacted = False  # an image, a font: kept as it is, or removed (``unread_body``)
        elif head[:4] in PCAP_MAGICS:
            from icecheck.redact.pcap import redact_stream

            with out.open("wb") as dst:
                redact_stream(lambda: raw.open("rb"), dst.write, standins, scrub)
            redacted = True
        else:
            redacted = _redact_file(raw, out, standins, scrub, text_file)
        write('"')
        if redacted:
            with out.open("rb") as fh:
                while block := fh.read(3 << 20):  # a multiple of 3 bytes: the pieces' base64 joins
                    write(base64.b64encode(block).decode("ascii"))
        elif unread_body(lambda: raw.open("rb"), standins) is None:  # else removed: ""
            for piece in pieces():
                write(piece)
        write('"')
    return True


_HEAD = 1 << 16  # ``detect`` reads this much (a SIP start line)


def _readable(raw: bytes) -> bool:
    """``_base64_body``'s rule from the first decoded bytes: text, or a format redaction reads (the
    output check's ``is_binary`` rule, which knows gzip and captures, and xz, bzip2 and zip)."""
    from icecheck.redact.selfcheck import is_binary

    return raw.startswith(tuple(m for m, _ in _COMPRESSED)) or not is_binary(raw)


def _redact_file(src: Path, dst: Path, standins: StandIns, scrub: bool, text_file: TextFile, depth: int = 0) -> bool:
    """``redact_document`` of the file ``src`` into ``dst``, in bounded memory but for a zip archive;
    False (``dst`` then means nothing) where ``redact_document`` raises ``RedactError`` (binary data,
    a damaged or too large compressed stream). ``RedactError`` where only the stream cannot (a stretch
    of text with no safe cut past ``docstream.MAX_WHOLE``: refused, fail closed)."""
    with src.open("rb") as fh:
        head = fh.read(_HEAD)
    try:
        kind = detect(head)
    except RedactError:
        return False
    if kind == "pcap":
        from icecheck.redact.pcap import redact_stream as redact_capture_stream

        try:
            with dst.open("wb") as out:
                redact_capture_stream(lambda: src.open("rb"), out.write, standins, scrub)
        except (struct.error, IndexError, ValueError):  # as redact_document: damaged, refused (RedactError too)
            return False
        return True
    if kind == "zip":
        try:
            dst.write_bytes(redact_document(src.read_bytes(), standins, scrub, depth)[0])
        except RedactError:
            return False
        return True
    if kind in ("zip", "gzip", "xz", "bz2") and depth >= MAX_LAYERS:
        return False
    if kind in ("gzip", "xz", "bz2"):
        inner, new = src.with_name(src.name + ".inflated"), src.with_name(src.name + ".inner")
        try:
            if not _inflate_file(kind, src, inner) or not _redact_file(
                inner, new, standins, scrub, text_file, depth + 1
            ):
                return False
            compress_file(kind, new, dst)
        finally:
            inner.unlink(missing_ok=True)
            new.unlink(missing_ok=True)
        return True
    kind = _whole_kind(src, head, kind)
    if kind != "json" and _holds_nul(src):  # ``detect``: text never holds NUL
        return False
    text_file(src, dst, kind)
    return True


def _whole_kind(src: Path, head: bytes, kind: str) -> str:
    """``detect``'s kind of the whole file from ``kind``, its head's: past a head of white space only,
    the first other character says JSON or text."""
    if head.strip() or len(head) < _HEAD:
        return kind
    with src.open("rb") as fh:
        fh.seek(len(head))
        while block := fh.read(_HEAD):
            rest = block.lstrip()
            if rest:
                return "json" if rest[:1] in (b"{", b"[") else "text"
    return kind


def _holds_nul(path: Path) -> bool:
    with path.open("rb") as fh:
        return any(b"\x00" in block for block in iter(lambda: fh.read(1 << 20), b""))


def _inflate_file(kind: str, src: Path, dst: Path) -> bool:
    """``archive.inflate`` into a file: False where it raises (damaged, or past ``MAX_INFLATED``); a
    bomb is refused (``archive.bomb``)."""
    import lzma
    import zlib

    from icecheck.redact.archive import open_gzip

    size = 0
    try:
        with open_gzip(src, kind) as fh, dst.open("wb") as out:  # RedactError where it inflates like a bomb
            while block := fh.read(1 << 20):
                size += len(block)
                if size > MAX_INFLATED:
                    return False
                out.write(block)
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
        return False
    return True


def compress_file(kind: str, src: Path, dst: Path) -> None:
    """``archive.compress`` as a stream, the same bytes (gzip: ``gzip.compress``'s header, raw deflate
    at level 9 fed in pieces, CRC-32 and length)."""
    import bz2
    import lzma
    import zlib

    with dst.open("wb") as out, src.open("rb") as fh:
        if kind == "gzip":
            import gzip

            out.write(gzip.compress(b"", mtime=0)[:10])  # the header it writes (no name, no time stamp)
            z = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
            crc, size = 0, 0
            while block := fh.read(1 << 20):
                crc, size = zlib.crc32(block, crc), size + len(block)
                out.write(z.compress(block))
            out.write(z.flush() + struct.pack("<LL", crc, size & 0xFFFFFFFF))
            return
        c = lzma.LZMACompressor() if kind == "xz" else bz2.BZ2Compressor()
        while block := fh.read(1 << 20):
            out.write(c.compress(block))
        out.write(c.flush())


_TEXT_KINDS: dict[str, Callable[[str, StandIns, bool], str]] = {
    "json": redact_json_text,
    "sip": redact_sip_text,
    "text": redact_text,
}
