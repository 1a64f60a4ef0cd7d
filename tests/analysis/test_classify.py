"""classify(): one class per address, boundaries of every range, embedded IPv4, EUI-64, hints."""

from __future__ import annotations

import itertools
import random

import pytest

from icecheck.analysis.oui import LOCALLY_ADMINISTERED
from icecheck.classify import RANGE_HINTS, SPECIAL_PURPOSE, V4_CLASSES, V6_CLASSES, classify
from icecheck.model import AddressClass as C

MAX = "ffff:ffff:ffff:ffff:ffff:ffff"  # the last six groups all ones, for last-of-range literals

# (address, class): the first and last address of each range and the neighbours just outside.
IPV4_BOUNDARIES = [
    ("0.0.0.0", C.UNSPECIFIED),
    ("0.0.0.1", C.RESERVED),
    ("0.255.255.255", C.RESERVED),
    ("1.0.0.0", C.PUBLIC),
    ("9.255.255.255", C.PUBLIC),
    ("10.0.0.0", C.PRIVATE),
    ("10.255.255.255", C.PRIVATE),
    ("11.0.0.0", C.PUBLIC),
    ("100.63.255.255", C.PUBLIC),
    ("100.64.0.0", C.CGNAT),
    ("100.127.255.255", C.CGNAT),
    ("100.128.0.0", C.PUBLIC),
    ("126.255.255.255", C.PUBLIC),
    ("127.0.0.0", C.LOOPBACK),
    ("127.0.0.1", C.LOOPBACK),
    ("127.255.255.255", C.LOOPBACK),
    ("128.0.0.0", C.PUBLIC),
    ("169.253.255.255", C.PUBLIC),
    ("169.254.0.0", C.LINK_LOCAL),
    ("169.254.255.255", C.LINK_LOCAL),
    ("169.255.0.0", C.PUBLIC),
    ("172.15.255.255", C.PUBLIC),
    ("172.16.0.0", C.PRIVATE),
    ("172.31.255.255", C.PRIVATE),
    ("172.32.0.0", C.PUBLIC),
    ("191.255.255.255", C.PUBLIC),
    ("192.0.0.0", C.IPV4_TRANSLATION),
    ("192.0.0.1", C.IPV4_TRANSLATION),
    ("192.0.0.7", C.IPV4_TRANSLATION),
    ("192.0.0.8", C.RESERVED),
    ("192.0.0.170", C.RESERVED),
    ("192.0.0.255", C.RESERVED),
    ("192.0.1.0", C.PUBLIC),
    ("192.0.1.255", C.PUBLIC),
    ("192.0.2.0", C.DOCUMENTATION),
    ("192.0.2.255", C.DOCUMENTATION),
    ("192.0.3.0", C.PUBLIC),
    ("192.31.196.1", C.RESERVED),
    ("192.52.193.1", C.RESERVED),
    ("192.88.98.255", C.PUBLIC),
    ("192.88.99.0", C.RESERVED),
    ("192.88.99.255", C.RESERVED),
    ("192.88.100.0", C.PUBLIC),
    ("192.167.255.255", C.PUBLIC),
    ("192.168.0.0", C.PRIVATE),
    ("192.168.255.255", C.PRIVATE),
    ("192.169.0.0", C.PUBLIC),
    ("192.175.48.1", C.RESERVED),
    ("198.17.255.255", C.PUBLIC),
    ("198.18.0.0", C.RESERVED),
    ("198.19.255.255", C.RESERVED),
    ("198.20.0.0", C.PUBLIC),
    ("198.51.99.255", C.PUBLIC),
    ("198.51.100.0", C.DOCUMENTATION),
    ("198.51.100.255", C.DOCUMENTATION),
    ("198.51.101.0", C.PUBLIC),
    ("203.0.112.255", C.PUBLIC),
    ("203.0.113.0", C.DOCUMENTATION),
    ("203.0.113.255", C.DOCUMENTATION),
    ("203.0.114.0", C.PUBLIC),
    ("223.255.255.255", C.PUBLIC),
    ("224.0.0.0", C.MULTICAST),
    ("239.255.255.255", C.MULTICAST),
    ("240.0.0.0", C.RESERVED),
    ("255.255.255.254", C.RESERVED),
    ("255.255.255.255", C.RESERVED),
]

