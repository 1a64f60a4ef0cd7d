"""``icecheck scan --jobs N``: a folder's files in parallel, and a large capture across processes.

``local_reader`` gives ``scanner.scan_inputs`` a reader: every file's ``(output, no signalling)``,
in the order given, as ``scanner.read_file`` would give them. Files run in a pool of ``jobs``
processes. A capture (pcap/pcapng, gzipped or not) of at least ``SPLIT_FROM`` bytes is read by
``jobs`` processes at once, and each dispatches its share of the messages (``lanes``); ``merge``
puts the parts together as one process would have read them — the same items, ids, order,
findings whatever ``jobs``. When that capture is the only file (``read_split``), this process
is one of the ``jobs`` and the reading itself is shared: each process reads a byte range of an
uncompressed capture and keeps its non-media records (``ranges``), then each part reads those;
otherwise (gzip, damage, a folder) each part reads all of the capture. ``cluster`` runs the
same tasks on Dask.

What a process sends back is its folded items (records, counts, last origins), never packets.
A part of a capture spills as one process does (past ``limits.IN_MEMORY`` items, to SQLite) and
sends its items as that store, sealed (``merge.seal``) and written to a file (``_ship``): on this
machine the file's path in a directory the main process made and deletes, on Dask the file's
bytes, compressed (``_pack``: the worker's temporary files are not this machine's); the main process merges the files
as streams (``merge``), so no process holds more than ``limits.IN_MEMORY`` items of a capture
however many it has. The rest of a part (diagnostics, wire facts, counters) and a file read
whole are pickled by ``_dumps``, which writes each record as its class and field values (the
default pickling of slotted dataclasses costs several times more than building them again), and
the items of a file read whole that spilled as their spools' files (``spool.export``: a file in
that directory, or its bytes from Dask), not one by one. Progress:
tasks put their counts on a queue they are given (a manager's here, Dask's on a cluster), at
most twice a second; the main process drains it while it waits.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import io
import multiprocessing
import os
import pickle
import queue
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from operator import attrgetter
from typing import Any

from icecheck import model
from icecheck.inputs import ranges
from icecheck.inputs.detect import CAPTURES, Format, sniff
from icecheck.inputs.merge import merge, seal, settle
from icecheck.inputs.scanner import (
    CapturePart,
    Reader,
    ScanOutput,
    capture_result,
    read_capture,
    read_file,
    unreadable,
)
from icecheck.inputs.sink import WireFact
from icecheck.inputs.sizing import SPLIT_FROM as SPLIT_FROM  # re-exported: tests and ``cluster`` read it here
from icecheck.inputs.sizing import worth_it
from icecheck.inputs.source import Tick, read_head
from icecheck.inputs.spill import ItemStore
from icecheck.inputs.spool import BATCH, Spool, adopt, export

Result = tuple[ScanOutput, bool]  # a file's output, and whether it held no signalling (``read_file``)
Shipped = tuple[bytes, str | bytes | None]  # a part pickled, and its items' file (or its bytes, packed) if it spilled


def local_reader(forced: Format | None, jobs: int, tick: Tick | None, split_from: int = SPLIT_FROM) -> Reader:
    """A ``scan_inputs`` reader: the files in ``jobs`` processes, or here when they are too small
    to pay for processes (less than ``split_from`` bytes in all) or ``jobs`` is 1."""

    def read(files: Sequence[str]) -> Iterator[Result]:
        if jobs < 2 or not worth_it(files, split_from):
            return (read_file(f, forced, tick) for f in files)
        return scan_files(files, forced, jobs, split_from, tick)

    return read


def scan_files(
    files: Sequence[str], forced: Format | None, jobs: int, split_from: int = SPLIT_FROM, tick: Tick | None = None
) -> Iterator[Result]:
    """Every file's result, in order, read by ``jobs`` processes (see the module doc)."""
    plans = plan(files, forced, jobs, split_from)
    context = multiprocessing.get_context("fork")  # the workers start with the modules already imported
    alone = len(plans) == 1 and plans[0][1] > 1  # one capture, split: this process reads a part too
    if alone:  # the processes end before the result is audited: they hold memory no more
        yield _split_alone(plans[0][0], plans[0][1], context, tick)
        return
    with contextlib.ExitStack() as stack:
        counts = None
        if tick is not None:
            counts = stack.enter_context(context.Manager()).Queue()
        pool = stack.enter_context(ProcessPoolExecutor(jobs, mp_context=context))
        where = stack.enter_context(tempfile.TemporaryDirectory(prefix="icecheck-"))
        meter = Meter(tick, lambda: _drain_local(counts))
        pending = submit_all(pool.submit, plans, forced, counts, where)
        for (path, _), futures in zip(plans, pending, strict=True):
            try:
                meter.wait(futures)
                results = [f.result() for f in futures]
            except BrokenProcessPool:
                yield unreadable(path, "a reading process died (out of memory?); the file was not read"), False
                continue
            futures.clear()  # the futures hold the bytes too: only ``results`` does now
            yield collect(results, where)


