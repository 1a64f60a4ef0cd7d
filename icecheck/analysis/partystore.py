"""Items grouped by party, one group in memory at a time (``analysis.parties.split``, bounded).

``split`` holds every item of every party at once. ``party_groups`` yields the same groups, in
the same order, with the same labels and items, but when there are more than ``IN_MEMORY``
items it first files each item under its party in a private temporary SQLite database
(``sqlite3.connect("")``: on disk, deleted when closed) and reads the parties back one by one:
a party of a few items as tuples, a larger one's items as they are iterated. The parties' keys
are numbered in memory up to ``IN_MEMORY`` parties, then in the database too (a STUN server's
capture has a party per client: millions), so memory holds neither the items nor one entry per
party. Each party's items come back in their order (candidates, then addresses). A single party
is not filed at all: its group is the sequences themselves. ``party_ids`` gives the parties'
item ids the same way, for a report that lists them.
"""

from __future__ import annotations

import itertools
import operator
import pickle
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

from icecheck.analysis.groups import RefList
from icecheck.analysis.parties import PartyGroup, label, party_key, split
from icecheck.model import AuditedAddress, AuditedCandidate

IN_MEMORY = 50_000  # items grouped in memory (``split``), and party keys numbered in memory, up to this many
_CHUNK = 1024  # rows inserted at a time
_FEW = 256  # a party of up to this many items is read back as lists
T = TypeVar("T")
Key = tuple[str, str, str]
Item = AuditedCandidate | AuditedAddress


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
    with _Store(_pickled) as store:
        store.file(candidates, addresses)
        for key, label, cands, addrs in store.groups(_unpickled):
            yield PartyGroup(key, label, cands, addrs)


def _pickled(item: Item) -> bytes:
    return pickle.dumps(item, pickle.HIGHEST_PROTOCOL)


def _unpickled(data: bytes | str) -> Any:
    assert isinstance(data, bytes)
    return pickle.loads(data)


def _single(candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]) -> Key | None:
    """The one party every item belongs to, or None when there are several (or no items)."""
    first: Key | None = None
    both: tuple[Sequence[Item], ...] = (candidates, addresses)
    for items in both:
        for item in items:
            key = party_key(item.record.origin, item.record.context)
            if first is None:
                first = key
            elif key != first:
                return None
    return first


def party_ids(
    candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]
) -> Iterator[tuple[Key, str, RefList, RefList]]:
    """What ``split`` gives reduced to ids: (key, label, candidate ids, address ids) per party,
    in the same order: what a report lists per party, without holding the items (the ids packed,
    ``groups.RefList``: 8 bytes each, a run of consecutive ids 16 bytes). Past ``IN_MEMORY``
    parties the ids are filed in SQLite and read back party by party (``_Store``)."""
    table = _id_table(candidates, addresses)
    if table is not None:
        multi = len(table) > 1
        several = len({key[0] for key in table}) > 1
        for key, (c, a) in table.items():
            yield key, label(key, several) if multi else "", c or RefList(), a or RefList()
        return
    with _Store(_item_id) as store:
        store.file(candidates, addresses)
        for key, label_, cands, addrs in store.groups(str):
            yield key, label_, _ref_list(cands), _ref_list(addrs)


def _item_id(item: Item) -> str:
    return item.id


def _ref_list(ids: Sequence[str]) -> RefList:
    refs = RefList()
    for ref in ids:
        refs.append(ref)
    return refs


def _id_table(
    candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]
) -> dict[Key, list[RefList | None]] | None:
    """Each party's ids of each kind, in first-seen order; None past ``IN_MEMORY`` parties."""
    table: dict[Key, list[RefList | None]] = {}
    paths: dict[str, str] = {}  # one copy of each input's path for all its parties' keys
    both: tuple[Sequence[Item], ...] = (candidates, addresses)
    for kind, items in enumerate(both):
        for item in items:
            key = party_key(item.record.origin, item.record.context)
            ids = table.get(key)
            if ids is None:
                if len(table) >= IN_MEMORY:
                    return None
                path = paths.setdefault(key[0], key[0])
                ids = table[(path, key[1], key[2])] = [None, None]
            held = ids[kind]
            if held is None:
                held = ids[kind] = RefList()
            held.append(item.id)
    return table


