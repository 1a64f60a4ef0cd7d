"""Local network interfaces: their kind and which one carries the default route (Linux).

Pure functions (``interface_kind``, ``kind_from_name``, ``parse_ipv4_routes``,
``parse_ipv6_routes``, ``default_route_interfaces``) take text or facts and are unit-tested on
their own; the readers (``read_sysfs``, ``read_default_routes``, ``host_addresses``,
``describe_interfaces``, ``local_addresses``) only gather that text from /sys/class/net and
/proc/net. Kinds are those of ``model.InterfaceInfo``: ethernet, wifi, vpn, tunnel, bridge,
container, vm, cellular, loopback, unknown.

The default route is read from the main routing table (/proc/net/route, /proc/net/ipv6_route);
policy routing (wg-quick, Tailscale) can send traffic elsewhere without showing there.
"""

from __future__ import annotations

import os
import re
import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import ifaddr

from icecheck.model import InterfaceInfo

# <linux/if_arp.h> ARPHRD_* values that decide a kind on their own.
_ARPHRD_KINDS = {772: "loopback", 519: "cellular", 512: "tunnel", 768: "tunnel", 769: "tunnel",
                 776: "tunnel", 778: "tunnel", 823: "tunnel", 65534: "vpn"}  # fmt: skip
_DEVTYPE_KINDS = {"wlan": "wifi", "wwan": "cellular", "wireguard": "vpn", "bridge": "bridge",
                  "vlan": "ethernet", "gre": "tunnel", "sit": "tunnel", "ipip": "tunnel"}  # fmt: skip
# Names that software gives to interfaces of one role: they win over sysfs facts.
_SPECIFIC_NAMES: tuple[tuple[str, str], ...] = (
    (r"tunl\d|ppp|gre|sit\d|ipip|ip6tnl|ip6gre|vti|xfrm", "tunnel"),
    (r"wg|tun|tap|utun|tailscale|nordlynx|proton|zt|cscotun|gpd|ipsec", "vpn"),
    (r"virbr|vboxnet|vmnet|vnet|vmbr|vmenet", "vm"),
    (r"docker|br-[0-9a-f]{12}$|veth|cni|flannel|cali|cilium|podman|lxcbr|lxdbr|kube", "container"),
    (r"wwan|wwp|rmnet|ccmni", "cellular"),
)
# Generic names, used only when sysfs says nothing.
_GENERIC_NAMES: tuple[tuple[str, str], ...] = (
    (r"wl|wlan|wifi", "wifi"),
    (r"eth|en", "ethernet"),
    (r"br|bridge", "bridge"),
)
# rtnetlink(7): <linux/rtnetlink.h>, <linux/if_link.h>, <linux/if_addr.h>
_RTM_NEWLINK, _RTM_GETLINK, _RTM_NEWADDR, _RTM_GETADDR = 16, 18, 20, 22
_IFLA_IFNAME, _IFA_ADDRESS, _IFA_LOCAL, _IFA_FLAGS = 3, 1, 2, 8
_IFA_UNUSABLE = 0x40 | 0x08  # IFA_F_TENTATIVE, IFA_F_DADFAILED
_KIND_ORDER = ("ethernet", "wifi", "cellular", "unknown", "vpn", "tunnel", "bridge", "vm", "container", "loopback")


@dataclass(frozen=True, slots=True)
class SysfsFacts:
    """What /sys/class/net/<name> says about one interface."""

    name: str
    arphrd: int | None = None  # `type`
    devtype: str | None = None  # DEVTYPE= in `uevent`
    wireless: bool = False  # `wireless/` or `phy80211` present
    tun: bool = False  # `tun_flags` present (tun/tap driver)
    bridge: bool = False  # `bridge/` present
    physical: bool = False  # `device` link present (a bus device behind it, not devices/virtual)
    up: bool = True  # IFF_UP in `flags`


@dataclass(frozen=True, slots=True)
class LocalAddress:
    """An address a host candidate can be gathered on, with its interface."""

    address: str
    version: int
    interface: InterfaceInfo


def kind_from_name(name: str, specific: bool = True) -> str | None:
    """The kind a name implies: role-specific prefixes (``specific``) or generic ones, else None."""
    if name == "lo":
        return "loopback"
    for pattern, kind in _SPECIFIC_NAMES if specific else _GENERIC_NAMES:
        if re.match(pattern, name):
            return kind
    return None


def interface_kind(facts: SysfsFacts) -> str:
    """Kind of an interface: specific name, then sysfs facts, then generic name, else ``unknown``."""
    by_name = kind_from_name(facts.name)
    if by_name is not None:
        return by_name
    if facts.wireless:
        return "wifi"
    if facts.devtype in _DEVTYPE_KINDS:
        return _DEVTYPE_KINDS[facts.devtype]
    if facts.tun:
        return "vpn"
    if facts.arphrd in _ARPHRD_KINDS:
        return _ARPHRD_KINDS[facts.arphrd]
    if facts.bridge:
        return "bridge"
    if facts.arphrd == 1:  # Ethernet framing: a NIC if a bus device is behind it, else a veth
        return "ethernet" if facts.physical else "container"
    return kind_from_name(facts.name, specific=False) or "unknown"


