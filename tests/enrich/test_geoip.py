"""GeoIP facts from real .mmdb files: MaxMind's own test databases (answers checked against the JSON
they were written from), made DB-IP/IPinfo-layout ones, and corrupt, truncated and hostile files."""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import maxminddb
import pytest

from icecheck.classify import classify
from icecheck.enrich.geoip import (
    DatabasePath,
    GeoFacts,
    GeoSource,
    PathOrigin,
    discover_databases,
    geoip_report,
    location_phrase,
    lookup,
    network_kind,
    open_databases,
    read_record,
)
from icecheck.enrich.geoip_discover import ENV_VAR, STANDARD_DIRS, list_mmdb
from icecheck.enrich.geoip_fields import MAX_TEXT, DatabaseKind, database_kind
from icecheck.model import AddressClass
from tests.conftest import REPO, unavailable

MAXMIND = REPO / "tests" / "data" / "maxmind"
MADE = REPO / "tests" / "data" / "geoip"
BAD = sorted((MAXMIND / "bad-data").glob("*.mmdb"))
NOW = datetime(2026, 6, 1, tzinfo=UTC)  # every test database but the stale one is under a year old then


def db(path: Path, origin: PathOrigin = PathOrigin.EXPLICIT) -> DatabasePath:
    return DatabasePath(str(path), origin, str(path))


def report(addresses: list[str], *files: Path, now: datetime = NOW) -> Any:
    return geoip_report(addresses, [db(f) for f in files], now)


def one(address: str, *files: Path) -> GeoFacts:
    found = report([address], *files)
    assert not [d for d in found.diagnostics if d.level == "error"], found.diagnostics
    assert len(found.facts) == 1
    return found.facts[0]


def src(facts: GeoFacts, fact: str) -> GeoSource:
    source = facts.source(fact)
    assert source is not None, fact
    return source


def source_json(name: str) -> list[tuple[str, dict[str, Any]]]:
    """(first public address of the network, record) for each public network in MaxMind's source JSON."""
    out = []
    for entry in json.loads((MAXMIND / "source-data" / name).read_text(encoding="utf-8")):
        ((cidr, record),) = entry.items()
        net = ipaddress.ip_network(cidr)
        if net.version == 6 and net.prefixlen >= 96 and int(net.network_address) < 2**32:  # ::a.b.c.d/n
            address = str(ipaddress.IPv4Address(int(net.network_address)))
        else:
            address = str(net.network_address)
        if classify(address).address_class is AddressClass.PUBLIC:
            out.append((address, record))
    return out


@pytest.fixture(params=["MODE_MMAP", "MODE_MMAP_EXT"])
def mode(request: pytest.FixtureRequest) -> int:
    """Both memory-mapped readers: the pure-Python one and the C extension."""
    if request.param == "MODE_MMAP_EXT":
        try:
            from maxminddb import extension
        except ImportError:
            extension = None
        if not hasattr(extension, "Reader"):
            unavailable("maxminddb was installed without its C extension")
    return int(getattr(maxminddb, request.param))


# Known answers (MaxMind's source-data JSON, quoted in each comment).


def test_city_places_boxford_and_milton() -> None:
    # "::2.125.160.216/125": city Boxford, country GB, subdivisions [England, West Berkshire], radius 100
    boxford = one("2.125.160.216", MAXMIND / "GeoIP2-City-Test.mmdb")
    assert (boxford.city, boxford.country_code, boxford.country_name) == ("Boxford", "GB", "United Kingdom")
    assert (boxford.region, boxford.accuracy_radius_km) == ("England", 100)
    source = boxford.source("city")
    assert source is not None and (source.database_type, source.built, source.kind) == (
        "GeoIP2-City",
        "2026-02-04",  # build_epoch 1770245369
        "location",
    )
    assert location_phrase(boxford) == "within 100 km of Boxford, GB, per GeoIP2-City built 2026-02-04"
    # "::216.160.83.56/125": Milton, US, Washington, radius 22
    milton = one("216.160.83.56", MAXMIND / "GeoIP2-City-Test.mmdb")
    assert (milton.city, milton.country_code, milton.region, milton.accuracy_radius_km) == (
        "Milton",
        "US",
        "Washington",
        22,
    )


