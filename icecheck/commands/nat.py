"""``icecheck nat``: how this machine's NAT maps and filters (RFC 5780), and what that means for a call."""

from __future__ import annotations

import sys

import click

from icecheck.commands.liveopts import offline_option, server_options, usage, write_nat


@click.command("nat", short_help="Test how this machine's NAT maps and filters.")
@server_options
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "html"], case_sensitive=False),
              default="text", show_default=True, help="Report format (any case).")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE", default=None,
              help="Write the report to FILE instead of stdout.")  # fmt: skip
@click.option("--strict", is_flag=True, help="Exit 3 when no server answered.")
@offline_option("Send no packet: nat then refuses to run (exit 2), as testing the NAT means sending packets.")
def command(stun: tuple[str, ...], resolver: str | None, timeout: float, fmt: str, output: str | None,
            strict: bool, offline: bool) -> None:  # fmt: skip
    """Test the NAT between this machine and a STUN server: mapping and filtering (RFC 5780).

    The full test needs a server that returns OTHER-ADDRESS and honours CHANGE-REQUEST (coturn
    with two listening addresses). With two ordinary servers (--stun twice) the mapping is
    still told; filtering is then inconclusive. Exit 0 whatever the NAT; 3 under --strict when
    no server answered. --timeout bounds the whole run, name resolution included.

    \b
    Examples:
      icecheck nat --stun stun:stun.example.net
      icecheck nat --stun stun:198.51.100.1 --stun stun:203.0.113.5:3478 -f json
    """
    import asyncio

    from icecheck.commands.liveopts import offline_words
    from icecheck.live.runner import Progress, choose, discover
    from icecheck.model import AttemptStatus

    if offline:  # first: whatever else is given, offline refuses
        usage(f"{offline_words()} sends no packet, and testing the NAT means sending some")
    if not stun or len(stun) > 2:
        usage("nat takes one or two --stun URL (the first one ideally with two addresses, RFC 5780)")
    try:
        choice = choose(stun, resolver=resolver)
    except ValueError as exc:
        usage(str(exc))
    progress = Progress((), choice.nat_targets, choice.resolver_name)
    with progress.shown():
        nat, attempt = asyncio.run(discover(choice, timeout, progress=progress))
    code = 3 if strict and attempt.status is not AttemptStatus.OK else 0
    from icecheck.commands.common import write_to

    write_to(None if output == "-" else output, (), lambda out: write_nat(nat, attempt, fmt, out, code))
    sys.exit(code)
