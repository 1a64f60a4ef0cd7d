"""Option value types and checks shared by the commands: every bad value is named with its option.

Click names the option in its own errors ("Invalid value for '--lookup-timeout': …"); the types
here do the same for values click cannot check alone (a resolver address, rule IDs with a "did
you mean"), and ``given`` / ``refuse`` reject combinations that conflict or do nothing, in one
line that says why. Only click is imported at module level: ``--help`` stays fast.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

import click
from click.core import ParameterSource


class ResolverType(click.ParamType):  # type: ignore[type-arg]  # generic only from click 8.4
    """``IP``, ``IP:PORT`` or ``[IPv6]:PORT``: a resolver named by name would itself need a resolver."""

    name = "IP[:PORT]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from icecheck.enrich.config import parse_resolver

        try:
            parse_resolver(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an IP address with an optional port (IP, IP:PORT, [IPv6]:PORT)", param, ctx)
        return str(value)


class RulesType(click.ParamType):  # type: ignore[type-arg]  # generic only from click 8.4
    """Rule IDs or names, comma separated, in any case (``ICE001,relay-raddr-leak``) → rule IDs."""

    name = "RULE[,RULE…]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        out = []
        for word in str(value).split(","):
            found = rule_id(word)
            if found is None:
                self.fail(unknown_rule(word), param, ctx)
            out.append(found)
        return tuple(out)


def rule_id(word: str) -> str | None:
    """The rule ``word`` names — an ID in any case, zeros optional (``ice6`` is ICE006), or a name."""
    from icecheck.analysis.rules import CATALOGUE

    wanted = word.strip().lower()
    number = re.fullmatch(r"ice0*(\d{1,3})", wanted)
    if number:
        wanted = f"ice{int(number.group(1)):03d}"
    return next((r.id for r in CATALOGUE.values() if wanted in (r.id.lower(), r.name)), None)


def unknown_rule(word: str) -> str:
    """``unknown rule 'x'; did you mean ICE006?`` (the closest ID or name, when one is close)."""
    from icecheck.analysis.rules import CATALOGUE

    names = {r.id.lower(): r.id for r in CATALOGUE.values()} | {r.name: r.name for r in CATALOGUE.values()}
    close = difflib.get_close_matches(word.strip().lower(), list(names), n=1)
    hint = f"; did you mean {names[close[0]]}?" if close else ""
    return f"unknown rule {word.strip()!r}{hint} (icecheck rules lists them)"


RESOLVER = ResolverType()
RULES = RulesType()


def given(ctx: click.Context, name: str) -> bool:
    """True when the user typed the option on the command line (not a default or environment value)."""
    return ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE


def flag(name: str) -> str:
    """``fail_on`` → ``--fail-on``."""
    return "--" + name.replace("_", "-")


def refuse_with(ctx: click.Context, first: str, others: Iterable[str], why: str) -> None:
    """A usage error when ``first`` and any of ``others`` were both typed: ``--a with --b: WHY``."""
    if not given(ctx, first):
        return
    for other in others:
        if given(ctx, other):
            raise click.UsageError(f"{flag(other)} with {flag(first)}: {why}", ctx)
