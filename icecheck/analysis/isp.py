"""What enrichment lets an attacker conclude about the user's network (pure).

From audited candidates and the ``NetworkInfo`` that ``enrich`` found for their public
addresses: the user's ISP, ASN and country; the access technology and point of presence its
reverse DNS names; a VPN exit, and a VPN leak (a VPN/hosting address beside a residential
ISP's, or a VPN interface beside a non-VPN server-reflexive address); who owns the /64 an IPv6
address sits in; double NAT; who operates the TURN relay. Every exposure's evidence is the
candidate ids (``c1``...). ``infer.py`` already reports the bare addresses, ``ipv6-prefix`` and
``relay-server``; the kinds here add what the registries and PTR names say about them, and what
the GeoIP databases say (``geo``: place, line, anonymizer flags; the operator's name and AS
number where the registries gave none, so that ``--offline`` with a database still names them).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from icecheck.analysis.geo import geo_exposures, hosting_clause, operator
from icecheck.analysis.infer import IPV4_TEXT
from icecheck.analysis.partystore import party_groups
from icecheck.enrich.ptr_hints import ACCESS, ASSIGNMENT, POP
from icecheck.model import AddressClass, AuditedCandidate, Exposure, ExposureKind, NetworkInfo, Party

EXIT_KINDS = frozenset({"vpn", "hosting", "cdn"})
VPN_RANGE_HINTS = frozenset({"openvpn-default", "protonvpn", "mullvad", "warp"})  # not Tailscale: no exit
MAPPED = frozenset({"srflx", "prflx"})
CARRIERS = frozenset({AddressClass.SIX_TO_FOUR, AddressClass.TEREDO, AddressClass.IPV4_MAPPED})
SDP_READERS = (Party.SIGNALLING, Party.REMOTE_PEER)
SEEN_BY = (*SDP_READERS, Party.TURN_SERVER)


@dataclass(frozen=True, slots=True)
class Network:
    """One public network of the user's, with the candidates that show it."""

    info: NetworkInfo
    ids: tuple[str, ...]
    mapped: bool = False  # seen by a STUN/TURN server too (a server-reflexive or relay's raddr)


def isp_exposures(candidates: Sequence[AuditedCandidate], info: Sequence[NetworkInfo]) -> tuple[Exposure, ...]:
    """Every ISP/topology exposure, per party (an offer and its answer are two networks), in a
    stable order: ISP first, relay operator last. ``Exposure.party`` labels the party when the
    candidates hold several. The candidates are read party by party (``party_groups``: a spool of
    one party is read as it comes, never held), and what is kept of them is their ids."""
    by_address = {canonical(i.address): i for i in info}
    if not by_address and not any(_inner_mapped(c) for c in candidates):
        return ()  # without lookups only a double NAT can show, and it needs an inner mapped address
    out: list[Exposure] = []
    for group in party_groups(candidates, ()):
        found = _one_party(group.candidates, by_address)
        out += [e._replace(party=group.label) for e in found] if group.label else found
    return tuple(out)


def _one_party(candidates: Sequence[AuditedCandidate], by_address: dict[str, NetworkInfo]) -> list[Exposure]:
    seen = _Seen(by_address)
    for cand in candidates:
        seen.take(cand)
    user = seen.networks()
    homes = [n for n in user if n.info.network_kind not in EXIT_KINDS]
    out = [*_operators(homes, ExposureKind.ISP)]
    out += _operators([n for n in user if n not in homes], ExposureKind.VPN_EXIT)
    out += _countries(homes)  # a VPN exit's country is the VPN's, not the user's
    for net in user:
        out += geo_exposures(net.info, net.ids, SEEN_BY if net.mapped else SDP_READERS, net not in homes)
    for net in homes:  # a VPN server's PTR and /64 say nothing about the user
        out += _ptr_facts(net) + _prefix(net)
    out += _vpn_leaks(user, seen.tunnels, seen.stun)
    out += _double_nat(candidates, seen.inner, seen.outer)
    out += _relay_operators(seen.relays, by_address)
    return out