IPV6_BOUNDARIES = [
    ("::", C.UNSPECIFIED),
    ("::1", C.LOOPBACK),
    ("::2", C.RESERVED),
    ("::192.0.2.1", C.RESERVED),  # deprecated IPv4-compatible
    ("::fffe:ffff:ffff", C.RESERVED),
    ("::ffff:0.0.0.0", C.IPV4_MAPPED),
    ("::ffff:255.255.255.255", C.IPV4_MAPPED),
    ("::1:0:0:0", C.RESERVED),
    ("64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", C.RESERVED),
    ("64:ff9b::", C.NAT64),
    ("64:ff9b::ffff:ffff", C.NAT64),
    ("64:ff9b::1:0:0", C.RESERVED),
    ("64:ff9b:1::", C.NAT64),
    ("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", C.NAT64),
    ("64:ff9b:2::", C.RESERVED),
    ("100::", C.RESERVED),  # discard-only
    ("100::ffff:ffff:ffff:ffff", C.RESERVED),
    (f"1fff:ffff:{MAX}", C.RESERVED),  # outside 2000::/3
    ("2000::", C.PUBLIC),
    (f"2000:ffff:{MAX}", C.PUBLIC),
    ("2001::", C.TEREDO),
    (f"2001:0:{MAX}", C.TEREDO),
    ("2001:1::", C.RESERVED),
    ("2001:2::1", C.RESERVED),  # benchmarking
    (f"2001:1ff:{MAX}", C.RESERVED),
    ("2001:200::", C.PUBLIC),
    (f"2001:db7:{MAX}", C.PUBLIC),
    ("2001:db8::", C.DOCUMENTATION),
    (f"2001:db8:{MAX}", C.DOCUMENTATION),
    ("2001:db9::", C.PUBLIC),
    (f"2001:ffff:{MAX}", C.PUBLIC),
    ("2002::", C.SIX_TO_FOUR),
    (f"2002:ffff:{MAX}", C.SIX_TO_FOUR),
    ("2003::", C.PUBLIC),
    ("2a00:1450:4001:82b::200e", C.PUBLIC),
    (f"3ffe:ffff:{MAX}", C.PUBLIC),
    ("3fff::", C.DOCUMENTATION),
    (f"3fff:fff:{MAX}", C.DOCUMENTATION),
    ("3fff:1000::", C.PUBLIC),
    (f"3fff:ffff:{MAX}", C.PUBLIC),
    ("4000::", C.RESERVED),
    ("5f00::1", C.RESERVED),  # SRv6 SIDs
    (f"fbff:ffff:{MAX}", C.RESERVED),
    ("fc00::", C.ULA),
    (f"fdff:ffff:{MAX}", C.ULA),
    ("fe00::", C.RESERVED),
    (f"fe7f:ffff:{MAX}", C.RESERVED),
    ("fe80::", C.LINK_LOCAL),
    (f"febf:ffff:{MAX}", C.LINK_LOCAL),
    ("fec0::1", C.RESERVED),  # deprecated site-local
    (f"feff:ffff:{MAX}", C.RESERVED),
    ("ff00::", C.MULTICAST),
    ("ff02::1", C.MULTICAST),
    (f"ffff:ffff:{MAX}", C.MULTICAST),
]


@pytest.mark.parametrize(("address", "cls"), IPV4_BOUNDARIES)
def test_ipv4_boundaries(address: str, cls: C) -> None:
    facts = classify(address)
    assert (facts.address_class, facts.version, facts.address) == (cls, 4, address)


@pytest.mark.parametrize(("address", "cls"), IPV6_BOUNDARIES)
def test_ipv6_boundaries(address: str, cls: C) -> None:
    facts = classify(address)
    assert (facts.address_class, facts.version, facts.address) == (cls, 6, address)


def test_class_tables_are_disjoint() -> None:
    """Only SPECIAL_PURPOSE rows overlap a class, so order matters only against that table."""
    for table in (V4_CLASSES, V6_CLASSES):
        networks = [net for _, nets in table for net in nets]
        for a, b in itertools.combinations(networks, 2):
            assert not a.overlaps(b), (a, b)


