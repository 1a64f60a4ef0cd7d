"""Command line: options → objects → audit → report → exit code. Nothing else lives here."""

from __future__ import annotations

import sys
from typing import IO

import click

from icecheck import __version__
from icecheck.model import ExitCode, Severity

SEVERITIES = [s.value for s in Severity]


def _output_options(f: click.decorators.FC) -> click.decorators.FC:
    f = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                     show_default=True, help="Report format.")(f)
    f = click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default=None,
                     help="Write the report to FILE instead of stdout.")(f)
    f = click.option("--policy", default="default", show_default=True,
                     type=click.Choice(["default", "relay-only", "no-host-ip"]), help="Policy preset.")(f)
    f = click.option("--fail-on", type=click.Choice(SEVERITIES), default="high", show_default=True,
                     help="Exit 1 when a finding has at least this severity.")(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="icecheck")
def cli() -> None:
    """Audit ICE candidates (WebRTC, SIP) for what they reveal about your network."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, allow_dash=True))
@_output_options
def sdp(files: tuple[str, ...], fmt: str, output: IO[str] | None, policy: str, fail_on: str) -> None:
    """Audit the candidates and addresses in SDP files (offers, answers, candidate lists).

    FILES may be '-' for standard input. Nothing is sent over the network.
    """
    from dataclasses import replace

    from icecheck.audit import audit
    from icecheck.inputs.sdpfile import read_sdp_path
    from icecheck.policy import preset
    from icecheck.report import OutputFormat, exit_code, write

    docs = [read_sdp_path(path) for path in files]
    pol = replace(preset(policy), fail_on=Severity(fail_on))
    result = audit(docs, pol)
    code = exit_code(result)
    write(result, OutputFormat(fmt), output, int(code))
    _report_unreadable(docs)
    sys.exit(int(code))


def _report_unreadable(docs: list[object]) -> None:
    """One line per unreadable input on stderr, so a script sees why exit 2 happened."""
    from icecheck.model import InputDocument, InputStatus
    from icecheck.render.safe import safe

    for doc in docs:
        if isinstance(doc, InputDocument) and doc.status in (InputStatus.UNREADABLE, InputStatus.EMPTY):
            message = doc.diagnostics[-1].message if doc.diagnostics else "nothing to audit"
            click.echo(f"icecheck: {safe(doc.path)}: {safe(message)}", err=True)


def main() -> None:
    """Console entry point: internal errors exit 3 with one line, never a traceback."""
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
    except Exception as exc:  # noqa: BLE001 - the promise is: no traceback, exit 3
        click.echo(f"icecheck: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(int(ExitCode.FAILURE))
