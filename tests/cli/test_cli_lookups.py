"""`icecheck sdp` with lookups, as a user points it at a resolver and an HTTPS proxy (real servers:
dnsmasq and the RDAP proxy on loopback, serving recorded documents; the suite's netns keeps every
packet home). The recorded addresses are lookup keys only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from icecheck.analysis.rules import LOOKUP_RULES
from tests.conftest import REPO, SAMPLES, run_cli, run_json
from tests.lab.dns import LabDns, fixture_zone
from tests.lab.rdap_proxy import RdapProxy


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabDns, RdapProxy]]:
    root = tmp_path_factory.mktemp("cli-lookups")
    with LabDns(root / "dns", fixture_zone()) as dns, RdapProxy(root / "proxy") as proxy:
        yield dns, proxy


def lookup_env(proxy: RdapProxy, cache: Path) -> dict[str, str]:
    return {
        "ICECHECK_OFFLINE": "0",
        "https_proxy": proxy.url,
        "SSL_CERT_FILE": str(proxy.ca_file),
        "XDG_CACHE_HOME": str(cache),
    }


def audit(sample: Path, servers: tuple[LabDns, RdapProxy], cache: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    import json

    dns, proxy = servers
    proc = run_cli(
        "sdp",
        str(sample),
        "--resolver",
        dns.address,
        "--format",
        "json",
        "--fail-on",
        "info",
        *extra,
        env=lookup_env(proxy, cache),
    )
    return proc.returncode, json.loads(proc.stdout)


def test_srflx_reports_isp_and_country(servers: tuple[LabDns, RdapProxy], tmp_path: Path) -> None:
    _, report = audit(SAMPLES / "rules" / "ICE019.sdp", servers, tmp_path)
    (info,) = [n for n in report["network_info"] if n["address"] == "62.239.237.1"]
    assert info["asn"] == 2856 and info["country"] == "GB" and info["network_kind"] == "residential"
    summaries = " ".join(e["summary"] for e in report["exposures"] if e["kind"] in ("isp", "country"))
    assert "BT" in summaries or "British" in summaries
    assert {a["status"] for a in report["attempts"] if a["target"] == "62.239.237.1"} == {"ok"}


@pytest.mark.parametrize("rule_id", sorted(LOOKUP_RULES))
def test_lookup_rule_samples_trigger_with_the_lab(
    rule_id: str, servers: tuple[LabDns, RdapProxy], tmp_path: Path
) -> None:
    code, report = audit(SAMPLES / "rules" / f"{rule_id}.sdp", servers, tmp_path)
    assert rule_id in {f["rule"] for f in report["findings"]}, report["exposures"]
    assert code == 1


def test_second_run_comes_from_the_cache(servers: tuple[LabDns, RdapProxy], tmp_path: Path) -> None:
    dns, proxy = servers
    audit(SAMPLES / "rules" / "ICE018.sdp", servers, tmp_path)
    before_http, before_dns = proxy.stats()["requests"], dns.queries()
    _, report = audit(SAMPLES / "rules" / "ICE018.sdp", servers, tmp_path)
    assert (proxy.stats()["requests"], dns.queries()) == (before_http, before_dns)
    assert {a["status"] for a in report["attempts"]} == {"cached"}
    offline = run_cli("sdp", str(SAMPLES / "rules" / "ICE018.sdp"), "--offline", "-f", "json", "--fail-on", "info",
                      env=lookup_env(proxy, tmp_path))  # fmt: skip
    assert "ICE018" in {f["rule"] for f in json.loads(offline.stdout)["findings"]}  # the cache answers offline too


def test_strict_makes_a_failed_lookup_exit_3(tmp_path: Path) -> None:
    """A resolver port where nothing listens: the lookups fail, and --strict turns that into exit 3."""
    env = {"ICECHECK_OFFLINE": "0", "https_proxy": "http://127.0.0.1:9", "XDG_CACHE_HOME": str(tmp_path)}
    sample = str(SAMPLES / "rules" / "ICE019.sdp")
    args = ("sdp", sample, "--resolver", "127.0.0.1:9", "--lookup-timeout", "1")
    assert run_cli(*args, env=env).returncode == 0
    proc = run_cli(*args, "--strict", "--format", "json", env=env)
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr


def test_offline_default_in_tests_sends_nothing() -> None:
    _, report = run_json("sdp", str(SAMPLES / "rules" / "ICE019.sdp"))
    assert report["attempts"] == [] and any("not looked up" in n for n in report["notes"])


def test_registry_and_geoip_facts_side_by_side_and_where_they_disagree(
    servers: tuple[LabDns, RdapProxy], tmp_path: Path
) -> None:
    """The lab's recorded RDAP says BT, AS2856, GB; a made database says Telstra, AS1221, AU."""
    database = REPO / "tests" / "data" / "geoip" / "GeoIP2-Enterprise-Disagrees-Test.mmdb"
    sample = SAMPLES / "rules" / "ICE019.sdp"
    _, report = audit(sample, servers, tmp_path, "--geoip-db", str(database))
    (info,) = [n for n in report["network_info"] if n["address"] == "62.239.237.1"]
    assert (info["asn"], info["country"], info["network_kind"]) == (2856, "GB", "residential")
    facts = info["geoip"]["facts"]
    assert (facts["asn"]["value"], facts["country_code"]["value"], facts["city"]["value"]) == (1221, "AU", "Melbourne")
    assert info["geoip"]["disagreements"] == [
        {"fact": "asn", "registry": "AS2856", "database": "AS1221", "source": str(database)},
        {"fact": "country", "registry": "GB", "database": "AU", "source": str(database)},
    ]
    isp = [e["summary"] for e in report["exposures"] if e["kind"] == "isp"]
    assert len(isp) == 1 and "AS2856" in isp[0] and "per GeoIP2" not in isp[0]  # the registry's name comes first
    dns, proxy = servers
    proc = run_cli("sdp", str(sample), "--resolver", dns.address, "--geoip-db", str(database),
                   env=lookup_env(proxy, tmp_path))  # fmt: skip
    text = " ".join(proc.stdout.split())
    assert "The registry and GeoIP2-Enterprise built 2025-12-01 disagree on the autonomous system of 62.239.237.1: " \
           "AS2856 per the registry, AS1221 per the database." in text  # fmt: skip
    assert "operator BT" in text and "Telstra Internet, AS1221 (GeoIP2-Enterprise built 2025-12-01)" in text


