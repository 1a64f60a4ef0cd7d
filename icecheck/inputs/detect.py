"""Recognise an input's format from its content, never from its name (pure).

``sniff(head)`` looks at the first bytes (gzip already undone by ``source.read_head``):
magic numbers for pcap (both byte orders, micro- and nanosecond variants) and pcapng; the
``RTCStatsDump`` first line; JSON (one document, or JSON lines when a second value follows
the first on its own line), refined by the keys visible in the head: HAR (``"log"`` with
``"entries"``), webrtc-internals (``"PeerConnections"``); SIP (a request line or status
line, RFC 3261 §7.1/§7.2, anywhere at a line start: logs prefix messages with their own
lines); SDP (a ``v=`` line first, or candidate lines); any other text that mentions candidates,
SDP or Jingle is a text log (``TEXT``: candidates found anywhere in it), and so is any text that
goes on past the head (its signalling may come later), and a file that starts like JSON but whose
first line is not (``[12:00:01] …``). ``classify_json`` decides the
same for a decoded JSON value, which is authoritative for JSON inputs whose head was
inconclusive.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any

from icecheck.inputs.pcapfile import PCAP_MAGICS, PCAPNG_MAGIC


class Format(StrEnum):
    """Every format ``icecheck scan`` reads (``--input-format`` takes these values)."""

    PCAP = "pcap"  # also pcapng; the reader tells them apart
    PCAPNG = "pcapng"
    HAR = "har"
    WEBRTC_INTERNALS = "webrtc-internals"
    RTCSTATSDUMP = "rtcstatsdump"
    TRICKLE = "trickle"  # JSON lines, one message per line
    JSON = "json"  # any JSON carrying SDP or candidates
    SIP = "sip"
    SDP = "sdp"
    TEXT = "text"  # a log or any text holding candidates, SDP, JSON signalling or Jingle XML
    UNKNOWN = "unknown"


CAPTURES = frozenset({Format.PCAP, Format.PCAPNG})
JSON_FORMATS = frozenset({Format.HAR, Format.WEBRTC_INTERNALS, Format.JSON, Format.TRICKLE})
_SIP_LINE = re.compile(rb"^(?:[A-Z][A-Z0-9_.!%*+`'~-]* \S+ SIP/2\.0|SIP/2\.0 \d{3}\b)", re.M)
_SDP_START = re.compile(rb"^\s*(?:v=\d|a=candidate:|candidate:|[a-z]=\S)")
_TEXT_MARKERS = (b"candidate", b"v=0", b"urn:xmpp:jingle", b"m=audio", b"m=video", b"m=application")


def sniff(head: bytes, more: bool = False) -> Format:
    """The format of a file starting with ``head`` (decompressed), or ``UNKNOWN``. ``more``: the
    file goes on after ``head``, so a text head without any marker is a ``TEXT`` still (a log's
    first candidate may come after its first 64 KB)."""
    if head[:4] in PCAP_MAGICS:
        return Format.PCAP
    if head[:4] == PCAPNG_MAGIC:
        return Format.PCAPNG
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"RTCStatsDump"):
        return Format.RTCSTATSDUMP
    if text[:1] in (b"{", b"["):
        return _sniff_json(text)
    if _binary(head):
        return Format.UNKNOWN
    if _SDP_START.match(text) and not _SIP_LINE.match(text):
        return Format.SDP
    if _SIP_LINE.search(head):
        return Format.SIP
    lower = head.lower()
    if more or any(m in lower for m in _TEXT_MARKERS):
        return Format.TEXT
    return Format.UNKNOWN


def _sniff_json(text: bytes) -> Format:
    decoded = text.decode("utf-8", "replace")
    if _not_json(decoded):
        return Format.TEXT if not _binary(text) else Format.UNKNOWN
    if _is_json_lines(decoded):
        return Format.TRICKLE
    if '"PeerConnections"' in decoded:
        return Format.WEBRTC_INTERNALS
    if re.search(r'"log"\s*:\s*\{', decoded) and '"entries"' in decoded:
        return Format.HAR
    return Format.JSON


def _not_json(text: str) -> bool:
    """A first line that breaks JSON before its end (``[INFO] …``, ``{x} …``): a log, not JSON.
    A first line that is only cut short (``{`` of a pretty-printed document) says nothing."""
    first, newline, _ = text.partition("\n")
    if not newline:
        return False
    first = first.rstrip()
    try:
        json.loads(first)
    except json.JSONDecodeError as exc:
        return exc.pos < len(first)
    except (ValueError, RecursionError):
        return False
    return False


def _is_json_lines(text: str) -> bool:
    """A complete first value followed, on a later line, by the start of another."""
    first = text.split("\n", 1)
    if len(first) < 2:
        return False
    try:
        json.loads(first[0])
    except (ValueError, RecursionError):  # (nested deeper than the decoder recurses: no JSON read here)
        return False
    rest = first[1].lstrip()
    return rest[:1] in ("{", "[")


def classify_json(value: Any) -> Format:
    """HAR, webrtc-internals or generic signalling JSON, by the decoded value's keys."""
    if isinstance(value, dict):
        log = value.get("log")
        if isinstance(log, dict) and isinstance(log.get("entries"), list):
            return Format.HAR
        if isinstance(value.get("PeerConnections"), dict):
            return Format.WEBRTC_INTERNALS
    return Format.JSON


def _binary(head: bytes) -> bool:
    sample = head[:4096]
    if b"\0" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) // 20
