"""The inference as it was before it read a party once (icecheck 2026-12-06, main eeedb2d,
``icecheck/analysis/infer.py`` and ``fingerprint.guess_implementation``): whole-party steps, each a
pass over the party's items held as sequences. Kept only as the reference the streamed
``infer.Inference`` is compared with (tests/analysis/test_streamed.py); not used by icecheck."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from icecheck.analysis.fingerprint import _vote
from icecheck.analysis.infer import (  # the tables are shared: the reference is of the steps
    LOCAL_CLASSES,
    NO_TYPE_COSTS,
    PUBLIC_CLASSES,
    SDP_READERS,
    VIRTUAL_HINTS,
    VPN_HINTS,
    network_cost_meaning,
)
from icecheck.model import (
    AddressClass,
    AddressFacts,
    AuditedAddress,
    AuditedCandidate,
    Exposure,
    ExposureKind,
    Party,
)


def infer(candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]) -> tuple[Exposure, ...]:
    """All exposures, in a stable order (most revealing first)."""
    if not candidates and not any(_telling(a.facts) for a in addresses):
        return ()  # what each step below looks for in an address alone: nothing to find
    out: list[Exposure] = []
    if candidates:  # each of these finds nothing without candidates (a party seen in SIP headers only)
        out += _public_addresses(candidates)
        out += _relay_raddr(candidates)
    out += _mac_addresses(candidates, addresses)
    out += _embedded_ipv4(candidates, addresses)
    out += _local_addresses(candidates, addresses)
    out += _overlays(candidates, addresses)
    if candidates:
        out += _interfaces(candidates)
        out += _interface_types(candidates)
        out += _names(candidates)
        out += _relay_servers(candidates)
        out += _browser_mode(candidates)
        out += guess_implementation(candidates)
    return tuple(out)


def _telling(f: AddressFacts) -> bool:
    """Whether an address could give an exposure without candidates: a MAC address, an embedded
    IPv4 address, a local or CGNAT class, or a hint (``_mac_addresses``, ``_embedded_ipv4``,
    ``_local_addresses``, ``_overlays``). Most addresses of a capture's SIP headers and STUN do not."""
    return bool(f.mac or f.embedded_ipv4 or f.hints or f.address_class in LOCAL_CLASSES) or (
        f.address_class is AddressClass.CGNAT
    )


