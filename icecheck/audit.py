"""The pure pipeline: input documents → classified items → exposures → findings → ``AuditResult``."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from icecheck.analysis.infer import infer
from icecheck.analysis.parties import split
from icecheck.analysis.policy import Policy, apply, violations
from icecheck.analysis.rules import Facts, evaluate
from icecheck.classify import classify
from icecheck.inputs.candidate import decode_priority
from icecheck.model import (
    Attempt,
    AuditedAddress,
    AuditedCandidate,
    AuditResult,
    Exposure,
    Finding,
    InputDocument,
    NatBehaviour,
    NetworkInfo,
)


def audit_candidates(docs: Sequence[InputDocument]) -> tuple[AuditedCandidate, ...]:
    """Classify every candidate of every document; ids c1, c2... in input order."""
    global _last_audited
    last = _last_audited
    if last is not None and len(last[0]) == len(docs) and all(a is b for a, b in zip(last[0], docs, strict=True)):
        return last[1]  # documents are immutable: the lookups step and the audit ask for the same
    out: list[AuditedCandidate] = []
    for doc in docs:
        for rec in doc.candidates:
            cand = rec.candidate
            out.append(
                AuditedCandidate(
                    id=f"c{len(out) + 1}",
                    record=rec,
                    facts=classify(cand.address),
                    related_facts=classify(cand.related_address) if cand.related_address is not None else None,
                    priority=decode_priority(cand.priority, cand.type, cand.address),
                )
            )
    _last_audited = (tuple(docs), tuple(out))
    return _last_audited[1]


_last_audited: tuple[tuple[InputDocument, ...], tuple[AuditedCandidate, ...]] | None = None


def audit_addresses(docs: Sequence[InputDocument]) -> tuple[AuditedAddress, ...]:
    """Classify every address found outside candidate lines; ids a1, a2..."""
    out: list[AuditedAddress] = []
    for doc in docs:
        for rec in doc.addresses:
            out.append(AuditedAddress(f"a{len(out) + 1}", rec, classify(rec.address)))
    return tuple(out)


def audit(
    docs: Sequence[InputDocument],
    policy: Policy,
    *,
    attempts: Sequence[Attempt] = (),
    network_info: Sequence[NetworkInfo] = (),
    extra_exposures: Sequence[Exposure] = (),
    nat: NatBehaviour | None = None,
    notes: Sequence[str] = (),
    strict: bool = False,
) -> AuditResult:
    """Run classification, inference, rules and policy over already-read inputs."""
    with gc_paused():
        return _audit(docs, policy, attempts, network_info, extra_exposures, nat, notes, strict)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: building many small acyclic objects (an audit of a
    large capture, its JSON) made CPython's collector walk every live object again and again, a
    sixth of the run; reference counting still frees everything, and the collector runs after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _audit(
    docs: Sequence[InputDocument],
    policy: Policy,
    attempts: Sequence[Attempt],
    network_info: Sequence[NetworkInfo],
    extra_exposures: Sequence[Exposure],
    nat: NatBehaviour | None,
    notes: Sequence[str],
    strict: bool,
) -> AuditResult:
    candidates = audit_candidates(docs)
    addresses = audit_addresses(docs)
    exposures: list[Exposure] = []
    findings: list[Finding] = []
    for group in split(candidates, addresses):  # never mix two parties' networks in one inference
        found = _labelled(infer(group.candidates, group.addresses), group.label)
        exposures += found
        findings += evaluate(Facts(group.candidates, group.addresses, found), group.label)
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
        notes=tuple(notes),
        attempts=all_attempts,
        network_info=tuple(network_info),
        nat=nat,
        strict=strict,
    )


def _labelled(exposures: Sequence[Exposure], label: str) -> list[Exposure]:
    if not label:
        return list(exposures)
    return [e._replace(party=label) for e in exposures]
