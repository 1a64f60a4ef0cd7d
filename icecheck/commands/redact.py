"""``icecheck redact``: strip addresses from a capture or signalling log before sharing it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from icecheck.commands.common import offline_accepted
from icecheck.exitcodes import ExitCode


@click.command("redact", short_help="Replace addresses in a capture before sharing it.")
@click.argument("source", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("-o", "--output", "target", type=click.Path(allow_dash=True, dir_okay=False), default="-",
              metavar="FILE", help="Write the redacted file to FILE (default: stdout).")  # fmt: skip
@click.option("--keep-relay", "keep", multiple=True, metavar="ADDR",
              help="Keep this relay address (or CIDR range) as it is; repeatable.")  # fmt: skip
@click.option("--scrub-secrets", is_flag=True, help="Also replace ice-ufrag/ice-pwd, fingerprints and SDES keys.")
@offline_accepted
def command(source: str, target: str, keep: tuple[str, ...], scrub_secrets: bool) -> None:
    """Replace every IP address, MAC and mDNS name in SOURCE with documentation stand-ins.

    Reads SDP, SIP text, HAR, webrtc-internals dumps (gzipped or not), JSON signalling and
    pcap/pcapng (streamed: any size, bounded memory). The same address always gets the same
    stand-in; the output stays valid in its format. The output is checked before it is kept: if an
    original would survive, nothing is written (exit 3). A summary goes to stderr, and on a
    terminal a progress line while it works (each pass over the input, then the check).

    \b
    Examples:
      icecheck redact call.pcapng -o call-redacted.pcapng
      icecheck redact webrtc_internals_dump.txt --scrub-secrets > shareable.txt
    """
    from icecheck.redact.archive import RedactError
    from icecheck.redact.files import Incomplete, WriteError, redact_file
    from icecheck.redact.progress import watching
    from icecheck.redact.standins import StandIns
    from icecheck.render.safe import safe

    _check_target(source, target)
    try:
        standins = StandIns(keep)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--keep-relay") from None
    try:
        with watching() as watch:  # a line on stderr when it is a terminal, gone before anything is said
            kind = redact_file(source, target, standins, scrub_secrets, watch)
    except WriteError as exc:
        _stop(f"cannot write {safe(target)}: {exc}", ExitCode.USAGE)
    except OSError as exc:
        _stop(f"{safe(source)}: {exc.strerror or exc}", ExitCode.USAGE)
    except RedactError as exc:
        _stop(f"{safe(source)}: {safe(str(exc))}; nothing written", ExitCode.USAGE)  # (names member files)
    except Incomplete as exc:  # fail closed: the output was checked before it was kept
        left = exc.left
        shown = ", ".join(safe(s) for s in left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
        _stop(f"{safe(source)}: redaction incomplete, nothing written: {len(left)} original identifier(s) "
              f"would survive: {shown}", ExitCode.FAILURE)  # fmt: skip
    counts = standins.counts()
    note = "; over 762 IPv4 addresses: the rest stand in from 240.0.0.0/4" if standins.wrapped else ""
    note += "".join(f"; {n} {why}" for why, n in sorted(standins.left_out.items()))
    click.echo(f"icecheck: redacted {kind}: {counts['addresses']} addresses, {counts['macs']} MACs, "
               f"{counts['names']} names, {counts['secrets']} secrets replaced; output checked{note}",
               err=True)  # fmt: skip


def _check_target(source: str, target: str) -> None:
    """Refuse what would destroy the input or spill binary data onto a terminal."""
    if target == "-" and sys.stdout.isatty():
        raise click.UsageError("refusing to write a redacted file to a terminal: give -o FILE or pipe the output")
    if target != "-" and source != "-" and Path(target).resolve() == Path(source).resolve():
        raise click.UsageError("-o names the input itself: write the redacted copy to another file")


def _stop(message: str, code: ExitCode) -> NoReturn:
    click.echo(f"icecheck: {message}", err=True)
    sys.exit(int(code))