def _split_alone(path: str, parts: int, context: Any, tick: Tick | None) -> Result:
    """One capture read by ``parts`` processes, this one among them (``read_split``)."""
    with contextlib.ExitStack() as stack:
        counts = None
        if tick is not None:
            counts = stack.enter_context(context.Manager()).Queue()
        pool = stack.enter_context(ProcessPoolExecutor(parts - 1, mp_context=context))
        meter = Meter(tick, lambda: _drain_local(counts))
        try:
            return read_split(pool.submit, path, parts, tick, counts, meter)
        except BrokenProcessPool:
            return unreadable(path, "a reading process died (out of memory?); the file was not read"), False


def read_split(
    submit: Callable[..., Any], path: str, parts: int, tick: Tick | None, counts: Any, meter: Meter
) -> Result:
    """One capture read by ``parts`` processes, this one among them (it reads part 0; ``submit``
    runs the others): by byte ranges (``ranges``) when the records allow it, else with every
    process reading all of it (``lanes``). The same result either way."""
    with tempfile.TemporaryDirectory(prefix="icecheck-") as spills:
        bounds = ranges.cuts(path, parts)
        kept: list[ranges.Kept | None] = [None]
        if bounds is not None and len(bounds) > 2:
            spill = [os.path.join(spills, str(i)) for i in range(len(bounds) - 1)]
            later = range(1, len(bounds) - 1)
            futures = [submit(_prefilter, path, bounds, i, spill[i], parts, i, counts) for i in later]
            try:
                mine = ranges.prefilter(path, bounds[0], bounds[0], bounds[1], spill[0], parts, tick)
            except Exception:  # as ``_or_none``: the capture is read the other way
                mine = None
            meter.wait(futures)
            kept = [mine, *(_or_none(f) for f in futures)]
        if all(kept):
            whole = [k for k in kept if k is not None]
            futures = [submit(_kept_part, path, whole, i, parts, i, counts, spills) for i in range(1, parts)]
            own = ranges.read_kept(path, whole, 0, parts, _items_only(tick))
        else:
            futures = [submit(_part, path, i, parts, i, counts, spills) for i in range(1, parts)]
            own = read_capture(path, tick, 0, parts)
        own.sink.sdp_memo.clear()  # as the other parts do before sending theirs (``_part``)
        if own.sink.store is None:
            settle(own.sink)  # while the other parts still read or ship theirs, as they settle theirs
        own.sink.names.clear()
        meter.wait(futures)
        results = [f.result() for f in futures]
        futures.clear()
        return capture_result(merged([own, *(load(r, spills) for r in results)]))


