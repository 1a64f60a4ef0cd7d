"""Which ICE implementation most likely wrote a candidate set (pure heuristics).

Signals, from the implementations' serialisers:
- libwebrtc (Chrome, Edge, Safari, Electron, most native apps): numeric foundations up to 10
  digits, ``generation``/``network-id``/``network-cost``/``ufrag`` extensions, priorities with
  its local-preference layout (NIC rank << 8 | address preference 30/40/50/20/10).
- Firefox (nICEr): small integer foundations (0, 1, 2...), upper-case ``UDP``/``TCP``, no
  libwebrtc extensions.
- aioice/aiortc: 32-hex-digit foundations (an MD5 of type, address and protocol), local
  preference 65535, no extensions.
- pion: numeric foundations (CRC32), lower-case transport, at most ``generation``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from icecheck.analysis.groups import RefList, evidence
from icecheck.model import AuditedCandidate, Exposure, ExposureKind

_HEX32 = re.compile(r"[0-9a-f]{32}")
_LIBWEBRTC_EXT = {"network-id", "network-cost", "ufrag"}


def _vote(c: AuditedCandidate) -> str | None:
    cand = c.record.candidate
    has_webrtc_ext = cand.network_id is not None or cand.network_cost is not None or cand.ufrag is not None
    if has_webrtc_ext or (cand.generation is not None and c.priority.address_family is not None):
        return "libwebrtc (Chrome, Edge, Safari or a native WebRTC app)"
    if _HEX32.fullmatch(cand.foundation) and c.priority.local_preference == 65535:
        return "aioice (aiortc)"
    if cand.transport in ("UDP", "TCP") and cand.foundation.isdigit() and len(cand.foundation) <= 3:
        return "Firefox (nICEr)"
    if cand.foundation.isdigit() and len(cand.foundation) >= 6 and cand.transport.islower():
        return "pion or another Go/Rust stack"
    return None


class Votes:
    """The votes of a party's candidates, one at a time (``add``): per implementation, the ids of
    the candidates that point to it (each id under one name at most)."""

    __slots__ = ("ids",)

    def __init__(self) -> None:
        self.ids: dict[str, RefList] = {}  # name → ids, names in first-seen order

    def add(self, c: AuditedCandidate) -> None:
        name = _vote(c)
        if name is not None:
            held = self.ids.get(name)
            if held is None:
                held = self.ids[name] = RefList()
            held.append(c.id)

    def exposures(self, total: int, every: Sequence[str] | None = None) -> list[Exposure]:
        """One ``implementation`` exposure when most of the ``total`` candidates point the same way
        (the first name seen wins a tie). ``every``: the ids of all ``total`` candidates, in order,
        given when they are held already: the evidence when every candidate points the same way."""
        if not self.ids:
            return []
        name, refs = max(self.ids.items(), key=lambda item: len(item[1]))
        n = len(refs)
        if n * 2 < total:
            return []
        return [
            Exposure(
                ExposureKind.IMPLEMENTATION,
                f"The candidates were most likely written by {name} ({n} of {total} match its style).",
                every if every is not None and n == total == len(every) else evidence(refs),
                value=name,
            )
        ]


def guess_implementation(cands: Sequence[AuditedCandidate]) -> list[Exposure]:
    """One ``implementation`` exposure when most candidates point the same way."""
    votes = Votes()
    for c in cands:
        votes.add(c)
    return votes.exposures(len(cands))
