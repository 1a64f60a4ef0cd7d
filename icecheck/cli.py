"""Command line entry point: the group, subcommand registration, and the error contract."""

from __future__ import annotations

import gc
import importlib
import sys
from typing import NoReturn

import click

from icecheck import __version__
from icecheck.commands import COMMANDS
from icecheck.exitcodes import ExitCode
from icecheck.render.safe import safe


class LazyGroup(click.Group):
    """Imports a subcommand's module only when that command runs (or help lists it): fast start."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self.get_command(ctx, name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name = f"icecheck.commands.{cmd_name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # not built yet in this version
                return None
            raise
        command: click.Command = module.command
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As click does, and a mistyped command name gets a "did you mean" (``scna`` → ``scan``)."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            import difflib  # only for a mistyped command: not on every start

            close = difflib.get_close_matches(args[0], self.list_commands(ctx), n=1, cutoff=0.6) if args else []
            if close:
                raise click.UsageError(f"No such command '{args[0]}'. Did you mean '{close[0]}'?", exc.ctx) from None
            raise


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="icecheck")
def cli() -> None:
    """Audit ICE candidates (WebRTC, SIP) for what they reveal about your network."""


def main() -> None:
    """Console entry point: usage errors exit 2, internal errors exit 3, never a traceback.

    The garbage-collector policy of the whole run is set here, once: no cyclic collection. An
    audit builds many small acyclic objects (a large capture's items, their report), and
    CPython's collector walked every live object again and again while they were built, a sixth
    of the run; reference counting frees them all the same. The process ends with this run.
    """
    gc.disable()
    try:
        cli.main(prog_name="icecheck", complete_var="_ICECHECK_COMPLETE", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        # Paths and values are input. Click ≥ 8.5 types ``message`` as Final, but every show() reads it.
        vars(exc)["message"] = "\n".join(safe(line) for line in exc.message.split("\n"))
        exc.show()
        sys.exit(int(ExitCode.USAGE))
    except click.exceptions.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            _interrupted()
        sys.exit(int(ExitCode.USAGE))
    except KeyboardInterrupt:
        _interrupted()
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        click.echo(f"icecheck: internal error: {type(exc).__name__}: {safe(str(exc))}", err=True)
        sys.exit(int(ExitCode.FAILURE))
    finally:
        # The process ends here. Shutdown would run full garbage collections over everything an
        # audit built (on a 1 GB capture, a seventh of the run); frozen objects are left out.
        gc.freeze()


def _interrupted() -> NoReturn:
    """Ctrl-C: one line and the shell's exit code for SIGINT (128 + 2), never a verdict's (``redact``
    removes its temporary file: the target is left as it was)."""
    click.echo("icecheck: interrupted", err=True)
    sys.exit(130)
