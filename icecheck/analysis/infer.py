"""What an attacker learns from a set of audited candidates and addresses (pure).

Each ``Exposure`` names its evidence (candidate ids ``cN``, address ids ``aN``) and who
learns it. Whoever receives the SDP — the signalling server and the remote peer — learns
everything in it; the TURN server additionally learns the client's public address.

``Inference`` reads one party's items once, in order (candidates, then other addresses), into
aggregates: refs grouped by the key they reveal (``groups.Groups``: per distinct address, name,
cost...), the distinct IPv4 host addresses and mDNS names (they are counted), and the party's
candidate ids (the evidence of the exposures about the whole set). It never holds the items
themselves, so a party of a million candidates is read from a spool as it comes; the tables of
distinct keys (which in a hostile input may be one per candidate: a million public addresses)
move to disk past ``limits.IN_MEMORY`` refs (``groups.Groups``). The exposures about every
candidate share one evidence of their ids (``Inference.every``), as does any table's key that every
candidate names: past ``groups.PACKED`` ids it is ``groups.PackedRefs``, a run of numbers per
stretch of consecutive ids (a party's million ids are a few numbers, not a million strings).
``infer`` is the same over sequences.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterator, Sequence

from icecheck.analysis.fingerprint import Votes
from icecheck.analysis.groups import Groups, RefList, evidence
from icecheck.inputs.table import TextSet
from icecheck.model import (
    AddressClass,
    AddressFacts,
    AuditedAddress,
    AuditedCandidate,
    Exposure,
    ExposureKind,
    Party,
)

SDP_READERS = (Party.SIGNALLING, Party.REMOTE_PEER)
LOCAL_CLASSES = frozenset({AddressClass.PRIVATE, AddressClass.CGNAT, AddressClass.LINK_LOCAL, AddressClass.ULA})
PUBLIC_CLASSES = frozenset({AddressClass.PUBLIC, AddressClass.DOCUMENTATION})
VPN_HINTS = {
    "openvpn-default",
    "protonvpn",
    "mullvad",
    "warp",
    "tailscale",
}  # 100.64/10 alone is CGNAT-or-Tailscale: see "cgnat"
VIRTUAL_HINTS = {"docker", "virtualbox", "libvirt"}

# Chrome's network-cost values (libwebrtc rtc_base/network_constants.h; docs/architecture.md §5).
NETWORK_COST = {
    0: "Ethernet or loopback",
    10: "Wi-Fi",
    50: "unknown network type",
    250: "cellular (5G)",
    500: "cellular (4G)",
    900: "cellular",
    910: "cellular (3G)",
    980: "cellular (2G)",
    999: "any-address (wildcard) gathering",
}


NO_TYPE_COSTS = {50, 999}  # unknown type; any-address gathering (Chrome before media permission)


def network_cost_meaning(cost: int) -> tuple[str, bool]:
    """(interface type, behind a VPN?) for a network-cost value; +1 marks a VPN."""
    if cost in NETWORK_COST:
        return NETWORK_COST[cost], False
    if cost - 1 in NETWORK_COST:
        return NETWORK_COST[cost - 1], True
    return f"unrecognised cost {cost}", False


def infer(candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]) -> tuple[Exposure, ...]:
    """All exposures, in a stable order (most revealing first)."""
    if not candidates and not any(_telling(a.facts) for a in addresses):
        return ()  # what each step below looks for in an address alone: nothing to find
    inference = Inference()
    for c in candidates:
        inference.candidate(c)
    for a in addresses:
        inference.address(a)
    return tuple(inference.exposures())


def _telling(f: AddressFacts) -> bool:
    """Whether an address could give an exposure without candidates: a MAC address, an embedded
    IPv4 address, a local or CGNAT class, or a hint (``_mac_addresses``, ``_embedded_ipv4``,
    ``_local_addresses``, ``_overlays``). Most addresses of a capture's SIP headers and STUN do not."""
    return bool(f.mac or f.embedded_ipv4 or f.hints or f.address_class in LOCAL_CLASSES) or (
        f.address_class is AddressClass.CGNAT
    )


