"""Format-aware redaction of whole documents, keeping each format valid.

- gzip (webrtc-internals downloads, RTCStatsDump, ``.pcapng.gz``): undone, the content is
  redacted, the result compressed again.
- pcap/pcapng: ``redact.pcap``.
- JSON (HAR, webrtc-internals, signalling, JSON lines, RTCStatsDump lines): every string
  literal is decoded, redacted as text and encoded again; everything outside string literals
  is kept byte for byte, so formatting survives and escaped SDP inside strings is handled.
- SIP text: each message is redacted and its Content-Length recomputed (RFC 3261 §20.14).
- anything else (SDP, logs): text.

Text is read as UTF-8 with ``surrogateescape``, so bytes that are not UTF-8 pass unchanged.
"""

from __future__ import annotations

import gzip
import json
import re
import struct
import zlib
from collections.abc import Callable

from icecheck.redact.standins import StandIns
from icecheck.redact.text import redact_text, scan_originals, ufrags

PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_SIP_START = re.compile(r"^(?:[A-Z][A-Z0-9_.!%*+`'~-]* \S+ SIP/2\.0|SIP/2\.0 \d{3}\b)", re.M)
_CONTENT_LENGTH = re.compile(r"^(Content-Length|l)([ \t]*:[ \t]*)(\d+)", re.M | re.I)
_HEAD_END = re.compile(r"\r?\n\r?\n")


def detect(data: bytes) -> str:
    """gzip, pcap, json, sip or text."""
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if data[:4] in PCAP_MAGICS:
        return "pcap"
    head = data.lstrip()[:1]
    if head in (b"{", b"[") or data.startswith(b"RTCStatsDump"):
        return "json"
    if _SIP_START.search(data[:65536].decode("latin-1")):
        return "sip"
    return "text"


class RedactError(ValueError):
    """The input cannot be redacted as a whole: nothing may be written (fail closed)."""


def redact_document(data: bytes, standins: StandIns, scrub: bool = False) -> tuple[bytes, str]:
    """``(redacted bytes, detected kind)``; the first pass reserves every original address.

    Raises ``RedactError`` for what it cannot read whole (a damaged gzip stream)."""
    kind = detect(data)
    if kind == "gzip":
        try:
            plain = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise RedactError(f"cannot redact: damaged gzip data ({exc})") from None
        inner, inner_kind = redact_document(plain, standins, scrub)
        return gzip.compress(inner, mtime=0), f"{inner_kind}+gzip"
    if kind == "pcap":
        from icecheck.redact.pcap import redact_capture

        try:
            return redact_capture(data, standins, scrub), kind
        except (struct.error, IndexError, ValueError) as exc:
            raise RedactError(f"cannot redact: damaged capture ({exc})") from None
    text = data.decode("utf-8", "surrogateescape")
    prepare(text, standins, scrub)
    out = _TEXT_KINDS[kind](text, standins, scrub)
    return out.encode("utf-8", "surrogateescape"), kind


def prepare(text: str, standins: StandIns, scrub: bool) -> None:
    """First pass over text: reserve originals (and learn ufrags when scrubbing)."""
    scan_originals(text, standins)
    if scrub:
        for ufrag in ufrags(text):
            standins.secret(ufrag)


def redact_json_text(text: str, standins: StandIns, scrub: bool) -> str:
    """Redact inside every JSON string literal; keep the rest byte for byte."""
    if scrub:  # key-based secrets ("password": "...") are matched on the raw text first
        from icecheck.redact.text import scrub_secrets

        text = scrub_secrets(text, standins)
    return _STRING.sub(lambda m: _json_string(m.group(0), standins, scrub), text)


def _json_string(literal: str, standins: StandIns, scrub: bool) -> str:
    try:
        value = json.loads(literal)
    except ValueError:
        return redact_text(literal, standins, scrub)
    new = redact_text(value, standins, scrub)
    if new == value:
        return literal
    return json.dumps(new, ensure_ascii=literal.isascii())  # keep the file's escaping style


def redact_sip_text(text: str, standins: StandIns, scrub: bool) -> str:
    """Redact each SIP message with its Content-Length fixed; text between messages as text."""
    out: list[str] = []
    pos = 0
    for m in _SIP_START.finditer(text):
        if m.start() < pos:
            continue  # inside the previous message's body
        out.append(redact_text(text[pos : m.start()], standins, scrub))
        message, pos = _sip_message(text, m.start(), standins, scrub)
        out.append(message)
    out.append(redact_text(text[pos:], standins, scrub))
    return "".join(out)


def _sip_message(text: str, start: int, standins: StandIns, scrub: bool) -> tuple[str, int]:
    """One message from ``start``: (redacted message, end offset)."""
    end = _HEAD_END.search(text, start)
    if end is None:
        return redact_text(text[start:], standins, scrub), len(text)
    head = text[start : end.end()]
    length = _CONTENT_LENGTH.search(head)
    body_end = _body_end(text, end.end(), int(length.group(3)) if length else None)
    body = redact_text(text[end.end() : body_end], standins, scrub)
    head = redact_text(head, standins, scrub)
    if length:
        size = len(body.encode("utf-8", "surrogateescape"))
        head = _CONTENT_LENGTH.sub(lambda m: f"{m.group(1)}{m.group(2)}{size}", head, count=1)
    return head + body, body_end


def _body_end(text: str, body_start: int, length: int | None) -> int:
    """Where the body ends: Content-Length bytes on, or at the next start line."""
    if length is not None:
        encoded = text[body_start:].encode("utf-8", "surrogateescape")[:length]
        return body_start + len(encoded.decode("utf-8", "surrogateescape"))
    nxt = _SIP_START.search(text, body_start)
    return nxt.start() if nxt else len(text)


_TEXT_KINDS: dict[str, Callable[[str, StandIns, bool], str]] = {
    "json": redact_json_text,
    "sip": redact_sip_text,
    "text": redact_text,
}
