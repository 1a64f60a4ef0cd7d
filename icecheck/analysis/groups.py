"""Refs grouped by key in first-seen order, fed item by item from several sources (pure results,
bounded memory).

Inference and the rules read a party once, item by item (``infer.Inference``,
``rules.Evaluation``), but what they group follows a fixed order of sources: for example every
candidate's address, then every candidate's related address, then every other address. A
``Groups`` keeps one table per source and merges them when read: the keys of source 0 in
first-seen order, then the keys of source 1 not seen in source 0, and so on; a key's refs are
those of each source in turn, without repeats. That is what grouping the concatenated sources
gives, without holding the sources.

Memory: one entry per distinct key and source; a key with one ref holds that ref alone (most keys
of a large party: one address, one candidate), a set of refs only from the second one; a new key
given a tuple of refs (``add_all``: an exposure's evidence, perhaps every candidate of a party)
holds that tuple, whose refs are its caller's, until another ref comes. Past
``limits.IN_MEMORY`` refs held (a party of a million distinct addresses), every entry moves into
a private temporary SQLite file (``sqlite3.connect("")``: on disk, deleted when the connection
closes or the process ends, as ``inputs.spill`` and ``inputs.table``); new entries wait in a list
of at most ``BATCH`` and are written in one statement, and ``items`` reads each key's refs back
once each in SQL. What ``items`` gives never depends on where the entries are: only memory does.
Read from the file, refs equal to the caller's ``known`` refs (a party's every candidate id), or
to their beginning, are given as those refs or their beginning: one local address named by a
million candidates costs no second million ids.

``RefList`` holds a list of refs (``c12``, ``a7``) as numbers, a run of consecutive ones as two;
``PackedRefs`` is an evidence over one (a read-only sequence equal to the tuple of its refs), what
a long evidence is from the inference to the report (``evidence``).
"""

from __future__ import annotations

import bisect
import itertools
import json
import sqlite3
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeAlias, TypeVar, overload

from icecheck.inputs import limits

K = TypeVar("K", str, tuple[str, ...])
# One ref, refs in first-seen order (a dict as an ordered set), or a caller's tuple or packed refs:
Refs: TypeAlias = "str | dict[str, None] | tuple[str, ...] | PackedRefs"
BATCH = 4096  # new entries held in memory, once spilled, before they are written to the file
_SOURCE = 1 << 40  # sort position of a key: source * _SOURCE + its first entry's number


