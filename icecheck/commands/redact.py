"""``icecheck redact``: strip addresses from a capture or signalling log before sharing it."""

from __future__ import annotations

import sys

import click

from icecheck.exitcodes import ExitCode


@click.command("redact")
@click.argument("source", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("-o", "--output", "target", type=click.Path(allow_dash=True, dir_okay=False), default="-",
              help="Write the redacted file here (default: stdout).")  # fmt: skip
@click.option("--keep-relay", "keep", multiple=True, metavar="ADDR",
              help="Keep this relay address (or CIDR range) as it is; repeatable.")  # fmt: skip
@click.option("--scrub-secrets", is_flag=True, help="Also replace ice-ufrag/ice-pwd, fingerprints and SDES keys.")
def command(source: str, target: str, keep: tuple[str, ...], scrub_secrets: bool) -> None:
    """Replace every IP address, MAC and mDNS name in SOURCE with documentation stand-ins.

    Reads SDP, SIP text, HAR, webrtc-internals dumps (gzipped or not), JSON signalling and
    pcap/pcapng. The same address always gets the same stand-in; the output stays valid in
    its format. A summary goes to stderr.
    """

    from icecheck.redact.formats import RedactError, redact_document
    from icecheck.redact.standins import StandIns
    from icecheck.render.safe import safe

    try:
        standins = StandIns(keep)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--keep-relay") from None
    try:
        data = sys.stdin.buffer.read() if source == "-" else open(source, "rb").read()  # noqa: SIM115
    except OSError as exc:
        click.echo(f"icecheck: {safe(source)}: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.USAGE))
    try:
        out, kind = redact_document(data, standins, scrub_secrets)
    except RedactError as exc:
        click.echo(f"icecheck: {safe(source)}: {exc}; nothing written", err=True)
        sys.exit(int(ExitCode.USAGE))
    if target == "-":
        sys.stdout.buffer.write(out)
        sys.stdout.buffer.flush()
    else:
        try:
            with open(target, "wb") as fh:
                fh.write(out)
        except OSError as exc:
            click.echo(f"icecheck: cannot write {safe(target)}: {exc.strerror or exc}", err=True)
            sys.exit(int(ExitCode.USAGE))
    counts = standins.counts()
    note = "; stand-ins reused (over 762 IPv4 addresses)" if standins.wrapped else ""
    click.echo(f"icecheck: redacted {kind}: {counts['addresses']} addresses, {counts['macs']} MACs, "
               f"{counts['names']} names, {counts['secrets']} secrets replaced{note}", err=True)  # fmt: skip
