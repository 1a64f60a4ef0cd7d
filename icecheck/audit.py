"""The pure pipeline: input documents → classified items → exposures → findings → ``AuditResult``.

``audit(docs, AuditSettings(policy, strict))`` runs it. What other steps learned (lookups,
attempts, the wire, a NAT test) comes in as arguments; a step that has already classified the
candidates (``audit_candidates``) hands them in too, so nothing is computed twice and nothing
is remembered between calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from icecheck.analysis.infer import infer
from icecheck.analysis.parties import split
from icecheck.analysis.policy import Policy, apply, violations
from icecheck.analysis.rules import Facts, evaluate
from icecheck.classify import classify
from icecheck.inputs.candidate import decode_priority
from icecheck.model import (
    AddressFacts,
    Attempt,
    AuditedAddress,
    AuditedCandidate,
    AuditResult,
    Exposure,
    Finding,
    InputDocument,
    NatBehaviour,
    NetworkInfo,
    PriorityInfo,
)


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """How one audit run judges what it found: ``policy`` (rules, severities, fail-on level,
    allowlists), and ``strict``, under which a failed attempt (server or lookup) makes the exit
    code 3 (``AuditResult.strict``)."""

    policy: Policy
    strict: bool = False


def audit_candidates(docs: Sequence[InputDocument]) -> tuple[AuditedCandidate, ...]:
    """Classify every candidate of every document; ids c1, c2... in input order. Equal addresses
    and priorities share one classification (``_Facts``): a capture repeats a few hundred
    addresses across hundreds of thousands of items."""
    out: list[AuditedCandidate] = []
    facts = _Facts()
    priorities: dict[tuple[int, str, str], PriorityInfo] = {}
    for doc in docs:
        for rec in doc.candidates:
            cand = rec.candidate
            key = (cand.priority, cand.type, cand.address)
            priority = priorities.get(key)
            if priority is None:
                priority = priorities[key] = decode_priority(*key)
            related = cand.related_address
            out.append(
                AuditedCandidate(
                    id=f"c{len(out) + 1}",
                    record=rec,
                    facts=facts.of(cand.address),
                    related_facts=facts.of(related) if related is not None else None,
                    priority=priority,
                )
            )
    return tuple(out)


def audit_addresses(docs: Sequence[InputDocument]) -> tuple[AuditedAddress, ...]:
    """Classify every address found outside candidate lines; ids a1, a2... (shared as in
    ``audit_candidates``)."""
    out: list[AuditedAddress] = []
    facts = _Facts()
    for doc in docs:
        for rec in doc.addresses:
            out.append(AuditedAddress(f"a{len(out) + 1}", rec, facts.of(rec.address)))
    return tuple(out)


class _Facts:
    """``classify`` once per distinct address of one call (it is pure): the same frozen facts
    for every item naming that address."""

    def __init__(self) -> None:
        self.known: dict[str, AddressFacts] = {}

    def of(self, address: str) -> AddressFacts:
        found = self.known.get(address)
        if found is None:
            found = self.known[address] = classify(address)
        return found


def audit(
    docs: Sequence[InputDocument],
    settings: AuditSettings,
    *,
    candidates: Sequence[AuditedCandidate] | None = None,
    attempts: Sequence[Attempt] = (),
    network_info: Sequence[NetworkInfo] = (),
    extra_exposures: Sequence[Exposure] = (),
    nat: NatBehaviour | None = None,
    notes: Sequence[str] = (),
) -> AuditResult:
    """Run classification, inference, rules and policy over already-read inputs.

    ``candidates`` is ``audit_candidates(docs)`` when the caller has it already (the lookup step
    classifies them to find the public addresses); otherwise it is computed here.
    """
    policy = settings.policy
    candidates = audit_candidates(docs) if candidates is None else tuple(candidates)
    addresses = audit_addresses(docs)
    exposures: list[Exposure] = []
    findings: list[Finding] = []
    held: dict[Any, Any] = {}  # one copy of each summary and evidence tuple (``_labelled``, ``_shared``)
    for group in split(candidates, addresses):  # never mix two parties' networks in one inference
        found = _labelled(infer(group.candidates, group.addresses), group.label, held)
        exposures += found
        findings += _shared(evaluate(Facts(group.candidates, group.addresses, found), group.label), held)
    exposures += extra_exposures
    findings += evaluate(Facts((), (), tuple(extra_exposures)))  # lookups and the wire: exposure rules only
    findings = list(apply(policy, [*findings, *violations(policy, candidates)]))
    all_attempts = tuple(a for d in docs for a in d.attempts) + tuple(attempts)
    return AuditResult(
        inputs=tuple(docs),
        candidates=candidates,
        addresses=addresses,
        exposures=tuple(exposures),
        findings=tuple(findings),
        policy=policy.name,
        fail_on=policy.fail_on,
        policy_source=policy.source,
        notes=tuple(notes),
        attempts=all_attempts,
        network_info=tuple(network_info),
        nat=nat,
        strict=settings.strict,
    )


def _labelled(exposures: Sequence[Exposure], label: str, held: dict[Any, Any]) -> list[Exposure]:
    """The exposures with ``label`` as their party, their summaries and evidence taken from
    ``held``: in a capture of thousands of calls a few hundred sentences repeat per party."""
    share = held.setdefault
    return [
        e._replace(party=label or e.party, summary=share(e.summary, e.summary), evidence=share(e.evidence, e.evidence))
        for e in exposures
    ]


def _shared(findings: list[Finding], held: dict[Any, Any]) -> list[Finding]:
    """The findings, each whose evidence equals one held already made with that one."""
    out = []
    for f in findings:
        same = held.get(f.evidence)
        out.append(f if same is None or same is f.evidence else Finding(f.rule, f.severity, f.message, same))
    return out
