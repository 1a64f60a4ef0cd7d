"""What an attacker's own databases say: offline facts from MaxMind-format (.mmdb) files.

Anyone who receives the candidates can look the user's public addresses up in GeoIP2/GeoLite2,
DB-IP or IPinfo databases, offline and unnoticed. This module does the same with the databases on
this machine, so the report can say what such a lookup places and flags:

    paths = discover_databases(os.environ, explicit_paths)          # geoip_discover
    report = geoip_report(addresses, paths, datetime.now(UTC))      # opens, looks up, closes

``geoip_report`` never raises and never opens a socket. It looks up only the addresses
``enrich.targets.public_addresses`` selects (the predicate RDAP and PTR use: ``classify`` says
public; a 6to4, Teredo or IPv4-mapped address contributes the IPv4 it carries), in every database,
and returns one ``GeoFacts`` per such address in input order (a record without facts when no
database lists it), the databases used (``GeoSource``) and a ``GeoDiagnostic`` for every file that
could not be used, is stale, or failed a lookup. When two databases state the same fact, the first
in ``paths`` wins (explicit before environment before discovered, then the folder's name order),
with two refinements: a place (city, region, country, radius) and an AS (number, name) are taken
whole from one database (``geoip_fields.FACT_GROUPS``), and a flag one database sets ``True`` beats
another's explicit ``False`` (being listed as an exit by anyone is the finding).

Dependency: ``maxminddb`` (MaxMind's reader; no dependencies of its own) is the optional extra
``icecheck[geoip]``, not a hard dependency, because the feature is inert without a database and
most machines have none; without the package each database found is a ``missing-package``
diagnostic, so the gap is never silent. The floor is 3.2, whose readers bound decoding (see
``geoip_open.MIN_MAXMINDDB``): these files come from anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from icecheck.enrich.geoip_discover import DatabasePath, PathOrigin, discover_databases
from icecheck.enrich.geoip_fields import FACT_GROUPS, FactValue, extract
from icecheck.enrich.geoip_open import GeoDatabases, GeoDiagnostic, OpenDatabase, open_databases
from icecheck.enrich.targets import public_addresses
from icecheck.model import GeoFacts, GeoSource

if TYPE_CHECKING:
    from maxminddb import Reader

__all__ = [
    "DatabasePath", "GeoDatabases", "GeoDiagnostic", "GeoFacts", "GeoReport", "GeoSource", "PathOrigin",
    "discover_databases", "geoip_report", "location_phrase", "lookup", "network_kind", "open_databases",
    "read_record",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class GeoReport:
    facts: tuple[GeoFacts, ...]
    databases: tuple[GeoSource, ...]  # every database used, in order of precedence
    diagnostics: tuple[GeoDiagnostic, ...]


def geoip_report(addresses: Sequence[str], paths: Sequence[DatabasePath], now: datetime) -> GeoReport:
    """Open ``paths``, look ``addresses`` up, close: see the module docstring."""
    with open_databases(paths, now) as opened:
        facts, failures = lookup(opened, addresses)
    return GeoReport(facts, tuple(db.source for db in opened.databases), (*opened.diagnostics, *failures))


def lookup(databases: GeoDatabases, addresses: Sequence[str]) -> tuple[tuple[GeoFacts, ...], tuple[GeoDiagnostic, ...]]:
    """``GeoFacts`` for each public address among ``addresses``; one diagnostic per database whose
    lookups failed (how many, and the first reason). The databases stay open."""
    failed: dict[str, list[str]] = {}
    out: list[GeoFacts] = []
    for address in public_addresses(addresses):
        stated: dict[str, tuple[FactValue, GeoSource]] = {}
        for db in databases.databases:
            _merge(stated, _facts_from(db, address, failed), db.source)
        out.append(_record(address, stated))
    return tuple(out), tuple(_failure(path, reasons) for path, reasons in failed.items())


def read_record(reader: Reader, address: str) -> tuple[object, str | None]:
    """``(record, None)`` from ``reader.get(address)`` (``None`` when not listed), or ``(None, reason)``
    for any error the reader raises: a corrupt or hostile record fails this lookup only."""
    try:
        return reader.get(address), None
    except Exception as error:  # the readers raise InvalidDatabaseError, ValueError, RecursionError, ...
        return None, f"{type(error).__name__}: {str(error)[:200]}"


def _facts_from(db: OpenDatabase, address: str, failed: dict[str, list[str]]) -> dict[str, FactValue]:
    if db.ip_version == 4 and ":" in address:  # an IPv4-only database holds no IPv6 address
        return {}
    record, error = read_record(db.reader, address)
    if error is not None:
        failed.setdefault(db.source.path, []).append(error)
        return {}
    return extract(db.kind, record)


def _merge(stated: dict[str, tuple[FactValue, GeoSource]], found: dict[str, FactValue], source: GeoSource) -> None:
    """Add ``found`` to ``stated`` by the precedence rules of the module docstring."""
    if not found:  # most databases list most addresses not at all
        return
    for group in FACT_GROUPS:
        if any(name in stated for name in group):
            for name in group:
                found.pop(name, None)
    for name, value in found.items():
        if name not in stated or (value is True and stated[name][0] is False):
            stated[name] = (value, source)


def _failure(path: str, reasons: list[str]) -> GeoDiagnostic:
    count = f"{len(reasons)} lookup{'s' if len(reasons) > 1 else ''}"
    return GeoDiagnostic(path, "lookup-failed", f"{path}: {count} failed, the database is corrupt ({reasons[0]})")


def _record(address: str, stated: dict[str, tuple[FactValue, GeoSource]]) -> GeoFacts:
    def text(name: str) -> str | None:
        value = stated.get(name, (None,))[0]
        return value if isinstance(value, str) else None

    def number(name: str) -> int | None:
        value = stated.get(name, (None,))[0]
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def flag(name: str) -> bool | None:
        value = stated.get(name, (None,))[0]
        return value if isinstance(value, bool) else None

    return GeoFacts(
        address, text("city"), text("region"), text("country_code"), text("country_name"),
        number("accuracy_radius_km"), number("asn"), text("as_organisation"), text("isp"), text("organisation"),
        text("domain"), text("connection_type"), text("user_type"), text("anonymizer_provider"),
        flag("is_anonymous"), flag("is_anonymous_vpn"), flag("is_hosting_provider"), flag("is_tor_exit_node"),
        flag("is_public_proxy"), flag("is_residential_proxy"),
        tuple((name, source) for name, (_, source) in stated.items()),
    )  # fmt: skip


def location_phrase(facts: GeoFacts) -> str | None:
    """Where the databases place the address, with the database cited:
    ``within 100 km of Boxford, GB, per GeoIP2-City built 2026-02-04``; ``None`` without a place."""
    place = ", ".join(p for p in (facts.city, facts.country_code or facts.country_name) if p)
    if not place:
        return None
    source = facts.source("city" if facts.city else "country_code" if facts.country_code else "country_name")
    radius = facts.accuracy_radius_km if facts.source("accuracy_radius_km") == source else None
    near = f"within {radius} km of" if facts.city and radius else "near" if facts.city else "in"
    return f"{near} {place}, per {source.label()}" if source else None


def network_kind(facts: GeoFacts) -> str | None:
    """The ``NetworkInfo.network_kind`` the facts support (vpn, hosting, cdn, mobile, residential,
    education), for the rules that compare a user's networks (ICE018, VPN leak); ``None`` if none."""
    if facts.is_anonymous_vpn or facts.is_tor_exit_node or facts.is_public_proxy or facts.is_residential_proxy:
        return "vpn"  # an exit that relays others' traffic
    if facts.is_hosting_provider or facts.user_type == "hosting":
        return "hosting"
    if facts.user_type == "content_delivery_network":
        return "cdn"
    if facts.connection_type == "Cellular" or facts.user_type == "cellular":
        return "mobile"
    if facts.connection_type == "Cable/DSL" or facts.user_type == "residential":
        return "residential"
    if facts.user_type in ("college", "school", "university"):
        return "education"
    return "vpn" if facts.is_anonymous else None
