"""Accumulate what one scanned input yields: candidates, addresses, diagnostics — bounded.

Every reader of ``icecheck scan`` (pcap, SIP log, HAR, webrtc-internals, JSON) feeds one
``Sink`` per path and turns it into an ``InputDocument`` at the end. The sink folds repeats
(a SIP INVITE seen on both sides of a proxy, a retransmitted request, a STUN response per
connectivity check) so the report lists each thing once, at its first sighting, and it keeps
at most ``MAX_ITEMS`` items and ``MAX_DIAGNOSTICS`` diagnostics whatever the input's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from icecheck.inputs.sdp import parse_sdp_text
from icecheck.model import (
    AddressRecord,
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

MAX_ITEMS = 50_000
MAX_DIAGNOSTICS = 200
_SESSION = SectionContext()

_CandKey = tuple[Candidate, int | None, str | None, str | None, str | None]
_AddrKey = tuple[str, str, int | None, str | None, str | None]


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
class Sink:
    """Collects items for the input at ``path``; ``document(kind)`` freezes them."""

    path: str
    candidates: dict[_CandKey, CandidateRecord] = field(default_factory=dict)
    addresses: dict[_AddrKey, AddressRecord] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    wire: dict[tuple[str, str], WireFact] = field(default_factory=dict)
    end_of_candidates: int = 0
    duplicates: int = 0
    dropped_items: int = 0
    dropped_diagnostics: int = 0
    signalling_messages: int = 0  # SDP bodies, SIP messages, JSON messages seen (even if empty)

    # -- adding ----------------------------------------------------------------------------------

    def candidate(
        self,
        cand: Candidate,
        origin: Origin,
        context: SectionContext | None = None,
        interface: InterfaceInfo | None = None,
    ) -> None:
        """Add one candidate; the same candidate for the same call, party and m-line is folded."""
        context = context or _SESSION
        key = (cand, context.media_index, context.mid, origin.call, origin.party)
        if key in self.candidates:
            self.duplicates += 1
        elif len(self.candidates) + len(self.addresses) >= MAX_ITEMS:
            self.dropped_items += 1
        else:
            self.candidates[key] = CandidateRecord(cand, origin, context, interface)

    def address(self, record: AddressRecord) -> None:
        """Add an address seen outside a candidate; repeats for the same call and party fold."""
        o = record.origin
        key = (record.address, record.role.value, record.port, o.call, o.party)
        if key in self.addresses:
            return
        if len(self.candidates) + len(self.addresses) >= MAX_ITEMS:
            self.dropped_items += 1
            return
        self.addresses[key] = record

    def fact(self, fact: WireFact) -> None:
        """Record a wire fact once per (kind, value)."""
        self.wire.setdefault((fact.kind, fact.value), fact)

    def problem(self, origin: Origin, message: str, level: DiagnosticLevel = DiagnosticLevel.ERROR) -> None:
        """Record a diagnostic (bounded in number)."""
        if len(self.diagnostics) >= MAX_DIAGNOSTICS:
            self.dropped_diagnostics += 1
            return
        self.diagnostics.append(Diagnostic(origin, message, level))

    def sdp(self, text: str, base: Origin, embedded: bool = False) -> None:
        """Parse an SDP body found at ``base`` and merge what it holds. ``embedded``: the SDP sits
        inside one line or value (a JSON string), so its own line numbers go to the detail."""
        self.signalling_messages += 1
        if embedded or (base.line is None and base.packet is None):
            doc = _lines_to_detail(parse_sdp_text(text, base._replace(line=None)), base.line)
        else:
            doc = parse_sdp_text(text, base)
        self.merge(doc)

    def merge(self, doc: InputDocument) -> None:
        """Fold another document's items and diagnostics into this sink."""
        for rec in doc.candidates:
            self.candidate(rec.candidate, rec.origin, rec.context)
        for addr in doc.addresses:
            self.address(addr)
        for d in doc.diagnostics:
            self.problem(d.origin, d.message, d.level)
        self.end_of_candidates += doc.end_of_candidates
        self.duplicates += doc.duplicates

    # -- result ------------------------------------------------------------------------------------

    @property
    def found_anything(self) -> bool:
        return bool(self.candidates or self.addresses or self.wire)

    def document(self, kind: InputKind, fatal: str | None = None, empty: str | None = None) -> InputDocument:
        """Freeze into an ``InputDocument``. ``fatal``: the read stopped early for that reason;
        ``empty``: the message explaining an input that was readable but held nothing."""
        diags = list(self.diagnostics)
        if self.dropped_diagnostics:
            diags.append(
                Diagnostic(
                    Origin(self.path), f"{self.dropped_diagnostics} more problems not listed", DiagnosticLevel.WARNING
                )
            )
        if self.dropped_items:
            diags.append(
                Diagnostic(
                    Origin(self.path),
                    f"{self.dropped_items} items beyond the first {MAX_ITEMS} were counted but not audited",
                    DiagnosticLevel.WARNING,
                )
            )
        if fatal is not None:
            diags.append(Diagnostic(Origin(self.path), fatal))
        status = self._status(fatal, diags)
        if status is InputStatus.EMPTY and empty is not None:
            diags.append(Diagnostic(Origin(self.path), empty, DiagnosticLevel.WARNING))
        return InputDocument(
            path=self.path,
            kind=kind,
            status=status,
            candidates=tuple(self.candidates.values()),
            addresses=tuple(self.addresses.values()),
            diagnostics=tuple(diags),
            end_of_candidates=self.end_of_candidates,
            duplicates=self.duplicates,
        )

    def _status(self, fatal: str | None, diags: list[Diagnostic]) -> InputStatus:
        has_items = bool(self.candidates or self.addresses)
        if not has_items:
            errors = fatal is not None or any(d.level is DiagnosticLevel.ERROR for d in diags)
            if self.end_of_candidates and not errors:
                return InputStatus.OK  # gathering ended with nothing to offer: a valid audit of zero candidates
            return InputStatus.UNREADABLE if errors and not self.signalling_messages else InputStatus.EMPTY
        if fatal is not None or any(d.level is DiagnosticLevel.ERROR for d in diags):
            return InputStatus.PARTIAL
        return InputStatus.OK


def _lines_to_detail(doc: InputDocument, line: int | None) -> InputDocument:
    """Move "line N of this SDP" from ``Origin.line`` into ``Origin.detail``; ``line`` is the file's."""

    def move(o: Origin) -> Origin:
        if o.line is None or o.packet is not None:
            return o
        return o._replace(line=line, detail=f"{o.detail}, SDP line {o.line}" if o.detail else f"SDP line {o.line}")

    return replace(
        doc,
        candidates=tuple(r._replace(origin=move(r.origin)) for r in doc.candidates),
        addresses=tuple(a._replace(origin=move(a.origin)) for a in doc.addresses),
        diagnostics=tuple(replace(d, origin=move(d.origin)) for d in doc.diagnostics),
    )
