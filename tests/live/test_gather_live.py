"""Live gathering against real coturn in the netns NAT lab (tests/lab/netns.py).

Gathering runs in a fresh Python inside the client namespace (``NatLab.call``), so it sees the
client's interfaces and routes as on a real laptop. Needs root; in CI (``CI`` set) a missing
lab fails instead of skipping.
"""

from __future__ import annotations

import asyncio
import ipaddress
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from icecheck.classify import classify
from icecheck.gather import GatherConfig, TurnServer, gather, nameserver_resolver
from icecheck.live.interfaces import ifaddr_addresses, local_addresses, netlink_addresses
from icecheck.model import AddressClass, Attempt, CandidateRecord, InputDocument, InputStatus
from tests.conftest import unavailable
from tests.lab.coturn import PASSWORD, USER, Coturn
from tests.lab.netns import (
    CLIENT_CGN,
    CLIENT_EUI64,
    CLIENT_LAN,
    CLIENT_MAC,
    CLIENT_ULA,
    PUBLIC_A,
    PUBLIC_B,
    PUBLIC_C,
    PUBLIC_DNS,
    ROUTER_WAN,
    NatLab,
    require_lab,
)

STUN = (PUBLIC_A, 3478)
TURN = TurnServer(PUBLIC_A, 3478, "udp", USER, PASSWORD)
EUI64 = ipaddress.ip_address(CLIENT_EUI64).compressed  # 2001:db8:77:0:11:22ff:fe33:4455
NOBODY = "203.0.113.99"  # on the public link, but no host answers: silence, no ICMP in time
NO_ROUTE = "198.51.100.7"  # the router has no route there: ICMP network unreachable


@pytest.fixture(scope="module")
def lab() -> Iterator[NatLab]:
    require_lab()
    with NatLab("cone") as lab, Coturn(lab, lab.public, [PUBLIC_A, PUBLIC_B]):
        yield lab


def run_gather(lab: NatLab, **config: object) -> tuple[InputDocument, float]:
    doc, seconds = lab.call(lab.client, gather, GatherConfig(**config))  # type: ignore[arg-type]
    assert isinstance(doc, InputDocument)
    return doc, seconds


def of_type(doc: InputDocument, kind: str) -> list[CandidateRecord]:
    return [r for r in doc.candidates if r.candidate.type == kind]


def attempt(doc: InputDocument, target: str) -> tuple[str, str, float]:
    found = [a for a in doc.attempts if a.target == target]
    assert len(found) == 1, doc.attempts
    assert found[0].elapsed is not None
    return found[0].status, found[0].detail, found[0].elapsed


def test_srflx_carries_the_router_address_and_relay_comes_from_coturn(lab: NatLab) -> None:
    doc, _ = run_gather(lab, stun_servers=[STUN], turn_servers=[TURN], timeout=2.0)
    assert doc.kind == "gather" and doc.path == "live" and doc.status is InputStatus.OK
    srflx = {(r.candidate.address, r.candidate.related_address) for r in of_type(doc, "srflx")}
    assert srflx == {(ROUTER_WAN, CLIENT_LAN), (ROUTER_WAN, CLIENT_CGN)}
    cone = [r.candidate for r in of_type(doc, "srflx")]
    assert all(c.port == c.related_port for c in cone)  # plain masquerade keeps the port
    (relay,) = [r.candidate for r in of_type(doc, "relay")]
    assert relay.address == PUBLIC_A and 49160 <= relay.port <= 49200
    assert relay.related_address == ROUTER_WAN  # the user's public address, as browsers show it
    assert [a.status for a in doc.attempts] == ["ok", "ok"]
    assert all(r.origin.path == "live" and r.origin.detail for r in doc.candidates)


def test_every_host_address_is_classified_and_the_eui64_mac_recovered(lab: NatLab) -> None:
    doc, _ = run_gather(lab, offline=True)
    facts = {r.candidate.address: classify(r.candidate.address) for r in of_type(doc, "host")}
    assert set(facts) == {CLIENT_LAN, CLIENT_CGN, CLIENT_ULA, EUI64}
    assert facts[CLIENT_LAN].address_class is AddressClass.PRIVATE
    assert facts[CLIENT_CGN].address_class is AddressClass.CGNAT
    assert facts[CLIENT_ULA].address_class is AddressClass.ULA
    global6 = facts[EUI64]
    assert global6.address_class is AddressClass.DOCUMENTATION and global6.has_hint("eui64")
    assert global6.mac == CLIENT_MAC


