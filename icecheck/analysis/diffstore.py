"""The items of two sides of a diff by key, bounded in memory: what ``analysis.diff`` compares.

``KeyedPair`` holds, for side 0 (A) and side 1 (B), ``key → value`` (both bytes) with a dict's
semantics: a key put again keeps its first position and takes the last value. ``only(side)``
gives the keys of one side absent from the other, with their values, in that side's first-seen
order; ``count_only(side)`` says how many there are.

Up to ``limits.IN_MEMORY`` keys (read when a key is put, so a test can lower it) and ``MAX_BYTES``
of keys and values, both sides are two dicts. Past either, every key of both moves into a private
temporary SQLite file (``sqlite3.connect("")``: on disk, deleted when the connection closes or the
process ends, as ``inputs.table``), a table per side with a row per put, its row id the put's
position; new rows wait in a list of at most ``BATCH`` rows and are appended in one transaction.
Appending is cheaper than keeping the keys unique as they come (an index updated per row): the
index on (key, position) is made once, at the first question, and a key's first row gives its
position, its last row its value. The keys of each side that the other has not are then put in a
table of their own, counted and read from there, and found again only if rows came or went since.
What the pair answers never depends on where the keys are: only memory does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from icecheck.inputs import limits

BATCH = 4096  # rows held in memory before they are written to the file
MAX_BYTES = 32 << 20  # keys and values held in the dicts before the pair spills


class KeyedPair:
    """Two sides' ``key → value`` (see the module docstring). Keys are put, then read."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._dicts: tuple[dict[bytes, bytes], dict[bytes, bytes]] = ({}, {})
        self._bytes = 0
        self._max_bytes = max_bytes
        self._db: sqlite3.Connection | None = None
        self._pending: tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]] = ([], [])
        self._indexed = False  # the index of the keys is made at the first question
        self._answered = False  # tables o0 and o1 hold each side's keys the other has not, as last put

    def put(self, side: int, key: bytes, value: bytes) -> None:
        """``key`` of ``side`` is ``value`` (its position the first time it was put)."""
        if self._db is not None:
            pending = self._pending[side]
            pending.append((key, value))
            if len(pending) >= BATCH:
                self._flush(side)
            return
        self._dicts[side][key] = value
        self._bytes += len(key) + len(value)
        if len(self._dicts[0]) + len(self._dicts[1]) > limits.IN_MEMORY or self._bytes > self._max_bytes:
            self._spill()

    def clear(self, side: int) -> None:
        """Forget every key of ``side``."""
        self._dicts[side].clear()
        self._pending[side].clear()
        if self._db is not None:
            with self._db:
                self._db.execute(f"DELETE FROM s{side}")
            self._answered = False

    def only(self, side: int) -> Iterator[tuple[bytes, bytes]]:
        """``(key, value)`` of each key of ``side`` that the other side has not, in ``side``'s order."""
        if self._db is None:
            other = self._dicts[1 - side]
            return ((k, v) for k, v in self._dicts[side].items() if k not in other)
        db = self._ready()
        cursor = db.execute(
            f"SELECT k, (SELECT v FROM s{side} AS l WHERE l.k = o.k ORDER BY l.pos DESC LIMIT 1)"
            f" FROM o{side} AS o ORDER BY pos"
        )
        return ((bytes(k), bytes(v)) for k, v in cursor)

    def count_only(self, side: int) -> int:
        """How many keys ``only(side)`` gives."""
        if self._db is None:
            other = self._dicts[1 - side]
            return sum(k not in other for k in self._dicts[side])
        (n,) = self._ready().execute(f"SELECT count(*) FROM o{side}").fetchone()
        return int(n)

    def spilled(self) -> bool:
        """True once the keys are in the file."""
        return self._db is not None

    def close(self) -> None:
        """Delete the file (if the pair spilled); the pair is empty afterwards."""
        if self._db is not None:
            self._db.close()
        self._db = None
        self._dicts = ({}, {})
        self._pending = ([], [])
        self._indexed = False
        self._answered = False
        self._bytes = 0

    def _spill(self) -> None:
        db = self._db = sqlite3.connect("")
        for side in (0, 1):
            db.execute(f"CREATE TABLE s{side} (pos INTEGER PRIMARY KEY, k BLOB NOT NULL, v BLOB NOT NULL)")
            self._pending[side].extend(self._dicts[side].items())
            self._dicts[side].clear()
            self._flush(side)
        self._bytes = 0

    def _flush(self, side: int) -> None:
        """Write the rows waiting (the answers are then out of date)."""
        pending = self._pending[side]
        if not pending or self._db is None:
            return
        with self._db:
            self._db.executemany(f"INSERT INTO s{side} (k, v) VALUES (?, ?)", pending)
        pending.clear()
        self._answered = False

    def _ready(self) -> sqlite3.Connection:
        """The file, every row written, the keys indexed, and each side's keys the other has not in
        table o0 or o1 (made again if rows came or went since)."""
        db = self._db
        assert db is not None
        self._flush(0)
        self._flush(1)
        with db:
            if not self._indexed:
                for side in (0, 1):
                    db.execute(f"CREATE INDEX s{side}_k ON s{side} (k, pos)")
                self._indexed = True
            if not self._answered:
                for side in (0, 1):
                    db.execute(f"DROP TABLE IF EXISTS o{side}")
                    db.execute(f"CREATE TABLE o{side} (pos INTEGER PRIMARY KEY, k BLOB NOT NULL)")
                    db.execute(
                        f"INSERT INTO o{side} SELECT pos, k FROM s{side} AS m"
                        f" WHERE {_ONLY.format(side=side, other=1 - side)}"
                    )
                self._answered = True
        return db


# A row of side ``side`` that is its key's first, the key absent from side ``other``.
_ONLY = (
    "NOT EXISTS (SELECT 1 FROM s{other} AS o WHERE o.k = m.k)"
    " AND NOT EXISTS (SELECT 1 FROM s{side} AS e WHERE e.k = m.k AND e.pos < m.pos)"
)
