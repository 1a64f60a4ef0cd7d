"""Redaction of a large text document (JSON, SIP log, SDP, plain log) as a stream, in bounded memory.

``redact_stream(open_text, write, kind, standins, scrub)`` gives the same output as
``formats.redact_document`` on the whole document (after the same first pass), but reads the text in
pieces and writes the result piece by piece. Pieces are cut only where no match of redaction's
patterns can span the cut (``text.redact_text``, ``text.scrub_secrets``, ``text.scan_originals``):
- before a line feed whose preceding character is not white space, ``"`` or ``:`` (no address, MAC,
  name or percent run holds a line feed; ``"password"\\s*:\\s*"`` could span one only after those);
- in raw JSON text, also before a backslash (no pattern holds one, and no escape is cut).
A JSON string literal never holds a raw line feed, so lines of JSON are cut like text; a long line
(a whole document on one line) is read literal by literal (``_JsonStream``): a literal too long to
hold is spooled to a temporary file in pieces cut before a ``\\n`` escape, and written afterwards
re-encoded (``formats._json_string``'s rule: unchanged literals byte for byte, changed ones with
``json.dumps`` and the file's escaping style). SIP messages are cut between messages
(``sip.redact_sip_text``), each message whole.

No piece is cut inside base64 wrapped over lines (``wrapped.splits_run``: each run is rewritten whole,
so a run is held up to ``MAX_WHOLE`` characters as a word is), and a refusal of one names its line. In
a text document, in a SIP message's body too long to hold (``_sip``: the body redacted to a temporary
file first, then its head with the new Content-Length; or with no Content-Length, its body up to the next
start line), and in a JSON string (its line breaks ``\\n`` or ``\\r\\n`` escapes, and its ``/`` when the
run writes them ``\\/``, read as the characters they stand for as the run is read and written again so:
``_Literal``; raw JSON is cut before such a line break, ``escape_cut``), a run that grows past
``MAX_HELD`` from a line start is not held: it is read on as a ``longrun.LongRun`` (spooled to a
temporary file, rewritten in pieces with the same output); one it cannot plan (both alphabets, binary
data, no canonical encoding, ``/`` written both ways) is held as before when a reading of it holds an
address, a MAC or a name (``LongRun.holds_original``; refused past ``MAX_WHOLE``), else its lines are
read again as text cut at their line feeds (lines of UUIDs, digests or tokens, one to a line, read as
one run: the document held whole leaves such a run to the text).
Where a line grows past ``MAX_HELD`` with no such place, it is also cut (``find_cut``):
- before a character that no pattern holds and that no look-around of one reads as part of it
  (``_NEUTRAL``: punctuation such as ``,;(){}<>!?&#*|~^`$'@\\``, bytes that are not UTF-8);
- before a white-space character, when the last character before that is not white space is
  neither ``"`` nor ``:`` (the ``\\s*`` of the scrubbed ``"key" : "`` forms) and, for a space,
  the text before does not end in ``a=fingerprint:<word>`` or `` ufrag`` (whose space a secret's
  pattern holds); a look-behind reads at most two characters and none reads white space as part
  of an address, so a match on either side is the same as in the whole text.
A long literal is cut the same way (on its decoded text, before a raw character). What still has
no allowed cut — one "word" of letters, digits and ``.:%-[]+/="`` (every pattern's characters:
no bound ``K`` on a match exists there, a percent run or a colon-hex run is unbounded) — is held
up to ``MAX_WHOLE`` characters and past that refused (``RedactError``: fail closed, nothing
written). One SIP message is held whole (its Content-Length is written before its body), up to
``MAX_WHOLE``, unless its Content-Length says its body runs more than ``MAX_HELD`` past what is held
(then its body is redacted first, as above), or it has no Content-Length and what is held grows past
``MAX_HELD`` (its body, RFC 3261 §18.3 over a stream, runs to the next start line: read up to it,
``_Unframed``, and redacted first the same way; a line that may still become a start line is held,
and refused past ``MAX_WHOLE``).

A run of base64 characters (``B64_CHARS``) that opens a JSON string (after a ``"`` that opens no
secret's value) is the exception (a HAR body saved with content): no pattern matches inside such a run
(every one needs a ``.``, ``:``, ``%``, ``-``, white space or a secret's prefix, none of them in it,
and what may run on into it — a colon-hex or percent run — is not an address once it holds more than
four hex digits in a row), so it is cut anywhere ``B64_MARGIN`` characters or more inside (``base64_cut``;
the run goes on in the next piece). The text's base64 pass (``text._base64_token``) is the one pattern that
does match inside it: a literal opened by such a run is not rewritten by that pass on either path
(``formats.long_base64``). Its literal (``_Literal``) is spooled in pieces of a multiple of 4
characters; when it closes as base64 alone (padding only at its end), up to ``MAX_WHOLE`` it is
redacted whole by ``formats._json_string`` as before, and longer it is streamed by
``formats.base64_body_stream`` with the same output: decoded to a temporary file, told apart from its
first decoded bytes (``formats._base64_body``'s rule), then binary data kept as it was, a capture
redacted by ``pcap.redact_stream``, text prepared and redacted by this module, gzip/xz/bzip2 inflated
to a file and compressed again, and encoded again in pieces of 3 bytes. What that text holds is bound
by the same limits (a word with no cut, one SIP message past ``MAX_WHOLE``: refused).
"""

from __future__ import annotations

import codecs
import functools
import itertools
import json
import re
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from icecheck.redact.archive import RedactError
from icecheck.redact.formats import B64_CHARS, B64_MARGIN, escapes_solidus, json_string
from icecheck.redact.standins import StandIns

if TYPE_CHECKING:
    from icecheck.redact.longrun import LongRun
    from icecheck.redact.selfcheck import IPAddress

CHUNK = 1 << 20  # characters read at a time
MAX_HELD = 4 << 20  # past this, a piece is cut at the last allowed place found
MAX_WHOLE = 16 << 20  # characters held with no allowed cut at most; past this, refused (fail closed)
_BODY = re.compile(r'[^"\\\n]*+(?:\\.[^"\\\n]*+)*+')  # the inside of a JSON string literal (formats._STRING)
_B64_PIECE = re.compile(r"[A-Za-z0-9+/]*+={0,2}")
_NO_CUT_AFTER = frozenset(' \t\r\n\x0b\x0c":')


def chunks(open_input: Callable[[], BinaryIO], size: int | None = None) -> Iterator[str]:
    """The file decoded as UTF-8 with ``surrogateescape`` (as ``formats.redact_document`` does), in pieces
    of ``size`` bytes (``CHUNK``: the limits are read when called, so a test lowers them in one place)."""
    size = CHUNK if size is None else size
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    with open_input() as fh:
        while block := fh.read(size):
            text = decoder.decode(block)
            if text:
                yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