def test_host_candidates_name_their_interface_and_the_default_route(lab: NatLab) -> None:
    doc, _ = run_gather(lab, offline=True)
    by_address = {r.candidate.address: r.interface for r in of_type(doc, "host")}
    lan, cgn = by_address[CLIENT_LAN], by_address[CLIENT_CGN]
    assert lan is not None and (lan.name, lan.kind, lan.default_route) == ("c-lan", "container", True)
    assert cgn is not None and (cgn.name, cgn.kind, cgn.default_route) == ("c-cgn", "container", False)
    hosts = of_type(doc, "host")
    assert hosts[0].interface is not None and hosts[0].interface.default_route  # best interface first
    assert hosts[0].candidate.priority > hosts[-1].candidate.priority


def test_local_addresses_skip_loopback_and_link_local(lab: NatLab) -> None:
    found, _ = lab.call(lab.client, local_addresses, True)
    addresses = {a.address for a in found}
    assert addresses == {CLIENT_LAN, CLIENT_CGN, CLIENT_ULA, EUI64}
    v4_only, _ = lab.call(lab.client, local_addresses, False)
    assert {a.address for a in v4_only} == {CLIENT_LAN, CLIENT_CGN}
    by_netlink, _ = lab.call(lab.client, netlink_addresses)
    by_ifaddr, _ = lab.call(lab.client, ifaddr_addresses)
    assert sorted(by_netlink) == sorted(by_ifaddr) and len(by_netlink) == 4


def test_an_unreachable_server_is_reported_within_the_timeout(lab: NatLab) -> None:
    timeout = 1.0
    silent_turn = TurnServer(NOBODY, 3478, "udp", USER, PASSWORD)
    doc, seconds = run_gather(lab, stun_servers=[STUN, (NOBODY, 3478)], turn_servers=[silent_turn], timeout=timeout)
    assert seconds < timeout + 0.5
    for target in (f"stun:{NOBODY}:3478", f"turn:{NOBODY}:3478?transport=udp"):
        status, detail, elapsed = attempt(doc, target)
        assert status == "timeout" and "1 s" in detail and timeout - 0.05 <= elapsed < timeout + 0.5
    assert attempt(doc, f"stun:{PUBLIC_A}:3478")[0] == "ok"
    assert of_type(doc, "srflx") and doc.status is InputStatus.PARTIAL  # what answered is kept


def test_a_closed_port_is_refused_at_once(lab: NatLab) -> None:
    doc, seconds = run_gather(lab, stun_servers=[(PUBLIC_C, 3478)], timeout=3.0)
    status, detail, elapsed = attempt(doc, f"stun:{PUBLIC_C}:3478")
    assert status == "refused" and elapsed < 0.5 and seconds < 1.0, detail


def test_a_tcp_turn_server_that_is_not_listening_is_refused(lab: NatLab) -> None:
    doc, _ = run_gather(lab, turn_servers=[TurnServer(PUBLIC_C, 3478, "tcp", USER, PASSWORD)], timeout=2.0)
    assert attempt(doc, f"turn:{PUBLIC_C}:3478?transport=tcp")[0] == "refused"


def test_no_route_is_reported_as_no_network(lab: NatLab) -> None:
    doc, seconds = run_gather(lab, stun_servers=[(NO_ROUTE, 3478)], timeout=2.0)
    status, detail, _ = attempt(doc, f"stun:{NO_ROUTE}:3478")
    assert status == "no-network" and seconds < 1.0, detail


def test_a_wrong_turn_password_is_an_authentication_failure(lab: NatLab) -> None:
    wrong = TurnServer(PUBLIC_A, 3478, "udp", USER, "not-the-password")
    doc, _ = run_gather(lab, turn_servers=[wrong], timeout=2.0)
    status, detail, _ = attempt(doc, wrong.url)
    assert status == "auth-failed" and "401" in detail and "not-the-password" not in detail
    assert not of_type(doc, "relay")
    assert "not-the-password" not in repr(wrong) and "not-the-password" not in repr(doc)


def test_turn_over_tcp_allocates_a_relay(lab: NatLab) -> None:
    doc, _ = run_gather(lab, turn_servers=[TurnServer(PUBLIC_A, 3478, "tcp", USER, PASSWORD)], timeout=2.0)
    (relay,) = of_type(doc, "relay")
    assert relay.candidate.address == PUBLIC_A and relay.candidate.related_address == ROUTER_WAN
    assert relay.candidate.priority >> 24 == 1  # libwebrtc's relay type preference for TCP


def test_two_stun_servers_with_one_mapping_give_one_srflx_per_base(lab: NatLab) -> None:
    with_c = Coturn(lab, lab.public, [PUBLIC_C], min_port=49201, max_port=49240)
    with with_c:
        doc, _ = run_gather(lab, stun_servers=[STUN, (PUBLIC_C, 3478)], ipv6=False, timeout=2.0)
    assert len(of_type(doc, "srflx")) == 2 and doc.duplicates == 2
    assert {a.status for a in doc.attempts} == {"ok"}


