"""Find signalling anywhere inside a JSON value (pure): SDP, candidate strings, candidate objects.

Signalling servers and applications wrap JSEP objects in many ways (``{"type":"offer","sdp":...}``,
Janus ``{"janus":"trickle","candidate":{...}}``, apprtc's ``{"type":"candidate","label":0,
"id":"audio","candidate":"candidate:..."}``, Matrix ``m.call.candidates`` events, LiveKit's
``{"trickle":{"candidateInit":"<RTCIceCandidateInit as a JSON string>"}}``, mediasoup's
``iceCandidates`` objects, aiortc logs ``{"line":"a=candidate:...","ip":...}``). Rather than
guessing the envelope, ``find_signalling`` walks the whole value and reports:

* an ``sdp`` string, or any string that is an SDP or an SDP fragment (RFC 8840) → ``SdpItem``
  (the sibling ``type``, or the key ``offer``/``answer``, says which);
* a ``candidate`` string → ``CandidateItem`` (W3C ``RTCIceCandidateInit``: ``sdpMid``,
  ``sdpMLineIndex``, ``usernameFragment``; apprtc's ``id``/``label``). An empty string is the
  end-of-candidates indication (W3C webrtc-pc §4.8.1.1; docs/architecture.md §5), and so are
  Janus's ``{"completed": true}`` and a ``null`` candidate beside trickle fields;
* candidate strings inside any other string (logs, ``line`` fields, escaped JSON) →
  ``CandidateItem``; a string that is JSON is decoded and walked in turn (strings in strings);
* an object with candidate fields (``candfields``) → ``FieldsItem``, unless a candidate string
  of the same object already names its address and port; Jingle ``<candidate/>`` XML in a
  string → ``FieldsItem`` too (``jingle``), and ``<remote-candidate/>`` → ``AddressItem``.

The walk is bounded in depth, in nodes visited and in bytes of nested JSON decoded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from icecheck.inputs import candfields, jingle, textsig
from icecheck.model import Candidate

MAX_DEPTH = 64
MAX_NODES = 1_000_000
MAX_NESTED_BYTES = 64 << 20  # JSON decoded from strings, in all
MAX_KEY = 64  # characters of a key shown in a path
_JSEP_TYPES = frozenset({"offer", "answer", "pranswer", "rollback"})
_TRICKLE_KEYS = ("sdpMid", "sdpMLineIndex", "usernameFragment")


@dataclass(frozen=True, slots=True)
class SdpItem:
    """An SDP document found in JSON signalling, with its type and JSON path."""

    sdp: str
    type: str | None  # offer, answer, pranswer, rollback, or None when not said
    path: str  # JSONPath-like location, e.g. "$.jsep.sdp"


@dataclass(frozen=True, slots=True)
class CandidateItem:
    """A candidate string found in JSON signalling, with its m-line context."""

    candidate: str  # "" = end of candidates
    mid: str | None
    mline: int | None
    ufrag: str | None
    path: str


@dataclass(frozen=True, slots=True)
class FieldsItem:
    """A candidate given as named fields (an object, or a Jingle element in a string)."""

    candidate: Candidate
    mid: str | None
    mline: int | None
    ufrag: str | None
    path: str


@dataclass(frozen=True, slots=True)
class AddressItem:
    """A peer address a Jingle ``<remote-candidate/>`` names (XEP-0176 §7.3)."""

    address: str
    port: int | None
    path: str


@dataclass(frozen=True, slots=True)
class ProblemItem:
    """Something that looks like a candidate but cannot be read as one."""

    message: str
    path: str


Item = SdpItem | CandidateItem | FieldsItem | AddressItem | ProblemItem
Context = tuple[str | None, int | None, str | None]  # mid, m-line index, ufrag
NO_CONTEXT: Context = (None, None, None)


def find_signalling(value: Any) -> Iterator[Item]:
    """Every SDP and candidate in ``value``, in document order."""
    yield from Walker().walk(value, "$", 0)


def find_in_text(text: str, scanner: jingle.JingleScanner | None = None) -> Iterator[Item]:
    """Every SDP and candidate in free text (a log line, a WebSocket message): the whole text as
    an SDP; else Jingle XML (``scanner`` carries the XML context from line to line), JSON values
    embedded in it, and candidate strings outside those values."""
    if len(text) < 16 or not (textsig.may_hold_signalling(text) or "<" in text):
        return
    if textsig.is_sdp(text):
        yield SdpItem(text, None, "text")
        return
    if jingle.holds_jingle(text) or (scanner is not None and "<" in text):
        yield from _jingle(text, "xml", NO_CONTEXT, scanner)
        return
    walker, last = Walker(), 0
    for start, end, value in textsig.json_values(text) if "{" in text or "[" in text else ():
        yield from _candidates(text[last:start], last)
        yield from walker.walk(value, f"json@{start}" if start else "$", 0)
        last = end
    yield from _candidates(text[last:], last)


def _candidates(text: str, offset: int) -> Iterator[CandidateItem]:
    if "candidate:" in text:
        for at, cand in textsig.candidates(text):
            yield CandidateItem(cand, None, None, None, f"text@{offset + at}" if offset + at else "text")


def looks_like_signalling(value: Any) -> bool:
    """Whether a JSON value holds at least one SDP or candidate."""
    return next(find_signalling(value), None) is not None


class Walker:
    """One walk and its budgets: nodes visited and nested JSON bytes decoded."""

    def __init__(self) -> None:
        self.nodes = MAX_NODES
        self.nested = MAX_NESTED_BYTES

    def walk(self, value: Any, path: str, depth: int, context: Context = NO_CONTEXT) -> Iterator[Item]:
        self.nodes -= 1
        if self.nodes < 0 or depth > MAX_DEPTH:
            return
        if isinstance(value, dict):
            yield from self._object(value, path, depth)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from self.walk(item, f"{path}[{i}]", depth + 1, context)
        elif isinstance(value, str):
            yield from self.string(value, path, depth, context, None)

    def _object(self, obj: dict[str, Any], path: str, depth: int) -> Iterator[Item]:
        context = context_of(obj)
        found: list[str] = []  # candidate strings of this object's own values
        for key, item in obj.items():
            yield from self.member(obj, key, item, f"{path}.{key_path(key)}", depth, context, found)
        yield from fields_item(obj, path, context, found)

    def member(
        self, obj: dict[str, Any], key: str, item: Any, where: str, depth: int, context: Context, found: list[str]
    ) -> Iterator[Item]:
        """What one member of ``obj`` holds (``obj`` gives its siblings); candidate strings found
        are added to ``found``."""
        if key == "sdp" and isinstance(item, str):
            kind = obj.get("type")
            yield SdpItem(item, kind if isinstance(kind, str) else None, where)
        elif key == "candidate" and not isinstance(item, (dict, list)) and not _text_like(item):
            direct = _direct_candidate(obj, item, where, context)
            if direct is not None:
                found.append(direct.candidate)
                yield direct
        elif key == "candidate" and isinstance(item, dict) and item.get("completed") is True:
            yield CandidateItem("", *context, where)  # Janus trickle: gathering completed
        elif isinstance(item, str):
            for got in self.string(item, where, depth + 1, context, key):
                if isinstance(got, (CandidateItem, SdpItem)):  # an SDP line ("a=candidate:…") names one too
                    found.append(got.candidate if isinstance(got, CandidateItem) else got.sdp)
                yield got
        elif isinstance(item, (dict, list)):
            yield from self.walk(item, where, depth + 1, context)

    def string(self, text: str, path: str, depth: int, context: Context, key: str | None) -> Iterator[Item]:
        """Signalling inside one string value: nested JSON, an SDP, Jingle XML, candidate strings."""
        self.nodes -= 1
        if self.nodes < 0 or len(text) < 16 or not (textsig.may_hold_signalling(text) or "<" in text):
            return
        head = text.lstrip()[:1]
        if head in ("{", "[") and len(text) <= self.nested:
            try:
                value = json.loads(text)
            except (ValueError, RecursionError):
                value = None
            if isinstance(value, (dict, list)):
                self.nested -= len(text)
                yield from self.walk(value, f"{path}<json>", depth + 1, context)
                return
        if textsig.is_sdp(text):
            kind = key if key in _JSEP_TYPES else None
            yield SdpItem(text, kind, path)
        elif jingle.holds_jingle(text):
            yield from _jingle(text, path, context)
        elif "candidate:" in text:
            for offset, cand in textsig.candidates(text):
                yield CandidateItem(cand, *context, f"{path}@{offset}" if offset else path)


def fields_item(obj: dict[str, Any], path: str, context: Context, found: list[str]) -> Iterator[FieldsItem]:
    """The candidate ``obj``'s own fields describe, unless a candidate string in ``found`` names
    its address and port."""
    if candfields.has_address_fields(obj):
        cand = candfields.from_fields(obj, "(candidate object)")
        if cand is not None and not any(f" {cand.address} {cand.port} " in text for text in found):
            yield FieldsItem(cand, *context, path)


def _direct_candidate(obj: dict[str, Any], item: Any, path: str, context: Context) -> CandidateItem | None:
    """The value of a ``candidate`` key: a candidate string, "" or a trickle ``null`` (end of candidates)."""
    if isinstance(item, str):
        return CandidateItem(item.strip(), *context, path)
    if item is None and any(k in obj for k in _TRICKLE_KEYS):
        return CandidateItem("", *context, path)
    return None


def _jingle(text: str, path: str, context: Context, scanner: jingle.JingleScanner | None = None) -> Iterator[Item]:
    for n, found in enumerate((scanner or jingle.JingleScanner()).feed(text)):
        where = f"{path}<xml {n}>"
        if found.candidate is not None:
            yield FieldsItem(found.candidate, found.mid or context[0], context[1], found.ufrag or context[2], where)
        elif found.remote is not None:
            yield AddressItem(*found.remote, where)
        elif found.problem is not None:
            yield ProblemItem(found.problem, where)


def _text_like(item: Any) -> bool:
    """A ``candidate`` value that is JSON or several lines, not one candidate: searched as text."""
    return isinstance(item, str) and (item.lstrip()[:1] in ("{", "[") or "\n" in item.strip())


def context_of(obj: dict[str, Any]) -> Context:
    """W3C RTCIceCandidateInit fields of an object (and apprtc's ``id``/``label`` beside a candidate)."""
    trickle = "candidate" in obj
    mid = obj.get("sdpMid", obj.get("id") if trickle else None)
    mline = obj.get("sdpMLineIndex", obj.get("label") if trickle else None)
    ufrag = obj.get("usernameFragment")
    return (
        str(mid) if isinstance(mid, (str, int)) and not isinstance(mid, bool) else None,
        mline if isinstance(mline, int) and not isinstance(mline, bool) and mline >= 0 else None,
        ufrag if isinstance(ufrag, str) else None,
    )


def key_path(key: str) -> str:
    """A key as a path shows it (long keys cut)."""
    return key if len(key) <= MAX_KEY else key[:MAX_KEY] + "…"
