"""A wrapped base64 run too long to hold whole (a MIME part, a PEM-like block of many MB), rewritten in
bounded memory as ``wrapped.redact_wrapped`` rewrites a run, with the same output: its lines spooled to
a temporary file as they are read, decoded in windows of a multiple of 4 characters to another, the
decoded text redacted in pieces cut where ``docstream`` cuts a document (an address, a name or a secret
across a cut is read whole), encoded again in blocks of a multiple of 3 bytes and wrapped as
``wrapped._wrap`` wraps (the first line as long as it was, the others as long as the second, the run's
line break; mixed widths or line breaks only at the same length, else ``WrappedRefused``).

``LongRun`` plans only what ``wrapped._plan`` would rewrite: a run that starts a line (``run_start``:
the line before does not end in 16 base64 characters), with LF or CRLF line breaks, in one alphabet
(standard, or URL-safe with ``-`` or ``_`` before its last line), whose lines joined (or all but a last
line that only looks like base64) are one canonical encoding of text (not binary data, gzip nor a
capture). It ends as ``selfcheck.WRAPPED_RUN``
ends: the first line that is not 16 base64 characters or more before a line break is its last (up to
its ``=`` padding), kept only where what follows may end base64 (``wrapped.LAST_END``), else the line
before is. Anything else is not ``ready``: the caller holds the text (``text``) and treats it as before
(rewritten whole, or refused past its bound: fail closed), never passing it through unread; unless no
reading of it holds an identifier (``holds_original``: lines of UUIDs or tokens, one to a line, decode
to random bytes), when the caller reads its lines again as text (``chunks``), as ``wrapped._plan``
leaves such a run to the text's redaction.
"""

from __future__ import annotations

import base64
import re
import tempfile
from collections.abc import Callable, Iterator
from typing import BinaryIO

from icecheck.redact.archive import RedactError
from icecheck.redact.selfcheck import PCAP_MAGICS, IPAddress, b64_decode, identifiers, in_binary, is_binary, is_kept

_ANY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_\r")
_FULL = re.compile(r"[A-Za-z0-9+/_-]{16,}+\r?")  # a line of a run, but its last (before its LF)
_TAIL = re.compile(r"[A-Za-z0-9+/_-]{16}\r?\Z")  # a line whose end could start a run inside it
_STANDARD = re.compile(r"[A-Za-z0-9+/]*+")
_URLSAFE = re.compile(r"[A-Za-z0-9_-]*+")
WINDOW = 3 << 18  # characters decoded (a multiple of 4) and bytes encoded (of 3) at a time
OVERLAP = 4096  # characters each window of ``holds_original`` shares with the next (a multiple of 4)
LONGEST_LINE = 1 << 20  # a line of a run read at most; past it the run is not planned


# What ``wrapped`` rewrites with and refuses by (here so that both read them without a cycle).


class WrappedRefused(RedactError):
    """A wrapped base64 run that cannot be rewritten holds an original. ``first`` is its first line
    (to find it in the document: ``located``), ``line`` its line number once known (``near``: only
    that the piece of a streamed document it was found in starts there)."""

    def __init__(self, first: str, why: str, line: int | None = None, near: bool = False) -> None:
        self.first, self.why, self.line, self.near = first, why, line, near
        where = "" if line is None else f"{'near ' if near else ''}line {line}: "
        super().__init__(f"cannot redact: {where}base64 wrapped over lines {why}")

    def located(self, text: str, line_before: int = 0, near: bool = False) -> WrappedRefused:
        """This refusal with its line number: where its first line is in ``text`` (which starts after
        ``line_before`` lines of the document), when not known yet; when not found there and ``near``,
        near the line ``text`` starts in."""
        if self.line is not None:
            return self
        at = text.find(self.first[:64])
        if at >= 0:
            return WrappedRefused(self.first, self.why, line_before + text.count("\n", 0, at) + 1)
        return WrappedRefused(self.first, self.why, line_before + 1, near=True) if near else self


def _encoded(raw: bytes, like: str, urlsafe: bool) -> str:
    """``raw`` in base64 (the URL-safe alphabet with ``urlsafe``), padded when ``like`` is (or needs no
    padding), else not."""
    encoded = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode("ascii")
    return encoded if like.endswith("=") or len(like) % 4 == 0 else encoded.rstrip("=")


LAST_END = frozenset("\r\n\\\"',;)]}<>")  # what may follow the last line of a wrapped run (``_plan``)


