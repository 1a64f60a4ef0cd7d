"""``icecheck config``: the settings an audit would run with, and where each one came from.

Each setting is the value ``sdp``/``scan`` would use with the same options, and its origin: the
command line (naming the option), the environment (naming the variable), the policy file
(naming it, relative to here) or the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import click

from icecheck.commands.common import PRESETS, SEVERITIES, config_options
from icecheck.commands.lookups import lookup_options
from icecheck.commands.params import RULES, given

if TYPE_CHECKING:
    from icecheck.analysis.policy import Policy
    from icecheck.enrich.config import LookupSettings


@dataclass(frozen=True, slots=True)
class Setting:
    """One effective setting: its name, its value in words, and where it came from."""

    name: str
    value: str
    source: str


@click.command("config", short_help="Show the effective settings and their origin.")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json"], case_sensitive=False),
    default="text",
    show_default=True,
    help="Output format (any case).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    metavar="FILE",
    default=None,
    help="Write to FILE instead of stdout.",
)
@click.option("--select", type=RULES, multiple=True, help="As sdp and scan take it.")
@click.option("--ignore", type=RULES, multiple=True, help="As sdp and scan take it.")
@click.option(
    "--policy",
    default="default",
    show_default=True,
    type=click.Choice(PRESETS, case_sensitive=False),
    help="Policy preset (overrides the policy file's).",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES, case_sensitive=False),
    default="high",
    show_default=True,
    metavar="SEVERITY",
    help="info, low, medium or high (overrides the policy file's).",
)
@config_options
@lookup_options
def command(
    fmt: str,
    output: str | None,
    select: tuple[tuple[str, ...], ...],
    ignore: tuple[tuple[str, ...], ...],
    policy: Policy,
    lookups: LookupSettings,
    strict: bool,
) -> None:
    """Print the settings an audit run here would use — policy, fail-on, rules, allowlists,
    lookups — and where each came from: the command line, the environment, the policy file
    (found upward from here unless --config or --no-config) or the default.

    \b
    Examples:
      icecheck config
      icecheck config --policy relay-only --offline
      icecheck config -f json
    """
    from icecheck.commands.common import narrow, write_to

    chosen = narrow(policy, [r for g in select for r in g], [r for g in ignore for r in g])
    rows = settings(click.get_current_context(), chosen, lookups, strict)
    write_to(None if output == "-" else output, (), lambda out: _write(rows, fmt, out))


def _write(rows: list[Setting], fmt: str, out: IO[str] | None) -> None:
    from rich.text import Text

    from icecheck.render.layout import columns
    from icecheck.render.safe import json_dumps, safe
    from icecheck.report import show

    if fmt == "json":
        doc = {"schema_version": 1, "settings": [{"name": r.name, "value": r.value, "source": r.source} for r in rows]}
        click.echo(json_dumps(doc), file=out)
        return
    cells = [(Text(r.name), Text(safe(r.value)), Text(safe(r.source), style="dim")) for r in rows]
    show(
        lambda width: Text("\n").join(
            columns(("setting", "value", "from"), cells, width, indent=0, foldable=(1,), wrap_last=False)
        ),
        out,
    )


def settings(ctx: click.Context, policy: Policy, lookups: LookupSettings, strict: bool) -> list[Setting]:
    """The effective settings with their origins (the order ``icecheck config`` prints them)."""
    from icecheck.config import read_config
    from icecheck.enrich.config import cache_file

    table = _file_table(policy.source, read_config)
    file = f"policy file {policy.source}"
    rules = table.get("rules", {}) if isinstance(table.get("rules"), dict) else {}
    allow = table.get("allow", {}) if isinstance(table.get("allow"), dict) else {}
    cfg = lookups.config
    return [
        Setting("policy", policy.name, _origin(ctx, "policy", file if "preset" in table else None)),
        Setting("fail-on", policy.fail_on.value, _origin(ctx, "fail_on", file if "fail-on" in table else None)),
        Setting("rules off", ", ".join(sorted(policy.disabled)) or "none", _rules_origin(ctx, file, rules)),
        Setting(
            "severities",
            ", ".join(f"{k} {v.value}" for k, v in sorted(policy.severities.items())) or "catalogue",
            file if policy.severities else "default",
        ),
        Setting("allowed relays", ", ".join(policy.relays) or "none", file if "relays" in allow else "default"),
        Setting("allowed addresses", ", ".join(policy.allow) or "none", file if "addresses" in allow else "default"),
        Setting("lookups", "offline (cache only)" if cfg.offline else "RDAP and reverse DNS", _origin(ctx, "offline")),
        Setting(
            "cache",
            "off" if cfg.no_cache else str(cache_file(cfg)),
            _origin(ctx, "no_cache") if cfg.no_cache else _env("XDG_CACHE_HOME"),
        ),
        Setting("resolver", cfg.resolver or "the system's", _origin(ctx, "resolver")),
        Setting("lookup timeout", f"{cfg.timeout:g} s", _origin(ctx, "lookup_timeout")),
        Setting("max lookups", str(lookups.max_lookups), _origin(ctx, "max_lookups")),
        Setting(
            "RDAP proxy",
            os.environ.get("https_proxy") or os.environ.get("HTTPS_PROXY") or "none",
            _env("https_proxy", "HTTPS_PROXY"),
        ),
        Setting("CA file", os.environ.get("SSL_CERT_FILE") or "the system's", _env("SSL_CERT_FILE")),
        Setting("strict", "yes" if strict else "no", _origin(ctx, "strict")),
        *_geoip(lookups),
    ]


_GEOIP_ORIGIN = {"explicit": "command line (--geoip-db)", "env": "environment (ICECHECK_GEOIP_DB)",
                 "discovered": "standard folder"}  # fmt: skip


def _geoip(lookups: LookupSettings) -> list[Setting]:
    """One row per GeoIP database an audit would read (none: one row saying so)."""
    if not lookups.geoip:
        return [Setting("GeoIP databases", "none found", "default")]
    return [
        Setting("GeoIP database", db.path, _GEOIP_ORIGIN.get(str(db.origin), str(db.origin))) for db in lookups.geoip
    ]


def _file_table(source: str | None, read: Any) -> dict[str, Any]:
    """The policy file's raw table (keys with dashes), or {} without a file."""
    if not source:
        return {}
    from pathlib import Path

    return {k.replace("_", "-"): v for k, v in read(Path(source)).table.items()}


def _origin(ctx: click.Context, name: str, file: str | None = None) -> str:
    """``command line (--name)``, ``environment (VAR)``, the policy file, or ``default``."""
    from click.core import ParameterSource

    if given(ctx, name):
        return f"command line (--{name.replace('_', '-')})"
    if ctx.get_parameter_source(name) is ParameterSource.ENVIRONMENT:
        return f"environment ({_envvar(ctx, name)})"
    return file or "default"


def _envvar(ctx: click.Context, name: str) -> str:
    param = next((p for p in ctx.command.params if p.name == name), None)
    envvar = getattr(param, "envvar", None)
    return str(envvar) if envvar else name.upper()


def _rules_origin(ctx: click.Context, file: str, rules: dict[str, Any]) -> str:
    parts = [f"command line (--{n})" for n in ("select", "ignore") if given(ctx, n)]
    if any(v is False or v == "off" for v in rules.values()):
        parts.insert(0, file)
    return ", ".join(parts) or "default"


def _env(*names: str) -> str:
    found = next((n for n in names if os.environ.get(n)), None)
    return f"environment ({found})" if found else "default"
