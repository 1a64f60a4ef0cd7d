"""Pure classification: one address string → ``AddressFacts``. No I/O (the OUI table is bundled).

Contract: ``classify(address)`` never raises, gives every string exactly one ``AddressClass``, and
caches results (``functools.lru_cache``). ``AddressFacts.address`` is the string as passed.

Accepted forms: dotted-quad IPv4 (no leading zeros, as ``ipaddress`` parses it); IPv6, optionally in
brackets (``[2001:db8::1]``) and/or with a zone id (``fe80::1%eth0``, RFC 4007 §11 / RFC 6874);
host names (RFC 1123 LDH labels, IDNA for non-ASCII; a last label of only digits is not a name, so
``192.168.0.274`` is ``invalid`` rather than a host name); surrounding whitespace is ignored.

The class tables are explicit (``ipaddress.is_private``/``is_global`` changed meaning in 2024 patch
releases). First match wins, in this order:

IPv4: unspecified 0.0.0.0/32 → ipv4-translation 192.0.0.0/29 (before the 192.0.0.0/24 reserved
block) → loopback → private (RFC 1918) → cgnat 100.64/10 → link-local → documentation (RFC 5737) →
multicast → reserved (``SPECIAL_PURPOSE`` rows: 0/8, 192.0.0/24, 198.18/15, 240/4, ...) → public.

IPv6: unspecified → loopback → ipv4-mapped → nat64 → teredo 2001::/32 (before the 2001::/23
reserved block) → documentation (2001:db8::/32, 3fff::/20) → 6to4 → ula → link-local → multicast →
reserved (``SPECIAL_PURPOSE`` rows, then anything outside global unicast 2000::/3) → public.

Names: ``*.local`` → mdns; another valid host name → hostname; anything else → invalid.

Every IANA special-purpose block (RFC 6890 registries) without a class of its own is ``reserved``,
including the few marked globally reachable (AS112, AMT, anycast service addresses): such an
address is never a user's own, and ``public`` would make later layers treat it as one.

Hints (``Hint.kind``, stable tokens): ``eui64``, ``embedded-ipv4``, ``special-purpose``,
``mdns-uuid``, ``mdns-device-name`` and the range kinds of ``RANGE_HINTS`` (docker, virtualbox,
libvirt, openvpn-default, protonvpn, mullvad, warp, tailscale, tailscale-or-cgnat). Range hints
also apply to the IPv4 address an IPv6 address embeds.
"""

from __future__ import annotations

import functools
import re
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network
from typing import NamedTuple

from icecheck.analysis.oui import GROUP, LOCALLY_ADMINISTERED, format_mac, mac_vendor
from icecheck.model import AddressClass, AddressFacts, Hint

IPAddress = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network


def _nets(*cidrs: str) -> tuple[Network, ...]:
    return tuple(ip_network(c) for c in cidrs)


# Ordered (class, networks) tables; see the module docstring for why this order.
V4_CLASSES: tuple[tuple[AddressClass, tuple[Network, ...]], ...] = (
    (AddressClass.UNSPECIFIED, _nets("0.0.0.0/32")),  # RFC 1122 §3.2.1.3
    (AddressClass.IPV4_TRANSLATION, _nets("192.0.0.0/29")),  # RFC 7335: DS-Lite (RFC 6333), 464XLAT
    (AddressClass.LOOPBACK, _nets("127.0.0.0/8")),  # RFC 1122 §3.2.1.3
    (AddressClass.PRIVATE, _nets("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")),  # RFC 1918
    (AddressClass.CGNAT, _nets("100.64.0.0/10")),  # RFC 6598 shared address space
    (AddressClass.LINK_LOCAL, _nets("169.254.0.0/16")),  # RFC 3927
    (AddressClass.DOCUMENTATION, _nets("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")),  # RFC 5737
    (AddressClass.MULTICAST, _nets("224.0.0.0/4")),  # RFC 5771
)
V6_CLASSES: tuple[tuple[AddressClass, tuple[Network, ...]], ...] = (
    (AddressClass.UNSPECIFIED, _nets("::/128")),  # RFC 4291 §2.5.2
    (AddressClass.LOOPBACK, _nets("::1/128")),  # RFC 4291 §2.5.3
    (AddressClass.IPV4_MAPPED, _nets("::ffff:0:0/96")),  # RFC 4291 §2.5.5.2
    (AddressClass.NAT64, _nets("64:ff9b::/96", "64:ff9b:1::/48")),  # RFC 6052 §2.1, RFC 8215
    (AddressClass.TEREDO, _nets("2001::/32")),  # RFC 4380 §2.6
    (AddressClass.DOCUMENTATION, _nets("2001:db8::/32", "3fff::/20")),  # RFC 3849, RFC 9637
    (AddressClass.SIX_TO_FOUR, _nets("2002::/16")),  # RFC 3056 §2
    (AddressClass.ULA, _nets("fc00::/7")),  # RFC 4193
    (AddressClass.LINK_LOCAL, _nets("fe80::/10")),  # RFC 4291 §2.5.6
    (AddressClass.MULTICAST, _nets("ff00::/8")),  # RFC 4291 §2.7
)

