"""Accumulate what one scanned input yields: candidates, addresses, diagnostics — folded.

Every reader of ``icecheck scan`` (pcap, SIP log, HAR, webrtc-internals, JSON) feeds one
``Sink`` per path and turns it into an ``InputDocument`` at the end. Memory is bounded by what
is distinct, not by how often it repeats: an item seen again (a SIP INVITE seen on both sides of
a proxy, a retransmission, a re-INVITE repeating the offer, a STUN response per consent
refresh) folds into the one already held, which keeps its first origin and gains a ``count``
and its ``last`` origin. The fold keys:

- a candidate: the candidate as written (every field of the RFC 8839 grammar, so the same
  text), the call (``Origin.call``) and party (``Origin.party``) it belongs to, and its m-line
  (media index and mid);
- an address outside candidates: the address, its role (``c=``, SIP header, STUN mapped...),
  its port, the call and the party;
- a wire fact: its kind and value.

Everything else about a sighting (packet, time, line, detail) is the origin's, not the item's.

What is held is held once: the strings of a new item (its origin's detail, call and party, its
address, its candidate's address, type and transport) and of a repeat's last origin are taken
from ``Sink.names``, one copy of each distinct value, when the item is first held — a capture's
items repeat a handful of call ids, addresses and details thousands of times (``_share``).
Memory holds at most ``limits.IN_MEMORY`` distinct items: past it the oldest half move, with
their fold, to a temporary file (``inputs.spill``; with their first and last ordinals in a sink
whose parts are merged, ``track_order``), repeats of them fold there, and ``document`` reads them back first, in order,
as a ``Spool``. Nothing caps how many times items repeat; ``limits.MAX_ITEMS`` distinct items per input is a guard
against pathological inputs (millions of distinct addresses): past it new items are counted as
``unaudited`` and the input is ``partial``. Diagnostics are capped at ``MAX_DIAGNOSTICS``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from icecheck.inputs import limits
from icecheck.inputs.sdp import parse_sdp_text
from icecheck.inputs.spill import ADDRESS, CANDIDATE, ItemStore, folded, oldest_half
from icecheck.inputs.spool import Spool
from icecheck.model import (
    AddressRecord,
    AddressRole,
    Candidate,
    CandidateRecord,
    Diagnostic,
    DiagnosticLevel,
    InputDocument,
    InputKind,
    InputStatus,
    InterfaceInfo,
    Origin,
    SectionContext,
)

MAX_DIAGNOSTICS = 200
SDP_MEMO = 256  # SDP bodies of a capture remembered parsed (``Sink._parsed``): a repeat comes soon after
_SESSION = SectionContext()
_BODY = Origin("", packet=0)  # where a capture's SDP body is parsed before it is placed

_CandKey = tuple[Candidate, int | None, str | None, str | None, str | None]
_AddrKey = tuple[str, str, int | None, str | None, str | None]
_Last = Origin | tuple[Origin, str, str | None]  # a repeat's last origin, or what ``_at`` builds it from


@dataclass(frozen=True, slots=True)
class WireFact:
    """Something a capture shows on the wire besides signalling (STUN attributes).

    ``kind`` is ``network-cost`` (value "id/cost" from GOOG-NETWORK-INFO), ``software`` (the
    SOFTWARE attribute) or ``network-type`` (webrtc-internals candidate stats: value like
    "192.0.2.1 wifi vpn=false relay=udp"); mapped addresses travel as ``AddressRecord`` values.
    """

    kind: str
    value: str
    origin: Origin


@dataclass
class Order:
    """Where items were first seen, by ordinal (``Sink.track_order``); a repeat's last is in ``repeats``."""

    candidates: list[int] = field(default_factory=list)  # in the order of ``Sink.candidates``
    addresses: list[int] = field(default_factory=list)  # in the order of ``Sink.addresses``
    diagnostics: list[int] = field(default_factory=list)
    wire: dict[tuple[str, str], int] = field(default_factory=dict)

    def moved(self, tables: tuple[tuple[int, dict[Any, Any]], ...], repeats: dict[Any, Any]) -> list[tuple[int, int]]:
        """The (first, last) ordinals of the oldest half of each table (``spill.oldest_half``,
        candidates then addresses), which leave these lists as they leave memory."""
        out: list[tuple[int, int]] = []
        for (_, items), firsts in zip(tables, (self.candidates, self.addresses), strict=True):
            n = (len(items) + 1) // 2
            for key, first in zip(itertools.islice(items, n), firsts, strict=False):
                seen = repeats.get(key)
                out.append((first, first if seen is None else seen[2]))
            del firsts[:n]
        return out