def test_connection_type_answers_every_network_of_its_source_json(mode: int) -> None:
    entries = source_json("GeoIP2-Connection-Type-Test.json")
    assert len(entries) >= 20
    with open_databases([db(MAXMIND / "GeoIP2-Connection-Type-Test.mmdb")], NOW, mode) as opened:
        facts, failures = lookup(opened, [a for a, _ in entries])
    assert not failures and len(facts) == len({a for a, _ in entries})
    got = {f.address: f.connection_type for f in facts}
    assert all(got[a] == r["connection_type"] for a, r in entries)
    assert got["216.160.83.56"] == got["201.243.200.0"] == "Corporate"  # the two Corporate networks


def test_asn_answers_every_network_of_its_source_json(mode: int) -> None:
    entries = source_json("GeoLite2-ASN-Test.json")
    assert len(entries) > 600
    with open_databases([db(MAXMIND / "GeoLite2-ASN-Test.mmdb")], NOW, mode) as opened:
        facts, failures = lookup(opened, [a for a, _ in entries])
    got = {f.address: (f.asn, f.as_organisation) for f in facts}
    assert not failures
    for address, record in entries:
        assert got[address] == (record["autonomous_system_number"], record.get("autonomous_system_organization"))


def test_anonymous_ip_flags_match_the_source_json() -> None:
    entries = source_json("GeoIP2-Anonymous-IP-Test.json")
    facts = {f.address: f for f in report([a for a, _ in entries], MAXMIND / "GeoIP2-Anonymous-IP-Test.mmdb").facts}
    flags = ("is_anonymous", "is_anonymous_vpn", "is_hosting_provider", "is_tor_exit_node", "is_public_proxy",
             "is_residential_proxy")  # fmt: skip
    for address, record in entries:
        assert {f: getattr(facts[address], f) for f in flags} == {f: record.get(f) for f in flags}
    # "::81.2.69.0/120": every flag; "::71.160.223.0/120": anonymous hosting only
    london = facts["81.2.69.0"]
    assert london.is_anonymous_vpn and london.is_hosting_provider and london.is_tor_exit_node and london.is_public_proxy
    assert network_kind(london) == "vpn" and network_kind(facts["71.160.223.0"]) == "hosting"


def test_telstra_from_the_isp_and_the_asn_databases() -> None:
    # ISP JSON "::1.128.0.0/107": AS1221 "Telstra Pty Ltd", isp and organization "Telstra Internet"
    isp = one("1.130.5.7", MAXMIND / "GeoIP2-ISP-Test.mmdb")
    assert (isp.asn, isp.as_organisation, isp.isp, isp.organisation) == (
        1221,
        "Telstra Pty Ltd",
        "Telstra Internet",
        "Telstra Internet",
    )
    asn = one("1.159.255.255", MAXMIND / "GeoLite2-ASN-Test.mmdb")  # "1.128.0.0/11": its last address
    assert (asn.asn, asn.as_organisation, asn.isp) == (1221, "Telstra Pty Ltd", None)
    assert one("1.160.0.0", MAXMIND / "GeoLite2-ASN-Test.mmdb").asn != 1221  # just outside the /11


def test_enterprise_traits_and_anonymous_plus_and_residential_proxy() -> None:
    # Enterprise "::74.209.24.0/116": traits user_type residential, Cable/DSL, isp Fairpoint Communications
    fair = one("74.209.24.1", MAXMIND / "GeoIP2-Enterprise-Test.mmdb")
    assert (fair.user_type, fair.connection_type, fair.isp, fair.asn) == (
        "residential",
        "Cable/DSL",
        "Fairpoint Communications",
        14671,
    )
    assert fair.city == "Chatham" and network_kind(fair) == "residential"
    # Enterprise "::149.101.100.0/124": Verizon Wireless, AS6167 (no connection type)
    assert one("149.101.100.3", MAXMIND / "GeoIP2-Enterprise-Test.mmdb").isp == "Verizon Wireless"
    # Anonymous-Plus "1.2.0.1/32": anonymous VPN, provider_name "foo"
    plus = one("1.2.0.1", MAXMIND / "GeoIP-Anonymous-Plus-Test.mmdb")
    assert (plus.is_anonymous_vpn, plus.anonymizer_provider) == (True, "foo")
    # Residential-Proxy "6.0.42.17/32": provider_name "novada"; every listed network is a residential proxy
    proxy = one("6.0.42.17", MAXMIND / "GeoIP-Residential-Proxy-Test.mmdb")
    assert (proxy.is_residential_proxy, proxy.anonymizer_provider, network_kind(proxy)) == (True, "novada", "vpn")
    assert one("6.0.42.18", MAXMIND / "GeoIP-Residential-Proxy-Test.mmdb").is_residential_proxy is None


