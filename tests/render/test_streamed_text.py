"""The text report streamed (issue 11 item 5: any input under 300 MB RSS, also with -v): its lines are
made and printed one at a time, tables are laid out in two passes over their rows, the map's tree is
walked as it is drawn, and the findings are read in order without being held; the text is the one the
whole report laid out at once makes, on a terminal as in a file."""

from __future__ import annotations

import io
import os
import pty
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, TypeVar, overload

import pytest
from rich.text import Text

from icecheck import report
from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs.scanner import scan_paths
from icecheck.model import AuditedCandidate, AuditResult, Exposure, Finding
from icecheck.render.layout import column_lines, columns, tree, tree_lines
from icecheck.render.terminal import Detail, render, render_lines
from tests.conftest import SAMPLES, drain

T = TypeVar("T")
COUNT = 1500  # candidates of the party: each a finding, an exposure, a table row and a box of the map


def _party(tmp_path: Path, count: int = COUNT) -> AuditResult:
    """The audit of one text log of ``count`` distinct host candidates, one a line."""
    lines = [f"a=candidate:{n} 1 udp 2122260223 10.1.{n // 250}.{n % 250} {4000 + n} typ host" for n in range(count)]
    path = tmp_path / "party.log"
    path.write_text("\n".join(lines) + "\n")
    return audit([o.document for o in scan_paths([str(path)], None, None)], AuditSettings(preset("default")))


class _Alive:
    """How many items handed out by ``_Lazy`` sequences are still referenced, and the most at once."""

    def __init__(self) -> None:
        self.now = self.peak = self.made_in_all = 0

    def made(self) -> None:
        self.now += 1
        self.made_in_all += 1
        self.peak = max(self.peak, self.now)

    def freed(self) -> None:
        self.now -= 1


class _Lazy(Sequence[T]):
    """A sequence whose items are made anew on each access, as a spool reads them back from disk,
    and which refuses to be sliced (a slice is a list of them all)."""

    def __init__(self, items: Sequence[T], alive: _Alive) -> None:
        self.items, self.alive = items, alive

    def _make(self, item: T) -> T:
        copy: T = _tracked(item, self.alive)
        self.alive.made()
        return copy

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return (self._make(item) for item in self.items)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            raise AssertionError("sliced: every item held at once")
        return self._make(self.items[index])


def _tracked(item: Any, alive: _Alive) -> Any:
    """A copy of ``item`` (a candidate, exposure or finding) that tells ``alive`` when it is freed."""
    if isinstance(item, Exposure):
        copy: Any = _Exposure(*item)
    else:
        kind = _Candidate if isinstance(item, AuditedCandidate) else _Finding
        copy = kind(**{f.name: getattr(item, f.name) for f in fields(item)})
    _OWNERS[id(copy)] = alive
    return copy


class _Tracked:
    """Tells its ``_Alive`` when it is freed."""

    def __del__(self) -> None:
        _OWNERS.pop(id(self)).freed()


class _Candidate(_Tracked, AuditedCandidate):
    pass


class _Finding(_Tracked, Finding):
    pass


class _Exposure(_Tracked, Exposure):
    pass


_OWNERS: dict[int, _Alive] = {}  # a copy's id → its counter (an exposure, a tuple, has no room for it)


def test_the_verbose_report_holds_a_few_items_at_a_time_and_is_the_whole_report(tmp_path: Path) -> None:
    result = _party(tmp_path)
    alive = _Alive()
    lazy = replace(
        result,
        candidates=_Lazy(result.candidates, alive),
        exposures=_Lazy(result.exposures, alive),
        findings=_Lazy(result.findings, alive),
    )
    whole = render(result, 0, 80, Detail.VERBOSE).plain
    lines = render_lines(lazy, 0, 80, Detail.VERBOSE)
    assert isinstance(lines, Iterator)  # made as they are printed, not a list
    streamed = [line.plain for line in lines]
    assert "\n".join(streamed) == whole
    assert f"c{COUNT}" in whole and whole.count("Interface (LAN)") == COUNT  # every row and box is there
    assert alive.made_in_all > 3 * COUNT  # every item was read, several times,
    assert alive.peak < 10  # and few of them were held at a time (all of them, on main)


