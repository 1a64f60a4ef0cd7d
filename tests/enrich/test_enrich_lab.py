"""Enrichment against real servers on loopback: dnsmasq (PTR, Cymru TXT) and the RDAP proxy.

The recorded addresses in tests/data/rdap-fixtures are lookup keys only: the resolver and the
proxy are configured explicitly (never the system resolver), and the suite runs in a private
network namespace (scripts/run-tests), where a stray packet fails instead of leaving.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from icecheck.analysis.isp import isp_exposures
from icecheck.analysis.netmap import network_mermaid
from icecheck.audit import audit_candidates
from icecheck.enrich import EnrichConfig, enrich
from icecheck.inputs.sdp import parse_sdp_text
from icecheck.model import Attempt, AuditedCandidate, NetworkInfo, Origin
from tests.conftest import unavailable
from tests.lab.dns import LabDns, fixture_zone
from tests.lab.dns import Origin as CymruOrigin
from tests.lab.rdap_proxy import RdapProxy

BT, GOOGLE, GOOGLE_V4 = "62.239.237.1", "2001:4860:4860::8888", "74.125.225.229"
EXTRA = [f"62.239.238.{i}" for i in range(1, 9)]  # templated BT-range keys (never contacted)


@dataclass
class Lab:
    dns: LabDns
    proxy: RdapProxy
    root: Path


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("enrich-lab")
    zone = fixture_zone()
    for address in EXTRA:
        zone.origins[address] = CymruOrigin("2856", "62.239.0.0/16", "GB", "ripencc", "2001-01-02")
    zone.hosts["turn.lab.example"] = [GOOGLE_V4, GOOGLE]
    with LabDns(root / "dns", zone) as dns, RdapProxy(root / "proxy") as proxy:
        yield Lab(dns, proxy, root)


@pytest.fixture
def proxy(lab: Lab) -> RdapProxy:
    lab.proxy.reset()
    return lab.proxy


def config(lab: Lab, tmp_path: Path, **changes: Any) -> EnrichConfig:
    settings: dict[str, Any] = {
        "resolver": lab.dns.address,
        "https_proxy": lab.proxy.url,
        "ca_file": str(lab.proxy.ca_file),
        "cache_path": tmp_path / "cache.sqlite3",
        "timeout": 2.0,
        "lookup_timeout": 5.0,
        "backoff": 0.01,
    }
    return EnrichConfig(**{**settings, **changes})


def run(addresses: list[str], cfg: EnrichConfig) -> tuple[tuple[NetworkInfo, ...], tuple[Attempt, ...]]:
    return asyncio.run(enrich(addresses, cfg))


def statuses(attempts: tuple[Attempt, ...], kind: str | None = None) -> list[str]:
    return [a.status for a in attempts if kind is None or a.kind == kind]


SDP = """v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
m=audio 9 UDP/TLS/RTP/SAVPF 111
c=IN IP4 0.0.0.0
a=ice-ufrag:lab1
a=candidate:1 1 udp 2122260223 192.168.1.20 50000 typ host generation 0 network-cost 10
a=candidate:2 1 udp 1686052607 {srflx} 50000 typ srflx raddr 192.168.1.20 rport 50000
a=candidate:3 1 udp 41885439 {relay} 60000 typ relay raddr {srflx} rport 50000
"""


def audited(srflx: str, relay: str) -> tuple[AuditedCandidate, ...]:
    doc = parse_sdp_text(SDP.format(srflx=srflx, relay=relay), Origin("lab.sdp"))
    return audit_candidates([doc])


def addresses_of(cands: tuple[AuditedCandidate, ...]) -> list[str]:
    out = [c.facts.address for c in cands]
    return out + [c.related_facts.address for c in cands if c.related_facts is not None]


def test_sdp_srflx_bt_reports_bt_uk_residential(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    cands = audited(BT, GOOGLE_V4)
    info, attempts = run(addresses_of(cands), config(lab, tmp_path))
    bt = next(i for i in info if i.address == BT)
    assert (bt.asn, bt.country, bt.network_kind, bt.registry) == (2856, "GB", "residential", "ripencc")
    assert bt.as_name is not None and "BT" in bt.as_name
    assert bt.ptr == "host62-239-237-1.range62-239.btcentralplus.com"
    exposures = {e.kind: e for e in isp_exposures(cands, info)}
    assert "BT" in exposures["isp"].summary and exposures["isp"].evidence == ("c2", "c3")
    assert exposures["country"].value == "GB"
    assert "Google" in exposures["relay-operator"].summary and exposures["relay-operator"].evidence == ("c3",)
    assert statuses(attempts) == ["ok"] * 4  # rdap + ptr for each of the two public addresses
    assert "192.168.1.20" not in {a.target for a in attempts}
    assert "BT-UK-AS" in network_mermaid(cands, info)


def test_google_ipv6_is_hosting_not_residential(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    info, attempts = run([GOOGLE], config(lab, tmp_path))
    (google,) = info
    assert google.network_kind == "hosting" and google.asn == 15169
    assert google.organisation == "Google Inc." and google.country == "US" and google.ptr == "dns.google"
    assert statuses(attempts) == ["ok", "ok"]


def test_non_public_addresses_are_never_sent(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    before = lab.dns.queries()
    quiet = ["192.168.1.2", "203.0.113.7", "2001:db8::1", "3fff::1", "100.64.1.1", "fe80::1", "x.local", "::1"]
    assert run(quiet, config(lab, tmp_path)) == ((), ())
    assert proxy.stats()["connects"] == 0 and lab.dns.queries() == before


def test_second_run_is_served_from_cache(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    cfg = config(lab, tmp_path)
    first, _ = run([BT, GOOGLE], cfg)
    requests, queries = proxy.stats()["requests"], lab.dns.queries()
    second, attempts = run([BT, GOOGLE], cfg)
    assert second == first
    assert statuses(attempts) == ["cached"] * 4
    assert proxy.stats()["requests"] == requests == 2 and lab.dns.queries() == queries


def test_refresh_asks_again_and_no_cache_writes_nothing(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    run([BT], config(lab, tmp_path))
    _, attempts = run([BT], config(lab, tmp_path, refresh=True))
    assert statuses(attempts) == ["ok", "ok"] and proxy.stats()["requests"] == 2
    _, attempts = run([BT], config(lab, tmp_path, no_cache=True, cache_path=tmp_path / "none.sqlite3"))
    assert statuses(attempts) == ["ok", "ok"] and not (tmp_path / "none.sqlite3").exists()


def test_offline_sends_nothing_and_uses_the_cache(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    before = lab.dns.queries()
    info, attempts = run([BT], config(lab, tmp_path, offline=True))
    assert statuses(attempts) == ["offline", "offline"] and info[0].asn is None
    assert proxy.stats()["connects"] == 0 and lab.dns.queries() == before
    run([BT], config(lab, tmp_path))
    connects, queries = proxy.stats()["connects"], lab.dns.queries()
    info, attempts = run([BT], config(lab, tmp_path, offline=True))
    assert statuses(attempts) == ["cached", "cached"] and info[0].asn == 2856
    assert proxy.stats()["connects"] == connects and lab.dns.queries() == queries


def test_rate_limited_answer_is_retried(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    proxy.configure(ratelimit=2, retry_after=0)
    info, attempts = run([BT], config(lab, tmp_path, retries=3))
    rdap = next(a for a in attempts if a.kind == "rdap")
    assert rdap.status == "ok" and "after 3 tries" in rdap.detail and info[0].asn == 2856
    assert proxy.stats()["requests"] == 3


def test_rate_limit_that_persists_is_reported(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    proxy.configure(ratelimit=100)
    _, attempts = run([BT], config(lab, tmp_path, retries=2))
    assert statuses(attempts, "rdap") == ["rate-limited"] and proxy.stats()["requests"] == 3


def test_server_error_is_retried(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    proxy.configure(errors=1)
    _, attempts = run([GOOGLE], config(lab, tmp_path))
    assert statuses(attempts, "rdap") == ["ok"] and proxy.stats()["requests"] == 2


def test_rdap_timeout(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    proxy.configure(stall=True)
    _, attempts = run([BT], config(lab, tmp_path, timeout=0.5, lookup_timeout=1.0))
    rdap = next(a for a in attempts if a.kind == "rdap")
    assert rdap.status == "timeout" and rdap.elapsed is not None and rdap.elapsed < 2
    assert statuses(attempts, "ptr") == ["ok"]  # one failure does not spoil the other lookup


def test_proxy_refusals(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    proxy.configure(refuse=True)
    _, attempts = run([BT], config(lab, tmp_path))
    assert statuses(attempts, "rdap") == ["refused"]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        _, attempts = run([BT], config(lab, tmp_path, https_proxy=url))
    assert statuses(attempts, "rdap") == ["refused"]


def test_unknown_address_gives_nxdomain(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    info, attempts = run(["8.8.4.4"], config(lab, tmp_path))
    assert {(a.kind, a.status) for a in attempts} == {("asn", "nxdomain"), ("ptr", "nxdomain")}
    assert info[0].asn is None and proxy.stats()["connects"] == 0


def test_dns_timeout(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hole:  # receives, never answers
        hole.bind(("127.0.0.1", 0))
        resolver = f"127.0.0.1:{hole.getsockname()[1]}"
        _, attempts = run([BT], config(lab, tmp_path, resolver=resolver, timeout=0.3, lookup_timeout=1.0))
    assert {(a.kind, a.status) for a in attempts} == {("asn", "timeout"), ("ptr", "timeout")}


def test_total_timeout_ends_the_run_and_keeps_what_finished(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    """The RDAP answer stalls beyond ``total_timeout``: the run ends then, the PTR answer that came
    is kept, and the ipwhois thread, blocked until its own 2 s socket timeout, is left behind."""
    proxy.configure(stall=True)
    info, attempts = run([BT], config(lab, tmp_path, timeout=2.0, lookup_timeout=15.0, total_timeout=0.5))
    abandoned = [t for t in threading.enumerate() if t.name == "icecheck-rdap"]
    rdap = next(a for a in attempts if a.kind == "rdap")
    assert rdap.status == "timeout" and rdap.detail == "unfinished when the 0.5 s for all lookups ran out"
    assert statuses(attempts, "ptr") == ["ok"] and info[0].ptr == "host62-239-237-1.range62-239.btcentralplus.com"
    assert abandoned and all(t.daemon for t in abandoned)  # the run did not wait for it
    for thread in abandoned:  # it ends with its socket timeout: the next test finds a quiet proxy
        thread.join(10)


def test_total_timeout_covers_host_name_resolution(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hole:  # receives, never answers
        hole.bind(("127.0.0.1", 0))
        cfg = config(lab, tmp_path, resolver=f"127.0.0.1:{hole.getsockname()[1]}", timeout=5.0, total_timeout=0.3,
                     resolve_hostnames=True)  # fmt: skip
        _, attempts = run(["turn.lab.example"], cfg)
    assert [(a.kind, a.target, a.status) for a in attempts] == [("resolve", "turn.lab.example", "timeout")]


def test_no_lookups_asks_nothing_and_opens_no_cache(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    before = lab.dns.queries()
    cfg = config(lab, tmp_path, rdap=False, ptr=False, resolve_hostnames=True)
    assert run([BT, GOOGLE, "turn.lab.example"], cfg) == ((), ())
    assert proxy.stats()["connects"] == 0 and lab.dns.queries() == before
    assert not (tmp_path / "cache.sqlite3").exists()


def test_dns_refused(tmp_path: Path, lab: Lab, proxy: RdapProxy) -> None:
    zone = fixture_zone()
    zone.ptrs.clear()
    with LabDns(tmp_path / "refusing", zone, refuse_unknown=True) as refusing:
        _, attempts = run(["8.8.4.4", BT], config(lab, tmp_path, resolver=refusing.address))
    assert ("asn", "8.8.4.4", "refused") in {(a.kind, a.target, a.status) for a in attempts}
    assert {a.status for a in attempts if a.kind == "ptr"} == {"refused"}


def test_proxy_from_environment(lab: Lab, proxy: RdapProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("https_proxy", lab.proxy.url)
    monkeypatch.setenv("SSL_CERT_FILE", str(lab.proxy.ca_file))
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    info, _ = run([GOOGLE], config(lab, tmp_path, https_proxy=None, ca_file=None))
    assert info[0].asn == 15169 and proxy.stats()["requests"] == 1


def test_lookups_run_concurrently(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    proxy.configure(delay=0.4, template=True)
    seen: list[tuple[int, int]] = []
    cfg = config(lab, tmp_path, concurrency=8, ptr=False)
    start = time.monotonic()
    info, attempts = asyncio.run(enrich(EXTRA, cfg, lambda done, total: seen.append((done, total))))
    assert statuses(attempts) == ["ok"] * 8 and {i.asn for i in info} == {2856}
    assert time.monotonic() - start < 4 * 0.4  # one after another would take 8 * 0.4 s
    assert seen[-1] == (8, 8) and len(seen) == 8


def test_concurrency_is_bounded(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    proxy.configure(delay=0.2, template=True)
    info, _ = run(EXTRA, config(lab, tmp_path, concurrency=3, ptr=False))
    assert len(info) == 8 and proxy.stats()["max_inflight"] == 3


def test_as_name_is_asked_once_per_asn(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    proxy.configure(template=True)
    before = lab.dns.queries()
    info, _ = run(EXTRA, config(lab, tmp_path, concurrency=1, ptr=False))
    assert {i.as_name for i in info} == {"BT-UK-AS BTnet UK Regional network, GB"}
    assert lab.dns.queries() - before == len(EXTRA) + 1  # one origin query each, one AS-name query


def test_hostnames_resolved_only_when_asked(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    given = ["turn.lab.example", "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9.local"]
    before = lab.dns.queries()
    assert run(given, config(lab, tmp_path)) == ((), ())
    assert lab.dns.queries() == before
    info, attempts = run(given, config(lab, tmp_path, resolve_hostnames=True, ptr=False))
    assert [i.address for i in info] == [GOOGLE_V4, GOOGLE] and {i.asn for i in info} == {15169}
    resolve = [a for a in attempts if a.kind == "resolve"]
    assert [(a.target, a.status) for a in resolve] == [("turn.lab.example", "ok")]  # never the .local name
    _, attempts = run(["nothing.lab.example"], config(lab, tmp_path, resolve_hostnames=True))
    assert [(a.kind, a.status) for a in attempts] == [("resolve", "nxdomain")]
    _, attempts = run(["turn.lab.example"], config(lab, tmp_path, resolve_hostnames=True, offline=True))
    assert [(a.kind, a.status) for a in attempts] == [("resolve", "offline")]


def _unreachable(address: str) -> bool:
    """True when the kernel has no route to ``address`` (a private namespace): nothing is sent."""
    probe = subprocess.run(["ip", "route", "get", address], capture_output=True, text=True)
    return probe.returncode != 0 and "unreachable" in probe.stderr.lower()


def test_no_network(lab: Lab, proxy: RdapProxy, tmp_path: Path) -> None:
    target = "198.18.0.1"  # RFC 2544 benchmarking range; only used when it has no route at all
    if not _unreachable(target):
        unavailable("needs a namespace without routes (scripts/run-tests)")
    _, attempts = run([BT], config(lab, tmp_path, https_proxy=f"http://{target}:3128", resolver=target))
    assert {(a.kind, a.status) for a in attempts} == {("asn", "no-network"), ("ptr", "no-network")}
