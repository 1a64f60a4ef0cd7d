"""Where messages end in one direction of a TCP stream, so that a message split across segments
is redacted whole (``pcap.CaptureRewriter`` holds the segments until then).

``complete(data, websocket)`` is False while a message is under way at the end of ``data``:
- SIP or HTTP (RFC 3261 §7, RFC 9112 §2.1): a start line, then the head and Content-Length bytes
  of body as scan frames them (``inputs.sipmsg.frame_sip``; no body without the header: SIP over
  TCP always sends it, RFC 3261 §18.3); CRLF keep-alives between messages (RFC 5626 §3.5.1) are
  skipped; a line that could still become a start line (no line end yet) is under way too;
- WebSocket (RFC 6455 §5.2, ``websocket``: the connection was upgraded): a frame whose header or
  payload is not all there yet, or a fragmented message (§5.4) whose last frame has not come.
Anything else (binary data, text that is not framed this way) is complete as it stands: it is
redacted segment by segment, as before.
"""

from __future__ import annotations

import re

from icecheck.inputs.sipmsg import frame_sip
from icecheck.redact.websocket import frame_start as _frame_start

_START = re.compile(
    rb"(?:[A-Z][A-Z0-9_.!%*+`'~-]* [^ \r\n]+ (?:SIP/2\.0|HTTP/1\.[01])|(?:SIP/2\.0|HTTP/1\.[01]) \d{3})[^\r\n]*\r?\n"
)
_UNDER_WAY = re.compile(rb"[A-Z][A-Z0-9_.!%*+`'~/-]*(?: [^\r\n]*)?\r?\Z")  # a start line not yet ended
_UPGRADE = re.compile(rb"^Upgrade[ \t]*:[ \t]*websocket", re.M | re.I)
MAX_LINE = 1024  # a start line longer than this is not waited for
MAX_FRAME = 16 << 20  # a WebSocket frame claiming more is not WebSocket


def complete(data: bytes | bytearray, websocket: bool) -> bool:
    """True when ``data`` ends at a message boundary or is not a framed message stream."""
    if websocket:
        state = _websocket(data)
        if state is not None:
            return state
    return _text(data)


def upgrades(data: bytes) -> bool:
    """An HTTP Upgrade to WebSocket (RFC 6455 §4.1/§4.2.2) among these messages."""
    return _UPGRADE.search(data) is not None


def _text(data: bytes | bytearray) -> bool:
    pos, end = 0, len(data)
    while pos < end:
        while pos < end and data[pos] in b"\r\n":
            pos += 1
        if pos == end:
            return True
        start = _START.match(data, pos)
        if start is None:
            return not (end - pos < MAX_LINE and _UNDER_WAY.match(data, pos))
        framed = frame_sip(data[pos:])  # head and Content-Length body, as scan frames them
        if framed is None:
            return False
        if isinstance(framed, str):  # a head scan gives up on: redacted as it stands
            return True
        pos += framed[1]
    return True


def _websocket(data: bytes | bytearray) -> bool | None:
    """True: whole frames ending a message; False: a frame or message under way; None: not frames."""
    pos, end, open_message = 0, len(data), False
    while pos < end:
        first = data[pos]
        if not _frame_start(first):
            return None
        if end - pos < 2:
            return False
        n, at = data[pos + 1] & 0x7F, pos + 2
        if n >= 126:
            size = 2 if n == 126 else 8
            if end - at < size:
                return False
            n, at = int.from_bytes(data[at : at + size], "big"), at + size
        at += 4 if data[pos + 1] & 0x80 else 0
        if n > MAX_FRAME:
            return None
        if at + n > end:
            return False
        if first & 0x0F < 8:  # a data frame: FIN ends its message (§5.4)
            open_message = not first & 0x80
        pos = at + n
    return not open_message
