"""``classify`` compares integers (its tables as spans): the same answers as ``ip in network`` over the tables.

The reference below reads the tables as they are written (``ipaddress`` membership, in order); the
addresses are every table row's first and last address and their neighbours, of both versions, and
seeded random ones in and around each row, so a span off by one, a row out of order or a version
mixed up fails it.
"""

from __future__ import annotations

import random
from ipaddress import IPv4Address, IPv6Address, ip_address

from icecheck.classify import (
    GLOBAL_UNICAST_V6,
    RANGE_HINTS,
    SPECIAL_PURPOSE,
    V4_CLASSES,
    V6_CLASSES,
    IPAddress,
    address_class,
    range_hints,
    special_purpose,
)
from icecheck.model import AddressClass

NETWORKS = [
    *(net for _cls, nets in (*V4_CLASSES, *V6_CLASSES) for net in nets),
    *(net for net, _label in SPECIAL_PURPOSE),
    *(row.network for row in RANGE_HINTS),
    GLOBAL_UNICAST_V6,
]


def _addresses() -> list[IPAddress]:
    rng = random.Random(8)
    values: set[tuple[int, int]] = set()
    for net in NETWORKS:
        top = 2**net.max_prefixlen - 1
        first, last = int(net.network_address), int(net.broadcast_address)
        for value in (first - 1, first, first + 1, last - 1, last, last + 1):
            values.add((net.version, value))
        width = last - first + 1
        for _ in range(20):
            values.add((net.version, rng.randint(first, last)))
            values.add((net.version, rng.randint(max(0, first - width), min(top, last + width))))
    for _ in range(4000):
        values.add((4, rng.getrandbits(32)))
        values.add((6, rng.getrandbits(128)))
    return [
        IPv4Address(v) if version == 4 else IPv6Address(v)
        for version, v in sorted(values)
        if 0 <= v < 2 ** (32 if version == 4 else 128)
    ]


def _reference_class(ip: IPAddress) -> AddressClass:
    for cls, nets in V4_CLASSES if ip.version == 4 else V6_CLASSES:
        if any(ip in net for net in nets):
            return cls
    return AddressClass.RESERVED if _reference_special(ip) is not None else AddressClass.PUBLIC


def _reference_special(ip: IPAddress) -> str | None:
    for net, _label in SPECIAL_PURPOSE:
        if ip in net:
            return str(net)
    if ip.version == 6 and ip not in GLOBAL_UNICAST_V6:
        return "outside"
    return None


def test_spans_answer_as_the_tables_do() -> None:
    addresses = _addresses()
    assert len(addresses) > 9000
    for ip in addresses:
        assert address_class(ip) is _reference_class(ip), ip
        special = special_purpose(ip)
        expected = _reference_special(ip)
        assert (special is None) == (expected is None), ip
        if special is not None:
            assert special.value == (None if expected == "outside" else expected), ip
        kinds = [h.kind for h in range_hints(ip)]
        assert kinds == [row.kind for row in RANGE_HINTS if ip in row.network], ip


def test_an_ipv4_value_is_never_read_as_an_ipv6_one() -> None:
    # ::/96 (IPv4-compatible) holds the integers of every IPv4 address: only the version tells them apart
    assert address_class(ip_address("10.1.2.3")) is AddressClass.PRIVATE
    assert address_class(ip_address("::a01:203")) is AddressClass.RESERVED
    assert [h.kind for h in range_hints(ip_address("::ac11:1"))] == []  # 172.17.0.1's value, as IPv6
