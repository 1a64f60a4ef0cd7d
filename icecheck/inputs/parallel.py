"""How ``icecheck scan`` reads its files: here, in processes (``--jobs``) or on Dask (``--dask``).

``reader`` gives ``scanner.scan_inputs`` what reads the list of files, or None to read them here
one after the other. Whichever reads them, the report is the same.
"""

from __future__ import annotations

from icecheck.inputs.detect import Format
from icecheck.inputs.scanner import Reader
from icecheck.inputs.source import Tick


def reader(forced: Format | None, jobs: int | None, dask: str | None, tick: Tick | None) -> Reader | None:
    """The reader for ``--jobs`` (None: the CPUs available) and ``--dask`` (a scheduler address)."""
    if dask is not None:
        from icecheck.inputs.cluster import dask_reader

        return dask_reader(dask, forced, jobs, tick)
    if jobs == 1:
        return None  # read here: neither the pool nor its modules (multiprocessing, ranges, merge)
    from icecheck.inputs.jobs import available_cpus, local_reader

    n = jobs or available_cpus()
    return local_reader(forced, n, tick) if n > 1 else None
