"""Choosing and writing the output format. Renderers are pure; this module does the writing."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import IO

from icecheck.model import AuditResult, ExitCode, InputStatus


class OutputFormat(StrEnum):
    """Every output format; a test checks that each one renders."""

    TEXT = "text"
    JSON = "json"


def exit_code(result: AuditResult) -> ExitCode:
    """0 clean, 1 findings at or above fail-on, 2 when no input could be audited."""
    if result.inputs and all(d.status is InputStatus.UNREADABLE for d in result.inputs):
        return ExitCode.USAGE
    if result.inputs and all(d.status in (InputStatus.UNREADABLE, InputStatus.EMPTY) for d in result.inputs):
        return ExitCode.USAGE
    if any(f.severity.rank >= result.fail_on.rank for f in result.findings):
        return ExitCode.FINDINGS
    return ExitCode.CLEAN


def write(result: AuditResult, fmt: OutputFormat, out: IO[str] | None, code: int) -> None:
    """Write the report to ``out`` (stdout when None)."""
    if fmt is OutputFormat.JSON:
        from icecheck.render.json_report import to_dict

        stream = out or sys.stdout
        json.dump(to_dict(result, code), stream, indent=2, ensure_ascii=False)  # streamed in chunks
        stream.write("\n")
        return
    from rich.console import Console

    from icecheck.render.terminal import render

    console = Console(file=out, highlight=False, soft_wrap=False) if out else Console(highlight=False)
    console.print(render(result, code))