def test_every_class_is_reachable() -> None:
    seen = {classify(a).address_class for a, _ in IPV4_BOUNDARIES + IPV6_BOUNDARIES}
    seen |= {classify(a).address_class for a in ("x.local", "example.com", "1.2.3.999")}
    assert seen == set(C)


@pytest.mark.parametrize(
    ("address", "block"),
    [
        ("192.0.0.8", "192.0.0.0/24"),
        ("198.18.0.1", "198.18.0.0/15"),
        ("255.255.255.255", "255.255.255.255/32"),
        ("240.0.0.1", "240.0.0.0/4"),
        ("2001:2::1", "2001:2::/48"),
        ("100::1", "100::/64"),
    ],
)
def test_reserved_names_its_block(address: str, block: str) -> None:
    (hint,) = classify(address).hints
    assert (hint.kind, hint.value) == ("special-purpose", block)
    assert block in hint.detail


def test_reserved_outside_global_unicast() -> None:
    (hint,) = classify("4000::1").hints
    assert hint.kind == "special-purpose" and "2000::/3" in hint.detail


@pytest.mark.parametrize(
    ("address", "cls"),
    [
        ("[2001:db8::1]", C.DOCUMENTATION),
        ("fe80::1%eth0", C.LINK_LOCAL),
        ("[fe80::1%25en0]", C.LINK_LOCAL),
        ("FE80::ABCD", C.LINK_LOCAL),
        (" 8.8.8.8 ", C.PUBLIC),
        ("::FFFF:192.168.1.5", C.IPV4_MAPPED),
    ],
)
def test_accepted_forms(address: str, cls: C) -> None:
    facts = classify(address)
    assert (facts.address_class, facts.address) == (cls, address)


@pytest.mark.parametrize(
    "address",
    [
        "192.168.0.274",
        "50.0.0.^^1",
        "",
        "   ",
        "1.2.3",
        "1.2.3.4.5",
        "01.2.3.4",  # leading zeros are ambiguous (octal) and refused
        "256.0.0.1",
        "[1.2.3.4]",
        "1.2.3.4%eth0",
        "fe80::1%",
        "fe80::1%eth 0",
        "[::1",
        "::1]",
        "2001:db8::g",
        "1:2:3:4:5:6:7:8:9",
        "2001:db8:::1",
        "-bad.example",
        "bad-.example",
        "a..b",
        "under_score.example",
        "x" * 64 + ".example",
        "a." * 127 + "com",
        ".local",
        "\x00",
        "\ud800.local",
        "a b.local",
    ],
)
def test_invalid(address: str) -> None:
    facts = classify(address)
    assert (facts.address_class, facts.version, facts.hints) == (C.INVALID, None, ())


@pytest.mark.parametrize(
    "name",
    ["example.com", "EXAMPLE.COM.", "localhost", "stun.l.google.com", "3com.com", "123.example", "bücher.de"],
)
def test_hostname(name: str) -> None:
    facts = classify(name)
    assert (facts.address_class, facts.version, facts.hints) == (C.HOSTNAME, None, ())


@pytest.mark.parametrize(
    "name", ["0b8d1e0a-2f3c-4c5d-9e6f-7a8b9c0d1e2f.local", "0B8D1E0A-2F3C-4C5D-AE6F-7A8B9C0D1E2F.LOCAL."]
)
def test_mdns_uuid4(name: str) -> None:
    facts = classify(name)
    assert facts.address_class is C.MDNS and facts.version is None
    (hint,) = facts.hints
    assert hint.kind == "mdns-uuid" and "UUIDv4" in hint.detail


def test_mdns_other_uuid_is_still_opaque() -> None:
    (hint,) = classify("0b8d1e0a-2f3c-1c5d-9e6f-7a8b9c0d1e2f.local").hints
    assert hint.kind == "mdns-uuid" and "version 1" in hint.detail