def parse_ipv4_routes(text: str) -> list[tuple[str, int]]:
    """Default routes in /proc/net/route text: ``(interface, metric)`` for each usable one."""
    out = []
    for line in text.splitlines()[1:]:
        f = line.split()
        if len(f) >= 8 and f[1] == "00000000" and f[7] == "00000000" and int(f[3], 16) & 0x1:  # RTF_UP
            out.append((f[0], int(f[6])))
    return out


def parse_ipv6_routes(text: str) -> list[tuple[str, int]]:
    """Default routes in /proc/net/ipv6_route text (::/0, up, not reject): ``(interface, metric)``."""
    out = []
    for line in text.splitlines():
        f = line.split()
        if len(f) < 10 or f[0] != "0" * 32 or f[1] != "00":
            continue
        flags = int(f[8], 16)
        if flags & 0x1 and not flags & 0x200 and f[9] != "lo":  # RTF_UP, not RTF_REJECT
            out.append((f[9], int(f[5], 16)))
    return out


def default_route_interfaces(ipv4_routes: str, ipv6_routes: str) -> frozenset[str]:
    """Interfaces carrying the preferred (lowest-metric) default route of either family."""
    best = [min(routes, key=lambda r: r[1])[0] for routes in (parse_ipv4_routes(ipv4_routes),
            parse_ipv6_routes(ipv6_routes)) if routes]  # fmt: skip
    return frozenset(best)


def read_sysfs(name: str, root: Path = Path("/sys/class/net")) -> SysfsFacts:
    """Read the facts of one interface; missing files leave defaults."""
    d = root / name
    try:
        entries = set(os.listdir(d))
    except OSError:
        return SysfsFacts(name)
    uevent = dict(line.split("=", 1) for line in _read(d / "uevent").splitlines() if "=" in line)
    flags = _int(_read(d / "flags"), 16)
    return SysfsFacts(
        name=name, arphrd=_int(_read(d / "type")), devtype=uevent.get("DEVTYPE"),
        wireless=bool(entries & {"wireless", "phy80211"}), tun="tun_flags" in entries, bridge="bridge" in entries,
        physical="device" in entries, up=flags is None or bool(flags & 0x1),
    )  # fmt: skip


def read_default_routes(proc: Path = Path("/proc/net")) -> frozenset[str]:
    """Interfaces with the preferred default route, from this network namespace's /proc/net."""
    return default_route_interfaces(_read(proc / "route"), _read(proc / "ipv6_route"))


def host_addresses(ipv6: bool = True, sysfs: Path = Path("/sys/class/net")) -> list[tuple[str, str]]:
    """``(interface, address)`` pairs a host candidate can use, from rtnetlink (else ifaddr).

    Like aioice and browsers: no loopback addresses or interfaces, no link-local IPv6, and no
    interface that is down; also no address the kernel cannot bind yet (IPv6 DAD tentative).
    """
    try:
        return netlink_addresses(ipv6)
    except OSError:  # not Linux, or netlink refused: the portable, slower way
        return ifaddr_addresses(ipv6, sysfs)


def netlink_addresses(ipv6: bool = True) -> list[tuple[str, str]]:
    """``host_addresses`` from RTM_GETLINK and RTM_GETADDR dumps (rtnetlink(7)); OSError off Linux."""
    links = parse_links(_rtnetlink_dump(_RTM_GETLINK))
    return parse_addresses(_rtnetlink_dump(_RTM_GETADDR), links, ipv6)


def parse_links(messages: Iterable[tuple[int, bytes]]) -> dict[int, str]:
    """Interfaces that are up and not loopback, ``{ifindex: name}``, from RTM_NEWLINK payloads."""
    out = {}
    for kind, payload in messages:
        if kind != _RTM_NEWLINK or len(payload) < 16:
            continue
        _, arphrd, index, flags, _ = struct.unpack_from("=BxHiII", payload)
        name = _attrs(payload[16:]).get(_IFLA_IFNAME, b"").split(b"\0")[0].decode(errors="replace")
        if flags & 0x1 and arphrd != 772 and name:  # IFF_UP, not ARPHRD_LOOPBACK
            out[index] = name
    return out


