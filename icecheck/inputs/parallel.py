"""How ``icecheck scan`` reads its files: here, in processes (``--jobs``) or on Dask (``--dask``).

``reader`` gives ``scanner.scan_inputs`` what reads the list of files, or None to read them here
one after the other. Whichever reads them, the report is the same. Files of fewer than
``sizing.SPLIT_FROM`` bytes in all are read here whatever ``--jobs`` says, without importing
the pool's modules (``jobs``: multiprocessing, ranges, merge), which a start-up would pay for
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from icecheck.inputs.detect import Format
from icecheck.inputs.scanner import Reader, ScanOutput, read_file
from icecheck.inputs.sizing import available_cpus, worth_it
from icecheck.inputs.source import Tick


def reader(forced: Format | None, jobs: int | None, dask: str | None, tick: Tick | None) -> Reader | None:
    """The reader for ``--jobs`` (None: the CPUs available) and ``--dask`` (a scheduler address)."""
    if dask is not None:
        from icecheck.inputs.cluster import dask_reader

        return dask_reader(dask, forced, jobs, tick)
    n = jobs or available_cpus()
    if n < 2:
        return None  # read here: neither the pool nor its modules (multiprocessing, ranges, merge)

    def read(files: Sequence[str]) -> Iterator[tuple[ScanOutput, bool]]:
        if not worth_it(files):  # as ``jobs.local_reader``, without importing it
            return (read_file(f, forced, tick) for f in files)
        from icecheck.inputs.jobs import local_reader

        return local_reader(forced, n, tick)(files)

    return read
