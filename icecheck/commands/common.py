"""Options and the finishing step shared by every auditing command.

``config_options`` adds ``--config FILE`` / ``--no-config`` and hands the command one typed
parameter in place of those two and its ``--policy`` and ``--fail-on``: ``policy: Policy``,
the policy file's policy (if any) with the flags given on the command line on top
(``make_policy``). ``output_options`` adds the report's options (``-f``, ``-o``, ``-q``, ``-v``,
``--exit-zero``: one parameter, ``report: ReportSettings``) and ``--select``/``--ignore``, which
narrow that policy. ``finish`` takes both.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from icecheck.commands.params import RULES, given, refuse_with
from icecheck.exitcodes import ExitCode
from icecheck.report import OutputFormat
from icecheck.severity import Severity

if TYPE_CHECKING:
    from icecheck.analysis.policy import Policy
    from icecheck.model import AuditResult, BrowserRun, InputDocument

SEVERITIES = [s.value for s in Severity]
FORMATS = [f.value for f in OutputFormat]
PRESETS = ["default", "relay-only", "no-host-ip"]


class ConfigUsageError(click.ClickException):
    """A bad policy file, a report that cannot be written, or another setting that cannot be used
    (an unreachable Dask scheduler): one line on stderr, exit 2."""

    exit_code = int(ExitCode.USAGE)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"icecheck: {self.format_message()}", err=True, file=file)


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """How the report is written: ``fmt`` (an ``OutputFormat`` value), ``output`` (a file, or None
    for stdout), ``detail`` of the text report (0 ``-q``, 1, 2 ``-v``) and ``exit_zero``
    (findings still exit 0; unreadable input and failures keep 2 and 3)."""

    fmt: str = "text"
    output: str | None = None
    detail: int = 1
    exit_zero: bool = False


def _resolving(f: Callable[..., None]) -> Callable[..., None]:
    """``f`` called with ``policy: Policy`` in place of --policy, --fail-on, --config and --no-config."""

    @functools.wraps(f)
    def command(*args: Any, policy: str, fail_on: str, config: str | None, no_config: bool, **kwargs: Any) -> None:
        ctx = click.get_current_context()
        refuse_with(ctx, "no_config", ["config"], "--no-config ignores policy files; give one or the other")
        given_now = {name for name in ("policy", "fail_on") if _given(ctx, name)}
        f(*args, policy=make_policy(policy, fail_on, config, no_config, given_now),
          **kwargs)  # fmt: skip

    return command


CONFIG_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("--config",), dict(type=click.Path(dir_okay=False), metavar="FILE", help="Policy file (.icecheck.toml or "
                         "pyproject.toml). Default: the nearest one upward from here.")),
    (("--no-config",), dict(is_flag=True, help="Ignore policy files.")),
)  # fmt: skip


def _with(
    command: Callable[..., None], options: Sequence[tuple[tuple[str, ...], dict[str, Any]]]
) -> Callable[..., None]:
    """``command`` with ``options``, shown by --help in the order given."""
    for names, kwargs in reversed(options):
        command = click.option(*names, **kwargs)(command)
    return command


def config_options(f: Callable[..., None]) -> Callable[..., None]:
    """--config FILE and --no-config; with the command's --policy and --fail-on they reach it as
    one parameter, ``policy: Policy`` (``make_policy``)."""
    return _with(_resolving(f), CONFIG_OPTIONS)


def output_options(f: Callable[..., None]) -> Callable[..., None]:
    """-f/--format, -o/--output, -q, -v, --exit-zero (as ``report: ReportSettings``); --select and
    --ignore (narrowing the policy); --policy, --fail-on, --config and --no-config (as ``policy:
    Policy``, ``config_options``)."""

    @functools.wraps(f)
    def command(*args: Any, fmt: str, output: str | None, quiet: bool, verbose: bool, exit_zero: bool,
                select: tuple[tuple[str, ...], ...], ignore: tuple[tuple[str, ...], ...], policy: Policy,
                **kwargs: Any) -> None:  # fmt: skip
        ctx = click.get_current_context()
        refuse_with(ctx, "quiet", ["verbose"], "give one of them")
        for name, letter in (("quiet", "q"), ("verbose", "v")):
            if fmt != "text" and given(ctx, name):
                raise click.UsageError(f"-{letter} shapes the text report, not --format {fmt}: drop one", ctx)
        report = ReportSettings(fmt, None if output in (None, "-") else output, 0 if quiet else 2 if verbose else 1,
                                exit_zero)  # fmt: skip
        f(*args, report=report, policy=narrow(policy, _flat(select), _flat(ignore)), **kwargs)

    options: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
        (("-f", "--format", "fmt"), dict(type=click.Choice(FORMATS, case_sensitive=False), default="text",
                                          show_default=True, help="Report format (any case).")),
        (("-o", "--output"), dict(type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE", default=None,
                                  help="Write the report to FILE instead of stdout (never over an input).")),
        (("-q", "--quiet"), dict(is_flag=True, help="Text report: the verdict and the findings only.")),
        (("-v", "--verbose"), dict(is_flag=True, help="Text report: every detail, uncapped, with the ids.")),
        (("--exit-zero",), dict(is_flag=True, help="Exit 0 even when findings reach --fail-on (2 and 3 stay).")),
        (("--select",), dict(type=RULES, multiple=True, help="Report only these rules (IDs or names, comma "
                                                                 "separated; narrows the policy file's).")),
        (("--ignore",), dict(type=RULES, multiple=True, help="Do not report these rules (added to the policy "
                                                                 "file's disabled rules).")),
        (("--policy",), dict(default="default", show_default=True, type=click.Choice(PRESETS, case_sensitive=False),
                             help="Policy preset (overrides the policy file's).")),
        (("--fail-on",), dict(type=click.Choice(SEVERITIES, case_sensitive=False), default="high",
                              show_default=True, metavar="SEVERITY",
                              help="Exit 1 when a finding has at least this severity: info, low, medium, high "
                                   "(overrides the policy file's).")),
        *CONFIG_OPTIONS,
    )  # fmt: skip
    return _with(_resolving(command), options)


def _flat(groups: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(rule for group in groups for rule in group))


def narrow(policy: Policy, select: Sequence[str], ignore: Sequence[str]) -> Policy:
    """``policy`` with ``ignore`` disabled too and, when ``select`` names rules, every other rule disabled."""
    if not select and not ignore:
        return policy
    from icecheck.analysis.rules import CATALOGUE

    disabled = set(policy.disabled) | set(ignore)
    if select:
        disabled |= set(CATALOGUE) - set(select)
    return replace(policy, disabled=frozenset(disabled))


def load_file_policy(config: str | None, no_config: bool) -> Policy | None:
    """The policy from ``config`` or the nearest policy file, or None (ConfigUsageError if bad)."""
    from icecheck.config import ConfigError, find_config, load_policy

    if no_config:
        return None
    path = Path(config) if config else find_config(Path.cwd())
    if path is None:
        return None
    try:
        loaded = load_policy(path)
    except ConfigError as exc:
        raise ConfigUsageError(str(exc)) from None
    return replace(loaded, source=os.path.relpath(loaded.source)) if loaded.source else loaded  # as a user names it


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


def finish(result: AuditResult, policy: Policy, report: ReportSettings) -> None:
    """Apply the policy's allowlists, write the report, explain unreadable inputs, exit."""
    from icecheck.analysis.policy import drop_allowed
    from icecheck.model import InputStatus
    from icecheck.report import exit_code, write

    result = drop_allowed(result, policy)
    code = int(exit_code(result))
    if report.exit_zero and code == ExitCode.FINDINGS:
        code = int(ExitCode.CLEAN)
    audited = any(d.status in (InputStatus.OK, InputStatus.PARTIAL) for d in result.inputs)
    if audited or report.fmt != "text":  # nothing audited: the stderr lines say it all
        fmt, detail = OutputFormat(report.fmt), None
        if fmt is OutputFormat.TEXT:  # only a text report needs the terminal renderer (and rich)
            from icecheck.render.terminal import Detail

            detail = Detail(report.detail)
        write_to(report.output, [d.path for d in result.inputs], lambda out: write(result, fmt, out, code, detail))
    report_unreadable(result.inputs, partial=not result.allow_partial)
    sys.exit(code)


