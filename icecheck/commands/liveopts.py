"""Options shared by the live commands (``gather``, ``nat``, ``browser``, ``serve``), and their usage errors.

``--offline`` (or ``ICECHECK_OFFLINE=1``, the same switch) means what it means for every
command: no packet leaves the machine. ``gather`` then gathers host candidates only and refuses
server options; ``nat``, which cannot test anything without sending, refuses to run, and so does
``browser`` (a browser announces its mDNS names on the local network whatever it is given);
``serve`` then refuses server options and any listening address but loopback.

Only click is imported here, so listing commands stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any, NoReturn, TypeVar

import click

from icecheck.commands.params import RESOLVER

F = TypeVar("F", bound=Callable[..., Any])


def server_options(f: F) -> F:
    """--stun (repeatable), --resolver, --timeout (3 s)."""
    help_ = "Bound on resolving the servers' names and asking them (NAT test included); silent servers are reported."
    return timed_server_options(3.0, help_)(f)


def timed_server_options(timeout: float | None, timeout_help: str = "") -> Callable[[F], F]:
    """--stun (repeatable), --resolver and, unless ``timeout`` is None, --timeout with that default."""

    def decorate(f: F) -> F:
        if timeout is not None:
            f = click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=timeout,
                             show_default=True, metavar="SECONDS", help=timeout_help)(f)  # fmt: skip
        f = click.option("--resolver", type=RESOLVER, default=None,
                         help="DNS server for STUN/TURN host names, and for the reverse DNS and ASN lookups "
                              "(default: the system resolver).")(f)  # fmt: skip
        f = click.option("--stun", "stun", multiple=True, metavar="URL",
                         help="STUN server, stun:HOST[:PORT]; repeatable.")(f)  # fmt: skip
        return f

    return decorate


def turn_options(f: F) -> F:
    """--turn (repeatable), --turn-user, --turn-password (or ICECHECK_TURN_PASSWORD), --public-stun."""
    f = click.option("--public-stun", is_flag=True, help="Also ask public STUN servers (stun.l.google.com, "
                     "stun1.l.google.com, stun.cloudflare.com): a third party then sees your address.")(f)  # fmt: skip
    f = click.option("--turn-password", default="", envvar="ICECHECK_TURN_PASSWORD", show_envvar=True,
                     metavar="SECRET",
                     help="TURN password; prefer the environment variable. Never printed.")(f)  # fmt: skip
    f = click.option("--turn-user", default="", metavar="NAME", help="TURN user name (long-term credentials).")(f)
    f = click.option("--turn", multiple=True, metavar="URL",
                     help="TURN server, turn:HOST[:PORT][?transport=udp|tcp].")(f)  # fmt: skip
    return f


def offline_option(text: str) -> Callable[[F], F]:
    """--offline, also set by ``ICECHECK_OFFLINE=1``; ``text`` says what it does to the command."""
    return click.option("--offline", is_flag=True, envvar="ICECHECK_OFFLINE", show_envvar=True, help=text)


def offline_words() -> str:
    """How the user asked for offline: ``--offline`` or ``ICECHECK_OFFLINE=1`` (for usage errors)."""
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    from_env = ctx is not None and ctx.get_parameter_source("offline") is ParameterSource.ENVIRONMENT
    return "ICECHECK_OFFLINE=1" if from_env else "--offline"


def lookup_time_option(f: F) -> F:
    """--lookup-timeout for ``gather``: one bound on all the lookups after gathering."""
    text = "Bound on all the lookups after gathering (RDAP, reverse DNS) together: the run takes at most --timeout "
    text += "plus this."
    return click.option("--lookup-timeout", type=click.FloatRange(min=0, min_open=True), default=5.0,
                        show_default=True, metavar="SECONDS", help=text)(f)  # fmt: skip


class LiveUsageError(click.ClickException):
    """A bad option value: one line ``icecheck: MESSAGE`` on stderr, exit 2."""

    exit_code = 2  # ExitCode.USAGE

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"icecheck: {self.format_message()}", err=True, file=file)


def usage(message: str) -> NoReturn:
    """Stop with a ``LiveUsageError`` (cli.main shows it and exits 2)."""
    raise LiveUsageError(message)


def write_nat(nat: Any, attempt: Any, fmt: str, output: IO[str] | None, code: int) -> None:
    """The ``icecheck nat`` report: the NAT section and the attempt, in the terminal, as JSON or HTML."""
    import sys

    if fmt == "json":
        from icecheck import __version__
        from icecheck.render.json_report import SCHEMA_VERSION, nat_dict
        from icecheck.render.safe import json_dumps

        report = {"schema_version": SCHEMA_VERSION, "tool": {"name": "icecheck", "version": __version__},
                  "exit_code": code, "nat": nat_dict(nat), "attempts": [{"kind": attempt.kind,
                  "target": attempt.target, "status": attempt.status, "detail": attempt.detail,
                  "elapsed": attempt.elapsed}]}  # fmt: skip
        (output or sys.stdout).write(json_dumps(report) + "\n")
        return
    if fmt == "html":
        from icecheck.render.html import document, h, nat_table

        said = f"asked {attempt.target}: {attempt.status} in {attempt.elapsed * 1000:.0f} ms"
        page = document("icecheck nat", f'{nat_table(nat)}\n<p class="dim">{h(said)}</p>\n<p>exit code {code}</p>')
        (output or sys.stdout).write(page)
        return
    from rich.text import Text

    from icecheck.render.safe import safe
    from icecheck.render.terminal import nat_view
    from icecheck.report import show

    asked = Text(safe(f"asked {attempt.target}: {attempt.status} in {attempt.elapsed * 1000:.0f} ms"), style="dim")
    show(lambda width: Text("\n").join([*nat_view(nat, width), asked]), output)