class Groups(Generic[K]):
    """Keys → refs from ``sources`` sources (module docstring). Keys are strings or tuples of
    strings."""

    __slots__ = ("db", "held", "parts", "pending", "seq", "sources")

    def __init__(self, sources: int = 1) -> None:
        self.sources = sources
        self.parts: list[dict[K, Refs]] = []  # one table per source, made at the first ``add``
        self.held = 0  # refs in ``parts``: none while empty (a party's tables mostly are)
        self.db: sqlite3.Connection | None = None  # once spilled
        self.pending: list[tuple[str | bytes, int, str, int]] = []  # (key, source, ref, number), not yet written
        self.seq = 0  # entries numbered once spilled: their first-seen order

    def add(self, key: K, ref: str, source: int = 0) -> None:
        """``ref`` under ``key``, from ``source``."""
        if self.db is not None:
            self._file(key, ref, source)
            return
        part = (self.parts or self._tables())[source]
        held = part.get(key)  # exact types below, not isinstance: PackedRefs is an ABC's, slow to test
        if held is None:
            part[key] = ref
        elif type(held) is str:
            if held == ref:
                return
            part[key] = {held: None, ref: None}
        else:
            if type(held) is not dict:  # a caller's tuple or packed refs (``add_all``)
                held = part[key] = dict.fromkeys(held)
                self.held += len(held)
            if ref in held:
                return
            held[ref] = None
        self.held += 1
        if self.held > limits.IN_MEMORY:
            self._spill()

    def add_all(self, key: K, refs: Iterable[str], source: int = 0) -> None:
        """Each of ``refs`` under ``key``, from ``source``."""
        if (
            isinstance(refs, tuple | PackedRefs)
            and len(refs) > 1
            and self.db is None
            and all(key not in p for p in self.parts)
        ):
            (self.parts or self._tables())[source][key] = refs  # held as given (module docstring)
            self.held += 1
            return
        for ref in refs:
            self.add(key, ref, source)

    def _tables(self) -> list[dict[K, Refs]]:
        self.parts = [{} for _ in range(self.sources)]
        return self.parts

    def __bool__(self) -> bool:
        """Whether there is something to read (``items``)."""
        return self.held > 0 or self.db is not None

    def _file(self, key: K, ref: str, source: int) -> None:
        self.seq += 1
        self.pending.append((_encoded(key), source, ref, self.seq))
        if len(self.pending) >= BATCH:
            self._write()

    def _write(self) -> None:
        assert self.db is not None
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO g VALUES (?, ?, ?, ?)", self.pending)
        self.pending.clear()

    def _spill(self) -> None:
        """Every entry into the file, in first-seen order per source."""
        self.db = sqlite3.connect("")
        self.db.execute("CREATE TABLE g (k, source INTEGER, ref TEXT, seq INTEGER, PRIMARY KEY (k, source, ref))")
        for source, part in enumerate(self.parts):
            for key, held in part.items():
                for ref in (held,) if isinstance(held, str) else held:
                    self._file(key, ref, source)
            part.clear()
        self.held = 0
        self._write()

    def items(self, known: Sequence[str] = ()) -> Iterator[tuple[K, Sequence[str]]]:
        """(key, refs) in first-seen order over the sources in turn (read once: the tables are
        emptied). Once spilled, refs equal to ``known``, or to its beginning, are ``known`` itself
        or its beginning (``PackedRefs.head``, a tuple's slice): not a second copy (a party's every
        candidate id, when one local address is the related address of a million candidates)."""
        if self.db is not None:
            return self._filed_items(known)
        if not self.held:
            return iter(())  # nothing was added (most tables of a party)
        return iter(self._merged())

    def _merged(self) -> list[tuple[K, Sequence[str]]]:
        """The tables' (key, refs), in a list (in memory they hold at most ``limits.IN_MEMORY``
        refs; a list, not a generator: a party's tables hold a key or two), the tables emptied."""
        out: list[tuple[K, Sequence[str]]] = []
        parts = self.parts
        for n, part in enumerate(parts):
            later = parts[n + 1 :]
            for key, held in part.items():
                more: list[Refs] = [p.pop(key) for p in later if key in p] if later else []
                if not more:
                    out.append((key, _once(held)))
                    continue
                refs: dict[str, None] = {}
                for h in (held, *more):
                    refs.update(dict.fromkeys(_once(h)))
                out.append((key, tuple(refs)))
            part.clear()
        self.held = 0
        return out

    def _filed_items(self, known: Sequence[str]) -> Iterator[tuple[K, Sequence[str]]]:
        """The file's entries, each key's refs once (at their first place) in SQL, not in a dict."""
        assert self.db is not None
        self._write()
        rows = self.db.execute(
            "SELECT r.k, r.ref FROM (SELECT k, ref, MIN(source * ? + seq) AS at FROM g GROUP BY k, ref) AS r"
            " JOIN (SELECT k, MIN(source * ? + seq) AS pos FROM g GROUP BY k) AS f ON r.k = f.k"
            " ORDER BY f.pos, r.at",
            (_SOURCE, _SOURCE),
        )
        key: str | bytes | None = None
        refs = _Known(known)
        for k, ref in rows:
            if k != key:
                if key is not None:
                    yield _decoded(key), refs.done()
                key, refs = k, _Known(known)
            refs.append(ref)
        if key is not None:
            yield _decoded(key), refs.done()
        self.db.close()
        self.db = None


