"""The rule catalogue: stable IDs, severities, docs, fixes, and the checks that turn facts into findings.

Each rule is one check function under ``@rule(id=..., name=..., severity=..., title=..., fix=...)``;
its docstring is the rule's doc (one paragraph: ``icecheck explain``, SARIF and docs/rules.md show
it). ``RULES`` lists them in catalogue order. IDs never change meaning once published; a retired
rule keeps its ID unused. Every rule has a sample ``icecheck/data/rules/<ID>.sdp`` (also
``samples/rules``) that triggers it (a test checks this); it is installed with the package, so
``icecheck explain`` can print it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from icecheck.analysis.groups import Groups
from icecheck.analysis.infer import LOCAL_CLASSES, PUBLIC_CLASSES
from icecheck.model import (
    AddressClass,
    AddressRole,
    AuditedAddress,
    AuditedCandidate,
    Exposure,
    ExposureKind,
    Finding,
)
from icecheck.severity import Severity

Found = list[tuple[str, Sequence[str]]]  # what a check found: (message, evidence ids)


class Facts(NamedTuple):
    """Everything a rule may look at. A ``NamedTuple`` (as ``model.Candidate``): ``Evaluation``
    makes one per party and per exposure of a capture."""

    candidates: Sequence[AuditedCandidate]
    addresses: Sequence[AuditedAddress]
    exposures: Sequence[Exposure]


Check = Callable[[Facts], Found]
EachCandidate = Callable[[AuditedCandidate], "str | None"]
EachAddress = Callable[[AuditedAddress], "str | None"]
EachExposure = Callable[[Exposure], "str | None"]
Read = str | ExposureKind  # "candidates", "addresses", or the kind of exposures a check reads


@dataclass(frozen=True, slots=True)
class Rule:
    """A catalogue entry: stable id, name, severity, title, doc, the fix in one sentence, and the
    check that finds it."""

    id: str
    name: str
    severity: Severity
    title: str
    doc: str
    fix: str
    check: Check
    reads: tuple[Read, ...] = ()  # what ``check`` reads, in its order (``Evaluation``)
    each_candidate: EachCandidate | None = None  # ``check`` on one candidate, as a message or None (``rule``)
    each_address: EachAddress | None = None  # ``check`` on one address, as a message or None
    each_exposure: EachExposure | None = None  # ``check`` on one exposure it reads (its evidence's message)

    @property
    def help_uri(self) -> str | None:
        """The rule's web page, from the package's one documentation URL (``icecheck.analysis.links``)."""
        from icecheck.analysis.links import rule_url

        return rule_url(self.id)


def rule(
    *,
    id: str,
    reads: tuple[Read, ...],
    name: str,
    severity: Severity,
    title: str,
    fix: str,
    each_candidate: EachCandidate | None = None,
    each_address: EachAddress | None = None,
    each_exposure: EachExposure | None = None,
) -> Callable[[Check], Rule]:
    """Make the decorated check a ``Rule``; its docstring, with the line breaks undone, is the doc.

    ``reads`` says what the check looks at, in the order it looks: ``"candidates"``,
    ``"addresses"``, and the kinds of exposures it reads (in one pass over the exposures, where
    the first kind stands). A check must find, for the whole facts, what it finds item by item
    in that order (``Evaluation`` relies on it; tests/analysis/test_streamed.py checks it).

    ``each_candidate`` and ``each_address``: what the check finds in one candidate (facts of that
    candidate alone), or one address, as its message (the evidence is the item's id) or None.
    The check reads its candidates (addresses) through it (``_cands``, ``_addrs``), and
    ``Evaluation`` calls it item by item: no ``Facts`` nor list per item and rule (a capture's
    thousands of parties hold a few items each). ``each_exposure``: the same for one exposure of
    a kind the rule reads (the evidence is the exposure's); ``_summary`` for a check that says
    what the exposures of its kinds say (``_exposed``).
    """

    def make(check: Check) -> Rule:
        if not check.__doc__:
            raise ValueError(f"rule {id}: the check needs a docstring (the rule's doc)")
        doc = " ".join(check.__doc__.split())
        return Rule(id, name, severity, title, doc, fix, check, reads, each_candidate, each_address, each_exposure)

    return make


def _cands(f: Facts, each: EachCandidate) -> Found:
    """What ``each`` finds in each candidate, in order (``rule``: ``each_candidate``)."""
    return [(m, (c.id,)) for c in f.candidates if (m := each(c)) is not None]


def _addrs(f: Facts, each: EachAddress) -> Found:
    """What ``each`` finds in each address, in order (``rule``: ``each_address``)."""
    return [(m, (a.id,)) for a in f.addresses if (m := each(a)) is not None]


def _summary(e: Exposure) -> str:
    """What a check that reports exposures as they are (``_exposed``) finds in one of its kinds."""
    return e.summary


def _exposed(f: Facts, *kinds: ExposureKind) -> Found:
    if not f.exposures:
        return []
    return [(e.summary, e.evidence) for e in f.exposures if e.kind in kinds]


def _field_message(a: AuditedAddress) -> str:
    return f"The {a.record.role.value} line exposes the {a.facts.address_class} address {a.facts.address}."


def _is_host(c: AuditedCandidate) -> bool:
    return c.record.candidate.type == "host"


def _private_ipv4_host(c: AuditedCandidate) -> str | None:
    if c.facts.address_class is AddressClass.PRIVATE and _is_host(c):
        return f"A host candidate exposes the private address {c.facts.address}."
    return None


@rule(
    id="ICE001",
    reads=("candidates",),
    each_candidate=_private_ipv4_host,
    name="private-ipv4-host",
    severity=Severity.MEDIUM,
    title="Private IPv4 host address exposed",
    fix="Conceal host candidates behind mDNS names, or gather under a no-host-ip or relay-only policy.",
)
def private_ipv4_host(f: Facts) -> Found:
    """A host candidate carries an RFC 1918 address. Anyone who receives the SDP (signalling server, remote peer)
    learns your LAN address and subnet, which helps fingerprint you and map your network. Browsers hide it behind an
    mDNS name by default; native apps and softphones often do not."""
    return _cands(f, _private_ipv4_host)


def _public_host_address(c: AuditedCandidate) -> str | None:
    if _is_host(c) and c.facts.version == 4 and c.facts.address_class in PUBLIC_CLASSES:
        return f"A host candidate carries the public address {c.facts.address}: no NAT in front."
    return None


@rule(
    id="ICE002",
    reads=("candidates",),
    each_candidate=_public_host_address,
    name="public-host-address",
    severity=Severity.HIGH,
    title="Public host address exposed (no NAT)",
    fix="Keep WebRTC off the public interface (gather on the LAN or VPN one), or use a relay-only policy.",
)
def public_host_address(f: Facts) -> Found:
    """A host candidate carries a public address: the interface sits directly on the Internet. Its address identifies
    your connection even when a relay or VPN is meant to hide it."""
    return _cands(f, _public_host_address)


@rule(
    each_exposure=_summary,
    id="ICE003",
    reads=(ExposureKind.MAC_ADDRESS,),
    name="eui64-mac",
    severity=Severity.HIGH,
    title="MAC address exposed through EUI-64",
    fix="Turn on IPv6 privacy extensions (RFC 8981) or stable-private addresses (RFC 7217).",
)
def eui64_mac(f: Facts) -> Found:
    """An IPv6 address built with modified EUI-64 (ff:fe in the middle of the interface identifier) contains the
    network card's MAC address. It identifies the device across every network it joins; enable IPv6 privacy
    extensions (RFC 8981) or stable-private addresses (RFC 7217)."""
    return _exposed(f, ExposureKind.MAC_ADDRESS)


def _ipv6_global_host(c: AuditedCandidate) -> str | None:
    if _is_host(c) and c.facts.version == 6 and c.facts.address_class in PUBLIC_CLASSES:
        return f"A host candidate exposes the global IPv6 address {c.facts.address}."
    return None


@rule(
    id="ICE004",
    reads=("candidates",),
    each_candidate=_ipv6_global_host,
    name="ipv6-global-host",
    severity=Severity.MEDIUM,
    title="Global IPv6 address exposed",
    fix="Use temporary IPv6 addresses (RFC 8981), conceal host candidates behind mDNS names, or go relay-only.",
)
def ipv6_global_host(f: Facts) -> Found:
    """A host candidate carries a global IPv6 address. There is no NAT in IPv6: the address, and at least its /64
    prefix, identifies your subscriber line and is reachable from the Internet."""
    return _cands(f, _ipv6_global_host)


@rule(
    each_exposure=_summary,
    id="ICE005",
    reads=(ExposureKind.PUBLIC_ADDRESS,),
    name="srflx-public-address",
    severity=Severity.MEDIUM,
    title="Public address exposed by a server-reflexive candidate",
    fix="Accept it as the price of direct connections, or use a relay-only policy (iceTransportPolicy relay).",
)
def srflx_public_address(f: Facts) -> Found:
    """A srflx or prflx candidate carries your NAT's public address, learned from a STUN server. It tells the other
    side your ISP and approximate location. It is the price of a direct connection; use a relay-only policy where
    that is not acceptable."""
    return _exposed(f, ExposureKind.PUBLIC_ADDRESS)


@rule(
    each_exposure=_summary,
    id="ICE006",
    reads=(ExposureKind.RELAY_RADDR_LEAK,),
    name="relay-raddr-leak",
    severity=Severity.HIGH,
    title="Relay candidate's raddr exposes your address",
    fix="Set iceTransportPolicy to relay, or write raddr 0.0.0.0 rport 0 in relay candidates.",
)
def relay_raddr_leak(f: Facts) -> Found:
    """A relay candidate's related address (raddr) carries the address the client used towards the TURN server — your
    public or local address. libwebrtc zeroes it only under iceTransportPolicy 'relay'. Relaying then hides nothing;
    set the relay policy or strip raddr."""
    return _exposed(f, ExposureKind.RELAY_RADDR_LEAK)


def _srflx_raddr_private(c: AuditedCandidate) -> str | None:
    kind, related = c.record.candidate.type, c.related_facts
    if kind in ("srflx", "prflx") and related is not None and related.address_class in LOCAL_CLASSES:
        return f"The {kind} candidate's raddr exposes the local address {related.address}."
    return None


@rule(
    id="ICE007",
    reads=("candidates",),
    each_candidate=_srflx_raddr_private,
    name="srflx-raddr-private",
    severity=Severity.MEDIUM,
    title="Server-reflexive raddr exposes a local address",
    fix="Write raddr 0.0.0.0 rport 9 in srflx and prflx candidates (mDNS draft), or go relay-only.",
)
def srflx_raddr_private(f: Facts) -> Found:
    """A srflx/prflx candidate's related address is its private base address. Even when host candidates are concealed,
    this leaks the LAN address; the mDNS draft requires raddr 0.0.0.0 rport 9 here."""
    return _cands(f, _srflx_raddr_private)


def _tailscale(c: AuditedCandidate) -> str | None:
    if c.facts.address_class is AddressClass.ULA and c.facts.has_hint("tailscale"):
        return f"The address {c.facts.address} is a Tailscale overlay address."
    return None


@rule(
    each_exposure=_summary,
    id="ICE008",
    reads=(ExposureKind.CGNAT, "candidates"),
    each_candidate=_tailscale,
    name="cgnat-or-overlay",
    severity=Severity.LOW,
    title="CGNAT or overlay address exposed",
    fix="Keep WebRTC off the overlay interface, or use a relay-only policy.",
)
def cgnat_or_overlay(f: Facts) -> Found:
    """An address in 100.64.0.0/10 (or a Tailscale ULA) is exposed: your ISP uses carrier-grade NAT, or you are on an
    overlay network such as Tailscale. Both narrow down who and where you are."""
    return _exposed(f, ExposureKind.CGNAT) + _cands(f, _tailscale)


def _vpn_summary(e: Exposure) -> str | None:
    if e.kind is ExposureKind.VPN or (e.kind is ExposureKind.INTERFACE_TYPE and "+vpn" in (e.value or "")):
        return e.summary
    return None


@rule(
    id="ICE009",
    reads=(ExposureKind.VPN, ExposureKind.INTERFACE_TYPE),
    each_exposure=_vpn_summary,
    name="vpn-interface",
    severity=Severity.HIGH,
    title="VPN or tunnel interface exposed",
    fix="Turn on the VPN's WebRTC leak protection, or use a relay-only policy through the VPN.",
)
def vpn_interface(f: Facts) -> Found:
    """A candidate shows a VPN or tunnel: an address in a VPN provider's default range, or network-cost marked as VPN.
    When it appears beside a non-VPN address, the VPN does not hide your real network."""
    out = _exposed(f, ExposureKind.VPN)
    out += [
        (e.summary, e.evidence)
        for e in f.exposures
        if "+vpn" in (e.value or "") and e.kind is ExposureKind.INTERFACE_TYPE
    ]
    return out


@rule(
    each_exposure=_summary,
    id="ICE010",
    reads=(ExposureKind.INTERFACE_COUNT,),
    name="multiple-interfaces",
    severity=Severity.LOW,
    title="Several network interfaces revealed",
    fix="Gather on the default route only (RFC 8828 mode 2 or 3; relay-only too: it allocates a relay per interface).",
)
def multiple_interfaces(f: Facts) -> Found:
    """The candidates reveal more than one network interface (network-id values, distinct host addresses, interface
    ranks encoded in the priorities, or distinct mDNS names). That describes your device."""
    return _exposed(f, ExposureKind.INTERFACE_COUNT)


@rule(
    each_exposure=_summary,
    id="ICE011",
    reads=(ExposureKind.INTERFACE_TYPE,),
    name="interface-type",
    severity=Severity.INFO,
    title="Interface type revealed (network-cost)",
    fix="Leave network-cost out of signalled candidates, or accept it: it is informational.",
)
def interface_type(f: Facts) -> Found:
    """Chrome's network-cost extension tells the interface type: Wi-Fi, cellular, Ethernet, and +1 for a VPN. It tells
    the other side how you are connected."""
    return _exposed(f, ExposureKind.INTERFACE_TYPE)


_FIELDS = (AddressRole.CONNECTION, AddressRole.ORIGIN, AddressRole.RTCP, AddressRole.CNAME)


def _sdp_private_address(a: AuditedAddress) -> str | None:
    if a.facts.address_class in (AddressClass.PRIVATE, AddressClass.CGNAT) and a.record.role in _FIELDS:
        return _field_message(a)
    return None


@rule(
    id="ICE012",
    reads=("addresses",),
    each_address=_sdp_private_address,
    name="sdp-private-address",
    severity=Severity.MEDIUM,
    title="Private address in c=, o=, a=rtcp or cname",
    fix="Write 0.0.0.0 or the public address in c=, o= and a=rtcp, and use a random cname.",
)
def sdp_private_address(f: Facts) -> Found:
    """An address outside the candidate lines — the c= connection line, the o= origin, a=rtcp or an a=ssrc cname — is
    private. SIP user agents often write their LAN address there even when the candidates are clean."""
    return _addrs(f, _sdp_private_address)


_LOCAL6 = (AddressClass.ULA, AddressClass.LINK_LOCAL)


def _ula_or_link_local(c: AuditedCandidate) -> str | None:
    if c.facts.address_class in _LOCAL6 and not c.facts.has_hint("tailscale"):
        return f"A candidate exposes the {c.facts.address_class} address {c.facts.address}."
    return None


def _ula_or_link_local_field(a: AuditedAddress) -> str | None:
    return _field_message(a) if a.facts.address_class in _LOCAL6 else None


@rule(
    id="ICE013",
    reads=("candidates", "addresses"),
    each_candidate=_ula_or_link_local,
    each_address=_ula_or_link_local_field,
    name="ula-or-link-local",
    severity=Severity.LOW,
    title="ULA or link-local address exposed",
    fix="Do not gather on link-local or ULA interfaces (RFC 8828 mode 2 or 3), or conceal them behind mDNS names.",
)
def ula_or_link_local(f: Facts) -> Found:
    """A unique-local (fc00::/7) or link-local (fe80::/10, 169.254/16) address is exposed. It is not routable, but it
    is stable and identifies the local network or the device."""
    return _cands(f, _ula_or_link_local) + _addrs(f, _ula_or_link_local_field)


@rule(
    id="ICE014",
    reads=(),
    name="policy-violation",
    severity=Severity.HIGH,
    title="Candidate violates the policy",
    fix="Remove the candidate, or allow its address in the policy file (allow, relays) if it is yours.",
)
def policy_violation(f: Facts) -> Found:
    """The candidate is not allowed under the selected policy (for example anything other than a relay address under
    relay-only, or a raw host address under no-host-ip)."""
    return []  # the policy's checks find these (analysis/policy.py: ``violations``)


@rule(
    each_exposure=_summary,
    id="ICE015",
    reads=(ExposureKind.HOSTNAME,),
    name="device-name",
    severity=Severity.MEDIUM,
    title="Device or host name exposed",
    fix="Use random mDNS names (UUIDv4 .local) instead of the device's host name.",
)
def device_name(f: Facts) -> Found:
    """A candidate address is a name such as 'janes-laptop.local' instead of a random mDNS UUID: it names the device or
    its owner."""
    return _exposed(f, ExposureKind.HOSTNAME)


@rule(
    each_exposure=_summary,
    id="ICE016",
    reads=(ExposureKind.EMBEDDED_IPV4,),
    name="embedded-ipv4",
    severity=Severity.MEDIUM,
    title="IPv4 address embedded in an IPv6 address",
    fix="Turn off Teredo and 6to4 tunnelling, or use a relay-only policy.",
)
def embedded_ipv4(f: Facts) -> Found:
    """A Teredo, 6to4, NAT64 or IPv4-mapped address carries an IPv4 address inside it — for Teredo, the client's public
    IPv4 address and port, lightly obfuscated."""
    return _exposed(f, ExposureKind.EMBEDDED_IPV4)


@rule(
    each_exposure=_summary,
    id="ICE017",
    reads=(ExposureKind.VIRTUAL_INTERFACE,),
    name="virtual-interface",
    severity=Severity.LOW,
    title="Virtual machine or container network exposed",
    fix="Keep WebRTC off container and virtual machine bridges: gather on the default route only.",
)
def virtual_interface(f: Facts) -> Found:
    """An address in a Docker or VirtualBox default range shows that the device runs containers or virtual machines,
    and adds to its fingerprint."""
    return _exposed(f, ExposureKind.VIRTUAL_INTERFACE)


@rule(
    each_exposure=_summary,
    id="ICE018",
    reads=(ExposureKind.VPN_LEAK,),
    name="vpn-leak",
    severity=Severity.HIGH,
    title="VPN leak: your ISP's address beside a VPN or hosting exit",
    fix="Turn on the VPN's WebRTC leak protection, or use a relay-only policy through the VPN.",
)
def vpn_leak(f: Facts) -> Found:
    """The candidates carry both the public address of a VPN or hosting provider and one of a residential or mobile ISP
    (as the registry's autonomous system, or a GeoIP database's anonymizer flags and connection type, class them),
    or a VPN interface beside an srflx from your ISP. The peer learns your real ISP and rough location although you
    use a VPN: WebRTC went around the tunnel. Use the VPN's WebRTC leak protection or a relay-only policy."""
    return _exposed(f, ExposureKind.VPN_LEAK)


@rule(
    each_exposure=_summary,
    id="ICE019",
    reads=(ExposureKind.ISP, ExposureKind.COUNTRY, ExposureKind.GEOLOCATION, ExposureKind.CONNECTION_TYPE),
    name="isp-identified",
    severity=Severity.LOW,
    title="ISP, network and location identified",
    fix="Use a relay-only policy where the ISP and its location must stay hidden.",
)
def isp_identified(f: Facts) -> Found:
    """Registry data (RDAP) or a geolocation database (GeoIP2/GeoLite2, DB-IP, IPinfo) for a public address in the
    candidates names the operator, its autonomous system, the country, and with a database the city and the kind of
    line (Cable/DSL, cellular): anyone who receives the SDP can look the same up."""
    return _exposed(f, ExposureKind.ISP, ExposureKind.COUNTRY, ExposureKind.GEOLOCATION, ExposureKind.CONNECTION_TYPE)


@rule(
    each_exposure=_summary,
    id="ICE020",
    reads=(ExposureKind.ACCESS_TECHNOLOGY, ExposureKind.LOCATION, ExposureKind.STATIC_ADDRESS),
    name="reverse-dns-details",
    severity=Severity.LOW,
    title="Reverse DNS reveals access technology or location",
    fix="Use a relay-only policy, or ask the ISP for a generic reverse DNS name.",
)
def reverse_dns_details(f: Facts) -> Found:
    """The reverse DNS name of a public address in the candidates tells the access technology (DSL, cable, fibre,
    mobile), whether the address is static, or a city or POP code — details of your line."""
    return _exposed(f, ExposureKind.ACCESS_TECHNOLOGY, ExposureKind.LOCATION, ExposureKind.STATIC_ADDRESS)


RULES: tuple[Rule, ...] = (
    private_ipv4_host,
    public_host_address,
    eui64_mac,
    ipv6_global_host,
    srflx_public_address,
    relay_raddr_leak,
    srflx_raddr_private,
    cgnat_or_overlay,
    vpn_interface,
    multiple_interfaces,
    interface_type,
    sdp_private_address,
    ula_or_link_local,
    policy_violation,
    device_name,
    embedded_ipv4,
    virtual_interface,
    vpn_leak,
    isp_identified,
    reverse_dns_details,
)
CATALOGUE: Mapping[str, Rule] = {r.id: r for r in RULES}
ORDER: Mapping[str, int] = {r.id: n for n, r in enumerate(RULES)}  # a rule's place in the catalogue

# Rules over lookup results (RDAP, reverse DNS, GeoIP databases): their samples are audited against
# the lab's DNS server and RDAP proxy (tests/cli/test_cli_lookups.py), since offline and without a
# database they have nothing to see.
LOOKUP_RULES = frozenset({vpn_leak.id, isp_identified.id, reverse_dns_details.id})


def evaluate(facts: Facts, label: str | None = None) -> list[Finding]:
    """Run every check; one finding per (rule, message) with the evidence of every occurrence.

    ``label`` names the party the facts belong to when an input holds several.
    """
    out: list[Finding] = []
    prefix = f"{label}: " if label else ""
    for r in RULES:
        found = r.check(facts)
        if not found:  # most rules find nothing in one party of a large capture
            continue
        merged: dict[str, dict[str, None]] = {}
        for message, evidence in found:
            merged.setdefault(message, {}).update(dict.fromkeys(evidence))
        out += [Finding(r.id, r.severity, prefix + m, tuple(refs)) for m, refs in merged.items()]
    return out


class Evaluation:
    """``evaluate`` over one party read once, item by item: every candidate (``candidate``), every
    other address (``address``), then every exposure (``exposure``), then ``findings`` (read
    once). Each rule's check is run on one item at a time, for the items it reads
    (``Rule.reads``; on a candidate or an address, its ``each_candidate`` or ``each_address``
    when it has one), and what it finds is merged by message as ``evaluate`` merges it: memory
    holds one entry per distinct message (``groups.Groups``), not the items."""

    __slots__ = ("groups",)

    def __init__(self) -> None:
        self.groups: dict[str, Groups[str]] = {}  # made when a rule first finds something

    def _run(self, checks: tuple[_Step, ...], facts: Facts) -> None:
        for rule_id, check, sources, source in checks:
            for message, evidence in check(facts):
                self._held(rule_id, sources).add_all(message, evidence, source)

    def _each(self, steps: tuple[_Each, ...], items: Sequence[AuditedCandidate] | Sequence[AuditedAddress]) -> None:
        for rule_id, each, sources, source in steps:
            held = None
            for item in items:
                message = each(item)
                if message is not None:
                    if held is None:
                        held = self._held(rule_id, sources)
                    held.add(message, item.id, source)

    def _held(self, rule_id: str, sources: int) -> Groups[str]:
        held = self.groups.get(rule_id)
        if held is None:
            held = self.groups[rule_id] = Groups(sources)
        return held

    def candidate(self, c: AuditedCandidate) -> None:
        self.candidates((c,))

    def address(self, a: AuditedAddress) -> None:
        self.addresses((a,))

    def candidates(self, cs: Sequence[AuditedCandidate]) -> None:
        """``candidate`` of each of ``cs`` in turn, each check run once over them all (a check finds
        for several items what it finds for each in turn: ``rule``)."""
        if cs:
            self._each(PLAN.each_candidate, cs)
            if PLAN.on_candidate:
                self._run(PLAN.on_candidate, Facts(cs, (), ()))

    def addresses(self, addresses: Sequence[AuditedAddress]) -> None:
        """``address`` of each of ``addresses`` in turn, as ``candidates``."""
        if addresses:
            self._each(PLAN.each_address, addresses)
            if PLAN.on_address:
                self._run(PLAN.on_address, Facts((), addresses, ()))

    def exposure(self, e: Exposure) -> None:
        for rule_id, each, sources, source in PLAN.each_exposure.get(e.kind, ()):
            message = each(e)
            if message is not None:
                self._held(rule_id, sources).add_all(message, e.evidence, source)
        checks = PLAN.on_exposure.get(e.kind)
        if checks:
            self._run(checks, Facts((), (), (e,)))

    def findings(self, label: str | None = None, every: Sequence[str] = ()) -> Iterator[Finding]:
        """What ``evaluate`` gives for the items read, in its order. ``every``: the party's candidate
        ids when held already (``Inference.every``): a finding naming them all gives those as its
        evidence, not a copy (``Groups.items``)."""
        prefix = f"{label}: " if label else ""
        found = self.groups
        for rule_id in sorted(found, key=ORDER.__getitem__) if len(found) > 1 else found:  # catalogue order
            severity = CATALOGUE[rule_id].severity
            for message, refs in found[rule_id].items(every):
                yield Finding(rule_id, severity, prefix + message, refs)


_Step = tuple[str, Check, int, int]  # rule id, its check, how many sources it reads, which this is
_Each = tuple[str, Callable[[Any], "str | None"], int, int]  # rule id, its each_candidate, _address or _exposure


@dataclass(frozen=True, slots=True)
class _Plan:
    """Which checks ``Evaluation`` runs on a candidate, an address, an exposure of each kind: a
    rule's ``each_candidate`` (``each_address``, ``each_exposure``) when it has one, else its check."""

    each_candidate: tuple[_Each, ...]
    on_candidate: tuple[_Step, ...]
    each_address: tuple[_Each, ...]
    on_address: tuple[_Step, ...]
    each_exposure: Mapping[ExposureKind, tuple[_Each, ...]]
    on_exposure: Mapping[ExposureKind, tuple[_Step, ...]]


def _plan() -> _Plan:
    """``RULES`` read once (what each rule reads, ``Rule.reads``): the same for every party."""
    each_candidate: list[_Each] = []
    on_candidate: list[_Step] = []
    each_address: list[_Each] = []
    on_address: list[_Step] = []
    each_exposure: dict[ExposureKind, list[_Each]] = {}
    on_exposure: dict[ExposureKind, list[_Step]] = {}
    for r in RULES:
        sources = list(dict.fromkeys("exposures" if isinstance(x, ExposureKind) else x for x in r.reads))
        if "candidates" in sources:
            at = sources.index("candidates")
            if r.each_candidate is not None:
                each_candidate.append((r.id, r.each_candidate, len(sources), at))
            else:
                on_candidate.append((r.id, r.check, len(sources), at))
        if "addresses" in sources:
            at = sources.index("addresses")
            if r.each_address is not None:
                each_address.append((r.id, r.each_address, len(sources), at))
            else:
                on_address.append((r.id, r.check, len(sources), at))
        for kind in r.reads:
            if isinstance(kind, ExposureKind):
                at = sources.index("exposures")
                if r.each_exposure is not None:
                    each_exposure.setdefault(kind, []).append((r.id, r.each_exposure, len(sources), at))
                else:
                    on_exposure.setdefault(kind, []).append((r.id, r.check, len(sources), at))
    return _Plan(
        tuple(each_candidate),
        tuple(on_candidate),
        tuple(each_address),
        tuple(on_address),
        {k: tuple(v) for k, v in each_exposure.items()},
        {k: tuple(v) for k, v in on_exposure.items()},
    )


PLAN = _plan()  # a constant of the catalogue, read by every ``Evaluation``
