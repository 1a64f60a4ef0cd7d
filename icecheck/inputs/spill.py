"""Where a ``Sink`` keeps the items it no longer holds in memory: a private temporary SQLite file.

A sink holds up to ``limits.IN_MEMORY`` distinct items as Python objects; past that it moves its oldest
ones here (``Sink._evict``, ``oldest_half``), so memory is bounded by that number, not by how many distinct
items the input holds. Each item is kept with its fold, exactly: its key's digest (BLAKE2b of
the key's ``repr``, 128 bits), whether it is a candidate or an address, its first-sighting
record, its count and its last origin, in the order it was first seen. A repeat of an item
kept here updates its count and last origin (``repeat``). ``items`` reads them back in
first-sighting order. A sink whose parts are merged (``Sink.track_order``) files each item with the
ordinals of its first and last sighting too, and a repeat replaces the last origin only when it
is not older (``at``): the parts of a capture (``inputs.merge``) fold in that order, not in
the order they are read. A Bloom filter over the keys (``BLOOM_BITS`` bits, two probes from the
key's ``hash``) answers most lookups of items never filed without asking SQLite: every new item
is such a lookup. ``sqlite3.connect("")`` makes a database on disk that SQLite deletes when
the connection closes (``close``, or when the store is collected, or the process ends);
``copy_to`` writes a store to a named file, which ``ItemStore.open`` reads in another process
(the items a part of a capture sends back, ``inputs.jobs``).
"""

from __future__ import annotations

import hashlib
import itertools
import pickle
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from icecheck.model import AddressRecord, AddressRole, Candidate, CandidateRecord, Origin, SectionContext

CANDIDATE, ADDRESS = 0, 1
_PICKLE = pickle.HIGHEST_PROTOCOL
BLOOM_BITS = 1 << 26  # 8 MB; about 2 % false positives (a needless SQLite lookup) at 10 million items


def digest(key: Any) -> bytes:
    """The digest an item is filed under: equal keys (str, int, None and tuples of them) give
    equal ``repr`` text whichever objects hold the values."""
    return hashlib.blake2b(repr(key).encode("utf-8", "surrogatepass"), digest_size=16).digest()


class ItemStore:
    """Items moved out of a sink (module docstring)."""

    def __init__(self, db: sqlite3.Connection | None = None) -> None:
        self.db = db or sqlite3.connect("")
        self.held = [0, 0]  # items kept here, by kind
        if db is None:
            self.db.execute(
                "CREATE TABLE item (seq INTEGER PRIMARY KEY, digest BLOB UNIQUE, kind INTEGER, record BLOB,"
                " count INTEGER, last BLOB, first_at INTEGER, last_at INTEGER)"
            )
            self.bloom = bytearray(BLOOM_BITS >> 3)
        else:  # a store filed elsewhere (``open``): read, never added to
            self.bloom = bytearray()
            for kind, n in self.db.execute("SELECT kind, count(*) FROM item GROUP BY kind"):
                self.held[kind] = n

    @classmethod
    def open(cls, path: str) -> ItemStore:
        """The store ``copy_to`` wrote at ``path``, to read its items."""
        return cls(sqlite3.connect(path))

    def copy_to(self, path: str) -> None:
        """Write this store's items to a new SQLite file at ``path`` (``open`` reads it)."""
        self.db.commit()  # VACUUM cannot run inside the transaction the inserts opened
        self.db.execute("VACUUM INTO ?", (path,))

    def _probes(self, key: Any) -> tuple[int, int]:
        h = hash(key)
        return h & (BLOOM_BITS - 1), (h >> 32) & (BLOOM_BITS - 1)

    def add(
        self, rows: list[tuple[int, Any, Any, int, Origin | None]], ordinals: list[tuple[int, int]] | None = None
    ) -> None:
        """File items (kind, key, first record, count, last origin or None), oldest first;
        ``ordinals``: each one's (first, last) sighting in a capture's global order (default 0)."""
        self.db.executemany(
            "INSERT INTO item (digest, kind, record, count, last, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    digest(key),
                    kind,
                    pickle.dumps(_plain(record), _PICKLE),
                    count,
                    _last(last),
                    *at,
                )
                for (kind, key, record, count, last), at in zip(
                    rows, ordinals or itertools.repeat((0, 0)), strict=False
                )
            ],
        )
        bloom = self.bloom
        for kind, key, *_ in rows:
            self.held[kind] += 1
            for bit in self._probes(key):
                bloom[bit >> 3] |= 1 << (bit & 7)

    def repeat(self, key: Any, count: int, last: Origin, at: int = 0) -> bool:
        """Fold ``count`` more sightings, the last at ``last`` (at ordinal ``at``), into the item
        filed under ``key``; False when there is none. The last origin is replaced unless the
        item's is newer."""
        bloom = self.bloom
        for bit in self._probes(key):
            if not bloom[bit >> 3] & (1 << (bit & 7)):
                return False
        cur = self.db.execute(
            "UPDATE item SET count = count + ?, last = CASE WHEN ? >= last_at THEN ? ELSE last END,"
            " last_at = max(last_at, ?) WHERE digest = ?",
            (count, at, _last(last), at, digest(key)),
        )
        return cur.rowcount > 0

    def items(self, kind: int) -> Iterator[tuple[Any, int, Origin | None]]:
        """(first record, count, last origin or None) of each item of ``kind``, first seen first."""
        rows = self.db.execute("SELECT record, count, last FROM item WHERE kind = ? ORDER BY seq", (kind,))
        for record, count, last in rows:
            yield _record(pickle.loads(record)), count, None if last is None else Origin(*pickle.loads(last))

    def sighted(self, kind: int) -> Iterator[tuple[Any, int, Origin | None, int, int]]:
        """As ``items``, with each one's first and last ordinal (``add``)."""
        rows = self.db.execute(
            "SELECT record, count, last, first_at, last_at FROM item WHERE kind = ? ORDER BY seq", (kind,)
        )
        for record, count, last, first_at, last_at in rows:
            yield (
                _record(pickle.loads(record)),
                count,
                None if last is None else Origin(*pickle.loads(last)),
                first_at,
                last_at,
            )

    def close(self) -> None:
        self.db.close()


