"""Merge the sinks of one capture read in parts (``scan --jobs``) into the sink one process fills.

Each part's sink holds the items of the messages it dispatched (``lanes``), each with the
ordinal of its first sighting, and its repeats with the ordinal of the last. One process adds
items in ordinal order, so sorting every part's items by ordinal (ties cannot happen across
parts: an ordinal is one message, dispatched by one part) gives its insertion order, hence the
same ids in the report. An item that two parts both saw (an address keyed by a party that
talks to two others) folds as it would have: the first sighting's record, the counts summed,
the latest last origin. Diagnostics are ordered the same way and capped as one sink caps them;
wire facts keep their first sighting. The bound on distinct items is applied again over the
merged order (past it, parts may have split the sightings differently: the input is partial
either way).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from icecheck.inputs import limits
from icecheck.inputs.sink import MAX_DIAGNOSTICS, Sink


def merge(parts: Sequence[Sink]) -> Sink:
    """One sink holding what the parts (of the same path, each with ``track_order``) hold."""
    out = Sink(parts[0].path)
    _merge_items(parts, out)
    _merge_diagnostics(parts, out)
    facts = sorted(
        ((part.order.wire[key], i, j), key, fact)
        for i, part in enumerate(parts)
        if part.order
        for j, (key, fact) in enumerate(part.wire.items())
    )
    for _, key, fact in facts:
        out.wire.setdefault(key, fact)
    for part in parts:
        out.end_of_candidates += part.end_of_candidates
        out.unaudited += part.unaudited
        out.signalling_messages += part.signalling_messages
    return out


def _merge_items(parts: Sequence[Sink], out: Sink) -> None:
    entries: list[tuple[int, int, int, bool, Any, Any]] = []
    for i, part in enumerate(parts):
        assert part.order is not None
        for j, (ordinal, (key, rec)) in enumerate(zip(part.order.candidates, part.candidates.items(), strict=True)):
            entries.append((ordinal, i, j, True, key, rec))
        n = len(part.candidates)
        for j, (ordinal, (akey, arec)) in enumerate(zip(part.order.addresses, part.addresses.items(), strict=True)):
            entries.append((ordinal, i, n + j, False, akey, arec))
    entries.sort()  # (ordinal, part, index) is unique: the key and record are never compared
    held: dict[Any, list[Any]] = {}  # key → [count, last origin (or what builds it), its ordinal]
    bound = limits.MAX_ITEMS
    for ordinal, i, _, is_candidate, key, rec in entries:
        seen = parts[i].repeats.get(key)
        count, last, last_at = (1, rec.origin, ordinal) if seen is None else seen
        tally = held.get(key)
        if tally is not None:  # first seen by another part
            tally[0] += count
            if last_at > tally[2]:
                tally[1], tally[2] = last, last_at
        elif len(held) >= bound:
            out.unaudited += count
        else:
            (out.candidates if is_candidate else out.addresses)[key] = rec
            held[key] = [count, last, last_at]
    out.repeats.update((key, tally) for key, tally in held.items() if tally[0] > 1)


def _merge_diagnostics(parts: Sequence[Sink], out: Sink) -> None:
    entries = sorted(
        (part.order.diagnostics[j], i, j, d)
        for i, part in enumerate(parts)
        if part.order
        for j, d in enumerate(part.diagnostics)
    )
    kept = [d for _, _, _, d in entries[:MAX_DIAGNOSTICS]]
    out.diagnostics.extend(kept)
    out.dropped_diagnostics = sum(len(p.diagnostics) + p.dropped_diagnostics for p in parts) - len(kept)