def _or_none(future: Any) -> Any:
    """A future's result, or None if its task failed."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception:  # a range that could not be read: the capture is read the other way
        return None


def _items_only(tick: Tick | None) -> Tick | None:
    """``tick`` without the packets (counted already by the reading of the ranges)."""
    if tick is None:
        return None
    return lambda nbytes, _packets, items: tick(nbytes, 0, items)


def plan(files: Sequence[str], forced: Format | None, parts: int, split_from: int) -> list[tuple[str, int]]:
    """(path, how many tasks read it): ``parts`` for a capture of ``split_from`` bytes or more, else 1."""
    return [(path, _parts(path, forced, parts, split_from)) for path in files]


def submit_all(
    submit: Callable[..., Any],
    plans: Sequence[tuple[str, int]],
    forced: Format | None,
    counts: Any = None,
    where: str | None = None,
) -> list[list[Any]]:
    """Submit every file's tasks (``submit(function, *args)``, as an executor's or a Dask client's);
    their futures per file. ``counts``: the queue the tasks put their progress on (task numbers
    tell them apart), or None; ``where``: the directory (on this machine) the parts of a capture
    write their items to, or None to send them as bytes (``_ship``)."""
    pending: list[list[Any]] = []
    slot = 0
    for path, parts in plans:
        if parts == 1:
            pending.append([submit(_whole, path, forced, slot, counts, where)])
        else:
            pending.append([submit(_part, path, i, parts, slot + i, counts, where) for i in range(parts)])
        slot += parts
    return pending


def collect(results: Iterable[Any], where: str) -> Result:
    """One file's result from what its tasks sent back (one whole read, pickled; or the parts of a
    capture, ``_ship``, whose items' files are read from or written to ``where`` — delete it
    after); each part's bytes are let go once loaded."""
    reads = []
    for result in results:
        if isinstance(result, bytes):
            whole: Result = _loads(result, where)
            return whole
        reads.append(load(result, where))
        del result  # its bytes, loaded, are let go before the next part's come
    return capture_result(merged(reads))


def load(shipped: Shipped, where: str) -> CapturePart:
    """A part of a capture as ``_ship`` sent it, its items in their store again (a file under
    ``where`` when they came as bytes)."""
    pickled, items = shipped
    read: CapturePart = _loads(pickled, where)
    if items is None:  # it never spilled: its items came in the pickle
        return read
    if isinstance(items, bytes):
        items = _unpack(items, where, ".items")
    read.sink.store = ItemStore.open(items)
    return read


def merged(parts: Sequence[CapturePart]) -> CapturePart:
    """One capture's parts as one read: the merged sink, part 0's summary, the earliest failure."""
    failed = [p for p in parts if p.fatal is not None]
    first = min(failed, key=lambda p: p.failed_at) if failed else None
    return CapturePart(
        merge([p.sink for p in parts]),
        parts[0].summary if first is None else None,
        first.fatal if first else None,
        first.failed_at if first else -1,
    )


class Meter:
    """Hands the tasks' counts to ``tick`` while the main process waits (``drain`` gives the
    (bytes, packets, items) entries queued since the last call)."""

    def __init__(self, tick: Tick | None, drain: Callable[[], list[tuple[int, int, int]]]) -> None:
        self.tick, self.drain = tick, drain

    def wait(self, futures: Sequence[Any]) -> None:
        """Until every future (of this machine's pool or of Dask) is done. This machine's futures
        are waited on, so that the last one's result is taken as soon as it is ready (not at the
        next poll); Dask's are polled."""
        local = all(isinstance(f, concurrent.futures.Future) for f in futures)
        while True:
            finished = all(f.done() for f in futures)
            if self.tick is not None:
                for nbytes, packets, items in self.drain():
                    self.tick(nbytes, packets, items)
            if finished:
                return
            if local:
                concurrent.futures.wait(futures, timeout=0.2)
            else:
                time.sleep(0.2)


def _drain_local(counts: Any) -> list[tuple[int, int, int]]:
    out = []
    while counts is not None:
        try:
            _slot, nbytes, packets, items = counts.get_nowait()
        except queue.Empty:
            break
        out.append((nbytes, packets, items))
    return out


def _parts(path: str, forced: Format | None, jobs: int, split_from: int) -> int:
    """How many processes read ``path``: ``jobs`` for a large capture, else 1."""
    if jobs < 2:
        return 1
    try:
        if os.path.getsize(path) < split_from:
            return 1
        fmt = forced or sniff(read_head(path, 8)[0])
    except OSError:
        return 1
    return jobs if fmt in CAPTURES else 1