def test_the_report_is_printed_as_it_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _party(tmp_path, 300)
    made: list[int] = []

    def lay_out(width: int) -> Iterator[Text]:
        for n, line in enumerate(render_lines(result, 0, width, Detail.VERBOSE)):
            made.append(n)
            yield line

    out = io.StringIO()
    written: list[int] = []
    monkeypatch.setattr(out, "write", lambda text: written.append(len(made)) or io.StringIO.write(out, text))
    monkeypatch.setattr(report, "BLOCK", 100)
    report.show_lines(lay_out, out)
    assert out.getvalue() == render(result, 0, out_width(), Detail.VERBOSE).plain + "\n"
    assert len(written) > 5 and written[0] == 100  # block by block: the first before the others were made


def out_width() -> int:
    """The width rich gives a console writing to a file (``COLUMNS`` or 80)."""
    from rich.console import Console

    return Console(file=io.StringIO()).width


def _on_terminal(lay_out: Callable[[int], Iterator[Text]], monkeypatch: pytest.MonkeyPatch) -> str:
    """What ``show_lines`` writes to a colour terminal of 80 columns."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "80")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    main, child = pty.openpty()
    out = os.fdopen(child, "w", encoding="utf-8")

    def write() -> None:
        with out:
            report.show_lines(lay_out, out)

    writer = threading.Thread(target=write)
    writer.start()
    seen = drain(main)
    writer.join()
    os.close(main)
    return seen


def test_on_a_terminal_blocks_of_lines_print_as_the_whole_text(monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = [o for o in scan_paths([str(SAMPLES / "real")], None, None)]
    result = audit([o.document for o in outputs], AuditSettings(preset("default")))
    printed = {}
    for block in (1, 7, 10**6):
        monkeypatch.setattr(report, "BLOCK", block)
        printed[block] = _on_terminal(lambda width: render_lines(result, 1, width, Detail.VERBOSE), monkeypatch)
    assert "\x1b[1;31mFAIL" in printed[1] and "\x1b[1;4mFindings" in printed[1]  # styled
    assert printed[1] == printed[7] == printed[10**6]


def test_columns_read_their_rows_twice_and_never_index_them() -> None:
    def row(n: int, where: str) -> tuple[Text, ...]:
        return Text(f"c{n}"), Text(where), Text(f"10.0.0.{n}"), Text("details " * n)

    header = ("id", "where", "address", "details")
    for rows in ([row(n, "x" * n if n % 3 else "") for n in range(40)], [row(n, "") for n in range(40)]):
        for width in (40, 60, 200):
            twice = _Passes(rows)
            streamed = column_lines(header, twice, width, foldable=(1, 2), optional=(1,))
            assert not twice.passes  # nothing read before the first line is asked for
            lines = [t.plain for t in streamed]
            assert lines == [t.plain for t in columns(header, rows, width, foldable=(1, 2), optional=(1,))]
            assert twice.passes == 2 and ("where" in lines[0]) is bool(rows[1][1].plain)


class _Passes:
    """Rows that can only be iterated (not indexed), counting the passes."""

    def __init__(self, rows: list[tuple[Text, ...]]) -> None:
        self.rows, self.passes = rows, 0

    def __iter__(self) -> Iterator[tuple[Text, ...]]:
        self.passes += 1
        return iter(self.rows)


def test_the_last_column_cannot_be_optional() -> None:
    with pytest.raises(ValueError, match="last column"):
        columns(("a", "b"), [(Text("1"), Text(""))], 80, optional=(1,))


def test_a_tree_is_drawn_as_its_children_are_built() -> None:
    built: list[int] = []

    class Kids(Sequence[int]):
        """10,000 leaves under the root, each built when it is iterated."""

        def __len__(self) -> int:
            return 10_000

        def __iter__(self) -> Iterator[int]:
            for n in range(1, 10_001):
                built.append(n)
                yield n

        def __getitem__(self, index: Any) -> Any:
            raise AssertionError("indexed")

    def children(node: int) -> Sequence[int]:
        return Kids() if node == 0 else ()

    lines = tree_lines(0, lambda n: Text(f"node {n}"), children, 80)
    assert [next(lines).plain for _ in range(3)] == ["node 0", "├── node 1", "├── node 2"]
    assert len(built) <= 3  # not the 10,000
    rest = [line.plain for line in lines]
    assert rest[-1] == "└── node 10000" and len(rest) == 9_998
    small = {0: (1, 2), 1: (3,), 2: (), 3: ()}
    drawn = [t.plain for t in tree(0, lambda n: Text(str(n)), lambda n: small[n], 80)]
    assert drawn == ["0", "├── 1", "│   └── 3", "└── 2"]
