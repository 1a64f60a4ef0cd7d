"""Command line entry point: the group, subcommand registration, and the error contract."""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from icecheck import __version__
from icecheck.commands import COMMANDS
from icecheck.model import ExitCode


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="icecheck")
def cli() -> None:
    """Audit ICE candidates (WebRTC, SIP) for what they reveal about your network."""


for _name in COMMANDS:
    if importlib.util.find_spec(f"icecheck.commands.{_name}") is not None:
        cli.add_command(importlib.import_module(f"icecheck.commands.{_name}").command)


def main() -> None:
    """Console entry point: usage errors exit 2, internal errors exit 3, never a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(int(ExitCode.USAGE))
    except click.exceptions.Abort:
        sys.exit(int(ExitCode.USAGE))
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        click.echo(f"icecheck: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(int(ExitCode.FAILURE))