Guard = Callable[[str, int], bool] | None  # a place where no cut may fall either (``text.inside_odd_secret``)


def line_cut(text: str, start: int = 0, guard: Guard = None) -> int:
    """The last allowed cut before a line feed in ``text[start:]`` (see the module doc), or -1."""
    pos = len(text)
    while True:
        pos = text.rfind("\n", start, pos)
        if pos <= start:
            return -1
        if text[pos - 1] not in _NO_CUT_AFTER and not (guard and guard(text, pos)):
            return pos


# Where a cut may fall: before a character no pattern holds, or in or before a run of white space.
_CUTS = re.compile(r'(?P<p>[^\w\s.:%\-\[\]+/="\\])|(?P<s>\s+)')  # not before ``\``: a JSON escape in a secret
_SECRET_TAIL = re.compile(r"(?:a=fingerprint:[\w-]*|\sufrag)\Z")  # a space these end in is a pattern's
_LONG_WORD = re.compile(r"[\w-]{256}\Z")  # too long a word to tell whether ``a=fingerprint:`` starts it


def find_cut(text: str, start: int = 0, before: str = '"', guard: Guard = None) -> int:
    """The last allowed cut in ``text[start:]`` (see the module doc: after ``start``), or -1.
    ``before``: the last character before ``text`` that is not white space (``"`` when unknown)."""
    width = 1 << 16
    while True:
        lo = max(start, len(text) - width)
        found = [m for m in _CUTS.finditer(text, lo)]
        for m in reversed(found):
            pos = m.start()
            if _in_secret(text, pos) or (guard and guard(text, pos)):
                continue
            if m.lastgroup == "p":
                if pos > start:
                    return pos
                continue
            if pos == lo and lo > 0 and text[pos - 1].isspace():
                continue  # a run that began before the window: its start is not seen here
            prev = text[pos - 1] if pos > 0 else before
            if prev in ('"', ":") or prev.isspace():
                continue
            if m.end() - pos >= 2 and m.end() - 1 > start and not (guard and guard(text, m.end() - 1)):
                return m.end() - 1  # inside the run
            if pos > start and not (text[pos] == " " and _secret_tail(text, pos)):
                return pos
        if lo <= start:
            return -1
        width *= 4


_SECRET_OPEN = re.compile(r'"(?:password|credential|pwd|usernameFragment|ufrag)"\s*:\s*"(?:[^"\\\n]|\\[^\n])*\Z')


def _in_secret(text: str, pos: int) -> bool:
    """``pos`` lies inside a JSON secret's value (``text._PWD``, ``text._UFRAG``), which may hold any
    character: no cut there (up to 1,024 characters back; a longer secret may be cut)."""
    return bool(_SECRET_OPEN.search(text, max(0, pos - 1024), pos))


def _secret_tail(text: str, pos: int) -> bool:
    """``text[:pos]`` may end where a scrubbed pattern holds the space that follows."""
    lo = max(0, pos - 300)
    return bool(_SECRET_TAIL.search(text, lo, pos) or _LONG_WORD.search(text, lo, pos))


def line_pieces(
    source: Iterator[str], raw_json: bool = False, held: int | None = None, guard: Guard = None, odd: Guard = None
) -> Iterator[str]:
    """``source`` re-cut at allowed places (before a line feed; past ``held`` characters, ``MAX_HELD``
    by default, at any allowed place, ``find_cut``), none where ``guard`` says no; ``RedactError`` past
    ``MAX_WHOLE`` characters with no allowed cut. In raw JSON (``raw_json``) with no such place, also
    before the escaped line break after a line of a wrapped run (``escape_cut``: ``_JsonStream`` joins
    a literal's pieces again, and no pattern the raw text is scrubbed by holds one), where ``odd`` (a
    secret's place, ``text.inside_odd_secret``) does not say no."""
    for piece in _pieces(source, raw_json, held, guard, None, odd):
        assert isinstance(piece, str)  # no ``LongRun`` without ``long_runs``
        yield piece


