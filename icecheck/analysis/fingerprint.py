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
from collections import Counter
from collections.abc import Sequence

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


def guess_implementation(cands: Sequence[AuditedCandidate]) -> list[Exposure]:
    """One ``implementation`` exposure when most candidates point the same way."""
    votes = Counter(v for v in map(_vote, cands) if v is not None)
    if not votes:
        return []
    name, n = votes.most_common(1)[0]
    if n * 2 < len(cands):
        return []
    refs = tuple(c.id for c in cands if _vote(c) == name)
    return [
        Exposure(
            ExposureKind.IMPLEMENTATION,
            f"The candidates were most likely written by {name} ({n} of {len(cands)} match its style).",
            refs,
            value=name,
        )
    ]
