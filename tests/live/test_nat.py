"""``nat.explain``: plain words for every NAT result (pure; the discovery runs in test_nat_live)."""

from __future__ import annotations

import pytest

from icecheck.live.nat import explain
from icecheck.model import NatBehaviour

RESULTS = ("endpoint-independent", "address-dependent", "address-and-port-dependent", "no-nat", "inconclusive")


@pytest.mark.parametrize("mapping", RESULTS)
@pytest.mark.parametrize("filtering", [r for r in RESULTS if r != "no-nat"])
def test_every_combination_has_words(mapping: str, filtering: str) -> None:
    text = explain(NatBehaviour(mapping, filtering, reason="mapping: because A; filtering: because B"))
    assert text.endswith(".") and "None" not in text
    if mapping == "inconclusive":
        assert "because A" in text
    elif filtering == "inconclusive":
        assert "because B" in text


def test_a_symmetric_nat_forces_relaying() -> None:
    text = explain(NatBehaviour("address-and-port-dependent", "address-and-port-dependent"))
    assert "TURN relay" in text and "relayed" in text


def test_a_cone_nat_hands_the_public_address_to_the_peer() -> None:
    text = explain(NatBehaviour("endpoint-independent", "endpoint-independent"))
    assert "peer learns your public address" in text and "whole internet" in text


def test_no_nat_says_the_own_address_is_public() -> None:
    text = explain(NatBehaviour("no-nat", "endpoint-independent"))
    assert "own address is public" in text and "firewall" in text