class _Seen:
    """What ``_one_party`` needs of a party's candidates, read once, one at a time (``take``): per
    public address that was looked up, the ids that show it; the ids of VPN hosts; whether there
    are inner and outer mapped addresses (``_double_nat``); the ids per relay that was looked up.
    Ids and addresses, never the candidates: a spool of a million is read as it comes."""

    def __init__(self, by_address: dict[str, NetworkInfo]) -> None:
        self.by_address = by_address
        self.ids: dict[str, list[str]] = {}  # looked-up public address → ids that show it
        self.mapped: set[str] = set()  # of those, the ones a non-host candidate shows (a server saw them)
        self.stun: set[str] = set()  # of those, the ones a server-reflexive or peer-reflexive candidate shows
        self.tunnels: list[str] = []  # ids of host candidates on a VPN tunnel
        self.inner = False  # a mapped candidate with a private or CGNAT address
        self.outer = False  # a mapped candidate with a public address
        self.relays: dict[str, list[str]] = {}  # looked-up relay address → ids

    def take(self, cand: AuditedCandidate) -> None:
        kind = cand.record.candidate.type
        for address in _own_public(cand):
            if address in self.by_address:
                self.ids.setdefault(address, []).append(cand.id)
                if kind != "host":
                    self.mapped.add(address)
                if kind in MAPPED:
                    self.stun.add(address)
        if is_vpn_interface(cand):
            self.tunnels.append(cand.id)
        self.inner = self.inner or _inner_mapped(cand)
        self.outer = self.outer or _outer_mapped(cand)
        if kind == "relay":
            address = canonical(cand.facts.address)
            if address in self.by_address:
                self.relays.setdefault(address, []).append(cand.id)

    def networks(self) -> list[Network]:
        """The user's own public addresses (srflx/prflx, public hosts, a relay's public raddr)."""
        info = self.by_address
        return [Network(info[a], tuple(dict.fromkeys(refs)), a in self.mapped) for a, refs in self.ids.items()]


def _own_public(cand: AuditedCandidate) -> Iterable[str]:
    kind = cand.record.candidate.type
    if kind in MAPPED or (kind == "host" and cand.facts.address_class is AddressClass.PUBLIC):
        yield canonical(cand.facts.address)
    if kind != "relay" and cand.facts.address_class in CARRIERS and cand.facts.embedded_ipv4:
        yield cand.facts.embedded_ipv4  # 6to4/Teredo carry the user's public IPv4
    related = cand.related_facts
    if kind == "relay" and related is not None and related.address_class is AddressClass.PUBLIC:
        yield canonical(related.address)


def _operators(nets: Sequence[Network], kind: ExposureKind) -> list[Exposure]:
    """One exposure per operator (ASN, else name): ``isp`` for the user's, ``vpn-exit`` for exits."""
    groups: dict[str, list[Network]] = {}
    for net in nets:
        if net.info.asn is not None or net.info.as_name or net.info.network_name or any(operator(net.info)[:2]):
            groups.setdefault(str(asn_of(net.info) or label(net.info)), []).append(net)
    out = []
    for members in groups.values():
        info, where = members[0].info, ", ".join(n.info.address for n in members)
        network = f"a {info.network_kind} network" if info.network_kind not in (None, "unknown") else ""
        if kind is ExposureKind.ISP:
            summary = f"Your ISP is {label(info)}{_asn(info)}{', ' + network if network else ''} (from {where}"
            summary += f"{_cite(info)})."
        else:
            summary = f"Your public address {where} belongs to {label(info)}{_asn(info)}{_cite(info)}, {network}: "
            summary += "you appear to use a VPN or proxy there."
        out.append(_group(kind, summary, members, label(info)))
    return out


def _countries(nets: Sequence[Network]) -> list[Exposure]:
    groups: dict[str, list[Network]] = {}
    for net in nets:
        if net.info.country:
            groups.setdefault(net.info.country, []).append(net)
    return [
        _group(
            ExposureKind.COUNTRY,
            f"Your address {', '.join(n.info.address for n in members)} is registered in {country}.",
            members,
            country,
        )
        for country, members in groups.items()
    ]


