"""``sipmsg._vias``: Via values that differ only in their branch share one reading, and the
shared reading is always the one the value itself gives (``_via_entries``)."""

from __future__ import annotations

import random

from icecheck.inputs import sipmsg

TRICKY = [
    "SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1",
    "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=4000;received=192.0.2.1",
    "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1",
    "SIP/2.0/UDP 10.0.0.1:5060;branch=",
    "SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1 =5",  # branch ends at white space: not cut
    "SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1;rport =5",
    "SIP/2.0/UDP 10.0.0.1:5060;rport;branch=a =192.0.2.9;received=192.0.2.7",
    "SIP/2.0/UDP 10.0.0.1:5060;received;branch=x;=192.0.2.1",
    ";branch=x;SIP/2.0/UDP 192.0.2.4:5",  # the branch before the sent-by: never cut
    "x;branch=SIP/2.0/UDP 192.0.2.4",
    "SIP/2.0/X;branch=SIP/2.0/UDP 192.0.2.4;rport=7",
    "SIP/2.0/UDP 10.0.0.1;branch=1, SIP/2.0/TCP 192.0.2.9;received=198.51.100.1;branch=2",
    "SIP/2.0/UDP [2001:db8::1]:5060;branch=z;received=2001:db8::2;rport=9",
    "SIP/2.0/UDP host.example;branch=z;received=192.0.2.1",
    "SIP / 2.0 / UDP   10.0.0.1 : 5060 ;branch=z;rport=1",
    "SIP/2.0/UDP 10.0.0.1:5060;BRANCH=z;rport=1",
    "SIP/2.0/UDP 10.0.0.1:50a60;branch=z;rport=1",
    "SIP/2.0/UDP 10.0.0.1:;branch=z;rport=1",
    "SIP/2.0/UDP 10.0.0.1;branch=z;branch=y;received=192.0.2.3",
    "SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK\u00a0;received=192.0.2.5",
]


def test_tricky_values_read_as_themselves() -> None:
    for value in TRICKY:
        assert sipmsg._vias(value) == sipmsg._via_entries.__wrapped__(value), value


def test_a_cut_branch_still_reads_the_parameters_after_it() -> None:
    first = sipmsg._vias("SIP/2.0/UDP 10.0.0.1:5060;branch=a1;received=192.0.2.1;rport=4000")
    again = sipmsg._vias("SIP/2.0/UDP 10.0.0.1:5060;branch=b2;received=192.0.2.1;rport=4000")
    other = sipmsg._vias("SIP/2.0/UDP 10.0.0.1:5060;branch=b3;received=192.0.2.2;rport=4000")
    assert first is again  # one reading shared by both transactions
    assert [a for _, found in first for a in found] == [
        ("10.0.0.1", "Via", 5060),
        ("192.0.2.1", "Via received", None),
        ("10.0.0.1", "Via rport", 4000),
    ]
    assert ("192.0.2.2", "Via received", None) in other[0][1]


def test_random_values_read_as_themselves() -> None:
    rng = random.Random(7)
    pieces = [
        "SIP/2.0/UDP ", "SIP/2.0/TCP", " ", "10.0.0.1", "[2001:db8::5]", ":5060", ":", "host", ";branch=",
        ";branch=z9", "z9hG4bK", ";rport", ";rport=", "4000", ";received=", "192.0.2.1", "=", ";", ",",
        "\t", "SIP/2.0/WS ", "received", "BRANCH", "a b",
    ]  # fmt: skip
    for _ in range(20000):
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 9)))
        assert sipmsg._vias(value) == sipmsg._via_entries.__wrapped__(value), repr(value)
