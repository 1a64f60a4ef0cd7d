"""Read SDP / candidate-list files (or stdin) as a stream of lines into ``SdpParser``.

Memory stays bounded whatever the file: lines are read one at a time with a length cap,
decoded one at a time, and the parser keeps only what it found.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import BinaryIO

from icecheck.model import Diagnostic, InputDocument, InputStatus, Origin
from icecheck.sdp import SdpParser

MAX_LINE = 1 << 20  # a longer line is reported and skipped, never held whole
_SNIFF = 8192


def read_sdp_path(path: str) -> InputDocument:
    """Read ``path`` (``-`` is stdin) as SDP text. Never raises for bad input: failures are data."""
    if path == "-":
        return read_sdp_stream(sys.stdin.buffer, "<stdin>")
    if os.path.isdir(path):
        return _unreadable(path, "is a directory (icecheck sdp reads files; icecheck scan walks folders)")
    try:
        with open(path, "rb") as stream:
            return read_sdp_stream(stream, path)
    except OSError as exc:
        return _unreadable(path, exc.strerror or str(exc))


def read_sdp_stream(stream: BinaryIO, name: str) -> InputDocument:
    """Parse an open binary stream line by line."""
    parser = SdpParser(Origin(name))
    head = stream.read(_SNIFF)
    if not head:
        return _status(parser.result(), InputStatus.EMPTY, "the file is empty")
    if _looks_binary(head):
        return parser.result(fatal="binary data, not SDP text")
    _feed_stream(parser, head, stream)
    if not parser.found_anything:
        return parser.result(fatal="no SDP or ICE candidate lines found")
    return parser.result()


def _feed_stream(parser: SdpParser, head: bytes, stream: BinaryIO) -> None:
    lineno = 0
    pending = head
    while True:
        raw, pending, complete = _next_line(pending, stream)
        if raw is None:
            return
        lineno += 1
        if not complete:
            parser.problem(lineno, f"line longer than {MAX_LINE} bytes; skipped")
            continue
        _feed_raw(parser, raw, lineno)


def _next_line(pending: bytes, stream: BinaryIO) -> tuple[bytes | None, bytes, bool]:
    """Return (line without ending, rest of buffer, complete?) or (None, b"", True) at EOF.

    An over-long line is consumed up to its end without being kept (complete=False).
    """
    while True:
        cut = pending.find(b"\n")
        if cut >= 0:
            return pending[:cut].rstrip(b"\r"), pending[cut + 1 :], True
        if len(pending) > MAX_LINE:
            return b"", _skip_rest_of_line(stream), False
        chunk = stream.read(65536)
        if not chunk:
            return (pending.rstrip(b"\r"), b"", True) if pending else (None, b"", True)
        pending += chunk


def _skip_rest_of_line(stream: BinaryIO) -> bytes:
    while chunk := stream.read(65536):
        cut = chunk.find(b"\n")
        if cut >= 0:
            return chunk[cut + 1 :]
    return b""


def _feed_raw(parser: SdpParser, raw: bytes, lineno: int) -> None:
    if b"\0" in raw:
        parser.problem(lineno, "NUL byte in line; skipped")
        return
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        parser.problem(lineno, f"invalid UTF-8 at byte {exc.start + 1}; read with replacement characters")
        line = raw.decode("utf-8", errors="replace")
    parser.feed(line, lineno)


def _looks_binary(head: bytes) -> bool:
    """A NUL-heavy or control-heavy start means a binary file (pcap, image, archive...)."""
    if head.count(b"\0") > len(head) // 64:
        return True
    controls = sum(1 for b in head[:1024] if b < 9 or 13 < b < 32)
    return controls > len(head[:1024]) // 10


def _status(doc: InputDocument, status: InputStatus, message: str) -> InputDocument:
    return replace(doc, status=status, diagnostics=(*doc.diagnostics, Diagnostic(Origin(doc.path), message)))


def _unreadable(path: str, message: str) -> InputDocument:
    return InputDocument(path, "sdp", InputStatus.UNREADABLE, diagnostics=(Diagnostic(Origin(path), message),))
