"""A progress bar on stderr (bytes and packets) — only when stderr is a terminal.

``progress(paths)`` is a context manager giving a ``tick(bytes, packets)`` callback, or None
when stderr is not a TTY (pipes, CI, tests) so that nothing but the report is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from icecheck.inputs.source import Tick


@contextmanager
def progress(paths: Iterable[str]) -> Iterator[Tick | None]:
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from icecheck.inputs.scanner import walk

    total = sum(_size(p) for p in walk(paths))
    columns = (
        TextColumn("scanning"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[packets]} packets"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("scan", total=total or None, packets=0)
        counts = [0]

        def tick(nbytes: int, packets: int) -> None:
            counts[0] += packets
            bar.update(task, advance=nbytes, packets=counts[0])

        yield tick


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
