"""Options and the finishing step shared by every auditing command.

``config_options`` adds ``--config FILE`` / ``--no-config`` and hands the command one typed
parameter in place of those two and its ``--policy`` and ``--fail-on``: ``policy: Policy``,
the policy file's policy (if any) with the flags given on the command line on top
(``make_policy``). ``finish`` takes that policy as a parameter.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from icecheck.model import AuditResult, ExitCode, InputDocument, InputStatus, Severity
from icecheck.report import OutputFormat

if TYPE_CHECKING:
    from icecheck.analysis.policy import Policy

SEVERITIES = [s.value for s in Severity]
FORMATS = [f.value for f in OutputFormat]


class ConfigUsageError(click.ClickException):
    """A bad policy file, or another setting that cannot be used (an unreachable Dask scheduler):
    one line on stderr, exit 2."""

    exit_code = int(ExitCode.USAGE)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"icecheck: {self.format_message()}", err=True, file=file)


def config_options(f: Callable[..., None]) -> Callable[..., None]:
    """--config FILE and --no-config; with the command's --policy and --fail-on they reach it as
    one parameter, ``policy: Policy`` (``make_policy``)."""

    @functools.wraps(f)
    def command(*args: Any, policy: str, fail_on: str, config: str | None, no_config: bool, **kwargs: Any) -> None:
        ctx = click.get_current_context()
        given = {name for name in ("policy", "fail_on") if _given(ctx, name)}
        f(*args, policy=make_policy(policy, fail_on, config, no_config, given), **kwargs)

    command = click.option(
        "--config",
        type=click.Path(dir_okay=False),
        help="Policy file (.icecheck.toml or pyproject.toml). Default: the nearest one upward from here.",
    )(command)
    command = click.option("--no-config", is_flag=True, help="Ignore policy files.")(command)
    return command


def output_options(f: Callable[..., None]) -> Callable[..., None]:
    """--format and --output (as ``fmt`` and ``output``); --policy, --fail-on, --config and
    --no-config (as ``policy: Policy``, ``config_options``)."""
    f = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="Report format.",
    )(f)
    f = click.option(
        "-o",
        "--output",
        type=click.File("w", encoding="utf-8"),
        default=None,
        help="Write the report to FILE instead of stdout.",
    )(f)
    f = click.option(
        "--policy",
        default="default",
        show_default=True,
        type=click.Choice(["default", "relay-only", "no-host-ip"]),
        help="Policy preset (overrides the policy file's).",
    )(f)
    f = click.option(
        "--fail-on",
        type=click.Choice(SEVERITIES),
        default="high",
        show_default=True,
        help="Exit 1 when a finding has at least this severity (overrides the policy file's).",
    )(f)
    return config_options(f)


def load_file_policy(config: str | None, no_config: bool) -> Policy | None:
    """The policy from ``config`` or the nearest policy file, or None (ConfigUsageError if bad)."""
    from icecheck.config import ConfigError, find_config, load_policy

    if no_config:
        return None
    path = Path(config) if config else find_config(Path.cwd())
    if path is None:
        return None
    try:
        return load_policy(path)
    except ConfigError as exc:
        raise ConfigUsageError(str(exc)) from None


def _given(ctx: click.Context, name: str) -> bool:
    """True when the user typed ``--name`` (or set it through the environment)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source not in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def make_policy(policy: str, fail_on: str, config: str | None, no_config: bool, given: Collection[str]) -> Policy:
    """The policy file's policy (if any) with command-line flags on top: ``policy`` (a preset
    name) and ``fail_on`` override the file's when they are in ``given``; without a file they
    make the policy."""
    from icecheck.analysis.policy import preset

    result = load_file_policy(config, no_config)
    if result is None:
        return replace(preset(policy), fail_on=Severity(fail_on))
    if "policy" in given and policy != result.preset:
        keep = ("relays", "allow", "source", "disabled", "severities", "fail_on")
        result = replace(preset(policy), **{key: getattr(result, key) for key in keep})
    if "fail_on" in given:
        result = replace(result, fail_on=Severity(fail_on))
    return result


def finish(result: AuditResult, policy: Policy, fmt: str, output: IO[str] | None) -> None:
    """Apply the policy's allowlists, write the report, explain unreadable inputs, exit."""
    from icecheck.analysis.policy import drop_allowed
    from icecheck.report import exit_code, write

    result = drop_allowed(result, policy)
    code = int(exit_code(result))
    audited = any(d.status in (InputStatus.OK, InputStatus.PARTIAL) for d in result.inputs)
    if audited or fmt != "text":  # nothing audited: the stderr lines say it all
        write(result, OutputFormat(fmt), output, code)
    report_unreadable(result.inputs)
    sys.exit(code)


def report_unreadable(docs: Sequence[InputDocument]) -> None:
    """One line per input that yielded nothing, so a script sees why exit 2 happened."""
    for doc in docs:
        if doc.unaudited:
            from icecheck.render.safe import safe

            click.echo(f"icecheck: {safe(doc.path)}: {doc.unaudited} items not audited: partial audit", err=True)
        if doc.status in (InputStatus.UNREADABLE, InputStatus.EMPTY):
            from icecheck.render.safe import safe

            errors = [d for d in doc.diagnostics if d.level == "error"] or list(doc.diagnostics)
            d = errors[0] if errors else None
            where = d.origin.location() if d else doc.path
            click.echo(f"icecheck: {safe(where)}: {safe(d.message if d else 'nothing to audit')}", err=True)