def test_resolve_hostnames_keeps_max_lookups(tmp_path: Path) -> None:
    """With --resolve-hostnames, --max-lookups still caps what is looked up: the first public
    address and the first host name, each over the cap counted in a note. (It once added every
    address of the input to the lookups, public ones past the cap included.)"""
    zone = fixture_zone()
    zone.hosts["a.lab.example"] = ["74.125.225.229"]
    zone.hosts["b.lab.example"] = ["62.239.237.1"]
    sdp = tmp_path / "names.sdp"
    sdp.write_text(
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n"
        "a=candidate:1 1 udp 1686052607 2001:4860:4860::8888 5000 typ srflx raddr 10.0.0.2 rport 5000\r\n"
        "a=candidate:2 1 udp 1686052607 62.239.237.1 5001 typ srflx raddr 10.0.0.2 rport 5001\r\n"
        "a=candidate:3 1 udp 2122260223 a.lab.example 5002 typ host\r\n"
        "a=candidate:4 1 udp 2122260223 b.lab.example 5003 typ host\r\n"
    )
    with LabDns(tmp_path / "dns", zone) as dns, RdapProxy(tmp_path / "proxy") as proxy:
        proc = run_cli("sdp", str(sdp), "--resolver", dns.address, "--resolve-hostnames", "--max-lookups", "1",
                       "-f", "json", env=lookup_env(proxy, tmp_path / "cache"))  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    looked = {(a["kind"], a["target"]) for a in report["attempts"]}
    assert ("resolve", "a.lab.example") in looked and ("resolve", "b.lab.example") not in looked
    assert {t for _, t in looked} == {"a.lab.example", "2001:4860:4860::8888", "74.125.225.229"}
    assert "1 more public addresses not looked up (--max-lookups 1)." in report["notes"]
    assert "1 more host names not resolved (--max-lookups 1)." in report["notes"]