@pytest.mark.parametrize(
    ("name", "device"), [("my-laptop.local", "my-laptop"), ("Janes-iPhone.LOCAL.", "Janes-iPhone")]
)
def test_mdns_device_name(name: str, device: str) -> None:
    facts = classify(name)
    assert facts.address_class is C.MDNS
    (hint,) = facts.hints
    assert (hint.kind, hint.value) == ("mdns-device-name", device)
    assert device in hint.detail


# --- embedded IPv4 ------------------------------------------------------------------------------


def test_teredo_rfc4380_example() -> None:
    """RFC 4380 §4 example: server 65.54.227.120, client 192.0.2.45 port 40000 (obfuscated)."""
    facts = classify("2001:0:4136:e378:8000:63bf:3fff:fdd2")
    assert facts.address_class is C.TEREDO
    assert facts.embedded_ipv4 == "192.0.2.45"
    (hint,) = facts.hints
    assert (hint.kind, hint.value) == ("embedded-ipv4", "192.0.2.45")
    for part in ("65.54.227.120", "192.0.2.45", "port 40000", "documentation"):
        assert part in hint.detail
    assert facts.mac is None


def test_teredo_bytes_are_not_an_eui64() -> None:
    """Port and client bytes can spell ff:fe at bytes 11-12; that is no MAC."""
    facts = classify("2001:0:4136:e378:8000:63ff:fe00:1")  # port 0xff00 ^ 0xffff, client 1.255.255.254
    assert facts.embedded_ipv4 == "1.255.255.254" and facts.mac is None
    assert not facts.has_hint("eui64")


@pytest.mark.parametrize(
    ("address", "v4", "phrase"),
    [
        ("2002:c000:0204::1", "192.0.2.4", "6to4 prefix embeds documentation IPv4 192.0.2.4"),
        ("2002:c0a8:0105:1::1", "192.168.1.5", "6to4 prefix embeds private IPv4 192.168.1.5"),
        ("64:ff9b::198.51.100.7", "198.51.100.7", "NAT64 address embeds documentation IPv4 198.51.100.7"),
        ("64:ff9b::808:808", "8.8.8.8", "NAT64 address embeds public IPv4 8.8.8.8"),
        ("64:ff9b:1:abcd::c633:6407", "198.51.100.7", "embeds documentation IPv4 198.51.100.7"),
        ("::ffff:192.168.1.5", "192.168.1.5", "IPv4-mapped address embeds private IPv4 192.168.1.5"),
        ("::ffff:100.64.0.1", "100.64.0.1", "embeds cgnat IPv4 100.64.0.1"),
        ("fe80::5efe:192.168.1.5", "192.168.1.5", "ISATAP interface ID embeds private IPv4 192.168.1.5"),
        ("fe80::200:5efe:203.0.113.9", "203.0.113.9", "ISATAP interface ID embeds documentation IPv4"),
    ],
)
def test_embedded_ipv4(address: str, v4: str, phrase: str) -> None:
    facts = classify(address)
    assert facts.embedded_ipv4 == v4
    hint = next(h for h in facts.hints if h.kind == "embedded-ipv4")
    assert hint.value == v4 and phrase in hint.detail


def test_embedded_ipv4_gets_range_hints() -> None:
    facts = classify("::ffff:172.17.0.2")
    assert [h.kind for h in facts.hints] == ["embedded-ipv4", "docker"]


def test_mapped_address_with_fe_octet_is_not_eui64() -> None:
    facts = classify("::ffff:254.1.2.3")  # bytes 11-12 are ff fe here
    assert facts.mac is None and not facts.has_hint("eui64")


# --- EUI-64 -------------------------------------------------------------------------------------


def test_eui64_recovers_ieee_mac() -> None:
    """IID 0211:22ff:fe33:4455 → flip 0x02 of 0x02 → MAC 00:11:22:33:44:55 (IEEE: CIMSYS Inc)."""
    facts = classify("2001:db8:77::211:22ff:fe33:4455")
    assert (facts.mac, facts.mac_vendor) == ("00:11:22:33:44:55", "CIMSYS")
    (hint,) = facts.hints
    assert (hint.kind, hint.value) == ("eui64", "00:11:22:33:44:55")
    assert "00:11:22:33:44:55" in hint.detail and "CIMSYS" in hint.detail


