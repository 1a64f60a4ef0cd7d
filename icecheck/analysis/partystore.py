"""Items grouped by party, one group in memory at a time (``analysis.parties.split``, bounded).

``split`` holds every item of every party at once. ``party_groups`` yields the same groups, in
the same order, with the same labels and items, but when there are more than ``IN_MEMORY``
items it first files each item under its party in a private temporary SQLite database
(``sqlite3.connect("")``: on disk, deleted when closed) and reads the parties back one by one:
memory holds one party's items, plus one key per party. Each party's items come back in their
order (candidates, then addresses).
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from icecheck.analysis.parties import PartyGroup, label, party_key, split
from icecheck.model import AuditedAddress, AuditedCandidate

IN_MEMORY = 50_000  # items grouped in memory (``split``) up to this many (as ``limits.IN_MEMORY``)
_CHUNK = 1024  # rows inserted at a time


def party_groups(candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]) -> Iterator[PartyGroup]:
    """``split(candidates, addresses)``, yielded group by group (see the module docstring). While
    every item read belongs to one party, they are kept as they are: a single party is one group
    whatever is done, and SQLite is opened only once a second party shows."""
    if len(candidates) + len(addresses) <= IN_MEMORY:
        yield from split(candidates, addresses)
        return
    keys: dict[tuple[str, str, str], int] = {}
    single: tuple[list[Any], list[Any]] = ([], [])  # the items read while there is one party
    db: sqlite3.Connection | None = None
    try:
        both: tuple[Sequence[AuditedCandidate | AuditedAddress], ...] = (candidates, addresses)
        for kind, items in enumerate(both):
            rows: list[tuple[int, int, int, bytes]] = []
            for seq, item in enumerate(items):
                key = party_key(item.record.origin, item.record.context)
                group = keys.setdefault(key, len(keys))
                if db is None:
                    if len(keys) == 1:
                        single[kind].append(item)
                        continue
                    db = _filed(single)
                rows.append((group, kind, seq, pickle.dumps(item, pickle.HIGHEST_PROTOCOL)))
                if len(rows) >= _CHUNK:
                    db.executemany("INSERT INTO item VALUES (?, ?, ?, ?)", rows)
                    rows = []
            if db is not None:
                db.executemany("INSERT INTO item VALUES (?, ?, ?, ?)", rows)
        if db is None:
            yield PartyGroup(next(iter(keys)), "", tuple(single[0]), tuple(single[1]))
            return
        paths = len({k[0] for k in keys}) > 1
        for key, group in keys.items():
            cands: list[AuditedCandidate] = []
            addrs: list[AuditedAddress] = []
            for kind, data in db.execute("SELECT kind, data FROM item WHERE grp = ? ORDER BY kind, seq", (group,)):
                (addrs if kind else cands).append(pickle.loads(data))
            yield PartyGroup(key, label(key, paths), tuple(cands), tuple(addrs))
    finally:
        if db is not None:
            db.close()


def _filed(single: tuple[list[Any], list[Any]]) -> sqlite3.Connection:
    """A new database holding the items of the first party (group 0), which ``single`` gives up."""
    db = sqlite3.connect("")
    db.execute("CREATE TABLE item (grp INTEGER, kind INTEGER, seq INTEGER, data BLOB, PRIMARY KEY (grp, kind, seq))")
    for kind, items in enumerate(single):
        rows = [(0, kind, seq, pickle.dumps(item, pickle.HIGHEST_PROTOCOL)) for seq, item in enumerate(items)]
        db.executemany("INSERT INTO item VALUES (?, ?, ?, ?)", rows)
        items.clear()
    return db


def party_ids(
    candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]
) -> list[tuple[tuple[str, str, str], str, list[str], list[str]]]:
    """What ``split`` gives reduced to ids: (key, label, candidate ids, address ids) per party,
    in the same order: what a report lists per party, without holding the items."""
    table: dict[tuple[str, str, str], tuple[list[str], list[str]]] = {}
    both: tuple[Sequence[AuditedCandidate | AuditedAddress], ...] = (candidates, addresses)
    for kind, items in enumerate(both):
        for item in items:
            key = party_key(item.record.origin, item.record.context)
            ids = table.get(key)
            if ids is None:
                ids = table[key] = ([], [])
            ids[kind].append(item.id)
    multi = len(table) > 1
    paths = len({k[0] for k in table}) > 1
    return [(key, label(key, paths) if multi else "", c, a) for key, (c, a) in table.items()]
