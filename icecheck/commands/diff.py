"""``icecheck diff A B``: what changed between two audits (VPN on/off, before/after a change).

Each side is put into an ``analysis.diff.Collector`` in turn, so one side's audit is held at a time:
a JSON report read in parts (``analysis.diffside.add_report_file``), else the audit of the input
(read by the capture scanner from its path; standard input and pipes are first copied to a
temporary file, read once). The diff is then counted and written as it is read back, line by line
or JSON item by item, to stdout or ``-o``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click

from icecheck.commands.common import PRESETS, SEVERITIES, config_options, offline_accepted, write_to
from icecheck.exitcodes import ExitCode

if TYPE_CHECKING:
    from icecheck.analysis.diff import Collector, Diff
    from icecheck.analysis.policy import Policy
    from icecheck.inputs.source import Spooled
    from icecheck.severity import Severity


@click.command("diff", short_help="Compare two audits: what was gained and lost.")
@click.argument("a", type=click.Path(allow_dash=True, dir_okay=False))
@click.argument("b", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "html"], case_sensitive=False),
              default="text", show_default=True, help="Report format (any case).")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE", default=None,
              help="Write the report to FILE instead of stdout (never over A or B).")  # fmt: skip
@click.option("--policy", default="default", show_default=True, type=click.Choice(PRESETS, case_sensitive=False),
              help="Policy for sides that are inputs, not reports.")  # fmt: skip
@click.option("--fail-on", type=click.Choice(SEVERITIES, case_sensitive=False), default="high", show_default=True,
              metavar="SEVERITY", help="Exit 1 when B gained a finding of at least this severity: info, low, "
              "medium, high.")  # fmt: skip
@click.option("--allow-partial", is_flag=True,
              help="Exit by the findings even when an input of A or B was read in part (else exit 2).")  # fmt: skip
@config_options
@offline_accepted
def command(a: str, b: str, fmt: str, output: str | None, allow_partial: bool, policy: Policy) -> None:
    """Compare A and B: each a JSON report (icecheck … --format json) or an input to audit.

    Lists exposures, findings and addresses gained (in B only) and lost (in A only).

    \b
    Examples:
      icecheck diff before.json after.json
      icecheck sdp offer.sdp -f json -o vpn-off.json
      icecheck diff vpn-off.json vpn-on.sdp
    """
    from icecheck.analysis.diff import Collector

    collector = Collector()
    try:
        for side, path in enumerate((a, b)):
            _load(collector, side, path, policy)
        d = _diffed(collector, a, b, policy.fail_on, allow_partial)
        write_to(None if output == "-" else output, (a, b), lambda out: _write(d, fmt, output, out or sys.stdout))
    finally:
        collector.close()
    sys.exit(d.exit_code())


def _diffed(collector: Collector, a: str, b: str, fail_on: Severity, allow_partial: bool) -> Diff:
    """``collector.diff``; a gained finding of no known severity is B's, a bad report (exit 2)."""
    from icecheck.analysis.diff import BadReport
    from icecheck.render.safe import safe

    try:
        return collector.diff(a, b, fail_on, allow_partial)
    except BadReport as exc:
        _fail(f"{safe(b)}: not a valid icecheck report: {safe(str(exc))}")


def _write(d: Diff, fmt: str, output: str | None, out: IO[str]) -> None:
    """The diff in ``fmt``, written as it is read (the gained and lost items one at a time)."""
    from icecheck.analysis.diff import json_value, text_lines

    if fmt == "json":
        from icecheck.render.json_report import write_streamed

        write_streamed(json_value(d), out)
        out.write("\n")
        return
    lines: Iterator[str] = text_lines(d)
    fold_to = None
    if fmt == "html":
        from icecheck.render.html import text_html

        head, tail = text_html("icecheck diff", _MARK).split(_MARK)  # ``text_html``, line by line
        lines = _html_lines(head, tail, lines)
    elif output in (None, "-") and sys.stdout.isatty():  # a terminal: lines no wider than it
        import shutil

        fold_to = shutil.get_terminal_size().columns
    _write_lines(out, lines, fold_to)


_MARK = "ICECHECKDIFFTEXT"  # where ``text_html`` puts the text: left as it is by its escaping
_BLOCK = 1 << 20  # characters written at a time


