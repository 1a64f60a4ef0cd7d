"""What the GeoIP databases let an attacker conclude, beside what the registries say (pure).

An attacker who learns a public address looks it up in a geolocation database (MaxMind
GeoIP2/GeoLite2, DB-IP, IPinfo) as well as in RDAP. ``NetworkInfo.geoip`` holds what the
databases on this machine state (``enrich.geoip_attach``); this module turns it into words, each
citing the database and its build date:

- ``geo_exposures(info, ids, learned_by, exit_)`` for one of the user's own public addresses:
  ``geolocation`` ("Your public address 2.125.160.216 places you within 100 km of Boxford, GB,
  per GeoIP2-City built 2026-02-04"), ``connection-type`` (Cable/DSL, Cellular, ...) and, for
  an address the databases flag, ``anonymizer`` (VPN, Tor exit, proxy, hosting). A VPN exit's
  place is the VPN's, not the user's: exits get only the ``anonymizer`` sentence.
- ``operator(info)``: the operator's name and AS number the databases give, for the ISP,
  VPN-exit and relay-operator sentences when the registries gave none (``--offline``);
  ``hosting_clause(info)`` says which database lists a relay's address as a hosting provider.
- ``disagreements(info)``: the facts where registry and database differ (AS number, country).
"""

from __future__ import annotations

from collections.abc import Sequence

from icecheck.model import Exposure, GeoFacts, GeoSource, NetworkInfo, Party
from icecheck.records import record

FLAG_WORDS = (
    ("is_anonymous_vpn", "an anonymous VPN", "vpn"),
    ("is_tor_exit_node", "a Tor exit node", "tor-exit"),
    ("is_public_proxy", "a public proxy", "public-proxy"),
    ("is_residential_proxy", "a residential proxy", "residential-proxy"),
    ("is_hosting_provider", "a hosting provider", "hosting"),
)


@record
class Disagreement:
    """A fact the registry (RDAP, Team Cymru) and a GeoIP database state differently."""

    fact: str  # "asn" or "country"
    registry: str  # as the registry states it: "AS2856", "GB"
    database: str  # as the database states it
    source: GeoSource

    def sentence(self, address: str) -> str:
        what = {"asn": "autonomous system", "country": "country"}.get(self.fact, self.fact)
        return (
            f"The registry and {self.source.label()} disagree on the {what} of {address}: "
            f"{self.registry} per the registry, {self.database} per the database."
        )


def geo_exposures(
    info: NetworkInfo, ids: tuple[str, ...], learned_by: tuple[Party, ...], exit_: bool
) -> list[Exposure]:
    """The database facts about one of the user's public addresses, as exposures (see the module doc)."""
    facts = info.geoip
    if facts is None:
        return []
    out = [] if exit_ else _place(facts, ids, learned_by) + _line(facts, ids, learned_by)
    return out + _flags(facts, ids, learned_by)


def place_phrase(info: NetworkInfo) -> str | None:
    """``within 100 km of Boxford, GB, per GeoIP2-City built 2026-02-04``, or ``None``."""
    if info.geoip is None:
        return None
    from icecheck.enrich.geoip import location_phrase  # only when a database was read

    return location_phrase(info.geoip)


def _place(facts: GeoFacts, ids: tuple[str, ...], learned_by: tuple[Party, ...]) -> list[Exposure]:
    from icecheck.enrich.geoip import location_phrase

    phrase = location_phrase(facts)
    if phrase is None:
        return []
    place = ", ".join(p for p in (facts.city, facts.region, facts.country_code or facts.country_name) if p)
    summary = f"Your public address {facts.address} places you {phrase}."
    return [Exposure("geolocation", summary, ids, learned_by, place)]


def _line(facts: GeoFacts, ids: tuple[str, ...], learned_by: tuple[Party, ...]) -> list[Exposure]:
    name = "connection_type" if facts.connection_type else "user_type" if facts.user_type else None
    source = facts.source(name) if name else None
    if name is None or source is None:
        return []
    value = str(getattr(facts, name))
    what = f"a {value} line" if name == "connection_type" else f"of user type {value}"
    summary = f"Your public address {facts.address} is {what}, per {source.label()}."
    return [Exposure("connection-type", summary, ids, learned_by, value)]


def _flags(facts: GeoFacts, ids: tuple[str, ...], learned_by: tuple[Party, ...]) -> list[Exposure]:
    named = [(words, token, facts.source(flag)) for flag, words, token in FLAG_WORDS if getattr(facts, flag)]
    if not named and facts.is_anonymous:
        named = [("an anonymizer", "anonymous", facts.source("is_anonymous"))]
    if not named:
        return []
    cited = ", ".join(dict.fromkeys(s.label() for _, _, s in named if s is not None))
    provider = f" ({facts.anonymizer_provider})" if facts.anonymizer_provider else ""
    summary = (
        f"{cited} list{'s' if ',' not in cited else ''} {facts.address} as {_and([w for w, _, _ in named])}"
        f"{provider}: a site or peer that checks sees that you use one."
    )
    return [Exposure("anonymizer", summary, ids, learned_by, ",".join(t for _, t, _ in named))]


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def hosting_clause(info: NetworkInfo) -> str:
    """``, which GeoIP2-Anonymous-IP built … lists as a hosting provider`` for an address a
    database flags as hosting (a relay's operator is then a hosting company), else ``""``."""
    facts = info.geoip
    source = facts.source("is_hosting_provider") if facts is not None and facts.is_hosting_provider else None
    return f", which {source.label()} lists as a hosting provider" if source is not None else ""


def operator(info: NetworkInfo) -> tuple[str | None, int | None, GeoSource | None]:
    """``(name, AS number, source)`` of the operator per the databases: the ISP's name, else the
    AS organisation's, else the organisation's; all ``None`` without databases."""
    facts = info.geoip
    if facts is None:
        return None, None, None
    for fact in ("isp", "as_organisation", "organisation"):
        name = getattr(facts, fact)
        if name:
            return name, facts.asn, facts.source(fact)
    return None, facts.asn, facts.source("asn")


def disagreements(info: NetworkInfo) -> tuple[Disagreement, ...]:
    """Where the registry's AS number or country differs from the databases' (both stated)."""
    facts = info.geoip
    if facts is None:
        return ()
    out = []
    asn_source = facts.source("asn")
    if info.asn is not None and facts.asn is not None and info.asn != facts.asn and asn_source:
        out.append(Disagreement("asn", f"AS{info.asn}", f"AS{facts.asn}", asn_source))
    country, country_source = facts.country_code, facts.source("country_code")
    registered = (info.country or "").strip().upper()
    if registered and country and country_source and registered != country.upper():
        out.append(Disagreement("country", registered, country, country_source))
    return tuple(out)
