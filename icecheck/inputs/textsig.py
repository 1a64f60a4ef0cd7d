"""Signalling inside free text: candidate strings, SDP documents, JSON values (pure).

Logs and message fields carry candidates in prose (``onicecandidate: candidate:1 1 udp …``),
escaped inside JSON written as text (``{\\"candidate\\":\\"candidate:…\\"}``), or as SDP
pasted whole. ``candidates`` finds every candidate string by the RFC 8839 §5.1 shape (the
``candidate:`` prefix, then foundation, component, transport, priority, address, port,
``typ`` and type, then extension name/value pairs); a string is cut at a character that a
candidate never holds but that text around it does (quote, backslash, comma, angle bracket,
brace). ``is_sdp`` tells a text that is an SDP (or an RFC 8840 SDP fragment) from one that
merely mentions candidates. ``json_values`` finds JSON objects embedded in a line of text.
All three are linear in the text and bounded in what they return.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

MAX_JSON_TRIES = 16  # start positions tried per line by ``json_values``
_TOKEN = r"[^\s\"'\\,;<>{}()\[\]]"
CANDIDATE = re.compile(
    r"(?:a=)?candidate:[A-Za-z0-9+/]{0,32} \d{1,5} [A-Za-z][\w-]{0,15} \d{1,10} "
    r"\[?[0-9A-Za-z.:%_-]{1,255}\]? \d{1,5} typ [A-Za-z]{1,16}"
    rf"(?: [A-Za-z][\w-]{{0,31}} {_TOKEN}{{1,255}}){{0,24}}"
)
_SDP_LINE = re.compile(r"[a-z]=[^\n]*")
_MARKERS = ("candidate", "sdp", "port", "v=0")


def candidates(text: str) -> Iterator[tuple[int, str]]:
    """(offset, candidate text) for each candidate string in ``text``, however many: the sink folds
    repeats and bounds what is distinct (``limits.MAX_ITEMS``)."""
    for m in CANDIDATE.finditer(text):
        yield m.start(), m.group(0)


def is_sdp(text: str) -> bool:
    """Whether every non-blank line of ``text`` is an SDP ``x=value`` line and it holds a session
    (``v=``), a media section (``m=``) or a candidate: an SDP or a trickle SDP fragment."""
    found = False
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not _SDP_LINE.fullmatch(line):
            return False
        found = found or line.startswith(("v=", "m=", "a=candidate:", "a=end-of-candidates"))
    return found


def may_hold_signalling(text: str) -> bool:
    """A cheap filter before the searches: the words any signalling shape contains."""
    return any(m in text for m in _MARKERS)


def json_values(line: str) -> Iterator[tuple[int, int, Any]]:
    """(start, end, value) for each JSON object or array embedded in ``line`` (at most
    ``MAX_JSON_TRIES`` start positions are tried; values follow each other without overlap)."""
    decoder = json.JSONDecoder()
    pos, tries = 0, 0
    while tries < MAX_JSON_TRIES:
        start = _next_open(line, pos)
        if start < 0:
            return
        tries += 1
        try:
            value, end = decoder.raw_decode(line, start)
        except (ValueError, RecursionError):
            pos = start + 1
            continue
        if isinstance(value, (dict, list)):
            yield start, end, value
        pos = end


def _next_open(line: str, pos: int) -> int:
    brace, bracket = line.find("{", pos), line.find("[", pos)
    if brace < 0 or bracket < 0:
        return max(brace, bracket)
    return min(brace, bracket)
