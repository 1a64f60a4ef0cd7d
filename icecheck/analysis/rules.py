"""The rule catalogue: stable IDs, severities, docs, and the checks that turn facts into findings.

IDs never change meaning once published; a retired rule keeps its ID unused. Every rule has
a sample ``icecheck/data/rules/<ID>.sdp`` (also ``samples/rules``) that triggers it (a test checks
this); it is installed with the package, so ``icecheck explain`` can print it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from icecheck.analysis.infer import LOCAL_CLASSES, PUBLIC_CLASSES
from icecheck.model import (
    AddressClass,
    AddressRole,
    AuditedAddress,
    AuditedCandidate,
    Exposure,
    Finding,
    Severity,
)
from icecheck.records import record


@record
class Rule:
    """A catalogue entry: stable id, name, severity, title, doc and the fix in one sentence."""

    id: str
    name: str
    severity: Severity
    title: str
    doc: str
    fix: str

    @property
    def help_uri(self) -> str | None:
        """The rule's web page, from the package's one documentation URL (``icecheck.links``)."""
        from icecheck.links import rule_url

        return rule_url(self.id)


@record
class Facts:
    """Everything a rule may look at."""

    candidates: Sequence[AuditedCandidate]
    addresses: Sequence[AuditedAddress]
    exposures: Sequence[Exposure]


Check = Callable[[Facts], list[tuple[str, tuple[str, ...]]]]  # -> [(message, evidence)]


def _cands(
    f: Facts, pred: Callable[[AuditedCandidate], bool], msg: Callable[[AuditedCandidate], str]
) -> list[tuple[str, tuple[str, ...]]]:
    return [(msg(c), (c.id,)) for c in f.candidates if pred(c)]


def _exposed(kind: str) -> Check:
    return lambda f: [(e.summary, e.evidence) for e in f.exposures if e.kind == kind]


def _is_host(c: AuditedCandidate) -> bool:
    return c.record.candidate.type == "host"


def _v4_private_host(f: Facts) -> list[tuple[str, tuple[str, ...]]]:
    return _cands(
        f,
        lambda c: _is_host(c) and c.facts.address_class is AddressClass.PRIVATE,
        lambda c: f"A host candidate exposes the private address {c.facts.address}.",
    )


def _public_host(f: Facts) -> list[tuple[str, tuple[str, ...]]]:
    return _cands(
        f,
        lambda c: _is_host(c) and c.facts.version == 4 and c.facts.address_class in PUBLIC_CLASSES,
        lambda c: f"A host candidate carries the public address {c.facts.address}: no NAT in front.",
    )


def _ipv6_global(f: Facts) -> list[tuple[str, tuple[str, ...]]]:
    return _cands(
        f,
        lambda c: _is_host(c) and c.facts.version == 6 and c.facts.address_class in PUBLIC_CLASSES,
        lambda c: f"A host candidate exposes the global IPv6 address {c.facts.address}.",
    )


def _srflx_private_raddr(f: Facts) -> list[tuple[str, tuple[str, ...]]]:
    return _cands(
        f,
        lambda c: (
            c.record.candidate.type in ("srflx", "prflx")
            and c.related_facts is not None
            and c.related_facts.address_class in LOCAL_CLASSES
        ),
        lambda c: (
            f"The {c.record.candidate.type} candidate's raddr exposes the local address "
            f"{c.related_facts.address if c.related_facts else ''}."
        ),
    )


def _overlay(f: Facts) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.summary, e.evidence) for e in f.exposures if e.kind == "cgnat"] + _cands(
        f,
        lambda c: c.facts.address_class is AddressClass.ULA and c.facts.has_hint("tailscale"),
        lambda c: f"The address {c.facts.address} is a Tailscale overlay address.",
    )


def _vpn(f: Facts) -> list[tuple[str, tuple[str, ...]]]:
    out = [(e.summary, e.evidence) for e in f.exposures if e.kind == "vpn"]
    out += [(e.summary, e.evidence) for e in f.exposures if e.kind == "interface-type" and "+vpn" in (e.value or "")]
    return out


def _sdp_private(f: Facts) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (_field_message(a), (a.id,))
        for a in f.addresses
        if a.record.role in (AddressRole.CONNECTION, AddressRole.ORIGIN, AddressRole.RTCP, AddressRole.CNAME)
        and a.facts.address_class in (AddressClass.PRIVATE, AddressClass.CGNAT)
    ]


def _field_message(a: AuditedAddress) -> str:
    return f"The {a.record.role.value} line exposes the {a.facts.address_class} address {a.facts.address}."


def _ula_link_local(f: Facts) -> list[tuple[str, tuple[str, ...]]]:
    local6 = (AddressClass.ULA, AddressClass.LINK_LOCAL)
    out = _cands(
        f,
        lambda c: c.facts.address_class in local6 and not c.facts.has_hint("tailscale"),
        lambda c: f"A candidate exposes the {c.facts.address_class} address {c.facts.address}.",
    )
    out += [(_field_message(a), (a.id,)) for a in f.addresses if a.facts.address_class in local6]
    return out


def _virtual(f: Facts) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.summary, e.evidence) for e in f.exposures if e.kind == "virtual-interface"]


RULES: tuple[tuple[Rule, Check], ...] = (
    (
        Rule(
            "ICE001",
            "private-ipv4-host",
            Severity.MEDIUM,
            "Private IPv4 host address exposed",
            "A host candidate carries an RFC 1918 address. Anyone who receives the SDP (signalling server, "
            "remote peer) learns your LAN address and subnet, which helps fingerprint you and map your network. "
            "Browsers hide it behind an mDNS name by default; native apps and softphones often do not.",
            "Conceal host candidates behind mDNS names, or gather under a no-host-ip or relay-only policy.",
        ),
        _v4_private_host,
    ),
    (
        Rule(
            "ICE002",
            "public-host-address",
            Severity.HIGH,
            "Public host address exposed (no NAT)",
            "A host candidate carries a public address: the interface sits directly on the Internet. Its address "
            "identifies your connection even when a relay or VPN is meant to hide it.",
            "Keep WebRTC off the public interface (gather on the LAN or VPN one), or use a relay-only policy.",
        ),
        _public_host,
    ),
    (
        Rule(
            "ICE003",
            "eui64-mac",
            Severity.HIGH,
            "MAC address exposed through EUI-64",
            "An IPv6 address built with modified EUI-64 (ff:fe in the middle of the interface identifier) "
            "contains the network card's MAC address. It identifies the device across every network it joins; "
            "enable IPv6 privacy extensions (RFC 8981) or stable-private addresses (RFC 7217).",
            "Turn on IPv6 privacy extensions (RFC 8981) or stable-private addresses (RFC 7217).",
        ),
        _exposed("mac-address"),
    ),
    (
        Rule(
            "ICE004",
            "ipv6-global-host",
            Severity.MEDIUM,
            "Global IPv6 address exposed",
            "A host candidate carries a global IPv6 address. There is no NAT in IPv6: the address, and at least "
            "its /64 prefix, identifies your subscriber line and is reachable from the Internet.",
            "Use temporary IPv6 addresses (RFC 8981), conceal host candidates behind mDNS names, or go relay-only.",
        ),
        _ipv6_global,
    ),
    (
        Rule(
            "ICE005",
            "srflx-public-address",
            Severity.MEDIUM,
            "Public address exposed by a server-reflexive candidate",
            "A srflx or prflx candidate carries your NAT's public address, learned from a STUN server. It tells "
            "the other side your ISP and approximate location. It is the price of a direct connection; use a "
            "relay-only policy where that is not acceptable.",
            "Accept it as the price of direct connections, or use a relay-only policy (iceTransportPolicy relay).",
        ),
        _exposed("public-address"),
    ),
    (
        Rule(
            "ICE006",
            "relay-raddr-leak",
            Severity.HIGH,
            "Relay candidate's raddr exposes your address",
            "A relay candidate's related address (raddr) carries the address the client used towards the TURN "
            "server — your public or local address. libwebrtc zeroes it only under iceTransportPolicy 'relay'. "
            "Relaying then hides nothing; set the relay policy or strip raddr.",
            "Set iceTransportPolicy to relay, or write raddr 0.0.0.0 rport 0 in relay candidates.",
        ),
        _exposed("relay-raddr-leak"),
    ),
    (
        Rule(
            "ICE007",
            "srflx-raddr-private",
            Severity.MEDIUM,
            "Server-reflexive raddr exposes a local address",
            "A srflx/prflx candidate's related address is its private base address. Even when host candidates "
            "are concealed, this leaks the LAN address; the mDNS draft requires raddr 0.0.0.0 rport 9 here.",
            "Write raddr 0.0.0.0 rport 9 in srflx and prflx candidates (mDNS draft), or go relay-only.",
        ),
        _srflx_private_raddr,
    ),
    (
        Rule(
            "ICE008",
            "cgnat-or-overlay",
            Severity.LOW,
            "CGNAT or overlay address exposed",
            "An address in 100.64.0.0/10 (or a Tailscale ULA) is exposed: your ISP uses carrier-grade NAT, or "
            "you are on an overlay network such as Tailscale. Both narrow down who and where you are.",
            "Keep WebRTC off the overlay interface, or use a relay-only policy.",
        ),
        _overlay,
    ),
    (
        Rule(
            "ICE009",
            "vpn-interface",
            Severity.HIGH,
            "VPN or tunnel interface exposed",
            "A candidate shows a VPN or tunnel: an address in a VPN provider's default range, or network-cost "
            "marked as VPN. When it appears beside a non-VPN address, the VPN does not hide your real network.",
            "Turn on the VPN's WebRTC leak protection, or use a relay-only policy through the VPN.",
        ),
        _vpn,
    ),
    (
        Rule(
            "ICE010",
            "multiple-interfaces",
            Severity.LOW,
            "Several network interfaces revealed",
            "The candidates reveal more than one network interface (network-id values, distinct host addresses, "
            "interface ranks encoded in the priorities, or distinct mDNS names). That describes your device.",
            "Gather on the default route only (RFC 8828 mode 2 or 3), or use a relay-only policy.",
        ),
        _exposed("interface-count"),
    ),
    (
        Rule(
            "ICE011",
            "interface-type",
            Severity.INFO,
            "Interface type revealed (network-cost)",
            "Chrome's network-cost extension tells the interface type: Wi-Fi, cellular, Ethernet, and +1 for "
            "a VPN. It tells the other side how you are connected.",
            "Leave network-cost out of signalled candidates, or accept it: it is informational.",
        ),
        _exposed("interface-type"),
    ),
    (
        Rule(
            "ICE012",
            "sdp-private-address",
            Severity.MEDIUM,
            "Private address in c=, o=, a=rtcp or cname",
            "An address outside the candidate lines — the c= connection line, the o= origin, a=rtcp or an "
            "a=ssrc cname — is private. SIP user agents often write their LAN address there even when the "
            "candidates are clean.",
            "Write 0.0.0.0 or the public address in c=, o= and a=rtcp, and use a random cname.",
        ),
        _sdp_private,
    ),
    (
        Rule(
            "ICE013",
            "ula-or-link-local",
            Severity.LOW,
            "ULA or link-local address exposed",
            "A unique-local (fc00::/7) or link-local (fe80::/10, 169.254/16) address is exposed. It is not "
            "routable, but it is stable and identifies the local network or the device.",
            "Do not gather on link-local or ULA interfaces (RFC 8828 mode 2 or 3), or conceal them behind mDNS names.",
        ),
        _ula_link_local,
    ),
    (
        Rule(
            "ICE014",
            "policy-violation",
            Severity.HIGH,
            "Candidate violates the policy",
            "The candidate is not allowed under the selected policy (for example anything other than a relay "
            "address under relay-only, or a raw host address under no-host-ip).",
            "Remove the candidate, or allow its address in the policy file (allow, relays) if it is yours.",
        ),
        lambda f: [],
    ),  # produced by policy.py
    (
        Rule(
            "ICE015",
            "device-name",
            Severity.MEDIUM,
            "Device or host name exposed",
            "A candidate address is a name such as 'janes-laptop.local' instead of a random mDNS UUID: it names "
            "the device or its owner.",
            "Use random mDNS names (UUIDv4 .local) instead of the device's host name.",
        ),
        _exposed("hostname"),
    ),
    (
        Rule(
            "ICE016",
            "embedded-ipv4",
            Severity.MEDIUM,
            "IPv4 address embedded in an IPv6 address",
            "A Teredo, 6to4, NAT64 or IPv4-mapped address carries an IPv4 address inside it — for Teredo, the "
            "client's public IPv4 address and port, lightly obfuscated.",
            "Turn off Teredo and 6to4 tunnelling, or use a relay-only policy.",
        ),
        _exposed("embedded-ipv4"),
    ),
    (
        Rule(
            "ICE017",
            "virtual-interface",
            Severity.LOW,
            "Virtual machine or container network exposed",
            "An address in a Docker or VirtualBox default range shows that the device runs containers or "
            "virtual machines, and adds to its fingerprint.",
            "Keep WebRTC off container and virtual machine bridges: gather on the default route only.",
        ),
        _virtual,
    ),
    (
        Rule(
            "ICE018",
            "vpn-leak",
            Severity.HIGH,
            "VPN leak: your ISP's address beside a VPN or hosting exit",
            "The candidates carry both the public address of a VPN or hosting provider and one of a residential or "
            "mobile ISP (as the registry's autonomous system, or a GeoIP database's anonymizer flags and connection "
            "type, class them), or a VPN interface beside an srflx from your ISP. The peer learns your real ISP and "
            "rough location although you use a VPN: WebRTC went around the tunnel. Use the VPN's WebRTC leak "
            "protection or a relay-only policy.",
            "Turn on the VPN's WebRTC leak protection, or use a relay-only policy through the VPN.",
        ),
        _exposed("vpn-leak"),
    ),
    (
        Rule(
            "ICE019",
            "isp-identified",
            Severity.LOW,
            "ISP, network and location identified",
            "Registry data (RDAP) or a geolocation database (GeoIP2/GeoLite2, DB-IP, IPinfo) for a public address "
            "in the candidates names the operator, its autonomous system, the country, and with a database the "
            "city and the kind of line (Cable/DSL, cellular): anyone who receives the SDP can look the same up.",
            "Use a relay-only policy where the ISP and its location must stay hidden.",
        ),
        lambda f: [
            (e.summary, e.evidence)
            for e in f.exposures
            if e.kind in ("isp", "country", "geolocation", "connection-type")
        ],
    ),
    (
        Rule(
            "ICE020",
            "reverse-dns-details",
            Severity.LOW,
            "Reverse DNS reveals access technology or location",
            "The reverse DNS name of a public address in the candidates tells the access technology (DSL, cable, "
            "fibre, mobile), whether the address is static, or a city or POP code — details of your line.",
            "Use a relay-only policy, or ask the ISP for a generic reverse DNS name.",
        ),
        lambda f: [
            (e.summary, e.evidence)
            for e in f.exposures
            if e.kind in ("access-technology", "location", "static-address")
        ],
    ),
)

# Rules over lookup results (RDAP, reverse DNS, GeoIP databases): their samples are audited against
# the lab's DNS server and RDAP proxy (tests/test_cli_lookups.py), since offline and without a
# database they have nothing to see.
LOOKUP_RULES = frozenset({"ICE018", "ICE019", "ICE020"})

CATALOGUE: dict[str, Rule] = {rule.id: rule for rule, _ in RULES}


def evaluate(facts: Facts, label: str | None = None) -> list[Finding]:
    """Run every check; one finding per (rule, message) with the evidence of every occurrence.

    ``label`` names the party the facts belong to when an input holds several.
    """
    out: list[Finding] = []
    prefix = f"{label}: " if label else ""
    for rule, check in RULES:
        found = check(facts)
        if not found:  # most rules find nothing in one party of a large capture
            continue
        merged: dict[str, dict[str, None]] = {}
        for message, evidence in found:
            merged.setdefault(message, {}).update(dict.fromkeys(evidence))
        out += [Finding(rule.id, rule.severity, prefix + m, tuple(refs)) for m, refs in merged.items()]
    return out
