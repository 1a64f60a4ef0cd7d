"""The pure pipeline: input documents → classified items → exposures → findings → ``AuditResult``.

``audit(docs, AuditSettings(policy, strict))`` runs it. What other steps learned (lookups,
attempts, the wire, a NAT test) comes in as arguments; a step that has already classified the
candidates (``audit_candidates``) hands them in too, so nothing is computed twice and nothing
is remembered between calls.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from icecheck.analysis import partystore
from icecheck.analysis.groups import PACKED, PackedRefs
from icecheck.analysis.infer import Inference
from icecheck.analysis.parties import party_key
from icecheck.analysis.partystore import party_groups
from icecheck.analysis.policy import Policy, applied, violations
from icecheck.analysis.rules import Evaluation
from icecheck.classify import classify
from icecheck.inputs import limits
from icecheck.inputs.candidate import decode_priority
from icecheck.inputs.spool import HeldWriter, Spool
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

T = TypeVar("T")
MEMO = 50_000  # distinct addresses, priorities and sentences remembered at a time (shared objects)
CHUNK = 1024  # items of a party the rules are run over at a time (``Evaluation.candidates``)


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """How one audit run judges what it found: ``policy`` (rules, severities, fail-on level,
    allowlists), and ``strict``, under which a failed attempt (server or lookup) makes the exit
    code 3 (``AuditResult.strict``)."""

    policy: Policy
    strict: bool = False


def audit_candidates(docs: Sequence[InputDocument]) -> Sequence[AuditedCandidate]:
    """Classify every candidate of every document; ids c1, c2... in input order. Equal addresses
    and priorities share one classification (``_Facts``): a capture repeats a few hundred
    addresses across hundreds of thousands of items. A tuple, or past ``limits.IN_MEMORY``
    items a ``Spool`` (on disk, read back in order)."""
    return _held(_audited_candidates(docs), sum(len(d.candidates) for d in docs))


def _audited_candidates(docs: Sequence[InputDocument]) -> Iterator[AuditedCandidate]:
    n = 0
    facts = _Facts()
    priorities: dict[tuple[int, str, str], PriorityInfo] = {}
    for doc in docs:
        for rec in doc.candidates:
            cand = rec.candidate
            key = (cand.priority, cand.type, cand.address)
            priority = priorities.get(key)
            if priority is None:
                if len(priorities) >= MEMO:
                    priorities.clear()
                priority = priorities[key] = decode_priority(*key)
            related = cand.related_address
            n += 1
            yield AuditedCandidate(
                id=f"c{n}",
                record=rec,
                facts=facts.of(cand.address),
                related_facts=facts.of(related) if related is not None else None,
                priority=priority,
            )


def audit_addresses(docs: Sequence[InputDocument]) -> Sequence[AuditedAddress]:
    """Classify every address found outside candidate lines; ids a1, a2... (shared, and held,
    as in ``audit_candidates``)."""
    return _held(_audited_addresses(docs), sum(len(d.addresses) for d in docs))


def _audited_addresses(docs: Sequence[InputDocument]) -> Iterator[AuditedAddress]:
    n = 0
    facts = _Facts()
    for doc in docs:
        for rec in doc.addresses:
            n += 1
            yield AuditedAddress(f"a{n}", rec, facts.of(rec.address))


def _held(items: Iterable[T], n: int) -> Sequence[T]:
    """``items`` as a tuple, or as a ``Spool`` when there are more than ``limits.IN_MEMORY``."""
    return tuple(items) if n <= limits.IN_MEMORY else Spool.of(items)


def _closed(writer: HeldWriter[T]) -> Sequence[T]:
    """What ``writer`` holds: a tuple when it all fits in memory (``limits.IN_MEMORY``, as
    ``_held``), else its spool."""
    return writer.close()


class _Facts:
    """``classify`` once per distinct address (it is pure): the same frozen facts for every item
    naming that address, for the last ``MEMO`` distinct addresses."""

    def __init__(self) -> None:
        self.known: dict[str, AddressFacts] = {}

    def of(self, address: str) -> AddressFacts:
        found = self.known.get(address)
        if found is None:
            if len(self.known) >= MEMO:
                self.known.clear()
            found = self.known[address] = classify(address)
        return found


def audit(
    docs: Sequence[InputDocument],
    settings: AuditSettings,
    *,
    candidates: Sequence[AuditedCandidate] | None = None,
    attempts: Sequence[Attempt] = (),
    network_info: Sequence[NetworkInfo] = (),
    extra_exposures: Iterable[Exposure] = (),
    nat: NatBehaviour | None = None,
    notes: Sequence[str] = (),
) -> AuditResult:
    """Run classification, inference, rules and policy over already-read inputs (``extra_exposures``
    read once, one by one).

    ``candidates`` is ``audit_candidates(docs)`` when the caller has it already (the lookup step
    classifies them to find the public addresses); otherwise it is computed here.
    """
    policy = settings.policy
    candidates = audit_candidates(docs) if candidates is None else candidates
    addresses = audit_addresses(docs)
    exposures: HeldWriter[Exposure] = HeldWriter(limits.IN_MEMORY, _dumps)  # an item may name every candidate
    findings: HeldWriter[Finding] = HeldWriter(limits.IN_MEMORY, _dumps)
    held: dict[Any, Any] = {}  # one copy of each summary and evidence tuple (``_labelled``, ``_shared``)
    for label, inference, evaluation in _read_parties(candidates, addresses):
        for e in inference.exposures():
            if len(held) >= MEMO:
                held.clear()
            e = _labelled(e, label, held)
            exposures.append(e)
            evaluation.exposure(e)
        findings.extend(applied(policy, _sharing(evaluation.findings(label, inference.every), held)))
    extra = Evaluation()  # lookups and the wire: exposure rules only, read one by one (a capture may
    for e in extra_exposures:  # show millions of public STUN addresses: ``wire.wire_exposures``)
        exposures.append(e)
        extra.exposure(e)
    findings.extend(applied(policy, extra.findings()))
    findings.extend(applied(policy, violations(policy, candidates)))
    all_attempts = tuple(a for d in docs for a in d.attempts) + tuple(attempts)
    return AuditResult(
        inputs=tuple(docs),
        candidates=candidates,
        addresses=addresses,
        exposures=_closed(exposures),
        findings=_closed(findings),
        policy=policy.name,
        fail_on=policy.fail_on,
        policy_source=policy.source,
        notes=tuple(notes),
        attempts=all_attempts,
        network_info=tuple(network_info),
        nat=nat,
        strict=settings.strict,
    )


def _read_parties(
    candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress]
) -> Iterator[tuple[str, Inference, Evaluation]]:
    """Each party's label, inference and evaluation, fed with its items (never mix two parties'
    networks in one inference). Past ``partystore.IN_MEMORY`` items, the items are first read
    once as if they were one party's, the usual case of a large input: when an item of a second
    party shows, that reading stops and the parties are grouped (``party_groups``)."""
    if len(candidates) + len(addresses) > partystore.IN_MEMORY:
        fed = _fed(candidates, addresses, single=True)
        if fed is not None:
            yield ("", *fed)
            return
    for group in party_groups(candidates, addresses):
        fed = _fed(group.candidates, group.addresses, single=False)
        assert fed is not None
        yield (group.label, *fed)


def _fed(
    candidates: Sequence[AuditedCandidate], addresses: Sequence[AuditedAddress], *, single: bool
) -> tuple[Inference, Evaluation] | None:
    """A new inference and evaluation, each fed every item, in one pass (the evaluation up to
    ``CHUNK`` items at a time). With ``single``, None as soon as an item is not of the first
    item's party."""
    inference, evaluation = Inference(), Evaluation()
    party = None
    if single:
        first = next(iter(candidates), None) or next(iter(addresses), None)
        party = party_key(first.record.origin, first.record.context) if first is not None else None
    if _feed(candidates, inference.candidate, evaluation.candidates, party) and _feed(
        addresses, inference.address, evaluation.addresses, party
    ):
        return inference, evaluation
    return None


