"""A progress line on stderr — bytes, packets, items found, time left — only when stderr is a terminal.

``progress(paths)`` is a context manager giving a ``tick(bytes, packets, items)`` callback (each
the amount since the last call), or None when stderr is not a TTY (pipes, CI, tests), so that
nothing but the report is written. With ``--jobs`` the reading processes count into shared
counters that the main process reads while it waits, and hands to the same callback
(``jobs.scan_files``). Bytes are those of the files (compressed ones as stored), so the time
left is right for gzipped captures too.

``auditing(docs)`` is the spinner that follows it while what was read is audited (``scan``, ``sdp``,
``diff``): shown for ``BUSY_FROM`` candidates and addresses or more (200,000 candidates take half a
minute), on a terminal only.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from icecheck.inputs.source import Tick

if TYPE_CHECKING:
    from icecheck.model import InputDocument

BUSY_FROM = 10_000  # candidates and addresses read, from which their audit says it is going on


@contextmanager
def progress(paths: Iterable[str]) -> Iterator[Tick | None]:
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from icecheck.inputs.scanner import walk

    total = sum(_size(p) for p in walk(paths))
    columns = (  # one line of 80 cells
        TextColumn("scanning"),
        BarColumn(bar_width=12),
        DownloadColumn(),
        TextColumn("{task.fields[packets]:,} packets, {task.fields[items]:,} items"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("scan", total=total or None, packets=0, items=0)
        counts = [0, 0]

        def tick(nbytes: int, packets: int, items: int = 0) -> None:
            counts[0] += packets
            counts[1] += items
            bar.update(task, advance=nbytes, packets=counts[0], items=counts[1])

        yield tick


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


@contextmanager
def auditing(docs: Iterable[InputDocument]) -> Iterator[None]:
    """A spinner on stderr while the block audits ``docs``' candidates and addresses, when there are at
    least ``BUSY_FROM`` of them and stderr is a terminal."""
    items = sum(len(doc.candidates) + len(doc.addresses) for doc in docs)
    if items < BUSY_FROM:
        yield
        return
    with spinner(f"auditing {items:,} candidates and addresses"):
        yield


@contextmanager
def spinner(text: str) -> Iterator[Callable[[str], object] | None]:
    """A spinner on stderr saying ``text`` while the block runs, and a function that says another (text
    from input: escaped, never read as markup); None, and nothing shown, when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.text import Text

    from icecheck.render.safe import safe

    with Console(stderr=True).status(Text(safe(text))) as shown:
        yield lambda new: shown.update(Text(safe(new)))
