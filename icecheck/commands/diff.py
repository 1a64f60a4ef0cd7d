"""``icecheck diff A B``: what changed between two audits (VPN on/off, before/after a change)."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from icecheck.commands.common import PRESETS, SEVERITIES, config_options, offline_accepted, write_to
from icecheck.exitcodes import ExitCode

if TYPE_CHECKING:
    from icecheck.analysis.policy import Policy
    from icecheck.model import AuditResult


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
    from icecheck.analysis.diff import compare, to_dict, to_text
    from icecheck.render.safe import json_dumps

    sides = [_load(path, policy) for path in (a, b)]
    d = compare(sides[0], sides[1], a, b, policy.fail_on, allow_partial)
    if fmt == "json":
        text = json_dumps(to_dict(d)) + "\n"
    elif fmt == "html":
        from icecheck.render.html import text_html

        text = text_html("icecheck diff", to_text(d))
    else:
        text = to_text(d)
        if output in (None, "-") and sys.stdout.isatty():  # a terminal: lines no wider than it
            import shutil

            from icecheck.render.layout import fold

            text = fold(text, shutil.get_terminal_size().columns)
    write_to(None if output == "-" else output, (a, b), lambda out: (out or sys.stdout).write(text))
    sys.exit(d.exit_code())


def _load(path: str, policy: Policy) -> dict[str, Any]:
    """A JSON report as is, or the report of auditing the input (exit 2 when unreadable)."""
    from icecheck.analysis.diff import is_report

    try:
        raw = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()  # noqa: SIM115
    except OSError as exc:
        from icecheck.render.safe import safe

        click.echo(f"icecheck: {safe(path)}: {safe(exc.strerror or str(exc))}", err=True)
        sys.exit(int(ExitCode.USAGE))
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if is_report(value):
        return dict(value)
    return _audit(path, raw, policy)


def _audit(path: str, raw: bytes, policy: Policy) -> dict[str, Any]:
    from icecheck.analysis.policy import drop_allowed
    from icecheck.audit import AuditSettings, audit
    from icecheck.report import exit_code

    docs = _read(path, raw)
    result = replace(drop_allowed(audit(docs, AuditSettings(policy)), policy), allow_partial=True)  # named in the diff
    code = exit_code(result)
    if code == ExitCode.USAGE:  # nothing to compare: the side gave nothing to audit
        from icecheck.commands.common import report_unreadable

        report_unreadable(result.inputs)
        sys.exit(int(ExitCode.USAGE))
    return _compared(result, int(code))


def _compared(result: AuditResult, code: int) -> dict[str, Any]:
    """What ``analysis.diff.compare`` reads of ``result``'s JSON report: its inputs, exposures and
    findings as the report has them, and each candidate and address by what it is compared by (its
    type or role, and address), not whole (the whole report of a capture of 150,000 STUN clients
    held 892 MB)."""
    from icecheck.render.json_report import to_dict

    report = to_dict(result, code, only=("schema_version", "inputs", "exposures", "findings"))
    report["candidates"] = [
        {"type": c.record.candidate.type, "address": c.record.candidate.address} for c in result.candidates
    ]
    report["addresses"] = [{"role": str(a.record.role), "address": a.record.address} for a in result.addresses]
    return report


def _read(path: str, raw: bytes) -> list[Any]:
    """Read with the capture scanner when there is one, else as SDP."""
    import importlib

    try:
        scanner: Any = importlib.import_module("icecheck.inputs.scanner")
    except ImportError:
        scanner = None
    if scanner is not None and path != "-":
        return [o.document for o in scanner.scan_paths((path,), None, None)]
    import io

    from icecheck.inputs.sdpfile import read_sdp_stream

    return [read_sdp_stream(io.BytesIO(raw), path)]
