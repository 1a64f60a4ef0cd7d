"""``icecheck scan``: audit captured signalling (pcap, SIP logs, HAR, webrtc-internals, JSON)."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING

import click

from icecheck.commands.common import ConfigUsageError, ReportSettings, finish, output_options
from icecheck.commands.lookups import lookup_options

if TYPE_CHECKING:
    from icecheck.analysis.policy import Policy
    from icecheck.enrich.config import LookupSettings

FORMATS = ["pcap", "pcapng", "har", "webrtc-internals", "rtcstatsdump", "trickle", "json", "sip", "sdp", "text"]


@click.command("scan", short_help="Audit captures, SIP logs, HAR files and dumps.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "--input-format",
    type=click.Choice(FORMATS, case_sensitive=False),
    default=None,
    metavar="FORMAT",
    help=f"Read every file as this format instead of recognising it by content: {', '.join(FORMATS)}.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes reading in parallel: a folder's files, and a large capture split across them. "
    "Default: the CPUs available. The report is the same whatever the number.",
)
@click.option(
    "--dask",
    metavar="tcp://HOST:PORT",
    default=None,
    help="Read on this Dask scheduler's workers (pip install 'icecheck[dask]'; they must see PATHS).",
)
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Exit by the findings even when an input was read only in part: damaged parts reported and "
    "skipped, or its bound on distinct items reached (else exit 2).",
)
@output_options
@lookup_options
def command(
    paths: tuple[str, ...],
    input_format: str | None,
    jobs: int | None,
    dask: str | None,
    allow_partial: bool,
    report: ReportSettings,
    policy: Policy,
    lookups: LookupSettings,
    strict: bool,
) -> None:
    """Audit the candidates and addresses in captures and saved signalling.

    PATHS are files, directories (walked; files without signalling are skipped quietly, -v lists
    them) or - for standard input. Formats are recognised by content: pcap/pcapng
    (also gzipped), SIP message logs, HAR, webrtc-internals dumps, RTCStatsDump, trickle JSON
    lines, JSON signalling of any shape, SDP, Jingle XML and text logs. Public addresses are
    looked up (RDAP, reverse DNS) unless --offline; nothing else is sent.

    A file named in PATHS that cannot be read or holds nothing to audit makes the run exit 2
    after the report of the others; files in a folder that hold no signalling are skipped and
    counted.

    \b
    Examples:
      icecheck scan call.pcapng
      icecheck scan captures/ --offline -v    # every detail, skipped files listed
      icecheck scan webrtc_internals_dump.txt -f markdown > report.md
      tcpdump -w - port 5060 | icecheck scan -
    """
    from icecheck.audit import AuditSettings
    from icecheck.commands.lookups import audit_with_lookups
    from icecheck.inputs import grouping, parallel, wire
    from icecheck.inputs.detect import Format
    from icecheck.inputs.progress import auditing, progress
    from icecheck.inputs.scanner import ClusterError, scan_inputs
    from icecheck.model import InputDocument, InputKind, InputStatus

    forced = Format(input_format) if input_format else None
    stdin = sys.stdin.buffer if "-" in paths else None  # copied to a temporary file as it is read
    try:
        with progress(p for p in paths if p != "-") as tick:
            run = scan_inputs(paths, forced, tick, stdin, parallel.reader(forced, jobs, dask, tick))
    except ClusterError as exc:
        raise ConfigUsageError(str(exc)) from None
    outputs = run.outputs
    docs = [o.document for o in outputs]
    facts = [f for o in outputs for f in o.wire]
    notes = [*grouping.notes(*grouping.counted(docs, grouping.MAX_NOTES)), *wire.software_notes(facts)]
    notes += [o.summary for o in outputs if o.summary]
    docs += [InputDocument(path, InputKind.UNKNOWN, InputStatus.SKIPPED) for path in run.skipped]  # counted, -v lists
    settings = AuditSettings(policy, strict)
    with auditing(docs):
        result = audit_with_lookups(docs, settings, lookups, extra_exposures=wire.wire_exposures(docs, facts),
                                    notes=notes)  # fmt: skip
    finish(replace(result, allow_partial=allow_partial), policy, report)