def _html_lines(head: str, tail: str, lines: Iterator[str]) -> Iterator[str]:
    """``text_html(title, text)`` of the text of ``lines`` (its page's head and tail given), each
    line made safe and escaped as ``text_html`` does it: its last line holds the page's tail."""
    from html import escape

    from icecheck.render.safe import safe

    first = True
    for line in lines:
        yield (head if first else "") + escape(safe(line))
        first = False
    yield (head if first else "") + tail.removesuffix("\n")  # the break after it is the last line's


def _write_lines(out: IO[str], lines: Iterator[str], fold_to: int | None) -> None:
    """Each of ``lines`` ended by a line break, each folded to ``fold_to`` columns when given (as
    ``layout.fold`` folds the whole text), written in blocks."""
    if fold_to is not None:
        from icecheck.render.layout import fold

        lines = (fold(line, fold_to) for line in lines)
    parts: list[str] = []
    size = 0
    for line in lines:
        parts.append(line)
        size += len(line) + 1
        if size >= _BLOCK:
            out.write("\n".join(parts) + "\n")
            parts, size = [], 0
    if parts:
        out.write("\n".join(parts) + "\n")
    if fold_to is not None:
        out.write(fold("", fold_to))  # the text's end: what ``fold`` makes of the empty line after the last break


def _load(collector: Collector, side: int, path: str, policy: Policy) -> None:
    """Put side ``side``: a JSON report, or the audit of an input (exit 2 when unreadable)."""
    from icecheck.analysis.diff import BadReport
    from icecheck.analysis.diffside import add_report_file
    from icecheck.inputs.source import spool
    from icecheck.render.safe import safe

    copied: Spooled | None = None
    try:
        try:
            if path == "-":  # read once (as a pipe), so copied first
                copied = spool(sys.stdin.buffer)
            elif not os.path.isfile(path):
                with open(path, "rb") as pipe:
                    copied = spool(pipe)
            with open(copied.file if copied else path, "rb") as stream:
                if add_report_file(collector, side, path, stream):
                    return
        except OSError as exc:
            _fail(f"{safe(path)}: {safe(exc.strerror or str(exc))}")
        except BadReport as exc:
            _fail(f"{safe(path)}: not a valid icecheck report: {safe(str(exc))}")
        _audit(collector, side, path, copied, policy)
    finally:
        if copied is not None:
            os.unlink(copied.file)


def _fail(message: str) -> NoReturn:
    click.echo(f"icecheck: {message}", err=True)
    sys.exit(int(ExitCode.USAGE))


def _audit(collector: Collector, side: int, path: str, copied: Spooled | None, policy: Policy) -> None:
    from icecheck.analysis.diffside import add_result
    from icecheck.analysis.policy import drop_allowed
    from icecheck.audit import AuditSettings, audit
    from icecheck.inputs.progress import auditing
    from icecheck.inputs.wire import wire_exposures
    from icecheck.report import exit_code

    docs, facts = _read(path, copied)
    exposures = wire_exposures(docs, facts)  # as ``scan`` adds them: its report of the side is the same
    with auditing(docs):
        audited = audit(docs, AuditSettings(policy), extra_exposures=exposures)
    result = replace(drop_allowed(audited, policy), allow_partial=True)  # named in the diff
    code = exit_code(result)
    if code == ExitCode.USAGE:  # nothing to compare: the side gave nothing to audit
        from icecheck.commands.common import report_unreadable

        report_unreadable(result.inputs)
        sys.exit(int(ExitCode.USAGE))
    add_result(collector, side, path, result)


def _read(path: str, copied: Spooled | None) -> tuple[list[Any], list[Any]]:
    """The documents read with the capture scanner when there is one, else as SDP (standard input:
    as SDP), and the wire facts (STUN addresses, network costs) the scanner found beside them."""
    import importlib

    try:
        scanner: Any = importlib.import_module("icecheck.inputs.scanner")
    except ImportError:
        scanner = None
    if scanner is not None and path != "-":
        from icecheck.inputs.progress import progress

        with progress([] if copied is not None else [path]) as tick:  # on a terminal: as ``scan`` shows it
            if copied is not None:
                outputs = [scanner.scan_file(path, None, tick, copied)]
            else:
                outputs = list(scanner.scan_paths((path,), None, tick))
        docs, facts = [], []
        for out in outputs:
            docs.append(out.document)
            facts += out.wire
        return docs, facts
    from icecheck.inputs.sdpfile import read_sdp_stream

    with open(copied.file if copied else path, "rb") as stream:
        return [read_sdp_stream(stream, path)], []