def test_dbip_layouts() -> None:
    city = one("89.160.20.120", MADE / "DBIP-City-Lite-Test.mmdb")
    assert (city.city, city.region, city.country_code, city.accuracy_radius_km) == (
        "Linköping",
        "Östergötland",
        "SE",
        None,
    )
    assert location_phrase(city) == "near Linköping, SE, per DBIP-City-Lite built 2025-12-01"
    asn = one("89.160.20.120", MADE / "DBIP-ASN-Lite-Test.mmdb")
    assert (asn.asn, asn.as_organisation) == (29518, "Bredband2 AB")
    assert src(asn, "asn").kind == "asn"


def test_ipinfo_layouts_and_an_ipv4_only_database() -> None:
    found = report(["1.128.0.1", "175.16.199.9", "81.2.69.1", "71.160.223.5", "2001:218::1"], MADE / "ipinfo-Test.mmdb")
    assert not found.diagnostics
    lite, country_asn, location, privacy, six = found.facts
    assert (lite.asn, lite.as_organisation, lite.domain, lite.country_code, lite.country_name) == (
        1221,
        "Telstra Limited",
        "telstra.com",
        "AU",
        "Australia",
    )
    assert (country_asn.country_code, country_asn.country_name, country_asn.asn) == ("CN", "China", 4837)
    assert (location.city, location.region, location.country_code) == ("London", "England", "GB")
    assert (privacy.is_anonymous_vpn, privacy.is_hosting_provider, privacy.is_tor_exit_node) == (True, False, False)
    assert (privacy.is_public_proxy, privacy.is_anonymous, privacy.anonymizer_provider) == (False, True, "ExampleVPN")
    assert six.address == "2001:218::1" and not six.stated()  # an IPv6 address is not asked of an IPv4 database


def test_database_kinds() -> None:
    assert database_kind("GeoIP2-City-Shield") is DatabaseKind.LOCATION
    assert database_kind("GeoIP2-City-Europe") is database_kind("DBIP-Country-Lite") is DatabaseKind.LOCATION
    assert database_kind("DBIP-Location-ISP (compat=Enterprise)") is DatabaseKind.ENTERPRISE
    assert database_kind("GeoIP2-Precision-Enterprise-Shield") is DatabaseKind.ENTERPRISE
    assert database_kind("ipinfo standard_privacy.mmdb") is DatabaseKind.IPINFO
    assert database_kind("Test") is database_kind("GeoIP2-Domain") is database_kind("ipinfoX") is None


# Precedence between databases.


def test_the_first_database_wins_and_a_place_comes_whole_from_one() -> None:
    maxmind, dbip = MAXMIND / "GeoIP2-City-Test.mmdb", MADE / "DBIP-City-Lite-Test.mmdb"
    first = one("89.160.20.120", maxmind, dbip)
    assert (first.region, first.accuracy_radius_km, src(first, "region").database_type) == (
        "Östergötland County",
        76,
        "GeoIP2-City",
    )
    second = one("89.160.20.120", dbip, maxmind)
    # DB-IP states no radius: MaxMind's must not be pinned onto DB-IP's place
    assert (second.region, second.accuracy_radius_km) == ("Östergötland", None)
    # Connection-Type says Corporate, Enterprise says Cable/DSL for 216.160.83.56
    conn, ent = MAXMIND / "GeoIP2-Connection-Type-Test.mmdb", MAXMIND / "GeoIP2-Enterprise-Test.mmdb"
    assert one("216.160.83.56", conn, ent).connection_type == "Corporate"
    assert one("216.160.83.56", ent, conn).connection_type == "Cable/DSL"