Item = TypeVar("Item", AuditedCandidate, AuditedAddress)


def _feed(
    items: Sequence[Item],
    take: Callable[[Item], None],
    evaluate: Callable[[Sequence[Item]], None],
    party: tuple[str, str, str] | None,
) -> bool:
    """Each item to ``take``, and to ``evaluate`` in chunks; False at once when ``party`` is given
    and an item is not of it."""
    if party is None and type(items) is tuple and len(items) <= CHUNK:  # a party of a few items: one chunk
        for item in items:
            take(item)
        evaluate(items)
        return True
    chunk: list[Item] = []
    for item in items:
        if party is not None and party_key(item.record.origin, item.record.context) != party:
            return False
        take(item)
        chunk.append(item)
        if len(chunk) >= CHUNK:
            evaluate(chunk)
            chunk = []
    evaluate(chunk)
    return True


def _labelled(e: Exposure, label: str, held: dict[Any, Any]) -> Exposure:
    """The exposure with ``label`` as its party, its summary and evidence taken from ``held``: in
    a capture of thousands of calls a few hundred sentences repeat per party. Packed evidence
    (``groups.PackedRefs``: a party's every candidate) is shared as it is: hashing it would spell
    out its refs."""
    share = held.setdefault
    summary = share(e.summary, e.summary)
    evidence = share(e.evidence, e.evidence) if isinstance(e.evidence, tuple) else e.evidence
    return Exposure(e.kind, summary, evidence, e.learned_by, e.value, label or e.party)  # not ``_replace``: slower


