"""Read SDP / candidate-list files (or stdin) as a stream of lines into ``SdpParser``.

Memory stays bounded whatever the file: it is read in blocks of ``BLOCK`` bytes, a line longer
than ``MAX_LINE`` bytes is reported and skipped without being held, and the parser keeps only
what it found. Speed: a block is decoded and split at once, and only a line holding a NUL byte
or invalid UTF-8 is handled (and reported) on its own. Lines end at LF; trailing CRs are dropped.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import BinaryIO

from icecheck.inputs.sdp import SdpParser
from icecheck.inputs.textenc import as_utf8
from icecheck.model import Diagnostic, InputDocument, InputKind, InputStatus, Origin

MAX_LINE = 1 << 20  # a longer line (in bytes, CRs included) is reported and skipped, never held whole
BLOCK = 1 << 18  # at most MAX_LINE, as _SNIFF: a line within one block is never too long
_SNIFF = 8192


def read_sdp_path(path: str, name: str | None = None) -> InputDocument:
    """Read ``path`` (``-`` is stdin) as SDP text, named ``name`` (default: ``path``). Never raises
    for bad input: failures are data."""
    if path == "-":
        return read_sdp_stream(sys.stdin.buffer, name or "<stdin>")
    if os.path.isdir(path):
        return _unreadable(name or path, "is a directory (icecheck sdp reads files; icecheck scan walks folders)")
    try:
        with open(path, "rb") as stream:
            return read_sdp_stream(stream, name or path)
    except OSError as exc:
        return _unreadable(name or path, exc.strerror or str(exc))


def read_sdp_stream(stream: BinaryIO, name: str) -> InputDocument:
    """Parse an open binary stream line by line; text in UTF-16 or UTF-32 is read as UTF-8 (``textenc``)."""
    parser = SdpParser(Origin(name))
    stream = as_utf8(stream)
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
    """Feed every line of ``head`` and the rest of ``stream``, numbered from 1."""
    lineno = 0
    carry = b""  # the start of a line that the next block ends
    too_long = False  # inside an over-long line: its bytes are dropped up to its end
    block = head
    while block:
        end = block.rfind(b"\n") + 1  # 0: no line ends in this block
        if not end:
            too_long = too_long or len(carry) + len(block) > MAX_LINE
            carry = b"" if too_long else carry + block  # bounded: at most MAX_LINE / BLOCK appends
        else:
            start = 0
            if carry or too_long:  # finish the line begun in earlier blocks
                start = block.find(b"\n") + 1
                lineno += 1
                _feed_one(parser, None if too_long else carry + block[: start - 1], lineno)
                carry, too_long = b"", False
            lineno = _feed_lines(parser, block, start, end, lineno)
            carry = block[end:]
        block = stream.read(BLOCK)
    if carry or too_long:  # a last line without a line ending
        _feed_one(parser, None if too_long else carry, lineno + 1)


def _feed_lines(parser: SdpParser, block: bytes, pos: int, end: int, lineno: int) -> int:
    """Feed the lines of ``block[pos:end]`` (it ends with LF) after line ``lineno``; the last number."""
    while pos < end:
        nul = block.find(b"\0", pos, end)  # a line with NUL, and a line with invalid UTF-8, go alone
        good = end if nul < 0 else block.rfind(b"\n", pos, nul) + 1 or pos
        try:
            text = block[pos:good].decode("utf-8")  # UTF-8 self-synchronises: same as line by line
        except UnicodeDecodeError as exc:
            good = block.rfind(b"\n", pos, pos + exc.start) + 1 or pos
            text = block[pos:good].decode("utf-8")
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        if "\r" in text:  # CRs left: CR CR LF, or a CR inside a line (kept)
            lines = [line.rstrip("\r") for line in lines]
        lines.pop()  # what follows the last LF: nothing
        parser.feed_many(lines, lineno + 1)
        lineno += len(lines)
        pos = good
        if pos < end:
            cut = block.find(b"\n", pos) + 1
            lineno += 1
            _feed_one(parser, block[pos : cut - 1], lineno)
            pos = cut
    return lineno


def _feed_one(parser: SdpParser, raw: bytes | None, lineno: int) -> None:
    """One line, without LF (None: too long), with its own diagnostics."""
    if raw is None or len(raw) > MAX_LINE:
        parser.problem(lineno, f"line longer than {MAX_LINE} bytes; skipped")
        return
    raw = raw.rstrip(b"\r")
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
    return InputDocument(path, InputKind.SDP, InputStatus.UNREADABLE, diagnostics=(Diagnostic(Origin(path), message),))
