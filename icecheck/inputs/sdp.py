"""SDP text → candidates and addresses, with line numbers (RFC 8866 syntax, RFC 8839 attributes).

Pure: ``SdpParser`` is fed decoded lines one at a time (so files of any size stream through
it) and yields what it found as an ``InputDocument``. It is lenient on purpose — an auditor
must still see a leak in an SDP that a strict peer would reject — and reports every line it
cannot use as a ``Diagnostic``. A text may hold several SDPs (a new ``v=`` starts the next
one, e.g. an offer then an answer) or only candidate lines (trickle logs).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from icecheck.inputs import limits
from icecheck.inputs.candidate import CandidateSyntaxError, parse_candidate
from icecheck.inputs.numbers import decimal
from icecheck.inputs.spill import ADDRESS, CANDIDATE, ItemStore, folded, oldest_half
from icecheck.inputs.spool import Spool
from icecheck.model import (
    AddressRecord,
    AddressRole,
    CandidateRecord,
    Diagnostic,
    DiagnosticLevel,
    InputDocument,
    InputKind,
    InputStatus,
    Origin,
    SectionContext,
)

_Item = TypeVar("_Item", CandidateRecord, AddressRecord)

MAX_DIAGNOSTICS = 200
_CANDIDATE_PREFIXES = ("a=candidate:", "candidate:")
_SECTION_LETTERS = frozenset("vmco")  # the lines besides a= that ``SdpParser`` reads
_Fields = tuple[int, int | None, str | None, str | None, str | None]  # SectionContext's, in order

# IPv4 dotted quads and IPv6 literals inside free text (a=ssrc cname values).
_IPV4_IN_TEXT = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6_IN_TEXT = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")


class SdpParser:
    """Accumulates one input's SDP and candidate lines. Feed with ``feed(line, lineno)``.

    The section context is kept as plain fields and made a ``SectionContext`` only when an
    item is recorded (and then reused until the context changes): most lines of a big log
    record nothing once the caps are reached.
    """

    def __init__(self, base: Origin, kind: InputKind = InputKind.SDP) -> None:
        self._base = base
        self._plain_base = base == Origin(base.path)  # nothing but a path, whatever fields Origin gains
        self._kind = kind
        # Keyed by the line and its section: the same text parses to the same candidate (raw
        # included), so a repeated line is folded without parsing it again.
        self._candidates: dict[tuple[str, _Fields], CandidateRecord] = {}
        self._addresses: dict[tuple[str, AddressRole], AddressRecord] = {}
        self._repeats: dict[tuple[str, _Fields] | tuple[str, AddressRole], list[Any]] = {}  # [count, last]
        self._diagnostics: list[Diagnostic] = []
        self._dropped_diagnostics = 0
        self._duplicates = 0
        self._overflow = 0  # distinct items past MAX_ITEMS: counted, not held
        self._end_of_candidates = 0
        self._sdp_index = -1
        self._media_count = 0
        self._sdp_lines = 0
        self._candidate_lines = 0
        # The current section as SectionContext fields, and the session's ice-ufrag for new m-lines.
        self._ctx_sdp = 0
        self._ctx_media_index: int | None = None
        self._ctx_media: str | None = None
        self._ctx_mid: str | None = None
        self._ctx_ufrag: str | None = None
        self._session_ufrag: str | None = None
        self._ctx: tuple[SectionContext, str | None, _Fields] | None = None  # built on demand
        self._store: ItemStore | None = None  # past limits.IN_MEMORY items, the oldest half go here

    # -- feeding ---------------------------------------------------------------------------

    def feed(self, line: str, lineno: int) -> None:
        """Take one line (without its line ending). ``lineno`` is 1-based within the text."""
        if line.startswith(_CANDIDATE_PREFIXES):
            self._candidate(line, lineno)
        elif not line or line.isspace() or (line[0] == ";" and self._kind is InputKind.SDP):
            return  # blank, or a comment line as in some example corpora
        elif line[1:2] == "=":  # an SDP line: a= ones and the section lines are read
            self._sdp_lines += 1
            letter = line[0]
            if letter == "a":
                self._attribute(line[2:], lineno)
            elif letter in _SECTION_LETTERS:
                self._section_line(letter, line[2:], lineno)
        elif line[0].isdigit():
            self._candidate(line, lineno)  # a bare candidate value, as some logs write it
        else:
            self.problem(lineno, "not an SDP line or an ICE candidate", level=DiagnosticLevel.WARNING)

    def feed_many(self, lines: Iterable[str], first: int = 1) -> None:
        """``feed`` each of ``lines``, numbered from ``first``."""
        feed = self.feed
        for lineno, line in enumerate(lines, first):
            feed(line, lineno)

    def problem(self, lineno: int | None, message: str, level: DiagnosticLevel = DiagnosticLevel.ERROR) -> None:
        """Record a diagnostic for a line of this input (bounded in number)."""
        if len(self._diagnostics) >= MAX_DIAGNOSTICS:
            self._dropped_diagnostics += 1
            return
        self._diagnostics.append(Diagnostic(self._origin(lineno), message, level))

    # -- results ---------------------------------------------------------------------------

    @property
    def found_anything(self) -> bool:
        return bool(self._held() or self._sdp_lines or self._candidate_lines)

    def _held(self) -> int:
        """Distinct items held, in memory and on disk."""
        n = len(self._candidates) + len(self._addresses)
        return n if self._store is None else n + sum(self._store.held)

    def _evict(self) -> None:
        """Move the oldest half of the items, folded, to disk (``inputs.spill``; as ``Sink._evict``)."""
        if self._store is None:
            self._store = ItemStore()
        tables: tuple[tuple[int, dict[Any, Any]], ...] = ((CANDIDATE, self._candidates), (ADDRESS, self._addresses))
        rows = oldest_half(tables, self._repeats, lambda seen: seen[1])
        self._store.add(rows)

    def _stored_repeat(self, kind: int, key: Any, lineno: int) -> bool:
        """A repeat of an item moved to disk, folded there; False when it is not there."""
        return self._store is not None and self._store.repeat((kind, key), 1, self._origin(lineno))

    def result(self, fatal: str | None = None) -> InputDocument:
        """The document so far. ``fatal`` marks the input unreadable with that message."""
        diagnostics = list(self._diagnostics)
        if self._dropped_diagnostics:
            diagnostics.append(
                Diagnostic(self._base, f"{self._dropped_diagnostics} more problems not listed", DiagnosticLevel.WARNING)
            )
        if self._overflow:
            diagnostics.append(Diagnostic(self._base, limits.unaudited_message(self._overflow)))
        if fatal is not None:
            diagnostics.append(Diagnostic(self._base, fatal))
        return InputDocument(
            path=self._base.path,
            kind=self._kind,
            status=self._status(fatal, diagnostics),
            candidates=self._items(CANDIDATE, self._candidates),
            addresses=self._items(ADDRESS, self._addresses),
            diagnostics=tuple(diagnostics),
            end_of_candidates=self._end_of_candidates,
            duplicates=self._duplicates,
            unaudited=self._overflow,
        )

    def _items(self, kind: int, items: dict[Any, _Item]) -> Sequence[_Item]:
        """The folded items of ``kind``: a tuple, or a ``Spool`` when some were moved to disk."""
        if self._store is None:
            return tuple(self._folded(items))
        return Spool.of(itertools.chain(folded(self._store, kind), self._folded(items)))

    def _folded(self, items: dict[Any, _Item]) -> Iterator[_Item]:
        """Held records in first-seen order, repeats folded into ``count`` and ``last``."""
        repeats = self._repeats
        for key, rec in items.items():
            seen = repeats.get(key)
            yield rec if seen is None else replace(rec, count=seen[0], last=seen[1])

    def _repeat(self, key: tuple[str, _Fields] | tuple[str, AddressRole], lineno: int) -> None:
        seen = self._repeats.get(key)
        if seen is None:
            self._repeats[key] = [2, self._origin(lineno)]
        else:
            seen[0] += 1
            seen[1] = self._origin(lineno)

    def _status(self, fatal: str | None, diagnostics: list[Diagnostic]) -> InputStatus:
        if fatal is not None and not self.found_anything:
            return InputStatus.UNREADABLE
        if not self._held():
            if self._end_of_candidates and not any(d.level is DiagnosticLevel.ERROR for d in diagnostics):
                return InputStatus.OK  # gathering ended with nothing to offer: a valid audit of zero candidates
            return InputStatus.UNREADABLE if diagnostics else InputStatus.EMPTY
        if any(d.level is DiagnosticLevel.ERROR for d in diagnostics):
            return InputStatus.PARTIAL
        return InputStatus.OK

    # -- internals ---------------------------------------------------------------------------

    def _origin(self, lineno: int | None, where: str | None = None) -> Origin:
        """Where line ``lineno`` is; ``where`` (the SDP section) goes in ``detail`` if that is free."""
        base = self._base
        if lineno is None:
            return base
        if base.packet is not None:
            # SDP inside a packet: keep the packet as the location, add the body's line.
            detail = f"{base.detail}, SDP line {lineno}" if base.detail else f"SDP line {lineno}"
            return Origin(base.path, base.line, base.packet, base.time, detail, base.call, base.party)
        if self._plain_base:  # a file of its own: build directly, cheaper than _replace()
            return Origin(path=base.path, line=lineno, detail=where)
        line = lineno if base.line is None else base.line + lineno - 1  # base.line: SDP embedded from there
        return base._replace(line=line, detail=where) if where and base.detail is None else base._replace(line=line)

    def _context(self) -> tuple[SectionContext, str | None, _Fields]:
        """The current section, its description (``sdp 1, m-line 0 (audio, mid 0)``), its fields."""
        if self._ctx is None:
            fields = (self._ctx_sdp, self._ctx_media_index, self._ctx_media, self._ctx_mid, self._ctx_ufrag)
            ctx = SectionContext(*fields)
            where = f"sdp {ctx.sdp_index + 1}" if self._sdp_index >= 0 else None
            if ctx.media_index is not None:
                mid = f", mid {ctx.mid}" if ctx.mid is not None else ""
                where = f"{where}, m-line {ctx.media_index} ({ctx.media}{mid})"
            self._ctx = (ctx, where, fields)
        return self._ctx

    def _candidate(self, line: str, lineno: int) -> None:
        self._candidate_lines += 1
        ctx, where, fields = self._ctx or self._context()
        key = (line, fields)
        if key in self._candidates:
            self._duplicates += 1
            self._repeat(key, lineno)
            return
        if self._stored_repeat(CANDIDATE, key, lineno):
            self._duplicates += 1
            return
        if self._held() >= limits.MAX_ITEMS:
            self._overflow += 1  # counted, not parsed: memory and time stay bounded
            return
        try:
            cand = parse_candidate(line)
        except CandidateSyntaxError as exc:
            self.problem(lineno, f"malformed candidate: {exc}")
            return
        self._candidates[key] = CandidateRecord(cand, self._origin(lineno, where), ctx)
        if len(self._candidates) + len(self._addresses) > limits.IN_MEMORY:
            self._evict()

    def _section_line(self, letter: str, value: str, lineno: int) -> None:
        """A v=, m=, c= or o= line (``_SECTION_LETTERS``); the other letters carry nothing read."""
        if letter == "v":
            self._new_sdp()
        elif letter == "m":
            self._new_media(value)
        elif letter == "c":
            self._connection(value, lineno)
        else:
            self._origin_line(value, lineno)

    def _new_sdp(self) -> None:
        self._sdp_index += 1
        self._media_count = 0
        self._session_ufrag = None
        self._set_context(None, None, None)

    def _new_media(self, value: str) -> None:
        if self._sdp_index < 0:
            self._new_sdp()
        self._set_context(self._media_count, value.split(" ", 1)[0] or None, self._session_ufrag)
        self._media_count += 1

    def _set_context(self, media_index: int | None, media: str | None, ufrag: str | None) -> None:
        self._ctx_sdp, self._ctx_media_index, self._ctx_media = self._sdp_index, media_index, media
        self._ctx_mid, self._ctx_ufrag, self._ctx = None, ufrag, None

    def _attribute(self, value: str, lineno: int) -> None:
        name, _, rest = value.partition(":")
        if name == "mid":
            self._ctx_mid, self._ctx = rest, None
        elif name == "ice-ufrag":
            self._ctx_ufrag, self._ctx = rest, None
            if self._ctx_media_index is None:
                self._session_ufrag = rest
        elif name == "end-of-candidates":
            self._end_of_candidates += 1
        elif name == "rtcp":
            self._rtcp(rest, lineno)
        elif name == "remote-candidates":
            self._remote_candidates(rest, lineno)
        elif name == "ssrc":
            self._ssrc(rest, lineno)

    def _address(self, address: str, role: AddressRole, lineno: int, port: int | None = None) -> None:
        key = (address, role)  # the first place an address shows in a field is its origin; repeats fold
        if key in self._addresses:
            self._repeat(key, lineno)
        elif self._stored_repeat(ADDRESS, key, lineno):
            pass
        elif self._held() >= limits.MAX_ITEMS:
            self._overflow += 1
        else:
            ctx, where, _ = self._context()
            self._addresses[key] = AddressRecord(address, role, self._origin(lineno, where), ctx, port)
            if len(self._candidates) + len(self._addresses) > limits.IN_MEMORY:
                self._evict()

    def _connection(self, value: str, lineno: int) -> None:
        # c=<nettype> <addrtype> <connection-address>[/ttl][/count]  (RFC 8866 §5.7)
        parts = value.split()
        if len(parts) != 3:
            self.problem(lineno, "c= line needs '<nettype> <addrtype> <address>'")
            return
        self._address(parts[2].split("/", 1)[0], AddressRole.CONNECTION, lineno)

    def _origin_line(self, value: str, lineno: int) -> None:
        # o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>  (§5.2)
        parts = value.split()
        if len(parts) != 6:
            self.problem(lineno, "o= line needs six fields", level=DiagnosticLevel.WARNING)
            return
        self._address(parts[5], AddressRole.ORIGIN, lineno)

    def _rtcp(self, rest: str, lineno: int) -> None:
        # a=rtcp:<port> [<nettype> <addrtype> <connection-address>]  (RFC 3605 §2.1)
        parts = rest.split()
        port = decimal(parts[0]) if parts else None  # (not int(): "²", 5,000 digits)
        if len(parts) == 4 and port is not None:
            self._address(parts[3], AddressRole.RTCP, lineno, port)
        elif len(parts) != 1 or port is None:
            self.problem(lineno, "a=rtcp needs '<port> [IN IP4|IP6 <address>]'", level=DiagnosticLevel.WARNING)

    def _remote_candidates(self, rest: str, lineno: int) -> None:
        # a=remote-candidates:<component> <address> <port> ...  (RFC 8839 §5.2)
        parts = rest.split()
        if len(parts) % 3:
            self.problem(lineno, "a=remote-candidates needs triples of component, address, port")
        for i in range(0, len(parts) - 2, 3):
            port = decimal(parts[i + 2])
            self._address(parts[i + 1], AddressRole.REMOTE_CANDIDATES, lineno, port)

    def _ssrc(self, rest: str, lineno: int) -> None:
        # a=ssrc:<id> cname:<value>  (RFC 5576) — SIP agents often put user@<LAN address> here.
        _, _, attr = rest.partition(" ")
        if not attr.startswith("cname:"):
            return
        cname = attr[6:]
        for match in (*_IPV4_IN_TEXT.findall(cname), *_IPV6_IN_TEXT.findall(cname)):
            if match.count(":") >= 2 or match.count(".") == 3:
                self._address(match, AddressRole.CNAME, lineno)


def parse_sdp_text(text: str, base: Origin, kind: InputKind = InputKind.SDP) -> InputDocument:
    """Parse a whole SDP (or candidate list) held in memory, e.g. a SIP body or a JSON field.

    Items are located relative to ``base``: ``line`` is the line in ``text``, shifted by
    ``base.line - 1`` when ``base.line`` is set; for a packet the line goes in ``detail``.
    """
    parser = SdpParser(base, kind)
    parser.feed_many(text.splitlines())
    return parser.result()


def feed_lines(parser: SdpParser, lines: Iterable[str], first: int = 1) -> None:
    """Feed lines numbered from ``first``."""
    parser.feed_many(lines, first)
