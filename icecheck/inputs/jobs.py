"""``icecheck scan --jobs N``: a folder's files in parallel, and a large capture across processes.

``scan_files`` yields one ``ScanOutput`` per file, in the order given, as ``scanner.scan_file``
would. Files run in a pool of ``jobs`` processes. A capture (pcap/pcapng, gzipped or not) of at
least ``SPLIT_FROM`` bytes is read by ``jobs`` processes at once: each reads all of it and
dispatches its share of the messages (``lanes``), and ``merge`` puts the parts together as one
process would have read them — the same items, ids, order, findings whatever ``jobs``.

What a process sends back is its folded items (records, counts, last origins), never packets:
pickled by ``_dumps``, which writes each record as its class and field values (the default
pickling of slotted dataclasses costs several times more than building them again).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from operator import attrgetter
from typing import Any

from icecheck import model
from icecheck.inputs.detect import CAPTURES, Format, sniff
from icecheck.inputs.merge import merge
from icecheck.inputs.scanner import (
    CapturePart,
    ScanOutput,
    capture_output,
    collector_paused,
    read_capture,
    scan_file,
    unreadable,
)
from icecheck.inputs.sink import WireFact
from icecheck.inputs.source import Tick, read_head

SPLIT_FROM = 4 << 20  # smaller captures are not worth the processes: read whole


def available_cpus() -> int:
    """The CPUs this process may run on (the default of ``--jobs``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def worth_it(files: Sequence[str], split_from: int = SPLIT_FROM) -> bool:
    """Whether processes pay for themselves: the files hold at least ``split_from`` bytes."""
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += os.path.getsize(path)
    return total >= split_from


def scan_files(
    files: Sequence[str], forced: Format | None, jobs: int, split_from: int = SPLIT_FROM, tick: Tick | None = None
) -> Iterator[ScanOutput]:
    """Every file's output, in order, read by ``jobs`` processes (see the module doc). ``tick``
    (the progress line) gets what the processes count, while the main process waits."""
    plans = [(path, _parts(path, forced, jobs, split_from)) for path in files]
    context = multiprocessing.get_context("fork")  # the workers start with the modules already imported
    tasks = sum(parts for _, parts in plans)
    counters = (
        context.Array("q", 3 * tasks, lock=False) if tick is not None else None
    )  # per task: bytes, packets, items
    meter = _Meter(counters, tick)
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_share, initargs=(counters,)) as pool:
        pending: list[list[Future[bytes]]] = []
        slot = 0
        for path, parts in plans:
            if parts == 1:
                pending.append([pool.submit(_whole, path, forced, slot)])
            else:
                pending.append([pool.submit(_part, path, i, parts, slot + i) for i in range(parts)])
            slot += parts
        for (path, parts), futures in zip(plans, pending, strict=True):
            try:
                meter.wait(futures)
                with collector_paused():  # (see there: unpickling builds as many objects as reading)
                    results = [pickle.loads(f.result()) for f in futures]
                    output = results[0] if parts == 1 else capture_output(merged(results))
            except BrokenProcessPool:
                output = unreadable(path, "a reading process died (out of memory?); the file was not read")
            yield output


class _Meter:
    """Hands the processes' counts to ``tick`` while the main process waits for them."""

    def __init__(self, counters: Any, tick: Tick | None) -> None:
        self.counters, self.tick = counters, tick
        self.shown = [0, 0, 0]

    def wait(self, futures: Sequence[Future[bytes]]) -> None:
        if self.tick is None:
            return
        while True:
            done, _ = wait(futures, timeout=0.2)
            self.show()
            if len(done) == len(futures):
                return

    def show(self) -> None:
        assert self.tick is not None
        c = self.counters
        now = [sum(c[i::3]) for i in range(3)]
        self.tick(*(a - b for a, b in zip(now, self.shown, strict=True)))
        self.shown = now


_counters: Any = None  # in a reading process: the shared counters (set once, by the pool's initializer)


def _share(counters: Any) -> None:
    global _counters
    _counters = counters


def _task_tick(slot: int, whole: bool) -> Tick | None:
    """What a task counts into its slot: bytes and packets only for part 0 of a split capture
    (every part reads all of it), the items it found always."""
    counters = _counters
    if counters is None:
        return None
    at = 3 * slot

    def tick(nbytes: int, packets: int, items: int) -> None:
        if whole:
            counters[at] += nbytes
            counters[at + 1] += packets
        counters[at + 2] += items

    return tick


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


def _whole(path: str, forced: Format | None, slot: int) -> bytes:
    output = scan_file(path, forced, _task_tick(slot, True))
    with collector_paused():
        return _dumps(output)


def _part(path: str, part: int, parts: int, slot: int) -> bytes:
    read = read_capture(path, _task_tick(slot, part == 0), part, parts)
    read.sink.sdp_memo.clear()  # parsed bodies: not needed by the merge
    with collector_paused():
        return _dumps(read)


# -- transfer ----------------------------------------------------------------------------------------


def _reducer(cls: type) -> Callable[[Any], tuple[type, tuple[Any, ...]]]:
    names = [f.name for f in dataclasses.fields(cls)]
    values = attrgetter(*names)
    if len(names) == 1:
        return lambda o: (cls, (values(o),))
    return lambda o: (cls, values(o))


_RECORDS = (
    model.Origin,
    model.Candidate,
    model.SectionContext,
    model.InterfaceInfo,
    model.CandidateRecord,
    model.AddressRecord,
    model.Diagnostic,
    model.InputDocument,
    WireFact,
)
_TABLE = {cls: _reducer(cls) for cls in _RECORDS}


def _dumps(value: object) -> bytes:
    """``pickle.dumps(value)``, with the frozen records written as (class, field values)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _TABLE  # type: ignore[assignment]
    pickler.dump(value)
    return out.getvalue()
