"""The terminal's side-by-side view of registry and GeoIP database facts (pure).

``geo_lines(result, width)`` yields, for each public address that GeoIP databases were asked
about, a small table: what the registries (RDAP, Team Cymru) say in one column, what the
databases say in the other, each database fact with the database and its build date; the
address's reverse DNS name; then a line for every fact on which they disagree
(``analysis.geo.disagreements``). Nothing is
yielded when no database was read. Every string goes through ``safe`` into ``Text``.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text

from icecheck.analysis.geo import FLAG_WORDS, disagreements, operator
from icecheck.model import AuditResult, GeoFacts, GeoSource, NetworkInfo
from icecheck.render.layout import columns, paragraph
from icecheck.render.safe import safe

MAX_ADDRESSES = 50  # tables; past this a line says how many more --format json holds
Lines = Iterator[Text]


def geo_lines(result: AuditResult, width: int) -> Lines:
    shown = [n for n in result.network_info if n.geoip is not None]
    if not shown:
        return
    yield Text()
    yield Text("What registries and GeoIP databases say, side by side", style="bold underline")
    for info in shown[:MAX_ADDRESSES]:
        yield from _address(info, width)
    if len(shown) > MAX_ADDRESSES:
        yield Text(f"  … {len(shown) - MAX_ADDRESSES} more addresses in --format json", style="dim")


def _address(info: NetworkInfo, width: int) -> Lines:
    facts = info.geoip
    assert facts is not None
    yield Text(f"  {safe(info.address)}", style="bold")
    rows = [(Text(name), Text(safe(left)), right) for name, left, right in _rows(info, facts) if left or right.plain]
    if rows:
        yield from columns(("", "registry (RDAP)", "GeoIP databases"), rows, width, indent=4, foldable=(1,))
    if info.ptr:
        yield from paragraph(Text(f"reverse DNS: {safe(info.ptr)}"), width, "    ", "      ")
    if not facts.sources:
        yield Text("    No GeoIP database lists this address.", style="dim")
    for d in disagreements(info):
        yield from paragraph(Text(safe(d.sentence(info.address)), style="yellow"), width, "    ! ", "      ")


def _rows(info: NetworkInfo, facts: GeoFacts) -> list[tuple[str, str, Text]]:
    name, asn, source = operator(info)
    as_name = info.as_name.rsplit(", ", 1)[0] if info.as_name else None
    registry_operator = ", ".join(p for p in (info.organisation or as_name or info.network_name, _as(info.asn)) if p)
    place = ", ".join(p for p in (facts.city, facts.region) if p)
    radius = f"within {facts.accuracy_radius_km} km of " if place and facts.accuracy_radius_km else ""
    country = facts.country_code or facts.country_name
    flags = [words.removeprefix("an ").removeprefix("a ") for flag, words, _ in FLAG_WORDS if getattr(facts, flag)]
    line = facts.connection_type or facts.user_type
    return [
        ("operator", registry_operator, _cited(", ".join(p for p in (name, _as(asn)) if p), source)),
        ("country", info.country or "", _cited(country or "", facts.source("country_code" if facts.country_code
                                                                            else "country_name"))),
        ("place", "", _cited(radius + place, facts.source("city" if facts.city else "region"))),
        ("line", "", _cited(line or "", facts.source("connection_type" if facts.connection_type else "user_type"))),
        ("listed as", "", _cited(", ".join(flags), _first_flag_source(facts))),
    ]  # fmt: skip


def _as(asn: int | None) -> str | None:
    return f"AS{asn}" if asn else None


def _first_flag_source(facts: GeoFacts) -> GeoSource | None:
    return next((facts.source(flag) for flag, _, _ in FLAG_WORDS if getattr(facts, flag)), None)


def _cited(value: str, source: GeoSource | None) -> Text:
    if not value:
        return Text()
    cite = f" ({source.label()})" if source is not None else ""
    return Text.assemble(safe(value), (safe(cite), "dim"))
