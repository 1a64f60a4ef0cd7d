"""Read a JSON document of any size in bounded memory: small values whole, large ones in parts.

``JsonReader`` pulls decoded text from an iterator of ``str`` chunks and is driven by its caller
(a pull parser). At the cursor, ``value()`` decodes the next value with the standard library's
``json.JSONDecoder.raw_decode`` when it is *small* — at most ``SMALL`` characters, or at most
``BIG`` characters holding at most ``MAX_STRUCTURE`` commas, braces and brackets (a value's
decoded size is bounded by its text and its number of containers and members) — and otherwise
returns ``LARGE`` with the cursor unmoved. A large value is then entered: ``members()`` yields an
object's keys (the cursor at each member's value), ``items()`` an array's indexes, and
``string_pieces()`` a string's decoded text in pieces of at most ``PIECE`` characters (escapes,
surrogate pairs and lone surrogates decoded as ``json`` does; a piece never ends inside an
escape or between the two halves of a pair). A member or element the caller leaves unread is
skipped. So memory is bounded by ``BIG`` and ``PIECE``, never by the document. ``runs()`` reads a
large array's elements as ``values()`` does, many at a time (``analysis.diffside`` reads a report's
long lists with it; ``scan`` does not use it).

The grammar is RFC 8259's, as strict as ``json.loads`` (control characters in strings are
errors; ``NaN`` and ``Infinity`` are accepted, as ``json`` accepts them). Large containers nest at
most ``MAX_NEST`` deep. Errors raise ``JsonStreamError`` with ``json``'s wording and the line,
column and character where they were found; what the caller read before stays read.
"""

from __future__ import annotations

import codecs
import json
import json.scanner
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, Final

SMALL = 1 << 20  # characters: a value this short is always decoded whole
BIG = 16 << 20  # characters: a value up to this long is decoded whole if it has few containers
MAX_STRUCTURE = 200_000  # commas, braces and brackets in a value of SMALL to BIG characters
PIECE = 1 << 20  # characters of a long string handed over at a time
RUN = 1 << 18  # characters of an array's elements that ``runs()`` decodes at a time
CHUNK = 1 << 18  # bytes read from the stream at a time
MAX_NEST = 100  # large containers inside large containers
MAX_KEY = 256  # characters of a key kept
_FIRST_TRY = 1 << 16
_WS = re.compile(r"[ \t\n\r]*")
# Unrolled and possessive: an alternation inside a repeat kept a regex backtracking frame per escape
# (a 10 MB string of ``\n`` escapes: 639 MB RSS); it matches what the alternation did
# (``tests/redact/test_docstream.py`` compares them).
_STRING = re.compile(r'[^"\\]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\]*+)*+')
_ESCAPE = re.compile(r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})')
_HIGH_TAIL = re.compile(r"(\\+)u[dD][89abAB][0-9a-fA-F]{2}\Z")  # a piece ending with a high surrogate escape


class _Large:
    def __repr__(self) -> str:
        return "LARGE"


LARGE: Final = _Large()