def parse_addresses(messages: Iterable[tuple[int, bytes]], links: dict[int, str], ipv6: bool) -> list[tuple[str, str]]:
    """Usable ``(interface, address)`` pairs from RTM_NEWADDR payloads, given ``parse_links``."""
    out = []
    for kind, payload in messages:
        if kind != _RTM_NEWADDR or len(payload) < 8:
            continue
        family, _, flags, scope, index = struct.unpack_from("=BBBBI", payload)
        attrs = _attrs(payload[8:])
        flags = struct.unpack("=I", attrs[_IFA_FLAGS])[0] if len(attrs.get(_IFA_FLAGS, b"")) == 4 else flags
        raw = attrs.get(_IFA_LOCAL) or attrs.get(_IFA_ADDRESS)  # IFA_LOCAL: own end of a point-to-point link
        v6 = family == socket.AF_INET6
        if index not in links or raw is None or scope >= 253 or flags & _IFA_UNUSABLE or (v6 and not ipv6):
            continue  # down/loopback link, host or link scope, tentative or DAD-failed, IPv6 off
        out.append((links[index], socket.inet_ntop(family, raw)))
    return out


def ifaddr_addresses(ipv6: bool = True, sysfs: Path = Path("/sys/class/net")) -> list[tuple[str, str]]:
    """``host_addresses`` through ifaddr (as aioice), checking up/loopback in sysfs."""
    out: list[tuple[str, str]] = []
    for adapter in ifaddr.get_adapters():
        usable = _usable(adapter.ips, ipv6) if adapter.name != "lo" else []
        if usable and _up_and_not_loopback(sysfs / adapter.name):
            out.extend((adapter.name, a) for a in usable)
    return out


def _rtnetlink_dump(request: int) -> list[tuple[int, bytes]]:
    """``(message type, payload)`` of one NLM_F_DUMP request on a NETLINK_ROUTE socket."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as sock:
        sock.settimeout(1.0)
        body = struct.pack("=Bxxx", socket.AF_UNSPEC)  # rtgenmsg: every family
        sock.send(struct.pack("=IHHII", 16 + len(body), request, 0x301, 1, 0) + body)  # NLM_F_REQUEST|DUMP
        out: list[tuple[int, bytes]] = []
        while True:
            data, offset = sock.recv(65536), 0
            while offset + 16 <= len(data):
                length, kind = struct.unpack_from("=IH", data, offset)
                if kind == 3:  # NLMSG_DONE
                    return out
                if kind == 2:  # NLMSG_ERROR
                    raise OSError(f"rtnetlink error for request {request}")
                out.append((kind, data[offset + 16 : offset + length]))
                offset += max(16, (length + 3) & ~3)


def _attrs(data: bytes) -> dict[int, bytes]:
    """rtattr TLVs (type, value), 4-byte aligned."""
    out, offset = {}, 0
    while offset + 4 <= len(data):
        length, kind = struct.unpack_from("=HH", data, offset)
        if length < 4:
            break
        out[kind] = data[offset + 4 : offset + length]
        offset += (length + 3) & ~3
    return out


def describe_interfaces(
    names: Iterable[str], sysfs: Path = Path("/sys/class/net"), proc: Path = Path("/proc/net")
) -> dict[str, InterfaceInfo]:
    """Kind and default-route flag of each named interface."""
    defaults = read_default_routes(proc)
    return {n: InterfaceInfo(n, interface_kind(read_sysfs(n, sysfs)), n in defaults) for n in names}


def local_addresses(
    ipv6: bool = True, sysfs: Path = Path("/sys/class/net"), proc: Path = Path("/proc/net")
) -> list[LocalAddress]:
    """``host_addresses`` with their interfaces, best interface first (default route, then kind)."""
    pairs = host_addresses(ipv6, sysfs)
    infos = describe_interfaces(dict.fromkeys(name for name, _ in pairs), sysfs, proc)
    out = [LocalAddress(a, 6 if ":" in a else 4, infos[name]) for name, a in pairs]
    return sorted(out, key=lambda la: interface_rank_key(la.interface))


def interface_rank_key(info: InterfaceInfo) -> tuple[bool, int, str]:
    """Sort key putting the default-route interface first, then by kind, then by name."""
    kind = _KIND_ORDER.index(info.kind) if info.kind in _KIND_ORDER else len(_KIND_ORDER)
    return (not info.default_route, kind, info.name)


def _usable(ips: Iterable[ifaddr.IP], ipv6: bool) -> list[str]:
    """Addresses in inet_ntop form, without loopback and (by scope id, as aioice) IPv6 link-local."""
    out = []
    for ip in ips:
        if isinstance(ip.ip, str):
            if not ip.ip.startswith("127."):
                out.append(ip.ip)
        elif ipv6 and ip.ip[0] != "::1" and ip.ip[2] == 0 and not ip.ip[0].lower().startswith("fe80:"):
            out.append(ip.ip[0])
    return out


def _up_and_not_loopback(d: Path) -> bool:
    flags, arphrd = _int(_read(d / "flags"), 16), _int(_read(d / "type"))
    return (flags is None or bool(flags & 0x1)) and arphrd != 772  # IFF_UP, ARPHRD_LOOPBACK


def _read(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def _int(text: str, base: int = 10) -> int | None:
    try:
        return int(text.strip(), base)
    except ValueError:
        return None