def test_a_flag_set_by_any_database_beats_an_explicit_false() -> None:
    # ipinfo says hosting "false" for 71.160.223.0/24, MaxMind's Anonymous-IP lists it as hosting
    facts = one("71.160.223.5", MADE / "ipinfo-Test.mmdb", MAXMIND / "GeoIP2-Anonymous-IP-Test.mmdb")
    assert facts.is_hosting_provider is True
    assert src(facts, "is_hosting_provider").database_type == "GeoIP2-Anonymous-IP"
    assert facts.is_tor_exit_node is False and src(facts, "is_tor_exit_node").kind == "ipinfo"


def test_the_same_database_type_twice_keeps_the_first() -> None:
    found = report(["89.160.20.120"], MAXMIND / "GeoIP2-City-Test.mmdb", MADE / "GeoIP2-City-Hostile-Test.mmdb")
    assert [d.kind for d in found.diagnostics] == ["duplicate"]
    assert str(MADE / "GeoIP2-City-Hostile-Test.mmdb") in found.diagnostics[0].message
    assert found.facts[0].city == "Linköping" and len(found.databases) == 1


# Only public addresses.


def test_non_public_addresses_are_never_looked_up() -> None:
    everywhere = MADE / "GeoIP2-Connection-Type-Everywhere-Test.mmdb"  # lists private ranges as Cellular too
    with open_databases([db(everywhere)], NOW) as opened:
        listed = read_record(opened.databases[0].reader, "192.168.1.10")
    assert listed == ({"connection_type": "Cellular"}, None)  # the database would answer...
    private = ["192.168.1.10", "10.1.2.3", "100.64.0.9", "203.0.113.5", "2001:db8::1", "fd00::5", "abc.local"]
    assert report(private, everywhere).facts == ()  # ...but is never asked
    carried = report([*private, "2002:27d:a0d8::1", "2.125.160.216"], everywhere).facts
    assert [(f.address, f.connection_type) for f in carried] == [("2.125.160.216", "Cellular")]  # 6to4 carries it


# Failures are data.


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_every_bad_file_is_a_diagnostic_naming_it(path: Path, mode: int) -> None:
    start = time.perf_counter()
    with open_databases([db(path)], NOW, mode) as opened:
        _, failures = lookup(opened, ["2.125.160.216", "81.2.69.142", "1.1.1.1", "2001:218::1"])
    problems = [*opened.diagnostics, *failures]
    assert problems and all(str(path) in d.message for d in problems)
    assert {d.kind for d in problems} & {"corrupt", "unknown-type", "lookup-failed"}
    assert time.perf_counter() - start < 5


def test_the_broken_city_database_opens_but_its_lookups_fail(mode: int) -> None:
    broken = MAXMIND / "bad-data" / "GeoIP2-City-Test-Broken-Double-Format.mmdb"
    found = geoip_report(["2.125.160.216", "81.2.69.142", "1.1.1.1"], [db(broken)], NOW)
    failed = [d for d in found.diagnostics if d.kind == "lookup-failed"]
    assert len(failed) == 1 and "2 lookups failed" in failed[0].message
    assert [f.stated() for f in found.facts] == [(), (), ()]


@pytest.mark.parametrize("size", [0, 15, 1000, 15000, 22000])
def test_a_truncated_database_is_a_diagnostic(tmp_path: Path, size: int, mode: int) -> None:
    cut = tmp_path / "GeoIP2-City-Test.mmdb"
    cut.write_bytes((MAXMIND / "GeoIP2-City-Test.mmdb").read_bytes()[:size])
    with open_databases([db(cut)], NOW, mode) as opened:
        _, failures = lookup(opened, ["2.125.160.216", "216.160.83.56"])
    problems = [*opened.diagnostics, *failures]
    assert [d.kind for d in problems] == ["corrupt"] and str(cut) in problems[0].message


