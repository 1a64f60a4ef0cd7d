"""On-disk lookup cache: one SQLite file in the user's cache directory.

Entries are JSON values keyed by (kind, key) — kind ``rdap`` or ``ptr``, key the canonical
address — with the time they were stored. An entry older than the TTL is a miss for normal
runs, but ``--offline`` still serves it (marked stale): answering from old data beats sending
a packet the user asked us not to send. Writes are batched and committed by ``close``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

SCHEMA_VERSION = 1
_CHUNK = 500  # below SQLite's default limit of bound parameters
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    stored REAL NOT NULL,
    PRIMARY KEY (kind, key)
)
"""


@dataclass(frozen=True, slots=True)
class Entry:
    """A cached value and its age in seconds; ``stale`` means older than the TTL."""

    value: dict[str, Any]
    age: float
    stale: bool


class Cache:
    """A small key-value store with TTL. ``allow_stale`` serves expired entries (offline)."""

    def __init__(self, path: Path, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self.path, self.ttl, self._clock = path, ttl, clock
        import sqlite3  # lazy: the CLI's cold start is measured

        path.parent.mkdir(parents=True, exist_ok=True)
        self._db: sqlite3.Connection = sqlite3.connect(str(path), timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")  # readers never wait on another run's writes
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._prepare()

    def get(self, kind: str, key: str, allow_stale: bool = False) -> Entry | None:
        """The entry for (kind, key), or ``None`` when absent, unreadable or expired."""
        row = self._db.execute("SELECT value, stored FROM entries WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return None if row is None else self._entry(row[0], row[1], allow_stale)

    def get_many(self, kind: str, keys: Sequence[str], allow_stale: bool = False) -> dict[str, Entry]:
        """``get`` for many keys at once (a cached run of 1,000 addresses is a few queries)."""
        found: dict[str, Entry] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT key, value, stored FROM entries WHERE kind = ? AND key IN ({marks})"
            for key, value, stored in self._db.execute(sql, (kind, *chunk)):
                entry = self._entry(value, stored, allow_stale)
                if entry is not None:
                    found[key] = entry
        return found

    def put(self, kind: str, key: str, value: dict[str, Any]) -> None:
        """Store or replace (kind, key); committed by ``flush``/``close``."""
        self._db.execute(
            "INSERT OR REPLACE INTO entries (kind, key, value, stored) VALUES (?, ?, ?, ?)",
            (kind, key, json.dumps(value, sort_keys=True), self._clock()),
        )

    def purge_expired(self) -> int:
        """Delete entries older than the TTL; returns how many went."""
        cursor = self._db.execute("DELETE FROM entries WHERE stored < ?", (self._clock() - self.ttl,))
        self._db.commit()
        return cursor.rowcount

    def flush(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.commit()
        self._db.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _entry(self, value: str, stored: float, allow_stale: bool) -> Entry | None:
        age = max(0.0, self._clock() - float(stored))
        if age > self.ttl and not allow_stale:
            return None
        try:
            return Entry(json.loads(value), age, age > self.ttl)
        except (ValueError, RecursionError):  # a damaged row is a miss, never a crash
            return None

    def _prepare(self) -> None:
        """Create the table; a file from another schema version is emptied, not misread."""
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version not in (0, SCHEMA_VERSION):
            self._db.execute("DROP TABLE IF EXISTS entries")
        self._db.execute(_SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._db.commit()


def age_text(seconds: float) -> str:
    """Human age for attempt details: ``42 s``, ``5 min``, ``3 h``, ``9 d``."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"
