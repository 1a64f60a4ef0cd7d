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
    from icecheck.model import InputDocument


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

    A file that holds no SDP text but signalling in another shape (an offer saved as JSON, a
    candidate log, a SIP message) is read as icecheck scan reads it.

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
    from icecheck.inputs.progress import auditing

    docs = [_read(path) for path in files]
    with auditing(docs):
        result = audit_with_lookups(docs, AuditSettings(policy, strict), lookups)
    finish(replace(result, allow_partial=allow_partial), policy, report)


def _read(path: str) -> InputDocument:
    """``path`` read as SDP text; a file that holds none but holds signalling in another shape — an
    offer as JSON (``JSON.stringify(pc.localDescription)``), an application's candidate log, a SIP
    message — read as ``icecheck scan`` reads it, since the audit is what was asked for. Standard
    input (``-``) is copied to a temporary file first, so that it can be read both ways."""
    import os
    import sys

    from icecheck.inputs.source import spool

    if path != "-":
        return _read_as(path, path)
    copied = spool(sys.stdin.buffer)
    try:
        return _read_as(copied.file, "<stdin>")
    finally:
        os.unlink(copied.file)


def _read_as(path: str, name: str) -> InputDocument:
    """``_read`` of the file ``path``, named ``name`` in the report."""
    import os

    from icecheck.inputs.sdpfile import read_sdp_path
    from icecheck.inputs.source import Spooled
    from icecheck.model import InputStatus

    doc = read_sdp_path(path, name)
    if doc.status is not InputStatus.UNREADABLE or not os.path.isfile(path):
        return doc
    from icecheck.inputs.scanner import scan_file

    found = scan_file(name, data=None if name == path else Spooled(path)).document
    return found if found.candidates or found.addresses or found.end_of_candidates else doc
