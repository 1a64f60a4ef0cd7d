"""Where messages end in one direction of a TCP stream, so that a message split across segments
is redacted whole (``pcap.CaptureRewriter`` holds the segments until then).

``complete(data, websocket)`` is False while a message is under way at the end of ``data``:
- SIP or HTTP (RFC 3261 §7, RFC 9112 §2.1): a start line, then the head and Content-Length bytes
  of body as scan frames them (``inputs.sipmsg.frame_sip``; no body without the header: SIP over
  TCP always sends it, RFC 3261 §18.3); CRLF keep-alives between messages (RFC 5626 §3.5.1) are
  skipped; a line that could still become a start line (no line end yet) is under way too; text
  that does not begin with a start line (the stream was joined mid-message: after a gap, or a
  capture that began mid-connection) is read on to the next line that is one, as scan resynchronises;
- WebSocket (RFC 6455 §5.2, ``websocket``: the connection was upgraded): a frame whose header or
  payload is not all there yet, or a fragmented message (§5.4) whose last frame has not come;
- [MS-TURN] TCP frames (§2.1.4, ``ms_turn_frames``): the data starts with a control frame whose
  bytes so far fit an MS-TURN message (§2.2.1 header, MAGIC-COOKIE first, §2.2.2.8) or an
  end-to-end data frame whose bytes so far fit a STUN message, and a frame is not all there yet;
  a small TLS handshake record (the pseudo-TLS record MS-TURN may send first, §2.1.1) not all
  there yet, or MS-TURN frames after it under way.
Anything else (binary data, text that is not framed this way) is complete as it stands: it is
redacted segment by segment, as before.

A held run is asked again after each segment it gains. ``Progress`` remembers, for one run, where
the WebSocket and SIP/HTTP walks stopped at whole frames and messages (what lies before that place
is settled: more bytes after it cannot change how it is read), so each segment costs the frames and
messages it completes, not a walk over the whole run again (300,000 empty continuation frames held
in 431 segments were walked 65 million times). [MS-TURN] frames are walked from the start each time,
at most ``MAX_MS_FRAMES`` of them.
"""

from __future__ import annotations

import re

from icecheck.inputs import stun
from icecheck.inputs.sipmsg import frame_sip
from icecheck.inputs.websocket import frame_layout, frame_start

_START = re.compile(
    rb"(?:[A-Z][A-Z0-9_.!%*+`'~-]* [^ \r\n]+ (?:SIP/2\.0|HTTP/1\.[01])|(?:SIP/2\.0|HTTP/1\.[01]) \d{3})[^\r\n]*\r?\n"
)
_RESTART = re.compile(rb"(?<=\n)" + _START.pattern)  # a start line after others (a gap, a capture begun mid-stream)
_UNDER_WAY = re.compile(rb"[A-Z][A-Z0-9_.!%*+`'~/-]*(?: [^\r\n]*)?\r?\Z")  # a start line not yet ended
_UPGRADE = re.compile(rb"^Upgrade[ \t]*:[ \t]*websocket", re.M | re.I)
MAX_LINE = 1024  # a start line longer than this is not waited for
MAX_FRAME = 16 << 20  # a WebSocket frame claiming more is not WebSocket


class Progress:
    """How far ``complete`` has read one held run (see the module doc): the place after the last whole
    WebSocket frame (and whether a fragmented message is open there, or the run is no frames), and
    the place after the last whole SIP/HTTP message. Valid while the run only grows at its end, read
    with one ``websocket`` setting; ``steps`` counts frames and messages read (for tests: it grows
    with the run, not with the run times its segments)."""

    __slots__ = ("frames_end", "length", "not_frames", "open_message", "steps", "text_end", "websocket")

    def __init__(self) -> None:
        self.websocket: bool | None = None
        self.length = 0
        self.frames_end = 0
        self.open_message = False
        self.not_frames = False
        self.text_end = 0
        self.steps = 0

    def restart(self, websocket: bool) -> None:
        """Read the run from its start (``websocket``: as WebSocket frames first)."""
        self.websocket, self.frames_end, self.open_message = websocket, 0, False
        self.not_frames, self.text_end = False, 0


def complete(data: bytes | bytearray, websocket: bool, progress: Progress | None = None) -> bool:
    """True when ``data`` ends at a message boundary or is not a framed message stream. ``progress``:
    the run's reading so far, when ``data`` is a held run that only grows (see ``Progress``)."""
    if progress is not None:
        if websocket is not progress.websocket or len(data) < progress.length:
            progress.restart(websocket)  # not the run read before, grown, and read the same way
        progress.length = len(data)
    if websocket:
        state = _websocket(data, progress)
        if state is not None:
            return state
    state = ms_turn_frames(data)
    if state is None:
        state = _pseudo_tls(data)
    if state is not None:
        return state
    if progress is None:
        return _messages(data, 0)[0]
    whole, progress.text_end, steps = _messages(data, progress.text_end)  # from where it left off
    progress.steps += steps
    return whole


def upgrades(data: bytes) -> bool:
    """An HTTP Upgrade to WebSocket (RFC 6455 §4.1/§4.2.2) among these messages."""
    return _UPGRADE.search(data) is not None