def _whole(path: str, forced: Format | None, slot: int, counts: Any, where: str | None = None) -> bytes:
    """A task: one file read whole; its result pickled, the items of a large one as their spools'
    files (under ``where`` on this machine, else as bytes: ``_SpoolPickler``)."""
    tick = _task_tick(counts, slot, True)
    result = read_file(path, forced, tick)
    _flush(tick)
    return _dumps(result, where)


def _part(path: str, part: int, parts: int, slot: int, counts: Any, where: str | None = None) -> Shipped:
    """A task: part ``part`` of ``parts`` of a capture; its ``CapturePart`` shipped (``_ship``)."""
    tick = _task_tick(counts, slot, part == 0)
    read = read_capture(path, tick, part, parts)
    _flush(tick)
    return _ship(read, where)


def _prefilter(
    path: str, bounds: list[int], i: int, spill: str, parts: int, slot: int, counts: Any
) -> ranges.Kept | None:
    """A task: byte range ``i`` of a capture (``ranges.cuts``), its non-media records written to
    ``spill``, for ``parts`` parts."""
    tick = _task_tick(counts, slot, True)
    kept = ranges.prefilter(path, bounds[0], bounds[i], bounds[i + 1], spill, parts, tick)
    _flush(tick)
    return kept


def _kept_part(
    path: str, kept: list[ranges.Kept], part: int, parts: int, slot: int, counts: Any, where: str
) -> Shipped:
    """A task: part ``part`` of ``parts`` of a capture from its ranges' records; shipped."""
    tick = _task_tick(counts, slot, False)
    read = ranges.read_kept(path, kept, part, parts, tick)
    _flush(tick)
    return _ship(read, where)


def _ship(read: CapturePart, where: str | None) -> Shipped:
    """What a part sends back: the part pickled without its items, and its items' store, sealed
    (``merge.seal``) and written to a new file under ``where`` (its path), or with ``where``
    None (a Dask worker) written to a temporary file whose bytes are sent. A part that never
    spilled (at most ``limits.IN_MEMORY`` items) is pickled with its items, and None sent for the
    file: cheaper than a store for the few items it holds."""
    read.sink.sdp_memo.clear()  # parsed bodies: not needed by the merge
    if read.sink.store is None:
        settle(read.sink)  # here, not in the merging process
        return _dumps_part(read), None
    store = seal(read.sink)
    read.sink.store = None
    try:
        if where is not None:
            fd, path = tempfile.mkstemp(dir=where, suffix=".items")
            os.close(fd)  # an empty file: VACUUM INTO fills it
            store.copy_to(path)
            return _dumps_part(read), path
        with tempfile.TemporaryDirectory(prefix="icecheck-") as scratch:
            path = os.path.join(scratch, "items")
            store.copy_to(path)
            return _dumps_part(read), _pack(path)
    finally:
        store.close()


def _task_tick(counts: Any, slot: int, whole: bool) -> Tick | None:
    """What a task counts for the progress line, put on ``counts`` at most twice a second: bytes
    and packets only by part 0 of a split capture (every part reads all of it), the items it
    found always. ``flush`` puts what is left."""
    if counts is None:
        return None
    held = [0, 0, 0]
    sent = [time.monotonic()]

    def flush() -> None:
        if any(held):
            counts.put((slot, *held))
            held[:] = [0, 0, 0]
        sent[0] = time.monotonic()

    def tick(nbytes: int, packets: int, items: int) -> None:
        if whole:
            held[0] += nbytes
            held[1] += packets
        held[2] += items
        if time.monotonic() - sent[0] >= 0.5:
            flush()

    tick.flush = flush  # type: ignore[attr-defined]
    return tick


def _flush(tick: Tick | None) -> None:
    flush = getattr(tick, "flush", None)
    if flush is not None:
        flush()


# -- transfer ----------------------------------------------------------------------------------------


def _reducer(cls: type) -> Callable[[Any], tuple[type, tuple[Any, ...]]]:
    names = [f.name for f in dataclasses.fields(cls)]
    values = attrgetter(*names)
    if len(names) == 1:
        return lambda o: (cls, (values(o),))
    return lambda o: (cls, values(o))


