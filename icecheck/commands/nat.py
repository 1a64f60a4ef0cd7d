"""``icecheck nat``: how this machine's NAT maps and filters (RFC 5780), and what that means for a call."""

from __future__ import annotations

import sys
from typing import IO

import click

from icecheck.commands.liveopts import offline_option, server_options, usage, write_nat


@click.command("nat")
@server_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default=None, help="Write to FILE.")
@click.option("--strict", is_flag=True, help="Exit 3 when no server answered.")
@offline_option("Send no packet: nat then refuses to run (exit 2), as testing the NAT means sending packets.")
def command(stun: tuple[str, ...], resolver: str | None, timeout: float, fmt: str, output: IO[str] | None,
            strict: bool, offline: bool) -> None:  # fmt: skip
    """Test the NAT between this machine and a STUN server: mapping and filtering (RFC 5780).

    The full test needs a server that returns OTHER-ADDRESS and honours CHANGE-REQUEST (coturn
    with two listening addresses). With two ordinary servers (--stun twice) the mapping is
    still told; filtering is then inconclusive. Exit 0 whatever the NAT; 3 under --strict when
    no server answered. --timeout bounds the whole run, name resolution included.
    """
    import asyncio

    from icecheck.commands.liveopts import offline_words
    from icecheck.live.runner import Progress, choose, discover
    from icecheck.model import AttemptStatus

    if not stun or len(stun) > 2:
        usage("nat takes one or two --stun URL (the first one ideally with two addresses, RFC 5780)")
    try:
        choice = choose(stun, resolver=resolver)
    except ValueError as exc:
        usage(str(exc))
    if offline:
        usage(f"{offline_words()} sends no packet, and testing the NAT means sending some")
    progress = Progress((), choice.nat_targets, choice.resolver_name)
    with progress.shown():
        nat, attempt = asyncio.run(discover(choice, timeout, progress=progress))
    code = 3 if strict and attempt.status is not AttemptStatus.OK else 0
    write_nat(nat, attempt, fmt, output, code)
    sys.exit(code)
