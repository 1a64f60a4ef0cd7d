"""Pure parts of live gathering: ICE server URLs, the configuration, interface kinds and routes."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import pytest

from icecheck.gather import GatherConfig, IceUrl, TurnServer, parse_ice_url
from icecheck.live.interfaces import (
    SysfsFacts,
    default_route_interfaces,
    ifaddr_addresses,
    interface_kind,
    interface_rank_key,
    kind_from_name,
    netlink_addresses,
    parse_addresses,
    parse_ipv4_routes,
    parse_ipv6_routes,
    parse_links,
    read_sysfs,
)
from icecheck.live.urls import parse_host_port
from icecheck.model import InterfaceInfo


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("stun:192.0.2.1", IceUrl("stun", "192.0.2.1", 3478)),
        ("stun:192.0.2.1:19302", IceUrl("stun", "192.0.2.1", 19302)),
        ("STUN:stun.example.org", IceUrl("stun", "stun.example.org", 3478)),
        ("stun:[2001:db8::1]:3479", IceUrl("stun", "2001:db8::1", 3479)),
        ("stun:[2001:db8::1]", IceUrl("stun", "2001:db8::1", 3478)),
        ("turn:192.0.2.1", IceUrl("turn", "192.0.2.1", 3478, "udp")),
        ("turn:turn.example.org:443?transport=tcp", IceUrl("turn", "turn.example.org", 443, "tcp")),
        (" turn:[2001:db8::2]:3478?transport=UDP ", IceUrl("turn", "2001:db8::2", 3478, "udp")),
    ],
)
def test_ice_urls_parse(url: str, expected: IceUrl) -> None:
    assert parse_ice_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://192.0.2.1", "not a stun: or turn: URL"),
        ("192.0.2.1:3478", "not a stun: or turn: URL"),
        ("stuns:192.0.2.1", "TLS"),
        ("turns:192.0.2.1", "TLS"),
        ("stun://192.0.2.1", "no '//'"),
        ("stun:192.0.2.1:0", "port must be"),
        ("stun:192.0.2.1:65536", "port must be"),
        ("stun:192.0.2.1:x", "port must be"),
        ("stun:2001:db8::1", "brackets"),
        ("stun:[192.0.2.1]:3478", "bracketed IPv6"),
        ("stun:[2001:db8::1", "bracketed IPv6"),
        ("stun:", "neither an IP address nor a host name"),
        ("stun:bad_host", "neither an IP address nor a host name"),
        ("stun:300.1.1.1", "neither an IP address nor a host name"),
        ("stun:192.0.2.1?transport=udp", "stun: URLs take no query"),
        ("turn:192.0.2.1?transport=tls", "?transport=udp or ?transport=tcp"),
        ("turn:192.0.2.1?foo=bar", "?transport=udp or ?transport=tcp"),
        ("turn:user:secret@192.0.2.1", "credentials do not belong"),
    ],
)
def test_bad_ice_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("?", r"\?")):
        parse_ice_url(url)


@pytest.mark.parametrize(
    "url",
    ["turn:alice:Pw-1234@192.0.2.1", "turn://alice:Pw-1234@192.0.2.1:3478", "http://alice:Pw-1234@x", "Pw-1234@x"],
)
def test_an_error_never_repeats_credentials_put_in_a_url(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_ice_url(url)
    assert "Pw-1234" not in str(caught.value) and "***@" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.53", ("192.0.2.53", 53)),
        ("192.0.2.53:5353", ("192.0.2.53", 5353)),
        ("[2001:db8::53]:5353", ("2001:db8::53", 5353)),
        ("2001:db8::53", ("2001:db8::53", 53)),  # outside a URL a bare IPv6 literal is fine
        ("dns.example.net", ("dns.example.net", 53)),
    ],
)
def test_host_and_port_outside_urls(text: str, expected: tuple[str, int]) -> None:
    assert parse_host_port(text, 53) == expected


def test_turn_server_from_url_keeps_the_password_out_of_reprs_and_urls() -> None:
    server = TurnServer.from_url("turn:192.0.2.1:3478?transport=tcp", "alice", "s3cret")
    assert (server.host, server.port, server.transport, server.username) == ("192.0.2.1", 3478, "tcp", "alice")
    config = GatherConfig(turn_servers=[server])
    for text in (repr(server), str(server), repr(config), server.url):
        assert "s3cret" not in text
    assert server.url == "turn:192.0.2.1:3478?transport=tcp"
    assert TurnServer("2001:db8::1").url == "turn:[2001:db8::1]:3478?transport=udp"
    with pytest.raises(ValueError, match="expected a turn: URL"):
        TurnServer.from_url("stun:192.0.2.1")


def test_config_takes_lists_and_checks_values() -> None:
    config = GatherConfig(stun_servers=[("192.0.2.1", 3478)], timeout=0.5)
    assert config.stun_servers == (("192.0.2.1", 3478),) and hash(config)
    with pytest.raises(ValueError, match="timeout"):
        GatherConfig(timeout=0)
    with pytest.raises(ValueError, match="udp or tcp"):
        GatherConfig(turn_servers=[TurnServer("192.0.2.1", transport="tls")])


@pytest.mark.parametrize(
    ("facts", "kind"),
    [
        (SysfsFacts("lo", arphrd=772), "loopback"),
        (SysfsFacts("wlp2s0", arphrd=1, wireless=True, physical=True), "wifi"),
        (SysfsFacts("eth0", arphrd=1, wireless=True, physical=True), "wifi"),  # sysfs beats a generic name
        (SysfsFacts("enp0s31f6", arphrd=1, physical=True), "ethernet"),
        (SysfsFacts("wwan0", arphrd=519), "cellular"),
        (SysfsFacts("mbim0", arphrd=519), "cellular"),
        (SysfsFacts("rmnet_data0", arphrd=519), "cellular"),
        (SysfsFacts("wg0", arphrd=65534, devtype="wireguard"), "vpn"),
        (SysfsFacts("office", arphrd=65534, devtype="wireguard"), "vpn"),
        (SysfsFacts("tun0", arphrd=65534, tun=True), "vpn"),
        (SysfsFacts("myvpn", arphrd=65534, tun=True), "vpn"),
        (SysfsFacts("tailscale0", arphrd=65534, tun=True), "vpn"),
        (SysfsFacts("utun3"), "vpn"),
        (SysfsFacts("ppp0", arphrd=512), "tunnel"),
        (SysfsFacts("sit0", arphrd=776), "tunnel"),
        (SysfsFacts("tunl0", arphrd=768), "tunnel"),
        (SysfsFacts("br0", arphrd=1, devtype="bridge", bridge=True), "bridge"),
        (SysfsFacts("docker0", arphrd=1, devtype="bridge", bridge=True), "container"),
        (SysfsFacts("br-0123456789ab", arphrd=1, devtype="bridge", bridge=True), "container"),
        (SysfsFacts("veth1a2b3c", arphrd=1), "container"),
        (SysfsFacts("c-lan", arphrd=1), "container"),  # a veth by any name: virtual Ethernet
        (SysfsFacts("virbr0", arphrd=1, bridge=True), "vm"),
        (SysfsFacts("vboxnet0", arphrd=1), "vm"),
        (SysfsFacts("vmnet8", arphrd=1), "vm"),
        (SysfsFacts("vnet3", arphrd=1, tun=True), "vm"),  # libvirt's tap, not a VPN
        (SysfsFacts("eth1"), "ethernet"),  # nothing in sysfs: the name decides
        (SysfsFacts("mystery"), "unknown"),
    ],
)
def test_interface_kinds(facts: SysfsFacts, kind: str) -> None:
    assert interface_kind(facts) == kind


def test_kind_from_name_only_claims_role_specific_names() -> None:
    assert kind_from_name("wg0") == "vpn" and kind_from_name("eth0") is None
    assert kind_from_name("eth0", specific=False) == "ethernet"


def test_read_sysfs_reads_a_directory_laid_out_like_sysfs(tmp_path: Path) -> None:
    wifi = tmp_path / "wlan0"
    (wifi / "wireless").mkdir(parents=True)
    (wifi / "device").mkdir()
    (wifi / "type").write_text("1\n")
    (wifi / "flags").write_text("0x1003\n")
    (wifi / "uevent").write_text("DEVTYPE=wlan\nINTERFACE=wlan0\nIFINDEX=3\n")
    down = tmp_path / "wg1"
    down.mkdir()
    (down / "type").write_text("65534\n")
    (down / "flags").write_text("0x1090\n")
    (down / "uevent").write_text("DEVTYPE=wireguard\n")
    assert read_sysfs("wlan0", tmp_path) == SysfsFacts("wlan0", 1, "wlan", wireless=True, physical=True, up=True)
    assert read_sysfs("wg1", tmp_path) == SysfsFacts("wg1", 65534, "wireguard", up=False)
    assert read_sysfs("gone", tmp_path) == SysfsFacts("gone")


ROUTE = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
tun0\t00000000\t00000000\t0000\t0\t0\t50\t00000000\t0\t0\t0
"""
IPV6_ROUTE = """\
fd770077000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 \
00000001 00000000 00000001 wlan0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd770077000000000000000000000001 00000400 \
00000001 00000000 00000003 wlan0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff \
00000001 00000000 00200200 lo
"""


