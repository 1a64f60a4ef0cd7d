"""The GeoIP step of an audit: database facts beside each address's registry facts (pure).

``attach(info, report)`` returns the ``NetworkInfo`` records with ``geoip`` set from the
``GeoReport`` (one ``GeoFacts`` per public address the databases were asked about; an address the
registries were not asked about gets a record of its own) and ``network_kind`` settled by
``settled_kind``. ``attempts(report)`` turns the databases into ``Attempt`` values of kind
``geoip``: one ``ok`` per database read, and one per diagnostic, ``error`` for a file that could
not be used (``--strict`` then exits 3) and the diagnostic's kind (``stale``, ``duplicate``,
``bad-build-date``) for a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from icecheck.enrich.geoip import GeoReport, network_kind
from icecheck.model import Attempt, GeoFacts, NetworkInfo

ORIGIN_WORDS = {"explicit": "--geoip-db", "env": "ICECHECK_GEOIP_DB", "discovered": "found in a standard folder"}


def attach(info: Sequence[NetworkInfo], report: GeoReport) -> tuple[NetworkInfo, ...]:
    """``info`` in its order with each address's ``GeoFacts``, then records for addresses only the
    databases were asked about."""
    facts = {f.address: f for f in report.facts}
    out = [_with(i, facts.pop(i.address)) if i.address in facts else i for i in info]
    return (*out, *(_with(NetworkInfo(address=f.address), f) for f in facts.values()))


def _with(info: NetworkInfo, facts: GeoFacts) -> NetworkInfo:
    return replace(info, geoip=facts, network_kind=settled_kind(info.network_kind, facts))


def settled_kind(registry_kind: str | None, facts: GeoFacts) -> str | None:
    """The network kind: a database's anonymizer or hosting flag for this very address beats the
    AS-wide table (a VPN exit inside a residential ISP's AS is an exit); otherwise the table's
    kind, and the databases' connection or user type only where the table knows none."""
    found = network_kind(facts)
    if found is None:
        return registry_kind
    if flagged(facts) or registry_kind in (None, "unknown"):
        return found
    return registry_kind


def flagged(facts: GeoFacts) -> bool:
    """A database lists the address as an anonymizer (VPN, Tor exit, proxy) or a hosting provider."""
    return any(
        (facts.is_anonymous, facts.is_anonymous_vpn, facts.is_hosting_provider, facts.is_tor_exit_node,
         facts.is_public_proxy, facts.is_residential_proxy)
    )  # fmt: skip


def attempts(report: GeoReport) -> tuple[Attempt, ...]:
    """One ``geoip`` attempt per database read and per diagnostic (see the module docstring)."""
    read = [
        Attempt("geoip", s.path, "ok", f"{s.label()} ({ORIGIN_WORDS.get(s.origin, s.origin)})")
        for s in report.databases
    ]
    for d in report.diagnostics:
        detail = d.message.removeprefix(f"{d.path}: ")
        read.append(Attempt("geoip", d.path, "error" if d.level == "error" else d.kind, detail))
    return tuple(read)
