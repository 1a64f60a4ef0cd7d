"""Items grouped by party, one group in memory at a time (``analysis.parties.split``, bounded).

``split`` holds every item of every party at once. ``party_groups`` yields the same groups, in
the same order, with the same labels and items, but when there are more than ``IN_MEMORY``
items it first files each item under its party in a private temporary SQLite database
(``sqlite3.connect("")``: on disk, deleted when closed) and reads the parties back one by one,
each party's items as they are iterated: memory holds one key per party, not the items. Each
party's items come back in their order (candidates, then addresses). A single party is not
filed at all: its group is the sequences themselves.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

from icecheck.analysis.groups import RefList
from icecheck.analysis.parties import PartyGroup, label, party_key, split
from icecheck.model import AuditedAddress, AuditedCandidate

IN_MEMORY = 50_000  # items grouped in memory (``split``) up to this many (as ``limits.IN_MEMORY``)
_CHUNK = 1024  # rows inserted at a time
T = TypeVar("T")


def party_groups(candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]) -> Iterator[PartyGroup]:
    """``split(candidates, addresses)``, yielded group by group (see the module docstring).

    A single party is one group whatever is done: its group holds ``candidates`` and
    ``addresses`` themselves (a spool is read again by whoever reads the group), found by one
    pass over the items' keys, which stops at the first item of a second party. Several parties
    past ``IN_MEMORY`` items are filed in SQLite, and each group's items are read from it as they
    are iterated (``_Filed``): a group is valid until the next one is asked for.
    """
    if len(candidates) + len(addresses) <= IN_MEMORY:
        yield from split(candidates, addresses)
        return
    key = _single(candidates, addresses)
    if key is not None:
        yield PartyGroup(key, "", candidates, addresses)
        return
    keys: dict[tuple[str, str, str], int] = {}
    sizes: dict[tuple[int, int], int] = {}  # (group, kind) → items
    db = sqlite3.connect("")
    try:
        db.execute(
            "CREATE TABLE item (grp INTEGER, kind INTEGER, seq INTEGER, data BLOB, PRIMARY KEY (grp, kind, seq))"
        )
        both: tuple[Sequence[AuditedCandidate | AuditedAddress], ...] = (candidates, addresses)
        for kind, items in enumerate(both):
            rows: list[tuple[int, int, int, bytes]] = []
            for seq, item in enumerate(items):
                group = keys.setdefault(party_key(item.record.origin, item.record.context), len(keys))
                sizes[group, kind] = sizes.get((group, kind), 0) + 1
                rows.append((group, kind, seq, pickle.dumps(item, pickle.HIGHEST_PROTOCOL)))
                if len(rows) >= _CHUNK:
                    db.executemany("INSERT INTO item VALUES (?, ?, ?, ?)", rows)
                    rows = []
            db.executemany("INSERT INTO item VALUES (?, ?, ?, ?)", rows)
        paths = len({k[0] for k in keys}) > 1
        for key, group in keys.items():
            cands: _Filed[AuditedCandidate] = _Filed(db, group, 0, sizes.get((group, 0), 0))
            addrs: _Filed[AuditedAddress] = _Filed(db, group, 1, sizes.get((group, 1), 0))
            yield PartyGroup(key, label(key, paths), cands, addrs)
    finally:
        db.close()


def _single(candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]) -> tuple[str, str, str] | None:
    """The one party every item belongs to, or None when there are several (or no items)."""
    first: tuple[str, str, str] | None = None
    both: tuple[Sequence[AuditedCandidate | AuditedAddress], ...] = (candidates, addresses)
    for items in both:
        for item in items:
            key = party_key(item.record.origin, item.record.context)
            if first is None:
                first = key
            elif key != first:
                return None
    return first


class _Filed(Sequence[T]):
    """The items of one kind of one party in the database, read in order each time they are
    iterated (indexing reads them all: for the rare reader that needs it)."""

    def __init__(self, db: sqlite3.Connection, group: int, kind: int, size: int) -> None:
        self.db, self.group, self.kind, self.size = db, group, kind, size

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[T]:
        if not self.size:
            return
        query = "SELECT data FROM item WHERE grp = ? AND kind = ? ORDER BY seq"
        for (data,) in self.db.execute(query, (self.group, self.kind)):
            yield pickle.loads(data)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


def party_ids(
    candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]
) -> Iterator[tuple[tuple[str, str, str], str, RefList, RefList]]:
    """What ``split`` gives reduced to ids: (key, label, candidate ids, address ids) per party,
    in the same order: what a report lists per party, without holding the items (the ids packed,
    ``groups.RefList``: 8 bytes each; a party's ids of a kind it lacks, and its label, made only
    as it is given)."""
    table: dict[tuple[str, str, str], list[RefList | None]] = {}
    paths: dict[str, str] = {}  # one copy of each input's path for all its parties' keys
    both: tuple[Sequence[AuditedCandidate | AuditedAddress], ...] = (candidates, addresses)
    for kind, items in enumerate(both):
        for item in items:
            key = party_key(item.record.origin, item.record.context)
            ids = table.get(key)
            if ids is None:
                path = paths.setdefault(key[0], key[0])
                ids = table[(path, key[1], key[2])] = [None, None]
            held = ids[kind]
            if held is None:
                held = ids[kind] = RefList()
            held.append(item.id)
    multi = len(table) > 1
    several = len(paths) > 1
    for key, (c, a) in table.items():
        yield key, label(key, several) if multi else "", c or RefList(), a or RefList()
