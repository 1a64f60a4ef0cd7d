"""``icecheck scan --dask tcp://SCHEDULER:8786``: the reading tasks on an existing Dask cluster.

The tasks are those of ``--jobs`` (``jobs.submit_all``): a file read whole, or one part of a
large capture (each part reads all of it and dispatches its share, ``lanes``). They run on the
cluster's workers, which must see the files at the same paths (a shared file system) and run
the same icecheck; each sends back its folded items, pickled (a capture's distinct items, with
counts and last origins — never its packets), and this process merges them as ``--jobs`` does,
so the report is the one a single process gives. A large capture is split into as many parts
as ``--jobs`` says, by default the cluster's worker threads.

Progress: tasks put their counts (bytes, packets, items) on a Dask queue named for the run, at
most twice a second each; this process reads it while it waits. Needs ``icecheck[dask]``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from icecheck.inputs import jobs as tasks
from icecheck.inputs.detect import Format
from icecheck.inputs.scanner import ScanOutput, unreadable
from icecheck.inputs.source import Tick

CONNECT_TIMEOUT = 5  # seconds to reach the scheduler


class ClusterError(Exception):
    """The cluster cannot be used (not installed, unreachable): one line for the user."""


def scan_on_dask(
    files: Sequence[str],
    forced: Format | None,
    address: str,
    parts: int | None = None,
    split_from: int = tasks.SPLIT_FROM,
    tick: Tick | None = None,
) -> Iterator[ScanOutput]:
    """Every file's output, in order, read by the cluster at ``address``."""
    client = _connect(address)
    try:
        split = parts or max(1, sum(client.nthreads().values()))
        plans = tasks.plan(files, forced, split, split_from)
        channel = f"icecheck-progress-{uuid.uuid4().hex}" if tick is not None else None
        meter = _QueueMeter(client, channel, tick)
        pending = tasks.submit_all(lambda fn, *a: client.submit(fn, *a, pure=False), plans, forced, channel)
        for (path, _), futures in zip(plans, pending, strict=True):
            meter.wait(futures)
            try:
                results = client.gather(futures)
            except Exception as exc:  # a worker died or could not run the task: that file is unread
                yield unreadable(path, f"the Dask cluster could not read it: {type(exc).__name__}: {exc}")
                continue
            yield tasks.collect(results)
        meter.wait([])
    finally:
        client.close()


def _connect(address: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--dask needs the dask extra: pip install 'icecheck[dask]'") from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


class _QueueMeter:
    """Drains the run's progress queue into ``tick`` while this process waits for tasks."""

    def __init__(self, client: Any, channel: str | None, tick: Tick | None) -> None:
        self.queue: Any = None
        self.tick = tick
        if channel is not None and tick is not None:
            from distributed import Queue

            self.queue = Queue(channel, client=client)

    def wait(self, futures: Sequence[Any]) -> None:
        if self.queue is None:
            return
        while True:
            done = all(f.done() for f in futures)
            self._drain()
            if done:
                return
            time.sleep(0.2)

    def _drain(self) -> None:
        assert self.tick is not None
        while self.queue.qsize():
            for _slot, nbytes, packets, items in self.queue.get(batch=True):
                self.tick(nbytes, packets, items)


def queue_tick(channel: str, slot: int, whole: bool) -> Tick:
    """In a task: a tick that puts its counts on the queue ``channel``, at most twice a second
    (``flush`` sends the rest when the task ends)."""
    from distributed import Queue

    queue = Queue(channel)
    held = [0, 0, 0]
    sent = [time.monotonic()]

    def flush() -> None:
        if any(held):
            queue.put([slot, *held])
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