def oldest_half(
    tables: tuple[tuple[int, dict[Any, Any]], ...], repeats: dict[Any, Any], last: Callable[[Any], Origin | None]
) -> list[tuple[int, Any, Any, int, Origin | None]]:
    """The rows for ``ItemStore.add`` of the oldest half of each ``(kind, items)`` table (a dict in
    first-sighting order, key → first record), popped from it with their folds from ``repeats``
    (key → ``[count, ...]``, ``last(seen)`` the last origin): what stays is newer than anything
    moved, so first-sighting order holds."""
    rows: list[tuple[int, Any, Any, int, Origin | None]] = []
    for kind, items in tables:
        for key in list(itertools.islice(items, (len(items) + 1) // 2)):
            record = items.pop(key)
            seen = repeats.pop(key, None)
            rows.append(
                (kind, (kind, key), record, 1, None)
                if seen is None
                else (kind, (kind, key), record, seen[0], last(seen))
            )
    return rows


def _last(last: Origin | None) -> bytes | None:
    return None if last is None else pickle.dumps(tuple(last), _PICKLE)


def _plain(record: CandidateRecord | AddressRecord) -> tuple[Any, ...]:
    """A first-sighting record as plain tuples of str, int and None (pickled by C code alone,
    unlike named tuples, enums and dataclasses); ``_record`` rebuilds it."""
    c = record.context
    context = (c.sdp_index, c.media_index, c.media, c.mid, c.ice_ufrag)
    if isinstance(record, CandidateRecord):
        return (CANDIDATE, tuple(record.candidate), tuple(record.origin), context, record.interface)
    return (ADDRESS, record.address, record.role.value, tuple(record.origin), context, record.port)


def _record(plain: tuple[Any, ...]) -> CandidateRecord | AddressRecord:
    if plain[0] == CANDIDATE:
        _, cand, origin, context, interface = plain
        return CandidateRecord(Candidate(*cand), Origin(*origin), SectionContext(*context), interface)
    _, address, role, origin, context, port = plain
    return AddressRecord(address, AddressRole(role), Origin(*origin), SectionContext(*context), port)


def folded(store: ItemStore, kind: int) -> Iterator[Any]:
    """The items of ``kind`` filed in ``store``, first seen first, with their count and last
    origin (the record as first seen when it was seen once)."""
    for rec, count, last in store.items(kind):
        if count == 1 and last is None:
            yield rec
        elif kind == CANDIDATE:
            yield CandidateRecord(rec.candidate, rec.origin, rec.context, rec.interface, count, last)
        else:
            yield AddressRecord(rec.address, rec.role, rec.origin, rec.context, rec.port, count, last)
