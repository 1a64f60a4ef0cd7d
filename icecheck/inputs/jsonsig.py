"""Find signalling inside any JSON value (pure): SDP strings and trickled candidates.

Signalling servers wrap JSEP objects in many ways (``{"type":"offer","sdp":...}``,
``{"jsep":{...}}``, ``{"type":"candidate","candidate":{...}}``, apprtc's
``{"type":"candidate","label":0,"id":"audio","candidate":"candidate:..."}``, arrays of
them). Rather than guessing the envelope, ``find_signalling`` walks the whole value and
reports every object that carries:

* an ``sdp`` string → ``SdpItem`` (the sibling ``type`` says offer/answer/pranswer);
* a ``candidate`` string → ``CandidateItem`` (W3C ``RTCIceCandidateInit``: ``sdpMid``,
  ``sdpMLineIndex``, ``usernameFragment``; apprtc's ``id``/``label``). An empty string is the
  end-of-candidates indication (W3C webrtc-pc §4.8.1.1; docs/architecture.md §5).

The walk is bounded in depth and in the number of nodes visited.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 64
MAX_NODES = 1_000_000


@dataclass(frozen=True, slots=True)
class SdpItem:
    """An SDP document found in JSON signalling, with its type and JSON path."""

    sdp: str
    type: str | None  # offer, answer, pranswer, rollback, or None when not said
    path: str  # JSONPath-like location, e.g. "$.jsep.sdp"


@dataclass(frozen=True, slots=True)
class CandidateItem:
    """A trickled candidate found in JSON signalling, with its m-line context."""

    candidate: str  # "" = end of candidates
    mid: str | None
    mline: int | None
    ufrag: str | None
    path: str


Item = SdpItem | CandidateItem


def find_signalling(value: Any) -> Iterator[Item]:
    """Every SDP and candidate in ``value``, in document order."""
    budget = [MAX_NODES]
    yield from _walk(value, "$", 0, budget)


def _walk(value: Any, path: str, depth: int, budget: list[int]) -> Iterator[Item]:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        return
    if isinstance(value, dict):
        yield from _object(value, path, depth, budget)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]", depth + 1, budget)


def _object(obj: dict[str, Any], path: str, depth: int, budget: list[int]) -> Iterator[Item]:
    sdp = obj.get("sdp")
    if isinstance(sdp, str):
        kind = obj.get("type")
        yield SdpItem(sdp, kind if isinstance(kind, str) else None, f"{path}.sdp")
    cand = obj.get("candidate")
    if isinstance(cand, str):
        yield _candidate(obj, cand, f"{path}.candidate")
    for key, item in obj.items():
        if isinstance(item, (dict, list)):
            yield from _walk(item, f"{path}.{key}", depth + 1, budget)


def _candidate(obj: dict[str, Any], cand: str, path: str) -> CandidateItem:
    mid = obj.get("sdpMid", obj.get("id"))
    mline = obj.get("sdpMLineIndex", obj.get("label"))
    ufrag = obj.get("usernameFragment")
    return CandidateItem(
        cand.strip(),
        str(mid) if isinstance(mid, (str, int)) and not isinstance(mid, bool) else None,
        mline if isinstance(mline, int) and not isinstance(mline, bool) and mline >= 0 else None,
        ufrag if isinstance(ufrag, str) else None,
        path,
    )


def looks_like_signalling(value: Any) -> bool:
    """Whether a JSON value holds at least one SDP or candidate."""
    return next(find_signalling(value), None) is not None
