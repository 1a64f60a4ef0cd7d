"""``wire.wire_exposures`` in bounded memory: a STUN server's capture has a public address per client
(2.2 million of them were a dict of lists and then as many exposures, all in memory). The public
STUN addresses and their ids are grouped in a ``Groups`` and asked through a ``TextSet``, both on
disk past ``limits.IN_MEMORY``; the exposures are the same, in the same order, either way, and the
same as grouping them in a plain dict.
"""

from __future__ import annotations

import random

import pytest

from icecheck.inputs import limits, wire
from icecheck.inputs.candidate import parse_candidate
from icecheck.model import (
    AddressRecord,
    AddressRole,
    CandidateRecord,
    InputDocument,
    InputKind,
    InputStatus,
    Origin,
)


def _docs(seed: int) -> list[InputDocument]:
    rng = random.Random(seed)
    docs = []
    for d in range(3):
        addresses = []
        for i in range(rng.randrange(50, 400)):
            n = rng.randrange(120)  # repeats: an address seen in several responses
            role = rng.choice([AddressRole.STUN_MAPPED, AddressRole.STUN_RELAYED, AddressRole.SIP_HEADER])
            host = f"11.0.{n >> 8}.{n & 255}" if rng.random() < 0.9 else f"10.0.0.{n & 255}"  # some private
            addresses.append(AddressRecord(host, role, Origin(f"d{d}.pcap", packet=i + 1)))
        candidates = [
            CandidateRecord(
                parse_candidate(f"candidate:{i} 1 udp 1686052607 11.0.0.{n} 5000 typ srflx raddr 10.0.0.1 rport 1"),
                Origin(f"d{d}.pcap", packet=1000 + i),
            )
            for i, n in enumerate(rng.sample(range(120), 15))
        ]
        docs.append(InputDocument(f"d{d}.pcap", InputKind.PCAP, InputStatus.OK, candidates, addresses))
    return docs


def _reference(docs: list[InputDocument]) -> list[tuple[str | None, tuple[str, ...]]]:
    """The former grouping: a dict of lists of ids, less what a candidate carries."""
    hidden: dict[str, list[str]] = {}
    number = 0
    for doc in docs:
        for rec in doc.addresses:
            number += 1
            if rec.role in (AddressRole.STUN_MAPPED, AddressRole.STUN_RELAYED) and rec.address.startswith("11."):
                hidden.setdefault(rec.address, []).append(f"a{number}")
    for doc in docs:
        for c in doc.candidates:
            hidden.pop(c.candidate.address, None)
            hidden.pop(c.candidate.related_address or "", None)
    return [(addr, tuple(refs)) for addr, refs in hidden.items()]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("in_memory", [3, 50_000])
def test_the_same_exposures_in_memory_or_on_disk(seed: int, in_memory: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "IN_MEMORY", in_memory)
    docs = _docs(seed)
    got = [(e.value, tuple(e.evidence)) for e in wire.wire_exposures(docs, [])]
    assert got == _reference(docs)
    assert len(got) > 10  # what this test is about: many addresses, some carried by a candidate
