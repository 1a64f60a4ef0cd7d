"""``icecheck browser``: what the browsers installed here really signal (headless, this machine only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from icecheck.commands.common import ReportSettings, finish_runs, output_options
from icecheck.commands.liveopts import lookup_time_option, offline_option, timed_server_options, turn_options, usage

if TYPE_CHECKING:
    from icecheck.analysis.policy import Policy

SCENARIOS = ["default", "permission", "relay-only"]  # page.SCENARIOS


@click.command("browser", short_help="Audit what your installed browsers signal.")
@click.option("--browser", "browsers", multiple=True, metavar="NAME|PATH",
              help="chromium, chrome, edge, brave, firefox, firefox-esr or an executable; repeatable. "
                   "Default: every browser found.")  # fmt: skip
@click.option("--scenario", "scenarios", multiple=True, type=click.Choice(SCENARIOS),
              help="default (no camera/microphone permission), permission (granted, fake devices), "
                   "relay-only (needs --turn); repeatable. Default: all.")  # fmt: skip
@timed_server_options(
    60.0,
    "Bound on the launches (browser start to result, each browser x scenario); a late browser is a run that timed out.",
)
@turn_options
@click.option("--profile", type=click.Path(file_okay=False), default=None, metavar="FOLDER",
              help="A Firefox profile whose WebRTC prefs (media.peerconnection.*) the Firefox runs "
                   "apply; it is only read.")  # fmt: skip
@offline_option(
    "Send no packet: browser then refuses to run (exit 2), as a browser announces its mDNS names on "
    "the local network whatever it is given."
)
@click.option("--no-lookups", is_flag=True, help="Look nothing up after the runs (no RDAP, no reverse DNS).")
@lookup_time_option
@click.option("--strict", is_flag=True, help="Exit 3 when a browser was missing, failed or timed out.")
@output_options
def command(browsers: tuple[str, ...], scenarios: tuple[str, ...], stun: tuple[str, ...], resolver: str | None,
            timeout: float, turn: tuple[str, ...], turn_user: str, turn_password: str, public_stun: bool,
            profile: str | None, offline: bool, no_lookups: bool, lookup_timeout: float, strict: bool,
            report: ReportSettings, policy: Policy) -> None:  # fmt: skip
    """Audit the candidates your installed browsers really produce.

    Each browser starts headless with a throw-away profile, opens a page icecheck serves on
    127.0.0.1 and gathers with RTCPeerConnection, asking only the --stun/--turn servers given
    (none by default). Enterprise WebRTC policies apply as in your browser; --profile brings a
    Firefox profile's WebRTC prefs. Each run is compared with icecheck's own gathering.

    \b
    Examples:
      icecheck browser           # every browser found, every scenario
      icecheck browser --browser firefox --scenario default -q
      icecheck browser --stun stun:stun.example.net -f html -o browsers.html
    """
    import time

    from icecheck.audit import AuditSettings
    from icecheck.commands.liveopts import offline_words
    from icecheck.commands.lookups import live_auditor
    from icecheck.inputs.progress import spinner
    from icecheck.live import browsers as found
    from icecheck.live.browser_session import run_all
    from icecheck.live.browser_settings import profile_prefs
    from icecheck.live.page import SCENARIOS as BY_NAME
    from icecheck.live.runner import choose
    from icecheck.render.html import CSS
    from icecheck.report import RUN_FORMATS, OutputFormat

    deadline = time.monotonic() + timeout
    try:
        choice = choose(stun, turn, turn_user, turn_password, public_stun, resolver)
        chosen = found.choose(browsers)
        prefs = profile_prefs(profile) if profile else []
    except (ValueError, OSError) as exc:
        usage(str(exc))
    if not chosen:
        usage("no browser found in the usual places; name one with --browser PATH")
    plans = [(b, BY_NAME[s]) for b in chosen for s in (scenarios or SCENARIOS)]
    if OutputFormat(report.fmt) not in RUN_FORMATS and len(plans) != 1:
        usage(f"--format {report.fmt} shows one run: choose one --browser and one --scenario")
    if offline:
        usage(f"{offline_words()} sends no packet, and a browser announces its mDNS names on the local network")
    auditor = live_auditor(AuditSettings(policy, strict), offline, resolver, no_lookups, lookup_timeout)
    with spinner("starting") as say:  # a name given as --browser PATH is shown escaped
        runs, _ = run_all(choice, plans, prefs, deadline, CSS, auditor, say)
    finish_runs(runs, policy, report, strict)