@dataclass
class Sink:
    """Collects items for the input at ``path``; ``document(kind)`` freezes them.

    ``candidates`` and ``addresses`` hold each distinct item's first sighting; ``repeats`` holds,
    for items seen more than once, [count, last origin, its ordinal] under the same key."""

    path: str
    candidates: dict[_CandKey, CandidateRecord] = field(default_factory=dict)
    addresses: dict[_AddrKey, AddressRecord] = field(default_factory=dict)
    repeats: dict[_CandKey | _AddrKey, list[Any]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    wire: dict[tuple[str, str], WireFact] = field(default_factory=dict)
    end_of_candidates: int = 0
    unaudited: int = 0
    dropped_diagnostics: int = 0
    signalling_messages: int = 0  # SDP bodies, SIP messages, JSON messages seen (even if empty)
    sdp_memo: dict[str, InputDocument] = field(default_factory=dict)
    ordinal: int = 0  # the place of the message being read in the capture's global order (``lanes``)
    order: Order | None = None
    names: dict[Any, Any] = field(default_factory=dict)  # one copy of each held string (``_share``)
    store: ItemStore | None = None  # items moved out of memory (``_evict``), with ordinals with ``order``
    spill: bool = True  # False: every item stays in ``candidates``/``addresses`` (``hold_all``)
    signalled: Any = None  # webrtc's index of the candidates held, by PeerConnection (``webrtc._Signalled``)

    # -- adding ----------------------------------------------------------------------------------

    def candidate(
        self,
        cand: Candidate,
        origin: Origin,
        context: SectionContext | None = None,
        interface: InterfaceInfo | None = None,
        count: int = 1,
        last: Origin | None = None,
    ) -> None:
        """Add one candidate (``count`` sightings, the last at ``last``; default: this one)."""
        context = context or _SESSION
        key = (cand, context.media_index, context.mid, origin.call, origin.party)
        if key in self.candidates:
            self._repeat(key, count, last or origin)
        elif self.store is not None and self.store.repeat((CANDIDATE, key), count, last or origin, self.ordinal):
            pass
        elif self.held() >= limits.MAX_ITEMS:
            self.unaudited += count
        else:
            self._new(self.candidates, key, CandidateRecord(cand, origin, context, interface), count, last)

    def address(self, record: AddressRecord) -> None:
        """Add an address seen outside a candidate (``record.count`` sightings)."""
        o = record.origin
        key = (record.address, str(record.role), record.port, o.call, o.party)
        if key in self.addresses:
            self._repeat(key, record.count, record.last or o)
        elif self.store is not None and self.store.repeat((ADDRESS, key), record.count, record.last or o, self.ordinal):
            pass
        elif self.held() >= limits.MAX_ITEMS:
            self.unaudited += record.count
        else:
            held = record if record.count == 1 else replace(record, count=1, last=None)
            self._new(self.addresses, key, held, record.count, record.last)

    def address_at(
        self,
        address: str,
        role: AddressRole,
        port: int | None,
        where: Origin,
        more: str,
        party: str | None,
        count: int = 1,
        last_more: str | None = None,
        context: SectionContext = _SESSION,
    ) -> None:
        """``address(AddressRecord(address, role, origin, context, port))`` with ``origin`` being
        ``where`` with ``more`` added to its detail and ``party`` for its party — built only for
        a new item: a repeat keeps (where, more, party) until ``document`` (the hot path of SIP
        headers and STUN attributes, most of which repeat). ``count`` sightings, the last one's
        detail ending with ``last_more`` (default ``more``)."""
        key = (address, str(role), port, where.call, party)
        seen = self.repeats.get(key)  # most sightings repeat an item seen twice already: one look-up
        if seen is not None:
            seen[0] += count
            seen[1] = (where, last_more or more, party)
            seen[2] = self.ordinal
        elif key in self.addresses:
            self._repeat(key, count, (where, last_more or more, party))
        elif self.store is not None and self.store.repeat(
            (ADDRESS, key), count, _at(where, last_more or more, party, self.names), self.ordinal
        ):
            pass
        elif self.held() >= limits.MAX_ITEMS:
            self.unaudited += count
        else:
            names = self.names
            origin = _at(where, more, party, names)
            address = names.setdefault(address, address)
            held = (address, names.setdefault(key[1], key[1]), port, origin.call, origin.party)  # shared strings
            record = AddressRecord(address, role, origin, context, port)
            self._new(self.addresses, held, record, count, (where, last_more or more, party))

    def _new(self, items: dict[Any, Any], key: Any, record: Any, count: int, last: _Last | None) -> None:
        items[key] = record
        if count > 1:
            self.repeats[key] = [count, last, self.ordinal]
        if self.order is not None:
            (self.order.candidates if items is self.candidates else self.order.addresses).append(self.ordinal)
        if self.spill and len(self.candidates) + len(self.addresses) > limits.IN_MEMORY:
            self._evict()

    def hold_all(self) -> None:
        """Keep every item in memory from now on (until ``release``): for a reader that looks back
        at the candidates it added (webrtc-internals stats matched with signalled candidates).
        Items already moved to disk stay there."""
        self.spill = False

    def release(self) -> None:
        """End ``hold_all``: items move to disk again past ``limits.IN_MEMORY``, the oldest at once."""
        self.spill = True
        while len(self.candidates) + len(self.addresses) > limits.IN_MEMORY:
            self._evict()

    def held(self) -> int:
        """Distinct items held, in memory and on disk."""
        n = len(self.candidates) + len(self.addresses)
        return n if self.store is None else n + sum(self.store.held)

    def _evict(self) -> None:
        """Move the oldest half of the candidates and of the addresses, with their folds, to
        ``store``: what stays is newer than anything moved, so first-sighting order holds."""
        if self.store is None:
            self.store = ItemStore()
        tables: tuple[tuple[int, dict[Any, Any]], ...] = ((CANDIDATE, self.candidates), (ADDRESS, self.addresses))
        ordinals = None if self.order is None else self.order.moved(tables, self.repeats)
        rows = oldest_half(tables, self.repeats, lambda seen: _last(seen, self.names))
        self.store.add(rows, ordinals)
        self.names.clear()  # a memo of shared strings: the ones moved out need it no more

    def _repeat(self, key: _CandKey | _AddrKey, count: int, last: _Last) -> None:
        seen = self.repeats.get(key)
        if seen is None:
            names = self.names  # the key held from the held values, not the packet's copies
            self.repeats[tuple([names.get(part, part) for part in key])] = [1 + count, last, self.ordinal]  # type: ignore[index]
        else:
            seen[0] += count
            seen[1] = last
            seen[2] = self.ordinal

    def fact(self, fact: WireFact) -> None:
        """Record a wire fact once per (kind, value)."""
        key = (fact.kind, fact.value)
        if key not in self.wire:
            self.wire[key] = fact
            if self.order is not None:
                self.order.wire[key] = self.ordinal

    def problem(self, origin: Origin, message: str, level: DiagnosticLevel = DiagnosticLevel.ERROR) -> None:
        """Record a diagnostic (bounded in number)."""
        if len(self.diagnostics) >= MAX_DIAGNOSTICS:
            self.dropped_diagnostics += 1
            return
        self.diagnostics.append(Diagnostic(origin, message, level))
        if self.order is not None:
            self.order.diagnostics.append(self.ordinal)

    def track_order(self) -> None:
        """Remember from now on where in the global order (``ordinal``) each item, diagnostic and
        wire fact was first seen, and each repeat last: what merging parts needs (``merge``)."""
        self.order = Order()

    def sdp(self, text: str, base: Origin, embedded: bool = False) -> None:
        """Parse an SDP body found at ``base`` and merge what it holds. ``embedded``: the SDP sits
        inside one line or value (a JSON string), so its own line numbers go to the detail."""
        self.signalling_messages += 1
        if base.packet is not None and base.line is None:  # in a capture: "SDP line N" in the detail
            self._place(self._parsed(text), base)
            return
        if embedded or (base.line is None and base.packet is None):
            doc = _lines_to_detail(parse_sdp_text(text, base._replace(line=None)), base.line)
        else:
            doc = parse_sdp_text(text, base)
        self.merge(doc)

    def _parsed(self, text: str) -> InputDocument:
        """``text`` parsed as found at ``_BODY``; the last ``SDP_MEMO`` bodies are remembered, so a
        body seen again (a re-INVITE, a retransmission, both sides of a proxy) is not parsed again."""
        doc = self.sdp_memo.get(text)
        if doc is None:
            doc = parse_sdp_text(text, _BODY)
            if len(self.sdp_memo) >= SDP_MEMO:
                del self.sdp_memo[next(iter(self.sdp_memo))]
            self.sdp_memo[text] = doc
        return doc

    def _place(self, doc: InputDocument, base: Origin) -> None:
        """Merge a body parsed at ``_BODY`` as found at ``base``: each origin becomes ``base`` with
        the body's "SDP line N" added to its detail (what parsing at ``base`` gives), built only
        for new items."""
        call, party = base.call, base.party
        for rec in doc.candidates:
            ctx = rec.context
            key = (rec.candidate, ctx.media_index, ctx.mid, call, party)
            last = (rec.last or rec.origin).detail or ""
            if key in self.candidates:
                self._repeat(key, rec.count, (base, last, party))
            elif self.store is not None and self.store.repeat(
                (CANDIDATE, key), rec.count, _at(base, last, party, self.names), self.ordinal
            ):
                pass
            elif self.held() >= limits.MAX_ITEMS:
                self.unaudited += rec.count
            else:
                origin = _at(base, rec.origin.detail or "", party, self.names)
                cand = _share(rec.candidate, self.names)
                record = CandidateRecord(cand, origin, ctx)
                held = (cand, ctx.media_index, ctx.mid, origin.call, origin.party)  # shared values
                self._new(self.candidates, held, record, rec.count, (base, last, party))
        for a in doc.addresses:
            last = (a.last or a.origin).detail or ""
            self.address_at(a.address, a.role, a.port, base, a.origin.detail or "", party, a.count, last, a.context)
        for d in doc.diagnostics:
            where = base if d.origin == _BODY else _at(base, d.origin.detail or "", party, self.names)
            self.problem(where, d.message, d.level)
        self.end_of_candidates += doc.end_of_candidates
        self.unaudited += doc.unaudited

    def merge(self, doc: InputDocument) -> None:
        """Fold another document's items and diagnostics into this sink."""
        for rec in doc.candidates:
            self.candidate(rec.candidate, rec.origin, rec.context, rec.interface, rec.count, rec.last)
        for addr in doc.addresses:
            self.address(addr)
        for d in doc.diagnostics:
            self.problem(d.origin, d.message, d.level)
        self.end_of_candidates += doc.end_of_candidates
        self.unaudited += doc.unaudited

    # -- result ------------------------------------------------------------------------------------

    @property
    def found_anything(self) -> bool:
        return bool(self.held() or self.wire)

    def document(self, kind: InputKind, fatal: str | None = None, empty: str | None = None) -> InputDocument:
        """Freeze into an ``InputDocument``, once: the items move into it (the sink keeps its wire
        facts and counters, no items). ``fatal``: the read stopped early for that reason;
        ``empty``: the message explaining an input that was readable but held nothing."""
        diags = list(self.diagnostics)
        if self.dropped_diagnostics:
            diags.append(
                Diagnostic(
                    Origin(self.path), f"{self.dropped_diagnostics} more problems not listed", DiagnosticLevel.WARNING
                )
            )
        if self.unaudited:
            diags.append(Diagnostic(Origin(self.path), limits.unaudited_message(self.unaudited)))
        if fatal is not None:
            diags.append(Diagnostic(Origin(self.path), fatal))
        status = self._status(fatal, diags)
        if status is InputStatus.EMPTY and empty is not None:
            diags.append(Diagnostic(Origin(self.path), empty, DiagnosticLevel.WARNING))
        candidates: Sequence[CandidateRecord] = self._folded_candidates()
        addresses: Sequence[AddressRecord] = self._folded_addresses()
        self.names.clear()
        if self.store is not None:
            stored, self.store = self.store, None
            candidates = Spool.of(itertools.chain(folded(stored, CANDIDATE), candidates))
            addresses = Spool.of(itertools.chain(folded(stored, ADDRESS), addresses))
            stored.close()
        return InputDocument(
            path=self.path,
            kind=kind,
            status=status,
            candidates=candidates,
            addresses=addresses,
            diagnostics=tuple(diags),
            end_of_candidates=self.end_of_candidates,
            duplicates=sum(r.count for r in candidates) - len(candidates),
            unaudited=self.unaudited,
        )

    def _folded_candidates(self) -> tuple[CandidateRecord, ...]:
        """The held candidates in first-seen order, with the count and last origin of repeats
        (as ``replace(rec, count=..., last=...)``, built directly: one per repeated item). The
        sink hands them over: each leaves its tables as its folded record is made, so the input's
        items are never held twice (``document`` is called once)."""
        items, repeats, names = self.candidates, self.repeats, self.names
        out: list[CandidateRecord] = []
        while items:
            key, rec = items.popitem()  # the last first: reversed below
            seen = repeats.pop(key, None)
            if seen is None:
                out.append(rec)
            else:
                last = _last(seen, names)
                out.append(CandidateRecord(rec.candidate, rec.origin, rec.context, rec.interface, seen[0], last))
        out.reverse()
        return tuple(out)

    def _folded_addresses(self) -> tuple[AddressRecord, ...]:
        """The held addresses, as ``_folded_candidates``."""
        items, repeats, names = self.addresses, self.repeats, self.names
        out: list[AddressRecord] = []
        while items:
            key, rec = items.popitem()
            seen = repeats.pop(key, None)
            if seen is None:
                out.append(rec)
            else:
                last = _last(seen, names)
                out.append(AddressRecord(rec.address, rec.role, rec.origin, rec.context, rec.port, seen[0], last))
        out.reverse()
        return tuple(out)

    def _status(self, fatal: str | None, diags: list[Diagnostic]) -> InputStatus:
        has_items = bool(self.held())
        if not has_items:
            errors = fatal is not None or any(d.level is DiagnosticLevel.ERROR for d in diags)
            if self.end_of_candidates and not errors:
                return InputStatus.OK  # gathering ended with nothing to offer: a valid audit of zero candidates
            return InputStatus.UNREADABLE if errors and not self.signalling_messages else InputStatus.EMPTY
        if fatal is not None or any(d.level is DiagnosticLevel.ERROR for d in diags):
            return InputStatus.PARTIAL
        return InputStatus.OK


def _last(seen: list[Any], names: dict[Any, Any]) -> Origin | None:
    """A repeat's last origin, built now if it was kept as what builds it (``Sink.address_at``)."""
    last = seen[1]
    if last is None or type(last) is Origin:
        return last
    where, more, party = last
    return _at(where, more, party, names)


def _at(where: Origin, more: str, party: str | None, names: dict[Any, Any]) -> Origin:
    """``where`` with ``more`` joined to its detail and ``party`` as its party (built directly),
    its strings taken from ``names`` (``_share``)."""
    detail = f"{where.detail}, {more}" if where.detail else more
    share = names.setdefault
    return Origin(
        where.path,
        where.line,
        where.packet,
        where.time,
        share(detail, detail),
        share(where.call, where.call),
        share(party, party),
    )


def _share(cand: Candidate, names: dict[Any, Any]) -> Candidate:
    """``cand`` as held already (an equal candidate), or with its address, related address, type,
    transport and foundation taken from ``names``: equal values held once (each parse of an SDP
    body makes its own copies). The result is in ``names`` too."""
    held = names.get(cand)
    if held is not None:
        return held  # type: ignore[no-any-return]
    share = names.setdefault
    held = cand._replace(
        foundation=share(cand.foundation, cand.foundation),
        transport=share(cand.transport, cand.transport),
        address=share(cand.address, cand.address),
        type=share(cand.type, cand.type),
        related_address=share(cand.related_address, cand.related_address),
    )
    names[held] = held
    return held


def _lines_to_detail(doc: InputDocument, line: int | None) -> InputDocument:
    """Move "line N of this SDP" from ``Origin.line`` into ``Origin.detail``; ``line`` is the file's."""

    def move(o: Origin) -> Origin:
        if o.line is None or o.packet is not None:
            return o
        return o._replace(line=line, detail=f"{o.detail}, SDP line {o.line}" if o.detail else f"SDP line {o.line}")

    return replace(
        doc,
        candidates=tuple(replace(r, origin=move(r.origin), last=r.last and move(r.last)) for r in doc.candidates),
        addresses=tuple(replace(a, origin=move(a.origin), last=a.last and move(a.last)) for a in doc.addresses),
        diagnostics=tuple(replace(d, origin=move(d.origin)) for d in doc.diagnostics),
    )
