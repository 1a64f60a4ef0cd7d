"""What the GeoIP databases let an attacker conclude (analysis.geo, and their use in isp and netmap),
over facts read from MaxMind's test databases; and the terminal's side-by-side view of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from icecheck.analysis.geo import disagreements, geo_exposures, operator
from icecheck.analysis.isp import asn_of, label
from icecheck.analysis.netmap import describe
from icecheck.enrich.geoip import DatabasePath, PathOrigin, geoip_report
from icecheck.enrich.geoip_attach import attach
from icecheck.model import AuditResult, GeoFacts, GeoSource, NetworkInfo, Party
from icecheck.render.geoview import geo_lines
from tests.conftest import REPO

MAXMIND = REPO / "tests" / "data" / "maxmind"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
SEEN = (Party.SIGNALLING,)


def looked_up(address: str, *names: str, registry: NetworkInfo | None = None) -> NetworkInfo:
    files = [DatabasePath(str(MAXMIND / n), PathOrigin.EXPLICIT, n) for n in names]
    (info,) = attach((registry or NetworkInfo(address),), geoip_report([address], files, NOW))
    return info


def test_a_home_address_is_placed_and_its_line_named() -> None:
    info = looked_up("2.125.160.216", "GeoIP2-City-Test.mmdb", "GeoIP2-Connection-Type-Test.mmdb")
    place, line = geo_exposures(info, ("c2",), SEEN, exit_=False)
    assert (place.kind, place.value, place.evidence) == ("geolocation", "Boxford, England, GB", ("c2",))
    assert place.summary == (
        "Your public address 2.125.160.216 places you within 100 km of Boxford, GB, per GeoIP2-City built 2026-02-04."
    )
    assert (line.kind, line.value) == ("connection-type", "Cable/DSL")
    assert "GeoIP2-Connection-Type built 2026-02-04" in line.summary


def test_an_exit_is_not_where_the_user_is_only_what_it_is_listed_as() -> None:
    info = looked_up("81.2.69.160", "GeoIP2-City-Test.mmdb", "GeoIP2-Anonymous-IP-Test.mmdb")
    (flags,) = geo_exposures(info, ("c3",), SEEN, exit_=True)
    assert flags.kind == "anonymizer" and flags.value == "vpn,tor-exit,public-proxy,residential-proxy,hosting"
    assert flags.summary.startswith("GeoIP2-Anonymous-IP built 2026-02-04 lists 81.2.69.160 as an anonymous VPN, ")
    assert geo_exposures(NetworkInfo("81.2.69.160"), ("c3",), SEEN, exit_=True) == []  # no database: nothing


def test_the_operator_comes_from_the_databases_only_where_the_registry_names_none() -> None:
    offline = looked_up("1.128.0.1", "GeoIP2-ISP-Test.mmdb")
    assert operator(offline)[:2] == ("Telstra Internet", 1221)
    assert (label(offline), asn_of(offline)) == ("Telstra Internet", 1221)
    registry = NetworkInfo("1.128.0.1", asn=1221, organisation="Telstra Corporation Ltd", country="AU")
    online = looked_up("1.128.0.1", "GeoIP2-ISP-Test.mmdb", registry=registry)
    assert label(online) == "Telstra Corporation Ltd" and disagreements(online) == ()
    assert describe(offline) == "Telstra Internet (AS1221)"


def test_disagreements_on_the_as_number_and_the_country() -> None:
    registry = NetworkInfo("2.125.160.216", asn=2856, country="gb")
    same_country = looked_up("2.125.160.216", "GeoIP2-City-Test.mmdb", registry=registry)
    assert disagreements(same_country) == ()  # "gb" and "GB" agree; the City database states no AS
    other = looked_up("1.128.0.1", "GeoIP2-ISP-Test.mmdb", registry=replace(registry, address="1.128.0.1"))
    ((fact, said, db),) = [(d.fact, d.registry, d.database) for d in disagreements(other)]
    assert (fact, said, db) == ("asn", "AS2856", "AS1221")
    sentence = disagreements(other)[0].sentence("1.128.0.1")
    assert "disagree on the autonomous system of 1.128.0.1: AS2856 per the registry" in sentence


def test_the_map_says_where_the_databases_place_the_address() -> None:
    info = looked_up("2.125.160.216", "GeoIP2-City-Test.mmdb", "GeoIP2-Connection-Type-Test.mmdb")
    assert describe(info) == (
        "2.125.160.216 (residential); within 100 km of Boxford, GB, per GeoIP2-City built 2026-02-04"
    )


def test_the_side_by_side_view_escapes_what_a_database_file_says() -> None:
    hostile = GeoSource("/tmp/x\x1b[2J.mmdb", "GeoIP2-City\x1b]0;pwned\x07", "location", "2026-02-04", "explicit")
    facts = GeoFacts("2.125.160.216", city="Box\u202eford", country_code="GB", sources=(("city", hostile),
                     ("country_code", hostile)))  # fmt: skip
    info = NetworkInfo("2.125.160.216", asn=2856, organisation="BT\x1b[31m", country="US", geoip=facts)
    result = AuditResult((), (), (), (), (), network_info=(info,))
    text = "\n".join(line.plain for line in geo_lines(result, 100))
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "\\x1b" in text and "\\u202e" in text
    assert "disagree on the country of 2.125.160.216: US per the registry, GB per the database" in " ".join(
        text.split()
    )
    assert list(geo_lines(replace(result, network_info=(replace(info, geoip=None),)), 100)) == []