def test_default_routes_are_parsed_from_proc_text() -> None:
    assert parse_ipv4_routes(ROUTE) == [("wlan0", 600), ("eth0", 100)]  # tun0's route is not up
    assert parse_ipv6_routes(IPV6_ROUTE) == [("wlan0", 1024)]  # the lo reject route is skipped
    assert default_route_interfaces(ROUTE, IPV6_ROUTE) == {"eth0", "wlan0"}  # best of each family
    assert default_route_interfaces("", "") == frozenset()


def test_the_default_route_interface_ranks_first() -> None:
    infos = [InterfaceInfo("docker0", "container"), InterfaceInfo("wlan0", "wifi", True),
             InterfaceInfo("eth0", "ethernet"), InterfaceInfo("tun0", "vpn")]  # fmt: skip
    assert [i.name for i in sorted(infos, key=interface_rank_key)] == ["wlan0", "eth0", "tun0", "docker0"]


def rtattr(kind: int, value: bytes) -> bytes:
    return struct.pack("=HH", 4 + len(value), kind) + value + b"\0" * (-len(value) % 4)


def link(index: int, name: str, flags: int = 0x1, arphrd: int = 1) -> tuple[int, bytes]:
    return 16, struct.pack("=BxHiII", 0, arphrd, index, flags, 0) + rtattr(3, name.encode() + b"\0")


