"""Lookup options (RDAP, reverse DNS) shared by the auditing commands, and the audit step with them.

``lookup_options`` adds the options and hands them to the command as one typed parameter,
``lookups: LookupSettings``; ``--strict`` reaches it as ``strict`` (a setting of the whole audit
run, ``AuditSettings.strict``). ``audit_with_lookups`` takes both settings objects as
parameters. Lookups are on by default — a user wants to know which ISP an address gives away —
and ``--offline`` (or ``ICECHECK_OFFLINE=1``) keeps every packet on the machine, answering from
the cache only.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from icecheck.audit import AuditSettings
    from icecheck.enrich.config import EnrichConfig, LookupSettings
    from icecheck.model import (
        Attempt,
        AuditedCandidate,
        AuditResult,
        Exposure,
        InputDocument,
        NatBehaviour,
        NetworkInfo,
    )

MAX_LOOKUPS = 256  # public addresses looked up per run; a capture of thousands would take hours


def lookup_options(f: Callable[..., None]) -> Callable[..., None]:
    """--offline, --no-cache, --refresh, --resolver, --lookup-timeout, --resolve-hostnames,
    --max-lookups (as ``lookups: LookupSettings``) and --strict (as ``strict: bool``)."""

    @functools.wraps(f)
    def command(
        *args: Any,
        offline: bool,
        no_cache: bool,
        refresh: bool,
        resolver: str | None,
        lookup_timeout: float,
        resolve_hostnames: bool,
        max_lookups: int,
        **kwargs: Any,
    ) -> None:
        from icecheck.enrich.config import EnrichConfig, LookupSettings

        # A zero --lookup-timeout or --max-lookups has always meant the default.
        try:
            config = EnrichConfig(offline=offline, no_cache=no_cache, refresh=refresh, resolver=resolver,
                                  timeout=lookup_timeout or 5.0, resolve_hostnames=resolve_hostnames)  # fmt: skip
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
        f(*args, lookups=LookupSettings(config, max_lookups or MAX_LOOKUPS), **kwargs)

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
        command = click.option(flag, **kwargs)(command)
    return command


def audit_with_lookups(
    docs: Sequence[InputDocument],
    settings: AuditSettings,
    lookups: LookupSettings,
    *,
    candidates: Sequence[AuditedCandidate] | None = None,
    attempts: Sequence[Attempt] = (),
    extra_exposures: Sequence[Exposure] = (),
    nat: NatBehaviour | None = None,
    notes: Sequence[str] = (),
) -> AuditResult:
    """``audit`` with RDAP/PTR facts for the public addresses and the ISP exposures they give.

    ``candidates`` is ``audit_candidates(docs)`` when the caller has it already; the audit gets
    the classification made here either way. The other keywords are ``audit``'s.
    """
    from icecheck.analysis.isp import isp_exposures
    from icecheck.audit import audit, audit_candidates
    from icecheck.enrich.targets import public_addresses

    config = lookups.config
    candidates = audit_candidates(docs) if candidates is None else tuple(candidates)
    addresses = [c.facts.address for c in candidates] + [
        c.related_facts.address for c in candidates if c.related_facts is not None
    ]
    more_notes = list(notes)
    targets = public_addresses(addresses)
    limit = lookups.max_lookups
    if len(targets) > limit:
        more_notes.append(f"{len(targets) - limit} more public addresses not looked up (--max-lookups {limit}).")
        targets = targets[:limit]
    if config.resolve_hostnames:
        targets += [a for a in addresses if a not in targets]
    info, found = _lookup(targets, config) if targets else ((), ())  # nothing public: no lookup machinery
    skipped = [a for a in found if a.status == "offline"]
    shown = tuple(a for a in found if a.status != "offline")
    if skipped:
        count = len({a.target for a in skipped})
        more_notes.append(f"{count} public address(es) not looked up: --offline and not in the cache.")
    return audit(
        docs,
        settings,
        candidates=candidates,
        attempts=(*attempts, *shown),
        network_info=info,
        extra_exposures=[*extra_exposures, *isp_exposures(candidates, info)],
        nat=nat,
        notes=more_notes,
    )


def _lookup(targets: Sequence[str], config: EnrichConfig) -> tuple[tuple[NetworkInfo, ...], tuple[Attempt, ...]]:
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