def test_missing_unreadable_and_foreign_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.mmdb"
    text.write_text("not a database\n" * 100)
    folder = tmp_path / "empty"
    folder.mkdir()
    paths = [tmp_path / "absent.mmdb", text, folder, MAXMIND / "GeoIP2-City-Test.mmdb"]
    found = report(["2.125.160.216"], *paths)
    assert [(d.path, d.kind) for d in found.diagnostics] == [
        (str(paths[0]), "not-found"),
        (str(text), "corrupt"),
        (str(folder), "unreadable"),
    ]
    assert found.facts[0].city == "Boxford"  # the good database still answers


def test_hostile_records_are_cut_typed_and_cleaned() -> None:
    hostile = MADE / "GeoIP2-City-Hostile-Test.mmdb"
    found = report(["89.160.20.120", "175.16.199.9", "216.160.83.56"], hostile)
    assert not found.diagnostics
    big, string_record, control = found.facts
    assert big.city == "x" * MAX_TEXT and big.region == "Region 0"  # 20,000 characters; 2,000 subdivisions
    assert (big.country_code, big.country_name, big.accuracy_radius_km, big.asn, big.is_anonymous_vpn) == (None,) * 5
    assert string_record.stated() == ()
    assert control.accuracy_radius_km is None  # 2^32 - 1 km
    assert control.city == "Milton[31m" and control.city.isprintable()


def test_hostile_data_sections_fail_one_lookup_each(mode: int) -> None:
    """The decoding bombs have database type "Test" and are never looked up; ``read_record`` on
    them directly shows that a lookup ends, bounded, with a reason instead of an exception."""
    for name in ("MaxMind-DB-test-pointer-decoder-dos.mmdb", "libmaxminddb-deep-nesting.mmdb",
                 "libmaxminddb-oversized-map.mmdb"):  # fmt: skip
        reader = maxminddb.open_database(str(MAXMIND / "bad-data" / name), mode)
        start = time.perf_counter()
        record, reason = read_record(reader, "1.1.1.1")
        reader.close()
        assert record is None and reason is not None and "InvalidDatabaseError" in reason, name
        assert time.perf_counter() - start < 2


def test_stale_databases_are_flagged_relative_to_now() -> None:
    stale = MADE / "GeoLite2-Country-Stale-Test.mmdb"  # built 2020-01-01
    found = report(["2.125.160.216"], stale)
    assert [(d.kind, d.level) for d in found.diagnostics] == [("stale", "warning")]
    assert "built 2020-01-01, 2343 days before 2026-06-01" in found.diagnostics[0].message
    assert found.facts[0].country_code == "GB"  # still used, with the warning beside it
    assert report(["2.125.160.216"], stale, now=datetime(2020, 12, 31, tzinfo=UTC)).diagnostics == ()
    city = MAXMIND / "GeoIP2-City-Test.mmdb"  # built 2026-02-04
    assert report([], city, now=datetime(2027, 2, 4, tzinfo=UTC)).diagnostics == ()  # 365 days
    assert [d.kind for d in report([], city, now=datetime(2027, 2, 5, tzinfo=UTC)).diagnostics] == ["stale"]


def test_a_source_without_a_build_date_says_so() -> None:
    source = GeoSource("x.mmdb", "GeoIP2-City", "location", None, "env")
    assert source.label() == "GeoIP2-City (build date unknown)"


def test_without_maxminddb_every_database_is_a_diagnostic() -> None:
    code = (
        "import sys; sys.modules['maxminddb'] = None\n"
        "from datetime import datetime, UTC\n"
        "from icecheck.enrich.geoip import DatabasePath, PathOrigin, geoip_report\n"
        "r = geoip_report(['2.125.160.216'], [DatabasePath('a.mmdb', PathOrigin.ENV, 'a.mmdb')], datetime.now(UTC))\n"
        "print(len(r.facts[0].stated()), *(f'{d.kind}|{d.message}' for d in r.diagnostics), sep='\\n')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "0",
        "missing-package|a.mmdb: the maxminddb package is not installed (pip install 'icecheck[geoip]'); "
        "the database was not read",
    ]


