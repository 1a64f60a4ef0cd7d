"""Which candidates a browser would expose under each privacy setting (pure, no I/O).

RFC 8828 §5.2 modes: 1 all interfaces; 2 the default-route interface with its private address;
3 the default route only, no host candidates; 4 through a proxy, relay only. Browser defaults as
the real offers in samples/real show them (Chromium 156, Firefox ESR 153, same NAT lab):

- Chrome without camera/microphone permission: mode 2, each host address behind a ``<uuid>.local``
  mDNS name, srflx ``raddr 0.0.0.0 rport 0``, relay raddr = the user's public address (kept).
- Chrome with that permission: mode 1, raw addresses.
- Firefox default (no permission): mode 2 (``default_address_only`` without permission), mDNS
  names, srflx raddr zeroed, relay raddr = the relay address itself.
- relay-only (``iceTransportPolicy: "relay"``): relay candidates, raddr ``0.0.0.0 rport 0``.

The default route's addresses come from ``CandidateRecord.interface.default_route`` (live
gathering); without interface data the highest-priority host of each family stands in. Of those,
one per family is kept, preferring a global address (not ULA, link-local) and then a non-EUI-64
one, as RFC 6724 source selection does for a public destination.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from icecheck.inputs.candidate import format_candidate
from icecheck.model import AddressClass, AddressFacts, Candidate, CandidateRecord, ModeRow


class Mode(StrEnum):
    """A browser privacy setting; the value is the ``--as`` spelling."""

    MODE1 = "mode1"
    MODE2 = "mode2"
    MODE3 = "mode3"
    MODE4 = "mode4"
    CHROME = "chrome"
    CHROME_PERMISSION = "chrome-permission"
    FIREFOX = "firefox"
    RELAY_ONLY = "relay-only"


class Shown(StrEnum):
    """What becomes of one gathered candidate in a mode."""

    RAW = "raw"  # sent as gathered
    MDNS = "mdns"  # host address concealed behind a <uuid>.local name
    RADDR_HIDDEN = "raddr-hidden"  # sent, but the related address is zeroed or replaced
    DROPPED = "dropped"  # not gathered or not signalled


TITLES: dict[Mode, str] = {
    Mode.MODE1: "RFC 8828 mode 1: all interfaces",
    Mode.MODE2: "RFC 8828 mode 2: default route and its private address",
    Mode.MODE3: "RFC 8828 mode 3: default route only, no host candidates",
    Mode.MODE4: "RFC 8828 mode 4: through a proxy, relay only",
    Mode.CHROME: "Chrome default: mode 2 with mDNS host names",
    Mode.CHROME_PERMISSION: "Chrome with camera/microphone permission: raw addresses",
    Mode.FIREFOX: "Firefox default: mode 2 with mDNS host names",
    Mode.RELAY_ONLY: 'relay only (iceTransportPolicy "relay")',
}


SHORT: dict[Mode, str] = {
    Mode.MODE1: "all interfaces",
    Mode.MODE2: "default route + its private address",
    Mode.MODE3: "default route, no host",
    Mode.MODE4: "proxy, relay only",
    Mode.CHROME: "Chrome default (mDNS)",
    Mode.CHROME_PERMISSION: "Chrome, camera/mic allowed",
    Mode.FIREFOX: "Firefox default (mDNS)",
    Mode.RELAY_ONLY: "iceTransportPolicy relay",
}


@dataclass(frozen=True, slots=True)
class _Spec:
    """What a privacy mode signals: which host addresses, srflx, mDNS concealment, raddr."""

    hosts: str  # all, default, none
    srflx: str  # all, default, none
    mdns: bool = False  # conceal host addresses
    srflx_raddr: bool = True  # keep the srflx related address (else 0.0.0.0 rport 0)
    relay_raddr: str = "keep"  # keep, zero, self (the relay's own address)


_SPECS = {
    Mode.MODE1: _Spec("all", "all"),
    Mode.MODE2: _Spec("default", "default"),
    Mode.MODE3: _Spec("none", "default", srflx_raddr=False),
    Mode.MODE4: _Spec("none", "none", relay_raddr="zero"),  # via a proxy the TURN server maps the proxy, not you
    Mode.CHROME: _Spec("default", "default", mdns=True, srflx_raddr=False),
    Mode.CHROME_PERMISSION: _Spec("all", "all"),
    Mode.FIREFOX: _Spec("default", "default", mdns=True, srflx_raddr=False, relay_raddr="self"),
    Mode.RELAY_ONLY: _Spec("none", "none", relay_raddr="zero"),
}


class CandidateLike(Protocol):
    """A candidate with its facts: ``AuditedCandidate`` or ``Item``."""

    @property
    def record(self) -> CandidateRecord: ...

    @property
    def facts(self) -> AddressFacts: ...


@dataclass(frozen=True, slots=True)
class Item:
    """A ``CandidateLike`` made from a record and ``classify(record.candidate.address)``."""

    record: CandidateRecord
    facts: AddressFacts


@dataclass(frozen=True, slots=True)
class ModeView:
    """One mode: what becomes of each input candidate, what is signalled, which IPs the peer learns."""

    mode: Mode
    title: str
    shown: tuple[Shown, ...]  # per input candidate, in input order
    candidates: tuple[CandidateRecord, ...]
    addresses: tuple[str, ...]  # IP addresses in the signalled candidates (address or raddr)


@dataclass(frozen=True, slots=True)
class ModeComparison:
    """Every mode side by side, for a comparison table and JSON."""

    labels: tuple[str, ...]  # one per input candidate, e.g. "host 192.168.77.10 (c-lan)"
    views: tuple[ModeView, ...]

    def view(self, mode: Mode) -> ModeView:
        return next(v for v in self.views if v.mode is mode)

    def rows(self) -> list[tuple[str, tuple[Shown, ...]]]:
        """Table rows: a candidate label and its ``Shown`` value under each view, in view order."""
        return [(label, tuple(v.shown[i] for v in self.views)) for i, label in enumerate(self.labels)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "modes": [{"mode": v.mode.value, "title": v.title, "addresses": list(v.addresses),
                       "candidates": [r.candidate.raw for r in v.candidates]} for v in self.views],
            "rows": [{"candidate": label, "shown": {v.mode.value: v.shown[i].value for v in self.views}}
                     for i, label in enumerate(self.labels)],
        }  # fmt: skip


def mode_rows(comparison: ModeComparison, selected: Mode | None = None) -> tuple[ModeRow, ...]:
    """One ``ModeRow`` per view: counts per candidate type, the user's addresses, each candidate's fate."""
    return tuple(
        ModeRow(
            mode=v.mode.value,
            title=v.title,
            short=SHORT[v.mode],
            counts=_counts(v.candidates),
            addresses=own_addresses(v.candidates),
            concealed=sum(s is Shown.MDNS for s in v.shown),
            shown=tuple((label, s.value) for label, s in zip(comparison.labels, v.shown, strict=True)),
            selected=v.mode is selected,
        )
        for v in comparison.views
    )


def own_addresses(records: Sequence[CandidateRecord]) -> tuple[str, ...]:
    """The user's IP addresses in ``records``: every address and raddr except the unspecified
    0.0.0.0/:: and a relay's own address (the TURN server's, also as raddr under Firefox)."""
    found = []
    for rec in records:
        cand = rec.candidate
        relay = _ip(cand.address) if cand.type == "relay" else ""
        for addr in (cand.address, cand.related_address or ""):
            ip = _ip(addr)
            if ip and ip != relay and not _unspecified(ip):
                found.append(ip)
    return tuple(dict.fromkeys(found))


def _counts(records: Sequence[CandidateRecord]) -> tuple[tuple[str, int], ...]:
    """Candidates per type: host, srflx and relay always, other types (prflx) when present."""
    types = [r.candidate.type for r in records]
    extra = [t for t in dict.fromkeys(types) if t not in ("host", "srflx", "relay")]
    return tuple((t, types.count(t)) for t in ("host", "srflx", "relay", *extra))


def parse_mode(name: str) -> Mode:
    """The ``Mode`` spelled ``name`` (case-insensitive); ValueError listing the choices."""
    try:
        return Mode(name.strip().lower())
    except ValueError:
        raise ValueError(f"unknown mode {name!r}; choose one of {', '.join(m.value for m in Mode)}") from None


def compare(items: Sequence[CandidateLike], modes: Sequence[Mode] = tuple(Mode)) -> ModeComparison:
    """Apply every mode in ``modes`` to ``items`` (the candidates as gathered, i.e. mode 1)."""
    return ModeComparison(tuple(_label(i.record) for i in items), tuple(view(m, items) for m in modes))


def apply_mode(mode: Mode, items: Sequence[CandidateLike]) -> tuple[CandidateRecord, ...]:
    """The candidate list a browser in ``mode`` would signal, for auditing ``--as MODE``."""
    return view(mode, items).candidates


def view(mode: Mode, items: Sequence[CandidateLike]) -> ModeView:
    spec, defaults = _SPECS[mode], default_addresses(items)
    results = [_transform(spec, item, defaults) for item in items]
    out = tuple(r for _, r in results if r is not None)
    return ModeView(mode, TITLES[mode], tuple(s for s, _ in results), out, _learned(out))


def default_addresses(items: Sequence[CandidateLike]) -> frozenset[str]:
    """The host addresses of the default route, one per address family (module docstring)."""
    hosts = [i for i in items if i.record.candidate.type == "host" and i.facts.version is not None]
    if any(i.record.interface is not None for i in hosts):
        pool = [i for i in hosts if i.record.interface is not None and i.record.interface.default_route]
    else:
        pool = hosts
    best: dict[int, CandidateLike] = {}
    for item in sorted(pool, key=_preference):
        best.setdefault(item.facts.version or 0, item)
    return frozenset(_ip(i.record.candidate.address) for i in best.values())


def _preference(item: CandidateLike) -> tuple[int, bool, int]:
    scope = {AddressClass.ULA: 1, AddressClass.LINK_LOCAL: 2}.get(item.facts.address_class, 0)
    return scope, item.facts.mac is not None, -item.record.candidate.priority


def _transform(spec: _Spec, item: CandidateLike, defaults: frozenset[str]) -> tuple[Shown, CandidateRecord | None]:
    cand = item.record.candidate
    if cand.type == "host":
        if spec.hosts == "none" or (spec.hosts == "default" and _ip(cand.address) not in defaults):
            return Shown.DROPPED, None
        if spec.mdns and item.facts.version is not None:
            return Shown.MDNS, _with(item.record, address=mdns_name(cand.address))
        return Shown.RAW, item.record
    if cand.type == "srflx":
        base = _ip(cand.related_address or "")
        if spec.srflx == "none" or (spec.srflx == "default" and base and base not in defaults):
            return Shown.DROPPED, None
        if not spec.srflx_raddr and base and not _unspecified(base):
            return Shown.RADDR_HIDDEN, _with(item.record, related_address=_zero(base), related_port=0)
        return Shown.RAW, item.record
    if cand.type == "relay":
        return _relay(spec, item.record)
    return (Shown.DROPPED, None) if spec.srflx == "none" else (Shown.RAW, item.record)  # prflx, unknown types


def _relay(spec: _Spec, record: CandidateRecord) -> tuple[Shown, CandidateRecord]:
    cand = record.candidate
    if spec.relay_raddr == "zero" and cand.related_address and not _unspecified(cand.related_address):
        return Shown.RADDR_HIDDEN, _with(record, related_address=_zero(cand.address), related_port=0)
    if spec.relay_raddr == "self" and cand.related_address not in (None, cand.address):
        return Shown.RADDR_HIDDEN, _with(record, related_address=cand.address, related_port=cand.port)
    return Shown.RAW, record


def mdns_name(address: str) -> str:
    """A stable ``<uuid4>.local`` name for ``address`` (browsers use a random one per session)."""
    digest = hashlib.sha256(_ip(address).encode()).digest()[:16]
    return f"{uuid.UUID(bytes=digest, version=4)}.local"


def _with(record: CandidateRecord, **changes: Any) -> CandidateRecord:
    cand: Candidate = record.candidate._replace(**changes)
    prefix = "a=" if record.candidate.raw.startswith("a=") else ""
    return replace(record, candidate=cand._replace(raw=prefix + format_candidate(cand)))


def _learned(records: Sequence[CandidateRecord]) -> tuple[str, ...]:
    found = []
    for rec in records:
        for addr in (rec.candidate.address, rec.candidate.related_address or ""):
            ip = _ip(addr)
            if ip and not _unspecified(ip):
                found.append(ip)
    return tuple(dict.fromkeys(found))


def _label(record: CandidateRecord) -> str:
    cand, iface = record.candidate, record.interface
    raddr = f" raddr {cand.related_address}" if cand.related_address and cand.type != "host" else ""
    where = f" ({iface.name})" if iface is not None and cand.type == "host" else ""
    return f"{cand.type} {cand.address}{raddr}{where}"


def _ip(text: str) -> str:
    """Canonical IP text, or "" for a name or junk."""
    try:
        return ipaddress.ip_address(text.strip("[]")).compressed
    except ValueError:
        return ""


def _unspecified(ip: str) -> bool:
    return ip in ("0.0.0.0", "::")


def _zero(ip: str) -> str:
    return "::" if ":" in ip else "0.0.0.0"