class _Known:
    """Refs appended one by one; while they are ``known``'s first ones only their number is held,
    and ``done`` gives ``known`` or its beginning (``PackedRefs.head``, or a slice of a tuple: its
    strings), else a tuple of them."""

    __slots__ = ("known", "matched", "next", "refs")

    def __init__(self, known: Sequence[str]) -> None:
        self.known = known
        self.next = iter(known)  # known's refs after the matched ones
        self.matched = 0  # how many of the first refs are known's first ones (all of them while ``refs`` is None)
        self.refs: list[str] | None = None

    def append(self, ref: str) -> None:
        if self.refs is None:
            if self.matched < len(self.known) and next(self.next) == ref:
                self.matched += 1
                return
            self.refs = list(itertools.islice(self.known, self.matched))
        self.refs.append(ref)

    def done(self) -> Sequence[str]:
        if self.refs is not None:
            return tuple(self.refs)
        known = self.known
        if self.matched == len(known):
            return known
        return known.head(self.matched) if isinstance(known, PackedRefs) else tuple(known[: self.matched])


def _once(held: Refs) -> Sequence[str]:
    """The refs held, in order, without repeats (a caller's tuple or packed refs itself when it has none)."""
    if type(held) is str:
        return (held,)
    if type(held) is dict:
        return tuple(held)
    if isinstance(held, PackedRefs):
        return held if held.distinct() else tuple(dict.fromkeys(held))
    if isinstance(held, tuple):
        once = tuple(dict.fromkeys(held))
        return held if len(once) == len(held) else once
    return tuple(held)


def _encoded(key: str | tuple[str, ...]) -> str | bytes:
    """A key as the file holds it: a string as it is, a tuple as JSON bytes (one spelling per
    tuple of strings, and never equal to a string: SQLite tells text from blobs)."""
    return key if isinstance(key, str) else json.dumps(key).encode()


def _decoded(key: str | bytes) -> K:  # type: ignore[type-var]
    return key if isinstance(key, str) else tuple(json.loads(key))  # type: ignore[return-value]


class RefList:
    """Refs appended in order, each coded as one number: a letter and a decimal number (``c12``:
    the audit's ids) as ``letter << 40 | number``; any other ref in a side list (``odd``), its code
    negative. Consecutive codes (``c7``, ``c8``, ``c9``: a party's ids, read in order) are held as
    one run: two numbers (its first code, and how many refs there are up to its end) for the run,
    however long; refs that do not follow on cost one run each (16 bytes)."""

    __slots__ = ("ends", "odd", "starts")

    def __init__(self) -> None:
        self.starts = array("q")  # each run's first code
        self.ends = array("q")  # how many refs there are up to the end of each run
        self.odd: list[str] | None = None  # made at the first odd ref (a party's ids have none)

    def append(self, ref: str) -> None:
        digits = ref[1:]
        if 1 < len(ref) < 13 and ref[0].isascii() and digits.isascii() and digits.isdigit() and digits[0] != "0":
            code = ord(ref[0]) << 40 | int(digits)
            starts, ends = self.starts, self.ends
            if starts and starts[-1] >= 0:
                last = len(ends) - 1
                before = ends[last - 1] if last else 0
                if code == starts[-1] + ends[last] - before:  # the next number (numbers stay below 2**40)
                    ends[last] += 1
                    return
        else:
            if self.odd is None:
                self.odd = []
            code = -1 - len(self.odd)
            self.odd.append(ref)
        self.starts.append(code)
        self.ends.append(len(self) + 1)

    def __len__(self) -> int:
        return self.ends[-1] if self.ends else 0

    def __bool__(self) -> bool:
        return bool(self.ends)

    def __iter__(self) -> Iterator[str]:
        return _refs(self.starts, self.ends, self.odd, len(self))