def _group(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """key → refs in first-seen order, without repeats (linear time: dicts as ordered sets)."""
    groups: dict[str, dict[str, None]] = {}
    for key, ref in pairs:
        refs = groups.get(key)
        if refs is None:
            groups[key] = {ref: None}
        else:
            refs[ref] = None
    return {key: list(refs) for key, refs in groups.items()} if groups else {}


def _public_addresses(cands: Sequence[AuditedCandidate]) -> list[Exposure]:
    out = []
    srflx = _group(
        (c.facts.address, c.id)
        for c in cands
        if c.record.candidate.type in ("srflx", "prflx") and c.facts.address_class in PUBLIC_CLASSES
    )
    for addr, refs in srflx.items():
        out.append(
            Exposure(
                ExposureKind.PUBLIC_ADDRESS,
                f"Your public (NAT) address is {addr}: it locates you to an ISP and a rough area.",
                tuple(refs),
                value=addr,
            )
        )
    hosts = _group(
        (c.facts.address, c.id)
        for c in cands
        if c.record.candidate.type == "host" and c.facts.address_class in PUBLIC_CLASSES
    )
    for addr, refs in hosts.items():
        kind = "IPv6 address" if ":" in addr else "address"
        out.append(
            Exposure(
                ExposureKind.PUBLIC_HOST_ADDRESS,
                f"A host candidate carries the public {kind} {addr}: this interface has no NAT in front.",
                tuple(refs),
                value=addr,
            )
        )
        if ":" in addr:
            out.append(_ipv6_prefix(addr, refs))
    return out


def _ipv6_prefix(addr: str, refs: list[str]) -> Exposure:
    prefix = ipaddress.IPv6Network(f"{addr.split('%')[0].strip('[]')}/64", strict=False)
    return Exposure(
        ExposureKind.IPV6_PREFIX,
        f"The IPv6 prefix {prefix} identifies your subscriber line (it rarely changes).",
        tuple(refs),
        value=str(prefix),
    )


def _relay_raddr(cands: Sequence[AuditedCandidate]) -> list[Exposure]:
    leaks = _group(
        (f"{c.facts.address}|{c.related_facts.address}", c.id)
        for c in cands
        if c.record.candidate.type == "relay"
        and c.related_facts is not None
        # Firefox writes the relay's own address as raddr: nothing of yours.
        and c.related_facts.address != c.facts.address
        and (c.related_facts.address_class in PUBLIC_CLASSES or c.related_facts.address_class in LOCAL_CLASSES)
    )
    out = []
    for key, refs in leaks.items():
        relay, raddr = key.split("|")
        out.append(
            Exposure(
                ExposureKind.RELAY_RADDR_LEAK,
                f"The relay candidate {relay} names your own address {raddr} as its related address, "
                "so relaying does not hide you.",
                tuple(refs),
                value=raddr,
            )
        )
    return out


def _mac_addresses(cands: Sequence[AuditedCandidate], addrs: Sequence[AuditedAddress]) -> list[Exposure]:
    facts = [(c.facts, c.id) for c in cands] + [(c.related_facts, c.id) for c in cands if c.related_facts]
    facts += [(a.facts, a.id) for a in addrs]
    macs = _group((f.mac, ref) for f, ref in facts if f.mac)
    vendors = {f.mac: f.mac_vendor for f, _ in facts if f.mac}
    out = []
    for mac, refs in macs.items():
        vendor = f" ({vendors[mac]})" if vendors.get(mac) else ""
        out.append(
            Exposure(
                ExposureKind.MAC_ADDRESS,
                f"An EUI-64 IPv6 address reveals the network card's MAC address {mac}{vendor}: "
                "it identifies this device across networks.",
                tuple(refs),
                value=mac,
            )
        )
    return out


def _embedded_ipv4(cands: Sequence[AuditedCandidate], addrs: Sequence[AuditedAddress]) -> list[Exposure]:
    facts = [(c.facts, c.id) for c in cands] + [(a.facts, a.id) for a in addrs]
    groups = _group((f"{f.address}|{f.embedded_ipv4}|{f.address_class}", ref) for f, ref in facts if f.embedded_ipv4)
    out = []
    for key, refs in groups.items():
        addr, v4, cls = key.split("|")
        out.append(
            Exposure(
                ExposureKind.EMBEDDED_IPV4,
                f"The {cls} address {addr} embeds the IPv4 address {v4}.",
                tuple(refs),
                value=v4,
            )
        )
    return out


def _local_addresses(cands: Sequence[AuditedCandidate], addrs: Sequence[AuditedAddress]) -> list[Exposure]:
    pairs = [(c.facts.address, c.id) for c in cands if c.facts.address_class in LOCAL_CLASSES]
    pairs += [
        (c.related_facts.address, c.id)
        for c in cands
        if c.related_facts and c.related_facts.address_class in LOCAL_CLASSES
    ]
    pairs += [(a.facts.address, a.id) for a in addrs if a.facts.address_class in LOCAL_CLASSES]
    classes = {c.facts.address: c.facts.address_class for c in cands}
    classes |= {c.related_facts.address: c.related_facts.address_class for c in cands if c.related_facts}
    classes |= {a.facts.address: a.facts.address_class for a in addrs}
    out = []
    for addr, refs in _group(pairs).items():
        out.append(
            Exposure(
                ExposureKind.LOCAL_ADDRESS,
                f"Your local {classes[addr]} address {addr} is visible; {_subnet_phrase(addr)}",
                tuple(refs),
                value=addr,
            )
        )
    return out


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"  # 0-255 without leading zeros, as ipaddress
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


@functools.lru_cache(maxsize=65536)
def _subnet_phrase(addr: str) -> str:
    text = addr.split("%")[0].strip("[]")
    if _IPV4.fullmatch(text):  # what ``ipaddress`` accepts as IPv4, without its cost
        return f"it shows your LAN layout (likely subnet {text.rsplit('.', 1)[0]}.0/24)."
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return "it shows the layout of your network."
    bits = 24 if ip.version == 4 else 64
    net = ipaddress.ip_network(f"{ip}/{bits}", strict=False)
    return f"it shows your LAN layout (likely subnet {net})."


def _overlays(cands: Sequence[AuditedCandidate], addrs: Sequence[AuditedAddress]) -> list[Exposure]:
    facts = [(c.facts, c.id) for c in cands] + [(a.facts, a.id) for a in addrs]
    facts += [(c.related_facts, c.id) for c in cands if c.related_facts]
    out = []
    for kind, wanted in ((ExposureKind.VPN, VPN_HINTS), (ExposureKind.VIRTUAL_INTERFACE, VIRTUAL_HINTS)):
        groups = _group((h.detail, ref) for f, ref in facts for h in f.hints if h.kind in wanted)
        for detail, refs in groups.items():
            what = "a VPN or overlay network" if kind is ExposureKind.VPN else "a virtual machine or container network"
            out.append(Exposure(kind, f"An address points to {what}: {detail}.", tuple(refs), value=detail))
    cgnat = _group((f.address, ref) for f, ref in facts if f.address_class is AddressClass.CGNAT)
    for addr, refs in cgnat.items():
        out.append(
            Exposure(
                ExposureKind.CGNAT,
                f"The address {addr} is in 100.64.0.0/10: your ISP uses carrier-grade NAT, "
                "or you use an overlay such as Tailscale.",
                tuple(refs),
                value=addr,
            )
        )
    return out


def _interfaces(cands: Sequence[AuditedCandidate]) -> list[Exposure]:
    """Interfaces from distinct IPv4 hosts, libwebrtc NIC ranks, and mDNS names per address family.

    network-id counts networks (libwebrtc gives an interface's IPv4 and each IPv6 prefix their
    own id), so it is reported beside the interface estimate, not as one.
    """
    hosts = [c for c in cands if c.record.candidate.type == "host"]
    net_ids = {c.record.candidate.network_id for c in cands if c.record.candidate.network_id is not None}
    # libwebrtc ranks networks, and an interface has one IPv4 network: count IPv4 ranks only.
    ranks = {c.priority.interface_rank for c in hosts if c.priority.address_family == "ipv4"}
    v4 = {c.facts.address for c in hosts if c.facts.version == 4}
    mdns: dict[str | None, set[str]] = defaultdict(set)
    for c in hosts:
        # Without a known family, two names may be one interface's IPv4 and IPv6 (Firefox does that).
        if c.facts.address_class is AddressClass.MDNS and c.priority.address_family is not None:
            mdns[c.priority.address_family].add(c.facts.address.lower())
    per_family = max((len(names) for names in mdns.values()), default=0)
    count = max(len(v4), len(ranks), per_family)
    if count < 2 and len(net_ids) < 2:
        return []
    basis = [
        f"{n} {what}"
        for n, what in (
            (len(v4), "IPv4 host addresses"),
            (len(ranks), "IPv4 interface ranks in the priorities"),
            (per_family, "mDNS names of one address family"),
        )
        if n > 1
    ]
    refs = tuple(c.id for c in hosts) or tuple(c.id for c in cands)
    if count < 2:
        summary = f"{len(net_ids)} distinct networks are revealed (network-id)."
    else:
        nets = f"; {len(net_ids)} networks by network-id" if len(net_ids) > 1 else ""
        summary = f"At least {count} network interfaces are revealed ({', '.join(basis)}{nets})."
    return [Exposure(ExposureKind.INTERFACE_COUNT, summary, refs, value=str(max(count, 1)))]


def _interface_types(cands: Sequence[AuditedCandidate]) -> list[Exposure]:
    groups = _group(
        (str(c.record.candidate.network_cost), c.id)
        for c in cands
        if c.record.candidate.network_cost is not None and c.record.candidate.network_cost not in NO_TYPE_COSTS
    )
    out = []
    for cost, refs in groups.items():
        kind, vpn = network_cost_meaning(int(cost))
        via = " through a VPN" if vpn else ""
        out.append(
            Exposure(
                ExposureKind.INTERFACE_TYPE,
                f"network-cost {cost} says the interface is {kind}{via}.",
                tuple(refs),
                value=f"{kind}{' +vpn' if vpn else ''}",
            )
        )
    return out


def _names(cands: Sequence[AuditedCandidate]) -> list[Exposure]:
    groups = _group(
        (c.facts.address, c.id)
        for c in cands
        if c.facts.has_hint("mdns-device-name") or c.facts.address_class is AddressClass.HOSTNAME
    )
    return [
        Exposure(
            ExposureKind.HOSTNAME, f"The candidate address {name} is a device or host name.", tuple(refs), value=name
        )
        for name, refs in groups.items()
    ]


def _relay_servers(cands: Sequence[AuditedCandidate]) -> list[Exposure]:
    groups = _group((c.facts.address, c.id) for c in cands if c.record.candidate.type == "relay")
    return [
        Exposure(
            ExposureKind.RELAY_SERVER,
            f"Your TURN relay is {addr}: it names the relay service you use. That TURN server itself "
            "sees your public address.",
            tuple(refs),
            learned_by=(*SDP_READERS, Party.TURN_SERVER),
            value=addr,
        )
        for addr, refs in groups.items()
    ]


def _browser_mode(cands: Sequence[AuditedCandidate]) -> list[Exposure]:
    if not cands:
        return []
    types = {c.record.candidate.type for c in cands}
    hosts = [c for c in cands if c.record.candidate.type == "host"]
    concealed = [c for c in hosts if c.facts.address_class is AddressClass.MDNS]
    raw = [c for c in hosts if c.facts.address_class is not AddressClass.MDNS]
    refs = tuple(c.id for c in cands)
    if types == {"relay"}:
        mode, text = "4", "RFC 8828 mode 4 (relay only): no local or public address is offered"
    elif not hosts:
        mode, text = "3", "RFC 8828 mode 3 (default route only, no host candidates)"
    elif raw:
        v4 = {c.facts.address for c in raw if c.facts.version == 4}
        mode = "1" if len(v4) > 1 else "1-or-2"
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
    if concealed and raw:
        text += "; some host candidates are mDNS-concealed, others raw"
    if any(c.record.candidate.network_cost == 999 for c in cands):
        text += "; network-cost 999 shows Chrome gathering on the any-address (no media permission granted)"
    return [Exposure(ExposureKind.PRIVACY_MODE, f"The candidate set reflects {text}.", refs, value=mode)]


def guess_implementation(cands: Sequence[AuditedCandidate]) -> list[Exposure]:
    """One ``implementation`` exposure when most candidates point the same way."""
    votes = Counter(v for v in map(_vote, cands) if v is not None)
    if not votes:
        return []
    name, n = votes.most_common(1)[0]
    if n * 2 < len(cands):
        return []
    refs = tuple(c.id for c in cands if _vote(c) == name)
    return [
        Exposure(
            ExposureKind.IMPLEMENTATION,
            f"The candidates were most likely written by {name} ({n} of {len(cands)} match its style).",
            refs,
            value=name,
        )
    ]