def run_start(buf: str, least: int) -> int:
    """Where a wrapped run that ``buf`` ends inside starts (a line start: the lines from there on are
    each 16 base64 characters or more before an LF or CRLF, the last not ended yet), when it holds two
    full lines and ``least`` characters or more; else -1, also when the line before could be part of
    it (it ends in 16 base64 characters: the run would start inside that line)."""
    tail = buf.rfind("\n") + 1
    if tail == 0 or len(buf) - tail > LONGEST_LINE or not all(c in _ANY for c in buf[tail:]):
        return -1
    start, lines = tail, 0
    while start > 0:
        prev = buf.rfind("\n", 0, start - 1) + 1
        if _FULL.fullmatch(buf, prev, start - 1) is None:
            break
        start, lines = prev, lines + 1
    if lines < 2 or len(buf) - start < least:
        return -1
    if start > 0 and _TAIL.search(buf, max(0, start - 18), start - 1):
        return -1
    return start


class LongRun:
    """A run read from its first line (``feed``, ``end``), spooled; ``ready`` once ended and planned."""

    def __init__(self) -> None:
        self.spool = tempfile.TemporaryFile(prefix="icecheck-run-")  # noqa: SIM115 - closed in close()
        self.decoded = tempfile.TemporaryFile(prefix="icecheck-run-")  # noqa: SIM115
        self.pending = ""  # the line not ended yet
        self.first = ""  # the first line (a refusal names it)
        self.width0 = self.width1 = 0  # the first and second lines' widths
        self.middle: set[int] = set()  # widths of the full lines after the first but the latest
        self.seps: set[str] = set()  # line breaks after the full lines but the latest
        self.latest = ("", 0)  # the latest full line's line break and width
        self.lines = 0  # full lines spooled
        self.chars = 0  # base64 characters of the run (line breaks apart)
        self.standard = self.urlsafe = False  # a ``+`` or ``/``, a ``-`` or ``_`` read
        self.url_lines, self.latest_url = 0, False  # full lines holding ``-`` or ``_``; the latest does
        self.carry: list[str] = []  # characters not decoded yet, fewer than ``WINDOW`` (and their count)
        self.carried = 0
        self.head = b""  # the first decoded bytes (``is_binary``)
        self.last = ""  # the last line when it is no full line
        self.used = 0  # characters of the run (of the full lines spooled and ``last``)
        self.spooled = 0  # characters spooled when it ended
        self.newlines = 0  # line feeds inside the run
        self.ready = False
        self.done = False
        self.bad = False  # a window did not decode

    # -- reading ------------------------------------------------------------------------------------

    def feed(self, text: str) -> str | None:
        """Take ``text``: None while the run goes on, else (``done``) the text after it when ``ready``,
        or the text after what was read when not (``text`` gives that back)."""
        buf = self.pending + text
        pos = 0
        while True:
            nl = buf.find("\n", pos)
            if nl < 0:
                self.pending = buf[pos:]
                if len(self.pending) > LONGEST_LINE:
                    rest, self.pending = self.pending, ""
                    return self._unplanned(rest)
                return None
            if _FULL.fullmatch(buf, pos, nl) is None:
                self.pending = ""
                return self._ended(buf[pos:], False)
            self._full(buf[pos:nl])
            pos = nl + 1

    def end(self) -> str:
        """The input ended (after ``feed`` returned None)."""
        rest, self.pending = self.pending, ""
        return self._ended(rest, True)

    def _full(self, line: str) -> None:
        body, sep = (line[:-1], "\r\n") if line.endswith("\r") else (line, "\n")
        if self.lines == 0:
            self.first, self.width0 = body, len(body)
        else:
            if self.lines == 1:
                self.width1 = len(body)
            if self.lines >= 2:
                self.middle.add(self.latest[1])
        if self.lines:
            self.seps.add(self.latest[0])
        self.latest = (sep, len(body))
        self.lines += 1
        self.chars += len(body)
        self.standard = self.standard or "+" in body or "/" in body
        self.latest_url = "-" in body or "_" in body
        self.url_lines += self.latest_url
        self.urlsafe = self.urlsafe or self.latest_url
        self.spool.write(line.encode("ascii") + b"\n")
        self.carry.append(body)
        self.carried += len(body)
        if self.carried >= WINDOW:
            joined = "".join(self.carry)
            whole = len(joined) // 4 * 4
            self._decode(joined[:whole])
            self.carry, self.carried = [joined[whole:]], len(joined) - whole

    def _decode(self, chars: str) -> None:
        if not chars:
            return
        raw = b64_decode(chars.encode("ascii"), True)
        if raw is None:
            self.bad = True
            return
        if len(self.head) < 4096:
            self.head += raw[: 4096 - len(self.head)]
        self.decoded.write(raw)

    def _ended(self, rest: str, at_end: bool) -> str:
        """The run ends at ``rest`` (a line that is no full one and what follows, or the input's end)."""
        self.done = True
        if (self.standard and self.urlsafe) or self.lines < 2:  # both alphabets
            return self._unplanned(rest)
        body = (_URLSAFE if self.urlsafe else _STANDARD).match(rest).group()  # type: ignore[union-attr]
        last = rest[: len(body) + min(2, len(rest[len(body) :]) - len(rest[len(body) :].lstrip("=")))] if body else ""
        after = rest[len(last) : len(last) + 1]
        if after == "\\" or (not last and rest[:1] == "="):
            return self._unplanned(rest)  # a JSON-escaped line break: the run may go on
        if not after and not at_end:
            after = "\n"
        if last and after and after not in LAST_END and not last.endswith("="):
            last = ""  # no part of the run (``2026`` of a time stamp): it goes with the text after
        sep, width = self.latest
        self.spool.seek(0, 2)
        self.spooled = self.spool.tell()
        carried = "".join(self.carry)
        self.carry, self.carried = [], 0
        if last and self._canonical(carried + last):
            self.middle.add(width)  # the latest full line is not the first (``lines`` >= 2)
            self.seps.add(sep)
            self.last = last
            self.used = self.spooled + len(last)
            self.chars += len(last)
            self.newlines = self.lines
            after_text = rest[len(last) :]
        elif self.urlsafe and self.url_lines == self.latest_url:
            return self._unplanned(rest)  # only its last line is URL-safe (``wrapped._plan``: read otherwise)
        elif self._canonical(carried):  # without a last line that only looks like base64 (``wrapped._plan``)
            self.used = self.spooled - len(sep)  # its last line break is the text's
            self.newlines = self.lines - 1
            after_text = sep + rest
        else:
            return self._unplanned(rest)
        head = self.head
        if self.bad or not head or head[:2] == b"\x1f\x8b" or head[:4] in PCAP_MAGICS or is_binary(head):
            return self._unplanned(rest)
        self.ready = True
        return after_text

    def _canonical(self, final: str) -> bool:
        """The last characters (a quantum boundary before them) decode, and encode back the same."""
        if not final:
            return True
        raw = b64_decode(final.encode("ascii"), True)
        if raw is None:
            return False
        if _encoded(raw, final, self.urlsafe) != final:
            return False
        self._decode_raw(raw)
        return True

    def _decode_raw(self, raw: bytes) -> None:
        if len(self.head) < 4096:
            self.head += raw[: 4096 - len(self.head)]
        self.decoded.write(raw)

    def _unplanned(self, rest: str) -> str:
        """Not planned: the rest is given back, after ``text``."""
        self.done, self.ready = True, False
        return rest

    def holds_original(self, kept: Callable[[IPAddress], bool]) -> bool:
        """Whether a reading of the full lines read (a run not ``ready``) holds an identifier that must
        not survive, as ``wrapped._plan`` refuses a run it cannot rewrite (in binary data, only those its
        strings can hold: ``selfcheck.in_binary``): its characters joined (``-`` and ``_`` read as ``+``
        and ``/``, as the output check reads both alphabets), decoded from each of its first four
        characters, in windows of ``WINDOW`` characters that overlap by ``OVERLAP`` (an identifier
        across a window's edge is read whole in the next). Lines of UUIDs, hex digests or tokens, one to
        a line, read as one run decode to random bytes (no address): their lines go to the text's
        redaction (``docstream``); one that holds an address is refused where it cannot be held."""
        self.spool.seek(0)
        chars = b""  # joined characters not read past yet (each window starts 4k characters in)
        while True:
            block = self.spool.read(WINDOW)
            chars += block.translate(_TO_STANDARD, b"\r\n")
            if block and len(chars) < WINDOW + OVERLAP:
                continue
            for shift in range(4):
                part = chars[shift : shift + (len(chars) - shift) // 4 * 4]
                raw = b64_decode(part, False) if part else None
                if raw is not None and _unkept(raw, kept):
                    return True
            if not block:
                return False
            keep = len(chars) - OVERLAP
            chars = chars[keep - keep % 4 :]

    def chunks(self) -> Iterator[str]:
        """The full lines read when not ``ready``, ``WINDOW`` characters at a time (the caller reads
        them again as text, not held whole); the run is closed after."""
        try:
            self.spool.seek(0)
            while block := self.spool.read(WINDOW):
                yield block.decode("ascii")
        finally:
            self.close()

    def size(self) -> int:
        """Characters spooled (full lines and their line breaks)."""
        self.spool.seek(0, 2)
        return self.spool.tell()

    def text(self) -> str:
        """The full lines read when not ``ready`` (the caller holds them again, before the rest)."""
        self.spool.seek(0)
        data = self.spool.read().decode("ascii")
        self.close()
        return data

    def close(self) -> None:
        self.spool.close()
        self.decoded.close()

    # -- writing ------------------------------------------------------------------------------------

    def emit(
        self, write: Callable[[str], object], redact_inner: Callable[[str], str],
        pieces: Callable[[BinaryIO], Iterator[str]],
    ) -> None:  # fmt: skip
        """The run rewritten to ``write`` (``redact_inner`` redacts a piece of its decoded text, which
        ``pieces`` cuts from its file where ``docstream`` would), or as it was when nothing changes;
        ``WrappedRefused`` where ``wrapped._wrap`` refuses."""
        try:
            redacted = tempfile.TemporaryFile(prefix="icecheck-run-")  # noqa: SIM115 - closed below
            with redacted:
                changed, size = False, 0
                self.decoded.seek(0)
                for piece in pieces(self.decoded):
                    new = redact_inner(piece)
                    changed = changed or new != piece
                    data = new.encode("utf-8", "surrogateescape")
                    redacted.write(data)
                    size += len(data)
                if not changed:
                    self._copy(write)
                    return
                redacted.seek(0)
                self._encode(redacted, size, write)
        finally:
            self.close()

    def _copy(self, write: Callable[[str], object]) -> None:
        self.spool.seek(0)
        left = min(self.used, self.spooled)
        while left > 0:
            block = self.spool.read(min(left, WINDOW))
            write(block.decode("ascii"))
            left -= len(block)
        if self.last:
            write(self.last)

    def _lines(self) -> Iterator[tuple[int, str]]:
        """(width, line break after it) of each line of the run as it was."""
        self.spool.seek(0)
        for i in range(self.lines):
            line = self.spool.readline()
            body = line.rstrip(b"\r\n")
            yield len(body), ("" if i == self.lines - 1 and not self.last else line[len(body) :].decode("ascii"))
        if self.last:
            yield len(self.last), ""

    def _encode(self, redacted: BinaryIO, size: int, write: Callable[[str], object]) -> None:
        padded = self.last.endswith("=") or self.chars % 4 == 0
        length = 4 * ((size + 2) // 3) - (0 if padded else (3 - size % 3) % 3)
        last = len(self.last) if self.last else self.latest[1]
        n = self.lines + (1 if self.last else 0)
        if length == self.chars:
            shape: Iterator[tuple[int, str]] = self._lines()
        else:
            width = self.width1 if n > 2 else self.width0
            if any(w != width for w in self.middle) or last > width or (n > 2 and self.width0 > width):
                raise WrappedRefused(self.first, "has lines of mixed widths that its new length cannot keep")
            if len(self.seps) > 1:
                raise WrappedRefused(self.first, "has mixed line breaks that its new length cannot keep")
            shape = _uniform(self.width0, width, next(iter(self.seps)))
        encode = base64.urlsafe_b64encode if self.urlsafe else base64.b64encode
        out: list[str] = []
        held = 0
        room, sep = next(shape)
        done = 0
        while block := redacted.read(WINDOW):
            text = encode(block).decode("ascii")
            done += len(block)
            if done >= size and not padded:
                text = text.rstrip("=")
            at = 0
            while at < len(text):
                take = text[at : at + room]
                out.append(take)
                at += len(take)
                room -= len(take)
                held += len(take)
                if room == 0 and (at < len(text) or done < size):
                    out.append(sep)  # the line break after the line just filled
                    room, sep = next(shape)
            if held >= WINDOW:
                write("".join(out))
                out, held = [], 0
        write("".join(out))


_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def _unkept(raw: bytes, kept: Callable[[IPAddress], bool]) -> bool:
    """``raw`` (a reading of a run) holds an identifier that must not survive (``wrapped._originals``)."""
    binary = is_binary(raw)
    return any((in_binary(i) or not binary) and not is_kept(i, kept) for i in identifiers(raw))


def _uniform(first: int, width: int, sep: str) -> Iterator[tuple[int, str]]:
    yield first, sep
    while True:
        yield width, sep
