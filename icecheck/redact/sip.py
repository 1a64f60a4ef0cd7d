"""SIP messages redacted one by one, each keeping a true Content-Length (RFC 3261 §20.14).

``redact_sip_text`` redacts every message of a SIP text (a message log, a TCP stream's text)
head and body, and recomputes Content-Length from the redacted body's UTF-8 length; text
between messages is redacted as plain text. ``SIP_START`` matches a request or status line.
"""

from __future__ import annotations

import re

from icecheck.inputs.numbers import decimal
from icecheck.redact.standins import StandIns
from icecheck.redact.text import redact_text

SIP_START = re.compile(r"^(?:[A-Z][A-Z0-9_.!%*+`'~-]* \S+ SIP/2\.0|SIP/2\.0 \d{3}\b)", re.M)
_CONTENT_LENGTH = re.compile(r"^(Content-Length|l)([ \t]*:[ \t]*)(\d+)", re.M | re.I)
_HEAD_END = re.compile(r"\r?\n\r?\n")


def redact_sip_text(text: str, standins: StandIns, scrub: bool) -> str:
    """Redact each SIP message with its Content-Length fixed; text between messages as text."""
    out: list[str] = []
    pos = 0
    for m in SIP_START.finditer(text):
        if m.start() < pos:
            continue  # inside the previous message's body
        out.append(redact_text(text[pos : m.start()], standins, scrub))
        message, pos = _sip_message(text, m.start(), standins, scrub)
        out.append(message)
    out.append(redact_text(text[pos:], standins, scrub))
    return "".join(out)


def message_ends(text: str) -> list[int]:
    """Where each message ``redact_sip_text`` reads in ``text`` ends (a message whose end ``text`` does
    not show ends at ``len(text)``)."""
    ends, pos = [], 0
    for m in SIP_START.finditer(text):
        if m.start() < pos:
            continue
        pos = _message_end(text, m.start())
        ends.append(pos)
    return ends


def open_message(text: str) -> tuple[int, int, int] | None:
    """(start, body start, Content-Length) of the last message ``redact_sip_text`` reads in ``text``
    when ``text`` holds its head whole and its Content-Length runs past the end of ``text``; else None."""
    last = _last_head(text)
    if last is None:
        return None
    start, body = last
    found = _CONTENT_LENGTH.search(text, start, body)
    length = decimal(found.group(3)) if found else None
    if length is None or body + length <= len(text):
        return None
    return start, body, length


def open_unframed(text: str) -> tuple[int, int] | None:
    """(start, body start) of the last message ``redact_sip_text`` reads in ``text`` when ``text`` holds
    its head whole, its head has no Content-Length and no start line follows it in ``text`` (its body,
    RFC 3261 §18.3 over a stream, runs to the next start line: past the end of ``text`` as far as
    ``text`` shows); else None."""
    last = _last_head(text)
    if last is None or _CONTENT_LENGTH.search(text, *last):
        return None
    return last


def _last_head(text: str) -> tuple[int, int] | None:
    """(start, body start) of the last message ``redact_sip_text`` reads in ``text`` when it runs to the
    end of ``text`` and ``text`` holds its head whole; else None."""
    pos, last = 0, -1
    for m in SIP_START.finditer(text):
        if m.start() < pos:
            continue
        last, pos = m.start(), _message_end(text, m.start())
    if last < 0 or pos < len(text):
        return None
    end = _HEAD_END.search(text, last)
    return None if end is None else (last, end.end())


def unended_head(text: str) -> bool:
    """The last message ``redact_sip_text`` reads in ``text`` has no blank line after its start line in
    ``text``: where its head ends, and so its body, is not known (``_sip_message`` reads it to the end)."""
    pos, last = 0, -1
    for m in SIP_START.finditer(text):
        if m.start() < pos:
            continue
        last, pos = m.start(), _message_end(text, m.start())
    return last >= 0 and _HEAD_END.search(text, last) is None


# What may still become a start line (``SIP_START``) once the line goes on: a method, a space and a
# Request-URI, then a prefix of `` SIP/2.0``; or a prefix of ``SIP/2.0 `` and up to three digits.
_START_BEGUN = re.compile(
    r"[A-Z][A-Z0-9_.!%*+`'~-]*+(?: \S*+(?: (?:S(?:I(?:P(?:/(?:2(?:\.)?)?)?)?)?)?)?)?"
    r"|S(?:I(?:P(?:/(?:2(?:\.(?:0(?: \d{0,3})?)?)?)?)?)?)?"
)


def unframed_prefix(text: str, mid: bool, final: bool) -> tuple[int, bool]:
    """Of ``text``, the rest of an unframed body (``open_unframed``) from a line start (with ``mid``: from
    inside a line no start line begins at): (where the next start line begins, True), or (how much of it
    is body for sure, False): up to its last line, or all of it when that line cannot become a start line
    however it goes on, or ``final`` (nothing follows: ``_body_end`` reads the same)."""
    at = text.find("\n") + 1 if mid else 0
    if mid and at == 0:
        return len(text), False
    m = SIP_START.search(text, at)
    if m is not None and (final or m.end() < len(text)):
        return m.start(), True
    if final:
        return len(text), False
    line = m.start() if m is not None else max(at, text.rfind("\n") + 1)
    if m is None and not _START_BEGUN.fullmatch(text, line):
        return len(text), False
    return line, False


def content_length(head: str, size: int) -> str:
    """A redacted message head with its first Content-Length set to ``size`` (``_sip_message``)."""
    return _CONTENT_LENGTH.sub(lambda m: f"{m.group(1)}{m.group(2)}{size}", head, count=1)


def _message_end(text: str, start: int) -> int:
    end = _HEAD_END.search(text, start)
    if end is None:
        return len(text)
    length = _CONTENT_LENGTH.search(text, start, end.end())
    return _body_end(text, end.end(), decimal(length.group(3)) if length else None)


def _sip_message(text: str, start: int, standins: StandIns, scrub: bool) -> tuple[str, int]:
    """One message from ``start``: (redacted message, end offset)."""
    end = _HEAD_END.search(text, start)
    if end is None:
        return redact_text(text[start:], standins, scrub), len(text)
    head = text[start : end.end()]
    length = _CONTENT_LENGTH.search(head)
    body_end = _body_end(text, end.end(), decimal(length.group(3)) if length else None)
    body = redact_text(text[end.end() : body_end], standins, scrub)
    head = redact_text(head, standins, scrub)
    if length:
        size = len(body.encode("utf-8", "surrogateescape"))
        head = content_length(head, size)
    return head + body, body_end


def _body_end(text: str, body_start: int, length: int | None) -> int:
    """Where the body ends: Content-Length bytes on, or at the next start line."""
    if length is not None:
        # at most ``length`` characters make ``length`` bytes (encoding only those: a long log is not
        # encoded again for every message)
        encoded = text[body_start : body_start + length].encode("utf-8", "surrogateescape")[:length]
        return body_start + len(encoded.decode("utf-8", "surrogateescape"))
    nxt = SIP_START.search(text, body_start)
    return nxt.start() if nxt else len(text)
