"""Local network interfaces: their kind and which one carries the default route (Linux).

Pure functions (``interface_kind``, ``kind_from_name``, ``parse_ipv4_routes``,
``parse_ipv6_routes``, ``default_route_interfaces``) take text or facts and are unit-tested on
their own; the readers (``read_sysfs``, ``read_default_routes``, ``local_addresses``) only gather
that text from /sys/class/net and /proc/net. Kinds are those of ``model.InterfaceInfo``:
ethernet, wifi, vpn, tunnel, bridge, container, vm, cellular, loopback, unknown.

The default route is read from the main routing table (/proc/net/route, /proc/net/ipv6_route);
policy routing (wg-quick, Tailscale) can send traffic elsewhere without showing there.
"""

from __future__ import annotations

import ipaddress
import re
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
    uevent = dict(line.split("=", 1) for line in _read(d / "uevent").splitlines() if "=" in line)
    flags = _int(_read(d / "flags"), 16)
    return SysfsFacts(
        name=name, arphrd=_int(_read(d / "type")), devtype=uevent.get("DEVTYPE"),
        wireless=(d / "wireless").exists() or (d / "phy80211").exists(), tun=(d / "tun_flags").exists(),
        bridge=(d / "bridge").is_dir(), physical=(d / "device").exists(), up=flags is None or bool(flags & 0x1),
    )  # fmt: skip


def read_default_routes(proc: Path = Path("/proc/net")) -> frozenset[str]:
    """Interfaces with the preferred default route, from this network namespace's /proc/net."""
    return default_route_interfaces(_read(proc / "route"), _read(proc / "ipv6_route"))


def local_addresses(
    ipv6: bool = True, sysfs: Path = Path("/sys/class/net"), proc: Path = Path("/proc/net")
) -> list[LocalAddress]:
    """Addresses a host candidate can use, best interface first (default route, then kind).

    Like aioice and browsers, loopback addresses, IPv6 link-local addresses and interfaces that
    are down are skipped.
    """
    defaults = read_default_routes(proc)
    out: list[LocalAddress] = []
    for adapter in ifaddr.get_adapters():
        facts = read_sysfs(adapter.name, sysfs)
        info = InterfaceInfo(adapter.name, interface_kind(facts), adapter.name in defaults)
        if info.kind == "loopback" or not facts.up:
            continue
        out.extend(LocalAddress(a, ipaddress.ip_address(a).version, info) for a in _usable(adapter.ips, ipv6))
    return sorted(out, key=lambda la: interface_rank_key(la.interface))


def interface_rank_key(info: InterfaceInfo) -> tuple[bool, int, str]:
    """Sort key putting the default-route interface first, then by kind, then by name."""
    kind = _KIND_ORDER.index(info.kind) if info.kind in _KIND_ORDER else len(_KIND_ORDER)
    return (not info.default_route, kind, info.name)


def _usable(ips: Iterable[ifaddr.IP], ipv6: bool) -> list[str]:
    out = []
    for ip in ips:
        text = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
        addr = ipaddress.ip_address(text)
        if addr.is_loopback or (addr.version == 6 and (not ipv6 or addr.is_link_local)):
            continue
        out.append(addr.compressed)
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _int(text: str, base: int = 10) -> int | None:
    try:
        return int(text.strip(), base)
    except ValueError:
        return None
