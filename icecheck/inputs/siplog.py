"""SIP message logs: text files holding one or many SIP messages (RFC 3261 §7).

Softphone and proxy logs, ``sngrep`` saves and mailing-list pastes write messages one after
another, often with their own lines in between (timestamps, "---- sent to 1.2.3.4 ----"),
often with line endings rewritten. A message starts at a line that is a SIP request or
status line; its header section ends at the first blank line; its body runs for
Content-Length bytes (counting CRLF line ends) or, when line endings were rewritten or the
length lies, up to the next blank line or start line. Some logs write one blank line more
before the body (and LF line ends): up to ``MAX_LEADING_BLANKS`` blank lines at the start of
a body that Content-Length announces are kept as its first lines, not taken for its end, when
what follows them starts like a body (SDP, JSON, XML, a multipart boundary) and not like a
log's own line. Lines are read one at a time (at most
``MAX_LINE`` bytes each), so a log of any size streams through. Every item is located by the
line number in the log; the offer/answer role comes from the message that carried the SDP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from icecheck.inputs.numbers import decimal
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.sipmsg import START_LINE
from icecheck.model import Origin

MAX_LINE = 1 << 16
MAX_MESSAGE_LINES = 4096
MAX_LEADING_BLANKS = 4  # blank lines a log may put between the header section and the body
_BODY_START = re.compile(rb"\s*(?:[a-z]=|[{\[<]|--)")  # SDP, JSON, XML, a multipart boundary


def read_sip_log(stream: BinaryIO, disp: Dispatcher) -> int:
    """Feed every SIP message of the log to ``disp``; returns how many were found."""
    count = 0
    lines = _numbered(stream)
    pending = next(lines, None)
    while pending is not None:
        lineno, line = pending
        if START_LINE.match(line.rstrip(b"\r\n")) is None:
            pending = next(lines, None)
            continue
        message, pending = _collect(line, lines)
        disp.sip(message, Origin(disp.sink.path, line=lineno))
        count += 1
    return count


def _numbered(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    yield from enumerate(iter(lambda: stream.readline(MAX_LINE), b""), 1)


def _collect(start: bytes, lines: Iterator[tuple[int, bytes]]) -> tuple[bytes, tuple[int, bytes] | None]:
    """Gather one message from its start line; returns it (CRLF line ends) and the next line."""
    head = [start.rstrip(b"\r\n")]
    length = 0
    for _, line in _until_blank(lines, head):
        text = line.rstrip(b"\r\n")
        head.append(text)
        name, _, value = text.partition(b":")
        if name.strip().lower() in (b"content-length", b"l") and (number := decimal(value.strip())) is not None:
            length = number
    body: list[bytes] = []
    size = 0
    pending: tuple[int, bytes] | None = None
    while size < length and len(body) < MAX_MESSAGE_LINES:
        pending = next(lines, None)
        if pending is None:
            break
        text = pending[1].rstrip(b"\r\n")
        blank = not text.strip()
        leading_blank = blank and len(body) < MAX_LEADING_BLANKS and not any(b.strip() for b in body)
        if (blank and not leading_blank) or START_LINE.match(text):
            break
        if not blank and body and not any(b.strip() for b in body) and not _BODY_START.match(text):
            break  # after extra blank lines only a body's first line continues the message, not log noise
        body.append(text)  # a blank line before the body stays in it, so its lines keep their numbers
        size += len(text) + 2
        pending = None
    message = b"\r\n".join(head) + b"\r\n\r\n" + b"".join(b + b"\r\n" for b in body)
    return message, pending if pending is not None else next(lines, None)


def _until_blank(lines: Iterator[tuple[int, bytes]], head: list[bytes]) -> Iterator[tuple[int, bytes]]:
    for item in lines:
        if not item[1].strip() or len(head) > MAX_MESSAGE_LINES:
            return
        yield item