def _group(kind: ExposureKind, summary: str, members: Sequence[Network], value: str) -> Exposure:
    ids = tuple(dict.fromkeys(i for n in members for i in n.ids))
    return Exposure(kind, summary, ids, SEEN_BY if any(n.mapped for n in members) else SDP_READERS, value)


def _ptr_facts(net: Network) -> list[Exposure]:
    info, out = net.info, []
    hints = {h.kind: h for h in reversed(info.ptr_hints)}  # first hint of each kind wins
    if ACCESS in hints or info.network_kind == "mobile":
        tech = hints[ACCESS].value if ACCESS in hints else "mobile"
        basis = f"reverse DNS {info.ptr}" if ACCESS in hints else "the network is a mobile carrier's"
        out.append(
            _exp(ExposureKind.ACCESS_TECHNOLOGY, f"Your connection looks like {tech} access ({basis}).", net, tech)
        )
    if POP in hints:
        out.append(
            _exp(ExposureKind.LOCATION, f"Reverse DNS {info.ptr} names {hints[POP].detail}.", net, hints[POP].value)
        )
    if ASSIGNMENT in hints and hints[ASSIGNMENT].value == "static":
        out.append(
            _exp(
                ExposureKind.STATIC_ADDRESS,
                f"Reverse DNS {info.ptr} marks {info.address} as a static address: it identifies you across sessions.",
                net,
                info.address,
            )
        )
    return out


def _prefix(net: Network) -> list[Exposure]:
    ip = ipaddress.ip_address(net.info.address)
    if ip.version != 6:
        return []
    prefix = ipaddress.ip_network(f"{ip}/64", strict=False)
    return [
        _exp(
            ExposureKind.IPV6_PREFIX_OWNER,
            f"Your IPv6 prefix {prefix} is {label(net.info)}'s{_asn(net.info)}: "
            "the /64 is delegated to one subscriber line.",
            net,
            str(prefix),
        )
    ]


def _vpn_leaks(user: Sequence[Network], tunnels: Sequence[str], stun: set[str]) -> list[Exposure]:
    """``tunnels``: the ids of VPN hosts; ``stun``: the addresses a server-reflexive or peer-reflexive
    candidate shows."""
    exits = [n for n in user if n.info.network_kind in EXIT_KINDS]
    homes = [n for n in user if n.info.network_kind in ("residential", "mobile")]
    out: list[Exposure] = []
    if exits and homes:
        ids = tuple(dict.fromkeys(i for n in (*exits, *homes) for i in n.ids))
        out.append(
            Exposure(
                ExposureKind.VPN_LEAK,
                f"A VPN or hosting address ({_names(exits)}) appears beside your "
                f"ISP's ({_names(homes)}): the peer learns both.",
                ids,
                SEEN_BY,
                homes[0].info.address,
            )
        )
    mapped = [n for n in homes if canonical(n.info.address) in stun]
    if tunnels and mapped:
        ids = tuple(dict.fromkeys([*tunnels, *(i for n in mapped for i in n.ids)]))
        out.append(
            Exposure(
                ExposureKind.VPN_LEAK,
                f"A VPN interface is present, yet a STUN server saw your ISP's "
                f"address ({_names(mapped)}): WebRTC bypasses the VPN.",
                ids,
                SEEN_BY,
                mapped[0].info.address,
            )
        )
    return out


def is_vpn_interface(cand: AuditedCandidate) -> bool:
    """A host candidate on a VPN tunnel: interface kind, VPN range hint or network-cost +1."""
    if cand.record.candidate.type != "host":
        return False
    iface, cost = cand.record.interface, cand.record.candidate.network_cost
    hinted = any(h.kind in VPN_RANGE_HINTS for h in cand.facts.hints)
    return (iface is not None and iface.kind == "vpn") or hinted or (cost is not None and cost in {1, 11, 51, 901})