class JsonStreamError(Exception):
    """Malformed JSON: ``message`` in ``json``'s words, with the ``line`` (1-based) it was found on."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def decoded_chunks(head: bytes, stream: BinaryIO) -> Iterator[str]:
    """Text of ``head`` then of the rest of ``stream``, decoded in chunks as ``json.loads`` decodes
    bytes (UTF-8, -16 or -32 by the first bytes, a UTF-8 BOM dropped, ``surrogatepass``).
    Undecodable bytes raise ``UnicodeDecodeError``."""
    first = head or stream.read(CHUNK)
    decoder = codecs.getincrementaldecoder(json.detect_encoding(first))("surrogatepass")
    data = first
    while data:
        for at in range(0, len(data), CHUNK):
            text = decoder.decode(data[at : at + CHUNK])
            if text:
                yield text
        data = stream.read(CHUNK)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


class JsonReader:
    """A cursor over one JSON text given as chunks (see the module docstring)."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self._decoder = json.JSONDecoder()
        # what raw_decode calls, without its frame (typeshed types the context as a scanner)
        self._scan = json.scanner.make_scanner(self._decoder)  # type: ignore[arg-type]
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._lines = 0  # newlines before buf[0]
        self._column = 0  # characters between the last of those and buf[0]
        self._chars = 0  # characters before buf[0]
        self.depth = 0

    # -- the caller's moves ----------------------------------------------------------------------

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the text)."""
        self._ws()
        pos = self.pos
        return self.buf[pos] if pos < len(self.buf) else ""

    def value(self) -> Any:
        """The small value at the cursor, decoded (the cursor moves past it), or ``LARGE``."""
        if not self.peek():
            raise self._error("Expecting value", self.pos)
        buf = self.buf
        try:  # the usual case: the value is whole in the buffer, with more text after it
            value, end = self._decoder.raw_decode(buf, self.pos)
            if end + 3 <= len(buf):
                self.pos = end
                return value
        except (ValueError, RecursionError):
            pass
        need = _FIRST_TRY
        while True:
            self._fill(need)
            try:
                value, end = self._decoder.raw_decode(self.buf, self.pos)
            except RecursionError as exc:
                raise self._error(str(exc), self.pos) from None
            except ValueError as exc:
                if self.eof:
                    raise self._failure(exc) from None
                have = len(self.buf) - self.pos
                if have >= BIG or (have >= SMALL and self._structure() > MAX_STRUCTURE):
                    if self.buf[self.pos] in '{["':
                        return LARGE
                    raise self._failure(exc) from None
                need = min(have * 2, BIG)
                continue
            if end + 3 > len(self.buf) and not self.eof:  # a number may go on ("1" "e+" "5") in the next chunk
                need = len(self.buf) - self.pos + CHUNK
                continue
            self.pos = end
            return value

    def members(self) -> Iterator[str]:
        """At a large object: each key (``MAX_KEY`` characters at most), the cursor then at its value."""
        self._open("{")
        if self.peek() == "}":
            self._close()
            return
        while True:
            if self.peek() != '"':
                raise self._error("Expecting property name enclosed in double quotes", self.pos)
            key = self._key()
            if self.peek() != ":":
                raise self._error("Expecting ':' delimiter", self.pos)
            self.pos += 1
            if not self.peek():
                raise self._error("Expecting value", self.pos)
            mark = self._chars + self.pos
            yield key
            if self._chars + self.pos == mark:
                self.skip()
            if self._after_item("}"):
                return

    def items(self) -> Iterator[int]:
        """At a large array: each index, the cursor then at that element."""
        self._open("[")
        if self.peek() == "]":
            self._close()
            return
        index = 0
        while True:
            if not self.peek():
                raise self._error("Expecting value", self.pos)
            mark = self._chars + self.pos
            yield index
            if self._chars + self.pos == mark:
                self.skip()
            if self._after_item("]"):
                return
            index += 1

    def values(self) -> Iterator[tuple[int, Any]]:
        """At a large array: (index, element) per element, the element decoded when small, else
        ``LARGE`` with the cursor at it (``items`` and ``value`` in one, faster)."""
        for index in self.items():
            yield index, self._element()

    def _element(self) -> Any:
        """The element at the cursor, as ``value`` reads it: scanned at once by ``json`` where that ends it
        three characters or more before the buffer's end, else read by ``value``."""
        buf, pos = self.buf, self.pos
        try:
            value, end = self._scan(buf, pos)
        except (StopIteration, ValueError, RecursionError):
            end = -1
        if 0 <= end <= len(buf) - 3:
            self.pos = end
            return value
        return self.value()

    def runs(self) -> Iterator[list[Any]]:
        """At a large array: its elements in runs of consecutive elements, each decoded as ``values()``
        decodes it; an element not decoded in a run comes alone, ``[element]``, or ``[LARGE]`` with the
        cursor at it (as ``values()``). Faster than ``values()`` on long arrays of objects: the elements
        in up to ``RUN`` characters, up to the last ``}`` there before a comma, are decoded as one array
        by ``json``'s scanner, which takes them only when they are whole elements (a cut inside a
        string or a container, or past the array's end, is an error there). Where that fails, the
        elements it covered are read one at a time: each character is in at most one failed run."""
        scan = self._scan
        single_until = 0  # characters of the document before this are read one element at a time
        for _ in self.items():
            if self._chars + self.pos >= single_until:
                size = min(RUN, SMALL)  # so each element of a run is small
                self._fill(size)
                buf, pos = self.buf, self.pos
                end = _run_end(buf, pos, min(len(buf), pos + size))
                if end > pos:
                    text = f"[{buf[pos:end]}]"
                    try:
                        run, stop = scan(text, 0)
                    except (StopIteration, ValueError, RecursionError):
                        stop = -1
                    if stop == len(text):
                        self.pos = end
                        yield run
                        continue
                single_until = self._chars + min(len(buf), pos + size)
            yield [self._element()]

    def string_pieces(self) -> Iterator[str]:
        """At a string: its decoded text in pieces (see the module docstring)."""
        if self.peek() != '"':
            raise self._error("Expecting value", self.pos)
        unterminated = self._error("Unterminated string starting at", self.pos)  # raised if the text ends
        self.pos += 1
        while True:
            if len(self.buf) - self.pos < 16:
                self._fill(CHUNK)
            end = min(len(self.buf), self.pos + max(PIECE, 12))
            stop = _end(_STRING.match(self.buf, self.pos, end))
            closed = stop < len(self.buf) and self.buf[stop] == '"'
            if not closed and stop < end and not _ESCAPE.match(self.buf, stop):  # a bad escape, or one cut
                have = len(self.buf) - stop
                if self.eof or have >= 6:
                    self._piece(stop)  # a control character before it is the first error
                    raise unterminated if have < 2 else self._escape_error(stop)
                if stop == self.pos:
                    self._fill(len(self.buf) - self.pos + CHUNK)
                    continue
            if not closed:
                tail = _HIGH_TAIL.search(self.buf, max(self.pos, stop - 64), stop)
                if tail is not None and len(tail.group(1)) % 2 == 1:
                    stop = tail.end() - 6  # keep a high surrogate with its low half
            if stop == self.pos and not closed:
                if self.eof:
                    raise unterminated
                self._fill(len(self.buf) - self.pos + CHUNK)
                continue
            text = self._piece(stop)
            self.pos = stop + 1 if closed else stop
            if text:
                yield text
            if closed:
                return

    def _piece(self, stop: int) -> str:
        """The string's text from the cursor to ``stop`` (no escape cut), decoded."""
        try:
            text: str = json.loads(f'"{self.buf[self.pos : stop]}"')
        except json.JSONDecodeError as exc:
            raise self._error(exc.msg, self.pos + max(exc.pos - 1, 0)) from None
        return text

    def skip(self) -> None:
        """Move past the value at the cursor, whatever its size."""
        if self.value() is not LARGE:
            return
        head = self.peek()
        if head == "{":
            for _ in self.members():
                pass
        elif head == "[":
            for _ in self.items():
                pass
        else:
            for _ in self.string_pieces():
                pass

    def end(self) -> None:
        """Only whitespace may follow the document's value."""
        if self.peek():
            raise self._error("Extra data", self.pos)

    # -- inside --------------------------------------------------------------------------------

    def _key(self) -> str:
        key = self.value()
        if key is LARGE:  # a key longer than SMALL: its start names it
            parts: list[str] = []
            kept = 0
            for piece in self.string_pieces():
                if kept < MAX_KEY:
                    parts.append(piece[: MAX_KEY - kept])
                    kept += len(parts[-1])
            return "".join(parts)
        return str(key)[:MAX_KEY] if len(key) > MAX_KEY else str(key)

    def _open(self, char: str) -> None:
        if self.peek() != char:
            raise self._error("Expecting value", self.pos)
        if self.depth >= MAX_NEST:
            raise self._error(f"large values nested deeper than {MAX_NEST} levels", self.pos)
        self.depth += 1
        self.pos += 1

    def _close(self) -> None:
        self.pos += 1
        self.depth -= 1

    def _after_item(self, closer: str) -> bool:
        """After a member or element: True at the container's end (consumed), False after a comma."""
        pos = self.pos
        if pos + 1 < len(self.buf) and self.buf[pos] == "," and self.buf[pos + 1] not in " \t\n\r]}":
            self.pos = pos + 1  # the usual case: a comma, then the next item
            if closer == "}" and self.buf[pos + 1] != '"':
                raise self._error("Expecting property name enclosed in double quotes", pos + 1)
            return False
        char = self.peek()
        if char == closer:
            self._close()
            return True
        if char != ",":
            raise self._error("Expecting ',' delimiter", self.pos)
        self.pos += 1
        if closer == "}" and self.peek() != '"':
            raise self._error("Expecting property name enclosed in double quotes", self.pos)
        return False

    def _ws(self) -> None:
        pos = self.pos
        if pos < len(self.buf) and self.buf[pos] not in " \t\n\r":  # the usual case: nothing to skip
            return
        while True:
            self.pos = _end(_WS.match(self.buf, self.pos))
            if self.pos < len(self.buf) or self.eof:
                return
            self._fill(1)

    def _structure(self) -> int:
        buf, pos = self.buf, self.pos
        return buf.count(",", pos) + buf.count("{", pos) + buf.count("[", pos)

    def _fill(self, need: int) -> None:
        """Read until ``need`` characters follow the cursor, or the text ends."""
        if len(self.buf) - self.pos >= need or self.eof:
            return
        self._trim()
        parts, have = [self.buf], len(self.buf)
        while have < need:
            try:
                chunk = next(self._chunks, None)
            except UnicodeDecodeError as exc:
                raise self._error(str(exc), len(self.buf)) from None
            if chunk is None:
                self.eof = True
                break
            parts.append(chunk)
            have += len(chunk)
        self.buf = "".join(parts)

    def _trim(self) -> None:
        """Forget the text before the cursor (keeping count of its lines)."""
        pos = self.pos
        if not pos:
            return
        newlines = self.buf.count("\n", 0, pos)
        if newlines:
            self._lines += newlines
            self._column = pos - self.buf.rfind("\n", 0, pos) - 1
        else:
            self._column += pos
        self._chars += pos
        self.buf = self.buf[pos:]
        self.pos = 0

    def _failure(self, exc: ValueError) -> JsonStreamError:
        if isinstance(exc, json.JSONDecodeError):
            return self._error(exc.msg, exc.pos)
        return self._error(str(exc), self.pos)

    def _escape_error(self, at: int) -> JsonStreamError:
        if self.buf[at + 1] == "u":
            return self._error("Invalid \\uXXXX escape", at + 1)
        return self._error("Invalid \\escape", at)

    def _error(self, message: str, at: int) -> JsonStreamError:
        """``json``'s ``msg: line L column C (char N)`` for position ``at`` of the buffer."""
        at = min(max(at, 0), len(self.buf))
        newlines = self.buf.count("\n", 0, at)
        line = self._lines + newlines + 1
        column = (at - self.buf.rfind("\n", 0, at)) if newlines else self._column + at + 1
        return JsonStreamError(f"{message}: line {line} column {column} (char {self._chars + at})", line)


def _run_end(buf: str, start: int, stop: int) -> int:
    """Just after the last ``}`` of ``buf[start:stop]`` that whitespace and a comma follow (among the
    last 16 ``}`` there), or ``start``."""
    end = stop
    for _ in range(16):
        end = buf.rfind("}", start, end)
        if end < 0:
            break
        after = _end(_WS.match(buf, end + 1, stop))
        if after < stop and buf[after] == ",":
            return end + 1
    return start


def _end(match: re.Match[str] | None) -> int:
    """The end of a match of a pattern that matches the empty string (so never None)."""
    assert match is not None
    return match.end()