def test_eui64_locally_administered_mac() -> None:
    """IID 0011:22ff:fe33:4455: the flipped U/L bit gives 02:11:22:..., a locally administered MAC."""
    facts = classify("2001:db8:77::11:22ff:fe33:4455")
    assert (facts.mac, facts.mac_vendor) == ("02:11:22:33:44:55", LOCALLY_ADMINISTERED)
    assert LOCALLY_ADMINISTERED in facts.hints[0].detail


def test_eui64_qemu_link_local() -> None:
    facts = classify("fe80::5054:ff:fe12:3456%virbr0")
    assert (facts.mac, facts.mac_vendor) == ("52:54:00:12:34:56", "QEMU/KVM")


def test_eui64_inside_6to4() -> None:
    facts = classify("2002:c000:204:1:211:22ff:fe33:4455")
    assert [h.kind for h in facts.hints] == ["embedded-ipv4", "eui64"]
    assert (facts.embedded_ipv4, facts.mac) == ("192.0.2.4", "00:11:22:33:44:55")


@pytest.mark.parametrize("address", ["fe80::1c2d:3e4f:5a6b:7c8d", "2001:db8::1", "::1", "ff02::1:ff33:4455"])
def test_no_eui64(address: str) -> None:
    facts = classify(address)
    assert (facts.mac, facts.mac_vendor) == (None, None) and not facts.has_hint("eui64")


# --- range hints --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kinds"),
    [
        ("172.17.0.0", ["docker"]),
        ("172.17.255.255", ["docker"]),
        ("172.18.0.0", []),
        ("192.168.55.255", []),
        ("192.168.56.1", ["virtualbox"]),
        ("192.168.63.255", ["virtualbox"]),
        ("192.168.64.0", []),
        ("192.168.122.1", ["libvirt"]),
        ("10.8.0.1", ["openvpn-default"]),
        ("10.8.1.0", []),
        ("10.2.0.2", ["protonvpn"]),
        ("10.2.0.3", []),
        ("10.63.255.255", []),
        ("10.64.0.0", ["mullvad"]),
        ("10.127.255.255", ["mullvad"]),
        ("10.128.0.0", []),
        ("172.16.0.2", ["warp"]),
        ("172.16.0.3", []),
        ("fd7a:115c:a1e0::1", ["tailscale"]),
        ("fd7a:115c:a1e0:ffff:ffff:ffff:ffff:ffff", ["tailscale"]),
        ("fd7a:115c:a1e1::1", []),
        ("100.64.0.0", ["tailscale-or-cgnat"]),
        ("100.100.100.100", ["tailscale-or-cgnat"]),
        ("100.127.255.255", ["tailscale-or-cgnat"]),
        ("100.128.0.0", []),
    ],
)
def test_range_hints(address: str, kinds: list[str]) -> None:
    facts = classify(address)
    assert [h.kind for h in facts.hints] == kinds
    for hint in facts.hints:
        assert hint.value == address and hint.detail


def test_range_hint_table_is_well_formed() -> None:
    kinds = [row.kind for row in RANGE_HINTS]
    assert len(kinds) == len(set(kinds))
    for row in RANGE_HINTS:
        assert str(row.network) in row.detail or str(row.network.network_address) in row.detail


def test_special_purpose_rows_are_not_public() -> None:
    for net, label in SPECIAL_PURPOSE:
        for edge in (net.network_address, net.broadcast_address):
            assert classify(str(edge)).address_class is not C.PUBLIC, label
        assert "RFC" in label


# --- contract -----------------------------------------------------------------------------------


def test_cached_and_consistent() -> None:
    assert classify.cache_info().maxsize == 65536
    assert classify("192.0.2.1") is classify("192.0.2.1")


def test_never_raises_on_noise() -> None:
    rng = random.Random(8445)
    alphabet = "0123456789abcdefABCDEF:.%[]-_ xyzü\t/\\\x00"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 45)))
        facts = classify(text)
        assert isinstance(facts.address_class, C)
        assert (facts.version is None) == (facts.address_class in (C.MDNS, C.HOSTNAME, C.INVALID))
