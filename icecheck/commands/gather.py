"""``icecheck gather``: what this machine exposes when it places a call (live, through STUN/TURN)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from icecheck.commands.common import ReportSettings, finish, output_options
from icecheck.commands.liveopts import lookup_time_option, offline_option, server_options, turn_options, usage
from icecheck.commands.lookups import geoip_options

if TYPE_CHECKING:
    from icecheck.analysis.policy import Policy
    from icecheck.enrich.geoip_discover import DatabasePath

MODES = ["mode1", "mode2", "mode3", "mode4", "chrome", "chrome-permission", "firefox", "relay-only"]  # modes.Mode


@click.command("gather", short_help="Gather this machine's candidates and audit them.")
@server_options
@turn_options
@click.option("--ipv6/--no-ipv6", default=True, show_default=True, help="Gather IPv6 host candidates too.")
@offline_option("Send no packet at all: host candidates only; public addresses are looked up in the cache only.")
@click.option("--no-lookups", is_flag=True,
              help="Look nothing up after gathering (no RDAP, no reverse DNS, no GeoIP database).")  # fmt: skip
@lookup_time_option
@click.option("--nat", "with_nat", is_flag=True, help="Also test the NAT (RFC 5780) with the first STUN server(s).")
@click.option("--as", "as_mode", type=click.Choice(MODES, case_sensitive=False), default=None,
              help="Audit what a browser in this privacy mode would signal.")  # fmt: skip
@click.option("--strict", is_flag=True, help="Exit 3 when a server or lookup attempt failed.")
@geoip_options
@output_options
def command(stun: tuple[str, ...], resolver: str | None, timeout: float, turn: tuple[str, ...], turn_user: str,
            turn_password: str, ipv6: bool, public_stun: bool, offline: bool, no_lookups: bool, lookup_timeout: float,
            with_nat: bool, as_mode: str | None, strict: bool, geoip: tuple[DatabasePath, ...],
            report: ReportSettings, policy: Policy) -> None:  # fmt: skip
    """Gather this machine's ICE candidates and audit what a call would expose.

    Host candidates with their interfaces, the public address from --stun or --public-stun, a
    relay from --turn; every server attempt is shown, and a table shows what each browser
    privacy mode would signal. Without a server only host candidates are gathered. Public
    addresses are then looked up (RDAP, reverse DNS) unless --no-lookups or --offline: the
    run takes at most --timeout plus --lookup-timeout seconds; and in the GeoIP databases
    (--geoip-db, ICECHECK_GEOIP_DB, the standard folders) unless --no-lookups.

    \b
    Examples:
      icecheck gather --offline      # host candidates only, no packet sent
      icecheck gather --stun stun:stun.example.net --nat
      export ICECHECK_TURN_PASSWORD=…
      icecheck gather --turn turn:turn.example.net --turn-user me
    """
    import asyncio
    from dataclasses import replace

    from icecheck.audit import AuditSettings
    from icecheck.commands.liveopts import offline_words
    from icecheck.commands.lookups import MAX_LOOKUPS, audit_with_lookups
    from icecheck.commands.params import given, refuse_with
    from icecheck.enrich.config import EnrichConfig, LookupSettings
    from icecheck.live.liveaudit import live_inputs
    from icecheck.live.modes import Mode
    from icecheck.live.runner import Progress, choose, run

    ctx = click.get_current_context()
    for name in ("turn_user", "turn_password"):
        if given(ctx, name) and not turn:
            usage(f"--{name.replace('_', '-')} does nothing without --turn URL")
    refuse_with(ctx, "offline", ["resolver"], "--offline sends no packet, to a DNS server neither")
    refuse_with(ctx, "no_lookups", ["lookup_timeout"], "--no-lookups looks nothing up")
    try:
        choice = choose(stun, turn, turn_user, turn_password, public_stun, resolver)
    except ValueError as exc:
        usage(str(exc))
    if with_nat and not (stun or public_stun):
        usage("--nat needs a STUN server: --stun URL (a second --stun helps) or --public-stun")
    if offline and (stun or turn or public_stun or with_nat):
        usage(f"{offline_words()} sends no packet: drop --stun, --turn, --public-stun and --nat")
    try:  # the lookups take --offline and --resolver too; --lookup-timeout bounds all of them together
        config = EnrichConfig(offline=offline, resolver=resolver, timeout=lookup_timeout, total_timeout=lookup_timeout,
                              rdap=not no_lookups, ptr=not no_lookups)  # fmt: skip
        lookups = LookupSettings(config, MAX_LOOKUPS, () if no_lookups else geoip)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    progress = Progress(choice.targets, choice.nat_targets if with_nat else (), choice.resolver_name)
    with progress.shown():
        doc, nat, more = asyncio.run(run(choice, ipv6, timeout, offline, with_nat, progress))
    live = live_inputs(doc, mode=Mode(as_mode) if as_mode else None, offline=offline)
    result = audit_with_lookups([live.document], AuditSettings(policy, strict), lookups, candidates=live.candidates,
                                attempts=more, extra_exposures=live.exposures, nat=nat, notes=live.notes)  # fmt: skip
    finish(replace(result, browser_modes=live.browser_modes), policy, report)
