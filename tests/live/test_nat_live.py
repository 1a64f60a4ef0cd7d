"""RFC 5780 NAT discovery against real coturn behind the lab's nft masquerade (tests/lab/netns.py).

coturn on 203.0.113.10 and .11 returns OTHER-ADDRESS and honours CHANGE-REQUEST; a second
coturn on .20 has one address (no RFC 5780). Linux conntrack filters by address and port, so
behind the router filtering is address-and-port-dependent; the router itself has no NAT in
front of it and no filter. Needs root; in CI a missing lab fails instead of skipping.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from icecheck.live.nat import discover_nat, explain
from icecheck.model import NatBehaviour
from tests.lab.coturn import Coturn
from tests.lab.netns import PUBLIC_A, PUBLIC_B, PUBLIC_C, ROUTER_WAN, NatLab, require_lab

RFC5780 = (PUBLIC_A, 3478)
PLAIN = (PUBLIC_C, 3478)


@pytest.fixture(scope="module")
def lab() -> Iterator[NatLab]:
    require_lab()
    with (
        NatLab("cone") as lab,
        Coturn(lab, lab.public, [PUBLIC_A, PUBLIC_B]),
        Coturn(lab, lab.public, [PUBLIC_C], min_port=49201, max_port=49240),
    ):
        yield lab


def nat_in(lab: NatLab, ns: str, *args: object, mode: str = "cone") -> tuple[NatBehaviour, float]:
    lab.set_nat(mode)
    try:
        result, seconds = lab.call(ns, discover_nat, *args)
    finally:
        lab.set_nat("cone")
    assert isinstance(result, NatBehaviour)
    return result, seconds


def test_plain_masquerade_maps_endpoint_independently(lab: NatLab) -> None:
    nat, seconds = nat_in(lab, lab.client, RFC5780)
    assert nat.mapping == "endpoint-independent", nat.reason
    assert len(nat.mapped_addresses) == 1 and nat.mapped_addresses[0].startswith(f"{ROUTER_WAN}:")
    assert seconds < 3.0


def test_fully_random_masquerade_maps_by_address_and_port(lab: NatLab) -> None:
    nat, _ = nat_in(lab, lab.client, RFC5780, mode="fully-random")
    assert nat.mapping == "address-and-port-dependent", nat.reason
    assert len(nat.mapped_addresses) == 3  # tests I, II, III each saw another port
    assert "relay" in explain(nat)


def test_conntrack_filters_by_address_and_port(lab: NatLab) -> None:
    nat, seconds = nat_in(lab, lab.client, RFC5780, None, 3.0)
    assert nat.filtering == "address-and-port-dependent", nat.reason
    assert "tests II, III" in nat.reason and seconds < 3.0 + 0.5


def test_the_router_itself_has_no_nat_and_no_filter(lab: NatLab) -> None:
    nat, _ = nat_in(lab, lab.router, RFC5780)
    assert (nat.mapping, nat.filtering) == ("no-nat", "endpoint-independent"), nat.reason
    assert nat.mapped_addresses[0].startswith(f"{ROUTER_WAN}:")


def test_without_other_address_two_servers_still_tell_the_mapping(lab: NatLab) -> None:
    cone, _ = nat_in(lab, lab.client, PLAIN, RFC5780)
    assert cone.mapping == "endpoint-independent", cone.reason
    assert cone.filtering == "inconclusive" and "OTHER-ADDRESS" in cone.reason
    symmetric, _ = nat_in(lab, lab.client, PLAIN, RFC5780, mode="fully-random")
    assert symmetric.mapping == "address-dependent" and len(symmetric.mapped_addresses) == 2


def test_one_plain_server_is_inconclusive_with_the_reason(lab: NatLab) -> None:
    nat, _ = nat_in(lab, lab.client, PLAIN)
    assert (nat.mapping, nat.filtering) == ("inconclusive", "inconclusive")
    assert "no OTHER-ADDRESS" in nat.reason and "second server" in nat.reason


def test_an_unreachable_server_is_inconclusive_within_the_timeout(lab: NatLab) -> None:
    nat, seconds = nat_in(lab, lab.client, ("203.0.113.99", 3478), None, 1.0)
    assert (nat.mapping, nat.filtering) == ("inconclusive", "inconclusive") and "timeout" in nat.reason
    assert seconds < 1.5
