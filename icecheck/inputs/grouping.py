"""Group what the inputs exposed by call and by party (pure).

A call is the SIP Call-ID, the webrtc-internals PeerConnection, the WebSocket/HTTP
connection or STUN exchange that carried the items (``Origin.call``; items without one fall
in the input's ``(no call)`` group). Within a call a party is offerer/answerer when the
offer/answer roles are known, else the sender's address (``Origin.party``). ``group`` builds
the table; ``notes`` phrases it for the report until the renderer shows groups natively.

Memory: a party lists, per candidate type and per address role, how many distinct addresses it
showed and the first ``FEW`` of them, not every one; the distinct ones are told apart in one
``inputs.table.TextSet`` of the run, which moves to disk past ``limits.IN_MEMORY`` (one party of
a million distinct candidates held a dict of a million addresses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from icecheck.inputs.table import TextSet
from icecheck.model import InputDocument

NO_CALL = "(no call)"
NO_PARTY = "(unknown party)"
MAX_NOTES = 50
FEW = 4  # addresses a note names per candidate type or address role


@dataclass
class Listed:
    """The distinct addresses of one candidate type or address role of a party: how many, and the
    first ``FEW`` in first-seen order."""

    count: int = 0
    first: list[str] = field(default_factory=list)


@dataclass
class PartyExposure:
    """What one party of one call exposed: candidates by type, and other addresses by role.
    ``number`` tells its addresses apart from other parties' in the run's ``TextSet``."""

    number: str = ""  # call ordinal and party ordinal
    candidates: dict[str, Listed] = field(default_factory=dict)  # type → its distinct addresses
    addresses: dict[str, Listed] = field(default_factory=dict)  # role → its distinct addresses

    def add(self, seen: TextSet, table: dict[str, Listed], key: str, address: str) -> None:
        """``address`` under ``key``, counted once (``seen``: every (party, table, key, address)
        already counted; a party with 100,000 addresses once made a list of them quadratic)."""
        listed = table.get(key)
        if listed is None:
            listed = table[key] = Listed()
        kind = "c" if table is self.candidates else "a"
        entry = f"{self.number}{kind}{len(key)}:{key}{address}"  # one spelling per (party, table, key, address)
        before = len(seen)
        seen.add(entry)
        if len(seen) == before:
            return  # counted already
        listed.count += 1
        if len(listed.first) < FEW:
            listed.first.append(address)


@dataclass
class CallGroup:
    path: str
    call: str
    parties: dict[str, PartyExposure] = field(default_factory=dict)
    ordinal: int = 0  # its place among the calls, first seen first
    more_parties: int = 0  # distinct parties past the first ``keep`` (``counted``): counted, not listed


def group(docs: Sequence[InputDocument], keep: int | None = None) -> list[CallGroup]:
    """Calls in order of first appearance, per input path; with ``keep``, the first ``keep`` only
    (``counted`` says how many there are in all)."""
    return counted(docs, keep)[0]


def counted(docs: Sequence[InputDocument], keep: int | None = None) -> tuple[list[CallGroup], int]:
    """``group``'s calls, and how many distinct calls there are. With ``keep``, only the first
    ``keep`` calls are built, each listing what its first ``keep`` parties exposed; the other calls
    and parties are only counted, their keys in a ``TextSet`` (``notes`` shows the first
    ``MAX_NOTES`` calls and counts the rest). A STUN server's call with a client per flow held a
    ``PartyExposure`` for each and ``notes`` wrote a line for each: 300,000 of them made 217 MB of
    the scan's 346 MB peak."""
    calls: dict[tuple[str, str], CallGroup] = {}
    seen, other_calls, other_parties = TextSet(), TextSet(), TextSet()
    others = (other_calls, other_parties)  # the keys of the calls, and of a call's parties, past ``keep``
    try:
        for doc in docs:
            for rec in doc.candidates:
                party = _party(calls, others, doc.path, rec.origin.call, rec.origin.party, keep)
                if party is not None:
                    party.add(seen, party.candidates, rec.candidate.type, rec.candidate.address)
            for addr in doc.addresses:
                party = _party(calls, others, doc.path, addr.origin.call, addr.origin.party, keep)
                if party is not None:
                    party.add(seen, party.addresses, str(addr.role), addr.address)
        return list(calls.values()), len(calls) + len(other_calls)
    finally:
        seen.close()
        other_calls.close()
        other_parties.close()


def _party(
    calls: dict[tuple[str, str], CallGroup],
    others: tuple[TextSet, TextSet],
    path: str,
    call: str | None,
    party: str | None,
    keep: int | None,
) -> PartyExposure | None:
    key = (path, call or NO_CALL)
    entry = calls.get(key)
    if entry is None:  # built only when new: this runs once per item of a large capture
        if keep is not None and len(calls) >= keep:
            others[0].add(f"{len(path)}:{path}{key[1]}")  # one spelling per (path, call)
            return None
        entry = calls[key] = CallGroup(path, key[1], ordinal=len(calls))
    name = party or NO_PARTY
    found = entry.parties.get(name)
    if found is None:
        if keep is not None and len(entry.parties) >= keep:  # one STUN server's call, a client per flow
            before = len(others[1])
            others[1].add(f"{entry.ordinal}.{name}")  # one spelling per (call, party)
            entry.more_parties += len(others[1]) - before
            return None
        found = entry.parties[name] = PartyExposure(f"{entry.ordinal}.{len(entry.parties)}")
    return found


def notes(groups: Sequence[CallGroup], total: int | None = None) -> list[str]:
    """One line per call and party, e.g. "Call abc@h (x.pcap) — offerer: 2 host (…), 1 srflx (…)";
    ``total``: how many calls there are (default: ``len(groups)``; ``counted`` gives it)."""
    out = []
    for g in groups[:MAX_NOTES]:
        for name, party in g.parties.items():
            out.append(f"Call {g.call} ({g.path}) — {name}: {_describe(party)}.")
        if g.more_parties:
            out.append(f"Call {g.call} ({g.path}) — {g.more_parties} more parties not listed.")
    more = (len(groups) if total is None else total) - min(len(groups), MAX_NOTES)
    if more > 0:
        out.append(f"{more} more calls not listed.")
    return out


def _describe(p: PartyExposure) -> str:
    parts = [f"{v.count} {k} ({_few(v)})" for k, v in p.candidates.items()]
    parts += [f"{k}: {_few(v)}" for k, v in p.addresses.items()]
    return "; ".join(parts) or "nothing"


def _few(values: Listed) -> str:
    more = values.count - len(values.first)
    return ", ".join(values.first) + (f" +{more}" if more > 0 else "")
