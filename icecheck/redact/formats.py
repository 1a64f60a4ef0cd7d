"""Format-aware redaction of whole documents, keeping each format valid.

- gzip (webrtc-internals downloads, RTCStatsDump, ``.pcapng.gz``): undone, the content is
  redacted, the result compressed again.
- pcap/pcapng: ``redact.pcap``.
- JSON (HAR, webrtc-internals, signalling, JSON lines, RTCStatsDump lines): every string
  literal is decoded, redacted as text and encoded again; everything outside string literals
  is kept byte for byte, so formatting survives and escaped SDP inside strings is handled.
- SIP text: ``redact.sip``, each message with its Content-Length recomputed (RFC 3261 §20.14).
- anything else (SDP, logs): text.

Text is read as UTF-8 with ``surrogateescape``, so bytes that are not UTF-8 pass unchanged.
"""

from __future__ import annotations

import base64
import json
import re
import struct
from collections.abc import Callable

from icecheck.redact.archive import RedactError
from icecheck.redact.pcap import redact_capture
from icecheck.redact.sip import SIP_START, redact_sip_text
from icecheck.redact.standins import StandIns
from icecheck.redact.text import learn_secrets, redact_text, scan_originals

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
    head = data.lstrip()[:1]
    if head in (b"{", b"[") or data.startswith(b"RTCStatsDump"):
        return "json"
    if b"\x00" in data:  # text never holds NUL: binary data redaction cannot read (fail closed)
        raise RedactError("format not understood: binary data that is not pcap, pcapng, gzip, xz, bzip2 or zip")
    if SIP_START.search(data[:65536].decode("latin-1")):
        return "sip"
    return "text"


_COMPRESSED = ((b"\xfd7zXZ\x00", "xz"), (b"BZh", "bz2"), (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"))
MAX_INFLATED = 256 << 20  # what one compressed input may inflate to; past it redaction refuses (a bomb)


def redact_document(data: bytes, standins: StandIns, scrub: bool = False) -> tuple[bytes, str]:
    """``(redacted bytes, detected kind)``; the first pass reserves every original address.

    Raises ``RedactError`` for what it cannot read whole (a damaged gzip stream)."""
    kind = detect(data)
    if kind == "zip":
        from icecheck.redact.archive import redact_zip

        return redact_zip(data, lambda member: redact_document(member, standins, scrub)[0], MAX_INFLATED), kind
    if kind in ("gzip", "xz", "bz2"):
        from icecheck.redact.archive import compress, inflate

        inner, inner_kind = redact_document(inflate(kind, data, MAX_INFLATED), standins, scrub)
        return compress(kind, inner), f"{inner_kind}+{kind}"
    if kind == "pcap":
        try:
            return redact_capture(data, standins, scrub), kind
        except (struct.error, IndexError, ValueError) as exc:
            raise RedactError(f"cannot redact: damaged capture ({exc})") from None
    text = data.decode("utf-8", "surrogateescape")
    prepare(text, standins, scrub)
    out = _TEXT_KINDS[kind](text, standins, scrub)
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
    new = _base64_body(value, standins, scrub) or redact_text(value, standins, scrub)
    if new == value:
        return literal
    return json.dumps(new, ensure_ascii=literal.isascii())  # keep the file's escaping style


_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


def _base64_body(value: str, standins: StandIns, scrub: bool) -> str | None:
    """A base64 string (a HAR body with ``encoding: base64``) decoded, redacted and encoded again;
    None when ``value`` is not base64 of text or of a format redaction reads (a capture, an archive,
    compressed data: these were taken for images and kept as they were)."""
    if len(value) % 4 or not _BASE64.fullmatch(value):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        return None
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in raw[:4096])
    readable = raw[:2] == b"\x1f\x8b" or raw[:4] in PCAP_MAGICS or raw.startswith(tuple(m for m, _ in _COMPRESSED))
    if not readable and printable < 0.9 * min(len(raw), 4096):
        return None  # an image, a font: binary redaction cannot read stays as it is (the check sees into it)
    if raw[:4] in PCAP_MAGICS:
        return _base64_capture(raw, standins, scrub)
    try:
        new, _ = redact_document(raw, standins, scrub)
    except RedactError:
        return None
    return base64.b64encode(new).decode("ascii")


def _base64_capture(raw: bytes, standins: StandIns, scrub: bool) -> str:
    """A capture from a base64 body, redacted as a stream through temporary files (``pcap.redact_stream``:
    its copies are not held in memory beside the document's), then encoded again piece by piece."""
    import tempfile
    from pathlib import Path

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


_TEXT_KINDS: dict[str, Callable[[str, StandIns, bool], str]] = {
    "json": redact_json_text,
    "sip": redact_sip_text,
    "text": redact_text,
}
