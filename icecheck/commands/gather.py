"""``icecheck gather``: what this machine exposes when it places a call (live, through STUN/TURN)."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

import click

from icecheck.commands.common import finish, output_options
from icecheck.commands.liveopts import server_options, usage

if TYPE_CHECKING:
    from icecheck.analysis.policy import Policy

MODES = ["mode1", "mode2", "mode3", "mode4", "chrome", "chrome-permission", "firefox", "relay-only"]  # modes.Mode


@click.command("gather")
@server_options
@click.option("--turn", multiple=True, metavar="URL", help="TURN server, turn:HOST[:PORT][?transport=udp|tcp].")
@click.option("--turn-user", default="", metavar="NAME", help="TURN user name (long-term credentials).")
@click.option("--turn-password", default="", envvar="ICECHECK_TURN_PASSWORD", show_envvar=True, metavar="SECRET",
              help="TURN password; prefer the environment variable. Never printed.")  # fmt: skip
@click.option("--ipv6/--no-ipv6", default=True, show_default=True, help="Gather IPv6 host candidates too.")
@click.option("--public-stun", is_flag=True, help="Also ask public STUN servers (stun.l.google.com, "
              "stun1.l.google.com, stun.cloudflare.com): a third party then sees your address.")  # fmt: skip
@click.option("--offline", is_flag=True, help="Send no packet at all: host candidates only.")
@click.option("--nat", "with_nat", is_flag=True, help="Also test the NAT (RFC 5780) with the first STUN server(s).")
@click.option("--as", "as_mode", type=click.Choice(MODES), default=None,
              help="Audit what a browser in this privacy mode would signal.")  # fmt: skip
@click.option("--strict", is_flag=True, help="Exit 3 when a server attempt failed.")
@output_options
def command(stun: tuple[str, ...], resolver: str | None, timeout: float, turn: tuple[str, ...], turn_user: str,
            turn_password: str, ipv6: bool, public_stun: bool, offline: bool, with_nat: bool, as_mode: str | None,
            strict: bool, fmt: str, output: IO[str] | None, policy: Policy) -> None:  # fmt: skip
    """Gather this machine's ICE candidates and audit what a call would expose.

    Host candidates with their interfaces, the public address from --stun or --public-stun, a
    relay from --turn; every server attempt is shown, and a table shows what each browser
    privacy mode would signal. Without a server only host candidates are gathered.
    """
    import asyncio
    from dataclasses import replace

    from icecheck.audit import AuditSettings
    from icecheck.commands.lookups import MAX_LOOKUPS, audit_with_lookups
    from icecheck.enrich.config import EnrichConfig, LookupSettings
    from icecheck.live.liveaudit import live_inputs
    from icecheck.live.modes import Mode
    from icecheck.live.runner import Progress, choose, run

    if offline and (stun or turn or public_stun or with_nat):
        usage("--offline sends no packet: drop --stun, --turn, --public-stun and --nat")
    if with_nat and not (stun or public_stun):
        usage("--nat needs a STUN server: --stun URL (a second --stun helps) or --public-stun")
    try:
        choice = choose(stun, turn, turn_user, turn_password, public_stun, resolver)
    except ValueError as exc:
        usage(str(exc))
    try:  # the lookups take --offline and --resolver too
        lookups = LookupSettings(EnrichConfig(offline=offline, resolver=resolver), MAX_LOOKUPS)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    progress = Progress(choice.targets, choice.nat_targets if with_nat else (), choice.resolver_name)
    with progress.shown():
        doc, nat, more = asyncio.run(run(choice, ipv6, timeout, offline, with_nat, progress))
    live = live_inputs(doc, mode=Mode(as_mode) if as_mode else None, offline=offline)
    result = audit_with_lookups([live.document], AuditSettings(policy, strict), lookups, candidates=live.candidates,
                                attempts=more, extra_exposures=live.exposures, nat=nat, notes=live.notes)  # fmt: skip
    finish(replace(result, browser_modes=live.browser_modes), policy, fmt, output)
