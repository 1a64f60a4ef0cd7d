"""Policy presets and their application to findings (pure).

A policy decides which rules run, at which severity, and which candidates are allowed at
all. ``relay-only`` is the mitigation where only a relay address is advertised (RFC 8828
mode 4); ``no-host-ip`` requires host addresses to be mDNS-concealed or absent.

Allowlists (from a policy file, see ``config.py``): ``relays`` names the organisation's own TURN
relay addresses (under ``relay-only`` a relay elsewhere is a violation) and ``allow`` names
addresses or ranges that may appear; a finding whose evidence shows only allowlisted addresses
(relays included) is dropped by ``drop_allowed``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from icecheck.model import AddressClass, AuditedAddress, AuditedCandidate, AuditResult, Finding
from icecheck.severity import Severity

UNSPECIFIED_RADDR = {"0.0.0.0", "::", None}


@dataclass(frozen=True, slots=True)
class Policy:
    """Which rules apply at which severity, the preset, the fail-on level and the allowlists."""

    name: str = "default"
    description: str = "Report every rule at its catalogue severity."
    disabled: frozenset[str] = frozenset()
    severities: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.HIGH
    preset: str = "default"  # which PRESETS entry decides violations
    relays: tuple[str, ...] = ()  # CIDR strings: the organisation's TURN relay addresses
    allow: tuple[str, ...] = ()  # CIDR strings: addresses that may appear
    source: str | None = None  # the policy file, when one was used


def _relay_only(c: AuditedCandidate) -> str | None:
    cand = c.record.candidate
    if cand.type != "relay":
        return f"{cand.type} candidate {c.facts.address} is not allowed: only relay candidates are"
    if cand.related_address not in UNSPECIFIED_RADDR and cand.related_address != cand.address:
        return f"relay candidate {c.facts.address} carries raddr {cand.related_address}; relay-only needs 0.0.0.0"
    return None


def _no_host_ip(c: AuditedCandidate) -> str | None:
    cand = c.record.candidate
    if cand.type == "host" and c.facts.address_class is not AddressClass.MDNS:
        return f"host candidate exposes {c.facts.address}; hosts must be mDNS-concealed or absent"
    rf = c.related_facts
    if (
        cand.type != "relay"
        and rf is not None
        and rf.address_class
        not in (
            AddressClass.UNSPECIFIED,
            AddressClass.MDNS,
        )
    ):
        return f"{cand.type} candidate's raddr {rf.address} exposes the host address"
    return None


Violation = Callable[[AuditedCandidate], str | None]

PRESETS: dict[str, tuple[Policy, Violation | None]] = {
    "default": (Policy(), None),
    "relay-only": (
        Policy(
            "relay-only",
            "Only relay candidates with a zeroed raddr may be advertised (RFC 8828 mode 4).",
            preset="relay-only",
        ),
        _relay_only,
    ),
    "no-host-ip": (
        Policy(
            "no-host-ip",
            "Host addresses must be concealed by mDNS or absent; raddr must not reveal them.",
            preset="no-host-ip",
        ),
        _no_host_ip,
    ),
}


def preset(name: str) -> Policy:
    """The named preset; KeyError for an unknown name."""
    return PRESETS[name][0]


def violations(policy: Policy, candidates: Iterable[AuditedCandidate]) -> Iterator[Finding]:
    """ICE014 findings for candidates the policy does not allow, one per candidate, as the
    candidates are read (one pass)."""
    check = PRESETS.get(policy.preset, (policy, None))[1]
    if check is None:
        return
    for c in candidates:
        message = check(c) or _foreign_relay(policy, c)
        if message is not None:
            yield Finding("ICE014", Severity.HIGH, f"{policy.name}: {message}", (c.id,))


def _foreign_relay(policy: Policy, c: AuditedCandidate) -> str | None:
    """Under relay-only with a relay allowlist, a relay elsewhere is not the organisation's TURN."""
    if policy.preset != "relay-only" or not policy.relays or c.record.candidate.type != "relay":
        return None
    if in_networks(c.record.candidate.address, policy.relays):
        return None
    return f"relay candidate {c.facts.address} is not on an allowed TURN relay ({', '.join(policy.relays)})"


def in_networks(address: str | None, networks: Sequence[str]) -> bool:
    """True when ``address`` is an IP literal inside one of the CIDR ``networks``."""
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%")[0])
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n) for n in networks)


def drop_allowed(result: AuditResult, policy: Policy) -> AuditResult:
    """Remove findings whose evidence shows only allowlisted addresses (idempotent). Each finding's
    evidence is read id by id (``byid.ById``), so that one naming a million candidates holds none
    of their addresses; the findings kept are held as ``audit`` holds them (a tuple up to
    ``limits.IN_MEMORY``, then a spool: relay-only may find one per candidate of millions)."""
    from icecheck.analysis.byid import ById
    from icecheck.inputs import limits
    from icecheck.inputs.spool import HeldWriter

    allowed = (*policy.relays, *policy.allow)
    if not allowed:
        return result
    shown = ById(result, _shown)
    if not any(_all_allowed(f, shown, allowed) for f in result.findings):
        return result
    kept: HeldWriter[Finding] = HeldWriter(limits.IN_MEMORY)
    kept.extend(f for f in result.findings if not _all_allowed(f, shown, allowed))
    return replace(result, findings=kept.close())


def _all_allowed(f: Finding, shown: Mapping[str, tuple[str, ...]], allowed: Sequence[str]) -> bool:
    """True when ``f``'s evidence shows an address and every address it shows is allowed (an id
    that names no item shows itself)."""
    some = False
    for ref in f.evidence:
        for address in shown.get(ref, (ref,)):
            if not in_networks(address, allowed):
                return False
            some = True
    return some


def _shown(item: AuditedCandidate | AuditedAddress) -> tuple[str, ...]:
    """The addresses an evidence item shows (a candidate's raddr counts unless unspecified)."""
    if isinstance(item, AuditedAddress):
        return (item.record.address,)
    cand = item.record.candidate
    if cand.related_address not in UNSPECIFIED_RADDR and cand.type != "host":
        return cand.address, str(cand.related_address)
    return (cand.address,)


def apply(policy: Policy, findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Drop disabled rules and apply severity overrides."""
    return tuple(applied(policy, findings))


def applied(policy: Policy, findings: Iterable[Finding]) -> Iterator[Finding]:
    """``apply``, finding by finding as they are read."""
    for f in findings:
        if f.rule in policy.disabled:
            continue
        sev = policy.severities.get(f.rule)
        yield replace(f, severity=sev) if sev is not None else f