def addr(index: int, address: str, flags: int = 0, scope: int = 0, peer: str | None = None) -> tuple[int, bytes]:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    attrs = rtattr(1, socket.inet_pton(family, peer or address)) + rtattr(2, socket.inet_pton(family, address))
    return 20, struct.pack("=BBBBI", family, 24, 0, scope, index) + attrs + rtattr(8, struct.pack("=I", flags))


def test_rtnetlink_payloads_are_parsed() -> None:
    links = parse_links([link(1, "lo", arphrd=772), link(2, "eth0"), link(3, "wlan0", flags=0), link(4, "tun0")])
    assert links == {2: "eth0", 4: "tun0"}  # loopback and down interfaces are left out
    messages = [
        addr(1, "127.0.0.1", scope=254),
        addr(2, "192.168.1.20"),
        addr(2, "fe80::1", scope=253),  # link-local
        addr(2, "2001:db8::20", flags=0x40),  # tentative: DAD still running, cannot be bound
        addr(2, "2001:db8::21", flags=0x01),  # temporary (privacy) address: usable
        addr(3, "10.0.0.5"),  # interface down
        addr(4, "10.8.0.6", peer="10.8.0.5"),  # point-to-point: IFA_LOCAL is ours
    ]
    assert parse_addresses(messages, links, ipv6=True) == [("eth0", "192.168.1.20"), ("eth0", "2001:db8::21"),
                                                           ("tun0", "10.8.0.6")]  # fmt: skip
    assert parse_addresses(messages, links, ipv6=False) == [("eth0", "192.168.1.20"), ("tun0", "10.8.0.6")]


def test_netlink_and_ifaddr_see_the_same_addresses() -> None:
    assert sorted(netlink_addresses()) == sorted(ifaddr_addresses())


@pytest.mark.parametrize("port", ["²", "٥٣", "5³"])
def test_a_port_of_digits_int_refuses_or_other_scripts_is_a_clear_error(port: str) -> None:
    """``"²".isdigit()`` is true and ``int("²")`` raises: such a port is refused with the usual message."""
    with pytest.raises(ValueError, match="port must be a number from 1 to 65535"):
        parse_host_port(f"192.0.2.53:{port}", 53)