def _dumps(batch: list[Any]) -> bytes:
    """A batch of exposures or findings pickled with each evidence longer than ``groups.PACKED``
    refs packed (``groups.PackedRefs``, a few bytes a ref, read back packed too) instead of as its
    strings: the pickler's memo held an entry per ref (a finding may name a million candidates),
    and each reading spelled them all out again. Items that shared an evidence tuple still share
    it once read back (one ``PackedRefs`` per tuple, memoised)."""
    out = io.BytesIO()
    _Packer(out).dump(batch)
    return out.getvalue()


class _Packer(pickle.Pickler):
    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.packed: dict[int, tuple[Sequence[str], PackedRefs]] = {}  # id(evidence) → (evidence, packed)

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is Exposure and type(obj.evidence) is tuple and len(obj.evidence) > PACKED:
            return Exposure, (obj.kind, obj.summary, self._pack(obj.evidence), obj.learned_by, obj.value, obj.party)
        if type(obj) is Finding and type(obj.evidence) is tuple and len(obj.evidence) > PACKED:
            return Finding, (obj.rule, obj.severity, obj.message, self._pack(obj.evidence))
        return NotImplemented

    def _pack(self, evidence: tuple[str, ...]) -> PackedRefs:
        held = self.packed.get(id(evidence))
        if held is None:
            held = self.packed[id(evidence)] = (evidence, PackedRefs.of(evidence))
        return held[1]


def _sharing(findings: Iterable[Finding], held: dict[Any, Any]) -> Iterator[Finding]:
    """Each finding ``_shared``, ``held`` emptied when it holds ``MEMO`` entries."""
    for f in findings:
        if len(held) >= MEMO:
            held.clear()
        yield _shared(f, held)


def _shared(f: Finding, held: dict[Any, Any]) -> Finding:
    """The finding, made with the held evidence when one equal to its own is held (tuples only:
    packed evidence is shared as it is, ``_labelled``)."""
    if not isinstance(f.evidence, tuple):
        return f
    same = held.get(f.evidence)
    return f if same is None or same is f.evidence else Finding(f.rule, f.severity, f.message, same)
