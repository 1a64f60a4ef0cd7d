"""webrtc-internals stats candidates are matched with the candidates held at a cost linear in their number.

Each stats candidate used to be checked against a set built afresh from every candidate held
(and an address-less one against every candidate for its twin): 20,000 stats candidates (7 MB)
took 91 s of CPU, 450,000 (164 MB) did not finish in 20 minutes. The work is counted here in
candidates looked at, not timed; what the stats add is checked to be the same as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.sink import Sink
from icecheck.inputs.webrtc import read_webrtc_internals

N = 3000


class _Counted(dict[Any, Any]):
    """A dict that counts the entries iterated through ``values`` and ``items``."""

    looked = 0

    def values(self) -> Any:
        return _View(self, super().values())

    def items(self) -> Any:
        return _View(self, super().items())


class _View:
    def __init__(self, owner: _Counted, view: Any) -> None:
        self.owner, self.view = owner, view

    def __len__(self) -> int:
        return len(self.view)

    def __iter__(self) -> Iterator[Any]:
        for item in self.view:
            self.owner.looked += 1
            yield item

    def __reversed__(self) -> Iterator[Any]:
        for item in reversed(self.view):
            self.owner.looked += 1
            yield item


def _series(stats_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    return {f"{stats_id}-{k}": {"statsType": "local-candidate", "values": json.dumps([v])} for k, v in attrs.items()}


def _dump() -> dict[str, Any]:
    """N stats candidates with addresses, N without (their mDNS twins signalled in the updateLog)."""
    log = [
        {
            "type": "icecandidate",
            "value": f"sdpMid: 0, candidate: candidate:{n} 1 udp 2122260223 h{n}.local {n + 1} typ host",
        }
        for n in range(N)
    ]
    stats: dict[str, Any] = {}
    for n in range(N):
        addr = f"10.{n >> 8 & 255}.{n & 255}.1"
        stats |= _series(f"I{n}", {"address": addr, "port": 20000 + n, "candidateType": "host", "protocol": "udp"})
        stats |= _series(
            f"J{n}",
            {"address": "", "ip": "", "port": n + 1, "candidateType": "host", "protocol": "udp", "networkType": "wifi"},
        )
    return {"PeerConnections": {"1-1": {"updateLog": log, "stats": stats}}}


def test_stats_candidates_cost_linear_work() -> None:
    sink = Sink("dump.json")
    sink.candidates = _Counted()
    read_webrtc_internals(_dump(), Dispatcher(sink))
    records = list(dict.values(sink.candidates))
    assert len(records) == 2 * N  # N signalled mDNS candidates, N stats ones with addresses
    twins = [r for r in records if r.candidate.address.endswith(".local")]
    assert len(twins) == N and all(r.interface is not None and r.interface.kind == "wifi" for r in twins)
    assert sink.candidates.looked < 10 * N


def test_many_peer_connections_with_stats_cost_linear_work() -> None:
    """N PeerConnections, each with one stats candidate: each looks at its own candidates only once."""
    pcs = {
        f"{n}-1": {"updateLog": [], "stats": _series(f"I{n}", {"address": f"10.0.{n >> 8}.{n & 255}", "port": 9,
                                                             "candidateType": "host", "protocol": "udp"})}
        for n in range(N)
    }  # fmt: skip
    sink = Sink("dump.json")
    sink.candidates = _Counted()
    read_webrtc_internals({"PeerConnections": pcs}, Dispatcher(sink))
    assert len(sink.candidates) == N
    assert sink.candidates.looked < 10 * N