def _messages(data: bytes | bytearray, pos: int) -> tuple[bool, int, int]:
    """``complete``'s answer for SIP/HTTP text read from ``pos``, the last place the loop started from
    (settled: whole messages, CR/LF and resynchronisations before it, so the next call starts there),
    and the messages read."""
    end, settled, steps = len(data), pos, 0
    while pos < end:
        settled = pos
        while pos < end and data[pos] in b"\r\n":
            pos += 1
        if pos == end:
            return True, settled, steps
        start = _START.match(data, pos)
        if start is None:
            if end - pos < MAX_LINE and _UNDER_WAY.match(data, pos):
                return False, settled, steps
            later = _RESTART.search(data, pos)  # resynchronised on the next start line, as scan does
            if later is None:
                tail = data.rfind(b"\r\n", pos) + 2  # a line end of text (RFC 3261 §7), not a 0x0a in binary
                return not (tail > 1 and end - tail < MAX_LINE and _UNDER_WAY.match(data, tail)), settled, steps
            pos = later.start()
            continue
        framed = frame_sip(data[pos:])  # head and Content-Length body, as scan frames them
        if framed is None:
            return False, settled, steps
        if isinstance(framed, str):  # a head scan gives up on: redacted as it stands
            return True, settled, steps
        pos += framed[1]
        steps += 1
    return True, pos, steps


def _websocket(data: bytes | bytearray, progress: Progress | None) -> bool | None:
    """True: whole frames ending a message; False: a frame or message under way; None: not frames.
    Frames are read through ``inputs.websocket.frame_layout``, as scan reads them, from where
    ``progress`` left off (the whole frames before it are settled, and so is a place that is no frame)."""
    if progress is None:
        return _frames(data, 0, False)[0]
    if progress.not_frames:
        return None
    state, progress.frames_end, progress.open_message, steps = _frames(data, progress.frames_end, progress.open_message)
    progress.not_frames = state is None
    progress.steps += steps
    return state


def _frames(data: bytes | bytearray, pos: int, open_message: bool) -> tuple[bool | None, int, bool, int]:
    """``_websocket``'s answer for frames read from ``pos`` (``open_message``: a fragmented message is
    open there), where the last whole frame ends, whether a message is open there, and the frames read."""
    end, steps = len(data), 0
    while pos < end:
        if not frame_start(data[pos]):
            return None, pos, open_message, steps
        frame = frame_layout(data, pos)
        if frame is None:
            return False, pos, open_message, steps
        if frame.end - frame.start > MAX_FRAME:
            return None, pos, open_message, steps
        if frame.end > end:
            return False, pos, open_message, steps
        if frame.first & 0x0F < 8:  # a data frame: FIN ends its message (§5.4)
            open_message = not frame.first & 0x80
        pos = frame.end
        steps += 1
    return not open_message, pos, open_message, steps


MAX_MS_FRAMES = 256  # MS-TURN frames walked per call: a held run is walked again for each segment


def ms_turn_frames(data: bytes | bytearray) -> bool | None:
    """[MS-TURN] TCP frames (§2.1.4) from the start of ``data``: True when whole frames end it (or
    what follows them is no frame, or more than ``MAX_MS_FRAMES`` frames come before the end: redacted
    as it stands), False while a frame is under way, None when ``data`` does not start like MS-TURN
    (see the module doc)."""
    if not _ms_turn_start(data):
        return None
    pos, end = 0, len(data)
    for _ in range(MAX_MS_FRAMES):
        if pos >= end:
            return True
        header = stun.ms_tcp_header(data, pos)
        if header is None:  # no frame here: whole already, unless a frame header is under way
            rest = bytes(data[pos : pos + 2])
            return end - pos >= 4 or rest[:1] not in (b"\x02", b"\x03") or rest[1:] not in (b"", b"\x00")
        if header[1] > end:
            return False
        pos = header[1]
    return True  # more frames than are walked each time: redacted as it stands (binary is blanked)


def _ms_turn_start(data: bytes | bytearray) -> bool:
    """The first frame's bytes so far fit [MS-TURN]: a control frame around an MS-TURN message (its
    type's top byte 0 or 1, its length the frame's, MAGIC-COOKIE first), or end-to-end data around
    STUN (top bits 00, the RFC 8489 magic cookie, its length the frame's)."""
    if not data or data[0] not in (stun.MS_TCP_CONTROL, stun.MS_TCP_DATA) or data[1:2] not in (b"", b"\x00"):
        return False
    if len(data) < 4:
        return True  # a frame header under way
    size = (data[2] << 8) | data[3]
    head = bytes(data[4:32])
    if data[0] == stun.MS_TCP_CONTROL:
        fits = head[:1] in (b"", b"\x00", b"\x01") and stun.MS_COOKIE_ATTR.startswith(head[20:28])
        return fits and (len(head) < 4 or size == 20 + ((head[2] << 8) | head[3]))
    fits = (not head or head[0] < 0x40) and stun.MAGIC_BYTES.startswith(head[4:8])
    return fits and (len(head) < 4 or size == 20 + ((head[2] << 8) | head[3]))


def _pseudo_tls(data: bytes | bytearray) -> bool | None:
    """A small TLS handshake record at the start (``inputs.stun.pseudo_tls_end``): False while it,
    or MS-TURN frames after it, are under way; None when ``data`` does not start so."""
    end = stun.pseudo_tls_end(data)
    if end is None:
        return None
    if len(data) < end:
        return False
    after = ms_turn_frames(data[end:]) if len(data) > end else None
    return True if after is None else after