def test_no_socket_is_ever_opened() -> None:
    """An audit hook turns any socket use into a failure, around a lookup in every database."""
    files = [str(p) for p in (*sorted(MAXMIND.glob("*.mmdb")), *sorted(MADE.glob("*.mmdb")), *BAD)]
    code = (
        "import sys, json\n"
        "def hook(event, args):\n"
        "    if event.startswith(('socket.', 'getaddrinfo')):\n"
        "        raise RuntimeError('socket use: ' + event)\n"
        "sys.addaudithook(hook)\n"
        "from datetime import datetime, UTC\n"
        "from icecheck.enrich.geoip import DatabasePath, PathOrigin, geoip_report\n"
        "paths = [DatabasePath(p, PathOrigin.EXPLICIT, p) for p in json.loads(sys.argv[1])]\n"
        "r = geoip_report(['2.125.160.216', '81.2.69.142', '1.128.0.1', '2001:218::1'], paths, datetime.now(UTC))\n"
        "print(len(r.databases), r.facts[0].city)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, json.dumps(files)], capture_output=True, text=True, cwd=REPO,
                         timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[1] == "Boxford" and int(out.stdout.split()[0]) >= 10


# Discovery.


def fake_tree(folders: dict[str, tuple[str, ...]]) -> Any:
    return lambda path: tuple(os.path.join(path, n) for n in folders[path]) if path in folders else None


def test_discovery_order_explicit_env_then_standard() -> None:
    probe = fake_tree(
        {
            "/mine": ("b.mmdb", "a.mmdb"),
            STANDARD_DIRS[1]: ("GeoLite2-City.mmdb",),
            "/pd/MaxMind/GeoIPUpdate/GeoIP": ("w.mmdb",),
        }
    )
    env = {ENV_VAR: os.pathsep.join(["/env/one.mmdb", "", " ", "/mine"]), "PROGRAMDATA": "/pd"}
    found = discover_databases(env, ["/cli/x.mmdb", "/mine"], probe)
    assert [(p.path, p.origin.value, p.given) for p in found] == [
        ("/cli/x.mmdb", "explicit", "/cli/x.mmdb"),
        ("/mine/b.mmdb", "explicit", "/mine"),  # a folder's files in the order the probe lists them
        ("/mine/a.mmdb", "explicit", "/mine"),
        ("/env/one.mmdb", "env", "/env/one.mmdb"),  # empty entries ignored, /mine's files kept once
        (f"{STANDARD_DIRS[1]}/GeoLite2-City.mmdb", "discovered", STANDARD_DIRS[1]),
        ("/pd/MaxMind/GeoIPUpdate/GeoIP/w.mmdb", "discovered", "/pd/MaxMind/GeoIPUpdate/GeoIP"),
    ]
    assert [p.origin for p in discover_databases(env, [], probe, standard=False)] == [PathOrigin.ENV] * 3
    assert discover_databases({}, [], fake_tree({})) == ()


def test_list_mmdb_on_a_real_folder(tmp_path: Path) -> None:
    for name in ("b.mmdb", "A.MMDB", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub.mmdb").mkdir()
    assert list_mmdb(str(tmp_path)) == (str(tmp_path / "A.MMDB"), str(tmp_path / "b.mmdb"))
    assert list_mmdb(str(tmp_path / "b.mmdb")) is None and list_mmdb(str(tmp_path / "absent")) is None
    env = {ENV_VAR: str(tmp_path)}
    assert [p.path for p in discover_databases(env, [], standard=False)] == [
        str(tmp_path / "A.MMDB"),
        str(tmp_path / "b.mmdb"),
    ]


def test_discovered_folders_feed_a_whole_report() -> None:
    env = {ENV_VAR: os.pathsep.join([str(MAXMIND), str(MADE)])}
    paths = discover_databases(env, [str(MAXMIND / "GeoIP2-Connection-Type-Test.mmdb")], standard=False)
    found = geoip_report(["2.125.160.216", "81.2.69.142", "192.168.1.1"], paths, NOW)
    assert {d.kind for d in found.diagnostics} == {"duplicate", "stale"}
    boxford, london = found.facts
    assert (boxford.city, boxford.connection_type, network_kind(boxford)) == ("Boxford", "Cable/DSL", "residential")
    assert src(boxford, "connection_type").origin == "explicit"
    assert network_kind(london) == "vpn" and src(london, "city").origin == "env"