def test_a_host_name_is_resolved_only_through_the_given_resolver(lab: NatLab) -> None:
    doc, _ = run_gather(lab, stun_servers=[("stun.lab.example", 3478)], timeout=1.0)
    status, detail, _ = attempt(doc, "stun:stun.lab.example:3478")
    assert status == "unresolvable" and "no resolver" in detail
    doc, _ = run_gather(lab, stun_servers=[("stun.lab.example", 3478)], resolver=lab_resolver, timeout=1.0)
    assert attempt(doc, "stun:stun.lab.example:3478")[0] == "ok"
    doc, _ = run_gather(lab, stun_servers=[("missing.lab.example", 3478)], resolver=lab_resolver, timeout=1.0)
    assert attempt(doc, "stun:missing.lab.example:3478")[0] == "unresolvable"


async def lab_resolver(host: str) -> list[str]:
    """A resolver with one name (runs in the client namespace; picklable by reference)."""
    return {"stun.lab.example": [PUBLIC_A]}[host]


def test_offline_sends_not_a_single_packet(lab: NatLab) -> None:
    lab.count_client_egress()
    doc, _ = run_gather(lab, stun_servers=[STUN], turn_servers=[TURN], offline=True)
    assert lab.client_egress() == 0
    assert of_type(doc, "host") and not of_type(doc, "srflx") and not doc.attempts
    assert any("offline" in d.message for d in doc.diagnostics)
    lab.count_client_egress()  # the counter does see a gathering that sends
    run_gather(lab, stun_servers=[STUN], timeout=1.0)
    assert lab.client_egress() >= 2


def test_without_servers_the_report_says_the_public_address_was_not_learned(lab: NatLab) -> None:
    doc, _ = run_gather(lab, ipv6=False)
    assert {r.candidate.address for r in doc.candidates} == {CLIENT_LAN, CLIENT_CGN}
    assert any("public" in d.message and d.level == "warning" for d in doc.diagnostics)


def test_fully_random_nat_gives_a_port_unlike_the_base(lab: NatLab) -> None:
    lab.set_nat("fully-random")
    try:
        doc, _ = run_gather(lab, stun_servers=[STUN], ipv6=False, timeout=2.0)
    finally:
        lab.set_nat("cone")
    (lan,) = [r.candidate for r in of_type(doc, "srflx") if r.candidate.related_address == CLIENT_LAN]
    assert lan.address == ROUTER_WAN and lan.port != lan.related_port


async def resolve_via_lab_dns(host: str) -> Sequence[str]:
    """``nameserver_resolver`` pointed at the lab's dnsmasq (picklable by reference)."""
    return await nameserver_resolver([PUBLIC_DNS], lifetime=1.0)(host)


def dns_answers(name: str) -> bool:
    """Poll the lab's dnsmasq until it answers (runs in the client namespace)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            return bool(asyncio.run(resolve_via_lab_dns(name)))
        except LookupError:
            time.sleep(0.05)
    return False


def test_a_host_name_is_resolved_by_the_named_dns_server(lab: NatLab, tmp_path: Path) -> None:
    dnsmasq = shutil.which("dnsmasq")
    if dnsmasq is None:
        unavailable("dnsmasq (Debian dnsmasq-base) is missing")
    conf = tmp_path / "lab.conf"
    conf.write_text(f"no-resolv\nno-hosts\nlocal=/#/\nhost-record=stun.lab.example,{PUBLIC_A}\n")
    proc = lab.spawn(lab.public, [str(dnsmasq), "--keep-in-foreground", f"--listen-address={PUBLIC_DNS}",
                                  "--bind-interfaces", "--port=53", "--pid-file=", f"--conf-file={conf}"])  # fmt: skip
    try:
        assert lab.call(lab.client, dns_answers, "stun.lab.example")[0]
        servers = [("stun.lab.example", 3478), ("nothing.lab.example", 3478)]
        doc, _ = run_gather(lab, stun_servers=servers, resolver=resolve_via_lab_dns, ipv6=False, timeout=2.0)
    finally:
        lab.forget(proc)
    assert attempt(doc, "stun:stun.lab.example:3478")[0] == "ok"
    status, detail, _ = attempt(doc, "stun:nothing.lab.example:3478")
    assert status == "unresolvable" and "nothing.lab.example" in detail


async def gather_with_progress(config: GatherConfig) -> tuple[InputDocument, list[Attempt]]:
    seen: list[Attempt] = []
    doc = await gather(replace(config, progress=seen.append))
    return doc, seen


def test_progress_hears_of_every_attempt_as_it_ends(lab: NatLab) -> None:
    config = GatherConfig(stun_servers=[STUN, (NOBODY, 3478)], turn_servers=[TURN], timeout=1.0)
    (doc, seen), _ = lab.call(lab.client, gather_with_progress, config)
    assert sorted(a.target for a in seen) == sorted(a.target for a in doc.attempts)
    assert seen[-1].status == "timeout"  # the silent server is heard of last