class _Store:
    """Items filed by party in a private temporary SQLite database: ``file`` numbers each item's
    party in first-seen order (in a dict up to ``IN_MEMORY`` parties, then in the database) and
    files what ``encode`` makes of the item; ``groups`` reads the parties back in that order."""

    def __init__(self, encode: Callable[[Item], bytes | str]) -> None:
        self.encode = encode
        self.db = sqlite3.connect("")
        self.db.execute(
            "CREATE TABLE item (grp INTEGER, kind INTEGER, seq INTEGER, data, PRIMARY KEY (grp, kind, seq))"
        )
        self.keys: dict[Key, int] = {}  # the first IN_MEMORY parties' numbers
        self.filed = False  # the keys are in the table ``party``
        self.parties = 0
        self.paths: set[str] = set()

    def __enter__(self) -> _Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def file(self, candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]) -> None:
        rows: list[tuple[int, int, int, bytes | str]] = []
        both: tuple[Sequence[Item], ...] = (candidates, addresses)
        for kind, items in enumerate(both):
            for seq, item in enumerate(items):
                rows.append(
                    (self._number(party_key(item.record.origin, item.record.context)), kind, seq, self.encode(item))
                )
                if len(rows) >= _CHUNK:
                    self.db.executemany("INSERT INTO item VALUES (?, ?, ?, ?)", rows)
                    rows = []
        self.db.executemany("INSERT INTO item VALUES (?, ?, ?, ?)", rows)

    def _number(self, key: Key) -> int:
        """``key``'s party number, a new one when it is new."""
        number = self.keys.get(key)
        if number is not None:
            return number
        if self.filed:
            row = self.db.execute("SELECT grp FROM party WHERE path = ? AND call = ? AND side = ?", key).fetchone()
            if row is not None:
                number = int(row[0])
                self.keys[key] = number  # a memo, cleared as it fills
                if len(self.keys) >= IN_MEMORY:
                    self.keys.clear()
                return number
        elif len(self.keys) >= IN_MEMORY:
            self.db.execute("CREATE TABLE party (grp INTEGER PRIMARY KEY, path TEXT, call TEXT, side TEXT)")
            self.db.executemany("INSERT INTO party VALUES (?, ?, ?, ?)", ((n, *k) for k, n in self.keys.items()))
            self.db.execute("CREATE UNIQUE INDEX party_key ON party (path, call, side)")
            self.filed = True
            self.keys.clear()
        number = self.parties
        self.parties += 1
        self.paths.add(key[0])
        if self.filed:
            self.db.execute("INSERT INTO party VALUES (?, ?, ?, ?)", (number, *key))
        else:
            self.keys[key] = number
        return number

    def _keys(self) -> Iterator[Key]:
        """The parties' keys in their numbers' order."""
        if not self.filed:
            yield from self.keys
            return
        yield from self.db.execute("SELECT path, call, side FROM party ORDER BY grp")

    def groups(self, decode: Callable[[bytes | str], T]) -> Iterator[tuple[Key, str, Sequence[T], Sequence[T]]]:
        """Each party's (key, label, candidates, addresses), decoded: a party of up to ``_FEW``
        items as tuples, a larger one as ``_Filed`` sequences (valid until the next party is asked for)."""
        multi, several = self.parties > 1, len(self.paths) > 1
        rows = self.db.execute("SELECT grp, kind, data FROM item ORDER BY grp, kind, seq")
        parties = itertools.groupby(rows, key=operator.itemgetter(0))
        for number, (key, (grp, party_rows)) in enumerate(zip(self._keys(), parties, strict=True)):
            assert grp == number  # every party has an item
            name = label(key, several) if multi else ""
            held: tuple[list[T], list[T]] = ([], [])
            for _, kind, data in itertools.islice(party_rows, _FEW + 1):
                held[kind].append(decode(data))
            if len(held[0]) + len(held[1]) <= _FEW:
                yield key, name, tuple(held[0]), tuple(held[1])
                continue
            del held  # read again as it is iterated (the rows left are skipped by ``groupby``)
            sizes = dict(self.db.execute("SELECT kind, COUNT(*) FROM item WHERE grp = ? GROUP BY kind", (number,)))
            cands: _Filed[T] = _Filed(self.db, number, 0, sizes.get(0, 0), decode)
            addrs: _Filed[T] = _Filed(self.db, number, 1, sizes.get(1, 0), decode)
            yield key, name, cands, addrs


class _Filed(Sequence[T], Generic[T]):
    """The items of one kind of one party in the database, read in order each time they are
    iterated (indexing reads them all: for the rare reader that needs it)."""

    def __init__(
        self, db: sqlite3.Connection, group: int, kind: int, size: int, decode: Callable[[bytes | str], T]
    ) -> None:
        self.db, self.group, self.kind, self.size, self.decode = db, group, kind, size, decode

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[T]:
        if not self.size:
            return
        query = "SELECT data FROM item WHERE grp = ? AND kind = ? ORDER BY seq"
        decode = self.decode
        for (data,) in self.db.execute(query, (self.group, self.kind)):
            yield decode(data)

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
