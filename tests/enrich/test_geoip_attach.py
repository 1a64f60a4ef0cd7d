"""The GeoIP step of an audit (enrich.geoip_attach) over MaxMind's test databases: facts beside the
registry's, the network kind settled from both, the databases as attempts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from icecheck.enrich.geoip import DatabasePath, PathOrigin, geoip_report
from icecheck.enrich.geoip_attach import attach, attempts, settled_kind
from icecheck.model import FAILED_STATUSES, GeoFacts, NetworkInfo
from tests.conftest import REPO

MAXMIND = REPO / "tests" / "data" / "maxmind"
MADE = REPO / "tests" / "data" / "geoip"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def paths(*files: Path, origin: PathOrigin = PathOrigin.EXPLICIT) -> list[DatabasePath]:
    return [DatabasePath(str(f), origin, str(f)) for f in files]


@pytest.mark.parametrize(
    ("registry", "facts", "settled"),
    [
        (None, GeoFacts("a", connection_type="Cable/DSL"), "residential"),  # offline: the database fills in
        ("unknown", GeoFacts("a", connection_type="Cellular"), "mobile"),
        ("hosting", GeoFacts("a", connection_type="Cable/DSL"), "hosting"),  # the AS table's kind stands
        ("residential", GeoFacts("a", is_anonymous_vpn=True), "vpn"),  # a flag on this address beats the AS
        ("residential", GeoFacts("a", is_hosting_provider=True, connection_type="Corporate"), "hosting"),
        ("mobile", GeoFacts("a"), "mobile"),  # a database that says nothing changes nothing
        (None, GeoFacts("a", is_tor_exit_node=False), None),  # an explicit "not an exit" is no kind
    ],
)
def test_settled_kind(registry: str | None, facts: GeoFacts, settled: str | None) -> None:
    assert settled_kind(registry, facts) == settled


def test_attach_keeps_the_registry_order_and_adds_what_only_the_databases_saw() -> None:
    databases = paths(MAXMIND / "GeoIP2-Connection-Type-Test.mmdb", MAXMIND / "GeoIP2-Anonymous-IP-Test.mmdb")
    report = geoip_report(["81.2.69.160", "2.125.160.216", "216.160.83.56"], databases, NOW)
    info = (NetworkInfo("2.125.160.216", asn=2856, network_kind="unknown"), NetworkInfo("81.2.69.160"))
    out = attach(info, report)
    assert [i.address for i in out] == ["2.125.160.216", "81.2.69.160", "216.160.83.56"]
    home, exit_, corporate = out
    assert home.asn == 2856 and home.network_kind == "residential" and home.geoip is not None
    assert exit_.network_kind == "vpn" and exit_.geoip is not None and exit_.geoip.is_tor_exit_node
    assert corporate.geoip is not None and corporate.geoip.connection_type == "Corporate"
    assert corporate.network_kind is None  # "Corporate" is no kind the rules compare


def test_every_database_is_an_attempt_and_only_unusable_ones_fail(tmp_path: Path) -> None:
    copy = tmp_path / "copy.mmdb"
    copy.write_bytes((MAXMIND / "GeoIP2-City-Test.mmdb").read_bytes())
    files = (
        MAXMIND / "GeoIP2-City-Test.mmdb",
        copy,
        MADE / "GeoLite2-Country-Stale-Test.mmdb",
        MAXMIND / "bad-data" / "libmaxminddb-offset-integer-overflow.mmdb",
        tmp_path / "missing.mmdb",
    )
    found = attempts(geoip_report(["2.125.160.216"], paths(*files), NOW))
    by_status = {(a.target, a.status) for a in found}
    assert by_status == {
        (str(files[0]), "ok"),
        (str(copy), "duplicate"),
        (str(files[2]), "ok"),
        (str(files[2]), "stale"),
        (str(files[3]), "error"),
        (str(files[4]), "error"),
    }
    assert {a.kind for a in found} == {"geoip"}
    assert {a.target for a in found if a.status in FAILED_STATUSES} == {str(files[3]), str(files[4])}
    ok = next(a for a in found if a.target == str(files[0]))
    assert ok.detail == "GeoIP2-City built 2026-02-04 (--geoip-db)"
    missing = next(a for a in found if a.target == str(files[4]))
    assert missing.detail == "no such file"  # the target names the file; the detail does not repeat it


def test_discovered_and_environment_databases_say_where_they_came_from() -> None:
    for origin, words in ((PathOrigin.ENV, "ICECHECK_GEOIP_DB"), (PathOrigin.DISCOVERED, "standard folder")):
        databases = paths(MAXMIND / "GeoLite2-ASN-Test.mmdb", origin=origin)
        (found,) = attempts(geoip_report([], databases, NOW))
        assert found.status == "ok" and words in found.detail