def finish_runs(runs: Sequence[BrowserRun], policy: Policy, report: ReportSettings, strict: bool) -> None:
    """``finish`` for ``icecheck browser``: the policy's allowlists on every run, the report, a line
    on stderr for each run that gave no result, exit."""
    from icecheck.analysis.policy import drop_allowed
    from icecheck.render.safe import safe
    from icecheck.report import runs_exit_code, write_runs

    runs = [replace(r, result=drop_allowed(r.result, policy)) if r.result else r for r in runs]
    code, codes = runs_exit_code(runs, strict)
    if report.exit_zero and code == ExitCode.FINDINGS:
        code = ExitCode.CLEAN
    fmt = OutputFormat(report.fmt)
    write_to(report.output, (), lambda out: write_runs(runs, fmt, out, int(code), codes))
    for run in runs:
        if run.result is None and run.outcome != "ok":
            click.echo(f"icecheck: {safe(run.name)} ({run.scenario}): {run.outcome}: {safe(run.detail)}", err=True)
    sys.exit(int(code))


# ``--offline`` on the commands that never send a packet: accepted, so that ``--offline`` and
# ICECHECK_OFFLINE=1 mean the same on every command (a script may pass it to all of them).
offline_accepted = click.option(
    "--offline", is_flag=True, expose_value=False, help="Accepted as on every command: this one never sends a packet."
)


