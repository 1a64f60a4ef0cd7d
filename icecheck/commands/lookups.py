"""Lookup options (RDAP, reverse DNS, GeoIP databases) shared by the auditing commands, and the
audit step with them.

``lookup_options`` adds the options and hands them to the command as one typed parameter,
``lookups: LookupSettings``; ``--strict`` reaches it as ``strict`` (a setting of the whole audit
run, ``AuditSettings.strict``). ``audit_with_lookups`` takes both settings objects as
parameters. Lookups are on by default — a user wants to know which ISP an address gives away —
and ``--offline`` (or ``ICECHECK_OFFLINE=1``) keeps every packet on the machine, answering from
the cache only; ``--no-lookups`` looks nothing up, not even in GeoIP databases. The GeoIP
databases (``geoip_options``: ``--geoip-db``, ``ICECHECK_GEOIP_DB``, the standard folders) are
files on this machine: they are read under ``--offline`` too.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from icecheck.commands.params import RESOLVER

if TYPE_CHECKING:
    from icecheck.audit import AuditSettings
    from icecheck.enrich.config import EnrichConfig, LookupSettings
    from icecheck.enrich.geoip_discover import DatabasePath
    from icecheck.model import (
        Attempt,
        AuditedCandidate,
        AuditResult,
        Exposure,
        GeoSource,
        InputDocument,
        NatBehaviour,
        NetworkInfo,
    )

MAX_LOOKUPS = 256  # public addresses looked up per run; a capture of thousands would take hours


GEOIP_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "--geoip-db",
        dict(
            multiple=True,
            metavar="PATH",
            help="A GeoIP database (.mmdb: MaxMind GeoIP2/GeoLite2, DB-IP, IPinfo) or a folder of them, read "
            "offline to say what an attacker's lookup finds; repeatable. Also ICECHECK_GEOIP_DB (a path list) "
            "and the standard folders.",
        ),
    ),
    (
        "--no-geoip-discovery",
        dict(
            is_flag=True,
            envvar="ICECHECK_NO_GEOIP_DISCOVERY",
            help="Read only the GeoIP databases named by --geoip-db and ICECHECK_GEOIP_DB, none from the "
            "standard folders (/usr/share/GeoIP, /var/lib/GeoIP, ...).",
        ),
    ),
)


def geoip_options(f: Callable[..., None]) -> Callable[..., None]:
    """--geoip-db PATH (repeatable) and --no-geoip-discovery, with ``ICECHECK_GEOIP_DB``, as
    ``geoip: tuple[DatabasePath, ...]``: the databases to read, in order of precedence."""
    command = _with_geoip(f)
    for flag, kwargs in reversed(GEOIP_OPTIONS):
        command = click.option(flag, **kwargs)(command)
    return command


def _with_geoip(f: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(f)
    def command(*args: Any, geoip_db: tuple[str, ...], no_geoip_discovery: bool, **kwargs: Any) -> None:
        from icecheck.enrich.geoip_discover import discover_databases

        f(*args, geoip=discover_databases(os.environ, geoip_db, standard=not no_geoip_discovery), **kwargs)

    return command


def lookup_options(f: Callable[..., None]) -> Callable[..., None]:
    """--offline, --no-lookups, --no-cache, --refresh, --resolver, --lookup-timeout, --resolve-hostnames,
    --max-lookups and the ``geoip_options`` (as ``lookups: LookupSettings``) and --strict (as
    ``strict: bool``)."""

    @functools.wraps(f)
    def command(
        *args: Any,
        offline: bool,
        no_lookups: bool,
        no_cache: bool,
        refresh: bool,
        resolver: str | None,
        lookup_timeout: float,
        resolve_hostnames: bool,
        max_lookups: int,
        geoip: tuple[DatabasePath, ...],
        **kwargs: Any,
    ) -> None:
        from icecheck.commands.params import refuse_with
        from icecheck.enrich.config import EnrichConfig, LookupSettings

        ctx = click.get_current_context()
        useless = ["refresh", "resolver", "lookup_timeout", "resolve_hostnames"]
        refuse_with(ctx, "offline", useless, "--offline looks nothing up (it answers from the cache)")
        alone = [*useless, "no_cache", "max_lookups"]
        refuse_with(ctx, "no_lookups", alone, "--no-lookups looks nothing up")
        refuse_with(ctx, "no_cache", ["refresh"], "--no-cache leaves the cache alone, --refresh would fill it")
        config = EnrichConfig(offline=offline, no_cache=no_cache, refresh=refresh, resolver=resolver,
                              timeout=lookup_timeout, resolve_hostnames=resolve_hostnames,
                              rdap=not no_lookups, ptr=not no_lookups)  # fmt: skip
        databases = () if no_lookups else geoip  # --no-lookups: not even in a database
        f(*args, lookups=LookupSettings(config, max_lookups, databases), **kwargs)

    options: tuple[tuple[str, dict[str, Any]], ...] = (
        (
            "--offline",
            dict(is_flag=True, envvar="ICECHECK_OFFLINE", help="Send no packet: answer lookups from the cache only."),
        ),
        (
            "--no-lookups",
            dict(is_flag=True, help="Look nothing up (no RDAP, no reverse DNS, no cache, no GeoIP database)."),
        ),
        ("--no-cache", dict(is_flag=True, help="Neither read nor write the lookup cache.")),
        ("--refresh", dict(is_flag=True, help="Ignore cached answers; store fresh ones.")),
        (
            "--resolver",
            dict(type=RESOLVER, default=None, help="DNS server for PTR and ASN queries (default: the system's)."),
        ),
        (
            "--lookup-timeout",
            dict(
                type=click.FloatRange(min=0, min_open=True),
                default=5.0,
                show_default=True,
                metavar="SECONDS",
                help="Bound on each network operation of a lookup.",
            ),
        ),
        (
            "--resolve-hostnames",
            dict(
                is_flag=True,
                help="Resolve host-name candidates (never .local; the first --max-lookups) to look them up.",
            ),
        ),
        (
            "--max-lookups",
            dict(
                type=click.IntRange(min=0),
                default=MAX_LOOKUPS,
                show_default=True,
                metavar="N",
                help="Look up at most N public addresses (the first seen; 0: none).",
            ),
        ),
        *GEOIP_OPTIONS,
        ("--strict", dict(is_flag=True, help="Exit 3 when a server or lookup attempt failed.")),
    )
    wrapped = _with_geoip(command)
    for flag, kwargs in reversed(options):
        wrapped = click.option(flag, **kwargs)(wrapped)
    return wrapped


def live_auditor(
    settings: AuditSettings, offline: bool, resolver: str | None, no_lookups: bool, lookup_timeout: float
) -> Callable[..., AuditResult]:
    """``audit_with_lookups`` with a live command's settings bound, for ``icecheck browser`` and
    ``serve`` (as ``gather`` builds them: --offline and --resolver serve the lookups too,
    --lookup-timeout bounds all of them together). Called as ``auditor(docs, *, candidates=…,
    attempts=…, extra_exposures=…, notes=…)``; click.BadParameter for a bad resolver."""
    from functools import partial

    from icecheck.enrich.config import EnrichConfig, LookupSettings

    try:
        config = EnrichConfig(offline=offline, resolver=resolver, timeout=lookup_timeout, total_timeout=lookup_timeout,
                              rdap=not no_lookups, ptr=not no_lookups)  # fmt: skip
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return partial(audit_with_lookups, settings=settings, lookups=LookupSettings(config, MAX_LOOKUPS))


def audit_with_lookups(
    docs: Sequence[InputDocument],
    settings: AuditSettings,
    lookups: LookupSettings,
    *,
    candidates: Sequence[AuditedCandidate] | None = None,
    attempts: Sequence[Attempt] = (),
    extra_exposures: Iterable[Exposure] = (),
    nat: NatBehaviour | None = None,
    notes: Sequence[str] = (),
) -> AuditResult:
    """``audit`` with RDAP/PTR and GeoIP database facts for the public addresses and the ISP
    exposures they give.

    ``candidates`` is ``audit_candidates(docs)`` when the caller has it already; the audit gets
    the classification made here either way. The other keywords are ``audit``'s.
    """
    from icecheck.analysis.isp import isp_exposures
    from icecheck.audit import audit, audit_candidates
    from icecheck.enrich.targets import first_public_addresses
    from icecheck.model import AttemptStatus

    config = lookups.config
    candidates = audit_candidates(docs) if candidates is None else candidates  # a spool stays one
    more_notes = list(notes)
    limit = lookups.max_lookups
    targets, public = first_public_addresses(_addresses(candidates), limit)  # a million are counted, not held
    if public > limit:
        more_notes.append(f"{public - limit} more public addresses not looked up (--max-lookups {limit}).")
    if config.resolve_hostnames:
        names, named = _host_names(_addresses(candidates), limit)
        targets += names
        if named > limit:
            more_notes.append(f"{named - limit} more host names not resolved (--max-lookups {limit}).")
    if targets and not (config.rdap or config.ptr):
        more_notes.append(f"{len(targets)} public address(es) not looked up: --no-lookups.")
        targets = []
    info, found = _lookup(targets, config) if targets else ((), ())  # nothing public: no lookup machinery
    skipped = [a for a in found if a.status is AttemptStatus.OFFLINE]
    shown = tuple(a for a in found if a.status is not AttemptStatus.OFFLINE)
    databases: tuple[GeoSource, ...] = ()
    if lookups.geoip:  # a bad database named is reported even when nothing is public
        info, shown, databases = _geoip([*targets, *(i.address for i in info)], info, shown, lookups.geoip)
    if skipped:
        count = len({a.target for a in skipped})
        where = " in registries or reverse DNS" if databases else ""
        more_notes.append(f"{count} public address(es) not looked up{where}: --offline and not in the cache.")
    result = audit(
        docs,
        settings,
        candidates=candidates,
        attempts=(*attempts, *shown),
        network_info=info,
        extra_exposures=itertools.chain(extra_exposures, isp_exposures(candidates, info)),
        nat=nat,
        notes=more_notes,
    )
    return replace(result, geoip_databases=databases) if databases else result


def _addresses(candidates: Sequence[AuditedCandidate]) -> Iterator[str]:
    """Every candidate's address, then every related address, read as they are needed (a spool
    of candidates is not held as a list of addresses)."""
    yield from (c.facts.address for c in candidates)
    yield from (c.related_facts.address for c in candidates if c.related_facts is not None)


def _host_names(addresses: Iterable[str], limit: int) -> tuple[list[str], int]:
    """The first ``limit`` distinct plain host names among ``addresses`` (never an mDNS ``.local``
    name: ``classify`` tells them apart), and how many there are in all. Only names are added to
    the lookups: which public addresses are looked up is ``first_public_addresses``' choice."""
    from icecheck.classify import classify
    from icecheck.inputs.table import first_distinct
    from icecheck.model import AddressClass

    names = (a.strip() for a in addresses if classify(a).address_class is AddressClass.HOSTNAME)
    return first_distinct(names, limit)


def _geoip(
    addresses: Sequence[str], info: Sequence[NetworkInfo], found: Sequence[Attempt], paths: Sequence[DatabasePath]
) -> tuple[tuple[NetworkInfo, ...], tuple[Attempt, ...], tuple[GeoSource, ...]]:
    """``info`` with the databases' facts beside it, ``found`` with their attempts, and the databases read."""
    from icecheck.enrich.geoip import geoip_report
    from icecheck.enrich.geoip_attach import attach, attempts

    report = geoip_report(addresses, paths, datetime.now(UTC))
    return attach(info, report), (*found, *attempts(report)), report.databases


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
