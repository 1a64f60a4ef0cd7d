"""What a capture shows on the wire that the signalling did not (pure).

An on-path observer (and the STUN/TURN server) sees STUN: a success response's
XOR-MAPPED-ADDRESS is the client's public address (RFC 8489 §14.2), and Chrome's
connectivity checks carry GOOG-NETWORK-INFO with the interface's network cost. When the SDP
hides these — mDNS host names, relay-only policies, a candidate filter on the signalling
path — the capture still shows them. ``wire_exposures`` turns such facts into ``Exposure``
values of kind ``wire-exposure``, learned by the on-path observer, with the evidence ids
``audit`` will give the address records (a1, a2... in input order).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from icecheck.analysis.groups import Groups
from icecheck.analysis.infer import PUBLIC_CLASSES, network_cost_meaning
from icecheck.classify import classify
from icecheck.inputs.sink import WireFact
from icecheck.inputs.table import TextSet
from icecheck.model import AddressRole, Exposure, ExposureKind, InputDocument, Party

_STUN_ROLES = (AddressRole.STUN_MAPPED, AddressRole.STUN_RELAYED)


def address_ids(docs: Sequence[InputDocument]) -> list[tuple[str, InputDocument, int]]:
    """(id, document, index) for every address record, numbered as ``audit`` numbers them."""
    out: list[tuple[str, InputDocument, int]] = []
    for doc in docs:
        for i, _ in enumerate(doc.addresses):
            out.append((f"a{len(out) + 1}", doc, i))
    return out


def wire_exposures(docs: Sequence[InputDocument], facts: Sequence[WireFact]) -> Iterator[Exposure]:
    """Public STUN-mapped/relayed addresses and network costs absent from every candidate, one by one.

    Memory is bounded whatever the capture holds: the public STUN addresses and their record ids are
    gathered first into a ``Groups`` (first-seen order; on disk past ``limits.IN_MEMORY``), and only
    when there are some, one pass over the candidates lists those a candidate carries (a ``TextSet``,
    on disk past the same bound), among those addresses only. A STUN server's capture has a public
    address per client: 2.2 million of them were a dict of lists, then as many exposures, in memory."""
    hidden: Groups[str] = Groups()
    stun = TextSet()  # the keys of ``hidden``, to ask
    public: dict[str, bool] = {}  # each distinct STUN address classified once (a few thousand at a time)
    number = 0  # ids as ``address_ids`` gives them, without building that list for every address
    for doc in docs:
        for rec in doc.addresses:
            number += 1
            if rec.role in _STUN_ROLES:
                addr = rec.address
                shown = public.get(addr)
                if shown is None:
                    if len(public) >= _CLASSIFIED:
                        public.clear()
                    shown = public[addr] = classify(addr).address_class in PUBLIC_CLASSES
                if shown:
                    hidden.add(addr, f"a{number}")
                    stun.add(addr)
    public.clear()
    carried = TextSet()
    costs: set[int] = set()
    wants_costs = any(fact.kind == "network-cost" for fact in facts)
    try:
        if hidden or wants_costs:
            for d in docs:  # one pass, no list of every candidate (a large input's are on disk: ``inputs.spool``)
                for r in d.candidates:
                    c = r.candidate
                    if hidden:
                        for carries in (c.address, c.related_address):
                            if carries and carries in stun:
                                carried.add(carries)
                    if c.network_cost is not None:
                        costs.add(c.network_cost)
        for addr, refs in hidden.items():
            if addr not in carried:
                yield Exposure(
                    ExposureKind.WIRE_EXPOSURE,
                    f"STUN on the wire shows the public address {addr}, which no SDP candidate carried.",
                    refs if len(refs) > 1 else tuple(refs),
                    (Party.ON_PATH, Party.TURN_SERVER),
                    value=addr,
                )
    finally:
        stun.close()
        carried.close()
    yield from _costs(facts, costs)


_CLASSIFIED = 1 << 16  # distinct STUN addresses whose class is remembered at a time


def _costs(facts: Sequence[WireFact], in_sdp: set[int]) -> list[Exposure]:
    out = []
    seen: set[int] = set()
    for fact in facts:
        if fact.kind != "network-cost":
            continue
        cost = int(fact.value.split("/")[-1])
        if cost in in_sdp or cost in seen:
            continue
        seen.add(cost)
        kind, vpn = network_cost_meaning(cost)
        via = " through a VPN" if vpn else ""
        out.append(
            Exposure(
                ExposureKind.WIRE_EXPOSURE,
                f"STUN GOOG-NETWORK-INFO on the wire shows network cost {cost} ({kind}{via}), which no SDP "
                "candidate carried.",
                (fact.origin.location(),),
                (Party.ON_PATH, Party.REMOTE_PEER),
                value=f"network-cost {cost}",
            )
        )
    return out


def software_notes(facts: Sequence[WireFact]) -> list[str]:
    """One note per distinct STUN SOFTWARE value and candidate-stats network fact."""
    notes = []
    for fact in facts:
        if fact.kind == "software":
            notes.append(
                f"STUN SOFTWARE on the wire names the implementation: {fact.value!r} ({fact.origin.location()})."
            )
        elif fact.kind == "network-type":
            notes.append(
                f"Candidate stats reveal {fact.value} ({fact.origin.location()}, {fact.origin.call or 'no call'})."
            )
    return notes
