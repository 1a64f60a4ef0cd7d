"""A read-only sequence whose items, past the first batch, live on disk (bounded memory).

A run over a large input yields hundreds of thousands of audited items, exposures and findings;
holding them all as Python objects costs about a kilobyte each. ``Spool.of(items)`` consumes an
iterable once and keeps the items in pickled batches of ``BATCH``: the first batch stays in memory
(a small run never touches the disk), the others go to an anonymous temporary file, which the
operating system deletes when it is closed or the process ends. Reading gives the same items, in
the same order, one batch in memory at a time: iteration, ``len``, indexing and slicing work as
on a tuple (a slice is a list), and a spool equals any sequence with equal items.

Items read back are copies: objects shared between items of different batches (a frozen
``AddressFacts``) are no longer the same object, only equal ones. Pickling a spool (to another
process) pickles its items; ``export`` and ``adopt`` hand its file over instead (``jobs``).

``SpoolWriter(dumps)`` pickles each batch with ``dumps`` instead of ``pickle.dumps`` (the audit
packs an exposure's or a finding's long evidence: ``audit._dumps``).
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, Generic, TypeVar, overload

T = TypeVar("T")
BATCH = 2048  # items per pickled batch: what is in memory at a time while reading


class Spool(Sequence[T], Generic[T]):
    """Items written once (``of``), then read in order. See the module docstring."""

    __slots__ = ("__weakref__", "_cached", "_dumps", "_file", "_first", "_length", "_spans")

    def __init__(self) -> None:
        self._first: list[T] = []
        self._file: IO[bytes] | None = None
        self._spans: list[tuple[int, int]] = []  # (offset, size) of each batch on disk, after the first
        self._length = 0
        self._cached: tuple[int, list[T]] = (-1, [])  # the last batch read from disk (index, items)
        self._dumps: Callable[[list[T]], bytes] | None = None  # how a batch is pickled (``SpoolWriter``)

    @classmethod
    def of(cls, items: Iterable[T]) -> Spool[T]:
        """Consume ``items`` into a new spool."""
        writer: SpoolWriter[T] = SpoolWriter()
        writer.extend(items)
        return writer.close()

    def _flush(self, batch: list[T]) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="icecheck-spool-")  # noqa: SIM115 (lives as long as the spool)
        data = self._dumps(batch) if self._dumps else pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        offset = self._spans[-1][0] + self._spans[-1][1] if self._spans else 0
        os.pwrite(self._file.fileno(), data, offset)
        self._spans.append((offset, len(data)))

    def _batch(self, index: int) -> list[T]:
        """Batch ``index`` (0: the one in memory)."""
        if index == 0:
            return self._first
        cached_index, cached = self._cached
        if cached_index == index:
            return cached
        assert self._file is not None
        offset, size = self._spans[index - 1]
        items: list[T] = pickle.loads(os.pread(self._file.fileno(), size, offset))
        self._cached = (index, items)
        return items

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[T]:
        yield from self._first
        if self._file is None:
            return
        fd = self._file.fileno()
        for offset, size in self._spans:  # not through the cache: two iterations may interleave
            yield from pickle.loads(os.pread(fd, size, offset))

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step == 1 and start == 0:
                out: list[T] = []
                for item in self:
                    if len(out) >= stop:
                        break
                    out.append(item)
                return out
            return [self[i] for i in range(start, stop, step)]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("spool index out of range")
        return self._batch(index // BATCH)[index % BATCH]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Spool({self._length} items, {len(self._spans)} batches on disk)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (list(self),))


class SpoolWriter(Generic[T]):
    """Builds a ``Spool`` item by item (``append``/``extend``), then ``close`` hands it over.
    ``dumps``: how a batch is pickled, when not by ``pickle.dumps`` (module docstring)."""

    __slots__ = ("_batch", "_spool")

    def __init__(self, dumps: Callable[[list[T]], bytes] | None = None) -> None:
        self._spool: Spool[T] = Spool()
        self._spool._dumps = dumps
        self._batch: list[T] = self._spool._first

    def append(self, item: T) -> None:
        batch = self._batch
        batch.append(item)
        if len(batch) >= BATCH:
            self._done(batch)

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)

    def __len__(self) -> int:
        return self._spool._length + len(self._batch)  # the batch being filled is not counted yet

    def _done(self, batch: list[T]) -> None:
        spool = self._spool
        if batch is not spool._first:
            spool._flush(batch)
        spool._length += len(batch)
        self._batch = []

    def close(self) -> Spool[T]:
        """The spool of what was written (write no more)."""
        if self._batch:
            self._done(self._batch)
        return self._spool


class HeldWriter(Generic[T]):
    """A ``SpoolWriter`` that holds up to ``limit`` items as they are, in a list: ``close`` gives
    them as a tuple, without pickling them to disk and reading them back. Past ``limit`` items,
    every item goes to a spool, as with ``SpoolWriter``, and ``close`` gives the spool. For items
    a caller holds as a tuple when there are at most ``limit`` (``audit``: exposures, findings).
    ``dumps``: how the spool pickles a batch, as ``SpoolWriter``'s."""

    __slots__ = ("_dumps", "_items", "_limit", "_writer")

    def __init__(self, limit: int, dumps: Callable[[list[T]], bytes] | None = None) -> None:
        self._items: list[T] = []
        self._limit = limit
        self._dumps = dumps  # how the spool pickles a batch (``SpoolWriter``)
        self._writer: SpoolWriter[T] | None = None

    def append(self, item: T) -> None:
        if self._writer is not None:
            self._writer.append(item)
            return
        self._items.append(item)
        if len(self._items) > self._limit:
            self._writer = SpoolWriter(self._dumps)
            self._writer.extend(self._items)
            self._items = []

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)

    def __len__(self) -> int:
        return len(self._items) if self._writer is None else len(self._writer)

    def close(self) -> Sequence[T]:
        """A tuple of the items (at most ``limit``), or the spool of them (write no more)."""
        return tuple(self._items) if self._writer is None else self._writer.close()


def _rebuild(items: list[Any]) -> Spool[Any]:
    return Spool.of(items)


Exported = tuple[list[Any], list[tuple[int, int]], int, str | None]  # ``export``


def export(spool: Spool[Any], path: str) -> Exported:
    """What another process needs to read ``spool`` without its items being pickled one by one:
    its first batch, the places of the others and their file, copied to ``path`` (a new file), or
    None when it has no file (``adopt`` reads either)."""
    file = spool._file
    if file is None:
        return spool._first, [], spool._length, None
    size = spool._spans[-1][0] + spool._spans[-1][1]
    with open(path, "wb") as out:
        done = 0
        while done < size:
            done += os.sendfile(out.fileno(), file.fileno(), done, size - done)
    return spool._first, spool._spans, spool._length, path


def adopt(exported: Exported) -> Spool[Any]:
    """The spool ``export`` described. Its file is opened and unlinked at once: it lives as long as
    the spool, as the spool's own file does."""
    first, spans, length, path = exported
    spool: Spool[Any] = Spool()
    spool._first, spool._spans, spool._length = first, spans, length
    if path is not None:
        spool._file = open(path, "rb")  # noqa: SIM115 (lives as long as the spool)
        os.unlink(path)
    return spool
