"""Policy presets and their application to findings (pure).

A policy decides which rules run, at which severity, and which candidates are allowed at
all. ``relay-only`` is the mitigation where only a relay address is advertised (RFC 8828
mode 4); ``no-host-ip`` requires host addresses to be mDNS-concealed or absent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from icecheck.model import AddressClass, AuditedCandidate, Finding, Severity

UNSPECIFIED_RADDR = {"0.0.0.0", "::", None}


@dataclass(frozen=True, slots=True)
class Policy:
    name: str = "default"
    description: str = "Report every rule at its catalogue severity."
    disabled: frozenset[str] = frozenset()
    severities: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.HIGH


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
        Policy("relay-only", "Only relay candidates with a zeroed raddr may be advertised (RFC 8828 mode 4)."),
        _relay_only,
    ),
    "no-host-ip": (
        Policy("no-host-ip", "Host addresses must be concealed by mDNS or absent; raddr must not reveal them."),
        _no_host_ip,
    ),
}


def preset(name: str) -> Policy:
    """The named preset; KeyError for an unknown name."""
    return PRESETS[name][0]


def violations(policy: Policy, candidates: Sequence[AuditedCandidate]) -> list[Finding]:
    """ICE014 findings for candidates the policy does not allow."""
    check = PRESETS.get(policy.name, (policy, None))[1]
    if check is None:
        return []
    out = []
    for c in candidates:
        message = check(c)
        if message is not None:
            out.append(Finding("ICE014", Severity.HIGH, f"{policy.name}: {message}", (c.id,)))
    return out


def apply(policy: Policy, findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Drop disabled rules and apply severity overrides."""
    out = []
    for f in findings:
        if f.rule in policy.disabled:
            continue
        sev = policy.severities.get(f.rule)
        out.append(replace(f, severity=sev) if sev is not None else f)
    return tuple(out)
