"""``icecheck sdp``: audit SDP files, offline."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import click

from icecheck.commands.common import ReportSettings, finish, output_options
from icecheck.commands.lookups import lookup_options

if TYPE_CHECKING:
    from icecheck.analysis.policy import Policy
    from icecheck.enrich.config import LookupSettings


@click.command("sdp", short_help="Audit SDP offers, answers and candidate lists.")
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Exit by the findings even when a file was read only in part (a malformed candidate or line "
    "reported and skipped; else exit 2).",
)
@output_options
@lookup_options
def command(
    files: tuple[str, ...],
    allow_partial: bool,
    report: ReportSettings,
    policy: Policy,
    lookups: LookupSettings,
    strict: bool,
) -> None:
    """Audit the candidates and addresses in SDP files (offers, answers, candidate lists).

    FILES may be '-' for standard input. Public addresses are looked up (RDAP, reverse DNS)
    unless --offline; nothing else is sent.

    \b
    Examples:
      icecheck sdp offer.sdp
      icecheck sdp offer.sdp --offline -q          # the verdict and the findings
      icecheck sdp *.sdp --policy relay-only -f sarif -o icecheck.sarif
      pbpaste | icecheck sdp - --ignore ICE011
    """
    from icecheck.audit import AuditSettings
    from icecheck.commands.lookups import audit_with_lookups
    from icecheck.inputs.sdpfile import read_sdp_path

    docs = [read_sdp_path(path) for path in files]
    result = audit_with_lookups(docs, AuditSettings(policy, strict), lookups)
    finish(replace(result, allow_partial=allow_partial), policy, report)
