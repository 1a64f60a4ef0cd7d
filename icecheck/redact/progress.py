"""Redaction's progress on stderr, only when stderr is a terminal: what it is doing, the bytes of the
file it is reading and the time since it began.

A redaction reads its input several times (listing the originals, preparing, rewriting) and then its
own output (the check before anything is kept). ``Watch.begin`` starts each such pass, with the size
of the file it reads (None for a stage that reads nothing it can count: a document held in memory,
an archive's member); ``Watch.advance`` counts the bytes read, as stored (a compressed input's
compressed bytes, as ``scan``'s progress counts them). ``watching()`` gives a ``Watch`` that draws
one transient line of at most 80 cells, or None when stderr is not a terminal (pipes, CI, tests):
then nothing but the one summary line is written.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.filesize import decimal
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.table import Column
from rich.text import Text

DESCRIBED = 32  # cells of the line that say what it is doing: the line is at most 80 cells wide


class Watch(Protocol):
    def begin(self, what: str, total: int | None) -> None: ...

    def advance(self, nbytes: int) -> None: ...


@contextmanager
def watching() -> Iterator[Watch | None]:
    if not sys.stderr.isatty():
        yield None
        return
    columns = (
        TextColumn("{task.description}", table_column=Column(width=DESCRIBED, no_wrap=True)),
        BarColumn(bar_width=12),
        _Bytes(table_column=Column(min_width=17)),
        _Elapsed(time.monotonic()),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        yield _Line(bar, bar.add_task("redacting", total=None))


class _Line:
    """The one progress line: a pass's description and bytes, new at each ``begin``."""

    def __init__(self, bar: Progress, task: TaskID) -> None:
        self._bar = bar
        self._task = task

    def begin(self, what: str, total: int | None) -> None:
        self._bar.remove_task(self._task)  # a new task: ``reset`` keeps a total when given None
        self._task = self._bar.add_task(what[:DESCRIBED], total=total)

    def advance(self, nbytes: int) -> None:
        self._bar.advance(self._task, nbytes)


class _Bytes(ProgressColumn):
    """``12.3/45.6 MB`` for a pass over a file of known size, the bytes read alone when the size is
    unknown (standard input), nothing for a stage that counts none."""

    def render(self, task: Task) -> Text:
        done = decimal(int(task.completed))
        if task.total is not None:
            return Text(f"{done}/{decimal(int(task.total))}", style="progress.download")
        return Text(done if task.completed else "", style="progress.download")


class _Elapsed(ProgressColumn):
    """The time since the redaction began (each pass is a new task of its own)."""

    def __init__(self, since: float) -> None:
        super().__init__(table_column=Column(width=7))
        self._since = since

    def render(self, task: Task) -> Text:
        seconds = int(time.monotonic() - self._since)
        return Text(f"{seconds // 3600}:{seconds // 60 % 60:02}:{seconds % 60:02}", style="progress.elapsed")
