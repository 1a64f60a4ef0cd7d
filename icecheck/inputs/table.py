"""A bytes-to-bytes table of one run, bounded in memory whatever the input holds (redaction's
stand-ins and output check, the distinct addresses of one party's inference).

``Table`` holds keys in a dict while its ``Budget`` allows: by itself, up to ``limits.IN_MEMORY`` keys;
tables that share one (a redaction run's stand-ins, which fill unevenly: ``standins.StandIns``) hold
as many together, and the one a key is put in when they hold more spills. Then every key of that table
moves into a private temporary SQLite file (``sqlite3.connect("")``: on disk, deleted when the connection
closes or the process ends, as ``inputs.spill``); new keys wait in a dict of at most ``BATCH``
entries and are written in one transaction, ``ROWS`` to a statement. A spilled table is copied page by
page (``copy``: SQLite's backup), and a key can be taken out (``discard``). A Bloom filter over the
keys (``BLOOM_BITS`` bits, two probes from the key's ``hash``) answers most lookups of keys never put
without asking SQLite.
What a lookup answers never depends on where the key is: only memory does.

``TextSet`` is a set of ``str`` over a ``Table`` (the output check's identifiers, a party's IPv4
host addresses).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from icecheck.inputs import limits

BATCH = 4096  # new keys held in memory before they are written to the file
BLOOM_BITS = 1 << 24  # 2 MB; about 1 % false positives (a needless SQLite lookup) at a million keys


ROWS = 256  # rows one INSERT writes (two parameters each: within SQLite's oldest limit of 999)
_EMPTY_ROW = "(?,x'')"  # a key whose value is b"" (``add``, ``TextSet``): one parameter


def _new_file(create: bool = True) -> sqlite3.Connection:
    """A private temporary SQLite file (``create``: with the empty table ``t``)."""
    db = sqlite3.connect("")
    db.execute("PRAGMA journal_mode = OFF")  # (a private file no one reads after a failure)
    if create:
        db.execute("CREATE TABLE t (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID")
    return db


def _insert(db: sqlite3.Connection, items: list[tuple[bytes, bytes]]) -> None:
    """``INSERT OR IGNORE`` of ``items``, ``ROWS`` to a statement: one row at a time (``executemany``)
    cost twice as much per key, and a document of a million addresses files some five million keys.
    Keys whose values are all ``b""`` bind the key alone."""
    for at in range(0, len(items), ROWS):
        rows = items[at : at + ROWS]
        if any(value for _, value in rows):
            sql, params = "(?,?)", [x for row in rows for x in row]
        else:
            sql, params = _EMPTY_ROW, [key for key, _ in rows]
        db.execute("INSERT OR IGNORE INTO t VALUES " + ",".join([sql] * len(rows)), params)


class Budget:
    """How many keys the tables sharing it hold in memory together (``limit``) and hold now (``held``,
    the keys of those that have not spilled)."""

    __slots__ = ("held", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0


class Table:
    """``key → value`` (both bytes); ``get`` is None for a key never put. Keys are put once (``add``: or
    added, once or more). ``budget``: shared with other tables (else one of its own)."""

    def __init__(self, budget: Budget | None = None) -> None:
        self._budget = Budget(limits.IN_MEMORY) if budget is None else budget
        self._dict: dict[bytes, bytes] = {}  # every key, until the table spills; then the newest ones
        self._db: sqlite3.Connection | None = None
        self._filed = 0  # keys in the file
        self._bloom = bytearray()
        self._added = False  # ``add`` put a key in memory past spilling (it may be in the file too)

    def get(self, key: bytes) -> bytes | None:
        value = self._dict.get(key)
        if value is not None or self._db is None or not self._maybe(key):
            return value
        row = self._db.execute("SELECT v FROM t WHERE k = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def __contains__(self, key: bytes) -> bool:
        return self.get(key) is not None

    def put(self, key: bytes, value: bytes) -> None:
        """File ``key`` (not in the table yet) with ``value``."""
        self._dict[key] = value
        if self._db is not None:
            h = hash(key)  # (``_mark``, written out: a key is put once or more per address of a document)
            a, b = h & (BLOOM_BITS - 1), (h >> 32) & (BLOOM_BITS - 1)
            bloom = self._bloom
            bloom[a >> 3] |= 1 << (a & 7)
            bloom[b >> 3] |= 1 << (b & 7)
            if len(self._dict) >= BATCH:
                self._flush()
            return
        self._budget.held += 1
        if self._budget.held > self._budget.limit:
            self._spill()

    def _spill(self) -> None:
        """Every key into a new file (the budget no longer counts them)."""
        self._budget.held -= len(self._dict)
        self._db = _new_file()
        self._bloom = bytearray(BLOOM_BITS >> 3)
        for k in self._dict:
            self._mark(k)
        self._flush()

    def add(self, key: bytes) -> None:
        """File ``key`` with the value ``b""`` unless it is filed: looked up in memory only, as a key
        already in the file is left out when written; ``len`` counts it twice until then."""
        if key not in self._dict:
            self._added |= self._db is not None
            self.put(key, b"")

    def add_all(self, keys: Iterable[bytes]) -> None:
        """``put(key, b"")`` of each of ``keys`` not in the table yet (looked up exactly, as ``get``)."""
        held = self._dict
        for key in keys:
            if key in held or (self._db is not None and self._maybe(key) and self._filed_key(key)):
                continue
            self.put(key, b"")
            held = self._dict  # (a new dict after each flush)

    def __len__(self) -> int:
        return self._filed + len(self._dict)

    def __iter__(self) -> Iterator[bytes]:
        """Every key: first those in the file, then those in memory."""
        if self._db is not None:
            for (key,) in self._db.execute("SELECT k FROM t"):
                yield bytes(key)
        for key in list(self._dict):
            if not (self._added and self._db is not None and self._filed_key(key)):
                yield key

    def _filed_key(self, key: bytes) -> bool:
        assert self._db is not None
        return self._db.execute("SELECT 1 FROM t WHERE k = ?", (key,)).fetchone() is not None

    def in_memory(self) -> int:
        """How many keys are held in memory (all of them until the table spills, then at most ``BATCH``)."""
        return len(self._dict)

    def close(self) -> None:
        """Delete the file (if the table spilled); the table is empty afterwards."""
        if self._db is not None:
            self._db.close()
        else:
            self._budget.held -= len(self._dict)
        self._db, self._dict, self._filed, self._bloom, self._added = None, {}, 0, bytearray(), False

    def _flush(self) -> None:
        assert self._db is not None
        before = self._db.total_changes
        with self._db:
            _insert(self._db, list(self._dict.items()))
        self._filed += self._db.total_changes - before
        self._dict = {}

    def copy(self, budget: Budget | None = None) -> Table:
        """A table of the same keys and values (``budget``: as ``Table``'s). One that spilled is copied
        page by page into a file of its own (SQLite's backup), not key by key."""
        new = Table(budget)
        if self._db is None:
            for key, value in self._dict.items():
                new.put(key, value)
            return new
        self._flush()
        new._db = _new_file(create=False)
        self._db.backup(new._db)
        new._bloom, new._filed = bytearray(self._bloom), self._filed
        return new

    def discard(self, key: bytes) -> None:
        """Take ``key`` out of the table, if it is there (the filter keeps its bits: a lookup of it asks
        the file, which answers None)."""
        if self._dict.pop(key, None) is not None and self._db is None:
            self._budget.held -= 1
        if self._db is not None:
            with self._db:
                self._filed -= self._db.execute("DELETE FROM t WHERE k = ?", (key,)).rowcount

    def _probes(self, key: bytes) -> tuple[int, int]:
        h = hash(key)
        return h & (BLOOM_BITS - 1), (h >> 32) & (BLOOM_BITS - 1)

    def _mark(self, key: bytes) -> None:
        for bit in self._probes(key):
            self._bloom[bit >> 3] |= 1 << (bit & 7)

    def _maybe(self, key: bytes) -> bool:
        """Both probes' bits set (``_probes``, written out: the filter answers most lookups of a
        redaction's stand-ins, a million and more for a megabyte of IPv6 addresses)."""
        h = hash(key)
        a, b = h & (BLOOM_BITS - 1), (h >> 32) & (BLOOM_BITS - 1)
        bloom = self._bloom
        return bool(bloom[a >> 3] & (1 << (a & 7))) and bool(bloom[b >> 3] & (1 << (b & 7)))


class TextSet:
    """A set of ``str`` (stored UTF-8, lone surrogates kept) in a ``Table``: bounded in memory."""

    def __init__(self, items: Iterable[str] = ()) -> None:
        self._table = Table()
        self.update(items)

    def add(self, item: str) -> None:
        self.update((item,))

    def update(self, items: Iterable[str]) -> None:
        self._table.add_all(item.encode("utf-8", "surrogatepass") for item in items)

    def without(self, items: Iterable[str]) -> TextSet:
        """A new set of these items less ``items`` (copied whole, then those taken out: a set of a
        million items that spilled is copied page by page, not item by item)."""
        new = TextSet()
        new._table = self._table.copy()
        for item in items:
            new._table.discard(item.encode("utf-8", "surrogatepass"))
        return new

    def __contains__(self, item: object) -> bool:
        return isinstance(item, str) and item.encode("utf-8", "surrogatepass") in self._table

    def __len__(self) -> int:
        return len(self._table)

    def __iter__(self) -> Iterator[str]:
        return (key.decode("utf-8", "surrogatepass") for key in self._table)

    def close(self) -> None:
        self._table.close()


def first_distinct(items: Iterable[str], limit: int) -> tuple[list[str], int]:
    """The first ``limit`` distinct ``items`` in first-seen order, and how many distinct items
    there are in all: only those first ones are held as a list, the others are counted in a
    ``TextSet`` (a million distinct items stay bounded in memory)."""
    first: dict[str, None] = {}
    others = TextSet()
    try:
        for item in items:
            if item in first:
                continue
            if len(first) < limit:
                first[item] = None
            else:
                others.add(item)
        return list(first), len(first) + len(others)
    finally:
        others.close()
