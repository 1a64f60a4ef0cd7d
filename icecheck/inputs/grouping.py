"""Group what the inputs exposed by call and by party (pure).

A call is the SIP Call-ID, the webrtc-internals PeerConnection, the WebSocket/HTTP
connection or STUN exchange that carried the items (``Origin.call``; items without one fall
in the input's ``(no call)`` group). Within a call a party is offerer/answerer when the
offer/answer roles are known, else the sender's address (``Origin.party``). ``group`` builds
the table; ``notes`` phrases it for the report until the renderer shows groups natively.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from icecheck.model import InputDocument

NO_CALL = "(no call)"
NO_PARTY = "(unknown party)"
MAX_NOTES = 50


@dataclass
class PartyExposure:
    """What one party of one call exposed: candidates by type, and other addresses by role."""

    candidates: dict[str, dict[str, None]] = field(default_factory=dict)  # type → addresses (an ordered set)
    addresses: dict[str, dict[str, None]] = field(default_factory=dict)  # role → addresses (an ordered set)

    def add(self, table: dict[str, dict[str, None]], key: str, address: str) -> None:
        """``address`` under ``key``, once (a set: a party with 100,000 addresses once made this quadratic)."""
        table.setdefault(key, {})[address] = None


@dataclass
class CallGroup:
    path: str
    call: str
    parties: dict[str, PartyExposure] = field(default_factory=dict)
    ordinal: int = 0  # its place among the calls, first seen first


def group(docs: Sequence[InputDocument], keep: int | None = None) -> list[CallGroup]:
    """Calls in order of first appearance, per input path. With ``keep``, only the first
    ``keep`` calls list what their parties exposed; the others are there, empty (``notes``
    shows the first ``MAX_NOTES`` and counts the rest: memory stays bounded)."""
    calls: dict[tuple[str, str], CallGroup] = {}
    for doc in docs:
        for rec in doc.candidates:
            party = _party(calls, doc.path, rec.origin.call, rec.origin.party, keep)
            if party is not None:
                party.add(party.candidates, rec.candidate.type, rec.candidate.address)
        for addr in doc.addresses:
            party = _party(calls, doc.path, addr.origin.call, addr.origin.party, keep)
            if party is not None:
                party.add(party.addresses, addr.role, addr.address)  # a StrEnum: its value as a key
    return list(calls.values())


def _party(
    calls: dict[tuple[str, str], CallGroup], path: str, call: str | None, party: str | None, keep: int | None
) -> PartyExposure | None:
    key = (path, call or NO_CALL)
    entry = calls.get(key)
    if entry is None:  # built only when new: this runs once per item of a large capture
        entry = calls[key] = CallGroup(path, key[1], ordinal=len(calls))
    if keep is not None and entry.ordinal >= keep:
        return None
    name = party or NO_PARTY
    found = entry.parties.get(name)
    if found is None:
        found = entry.parties[name] = PartyExposure()
    return found


def notes(groups: Sequence[CallGroup]) -> list[str]:
    """One line per call and party, e.g. "Call abc@h (x.pcap) — offerer: 2 host (…), 1 srflx (…)"."""
    out = []
    for g in groups[:MAX_NOTES]:
        for name, party in g.parties.items():
            out.append(f"Call {g.call} ({g.path}) — {name}: {_describe(party)}.")
    if len(groups) > MAX_NOTES:
        out.append(f"{len(groups) - MAX_NOTES} more calls not listed.")
    return out


def _describe(p: PartyExposure) -> str:
    parts = [f"{len(v)} {k} ({_few(v)})" for k, v in p.candidates.items()]
    parts += [f"{k}: {_few(v)}" for k, v in p.addresses.items()]
    return "; ".join(parts) or "nothing"


def _few(values: dict[str, None], n: int = 4) -> str:
    return ", ".join(itertools.islice(values, n)) + (f" +{len(values) - n}" if len(values) > n else "")