class Inference:
    """One party's exposures from one pass over its items: every candidate (``candidate``), then
    every other address (``address``), then ``exposures`` (read once). See the module docstring.

    What is held: per distinct grouped key (the addresses that are public, local, relays, names,
    MACs, embedded IPv4 addresses, overlay hints; network costs) its refs; the distinct IPv4 host
    addresses and mDNS names (for the interface count); network-ids and NIC ranks (small
    numbers); the candidate ids, and the host ones, once each (packed: ``groups.RefList``), and
    from ``exposures`` on, ``every``: the candidate ids as one evidence (packed when many:
    ``groups.evidence``), which the evidence naming every candidate is (here and in the rules'
    findings, ``rules.Evaluation.findings``).
    """

    def __init__(self) -> None:
        self.ids = RefList()  # every candidate's id: the privacy mode's evidence
        self.host_ids = RefList()
        self.srflx: Groups[str] = Groups()
        self.public_hosts: Groups[str] = Groups()
        self.relay_raddr: Groups[tuple[str, ...]] = Groups()  # (relay, related address)
        self.macs: Groups[str] = Groups(3)  # sources: candidates, their related addresses, addresses
        self.vendors: dict[str, str | None] = {}
        self.embedded: Groups[tuple[str, ...]] = Groups(2)  # (address, IPv4, class); candidates, addresses
        self.local: Groups[tuple[str, ...]] = Groups(3)  # (address, class); candidates, related addresses, addresses
        self.vpn: Groups[str] = Groups(3)  # candidates, addresses, the candidates' related addresses
        self.virtual: Groups[str] = Groups(3)
        self.cgnat: Groups[str] = Groups(3)
        self.net_ids: set[int] = set()
        self.ranks: set[int | None] = set()
        self.v4: TextSet | None = None  # IPv4 host addresses (counted), made at the first
        self.mdns: dict[str, set[str]] = {}  # address family → lower-cased mDNS host names
        self.costs: Groups[str] = Groups()
        self.names: Groups[str] = Groups()
        self.relays: Groups[str] = Groups()
        self.not_relay = False  # a candidate of another type than relay
        self.concealed = False  # an mDNS host
        self.raw_v4: set[str] = set()  # up to two IPv4 addresses of raw hosts: one or more than one
        self.raw = False  # a host that is not mDNS
        self.any_address = False  # network-cost 999
        self.votes = Votes()
        self.every: Sequence[str] = ()  # the candidate ids (packed when many), made once by ``exposures``

    def candidate(self, c: AuditedCandidate) -> None:
        """Take one candidate into account (in the party's order)."""
        cand = c.record.candidate
        f, rf, ref, kind = c.facts, c.related_facts, c.id, cand.type
        cls = f.address_class
        self.ids.append(ref)
        if kind in ("srflx", "prflx") and cls in PUBLIC_CLASSES:
            self.srflx.add(f.address, ref)
        elif kind == "host" and cls in PUBLIC_CLASSES:
            self.public_hosts.add(f.address, ref)
        if (
            kind == "relay"
            and rf is not None
            and rf.address != f.address  # Firefox writes the relay's own address as raddr: nothing of yours.
            and (rf.address_class in PUBLIC_CLASSES or rf.address_class in LOCAL_CLASSES)
        ):
            self.relay_raddr.add((f.address, rf.address), ref)
        self._facts(f, ref, 0, 0, 0)
        if rf is not None:
            self._facts(rf, ref, 1, None, 2)
        if cand.network_id is not None:
            self.net_ids.add(cand.network_id)
        if kind == "host":
            self.host_ids.append(ref)
            family = c.priority.address_family
            if family == "ipv4":
                self.ranks.add(c.priority.interface_rank)
            if f.version == 4:
                if self.v4 is None:
                    self.v4 = TextSet()
                self.v4.add(f.address)
            if cls is AddressClass.MDNS:
                self.concealed = True
                if family is not None:
                    self.mdns.setdefault(family, set()).add(f.address.lower())
            else:
                self.raw = True
                if f.version == 4 and len(self.raw_v4) < 2:
                    self.raw_v4.add(f.address)
        cost = cand.network_cost
        if cost is not None and cost not in NO_TYPE_COSTS:
            self.costs.add(str(cost), ref)
        if cost == 999:
            self.any_address = True
        if f.has_hint("mdns-device-name") or cls is AddressClass.HOSTNAME:
            self.names.add(f.address, ref)
        if kind == "relay":
            self.relays.add(f.address, ref)
        else:
            self.not_relay = True
        self.votes.add(c)

    def address(self, a: AuditedAddress) -> None:
        """Take one address found outside the candidate lines into account (after the candidates)."""
        if _telling(a.facts):  # the others give nothing here
            self._facts(a.facts, a.id, 2, 1, 1)

    def _facts(self, f: AddressFacts, ref: str, local: int, embedded: int | None, overlay: int) -> None:
        """The steps that look at any address: MAC, embedded IPv4, local, overlays; the numbers
        are the source each table files ``f`` under."""
        if f.mac:
            self.macs.add(f.mac, ref, local)
            self.vendors[f.mac] = f.mac_vendor
        if embedded is not None and f.embedded_ipv4:
            self.embedded.add((f.address, f.embedded_ipv4, f.address_class.value), ref, embedded)
        cls = f.address_class
        if cls in LOCAL_CLASSES:
            self.local.add((f.address, cls.value), ref, local)  # the class is a function of the address
        for h in f.hints:
            if h.kind in VPN_HINTS:
                self.vpn.add(h.detail, ref, overlay)
            elif h.kind in VIRTUAL_HINTS:
                self.virtual.add(h.detail, ref, overlay)
        if cls is AddressClass.CGNAT:
            self.cgnat.add(f.address, ref, overlay)

    def exposures(self) -> Iterator[Exposure]:
        """All exposures, in a stable order (most revealing first); read once."""
        # Each step only when its tables hold something: a capture's parties hold a few items,
        # and most of their tables are empty.
        cands = bool(self.ids)
        if cands:
            # One evidence for the exposures about every candidate, made first: a table whose refs are
            # every candidate gives it too (``Groups.items``), not a second copy.
            self.every = evidence(self.ids)
            if self.srflx or self.public_hosts:
                yield from self._public_addresses()
            if self.relay_raddr:
                yield from self._relay_raddr()
        if self.macs:
            yield from self._mac_addresses()
        if self.embedded:
            yield from self._embedded_ipv4()
        if self.local:
            yield from self._local_addresses()
        if self.vpn or self.virtual or self.cgnat:
            yield from self._overlays()
        if cands:
            every = self.every
            yield from self._interfaces(every)
            if self.costs:
                yield from self._interface_types()
            if self.names:
                yield from self._names()
            if self.relays:
                yield from self._relay_servers()
            yield self._browser_mode(every)
            yield from self.votes.exposures(len(self.ids), every)

    def _public_addresses(self) -> Iterator[Exposure]:
        for addr, refs in self.srflx.items(self.every):
            yield Exposure(
                ExposureKind.PUBLIC_ADDRESS,
                f"Your public (NAT) address is {addr}: it locates you to an ISP and a rough area.",
                refs,
                value=addr,
            )
        for addr, refs in self.public_hosts.items(self.every):
            kind = "IPv6 address" if ":" in addr else "address"
            yield Exposure(
                ExposureKind.PUBLIC_HOST_ADDRESS,
                f"A host candidate carries the public {kind} {addr}: this interface has no NAT in front.",
                refs,
                value=addr,
            )
            if ":" in addr:
                yield _ipv6_prefix(addr, refs)

    def _relay_raddr(self) -> Iterator[Exposure]:
        for (relay, raddr), refs in self.relay_raddr.items(self.every):
            yield Exposure(
                ExposureKind.RELAY_RADDR_LEAK,
                f"The relay candidate {relay} names your own address {raddr} as its related address, "
                "so relaying does not hide you.",
                refs,
                value=raddr,
            )

    def _mac_addresses(self) -> Iterator[Exposure]:
        for mac, refs in self.macs.items(self.every):
            vendor = f" ({self.vendors[mac]})" if self.vendors.get(mac) else ""
            yield Exposure(
                ExposureKind.MAC_ADDRESS,
                f"An EUI-64 IPv6 address reveals the network card's MAC address {mac}{vendor}: "
                "it identifies this device across networks.",
                refs,
                value=mac,
            )

    def _embedded_ipv4(self) -> Iterator[Exposure]:
        for (addr, v4, cls), refs in self.embedded.items(self.every):
            yield Exposure(
                ExposureKind.EMBEDDED_IPV4, f"The {cls} address {addr} embeds the IPv4 address {v4}.", refs, value=v4
            )

    def _local_addresses(self) -> Iterator[Exposure]:
        for (addr, cls), refs in self.local.items(self.every):
            yield Exposure(
                ExposureKind.LOCAL_ADDRESS,
                f"Your local {cls} address {addr} is visible; {_subnet_phrase(addr)}",
                refs,
                value=addr,
            )

    def _overlays(self) -> Iterator[Exposure]:
        for kind, groups in ((ExposureKind.VPN, self.vpn), (ExposureKind.VIRTUAL_INTERFACE, self.virtual)):
            what = "a VPN or overlay network" if kind is ExposureKind.VPN else "a virtual machine or container network"
            for detail, refs in groups.items(self.every):
                yield Exposure(kind, f"An address points to {what}: {detail}.", refs, value=detail)
        for addr, refs in self.cgnat.items(self.every):
            yield Exposure(
                ExposureKind.CGNAT,
                f"The address {addr} is in 100.64.0.0/10: your ISP uses carrier-grade NAT, "
                "or you use an overlay such as Tailscale.",
                refs,
                value=addr,
            )

    def _interfaces(self, every: Sequence[str]) -> Iterator[Exposure]:
        """Interfaces from distinct IPv4 hosts, libwebrtc NIC ranks, and mDNS names per address family.

        network-id counts networks (libwebrtc gives an interface's IPv4 and each IPv6 prefix their
        own id), so it is reported beside the interface estimate, not as one. libwebrtc ranks
        networks, and an interface has one IPv4 network: IPv4 ranks only are counted. Without a
        known family, two mDNS names may be one interface's IPv4 and IPv6 (Firefox does that).
        """
        net_ids, v4 = len(self.net_ids), len(self.v4) if self.v4 is not None else 0
        ranks = len(self.ranks)
        per_family = max((len(names) for names in self.mdns.values()), default=0)
        count = max(v4, ranks, per_family)
        if count < 2 and net_ids < 2:
            return
        basis = [
            f"{n} {what}"
            for n, what in (
                (v4, "IPv4 host addresses"),
                (ranks, "IPv4 interface ranks in the priorities"),
                (per_family, "mDNS names of one address family"),
            )
            if n > 1
        ]
        hosts = len(self.host_ids)
        refs = every if hosts in (0, len(every)) else evidence(self.host_ids)  # every candidate a host: the same refs
        if count < 2:
            summary = f"{net_ids} distinct networks are revealed (network-id)."
        else:
            nets = f"; {net_ids} networks by network-id" if net_ids > 1 else ""
            summary = f"At least {count} network interfaces are revealed ({', '.join(basis)}{nets})."
        yield Exposure(ExposureKind.INTERFACE_COUNT, summary, refs, value=str(max(count, 1)))

    def _interface_types(self) -> Iterator[Exposure]:
        for cost, refs in self.costs.items(self.every):
            kind, vpn = network_cost_meaning(int(cost))
            via = " through a VPN" if vpn else ""
            yield Exposure(
                ExposureKind.INTERFACE_TYPE,
                f"network-cost {cost} says the interface is {kind}{via}.",
                refs,
                value=f"{kind}{' +vpn' if vpn else ''}",
            )

    def _names(self) -> Iterator[Exposure]:
        for name, refs in self.names.items(self.every):
            yield Exposure(
                ExposureKind.HOSTNAME, f"The candidate address {name} is a device or host name.", refs, value=name
            )

    def _relay_servers(self) -> Iterator[Exposure]:
        for addr, refs in self.relays.items(self.every):
            yield Exposure(
                ExposureKind.RELAY_SERVER,
                f"Your TURN relay is {addr}: it names the relay service you use. That TURN server itself "
                "sees your public address.",
                refs,
                learned_by=(*SDP_READERS, Party.TURN_SERVER),
                value=addr,
            )

    def _browser_mode(self, every: Sequence[str]) -> Exposure:
        if not self.not_relay:
            mode, text = "4", "RFC 8828 mode 4 (relay only): no local or public address is offered"
        elif not self.host_ids:
            mode, text = "3", "RFC 8828 mode 3 (default route only, no host candidates)"
        elif self.raw:
            mode = "1" if len(self.raw_v4) > 1 else "1-or-2"
            text = (
                "RFC 8828 mode 1 (all interfaces exposed)"
                if mode == "1"
                else "RFC 8828 mode 1 or 2 (raw host addresses exposed)"
            )
        else:
            mode, text = (
                "1-mdns",
                "RFC 8828 mode 1 with mDNS concealment (host addresses hidden behind .local names)",
            )
        if self.concealed and self.raw:
            text += "; some host candidates are mDNS-concealed, others raw"
        if self.any_address:
            text += "; network-cost 999 shows Chrome gathering on the any-address (no media permission granted)"
        return Exposure(ExposureKind.PRIVACY_MODE, f"The candidate set reflects {text}.", every, value=mode)


def _ipv6_prefix(addr: str, refs: Sequence[str]) -> Exposure:
    prefix = ipaddress.IPv6Network(f"{addr.split('%')[0].strip('[]')}/64", strict=False)
    return Exposure(
        ExposureKind.IPV6_PREFIX,
        f"The IPv6 prefix {prefix} identifies your subscriber line (it rarely changes).",
        refs,
        value=str(prefix),
    )


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"  # 0-255 without leading zeros, as ipaddress
IPV4_TEXT = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")  # an IPv4 address as ``ipaddress`` writes it


@functools.lru_cache(maxsize=65536)
def _subnet_phrase(addr: str) -> str:
    text = addr.split("%")[0].strip("[]")
    if IPV4_TEXT.fullmatch(text):  # what ``ipaddress`` accepts as IPv4, without its cost
        return f"it shows your LAN layout (likely subnet {text.rsplit('.', 1)[0]}.0/24)."
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return "it shows the layout of your network."
    bits = 24 if ip.version == 4 else 64
    net = ipaddress.ip_network(f"{ip}/{bits}", strict=False)
    return f"it shows your LAN layout (likely subnet {net})."