def _pieces(
    source: Iterator[str], raw_json: bool, held: int | None, guard: Guard, long_runs: Kept | None, odd: Guard = None
) -> Iterator[str | LongRun]:
    """``line_pieces``; with ``long_runs`` (what the run keeps: ``StandIns.kept``), a wrapped base64 run
    that grows past ``held`` with no allowed cut, from a line start (``longrun.run_start``), is read on as a
    ``LongRun`` (spooled, not held) and handed over planned. One it cannot plan is held as before when a
    reading of it holds an address, a MAC or a name (``LongRun.holds_original``; refused past
    ``MAX_WHOLE``); else its lines are not base64 of anything the output check reads (one UUID, digest
    or token a line): they are read again as text, cut before any of their line feeds but the last (as
    the document held whole reads them: ``wrapped._plan`` leaves such a run to the text's redaction)."""
    from icecheck.redact.longrun import LongRun, run_start

    held = MAX_HELD if held is None else held
    ahead: deque[Iterator[str]] = deque([iter(source)])  # what is read next: lines given back, then the rest
    buf, before, searched = "", "", 0  # buf[:searched] held no allowed cut (each part is searched once)
    offset = 0  # the document's bytes before ``buf``
    in_run = False  # ``buf`` starts inside a base64 run cut before (``base64_cut``)
    free = 0  # ``buf[:free]``: a run's lines given back, cut before any line feed there (not at ``free``)
    while (text := _next(ahead)) is not None:
        buf += text
        if free > 0:
            cut = buf.rfind("\n", 1, min(free, len(buf)))
            if cut > 0:
                piece = buf[:cut]
                yield piece
                buf, offset, free = buf[cut:], offset + byte_size(piece), free - cut
                before = piece.rstrip()[-1:] or before
            if free > len(buf):
                continue
            free, searched, in_run = 0, 0, False  # the run's last line break and what follows: as text is cut
        cut = line_cut(buf, max(0, searched - 1), guard)
        run_cut = False
        if cut < 0 and len(buf) > held:
            cut = find_cut(buf, max(0, searched - 1), before or ",", guard)
            searched = len(buf)
            if cut < 0:
                cut = base64_cut(buf, in_run, guard)
                run_cut = cut > 0
            if cut < 0 and raw_json:
                cut = escape_cut(buf, odd)
            if cut < 0 and long_runs is not None and (start := run_start(buf, held // 2)) >= 0:
                if start > 0:
                    yield buf[:start]
                    offset += byte_size(buf[:start])
                    before = buf[:start].rstrip()[-1:] or before
                run = LongRun()
                rest = run.feed(buf[start:])
                while rest is None:
                    more = _next(ahead)
                    rest = run.end() if more is None else run.feed(more)
                if run.ready:
                    yield run
                    offset += run.used
                    before = "="
                    buf, searched, in_run = rest, 0, False
                    continue
                if not run.holds_original(long_runs):
                    free = run.size() - 1
                    ahead.extendleft([iter([rest]), run.chunks()])  # read next: its lines, then the rest
                    buf, searched, in_run = "", 0, False
                    continue
                if run.size() + len(rest) > MAX_WHOLE:
                    run.close()
                    raise_unbounded("a line", _HOLDS_ORIGINAL, at=offset)
                buf, searched = run.text() + rest, 0
                cut = line_cut(buf, 0, guard)
        if cut > 0:
            piece = buf[:cut]
            yield piece
            buf, searched, offset, in_run = buf[cut:], 0, offset + byte_size(piece), run_cut
            solid = piece.rstrip()
            before = solid[-1] if solid else before
        elif len(buf) > MAX_WHOLE:
            raise_unbounded("a line", at=offset)
    if buf:
        yield buf


Kept = Callable[["IPAddress"], bool]
_HOLDS_ORIGINAL = (
    "base64 wrapped over lines that cannot be rewritten in pieces, and whose decoding holds an address, a MAC or a name"
)


def _next(ahead: deque[Iterator[str]]) -> str | None:
    """The next text of the first of ``ahead`` not exhausted, or None at the end of all."""
    while ahead:
        text = next(ahead[0], None)
        if text is not None:
            return text
        ahead.popleft()
    return None


_ESCAPED_BREAK = re.compile(r"(?<=[A-Za-z0-9+/_-]{16})\\(?:r\\)?n")


def escape_cut(buf: str, odd: Guard = None) -> int:
    """The last place before a ``\\n`` or ``\\r\\n`` escape that follows 16 base64 characters (a
    line of a run in a JSON string) in the last ``MAX_HELD`` characters of ``buf``, outside a JSON
    secret's value (``_in_secret``) and where ``odd`` does not say no; or -1."""
    found = [m.start() for m in _ESCAPED_BREAK.finditer(buf, max(0, len(buf) - MAX_HELD))]
    for pos in reversed(found[-64:]):
        if pos > 0 and not _in_secret(buf, pos) and not (odd and odd(buf, pos)):
            return pos
    return -1


def base64_cut(buf: str, in_run: bool, guard: Guard = None) -> int:
    """A cut inside the run of base64 characters ``buf`` ends in (see the module doc), ``B64_MARGIN``
    characters before its end at least, or -1: the run must have opened a JSON string (after a ``"``
    that opens no secret's value, ``_in_secret``) or continue one cut so (``in_run``: ``buf`` starts
    in it), hold ``2 * B64_MARGIN`` characters, and ``guard`` not refuse the place."""
    run = len(buf) - len(buf.rstrip(B64_CHARS))
    start = len(buf) - run
    if run < 2 * B64_MARGIN:
        return -1
    if start == 0 and not in_run:
        return -1
    if start > 0 and (buf[start - 1] != '"' or _in_secret(buf, start)):
        return -1
    cut = len(buf) - B64_MARGIN
    return -1 if guard is not None and guard(buf, cut) else cut


def byte_size(text: str) -> int:
    """How many bytes of the document ``text`` was decoded from (``chunks``: UTF-8, ``surrogateescape``)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogateescape"))


def raise_unbounded(
    what: str,
    why: str = "characters an address, a name or an encoded body may span",
    at: int | None = None,
    after: bool = False,
) -> None:
    """Fail closed on a stretch that cannot be cut (see the module doc): ``why`` says what it is, ``at``
    where it starts (a byte offset in the document, after decompression; with ``after``, only a place
    before its start is known)."""
    where = f" {'after' if after else 'at'} byte {at}" if at is not None else ""
    raise RedactError(
        f"cannot redact: {what}{where} runs more than {MAX_WHOLE >> 20} MiB characters with no place where it"
        f" can be cut safely ({why})"
    )


def prepare_stream(source: Iterator[str], kind: str, standins: StandIns, scrub: bool, held: int | None = None) -> None:
    """``formats.prepare`` over the whole text, piece by piece."""
    from icecheck.redact.formats import prepare

    for piece in line_pieces(source, raw_json=kind == "json", held=held):
        prepare(piece, standins, scrub)


def redact_stream(
    source: Iterator[str], write: Callable[[str], object], kind: str, standins: StandIns, scrub: bool,
    held: int | None = None,
) -> None:  # fmt: skip
    """The redacted text of ``source`` (``kind`` json, sip or text, as ``formats.detect`` said) to
    ``write``; the first pass (``prepare_stream``) must have run."""
    from icecheck.redact.text import redact_text
    from icecheck.redact.wrapped import WrappedRefused

    held = MAX_HELD if held is None else held
    guard = _no_cut(standins, scrub)
    odd = _odd(standins, scrub)
    seen = _Lines()
    try:
        if kind == "sip":
            _sip(source, write, standins, scrub, held, seen, guard)
        elif kind == "json":
            stream = _JsonStream(write, standins, scrub, held, guard)
            for piece in seen.pieces(line_pieces(source, raw_json=True, held=held, guard=guard, odd=odd)):
                stream.feed(piece)
            seen.near = True  # a literal spooled before: after the line the last piece starts in
            stream.finish()
        else:
            for part in seen.pieces(_pieces(source, False, held, guard, standins.kept)):
                if isinstance(part, str):
                    write(redact_text(part, standins, scrub))
                else:  # a wrapped run too long to hold, as ``wrapped.redact_wrapped`` rewrites one
                    part.emit(write, functools.partial(redact_text, standins=standins, scrub=scrub, depth=1),
                              lambda fh: line_pieces(chunks(lambda: fh), held=held, guard=guard))  # fmt: skip
    except WrappedRefused as exc:  # named by its line in the document
        raise exc.located(seen.current, seen.before, seen.near) from None


def _odd(standins: StandIns, scrub: bool) -> Guard:
    """``text.inside_odd_secret`` when it may say no (``_no_cut``), else None."""
    from icecheck.redact.text import inside_odd_secret

    return functools.partial(inside_odd_secret, standins=standins) if scrub and standins.odd_lengths else None


def _no_cut(standins: StandIns, scrub: bool) -> Callable[[str, int], bool]:
    """Where a piece may not be cut: inside base64 wrapped over lines (``wrapped.splits_run``: each run is
    rewritten whole), nor inside a secret holding a space or punctuation (``correct horse``) that may
    recur bare (``text.inside_odd_secret``)."""
    from icecheck.redact.text import inside_odd_secret
    from icecheck.redact.wrapped import splits_run

    if not (scrub and standins.odd_lengths):
        return splits_run
    odd = functools.partial(inside_odd_secret, standins=standins)
    return lambda text, pos: splits_run(text, pos) or odd(text, pos)


_Piece = TypeVar("_Piece", str, "str | LongRun")


class _Lines:
    """The piece of a document being redacted and the line feeds before it (a refusal names its line)."""

    def __init__(self) -> None:
        self.current, self.before, self.near = "", 0, False
        self.inside = 0  # line feeds inside the current piece when it is a ``LongRun``

    def pieces(self, source: Iterator[_Piece]) -> Iterator[_Piece]:
        for piece in source:
            self.before += self.current.count("\n") + self.inside
            if isinstance(piece, str):
                self.current, self.inside = piece, 0
            else:  # its first line (a refusal names it) and its line feeds
                self.current, self.inside = piece.first, piece.newlines
            self.near = True
            yield piece

    def held(self, text: str) -> None:
        """``text`` is what is held now, after all that came before it (``_sip``)."""
        self.current, self.near = text, False

    def wrote(self, text: str) -> None:
        self.before += text.count("\n")


def redact_text_file(src: Path, dst: Path, kind: str, standins: StandIns, scrub: bool) -> None:
    """The text file ``src`` (``kind`` json, sip or text) prepared and redacted into ``dst`` as a stream
    (a base64 body's decoding: ``formats.base64_body_stream``)."""

    def opener() -> BinaryIO:
        return src.open("rb")

    prepare_stream(chunks(opener), kind, standins, scrub)
    with dst.open("wb") as out:
        redact_stream(chunks(opener), lambda text: out.write(text.encode("utf-8", "surrogateescape")),
                      kind, standins, scrub)  # fmt: skip


def _sip(
    source: Iterator[str], write: Callable[[str], object], standins: StandIns, scrub: bool, held: int, seen: _Lines,
    guard: Guard = None,
) -> None:  # fmt: skip
    """SIP text cut where a message that ``sip.redact_sip_text`` reads ends at a line's end (its body
    whole in ``buf``): the text before it is then complete messages and text between them, and the
    text after it, up to the next start line, is text between messages in the next piece as in the
    whole. (A cut only before a start line refused a softphone's log, whose messages are followed
    by its own log lines, past ``MAX_WHOLE``.) A message whose Content-Length runs more than ``held``
    characters past what is held has its body redacted as a streamed text document is (``_sip_body``: a
    long wrapped run in it read on as a ``LongRun``) to a temporary file, then its head with the new
    Content-Length: the order ``sip._sip_message`` redacts in, so the same stand-ins. So has a message
    with no Content-Length whose head is held whole (``sip.open_unframed``) once ``buf`` grows past
    ``held``: its body is read up to the next start line (``_Unframed``), its head written as redacted."""
    from icecheck.redact.sip import message_ends, open_message, open_unframed, redact_sip_text, unended_head

    source = iter(source)
    buf, offset = "", 0  # offset: the document's bytes before ``buf``
    for text in source:
        buf += text
        if len(buf) < held // 8:
            continue
        cut = -1
        for end in message_ends(buf):
            if end > len(buf) - 1:
                break
            if end > 0 and buf[end - 1] == "\n":
                cut = end
        if cut > 0:
            seen.held(buf)
            write(redact_sip_text(buf[:cut], standins, scrub))
            seen.wrote(buf[:cut])
            buf, offset = buf[cut:], offset + byte_size(buf[:cut])
        elif len(buf) > held and (message := open_message(buf)) and message[1] + message[2] - len(buf) > held:
            start, body_start, length = message
            if start > 0:
                seen.held(buf)
                write(redact_sip_text(buf[:start], standins, scrub))
                seen.wrote(buf[:start])
            seen.held(buf[start:])
            head, offset = buf[start:body_start], offset + byte_size(buf[:body_start]) + length
            body = _Taken(itertools.chain([buf[body_start:]], source), length)
            buf = _sip_body(head, body, write, standins, scrub, held, guard)
            seen.wrote(head)
            seen.before += body.newlines
        elif len(buf) > held and (unframed := open_unframed(buf)):
            start, body_start = unframed
            if start > 0:
                seen.held(buf)
                write(redact_sip_text(buf[:start], standins, scrub))
                seen.wrote(buf[:start])
            seen.held(buf[start:])
            head, offset = buf[start:body_start], offset + byte_size(buf[:body_start])
            rest = _Unframed(itertools.chain([buf[body_start:]], source), offset)
            buf = _sip_body(head, rest, write, standins, scrub, held, guard)
            seen.wrote(head)
            seen.before += rest.newlines
            offset += rest.size
        elif len(buf) > MAX_WHOLE:
            why = "one message is redacted whole: its body's length is in its head"
            if unended_head(buf):
                why = "its head has no blank line: where its body starts is not known"
            raise_unbounded("a SIP message", why, at=offset)
    seen.held(buf)
    write(redact_sip_text(buf, standins, scrub))


class _Taken:
    """The first ``length`` bytes of ``source`` (UTF-8, ``surrogateescape``; ``sip._body_end``'s rule
    at a character cut), then ``rest``: what follows, once read."""

    def __init__(self, source: Iterator[str], length: int) -> None:
        self.source, self.left, self.rest = source, length, ""
        self.newlines = 0  # line feeds taken

    def __iter__(self) -> Iterator[str]:
        for text in self.source:
            size = byte_size(text)
            if size < self.left:
                self.left -= size
                self.newlines += text.count("\n")
                yield text
                continue
            cut = len(text.encode("utf-8", "surrogateescape")[: self.left].decode("utf-8", "surrogateescape"))
            head, self.rest, self.left = text[:cut], text[cut:], 0  # as many characters as those bytes decode to
            self.newlines += head.count("\n")
            if head:
                yield head
            return


class _Unframed:
    """The body of a message with no Content-Length (``sip.open_unframed``) from ``source``: up to the
    next start line (``sip.unframed_prefix``, ``sip._body_end``'s rule), then ``rest``: what follows,
    once read. ``at``: where the body starts in the document (bytes), for a refusal."""

    def __init__(self, source: Iterator[str], at: int) -> None:
        self.source, self.at, self.rest = source, at, ""
        self.newlines = 0  # line feeds taken
        self.size = 0  # bytes taken

    def __iter__(self) -> Iterator[str]:
        from icecheck.redact.sip import unframed_prefix

        held, mid = "", False  # held: text not decided yet (from a line start, unless ``mid``)
        while True:
            text = next(self.source, None)
            final = text is None
            held += text or ""
            n, ended = unframed_prefix(held, mid, final)
            if n > 0:
                taken = held[:n]
                self.newlines += taken.count("\n")
                self.size += byte_size(taken)
                yield taken
                mid = n == len(held) and not held.endswith("\n")
                held = held[n:]
            if ended or final:
                self.rest = held
                return
            if len(held) > MAX_WHOLE:
                why = "a line of a SIP body that may still become the next message's start line"
                raise_unbounded("a SIP message", why, at=self.at + self.size)


def _sip_body(
    head: str, body: _Taken | _Unframed, write: Callable[[str], object], standins: StandIns, scrub: bool, held: int,
    guard: Guard,
) -> str:  # fmt: skip
    """A message with a long body redacted (see ``_sip``); what follows its body, already read. A head
    with no Content-Length is written as it is redacted (``sip.content_length`` changes nothing)."""
    from icecheck.redact.sip import content_length
    from icecheck.redact.text import redact_text

    out = tempfile.TemporaryFile(prefix="icecheck-redact-")  # noqa: SIM115 - closed below
    with out:
        size = 0

        def spill(text: str) -> None:
            nonlocal size
            data = text.encode("utf-8", "surrogateescape")
            out.write(data)
            size += len(data)

        for part in _pieces(iter(body), False, held, guard, standins.kept):
            if isinstance(part, str):
                spill(redact_text(part, standins, scrub))
            else:
                part.emit(spill, functools.partial(redact_text, standins=standins, scrub=scrub, depth=1),
                          functools.partial(_decoded_pieces, held=held, guard=guard))  # fmt: skip
        write(content_length(redact_text(head, standins, scrub), size))
        out.seek(0)
        while block := out.read(CHUNK):
            write(block.decode("utf-8", "surrogateescape"))
    return body.rest


class _JsonStream:
    """``formats.redact_json_text`` over pieces of raw JSON text, literal by literal."""

    def __init__(
        self, write: Callable[[str], object], standins: StandIns, scrub: bool, held: int, guard: Guard
    ) -> None:
        self.write, self.standins, self.scrub, self.held, self.guard = write, standins, scrub, held, guard
        self.buf = ""
        self.gap: list[str] = []  # text between literals not yet redacted
        self.gap_len = 0
        self.literal: _Literal | None = None
        self.before = ","  # the last character written that is not white space (``find_cut``)
        self.places = _Places()
        self.consumed = 0  # bytes of scrubbed text moved out of ``buf`` (into the gap, a literal, or written)
        self.gap_at = 0  # where the gap starts (scrubbed bytes)
        self.literal_at = 0  # where the held literal's opening quote is (scrubbed bytes)
        self.literal_taken = 0  # bytes fed to the held literal

    def feed(self, piece: str) -> None:
        if self.scrub:  # formats.redact_json_text scrubs the raw text first (pieces are cut where it may)
            from icecheck.redact.text import scrub_secrets

            raw = byte_size(piece)
            piece = scrub_secrets(piece, self.standins)
            self.places.fed(raw, byte_size(piece))
        else:
            self.places.fed(byte_size(piece), byte_size(piece))
        self._run(piece, final=False)

    def finish(self) -> None:
        self._run("", final=True)
        self._flush_gap()

    def _run(self, piece: str, final: bool) -> None:
        pending = deque([piece])
        while pending:
            text = pending.popleft()
            if self.literal is not None:
                self.literal_taken += byte_size(text)
                rest = self.literal.feed(text, final and not pending)
                if rest is None:
                    continue  # all of it taken into the literal
                literal, self.literal = self.literal, None
                if literal.failed:  # a raw line feed (or the end) before the closing quote: not a literal,
                    self.consumed = self.literal_at
                    self._gap('"')  # read again as text from the character after the quote
                    pending.extendleft(reversed([*literal.raw_pieces(), rest]))
                    continue
                self.consumed = self.literal_at + self.literal_taken - byte_size(rest)
                self._flush_gap()
                literal.emit(self.write)
                self.before = '"'
                text = rest
            self.buf += text
            self._scan(final and not pending)

    def _scan(self, final: bool) -> None:
        from icecheck.redact.formats import _json_string

        buf, pos = self.buf, 0
        while True:
            q = buf.find('"', pos)
            if q < 0:
                self._gap(buf[pos:])
                self.buf = ""
                return
            self._gap(buf[pos:q])
            end = _BODY.match(buf, q + 1).end()  # type: ignore[union-attr]  # always matches
            if end < len(buf) and buf[end] == '"':
                self._flush_gap()
                self.write(_json_string(buf[q : end + 1], self.standins, self.scrub))
                self.consumed += byte_size(buf[q : end + 1])
                self.before = '"'
                pos = end + 1
                continue
            incomplete = end == len(buf) or (end == len(buf) - 1 and buf[end] == "\\")
            if incomplete and not final:
                if len(buf) - q > self.held:
                    self.literal_at, self.literal_taken = self.consumed, byte_size(buf[q:])
                    at, after = self.places.document(self.literal_at)
                    self.literal = _Literal(self.standins, self.scrub, self.held, self.guard, at, after,
                                            self.standins.kept)  # fmt: skip
                    self.buf = ""
                    rest = self.literal.feed(buf[q + 1 :], final)
                    if rest is not None:  # ended or failed at once (cannot happen: the body ran to the end)
                        raise AssertionError("literal ended inside the held text")
                    return
                self.buf = buf[q:]
                return
            self._gap('"')  # not a literal (a raw line feed inside, or the end): text from the next character
            pos = q + 1

    def _gap(self, text: str) -> None:
        if not text:
            return
        if not self.gap:
            self.gap_at = self.consumed
            self.places.forget(self.gap_at)
        self.consumed += byte_size(text)
        self.gap.append(text)
        self.gap_len += len(text)
        if self.gap_len > self.held:
            from icecheck.redact.text import redact_text

            joined = "".join(self.gap)
            cut = line_cut(joined, 0, self.guard)
            cut = cut if cut > 0 else find_cut(joined, 0, self.before, self.guard)
            if cut > 0:
                self.write(redact_text(joined[:cut], self.standins, self.scrub))
                self.gap_at += byte_size(joined[:cut])
                self.places.forget(self.gap_at)
                solid = joined[:cut].rstrip()
                self.before = solid[-1] if solid else self.before
                joined = joined[cut:]
            elif len(joined) > MAX_WHOLE:
                at, after = self.places.document(self.gap_at)
                raise_unbounded("a stretch of JSON outside string literals", at=at, after=after)
            self.gap, self.gap_len = [joined], len(joined)

    def _flush_gap(self) -> None:
        from icecheck.redact.text import redact_text

        if self.gap:
            self.write(redact_text("".join(self.gap), self.standins, self.scrub))
        self.gap, self.gap_len = [], 0


class _Places:
    """Byte offsets of the scrubbed text (``_JsonStream`` reads raw JSON after ``text.scrub_secrets``)
    in the document: a scrubbed secret written with escapes or characters outside ASCII changes the
    size of the piece it is in. Only those pieces are remembered, and only until ``forget``."""

    def __init__(self) -> None:
        self.scrubbed = 0  # bytes of scrubbed text fed
        self.shift = 0  # document bytes minus scrubbed bytes before the pieces remembered
        self.changed: deque[tuple[int, int, int]] = deque()  # (start, end, size change) of changed pieces

    def fed(self, raw: int, scrubbed: int) -> None:
        """A piece of ``raw`` document bytes became ``scrubbed`` bytes."""
        if raw != scrubbed:
            self.changed.append((self.scrubbed, self.scrubbed + scrubbed, raw - scrubbed))
        self.scrubbed += scrubbed

    def forget(self, at: int) -> None:
        """No place before ``at`` will be asked for again."""
        while self.changed and self.changed[0][1] <= at:
            self.shift += self.changed.popleft()[2]

    def document(self, at: int) -> tuple[int, bool]:
        """(the document offset of scrubbed offset ``at``, False), or (the offset of the start of the
        changed piece ``at`` lies in, True) when a secret before it in that piece may have moved it."""
        shift = self.shift
        for start, end, change in self.changed:
            if end <= at:
                shift += change
            elif start < at:
                return start + shift, True
            else:
                break
        return at + shift, False


class _Literal:
    """A long JSON string literal (after its opening quote), spooled in pieces cut before a ``\\n``
    escape whose decoded character before is not white space, ``"`` or ``:``, or else before a raw
    character ``find_cut`` would cut before in the decoded text. A wrapped base64 run in it with no such
    place, its line breaks ``\\n`` or ``\\r\\n`` escapes (a MIME body in a JSON log), that grows past
    ``held`` from a line start is read on as a ``longrun.LongRun`` (``_escaped_run_start``; its escapes
    read as the line breaks they stand for, as the run is read, and written again so; its ``/`` too
    when it writes them ``\\/``, as PHP's and Go's encoders do: ``run_solidus``), as a text
    document's run is (``_pieces``): rewritten in pieces with the output of the literal redacted whole
    (a changed literal that holds a ``\\/`` escape is written with each ``/`` escaped, as
    ``formats._json_string`` writes it)."""

    def __init__(
        self, standins: StandIns, scrub: bool, held: int, guard: Guard, at: int, after: bool,
        long_runs: Kept | None = None,
    ) -> None:  # fmt: skip
        self.standins, self.scrub, self.held, self.guard = standins, scrub, held, guard
        self.at, self.after = at, after  # where its opening quote is in the document (``_Places.document``)
        self.spool = tempfile.TemporaryFile(prefix="icecheck-redact-")  # noqa: SIM115 - closed in emit
        self.sizes: list[int | LongRun] = []  # each spooled piece's length in bytes (UTF-8, surrogatepass), or a run
        self.long_runs = long_runs  # what the run keeps (``LongRun.holds_original``); None: no run read on
        self.run: LongRun | None = None  # the run being read
        self.run_solidus = False  # its ``/`` written ``\\/`` (``_RUN_RAW_SOLIDUS``)
        self.styles: list[bool] = []  # that of each run read on, in order
        self.solidus = False  # the literal holds a ``\\/`` escape: a changed one is written with them (``json_string``)
        self.carry = ""  # an escape begun at the end of the text the run was fed
        self.leading = True  # ``lead`` may grow (no run was read on)
        self.buf = ""
        self.valid = True  # every piece decodes (else the literal is redacted as raw text)
        self.ascii = True
        self.failed = False
        self.closed = False
        self.b64 = True  # every piece so far is base64 (only the last may end in padding): ``emit_base64``
        self.padded = False
        self.total = 0  # characters spooled
        self.lead = 0  # of them, the run of base64 characters it opens with (``long_base64``)

    def feed(self, text: str, final: bool) -> str | None:
        """Take ``text``; the text after the literal when it ended (``closed``) or failed (``failed``:
        then ``raw_pieces`` gives back what it took), None when all was taken."""
        if self.run is not None:
            return self._feed_run(text, final)
        buf = self.buf + text
        end = _BODY.match(buf).end()  # type: ignore[union-attr]
        if end < len(buf) and buf[end] == '"':
            self._spool(buf[:end])
            self.buf, self.closed = "", True
            return buf[end + 1 :]
        incomplete = end == len(buf) or (end == len(buf) - 1 and buf[end] == "\\")
        if not incomplete or final:
            if any(not isinstance(size, int) for size in self.sizes):  # a run read on cannot be given back
                raise_unbounded("a JSON string", "a wrapped base64 run in a string that does not end", self.at,
                                self.after)  # fmt: skip
            self.buf, self.failed = buf, True
            return ""
        while len(buf) > self.held:
            cut = self._cut(buf)
            if cut <= 0 and self.b64 and not self.padded and not buf.strip(B64_CHARS):
                cut = (len(buf) - B64_MARGIN) // 4 * 4  # base64 alone: pieces of 4 characters (``emit``)
                cut = -1 if self.guard is not None and self.guard(buf, cut) else cut
            if cut <= 0 and self.long_runs is not None and (start := _escaped_run_start(buf, self.held // 2)) >= 0:
                lead = self.lead
                if self.leading and self.lead == self.total:
                    lead += len(buf) - len(buf.lstrip(B64_CHARS))
                if lead <= B64_MARGIN:  # else its runs are not rewritten (``formats.long_base64``)
                    from icecheck.redact.longrun import LongRun

                    if start > 0:
                        self._spool(buf[:start])
                    self.lead, self.leading = lead, False  # the run that opens it (if any) ends before
                    self.buf, self.b64, self.run = "", False, LongRun()
                    self.run_solidus = _solidus_first(buf, start)
                    return self._feed_run(buf[start:], final)
            if cut <= 0:
                if len(buf) > MAX_WHOLE:
                    raise_unbounded("a JSON string", at=self.at, after=self.after)
                break
            self._spool(buf[:cut])
            buf = buf[cut:]
        self.buf = buf
        return None

    def _feed_run(self, text: str, final: bool) -> str | None:
        """``feed`` while a run is read: its escaped line breaks read as line breaks (and, in a run whose
        ``/`` are escaped, its ``\\/`` as ``/``: ``run_solidus``); what follows the run given back escaped
        again, and read on as the literal's text. A ``/`` written the other way than the run's first
        (``\\/`` in a run of raw ``/``, or the reverse) ends the run as a JSON escape does: not planned
        (a run of one style is given back as it was read)."""
        run, style = self.run, self.run_solidus
        assert run is not None and self.long_runs is not None
        raw, self.carry = self.carry + text, ""
        plain = (_RUN_RAW_SOLIDUS if style else _RUN_RAW).match(raw).end()  # type: ignore[union-attr]  # always matches
        after = raw[plain:]  # from the first character no run holds (a quote, another escape), raw
        if not final and _ESCAPE_BEGUN.fullmatch(after):
            self.carry, after = after, ""  # an escape cut at the end of ``text``: read with what follows
        read = raw[:plain].replace("\\r\\n", "\r\n").replace("\\n", "\n")
        read = read.replace("\\/", "/") if style else read
        stop, after = after[:1], after[1:]  # the run ends before it, whatever follows (``LAST_END``)
        fed = "\\" if stop == "/" else stop  # a raw ``/`` in a run of ``\\/``: as an escape would, not planned
        rest = run.feed(read + fed)
        if rest is None and (stop or final):
            rest = run.end()
        if rest is None:
            return None
        cut = len(rest) - len(fed)
        rest = _escaped(rest[:cut], style) + stop + after + self.carry
        self.run, self.carry = None, ""
        if run.ready:
            self.sizes.append(run)
            self.styles.append(style)
            self.solidus = self.solidus or style
            return self.feed(rest, final)
        if not run.holds_original(self.long_runs):  # its lines read again as the literal's text, cut between lines
            pending = ""
            for chunk in run.chunks():
                pending += _escaped(chunk, style)
                at = pending.rfind("\\n", 0, len(pending) - 2)
                at = at - 2 if at >= 2 and pending[at - 2 : at] == "\\r" else at
                if at > 0:
                    self._spool(pending[:at])
                    pending = pending[at:]
            return self.feed(pending + rest, final)
        if run.size() > MAX_WHOLE:
            run.close()
            raise_unbounded("a JSON string", _HOLDS_ORIGINAL, self.at, self.after)
        self.long_runs = None  # held as before (rewritten whole, or refused past ``MAX_WHOLE``)
        return self.feed(_escaped(run.text(), style) + rest, final)

    def _cut(self, buf: str) -> int:
        pos = len(buf)
        while (pos := buf.rfind("\\n", 0, pos)) > 0:
            guarded = self._guarded(buf, pos)
            if _even_slashes(buf, pos) and (last := _last_char(buf, pos)) and last not in _NO_CUT_AFTER and not guarded:
                return pos
        lo = max(0, len(buf) - (1 << 16))
        for m in reversed(list(_RAW_CUTS.finditer(buf, lo))):
            pos = m.start()
            if pos <= 0 or not _even_slashes(buf, pos) or self._guarded(buf, pos):
                continue
            if m.group() != " ":
                return pos  # a character no pattern holds, itself in the decoded text too
            decoded = _decoded_tail(buf, pos)
            if decoded and _space_cut_ok(decoded) and _space_cut_ok(buf[max(0, pos - 300) : pos]):
                return pos
        return -1

    def _guarded(self, buf: str, pos: int) -> bool:
        """``guard`` says no cut at ``pos``, read where ``\\/`` escapes near it are the ``/`` they stand
        for (PHP escapes ``/``: a wrapped run whose lines hold one is a run of the decoded text, which
        the guard would not see in the raw text)."""
        if self.guard is None:
            return False
        lo, hi = max(0, pos - _NEAR), pos + _NEAR
        if buf.find("\\/", lo, hi) < 0:
            return self.guard(buf, pos)
        before = buf[lo:pos].replace("\\/", "/")
        return self.guard(before + buf[pos:hi].replace("\\/", "/"), len(before)) or self.guard(buf, pos)

    def _spool(self, raw: str) -> None:
        data = raw.encode("utf-8", "surrogatepass")
        self.spool.write(data)
        self.sizes.append(len(data))
        if self.leading and self.lead == self.total:  # all so far is base64 characters: the run that opens it goes on
            self.lead += len(raw) - len(raw.lstrip(B64_CHARS))
        self.total += len(raw)
        self.b64 = self.b64 and not self.padded and _B64_PIECE.fullmatch(raw) is not None
        self.padded = raw.endswith("=")
        self.solidus = self.solidus or escapes_solidus(raw)
        self.ascii = self.ascii and raw.isascii()
        if self.valid:
            try:
                json.loads('"' + raw + '"')
            except ValueError:
                self.valid = False

    def raw_pieces(self) -> Iterator[str]:
        self.spool.seek(0)
        for size in self.sizes:
            assert isinstance(size, int)  # a literal with a run read on does not fail (``feed``)
            yield self.spool.read(size).decode("utf-8", "surrogatepass")
        self.spool.close()
        if self.buf:
            yield self.buf

    def emit(self, write: Callable[[str], object]) -> None:
        """The literal redacted as ``formats._json_string`` would (quotes included)."""
        from icecheck.redact.selfcheck import B64_DEPTH
        from icecheck.redact.text import redact_text

        if self.buf:  # what was left after the last cut
            self._spool(self.buf)
            self.buf = ""
        try:
            if self.b64 and self.total % 4 == 0 and self.total >= 16 and self._emit_base64(write):
                return
            depth = B64_DEPTH if self.lead > B64_MARGIN else 0  # ``formats.long_base64``: not rewritten
            runs = any(not isinstance(size, int) for size in self.sizes)
            if runs and not self.valid:  # what is no JSON string is redacted as raw text, which a run is not
                raise_unbounded("a JSON string", "a wrapped base64 run in a string that is not valid JSON", self.at,
                                self.after)  # fmt: skip
            if not self.valid:  # as formats._json_string: the whole literal redacted as raw text
                pieces = list(self._pieces())
                for i, raw in enumerate(pieces):
                    text = ('"' if i == 0 else "") + raw + ('"' if i == len(pieces) - 1 else "")
                    write(redact_text(text, self.standins, self.scrub, depth))
                if not pieces:
                    write(redact_text('""', self.standins, self.scrub))
                return
            out = tempfile.TemporaryFile(prefix="icecheck-redact-")  # noqa: SIM115 - closed below
            with out:
                sizes: list[tuple[int, bool]] = []  # each piece's redacted length, and whether it is a run
                changed = [False]
                for entry in self._entries():
                    if isinstance(entry, str):
                        value = json.loads('"' + entry + '"')
                        new = redact_text(value, self.standins, self.scrub, depth)
                        changed[0] = changed[0] or new != value
                        data = new.encode("utf-8", "surrogatepass")
                        out.write(data)
                        sizes.append((len(data), False))
                        continue
                    start = out.tell()
                    inner = functools.partial(self._inner, changed, depth + 1)
                    cutter = functools.partial(_decoded_pieces, held=self.held, guard=self.guard)
                    entry.emit(lambda t: out.write(t.encode("ascii")), inner, cutter)
                    sizes.append((out.tell() - start, True))
                write('"')
                out.seek(0)
                entries = self._entries()
                styles = iter(self.styles)
                for length, is_run in sizes:
                    old = next(entries)
                    if is_run:  # base64 and line breaks: escaped alike in either case (``_escaped``); its
                        # ``/`` as the literal writes them when it changed (``json_string``), else as it was
                        solidus = next(styles)
                        solidus = self.solidus if changed[0] else solidus
                        while length > 0:
                            block = out.read(min(length, 1 << 20))
                            write(_escaped(block.decode("ascii"), solidus))
                            length -= len(block)
                        continue
                    new = out.read(length).decode("utf-8", "surrogatepass")
                    write(json_string(new, self.ascii, self.solidus)[1:-1] if changed[0] else str(old))
                write('"')
        finally:
            self.spool.close()
            for item in self.sizes:
                if not isinstance(item, int):
                    item.close()

    def _inner(self, changed: list[bool], depth: int, text: str) -> str:
        """A piece of a run's decoded text redacted (one base64 level deeper), ``changed`` set when it changes."""
        from icecheck.redact.text import redact_text

        new = redact_text(text, self.standins, self.scrub, depth)
        changed[0] = changed[0] or new != text
        return new

    def _emit_base64(self, write: Callable[[str], object]) -> bool:
        """A literal of base64 alone (a HAR body): up to ``MAX_WHOLE`` held and redacted whole by
        ``formats._json_string``; longer, streamed by ``formats.base64_body_stream`` (its pieces are a
        multiple of 4 characters). False when it does not decode (then redacted as other text)."""
        from icecheck.redact.formats import _json_string, base64_body_stream

        if self.total <= MAX_WHOLE:
            write(_json_string('"' + "".join(self._pieces()) + '"', self.standins, self.scrub))
            return True
        return base64_body_stream(
            self._pieces, write, self.standins, self.scrub,
            lambda src, dst, kind: redact_text_file(src, dst, kind, self.standins, self.scrub),
        )  # fmt: skip

    def _pieces(self) -> Iterator[str]:
        """The spooled pieces (a literal with no run read on)."""
        for piece in self._entries():
            assert isinstance(piece, str)
            yield piece

    def _entries(self) -> Iterator[str | LongRun]:
        """The spooled pieces and the runs read on, in order."""
        self.spool.seek(0)
        for size in self.sizes:
            yield self.spool.read(size).decode("utf-8", "surrogatepass") if isinstance(size, int) else size


def _decoded_pieces(fh: BinaryIO, held: int, guard: Guard) -> Iterator[str]:
    """A run's decoded text (its file) in pieces cut as a text document is (``line_pieces``)."""
    return line_pieces(chunks(lambda: fh), held=held, guard=guard)


_NEAR = 1 << 12  # raw characters read on either side of a cut with ``\\/`` near it (``_Literal._guarded``)
_RUN_RAW = re.compile(r"(?:[A-Za-z0-9+/=_-]++|\\n|\\r\\n)*+")  # a wrapped run in raw JSON, and its padding
_RUN_RAW_SOLIDUS = re.compile(r"(?:[A-Za-z0-9+=_-]++|\\/|\\n|\\r\\n)*+")  # the same, its ``/`` escaped
_FIRST_SLASH = re.compile(r"\\?/")
_ESCAPE_BEGUN = re.compile(r"\\(?:r(?:\\)?)?")  # the start of a ``\\n`` or ``\\r\\n`` escape
_RUN_LINE = re.compile(r"(?:[A-Za-z0-9+/_-]|\\/){16,}+")  # a ``\\/`` escape is the one character it stands for
_LAST_LINE = re.compile(r"(?:[A-Za-z0-9+/_-]|\\/)*+(?:\\(?:r(?:\\)?)?)?")
_LINE_TAIL = re.compile(r"(?:[A-Za-z0-9+/_-]|\\/){16}\Z")


def _escaped(text: str, solidus: bool = False) -> str:
    """A run's text (base64 characters, LF and CRLF line breaks) as its JSON string holds it (with
    ``solidus``, its ``/`` escaped: ``\\/``)."""
    text = text.replace("\r\n", "\\r\\n").replace("\n", "\\n")
    return text.replace("/", "\\/") if solidus else text


def _solidus_first(raw: str, start: int) -> bool:
    """The first ``/`` of the run at ``start`` in raw JSON is written ``\\/`` (then each of its ``/`` is
    read so, ``_RUN_RAW_SOLIDUS``)."""
    m = _FIRST_SLASH.search(raw, start)
    return m is not None and m.group() == "\\/"


def _escaped_run_start(buf: str, least: int) -> int:
    """``longrun.run_start`` over raw JSON (a literal's inside): where a wrapped run whose line breaks are
    ``\\n`` or ``\\r\\n`` escapes, which ``buf`` ends inside, starts (at its start, or after such an
    escape), when it holds two full lines and ``least`` characters or more; else -1, also when the line
    before could be part of it (it ends in 16 base64 characters) or its escape is a ``\\\\`` and ``n``."""
    from icecheck.redact.longrun import LONGEST_LINE

    tail = buf.rfind("\\n") + 2
    if tail < 2 or len(buf) - tail > LONGEST_LINE or not _LAST_LINE.fullmatch(buf, tail):
        return -1
    start, lines = tail, 0
    while start > 0:
        end = start - 2  # the escape before the line that starts at ``start``
        end = end - 2 if buf[end - 2 : end] == "\\r" else end
        prev = buf.rfind("\\n", 0, end) + 2 if end > 0 else 0
        prev = prev if prev >= 2 else 0
        if not _RUN_LINE.fullmatch(buf, prev, end):
            break
        start, lines = prev, lines + 1
    if lines < 2 or len(buf) - start < least:
        return -1
    if start > 0:
        end = start - 2
        end = end - 2 if buf[end - 2 : end] == "\\r" else end
        if not _even_slashes(buf, end) or _LINE_TAIL.search(buf, max(0, end - 32), end):
            return -1
    return start


_ESCAPE_TAIL = frozenset("0123456789abcdefABCDEFu\\")
_RAW_CUTS = re.compile(r'[^\w\s.:%\-\[\]+/="\\]| ')


def _even_slashes(raw: str, pos: int) -> bool:
    """``raw[pos]`` is not escaped (an even number of backslashes before it)."""
    slashes = 0
    while pos - slashes > 0 and raw[pos - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 0


def _space_cut_ok(before: str) -> bool:
    """A cut before a space after ``before`` is allowed (``find_cut``'s rule, ``before`` read alone)."""
    return (
        bool(before) and not before[-1].isspace() and before[-1] not in '":' and not _secret_tail(before, len(before))
    )


def _decoded_tail(raw: str, pos: int) -> str:
    """The decoded text of about 300 raw characters before ``pos`` (an escape boundary), or ""."""
    start = max(0, pos - 300)
    while start > 0 and raw[start - 1] in _ESCAPE_TAIL:
        start -= 1
        if pos - start > 400:
            return ""
    try:
        return str(json.loads('"' + raw[start:pos] + '"'))
    except ValueError:
        return ""


def _last_char(raw: str, pos: int) -> str:
    """The decoded character that ends ``raw[:pos]`` (an escape boundary), or "" when unsure."""
    start = max(0, pos - 16)
    while start > 0 and raw[start - 1] in _ESCAPE_TAIL:  # step back to a place no escape runs through
        start -= 1
        if pos - start > 80:
            return ""
    try:
        return str(json.loads('"' + raw[start:pos] + '"'))[-1:]
    except ValueError:
        return ""
