"""Text logs that hold signalling somewhere: browser consoles, application and server logs.

A log is read one line at a time (at most ``MAX_LINE`` bytes each, so any size streams
through). Per line, ``Dispatcher.free_text`` finds candidate strings anywhere in it, JSON
values embedded in it (``{"candidate": …}`` after a timestamp), and Jingle XML (the
enclosing ``<content name>`` and ``<transport ufrag>`` are carried from line to line; a
start tag cut over several lines is joined first, up to ``MAX_TAG_LINES``). An SDP printed
over several lines — a line that is or ends with ``v=0`` and the ``x=value`` lines after it —
is read as one SDP, so its candidates keep their m-line. Every item is located by its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from icecheck.inputs.jingle import JingleScanner
from icecheck.inputs.payload import Dispatcher
from icecheck.model import Origin

MAX_LINE = 1 << 20
MAX_SDP_BYTES = 1 << 20  # an SDP printed over lines is read whole up to this size, then in parts
MAX_TAG_LINES = 64
MAX_TAG_BYTES = 65536
_SDP_LINE = re.compile(r"[a-z]=\S[^\n]*")
_TAG_STARTS = ("<candidate", ":candidate", "<content", ":content", "<transport", ":transport", "<remote-candidate")


def read_text_log(stream: BinaryIO, disp: Dispatcher) -> int:
    """Feed everything the log at ``stream`` holds to ``disp``; returns how many items were found."""
    return read_lines(_lines(stream), disp)


def read_lines(lines: Iterable[tuple[int, str]], disp: Dispatcher, within: Origin | None = None) -> int:
    """``read_text_log`` of (line number, text) pairs. ``within``: the lines are those of a text
    inside the file (a JSON string): items are located by ``within``'s detail and the line of
    that text, not by a line of the file."""
    reader = _LogReader(disp, within)
    for lineno, line in lines:
        reader.line(line, lineno)
    reader.flush()
    return reader.found


class _LogReader:
    def __init__(self, disp: Dispatcher, within: Origin | None = None) -> None:
        self.disp = disp
        self.within = within
        self.scanner = JingleScanner()
        self.sdp: list[str] = []
        self.sdp_line = 0
        self.sdp_size = 0
        self.tag: list[str] = []  # a start tag cut over lines, joined before it is read
        self.tag_line = 0
        self.found = 0

    def line(self, line: str, lineno: int) -> None:
        stripped = line.strip()
        if self.sdp:
            if _SDP_LINE.fullmatch(stripped) and self.sdp_size < MAX_SDP_BYTES and not stripped.startswith("v="):
                self.sdp.append(stripped)
                self.sdp_size += len(stripped)
                return
            self._flush_sdp()
        if stripped.endswith("v=0"):
            self.sdp, self.sdp_line, self.sdp_size = ["v=0"], lineno, 0
            return
        if self.tag:
            self.tag.append(stripped[:MAX_TAG_BYTES])
            if ">" not in stripped and len(self.tag) < MAX_TAG_LINES and sum(map(len, self.tag)) < MAX_TAG_BYTES:
                return
            line, lineno = " ".join(self.tag), self.tag_line
            self.tag = []
        elif _open_tag(line):
            self.tag, self.tag_line = [line], lineno
            return
        self.found += self.disp.free_text(line, self._at(lineno), self.scanner)

    def _at(self, lineno: int) -> Origin:
        if self.within is None:
            return Origin(self.disp.sink.path, line=lineno)
        return self.within._replace(detail=f"{self.within.detail} line {lineno}")

    def flush(self) -> None:
        self._flush_sdp()
        if self.tag:
            where = self._at(self.tag_line)
            self.found += self.disp.free_text(" ".join(self.tag), where, self.scanner)
            self.tag = []

    def _flush_sdp(self) -> None:
        if len(self.sdp) > 1:
            self.found += 1
            self.disp.sink.sdp("\n".join(self.sdp), self._at(self.sdp_line))
        self.sdp = []


def _open_tag(line: str) -> bool:
    """A Jingle start tag that the line opens but does not close (pretty-printed XML)."""
    if "<" not in line or len(line) >= MAX_TAG_BYTES:
        return False
    last = max(line.rfind(t) for t in _TAG_STARTS)
    return last >= 0 and ">" not in line[last:]


def _lines(stream: BinaryIO) -> Iterator[tuple[int, str]]:
    """(line number, text) per line; a line longer than ``MAX_LINE`` comes in pieces with one number."""
    lineno, whole = 0, True
    for raw in iter(lambda: stream.readline(MAX_LINE), b""):
        lineno += whole
        whole = raw.endswith(b"\n")
        yield lineno, raw.decode("utf-8", "replace").rstrip("\r\n")
