"""The items of two sides of a diff by key, bounded in memory: what ``analysis.diff`` compares.

``KeyedPair`` holds, for side 0 (A) and side 1 (B), ``key → value`` (both bytes) with a dict's
semantics: a key put again keeps its first position and takes the last value. ``only(side)``
gives the keys of one side absent from the other, with their values, in that side's first-seen
order; ``count_only(side)`` says how many there are.

Up to ``limits.IN_MEMORY`` keys (read when a key is put, so a test can lower it) and ``MAX_BYTES``
of keys and values, both sides are two dicts. Past either, every key of both moves into a private
temporary SQLite file (``sqlite3.connect("")``: on disk, deleted when the connection closes or the
process ends, as ``inputs.table``), a table per side whose row id is the key's first position;
new keys wait in a list of at most ``BATCH`` rows and are written in one transaction, a key put
again updating its value in place. What the pair answers never depends on where the keys are: only
memory does.
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
        self._pending: tuple[list[tuple[int, bytes, bytes]], list[tuple[int, bytes, bytes]]] = ([], [])
        self._next = [0, 0]  # the next position of each side, once spilled

    def put(self, side: int, key: bytes, value: bytes) -> None:
        """``key`` of ``side`` is ``value`` (its position the first time it was put)."""
        if self._db is not None:
            pending = self._pending[side]
            pending.append((self._next[side], key, value))
            self._next[side] += 1
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

    def only(self, side: int) -> Iterator[tuple[bytes, bytes]]:
        """``(key, value)`` of each key of ``side`` that the other side has not, in ``side``'s order."""
        if self._db is None:
            other = self._dicts[1 - side]
            return ((k, v) for k, v in self._dicts[side].items() if k not in other)
        self._flush(0)
        self._flush(1)
        cursor = self._db.execute(
            f"SELECT k, v FROM s{side} AS m WHERE NOT EXISTS (SELECT 1 FROM s{1 - side} AS o WHERE o.k = m.k)"
            " ORDER BY pos"
        )
        return ((bytes(k), bytes(v)) for k, v in cursor)

    def count_only(self, side: int) -> int:
        """How many keys ``only(side)`` gives."""
        if self._db is None:
            other = self._dicts[1 - side]
            return sum(k not in other for k in self._dicts[side])
        self._flush(0)
        self._flush(1)
        (n,) = self._db.execute(
            f"SELECT count(*) FROM s{side} AS m WHERE NOT EXISTS (SELECT 1 FROM s{1 - side} AS o WHERE o.k = m.k)"
        ).fetchone()
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
        self._next = [0, 0]
        self._bytes = 0

    def _spill(self) -> None:
        db = self._db = sqlite3.connect("")
        for side in (0, 1):
            db.execute(f"CREATE TABLE s{side} (pos INTEGER PRIMARY KEY, k BLOB NOT NULL UNIQUE, v BLOB NOT NULL)")
            self._pending[side].extend((pos, k, v) for pos, (k, v) in enumerate(self._dicts[side].items()))
            self._next[side] = len(self._dicts[side])
            self._dicts[side].clear()
            self._flush(side)
        self._bytes = 0

    def _flush(self, side: int) -> None:
        pending = self._pending[side]
        if not pending or self._db is None:
            return
        with self._db:
            self._db.executemany(
                f"INSERT INTO s{side} (pos, k, v) VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                pending,
            )
        pending.clear()
