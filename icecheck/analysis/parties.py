"""Whose candidates are whose (pure).

An SDP file usually holds one party's offer; a file with an offer and an answer, several
files, or a capture of a call hold several parties. Inference must not mix them: an
interface count or a "your public address" sentence is about one party's network. A party
is (input path, call, party) from the items' origins, with the SDP index standing in for
the party when a text file holds several SDPs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from icecheck.model import AuditedAddress, AuditedCandidate, Origin, SectionContext


@dataclass(frozen=True, slots=True)
class PartyGroup:
    """One party's items; ``label`` is empty when the whole audit is a single party. The items are
    tuples from ``split``; ``partystore.party_groups`` may give sequences read from disk."""

    key: tuple[str, str, str]
    label: str
    candidates: Sequence[AuditedCandidate]
    addresses: Sequence[AuditedAddress]


def party_key(origin: Origin, context: SectionContext) -> tuple[str, str, str]:
    """(path, call, party); the SDP number stands in for a party the origin does not name."""
    party = origin.party if origin.party is not None else f"sdp {context.sdp_index + 1}"
    return (origin.path, origin.call or "", party)


Item = TypeVar("Item", AuditedCandidate, AuditedAddress)


def _by_party(items: Sequence[Item]) -> dict[tuple[str, str, str], list[Item]]:
    """Items keyed by ``party_key`` (inlined: this runs once per item of a large capture)."""
    out: dict[tuple[str, str, str], list[Item]] = {}
    for item in items:
        o = item.record.origin
        key = (o.path, o.call or "", o.party if o.party is not None else f"sdp {item.record.context.sdp_index + 1}")
        held = out.get(key)
        if held is None:
            out[key] = [item]
        else:
            held.append(item)
    return out


def split(candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]) -> list[PartyGroup]:
    """Items grouped by party, in first-seen order."""
    cands = _by_party(candidates)
    addrs = _by_party(addresses)
    keys = list(dict.fromkeys([*cands, *addrs]))
    multi = len(keys) > 1
    paths = len({k[0] for k in keys}) > 1
    return [
        PartyGroup(k, label(k, paths) if multi else "", tuple(cands.get(k, ())), tuple(addrs.get(k, ()))) for k in keys
    ]


def label(key: tuple[str, str, str], with_path: bool) -> str:
    """A party's label in a report that holds several: path (when several), call, party."""
    path, call, party = key
    parts = [path] if with_path else []
    if call:
        parts.append(f"call {call}")
    parts.append(party)
    return ", ".join(parts)
