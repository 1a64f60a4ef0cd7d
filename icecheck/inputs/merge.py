"""Merge the sinks of one capture read in parts (``scan --jobs``) into the sink one process fills.

Each part's sink holds the items of the messages it dispatched (``lanes``), each with the
ordinal of its first sighting, and its repeats with the ordinal of the last. A part that spilled
(as one process does) is sealed: ``seal`` moves all of its items to its store (``inputs.spill``:
on disk, with both ordinals), where the oldest were already; a part that never spilled is read
from memory (``_held``). Either way a part is read as two streams in first-sighting order, its
candidates and its addresses. One process adds items in ordinal
order, so a k-way merge of every part's streams by ordinal (``heapq.merge``; ties cannot happen
across parts: an ordinal is one message, dispatched by one part) gives its insertion order,
hence the same ids in the report. An item that two parts both saw (an address keyed by a party
that talks to two others) folds as it would have: the first sighting's record, the counts
summed, the latest last origin. The merged sink spills as a sink does (past
``limits.IN_MEMORY`` items the oldest half go to its store), so the merge holds at most that
many items whatever the capture holds. Diagnostics are ordered the same way and capped as one
sink caps them; wire facts keep their first sighting. The bound on distinct items is applied
again over the merged order (past it, parts may have split the sightings differently: the
input is partial either way). Parts that never spilled and hold at most ``limits.IN_MEMORY``
items together (the usual case) are merged by one sort of their entries instead
(``_merge_held``); each such part has built its repeats' last origins and folded records
already (``settle``, in the process that read it), and the merged sink holds the records
folded, so that its document builds nothing more.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any

from icecheck.inputs import limits
from icecheck.inputs.sink import MAX_DIAGNOSTICS, Sink, _last
from icecheck.inputs.spill import ADDRESS, CANDIDATE, ItemStore, oldest_half
from icecheck.model import AddressRecord, CandidateRecord, Origin

BATCH = 5000  # items filed at once by ``seal``

_Entry = tuple[int, int, Any, int, Origin | None, int, Any]  # first ordinal, kind, record, count, last, ordinal, key


def merge(parts: Sequence[Sink]) -> Sink:
    """One sink holding what the parts (of the same path, each with ``track_order``) hold. The
    parts' items are read from their stores (``seal``), which are closed after."""
    out = Sink(parts[0].path)
    if all(part.store is None for part in parts) and sum(_items(part) for part in parts) <= limits.IN_MEMORY:
        _merge_held(parts, out)
    else:
        stores = [seal(part) if part.store is not None else None for part in parts]
        try:
            streams = [
                _stream(store, kind) if store is not None else _held(part, kind)
                for part, store in zip(parts, stores, strict=True)
                for kind in (CANDIDATE, ADDRESS)
            ]
            _merge_items(streams, out)
        finally:
            for store in stores:
                if store is not None:
                    store.close()
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


def seal(sink: Sink) -> ItemStore:
    """Move every item ``sink`` (with ``track_order``) holds in memory to its store, after those
    moved there already, with their folds and ordinals; the store (the sink keeps it)."""
    store = sink.store = sink.store or ItemStore()
    for kind in (CANDIDATE, ADDRESS):
        rows: list[tuple[int, Any, Any, int, Origin | None]] = []
        ordinals: list[tuple[int, int]] = []
        for key, (first, _, record, count, last, last_at) in _folded(sink, kind):
            rows.append((kind, (kind, key), record, count, last))
            ordinals.append((first, last_at))
            if len(rows) >= BATCH:
                store.add(rows, ordinals)
                rows, ordinals = [], []
        store.add(rows, ordinals)
    order = sink.order
    assert order is not None
    for held in (sink.candidates, sink.addresses, order.candidates, order.addresses, sink.repeats, sink.names):
        held.clear()
    return store


def settle(sink: Sink) -> None:
    """Build now what the merge and the document would build of a part's repeats: each one's last
    origin, where it holds what builds it (``Sink.address_at``), and, in a part that never
    spilled, each repeated item's record with its count and last origin (what ``Sink.document``
    makes of it; its fold stays in ``repeats`` too). A part's reading process does it before it
    ships the part, the merging one while it waits for them (``jobs``): the merging process, which
    works alone after, has that much less to do (``_merge_held`` keeps the records folded)."""
    names = sink.names
    candidates: dict[Any, CandidateRecord] = sink.candidates
    addresses: dict[Any, AddressRecord] = sink.addresses
    fold = sink.store is None
    for key, seen in sink.repeats.items():
        last = seen[1] = _last(seen, names)
        if fold:
            if key in candidates:
                candidates[key] = _fold(CANDIDATE, candidates[key], seen[0], last)
            else:
                addresses[key] = _fold(ADDRESS, addresses[key], seen[0], last)


def _fold(kind: int, rec: Any, count: int, last: Origin | None) -> Any:
    """``rec`` (a record as first seen) with ``count`` sightings, the last at ``last`` (as
    ``Sink.document`` and ``spill.folded`` build it)."""
    if kind == CANDIDATE:
        return CandidateRecord(rec.candidate, rec.origin, rec.context, rec.interface, count, last)
    return AddressRecord(rec.address, rec.role, rec.origin, rec.context, rec.port, count, last)