# IANA IPv4/IPv6 special-purpose registries (RFC 6890) rows left after the classes above, plus
# deprecated site-local. More specific rows first: the first match names the block in the hint.
SPECIAL_PURPOSE: tuple[tuple[Network, str], ...] = tuple(
    (ip_network(cidr), label)
    for cidr, label in (
        ("0.0.0.0/8", '"this network" (RFC 791)'),
        ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
        ("192.31.196.0/24", "AS112-v4 (RFC 7535)"),
        ("192.52.193.0/24", "AMT (RFC 7450)"),
        ("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
        ("192.175.48.0/24", "Direct Delegation AS112 service (RFC 7534)"),
        ("198.18.0.0/15", "benchmarking (RFC 2544)"),
        ("255.255.255.255/32", "limited broadcast (RFC 919)"),
        ("240.0.0.0/4", "reserved for future use (RFC 1112)"),
        ("::/96", "deprecated IPv4-compatible (RFC 4291 §2.5.5.1)"),
        ("100::/64", "discard-only (RFC 6666)"),
        ("100:0:0:1::/64", "dummy IPv6 prefix (RFC 9780)"),
        ("2001:2::/48", "benchmarking (RFC 5180)"),
        ("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
        ("2001::/23", "IETF protocol assignments (RFC 2928)"),
        ("2620:4f:8000::/48", "Direct Delegation AS112 service (RFC 7534)"),
        ("5f00::/16", "SRv6 SIDs (RFC 9602)"),
        ("fec0::/10", "deprecated site-local (RFC 3879)"),
    )
)
GLOBAL_UNICAST_V6 = ip_network("2000::/3")  # RFC 4291 §2.4; IANA reserves the rest of ::/0


class RangeHint(NamedTuple):
    """A well-known range that tells what kind of network an address belongs to."""

    kind: str
    network: Network
    detail: str


def _range(kind: str, cidr: str, detail: str) -> RangeHint:
    return RangeHint(kind, ip_network(cidr), detail)


# Defaults of VPNs, overlays, container engines and hypervisors. Every matching row adds a hint.
RANGE_HINTS: tuple[RangeHint, ...] = (
    _range("docker", "172.17.0.0/16", "Docker default bridge 172.17.0.0/16"),
    _range("virtualbox", "192.168.56.0/21", "VirtualBox host-only network 192.168.56.0/21"),
    _range("libvirt", "192.168.122.0/24", "libvirt default NAT network 192.168.122.0/24"),
    _range("openvpn-default", "10.8.0.0/24", "OpenVPN default server subnet 10.8.0.0/24"),
    _range("protonvpn", "10.2.0.2/32", "ProtonVPN client address 10.2.0.2"),
    _range("mullvad", "10.64.0.0/10", "Mullvad VPN tunnel range 10.64.0.0/10"),
    _range("warp", "172.16.0.2/32", "Cloudflare WARP client address 172.16.0.2"),
    _range("tailscale", "fd7a:115c:a1e0::/48", "Tailscale IPv6 range fd7a:115c:a1e0::/48"),
    _range("tailscale-or-cgnat", "100.64.0.0/10", "Tailscale or carrier-grade NAT range 100.64.0.0/10"),
)

# The tables above as integer spans, (version, first, last), in the same order: ``ip in net`` costs about
# a microsecond (an address was some 40 such tests: half of ``classify``), comparing integers a tenth.
Span = tuple[int, int, int]


def _spans(networks: tuple[Network, ...]) -> tuple[Span, ...]:
    return tuple((net.version, int(net.network_address), int(net.broadcast_address)) for net in networks)


_CLASS_SPANS: tuple[tuple[tuple[AddressClass, tuple[Span, ...]], ...], ...] = tuple(
    tuple((cls, _spans(nets)) for cls, nets in table) for table in (V4_CLASSES, V6_CLASSES)
)  # [0]: IPv4's, [1]: IPv6's
_SPECIAL_SPANS = _spans(tuple(net for net, _label in SPECIAL_PURPOSE))
_HINT_SPANS = _spans(tuple(row.network for row in RANGE_HINTS))
_GLOBAL_UNICAST_V6 = _spans((GLOBAL_UNICAST_V6,))[0]


def _first_within(spans: tuple[Span, ...], version: int, value: int) -> int:
    """The index of the first span holding the address (``version``, ``value``), or -1."""
    for n, (v, first, last) in enumerate(spans):
        if v == version and first <= value <= last:
            return n
    return -1


# Classes whose interface ID may be a modified EUI-64 (RFC 4291 §2.5.1). Teredo, mapped and NAT64
# addresses carry IPv4 data there instead; loopback, unspecified and multicast have no IID.
_IID_CLASSES = frozenset(
    {
        AddressClass.PUBLIC,
        AddressClass.LINK_LOCAL,
        AddressClass.ULA,
        AddressClass.DOCUMENTATION,
        AddressClass.SIX_TO_FOUR,
        AddressClass.RESERVED,
    }
)
_ISATAP_IIDS = (b"\x00\x00\x5e\xfe", b"\x02\x00\x5e\xfe")  # RFC 5214 §6.1
_ZONE = re.compile(r"[0-9A-Za-z._~-]+")  # RFC 6874 ZoneID characters (unreserved)
_LABEL = re.compile(r"[0-9a-z](?:[0-9a-z-]{0,61}[0-9a-z])?")  # RFC 1123 §2.1 LDH label
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-([0-9a-f])[0-9a-f]{3}-[0-9a-f]{12}")


@functools.lru_cache(maxsize=65536)
def classify(address: str) -> AddressFacts:
    """Classify one address string (IP literal or name); never raises. See the module docstring."""
    text = address.strip()
    ip = parse_ip(text)
    if ip is not None:
        return _classify_ip(address, ip)
    return _classify_name(address, text)


def parse_ip(text: str) -> IPAddress | None:
    """Parse an IP literal, allowing ``[v6]`` brackets and a ``%zone`` on IPv6; None if not one."""
    bracketed = text.startswith("[") and text.endswith("]")
    if bracketed:
        text = text[1:-1]
    literal, percent, zone = text.partition("%")
    if percent and not _ZONE.fullmatch(zone):
        return None
    try:
        if ":" in literal:
            return IPv6Address(literal)
        if bracketed or percent:
            return None  # brackets and zones belong to IPv6 only (RFC 3986 §3.2.2, RFC 4007)
        return IPv4Address(literal)
    except ValueError:
        return None


def address_class(ip: IPAddress) -> AddressClass:
    """The one class of an IP address, by the ordered tables (module docstring)."""
    version, value = ip.version, int(ip)
    for cls, spans in _CLASS_SPANS[version == 6]:
        if _first_within(spans, version, value) >= 0:
            return cls
    if special_purpose(ip) is not None:
        return AddressClass.RESERVED
    return AddressClass.PUBLIC


def special_purpose(ip: IPAddress) -> Hint | None:
    """The ``special-purpose`` hint (value: the block) naming an address's reserved block, or None."""
    version, value = ip.version, int(ip)
    row = _first_within(_SPECIAL_SPANS, version, value)
    if row >= 0:
        net, label = SPECIAL_PURPOSE[row]
        return Hint("special-purpose", f"IANA special-purpose: {label} {net}", str(net))
    if version == 6 and _first_within((_GLOBAL_UNICAST_V6,), version, value) < 0:
        return Hint("special-purpose", "IANA reserved: outside global unicast 2000::/3 (RFC 4291 §2.4)")
    return None


def _classify_ip(address: str, ip: IPAddress) -> AddressFacts:
    """Facts for a parsed IP address: class, embedded IPv4, MAC and hints."""
    cls = address_class(ip)
    hints: list[Hint] = []
    reserved = special_purpose(ip) if cls is AddressClass.RESERVED else None
    if reserved is not None:
        hints.append(reserved)
    embedded = embedded_ipv4(ip, cls) if isinstance(ip, IPv6Address) else None
    if embedded is not None:
        hints.append(embedded)
    mac = eui64_mac(ip) if isinstance(ip, IPv6Address) and cls in _IID_CLASSES else None
    vendor = mac_vendor(mac) if mac is not None else None
    if mac is not None:
        hints.append(_eui64_hint(mac, vendor))
    hints.extend(range_hints(ip))
    if embedded is not None and embedded.value is not None:
        hints.extend(range_hints(IPv4Address(embedded.value)))
    return AddressFacts(
        address=address,
        address_class=cls,
        version=ip.version,
        hints=tuple(hints),
        embedded_ipv4=embedded.value if embedded is not None else None,
        mac=mac,
        mac_vendor=vendor,
    )


def range_hints(ip: IPAddress) -> tuple[Hint, ...]:
    """One hint per ``RANGE_HINTS`` row containing ``ip``, in table order."""
    version, value = ip.version, int(ip)
    return tuple(
        Hint(row.kind, row.detail, str(ip))
        for row, (v, first, last) in zip(RANGE_HINTS, _HINT_SPANS, strict=True)
        if v == version and first <= value <= last
    )


def embedded_ipv4(ip: IPv6Address, cls: AddressClass) -> Hint | None:
    """The ``embedded-ipv4`` hint (value: the IPv4) of a Teredo/6to4/NAT64/mapped/ISATAP address."""
    raw = ip.packed
    if cls is AddressClass.TEREDO:
        return _teredo_hint(raw)
    mechanism = {
        AddressClass.SIX_TO_FOUR: ("6to4 prefix", raw[2:6]),  # RFC 3056 §2: 2002:V4ADDR::/48
        AddressClass.NAT64: ("NAT64 address", raw[12:16]),  # RFC 6052 §2.2, /96 prefix (common form)
        AddressClass.IPV4_MAPPED: ("IPv4-mapped address", raw[12:16]),  # RFC 4291 §2.5.5.2
    }.get(cls)
    if mechanism is None and cls in _IID_CLASSES and raw[8:12] in _ISATAP_IIDS:
        mechanism = ("ISATAP interface ID", raw[12:16])  # RFC 5214 §6.1
    if mechanism is None:
        return None
    name, packed = mechanism
    v4 = IPv4Address(packed)
    return Hint("embedded-ipv4", f"{name} embeds {address_class(v4)} IPv4 {v4}", str(v4))


def _teredo_hint(raw: bytes) -> Hint:
    """RFC 4380 §4: prefix, server IPv4, flags, port XOR 0xffff, client IPv4 XOR 0xffffffff."""
    server = IPv4Address(raw[4:8])
    port = int.from_bytes(raw[10:12], "big") ^ 0xFFFF
    client = IPv4Address(bytes(b ^ 0xFF for b in raw[12:16]))
    detail = f"Teredo embeds {address_class(client)} IPv4 {client} port {port} (server {server})"
    return Hint("embedded-ipv4", detail, str(client))


def eui64_mac(ip: IPv6Address) -> str | None:
    """The MAC behind a modified EUI-64 interface ID (ff:fe in bytes 11-12), or None.

    RFC 4291 Appendix A: the IID is the MAC with ff:fe inserted in the middle and the U/L bit
    (0x02 of the first byte) inverted, so flipping it back recovers the MAC.
    """
    raw = ip.packed
    if raw[11:13] != b"\xff\xfe":
        return None
    mac = bytes([raw[8] ^ 0x02]) + raw[9:11] + raw[13:16]
    return format_mac(mac.hex())


def _eui64_hint(mac: str, vendor: str | None) -> Hint:
    what = vendor if vendor in (LOCALLY_ADMINISTERED, GROUP) else f"vendor {vendor or 'unknown'}"
    return Hint("eui64", f"EUI-64 interface ID reveals MAC {mac}, {what}", mac)


def _classify_name(address: str, text: str) -> AddressFacts:
    """Facts for a non-IP string: mdns, hostname or invalid."""
    name = text[:-1] if text.endswith(".") else text
    if not is_hostname(name):
        return AddressFacts(address=address, address_class=AddressClass.INVALID)
    host, dot, tld = name.rpartition(".")
    if not (dot and tld.lower() == "local"):
        return AddressFacts(address=address, address_class=AddressClass.HOSTNAME)
    return AddressFacts(address=address, address_class=AddressClass.MDNS, hints=(mdns_hint(host),))


def is_hostname(name: str) -> bool:
    """RFC 1123 host name (no trailing dot) whose last label is not all digits (RFC 3696 §2)."""
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    labels = name.lower().split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return False
    return not labels[-1].isdigit()


def mdns_hint(host: str) -> Hint:
    """``mdns-uuid`` for a browser's random ``<uuid>.local`` name, else ``mdns-device-name``.

    Browsers conceal host addresses behind a fresh UUIDv4 name (draft-ietf-mmusic-mdns-ice-candidates
    §3.1.1); any other name was chosen by a person or an OS and usually names the device.
    """
    match = _UUID.fullmatch(host.lower())
    if match is None:
        return Hint("mdns-device-name", f'mDNS name reveals the device name "{host}"', host)
    version, variant = match.groups()
    if version == "4" and variant in "89ab":
        return Hint("mdns-uuid", "random UUIDv4 mDNS name (browser host-address concealment)", host)
    return Hint("mdns-uuid", f"UUID mDNS name (version {version}, not the browsers' UUIDv4 form)", host)