def write_to(path: str | None, inputs: Sequence[str], write: Callable[[IO[str] | None], object]) -> None:
    """Run ``write`` on stdout (``path`` None) or on the file ``path``, which must not be one of
    ``inputs``. Nothing is written then; a write error is one line, exit 2 (``ConfigUsageError``)."""
    if path is None:
        write(None)
        return
    for name in inputs:
        if os.path.exists(name) and os.path.exists(path) and os.path.samefile(name, path):
            raise ConfigUsageError(f"-o {path} is an input: the report would overwrite it (nothing written)")
    try:
        with open(path, "w", encoding="utf-8") as stream:
            write(stream)
    except OSError as exc:
        raise ConfigUsageError(f"cannot write the report to {path}: {exc.strerror or exc}") from None


def report_unreadable(docs: Sequence[InputDocument], partial: bool = False) -> None:
    """One line per input that yielded nothing, so a script sees why exit 2 happened; with
    ``partial``, one per input read only in part too (its first error and how many there were)."""
    from icecheck.model import DiagnosticLevel, InputStatus
    from icecheck.render.safe import safe

    for doc in docs:
        if doc.unaudited:
            click.echo(f"icecheck: {safe(doc.path)}: {doc.unaudited} items not audited: partial audit", err=True)
        elif partial and doc.read_in_part:
            errors = [d for d in doc.diagnostics if d.level is DiagnosticLevel.ERROR]
            first = f"{safe(errors[0].origin.location())}: {safe(errors[0].message)}" if errors else safe(doc.path)
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            click.echo(f"icecheck: {first}{more}: read in part, exit 2 without --allow-partial", err=True)
        if doc.status in (InputStatus.UNREADABLE, InputStatus.EMPTY):
            errors = [d for d in doc.diagnostics if d.level is DiagnosticLevel.ERROR] or list(doc.diagnostics)
            d = errors[0] if errors else None
            where = d.origin.location() if d else doc.path
            click.echo(f"icecheck: {safe(where)}: {safe(d.message if d else 'nothing to audit')}", err=True)
