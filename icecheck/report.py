"""Choosing and writing the output format. Renderers are pure; this module does the writing.

``OutputFormat`` is the one list of formats (``--format`` takes its values; a test renders
every member). Text and JSON are written in their own way (rich console, streamed JSON); every
other format is a function ``(result, exit_code) -> str`` in ``_RENDERERS``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from itertools import islice
from typing import IO, TYPE_CHECKING

from icecheck.exitcodes import ExitCode

if TYPE_CHECKING:
    from rich.text import Text

    from icecheck.model import AuditResult, BrowserRun
    from icecheck.render.terminal import Detail


BLOCK = 1024  # text report lines printed at a time


class OutputFormat(StrEnum):
    """Every output format; a test checks that each one renders."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    GITHUB = "github"
    JUNIT = "junit"
    MERMAID = "mermaid"
    HTML = "html"


def exit_code(result: AuditResult) -> ExitCode:
    """0 clean, 1 findings at or above fail-on, 2 when an input could not be read or held nothing
    to audit (the others are still reported: a typo in a CI path must not pass the gate), or was
    read only in part (damaged parts it could not audit, or items past its bound on distinct
    items) unless partial audits are allowed: what was not audited may hold the leak, so the gate
    fails closed. 3 when ``--strict`` and a server or lookup attempt failed."""
    from icecheck.model import InputStatus  # not at the top: ``--help`` imports this module for ``--format``

    if any(d.status in (InputStatus.UNREADABLE, InputStatus.EMPTY) for d in result.inputs):
        return ExitCode.USAGE
    if (result.unaudited() or result.partly_read()) and not result.allow_partial:
        return ExitCode.USAGE
    if result.strict and result.failed_attempts():
        return ExitCode.FAILURE
    if any(f.severity.rank >= result.fail_on.rank for f in result.findings):
        return ExitCode.FINDINGS
    return ExitCode.CLEAN


def _sarif(result: AuditResult, code: int) -> str:
    from io import StringIO

    buf = StringIO()
    _write_sarif(result, code, buf)
    return buf.getvalue()


def _write_sarif(result: AuditResult, code: int, stream: IO[str]) -> None:
    from icecheck.render.sarif import write_sarif

    write_sarif(result, code, stream, os.getcwd())  # json_dumps(to_sarif(...)) text, streamed in blocks
    stream.write("\n")


def _markdown(result: AuditResult, code: int) -> str:
    from icecheck.render.markdown import to_markdown

    return to_markdown(result, code)


def _github(result: AuditResult, code: int) -> str:
    from icecheck.render.github import to_github

    return to_github(result, code)


def _junit(result: AuditResult, code: int) -> str:
    from icecheck.render.junit import to_junit

    return to_junit(result, code)


def _mermaid(result: AuditResult, code: int) -> str:
    from icecheck.analysis.netmap import network_mermaid

    return network_mermaid(result.candidates, result.network_info) + "\n"


def _html(result: AuditResult, code: int) -> str:
    from icecheck.render.html import to_html

    return to_html(result, code)


_RENDERERS: dict[OutputFormat, Callable[[AuditResult, int], str]] = {
    OutputFormat.HTML: _html,
    OutputFormat.MERMAID: _mermaid,
    OutputFormat.SARIF: _sarif,
    OutputFormat.MARKDOWN: _markdown,
    OutputFormat.GITHUB: _github,
    OutputFormat.JUNIT: _junit,
}


def render_text(result: AuditResult, fmt: OutputFormat, code: int, detail: Detail | None = None) -> str:
    """The report as one string (any format; used by tests and by ``write``)."""
    if fmt in _RENDERERS:
        return _RENDERERS[fmt](result, code)
    from io import StringIO

    buf = StringIO()
    write(result, fmt, buf, code, detail)
    return buf.getvalue()


