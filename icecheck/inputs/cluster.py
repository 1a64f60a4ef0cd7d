"""``icecheck scan --dask tcp://SCHEDULER:8786``: the reading tasks on an existing Dask cluster.

The tasks are those of ``--jobs`` (``jobs.submit_all``): a file read whole, or one part of a
large capture (each part reads all of it and dispatches its share, ``lanes``). They run on the
cluster's workers, which must see the files at the same paths (a shared file system) and run
the same icecheck; each sends back its folded items (a capture's distinct items, with counts and
last origins — never its packets): a file read whole pickled (the items of a large one as its
spools' files), a part of a capture as its items' SQLite file — files sent as their bytes,
compressed (``jobs._pack``: a worker's temporary files are not this machine's). This process
takes the parts' results one at a time, writes each to a temporary file at once, and merges the
files as streams as ``--jobs`` does, so the report is the one a single process gives and this
process holds one part's bytes at a time, not every part's items. A large
capture is split into as many parts as ``--jobs`` says, by default the cluster's worker threads.

Progress: tasks put their counts (bytes, packets, items) on a Dask queue named for the run, at
most twice a second each (``jobs._task_tick``); this process reads it while it waits. Needs
``icecheck[dask]``.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from icecheck.inputs import jobs as tasks
from icecheck.inputs.detect import Format
from icecheck.inputs.scanner import ClusterError, Reader, unreadable
from icecheck.inputs.source import Tick

CONNECT_TIMEOUT = 5  # seconds to reach the scheduler


def dask_reader(address: str, forced: Format | None, parts: int | None, tick: Tick | None) -> Reader:
    """A ``scan_inputs`` reader on the cluster at ``address`` (a large capture in ``parts`` parts,
    by default one per worker thread)."""

    def read(files: Sequence[str]) -> Iterator[tasks.Result]:
        return scan_on_dask(files, forced, address, parts, tick=tick)

    return read


def scan_on_dask(
    files: Sequence[str],
    forced: Format | None,
    address: str,
    parts: int | None = None,
    split_from: int = tasks.SPLIT_FROM,
    tick: Tick | None = None,
) -> Iterator[tasks.Result]:
    """Every file's result, in order, read by the cluster at ``address``."""
    client = _connect(address)
    try:
        split = parts or max(1, sum(client.nthreads().values()))
        plans = tasks.plan(files, forced, split, split_from)
        counts = None
        if tick is not None:
            from distributed import Queue

            counts = Queue(f"icecheck-progress-{uuid.uuid4().hex}", client=client)
        pending = tasks.submit_all(lambda fn, *a: client.submit(fn, *a, pure=False), plans, forced, counts)
        meter = tasks.Meter(tick, lambda: _drain(counts))
        for (path, _), futures in zip(plans, pending, strict=True):
            meter.wait(futures)
            with tempfile.TemporaryDirectory(prefix="icecheck-") as where:
                try:
                    result = tasks.collect(_one_by_one(futures), where)
                except Exception as exc:  # a worker died or could not run the task: that file is unread
                    result = unreadable(path, f"the Dask cluster could not read it: {type(exc).__name__}: {exc}"), False
            yield result
    finally:
        client.close()


def _one_by_one(futures: list[Any]) -> Iterator[Any]:
    """The futures' results in order, each future released (the cluster may forget its bytes)
    once its result is here."""
    while futures:
        yield _taken(futures.pop(0))  # no reference kept here while the next one is fetched


def _taken(future: Any) -> Any:
    """The future's result, the future released."""
    result = future.result()
    future.release()
    return result


def _connect(address: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--dask needs the dask extra: pip install 'icecheck[dask]'") from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _drain(counts: Any) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    while counts is not None and counts.qsize():
        out += [(nbytes, packets, items) for _slot, nbytes, packets, items in counts.get(batch=True)]
    return out
