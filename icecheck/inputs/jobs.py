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
    plans = plan(files, forced, jobs, split_from)
    context = multiprocessing.get_context("fork")  # the workers start with the modules already imported
    tasks = sum(parts for _, parts in plans)
    counters = context.Array("q", 3 * tasks, lock=False) if tick is not None else None  # bytes, packets, items
    meter = _Meter(counters, tick)
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_share, initargs=(counters,)) as pool:
        pending = submit_all(pool.submit, plans, forced)
        for (path, _), futures in zip(plans, pending, strict=True):
            try:
                meter.wait(futures)
                output = collect([f.result() for f in futures])
            except BrokenProcessPool:
                output = unreadable(path, "a reading process died (out of memory?); the file was not read")
            yield output


def plan(files: Sequence[str], forced: Format | None, parts: int, split_from: int) -> list[tuple[str, int]]:
    """(path, how many tasks read it): ``parts`` for a capture of ``split_from`` bytes or more, else 1."""
    return [(path, _parts(path, forced, parts, split_from)) for path in files]


def submit_all(
    submit: Callable[..., Any], plans: Sequence[tuple[str, int]], forced: Format | None, channel: str | None = None
) -> list[list[Any]]:
    """Submit every file's tasks (``submit(function, *args)``, as an executor's or a Dask client's);
    their futures per file. Task ``slot`` numbers count progress; ``channel`` names the Dask queue
    the tasks report it to (processes of this machine share counters instead)."""
    pending: list[list[Any]] = []
    slot = 0
    for path, parts in plans:
        if parts == 1:
            pending.append([submit(_whole, path, forced, slot, channel)])
        else:
            pending.append([submit(_part, path, i, parts, slot + i, channel) for i in range(parts)])
        slot += parts
    return pending


def collect(results: Sequence[bytes]) -> ScanOutput:
    """One file's output from what its tasks sent back (one whole read, or the parts of a capture)."""
    with collector_paused():  # (see there: unpickling builds as many objects as reading)
        reads = [pickle.loads(r) for r in results]
        return reads[0] if len(reads) == 1 else capture_output(merged(reads))


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


def _task_tick(slot: int, whole: bool, channel: str | None) -> Tick | None:
    """What a task counts for the progress line: bytes and packets only for part 0 of a split
    capture (every part reads all of it), the items it found always; into the counters shared
    with this machine's main process, or to the Dask queue ``channel``."""
    if channel is not None:
        from icecheck.inputs.cluster import queue_tick

        return queue_tick(channel, slot, whole)
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


def _whole(path: str, forced: Format | None, slot: int, channel: str | None = None) -> bytes:
    """A task: one file read whole; its ``ScanOutput`` pickled."""
    tick = _task_tick(slot, True, channel)
    output = scan_file(path, forced, tick)
    _flush(tick)
    with collector_paused():
        return _dumps(output)


def _part(path: str, part: int, parts: int, slot: int, channel: str | None = None) -> bytes:
    """A task: part ``part`` of ``parts`` of a capture; its ``CapturePart`` pickled."""
    tick = _task_tick(slot, part == 0, channel)
    read = read_capture(path, tick, part, parts)
    _flush(tick)
    read.sink.sdp_memo.clear()  # parsed bodies: not needed by the merge
    with collector_paused():
        return _dumps(read)


def _flush(tick: Tick | None) -> None:
    """Send what a throttled tick (``cluster.queue_tick``) still holds."""
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