def write(result: AuditResult, fmt: OutputFormat, out: IO[str] | None, code: int, detail: Detail | None = None) -> None:
    """Write the report to ``out`` (stdout when None); ``detail`` (``-q``, ``-v``) shapes the text report."""
    stream = out or sys.stdout
    if fmt is OutputFormat.SARIF:
        _write_sarif(result, code, stream)
        return
    if fmt is OutputFormat.GITHUB:
        from icecheck.render.github import write_github

        write_github(result, code, stream)  # to_github's text, a line at a time
        return
    if fmt is OutputFormat.JUNIT:
        from icecheck.render.junit import write_junit

        write_junit(result, code, stream)  # to_junit's text, a finding's many locations streamed
        return
    if fmt in _RENDERERS:
        stream.write(_RENDERERS[fmt](result, code))
        return
    if fmt is OutputFormat.JSON:
        from icecheck.render.json_report import write_json

        write_json(result, code, stream)  # json.dumps(to_dict(...), indent=2) text, streamed in blocks
        stream.write("\n")
        return
    from icecheck.render.terminal import Detail, render_lines

    show_lines(lambda width: render_lines(result, code, width, Detail.NORMAL if detail is None else detail), out)


def show(lay_out: Callable[[int], Text], out: IO[str] | None = None) -> None:
    """Print a ``Text`` of lines laid out for the console's width (``show_lines``)."""
    show_lines(lambda width: (lay_out(width),), out)


def show_lines(lay_out: Callable[[int], Iterable[Text]], out: IO[str] | None = None) -> None:
    """Print lines laid out for the console's width as they come, ``BLOCK`` lines at a time (a
    report may have millions): as they are to a file or a pipe; on a colour terminal rich renders
    their styles (in one pass over each block: the lines are final, nothing to wrap or crop). A
    file given as ``out`` never gets styles, whatever FORCE_COLOR says."""
    from rich.console import Console
    from rich.segment import Segments
    from rich.text import Text

    console = Console(file=out, highlight=False) if out else Console(highlight=False)
    lines = lay_out(console.width)
    plain = console.color_system is None or (out is not None and not out.isatty())
    it = iter(lines)
    while block := list(islice(it, BLOCK)):
        if plain:
            console.file.write("".join(line.plain + "\n" for line in block))
        else:
            text = Text("\n").join(block)
            console.print(Segments(text.render(console, end="\n")), soft_wrap=True)


# Formats that show several browser runs at once; the others take one run (one report).
RUN_FORMATS = (OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.HTML)
_RUN_FAILED = frozenset({"failed", "timeout", "missing"})


def runs_exit_code(runs: Sequence[BrowserRun], strict: bool) -> tuple[ExitCode, list[int]]:
    """``icecheck browser``'s exit code and each run's own: 2 when no run gave a result to audit,
    3 under ``strict`` when a browser was missing, failed or timed out; else the worst run's."""
    codes = [int(exit_code(r.result)) if r.result is not None else int(ExitCode.CLEAN) for r in runs]
    if not any(r.result is not None for r in runs):
        return ExitCode.USAGE, codes
    if strict and any(r.outcome in _RUN_FAILED for r in runs):
        return ExitCode.FAILURE, codes
    worst = max(c for r, c in zip(runs, codes, strict=True) if r.result is not None)
    return ExitCode(worst), codes


def write_runs(
    runs: Sequence[BrowserRun], fmt: OutputFormat, out: IO[str] | None, code: int, codes: Sequence[int]
) -> None:
    """Write ``icecheck browser``'s report: one run (with a result) as the usual report plus its run
    (any format); several in text, JSON or HTML only (``RUN_FORMATS``)."""
    from icecheck.render.safe import json_dumps

    stream = out or sys.stdout
    single = runs[0] if len(runs) == 1 and runs[0].result is not None else None
    if fmt is OutputFormat.JSON:
        from icecheck.render.json_report import browser_run_dict, runs_dict, to_dict

        if single is not None and single.result is not None:
            report = to_dict(single.result, code) | {"browser_runs": [browser_run_dict(single)]}
        else:
            report = runs_dict(runs, codes, code)
        stream.write(json_dumps(report) + "\n")
    elif fmt is OutputFormat.TEXT:
        from icecheck.render.browser_text import render_runs

        show(lambda width: render_runs(runs, codes, code, width), out)
    elif fmt is OutputFormat.HTML:
        from icecheck.render.browser_text import comparison_text
        from icecheck.render.html import runs_html

        sentences = [comparison_text(r.comparison) if r.comparison is not None else [] for r in runs]
        stream.write(runs_html(runs, codes, code, sentences))
    elif single is not None and single.result is not None:
        stream.write(_RENDERERS[fmt](single.result, code))
