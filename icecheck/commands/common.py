"""Options and the finishing step shared by every auditing command.

``--config FILE`` / ``--no-config`` do not reach the command function (``expose_value=False``):
they are kept in the click context, so every command that uses ``output_options`` gains policy
files without a change to its signature. ``make_policy`` reads them, and flags given on the
command line (``--policy``, ``--fail-on``) override the file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, TypeVar

import click
from click.core import ParameterSource

from icecheck.model import AuditResult, ExitCode, InputDocument, InputStatus, Severity
from icecheck.report import OutputFormat

F = TypeVar("F", bound=Callable[..., Any])
SEVERITIES = [s.value for s in Severity]
FORMATS = [f.value for f in OutputFormat]
_CONFIG, _NO_CONFIG, _POLICY = "icecheck.config", "icecheck.no_config", "icecheck.analysis.policy"


class ConfigUsageError(click.ClickException):
    """A bad policy file: one line on stderr, exit 2."""

    exit_code = int(ExitCode.USAGE)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"icecheck: {self.format_message()}", err=True, file=file)


def _remember(key: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value:
            ctx.meta[key] = value

    return callback


def config_options(f: F) -> F:
    """--config FILE and --no-config, stored in the click context."""
    f = click.option(
        "--config",
        type=click.Path(dir_okay=False),
        expose_value=False,
        callback=_remember(_CONFIG),
        help="Policy file (.icecheck.toml or pyproject.toml). Default: the nearest one upward from here.",
    )(f)
    f = click.option(
        "--no-config",
        is_flag=True,
        expose_value=False,
        callback=_remember(_NO_CONFIG),
        help="Ignore policy files.",
    )(f)
    return f


def output_options(f: F) -> F:
    """--format, --output, --policy, --fail-on, --config, --no-config."""
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


def load_file_policy(ctx: click.Context | None) -> Any:
    """The policy from ``--config`` or the nearest policy file, or None (ConfigUsageError if bad)."""
    from icecheck.config import ConfigError, find_config, load_policy

    meta = ctx.meta if ctx is not None else {}
    if meta.get(_NO_CONFIG):
        return None
    explicit = meta.get(_CONFIG)
    path = Path(explicit) if explicit else find_config(Path.cwd())
    if path is None:
        return None
    try:
        return load_policy(path)
    except ConfigError as exc:
        raise ConfigUsageError(str(exc)) from None


def _given(ctx: click.Context | None, name: str) -> bool:
    """True when the user typed ``--name`` (or set it through the environment)."""
    if ctx is None:
        return True
    source = ctx.get_parameter_source(name)
    return source is not None and source not in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def make_policy(policy: str, fail_on: str) -> Any:
    """The policy file's policy (if any) with command-line flags on top; remembered for ``finish``."""
    from icecheck.analysis.policy import preset

    ctx = click.get_current_context(silent=True)
    result = load_file_policy(ctx)
    if result is None:
        result = replace(preset(policy), fail_on=Severity(fail_on))
    else:
        if _given(ctx, "policy") and policy != result.preset:
            keep = ("relays", "allow", "source", "disabled", "severities", "fail_on")
            result = replace(preset(policy), **{key: getattr(result, key) for key in keep})
        if _given(ctx, "fail_on"):
            result = replace(result, fail_on=Severity(fail_on))
    if ctx is not None:
        ctx.meta[_POLICY] = result
    return result


def finish(result: AuditResult, fmt: str, output: IO[str] | None) -> None:
    """Apply the policy's allowlists, write the report, explain unreadable inputs, exit."""
    from icecheck.analysis.policy import drop_allowed
    from icecheck.report import exit_code, write

    ctx = click.get_current_context(silent=True)
    policy = ctx.meta.get(_POLICY) if ctx is not None else None
    if policy is not None:
        result = drop_allowed(result, policy)
    code = int(exit_code(result))
    nothing = code == ExitCode.USAGE and not result.unaudited()
    if not nothing or fmt != "text":  # nothing audited: the stderr line says it all
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
