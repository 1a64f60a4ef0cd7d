"""``icecheck serve``: the gathering page for any browser (your everyday one, a phone); audits as results come."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from icecheck.commands.common import ReportSettings, output_options
from icecheck.commands.liveopts import lookup_time_option, offline_option, timed_server_options, turn_options, usage

if TYPE_CHECKING:
    from icecheck.analysis.policy import Policy


@click.command("serve", short_help="Serve the gathering page for any browser.")
@click.option("--listen", default="127.0.0.1:0", show_default=True, metavar="HOST:PORT",
              help="Where to listen (port 0: any free one). 0.0.0.0:PORT lets other devices in "
                   "(a warning says so).")  # fmt: skip
@click.option("--once", is_flag=True, help="Stop after the first result.")
@timed_server_options(None)
@turn_options
@offline_option("Send no packet: no server options, loopback only; public addresses are looked up in the cache only.")
@click.option("--no-lookups", is_flag=True, help="Look nothing up (no RDAP, no reverse DNS).")
@lookup_time_option
@click.option("--strict", is_flag=True, help="Exit 3 when a server attempt failed.")
@output_options
def command(listen: str, once: bool, stun: tuple[str, ...], resolver: str | None, turn: tuple[str, ...],
            turn_user: str, turn_password: str, public_stun: bool, offline: bool, no_lookups: bool,
            lookup_timeout: float, strict: bool, report: ReportSettings, policy: Policy) -> None:  # fmt: skip
    """Serve icecheck's page on this machine; open it in any browser to audit what it signals.

    The URL printed holds a one-time token (requests without it are refused). The page gathers
    with the browser's RTCPeerConnection, asking only the --stun/--turn servers given, and sends
    the candidates back here: the audit shows in the page and here. Ctrl-C stops.

    \b
    Examples:
      icecheck serve                         # open the URL it prints
      icecheck serve --once -f json -o result.json
      icecheck serve --listen 0.0.0.0:8443   # for a phone on your LAN (warned)
    """
    import asyncio
    import sys

    from icecheck.audit import AuditSettings
    from icecheck.commands.liveopts import offline_words
    from icecheck.commands.lookups import live_auditor
    from icecheck.commands.serving import Printer
    from icecheck.live.browser_session import resolve_servers
    from icecheck.live.runner import choose
    from icecheck.live.serve import Service, exposed_warning
    from icecheck.live.urls import parse_host_port
    from icecheck.render.html import CSS, fragment

    fmt = report.fmt
    if fmt not in ("text", "json") and not once:
        usage(f"--format {fmt} writes one report: add --once (or use text or json, one report per result)")
    try:
        choice = choose(stun, turn, turn_user, turn_password, public_stun, resolver)
        host, port = parse_host_port(listen.removesuffix(":0"), 0)  # port 0: any free one
    except ValueError as exc:
        usage(str(exc))
    if offline and (stun or turn or public_stun or exposed_warning(host, port)):
        usage(f"{offline_words()} sends no packet: drop --stun, --turn and --public-stun, and listen on loopback")
    servers = asyncio.run(resolve_servers(choice, 5.0))
    auditor = live_auditor(AuditSettings(policy, strict), offline, resolver, no_lookups, lookup_timeout)
    try:
        output = None if report.output is None else open(report.output, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        usage(f"cannot write the report to {report.output}: {exc.strerror or exc}")
    printer = Printer(policy, auditor, fmt, output)
    try:
        service = Service((host, port), servers, printer.audit, printer.report, fragment, CSS)
    except OSError as exc:
        usage(f"cannot listen on {listen}: {exc.strerror or exc}")

    def announce() -> None:
        if warning := exposed_warning(host, service.server.address[1]):
            click.echo(f"icecheck: {warning}", err=True)
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else None
        click.echo(f"icecheck: open {service.url(shown)} in the browser to check (Ctrl-C stops)", err=True)

    codes = service.run(once, announce)
    sys.exit(max(codes, default=0))
