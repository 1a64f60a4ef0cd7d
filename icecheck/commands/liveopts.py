"""Options shared by the live commands (``gather``, ``nat``), and their usage errors.

Only click is imported here, so listing commands stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any, NoReturn, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def server_options(f: F) -> F:
    """--stun (repeatable), --resolver, --timeout."""
    f = click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=3.0, show_default=True,
                     metavar="SECONDS", help="Bound on the whole run; silent servers are reported.")(f)  # fmt: skip
    f = click.option("--resolver", metavar="IP[:PORT]", default=None,
                     help="DNS server for STUN/TURN host names (default: the system resolver, "
                          "asked only when a URL holds a name).")(f)  # fmt: skip
    f = click.option("--stun", "stun", multiple=True, metavar="URL",
                     help="STUN server, stun:HOST[:PORT]; repeatable.")(f)  # fmt: skip
    return f


class LiveUsageError(click.ClickException):
    """A bad option value: one line ``icecheck: MESSAGE`` on stderr, exit 2."""

    exit_code = 2  # ExitCode.USAGE

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"icecheck: {self.format_message()}", err=True, file=file)


def usage(message: str) -> NoReturn:
    """Stop with a ``LiveUsageError`` (cli.main shows it and exits 2)."""
    raise LiveUsageError(message)


def write_nat(nat: Any, attempt: Any, fmt: str, output: IO[str] | None, code: int) -> None:
    """The ``icecheck nat`` report: the NAT section and the attempt, in the terminal or as JSON."""
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
    from rich.text import Text

    from icecheck.render.safe import safe
    from icecheck.render.terminal import nat_view
    from icecheck.report import show

    asked = Text(safe(f"asked {attempt.target}: {attempt.status} in {attempt.elapsed * 1000:.0f} ms"), style="dim")
    show(lambda width: Text("\n").join([*nat_view(nat, width), asked]), output)