def _double_nat(candidates: Sequence[AuditedCandidate], inner: bool, outer: bool) -> list[Exposure]:
    """A mapped address that is itself private/CGNAT (not a host address) beside a public one.

    ``inner`` and ``outer``: whether the party has mapped candidates of each kind (``_Seen``); only
    then are the candidates read again, for the ids and addresses of those and of the host addresses
    among the inner ones (most parties, however large, have no inner mapped address)."""
    if not (inner and outer):
        return []
    inside = [(c.id, c.facts.address) for c in candidates if _inner_mapped(c)]
    addresses = {canonical(a) for _, a in inside}
    hosts = {
        a for c in candidates if c.record.candidate.type == "host" and (a := canonical(c.facts.address)) in addresses
    }
    inside = [(i, a) for i, a in inside if canonical(a) not in hosts]
    if not inside:
        return []
    outside = [(c.id, c.facts.address) for c in candidates if _outer_mapped(c)]
    ids = tuple(i for i, _ in (*inside, *outside))
    summary = (
        f"Two NAT layers: a STUN server inside the network saw you as {inside[0][1]}, the "
        f"Internet sees {outside[0][1]} (double NAT, e.g. a router behind the ISP's CGNAT)."
    )
    return [Exposure(ExposureKind.DOUBLE_NAT, summary, ids, value=inside[0][1])]


def _relay_operators(groups: dict[str, list[str]], by_address: dict[str, NetworkInfo]) -> list[Exposure]:
    out = []
    for address, ids in groups.items():
        info = by_address[address]
        hosted = hosting_clause(info)
        kind = f", a {info.network_kind} network" if info.network_kind not in (None, "unknown") else ""
        kind = f"{_cite(info)}{hosted}" if hosted else f"{kind}{_cite(info)}"
        out.append(
            Exposure(
                ExposureKind.RELAY_OPERATOR,
                f"Your TURN relay {address} runs on {label(info)}'s network{_asn(info)}{kind}.",
                tuple(ids),
                value=label(info),
            )
        )
    return out


def label(info: NetworkInfo) -> str:
    """A display name: organisation, else AS name without Cymru's ", CC", else network name, else
    the GeoIP databases' operator name, else the AS number, else the address."""
    as_name = info.as_name.rsplit(", ", 1)[0] if info.as_name else None
    asn = asn_of(info)
    named = info.organisation or as_name or info.network_name or operator(info)[0]
    return named or (f"AS{asn}" if asn else info.address)


def asn_of(info: NetworkInfo) -> int | None:
    """The AS number: the registry's, else the GeoIP databases'."""
    return info.asn if info.asn is not None else operator(info)[1]


def _cite(info: NetworkInfo) -> str:
    """``, per GeoIP2-ISP built …`` when the name or AS number shown came from a database."""
    name, asn, source = operator(info)
    registry = info.organisation or info.as_name or info.network_name or info.asn is not None
    return f", per {source.label()}" if source is not None and (name or asn) and not registry else ""


INNER = (AddressClass.PRIVATE, AddressClass.CGNAT)


def _inner_mapped(cand: AuditedCandidate) -> bool:
    return cand.record.candidate.type in MAPPED and cand.facts.address_class in INNER


def _outer_mapped(cand: AuditedCandidate) -> bool:
    return cand.record.candidate.type in MAPPED and cand.facts.address_class is AddressClass.PUBLIC


@functools.lru_cache(maxsize=65536)
def canonical(address: str) -> str:
    """``ipaddress`` text form, so ``2001:4860:4860:0::8888`` matches ``2001:4860:4860::8888``."""
    text = address.strip().strip("[]").split("%")[0]
    if IPV4_TEXT.fullmatch(text):  # already in that form (the map asks for every candidate's address)
        return text
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def _asn(info: NetworkInfo) -> str:
    asn = asn_of(info)
    return f" (AS{asn}{', ' + info.country if info.country else ''})" if asn else ""


def _names(nets: Sequence[Network]) -> str:
    return ", ".join(n.info.address + ("" if label(n.info) == n.info.address else f" {label(n.info)}") for n in nets)


def _exp(kind: ExposureKind, summary: str, net: Network, value: str | None) -> Exposure:
    return Exposure(kind, summary, net.ids, SEEN_BY if net.mapped else SDP_READERS, value)
