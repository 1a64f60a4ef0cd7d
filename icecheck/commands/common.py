"""Options and the finishing step shared by every auditing command."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import IO, Any, TypeVar

import click

from icecheck.model import AuditResult, ExitCode, InputDocument, InputStatus, Severity

F = TypeVar("F", bound=Callable[..., Any])
SEVERITIES = [s.value for s in Severity]
FORMATS = ["text", "json"]


def output_options(f: F) -> F:
    """--format, --output, --policy, --fail-on."""
    f = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="Report format.",
    )(f)
    f = click.option(
        "-o",
        "--output",
        type=click.File("w", encoding="utf-8"),
        default=None,
        help="Write the report to FILE instead of stdout.",
    )(f)
    f = click.option(
        "--policy",
        default="default",
        show_default=True,
        type=click.Choice(["default", "relay-only", "no-host-ip"]),
        help="Policy preset.",
    )(f)
    f = click.option(
        "--fail-on",
        type=click.Choice(SEVERITIES),
        default="high",
        show_default=True,
        help="Exit 1 when a finding has at least this severity.",
    )(f)
    return f


def make_policy(policy: str, fail_on: str) -> Any:
    """The preset named on the command line with its fail-on level."""
    from icecheck.policy import preset

    return replace(preset(policy), fail_on=Severity(fail_on))


def finish(result: AuditResult, fmt: str, output: IO[str] | None) -> None:
    """Write the report, explain unreadable inputs on stderr, exit with the right code."""
    from icecheck.report import OutputFormat, exit_code, write

    code = int(exit_code(result))
    if code != ExitCode.USAGE or fmt != "text":  # nothing audited: the stderr line says it all
        write(result, OutputFormat(fmt), output, code)
    report_unreadable(result.inputs)
    sys.exit(code)


def report_unreadable(docs: Sequence[InputDocument]) -> None:
    """One line per input that yielded nothing, so a script sees why exit 2 happened."""
    for doc in docs:
        if doc.status in (InputStatus.UNREADABLE, InputStatus.EMPTY):
            from icecheck.render.safe import safe

            errors = [d for d in doc.diagnostics if d.level == "error"] or list(doc.diagnostics)
            d = errors[0] if errors else None
            where = d.origin.location() if d else doc.path
            click.echo(f"icecheck: {safe(where)}: {safe(d.message if d else 'nothing to audit')}", err=True)
