"""When reading in processes pays (``scan --jobs``): the CPUs this process may use, and the
size below which files are read in one process. Shared by ``parallel`` (which imports the pool's
modules, ``jobs``, only past that size) and ``jobs``."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence

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
