"""Lookup options (RDAP, reverse DNS) shared by the auditing commands, and the audit step with them.

The options do not reach the command function (``expose_value=False``): they are kept in the
click context, and ``audit_with_lookups`` reads them. Lookups are on by default — a user wants
to know which ISP an address gives away — and ``--offline`` (or ``ICECHECK_OFFLINE=1``) keeps
every packet on the machine, answering from the cache only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from icecheck.model import Attempt, AuditResult, Exposure, InputDocument, NetworkInfo

F = TypeVar("F", bound=Callable[..., Any])
_KEY = "icecheck.lookups"
MAX_LOOKUPS = 256  # public addresses looked up per run; a capture of thousands would take hours


def _store(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        ctx.meta.setdefault(_KEY, {})[name] = value

    return callback


def lookup_options(f: F) -> F:
    """--offline, --no-cache, --refresh, --resolver, --lookup-timeout, --resolve-hostnames, --strict."""
    options = (
        (
            "--offline",
            dict(is_flag=True, envvar="ICECHECK_OFFLINE", help="Send no packet: answer lookups from the cache only."),
        ),
        ("--no-cache", dict(is_flag=True, help="Neither read nor write the lookup cache.")),
        ("--refresh", dict(is_flag=True, help="Ignore cached answers; store fresh ones.")),
        (
            "--resolver",
            dict(metavar="IP[:PORT]", default=None, help="DNS server for PTR and ASN queries (default: the system's)."),
        ),
        (
            "--lookup-timeout",
            dict(
                type=float,
                default=5.0,
                show_default=True,
                metavar="SECONDS",
                help="Bound on each network operation of a lookup.",
            ),
        ),
        (
            "--resolve-hostnames",
            dict(is_flag=True, help="Resolve host-name candidates (never .local) to look them up."),
        ),
        (
            "--max-lookups",
            dict(
                type=int,
                default=MAX_LOOKUPS,
                show_default=True,
                metavar="N",
                help="Look up at most N public addresses (the first seen).",
            ),
        ),
        ("--strict", dict(is_flag=True, help="Exit 3 when a server or lookup attempt failed.")),
    )
    for flag, kwargs in reversed(options):
        name = flag.lstrip("-").replace("-", "_")
        f = click.option(flag, expose_value=False, callback=_store(name), **kwargs)(f)
    return f


def settings() -> dict[str, Any]:
    """The lookup options of the running command (empty outside a command)."""
    ctx = click.get_current_context(silent=True)
    return dict(ctx.meta.get(_KEY, {})) if ctx is not None else {}


def audit_with_lookups(
    docs: Sequence[InputDocument], policy: Any, lookups: dict[str, Any] | None = None, **kwargs: Any
) -> AuditResult:
    """``audit`` with RDAP/PTR facts for the public addresses and the ISP exposures they give.

    Settings come from the command's ``lookup_options``; ``lookups`` overrides them (``gather``
    has its own --offline, --resolver and --strict, which mean the same for lookups).
    """
    from icecheck.analysis.isp import isp_exposures
    from icecheck.audit import audit, audit_candidates
    from icecheck.enrich.config import EnrichConfig
    from icecheck.enrich.targets import public_addresses
    from icecheck.model import AttemptStatus

    opts = settings() | (lookups or {})
    try:
        config = EnrichConfig(
            offline=bool(opts.get("offline")),
            no_cache=bool(opts.get("no_cache")),
            refresh=bool(opts.get("refresh")),
            resolver=opts.get("resolver"),
            timeout=float(opts.get("lookup_timeout") or 5.0),
            resolve_hostnames=bool(opts.get("resolve_hostnames")),
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    strict = bool(kwargs.pop("strict", False)) or bool(opts.get("strict"))
    candidates = audit_candidates(docs)
    addresses = [c.facts.address for c in candidates] + [
        c.related_facts.address for c in candidates if c.related_facts is not None
    ]
    notes = list(kwargs.pop("notes", ()))
    targets = public_addresses(addresses)
    limit = int(opts.get("max_lookups") or MAX_LOOKUPS)
    if len(targets) > limit:
        notes.append(f"{len(targets) - limit} more public addresses not looked up (--max-lookups {limit}).")
        targets = targets[:limit]
    if config.resolve_hostnames:
        targets += [a for a in addresses if a not in targets]
    info, attempts = _lookup(targets, config) if targets else ((), ())  # nothing public: no lookup machinery
    skipped = [a for a in attempts if a.status is AttemptStatus.OFFLINE]
    shown = tuple(a for a in attempts if a.status is not AttemptStatus.OFFLINE)
    if skipped:
        count = len({a.target for a in skipped})
        notes.append(f"{count} public address(es) not looked up: --offline and not in the cache.")
    extra: list[Exposure] = [*kwargs.pop("extra_exposures", ()), *isp_exposures(candidates, info)]
    return audit(
        docs,
        policy,
        attempts=(*kwargs.pop("attempts", ()), *shown),
        network_info=info,
        extra_exposures=extra,
        notes=notes,
        strict=strict,
        **kwargs,
    )


def _lookup(targets: Sequence[str], config: Any) -> tuple[tuple[NetworkInfo, ...], tuple[Attempt, ...]]:
    import asyncio

    from icecheck.enrich import enrich

    return asyncio.run(enrich(targets, config, _progress()))


def _progress() -> Callable[[int, int], None] | None:
    """A lookup counter on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        sys.stderr.write(f"\rlooking up public addresses: {done}/{total}{end}")
        sys.stderr.flush()

    return show
