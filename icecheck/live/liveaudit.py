"""Auditing a live gathering (pure): interfaces exposed, browser modes, notes, strict failures.

``live_inputs`` works out what only a live run knows, from the ``InputDocument`` of
``gather.gather``: which interface (and of which kind) each exposed address belongs to, the
browser-mode comparison table (``AuditResult.browser_modes``), and plain notes on what was not
learned. With ``mode`` the audit covers the candidates a browser in that mode would signal
(``--as MODE``). ``live_audit`` hands that to the ordinary pipeline (``audit.audit``) with the
NAT result; ``icecheck gather`` hands it to the audit step with lookups instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from icecheck.audit import AuditSettings, audit, audit_candidates
from icecheck.classify import classify
from icecheck.live.modes import TITLES, Item, Mode, apply_mode, compare, mode_rows
from icecheck.model import (
    AddressClass,
    Attempt,
    AuditedCandidate,
    AuditResult,
    Exposure,
    ExposureKind,
    InputDocument,
    InterfaceInfo,
    ModeRow,
    NatBehaviour,
)

__all__ = ["LiveInputs", "interface_exposures", "live_audit", "live_inputs", "public_address_note"]

KIND_WORDS = {"ethernet": "Ethernet", "wifi": "Wi-Fi", "vpn": "VPN", "tunnel": "tunnel", "bridge": "bridge",
              "container": "container", "vm": "virtual-machine", "cellular": "cellular", "loopback": "loopback",
              "unknown": "network"}  # fmt: skip
_MEANING = {
    "vpn": "the peer learns that you use a VPN and your address inside it",
    "tunnel": "the peer learns that you use a tunnel and your address inside it",
    "container": "it shows that containers run on this machine",
    "vm": "it shows that virtual machines run on this machine",
    "bridge": "it shows a bridge (containers or virtual machines) on this machine",
    "cellular": "the peer learns that you are on a mobile network",
}
_HIDING = frozenset({"vpn", "tunnel"})
_HOW_TO_LEARN = (
    "run again with --stun stun:HOST[:PORT] (a STUN server you trust) or --public-stun "
    "(asks Google's and Cloudflare's public servers, which then see your address)"
)


@dataclass(frozen=True, slots=True)
class _Shown:
    """One interface and what the candidates show of it."""

    info: InterfaceInfo
    addresses: tuple[str, ...]
    refs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LiveInputs:
    """What the audit of a live gathering is given: ``document`` (the candidates a browser in the
    chosen mode would signal, or all of them), its ``candidates`` classified, the interfaces they
    expose (``exposures``), ``notes``, and the ``browser_modes`` table."""

    document: InputDocument
    candidates: tuple[AuditedCandidate, ...]
    exposures: tuple[Exposure, ...]
    notes: tuple[str, ...]
    browser_modes: tuple[ModeRow, ...]


def live_inputs(doc: InputDocument, *, mode: Mode | None = None, offline: bool = False) -> LiveInputs:
    """What a live run adds to the audit of its gathering ``doc``; ``mode`` as in ``--as MODE``."""
    items = [Item(rec, classify(rec.candidate.address)) for rec in doc.candidates]
    rows = mode_rows(compare(items), mode)
    audited = doc if mode is None else replace(doc, candidates=apply_mode(mode, items))
    notes = tuple(note for note in (public_address_note(doc, offline), _mode_note(doc, audited, mode)) if note)
    candidates = tuple(audit_candidates([audited]))  # a live gathering: a few candidates
    return LiveInputs(audited, candidates, tuple(interface_exposures(candidates)), notes, rows)


def live_audit(
    doc: InputDocument,
    settings: AuditSettings,
    *,
    mode: Mode | None = None,
    nat: NatBehaviour | None = None,
    attempts: Sequence[Attempt] = (),
    offline: bool = False,
) -> AuditResult:
    """Audit a live gathering, without lookups; with ``mode``, audit what a browser in that mode
    would signal. ``attempts`` are attempts beyond the gathering's (NAT discovery)."""
    live = live_inputs(doc, mode=mode, offline=offline)
    result = audit(
        [live.document],
        settings,
        candidates=live.candidates,
        attempts=attempts,
        extra_exposures=live.exposures,
        nat=nat,
        notes=live.notes,
    )
    return replace(result, browser_modes=live.browser_modes)


def interface_exposures(candidates: Sequence[AuditedCandidate]) -> list[Exposure]:
    """One ``interface-exposed`` exposure per local interface whose address a candidate shows.

    A host candidate shows its address; a server-reflexive one shows its base in raddr. mDNS
    names and zeroed raddrs show nothing. When a VPN or tunnel interface is up, other exposed
    interfaces are the network the VPN was meant to hide, and their summary says so.
    """
    shown = _by_interface(candidates)
    hiding = [s.info.name for s in shown if s.info.kind in _HIDING]
    return [_exposure(s, [h for h in hiding if h != s.info.name]) for s in shown]


def _by_interface(candidates: Sequence[AuditedCandidate]) -> list[_Shown]:
    found: dict[str, tuple[InterfaceInfo, dict[str, None], list[str]]] = {}
    for c in candidates:
        info, address = c.record.interface, _shown_address(c)
        if info is None or address is None:
            continue
        _, addresses, refs = found.setdefault(info.name, (info, {}, []))
        addresses[address] = None
        refs.append(c.id)
    return [_Shown(info, tuple(addrs), tuple(refs)) for info, addrs, refs in found.values()]


def _shown_address(c: AuditedCandidate) -> str | None:
    """The local address a candidate shows: a host's own IP, a server-reflexive candidate's raddr."""
    cand = c.record.candidate
    if cand.type == "host" and c.facts.version is not None:
        return c.facts.address
    facts = c.related_facts
    if cand.type == "srflx" and facts is not None and facts.version is not None:
        return None if facts.address_class is AddressClass.UNSPECIFIED else facts.address
    return None


def _exposure(shown: _Shown, vpns: list[str]) -> Exposure:
    info = shown.info
    words = KIND_WORDS.get(info.kind, info.kind)
    text = f"Your {words} interface {info.name} ({', '.join(shown.addresses)}) is exposed"
    if info.default_route:
        text += " (it carries the default route)"
    if info.kind in _MEANING:
        text += f": {_MEANING[info.kind]}"
    if vpns and info.kind not in _HIDING:
        text += f". The VPN ({', '.join(vpns)}) does not hide it: the peer sees the network behind your VPN"
    return Exposure(ExposureKind.INTERFACE_EXPOSED, text + ".", shown.refs, value=info.name)


def public_address_note(doc: InputDocument, offline: bool = False) -> str | None:
    """A plain note when the public address was not learned, saying why and how to learn it."""
    if any(r.candidate.type in ("srflx", "relay") for r in doc.candidates):
        return None
    stun = [a for a in doc.attempts if a.kind == "stun"]
    if offline:
        why = "--offline sent no packet"
    elif not doc.attempts:
        why = "no STUN server was asked"
    elif not stun:
        why = "the TURN server gave no allocation and no STUN server was asked"
    else:
        why = "no STUN server answered"
    return f"Your public address was not learned ({why}): to learn it, {_HOW_TO_LEARN}."


def _mode_note(gathered: InputDocument, audited: InputDocument, mode: Mode | None) -> str | None:
    if mode is None:
        return None
    n, m = len(audited.candidates), len(gathered.candidates)
    note = f"Audited as a browser would signal them under {TITLES[mode]}: {n} of {m} gathered candidates."
    if n == 0 and m:
        note += " No candidate is left: a browser in this mode could not connect (a TURN server is needed)."
    return note