def _stream(store: ItemStore, kind: int) -> Iterator[_Entry]:
    for record, count, last, first_at, last_at in store.sighted(kind):
        yield first_at, kind, record, count, last, last_at, _key(kind, record)


def _held(sink: Sink, kind: int) -> Iterator[_Entry]:
    """A part's items when it never spilled, held in memory: what ``_stream`` gives of its store
    once sealed, without the store (the key as the sink filed the item: ``_key`` of its record)."""
    for key, (first, kind_, record, count, last, last_at) in _folded(sink, kind):
        yield first, kind_, record, count, last, last_at, key


def _folded(sink: Sink, kind: int) -> Iterator[tuple[Any, tuple[int, int, Any, int, Origin | None, int]]]:
    """The items of ``kind`` a part's sink holds in memory, each with its key, folded: first
    sighting's ordinal and record, count, last origin (None: seen once) and its ordinal."""
    order = sink.order
    assert order is not None, "only the sink of a part is merged"
    items: dict[Any, Any] = sink.candidates if kind == CANDIDATE else sink.addresses
    firsts = order.candidates if kind == CANDIDATE else order.addresses
    repeats: dict[Any, list[Any]] = sink.repeats
    for (key, record), first in zip(items.items(), firsts, strict=True):
        seen = repeats.get(key)
        if seen is None:
            yield key, (first, kind, record, 1, None, first)
        else:
            yield key, (first, kind, record, seen[0], _last(seen, sink.names), seen[2])


def _key(kind: int, record: Any) -> Any:
    """The key a sink files ``record`` under (``Sink.candidate``, ``Sink.address``)."""
    o = record.origin
    if kind == CANDIDATE:
        c = record.context
        return (record.candidate, c.media_index, c.mid, o.call, o.party)
    return (record.address, str(record.role), record.port, o.call, o.party)


def _items(part: Sink) -> int:
    return len(part.candidates) + len(part.addresses)


def _merge_held(parts: Sequence[Sink], out: Sink) -> None:
    """``_merge_items`` of parts that never spilled and hold at most ``limits.IN_MEMORY`` items
    in all (the usual case: a capture's distinct items are few), with one sort of every part's
    entries by (first ordinal, kind) in place of a k-way merge of streams (the sort is stable
    and no two streams share a (first ordinal, kind): the same order), nothing to spill or to
    count past ``limits.MAX_ITEMS``, and each repeated item's record folded here (its count and
    last origin: what ``Sink.document`` would make of it), or kept as its part folded it
    (``settle``) when no other part saw it: ``out`` holds no repeats."""
    entries = [entry for part in parts for kind in (CANDIDATE, ADDRESS) for entry in _held(part, kind)]
    entries.sort(key=_first_seen)
    candidates, addresses = out.candidates, out.addresses
    held: dict[Any, list[Any]] = {}  # key → [count, last origin, its ordinal, kind]
    for _, kind, record, count, last, last_at, key in entries:
        tally = held.get(key)
        if tally is None:
            (candidates if kind == CANDIDATE else addresses)[key] = record
            held[key] = [count, last or record.origin, last_at, kind]
        else:  # first seen by another part
            tally[0] += count
            if last_at > tally[2]:
                tally[1], tally[2] = last or record.origin, last_at
    for key, (count, last, _, kind) in held.items():
        if count > 1:
            table = candidates if kind == CANDIDATE else addresses
            record = table[key]
            if record.count != count or record.last is not last:  # not as its part folded it
                table[key] = _fold(kind, record, count, last)


_first_seen = itemgetter(0, 1)  # an entry's (first ordinal, kind)


def _merge_items(streams: Sequence[Iterator[_Entry]], out: Sink) -> None:
    held: dict[Any, list[Any]] = {}  # key → [count, last origin, its ordinal], for the items in memory
    for _, kind, record, count, last, last_at, key in heapq.merge(*streams, key=lambda e: (e[0], e[1])):
        last = last or record.origin
        tally = held.get(key)
        if tally is not None:  # first seen by another part
            tally[0] += count
            if last_at > tally[2]:
                tally[1], tally[2] = last, last_at
        elif out.store is not None and out.store.repeat((kind, key), count, last, last_at):
            pass
        elif out.held() >= limits.MAX_ITEMS:
            out.unaudited += count
        else:
            (out.candidates if kind == CANDIDATE else out.addresses)[key] = record
            held[key] = [count, last, last_at]
            if len(held) > limits.IN_MEMORY:
                _evict(out, held)
    out.repeats.update((key, tally) for key, tally in held.items() if tally[0] > 1)


def _evict(out: Sink, held: dict[Any, list[Any]]) -> None:
    """Move the oldest half of the merged candidates and addresses, with their folds and last
    ordinals, to ``out``'s store (as ``Sink._evict``)."""
    tables: tuple[tuple[int, dict[Any, Any]], ...] = ((CANDIDATE, out.candidates), (ADDRESS, out.addresses))
    ordinals = [(0, held[key][2]) for _, items in tables for key in itertools.islice(items, (len(items) + 1) // 2)]
    rows = oldest_half(tables, held, lambda seen: seen[1] if seen[0] > 1 else None)
    out.store = out.store or ItemStore()
    out.store.add(rows, ordinals)


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