_MASK = _SOURCE - 1  # the number of a coded ref


def _refs(starts: array[int], ends: array[int], odd: list[str] | None, stop: int) -> Iterator[str]:
    """The first ``stop`` refs of runs ``starts``/``ends`` (``RefList``)."""
    before = 0
    for start, end in zip(starts, ends, strict=True):
        if before >= stop:
            return
        if start < 0:
            assert odd is not None  # a negative code is an odd ref's
            yield odd[-1 - start]
        else:
            letter, number = chr(start >> 40), start & _MASK
            for n in range(number, number + min(end, stop) - before):
                yield letter + str(n)
        before = end


class PackedRefs(Sequence[str]):
    """An evidence of many refs, read-only, held as a ``RefList`` (a run per stretch of consecutive
    ids: a party's every candidate id is a few numbers, not a million strings). Equal to any
    sequence of the same refs (a tuple too); iterating, indexing and ``len`` as on a tuple (a slice
    is a tuple); pickled as its numbers. ``head(n)``: its first ``n`` refs, packed as well."""

    __slots__ = ("_refs", "_stop")

    def __init__(self, refs: RefList, stop: int | None = None) -> None:
        self._refs = refs  # never appended to again
        self._stop = len(refs) if stop is None else stop

    @classmethod
    def of(cls, refs: Iterable[str]) -> PackedRefs:
        held = RefList()
        for ref in refs:
            held.append(ref)
        return cls(held)

    def __len__(self) -> int:
        return self._stop

    def __iter__(self) -> Iterator[str]:
        r = self._refs
        return _refs(r.starts, r.ends, r.odd, self._stop)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._stop)
            if step == 1:
                return tuple(itertools.islice(self, start, stop))
            return tuple(self[i] for i in range(start, stop, step))
        if index < 0:
            index += self._stop
        if not 0 <= index < self._stop:
            raise IndexError("refs index out of range")
        r = self._refs
        run = bisect.bisect_right(r.ends, index)
        start = r.starts[run]
        if start < 0:
            assert r.odd is not None  # a negative code is an odd ref's
            return r.odd[-1 - start]
        offset = index - (r.ends[run - 1] if run else 0)
        return chr(start >> 40) + str((start & _MASK) + offset)

    def head(self, n: int) -> PackedRefs:
        """The first ``n`` refs (sharing these numbers)."""
        return PackedRefs(self._refs, max(0, min(n, self._stop)))

    def distinct(self) -> bool:
        """Whether no ref repeats, as far as the runs tell cheaply: coded refs in ascending order
        and no odd ones (a party's ids); False when unsure."""
        r, last = self._refs, -1
        before = 0
        for start, end in zip(r.starts, r.ends, strict=True):
            if before >= self._stop:
                break
            if start <= last:
                return False
            last = start + min(end, self._stop) - before - 1
            before = end
        return True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))  # as the equal tuple's (rarely asked: it builds the strings)

    def __repr__(self) -> str:
        shown = ", ".join(repr(r) for r in self[:3])
        return f"PackedRefs(({shown}{', ...' if len(self) > 3 else ''}), {len(self)} refs)"

    def __reduce__(self) -> tuple[Any, ...]:
        r = self._refs
        return _unpacked, (r.starts, r.ends, r.odd, self._stop)


PACKED = 64  # refs past which an evidence is held packed (``evidence``)


def evidence(refs: RefList) -> Sequence[str]:
    """``refs`` as an evidence: a tuple of its strings up to ``PACKED`` refs, else ``PackedRefs``
    (owning ``refs``: append no more)."""
    return tuple(refs) if len(refs) <= PACKED else PackedRefs(refs)


def _unpacked(starts: array[int], ends: array[int], odd: list[str] | None, stop: int) -> PackedRefs:
    refs = RefList()
    refs.starts, refs.ends, refs.odd = starts, ends, odd
    return PackedRefs(refs, stop)