_RECORDS = (  # the dataclasses; Origin and Candidate are NamedTuples, which pickle this way already
    model.SectionContext,
    model.InterfaceInfo,
    model.CandidateRecord,
    model.AddressRecord,
    model.Diagnostic,
    model.InputDocument,
    WireFact,
)
_TABLE = {cls: _reducer(cls) for cls in _RECORDS}


class _Pickler(pickle.Pickler):
    """Writes the frozen records as (class, field values) (``_TABLE``)."""

    def __init__(self, out: io.BytesIO) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self.dispatch_table = _TABLE  # type: ignore[assignment]


class _SpoolPickler(_Pickler):
    """A ``_Pickler`` that also writes a ``Spool`` whose items went to disk as its file
    (``spool.export``): copied to a new file under ``where``, or with ``where`` None sent as its
    bytes, compressed (``_pack``) — not item by item. Its ``persistent_id`` runs for every object
    pickled: a part of a capture, which holds no spool, is pickled without it (``_ship``)."""

    def __init__(self, out: io.BytesIO, where: str | None) -> None:
        super().__init__(out)
        self.where = where

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is not Spool or len(obj) <= BATCH:
            return None
        if self.where is not None:
            fd, path = tempfile.mkstemp(dir=self.where, suffix=".spool")
            os.close(fd)
            return export(obj, path)
        with tempfile.TemporaryDirectory(prefix="icecheck-") as scratch:
            first, spans, length, copy = export(obj, os.path.join(scratch, "spool"))
            return first, spans, length, None if copy is None else _pack(copy)


class _Unpickler(pickle.Unpickler):
    """Reads what ``_SpoolPickler`` wrote: each spool exported is adopted (``spool.adopt``), its bytes
    written to a file under ``where`` first."""

    def __init__(self, data: bytes, where: str | None) -> None:
        super().__init__(io.BytesIO(data))
        self.where = where

    def persistent_load(self, pid: Any) -> Any:
        first, spans, length, file = pid
        if isinstance(file, bytes):
            file = _unpack(file, self.where, ".spool")
        return adopt((first, spans, length, file))


def _dumps(value: object, where: str | None = None) -> bytes:
    """``pickle.dumps(value)``, with the frozen records written as (class, field values) and the
    spools that spilled as their files (``_SpoolPickler``): under ``where``, or as bytes."""
    out = io.BytesIO()
    _SpoolPickler(out, where).dump(value)
    return out.getvalue()


def _dumps_part(read: CapturePart) -> bytes:
    """A part of a capture pickled as ``_dumps`` would, faster: it holds its items in dicts,
    never in a spool. Its memo of shared strings (``Sink.names``) is left behind, as part 0's
    is (``read_split``): the merge builds what it needs without it."""
    read.sink.names.clear()
    out = io.BytesIO()
    _Pickler(out).dump(read)
    return out.getvalue()


def _loads(data: bytes, where: str | None = None) -> Any:
    """What ``_dumps`` wrote (the files of spools sent as bytes are written under ``where``)."""
    return _Unpickler(data, where).load()


def _pack(path: str) -> bytes:
    """The file at ``path`` compressed (zlib, level 1: a store of items shrinks about 4.5 times, at
    about 70 MB/s), read a MiB at a time: what a Dask worker sends instead of a file."""
    packer = zlib.compressobj(1)
    out = []
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            out.append(packer.compress(chunk))
    out.append(packer.flush())
    return b"".join(out)


def _unpack(data: bytes, where: str | None, suffix: str) -> str:
    """``_pack``'s bytes written out again, a MiB at a time, to a new file under ``where`` (None:
    the system's temporary directory); its path."""
    fd, path = tempfile.mkstemp(dir=where, suffix=suffix)
    unpacker = zlib.decompressobj()
    view = memoryview(data)
    with os.fdopen(fd, "wb") as f:
        for at in range(0, len(view), 1 << 20):
            f.write(unpacker.decompress(view[at : at + (1 << 20)]))
        f.write(unpacker.flush())
    return path
