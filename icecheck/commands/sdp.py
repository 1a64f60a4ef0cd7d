"""``icecheck sdp``: audit SDP files, offline."""

from __future__ import annotations

from typing import IO

import click

from icecheck.commands.common import finish, make_policy, output_options


@click.command("sdp")
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@output_options
def command(files: tuple[str, ...], fmt: str, output: IO[str] | None, policy: str, fail_on: str) -> None:
    """Audit the candidates and addresses in SDP files (offers, answers, candidate lists).

    FILES may be '-' for standard input. Nothing is sent over the network.
    """
    from icecheck.audit import audit
    from icecheck.inputs.sdpfile import read_sdp_path

    docs = [read_sdp_path(path) for path in files]
    finish(audit(docs, make_policy(policy, fail_on)), fmt, output)
