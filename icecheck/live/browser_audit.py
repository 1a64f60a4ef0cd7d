"""What a browser's page posted → an ``InputDocument`` → the usual audit (pure, apart from ``auditor``).

``read_posted`` checks the page's JSON (types, at most ``MAX_CANDIDATES`` candidates of at most
``MAX_TEXT`` characters: anything else is ``ValueError``, as from a hostile page). Candidates are
parsed by the SDP reader, one numbered line each, so a bad one is a diagnostic like in a file.
On this machine (``icecheck browser``) a candidate whose address is one icecheck's own gathering
found takes that host's interface, so the interface exposures of ``gather`` apply. The browser's
``icecandidateerror`` events and the candidates' server URLs become one ``Attempt`` per server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from icecheck.audit import audit_candidates
from icecheck.inputs.sdp import SdpParser
from icecheck.live.liveaudit import interface_exposures, public_address_note
from icecheck.live.modes import own_addresses
from icecheck.model import (
    Attempt,
    AttemptStatus,
    AuditResult,
    BrowserComparison,
    CandidateRecord,
    InputDocument,
    InputKind,
    InterfaceInfo,
    Origin,
)

__all__ = ["Posted", "audit_posted", "compare", "posted_document", "preference_effect", "read_posted"]

MAX_CANDIDATES = 1000
MAX_TEXT = 2048
_ERROR_STATUS = {
    401: AttemptStatus.AUTH_FAILED,
    403: AttemptStatus.AUTH_FAILED,
    429: AttemptStatus.RATE_LIMITED,
    701: AttemptStatus.TIMEOUT,
}


@dataclass(frozen=True, slots=True)
class Posted:
    """A page's result, checked: candidate lines with the server each came from, and its errors."""

    scenario: str
    user_agent: str
    candidates: tuple[tuple[str, str | None], ...]  # (candidate text, server URL or None)
    errors: tuple[tuple[str | None, int, str], ...]  # (server URL or None, error code, error text)
    finished: str  # complete, timeout or error
    elapsed_ms: int = 0


def read_posted(payload: Mapping[str, Any]) -> Posted:
    """The page's JSON, checked; ValueError saying what is wrong."""
    cands, errors = payload.get("candidates"), payload.get("errors", [])
    if not isinstance(cands, list) or not isinstance(errors, list):
        raise ValueError("candidates and errors must be lists")
    if len(cands) > MAX_CANDIDATES or len(errors) > MAX_CANDIDATES:
        raise ValueError(f"more than {MAX_CANDIDATES} candidates or errors")
    candidates = tuple(
        (_text(c.get("candidate")), _optional(c.get("url"))) if isinstance(c, dict) else (_text(c), None) for c in cands
    )
    problems = tuple(
        (_optional(e.get("url")), _int(e.get("errorCode")), _text(e.get("errorText", "")))
        for e in errors
        if isinstance(e, dict)
    )
    elapsed = payload.get("elapsedMs", 0)
    return Posted(
        _text(payload.get("scenario", "")),
        _text(payload.get("userAgent", "")),
        candidates,
        problems,
        _text(payload.get("finished", "")),
        _int(elapsed),
    )


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError(f"expected a string of at most {MAX_TEXT} characters")
    return value


def _optional(value: Any) -> str | None:
    return None if value is None else _text(value)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number")
    return int(value)


def posted_document(
    posted: Posted, path: str, gathered: InputDocument | None = None, servers: Sequence[str] = ()
) -> InputDocument:
    """The browser's candidates as an input (kind ``browser``), with one attempt per server in ``servers``."""
    parser = SdpParser(Origin(path), kind=InputKind.BROWSER)
    for number, (text, _) in enumerate(posted.candidates, 1):
        parser.feed(text if text.startswith(("a=", "candidate:")) else f"candidate:{text}", number)
    doc = parser.result()
    if gathered is not None:
        doc = replace(doc, candidates=tuple(_with_interface(r, gathered) for r in doc.candidates))
    return replace(doc, attempts=tuple(server_attempts(posted, servers)))


def _with_interface(rec: CandidateRecord, gathered: InputDocument) -> CandidateRecord:
    """A host (or a srflx by its raddr) takes the interface of the gathered host with that address."""
    by_address: dict[str, InterfaceInfo] = {
        r.candidate.address: r.interface for r in gathered.candidates if r.candidate.type == "host" and r.interface
    }
    cand = rec.candidate
    key = cand.address if cand.type == "host" else cand.related_address if cand.type == "srflx" else None
    info = by_address.get(key or "")
    return replace(rec, interface=info) if info is not None else rec


def server_attempts(posted: Posted, servers: Sequence[str]) -> list[Attempt]:
    """Per server URL: ok when a candidate came from it, the browser's error when it reported one,
    else a timeout (gathering ended without a word from it)."""
    out = []
    for url in servers:
        mine = [c for c, u in posted.candidates if u is not None and _same_server(u, url)]
        errors = [(code, text) for u, code, text in posted.errors if u is not None and _same_server(u, url)]
        kind = url.split(":", 1)[0]
        if mine:
            out.append(Attempt(kind, url, AttemptStatus.OK, f"{len(mine)} candidate(s) from it"))
        elif errors:
            code, text = errors[0]
            out.append(
                Attempt(
                    kind,
                    url,
                    _ERROR_STATUS.get(code, AttemptStatus.ERROR),
                    f"the browser reported {code} {text}".strip(),
                )
            )
        elif not any(u for _, u in posted.candidates) and _type_seen(posted, kind):
            out.append(
                Attempt(kind, url, AttemptStatus.OK, "the browser named no server; a candidate of its kind came")
            )
        else:
            out.append(
                Attempt(
                    kind, url, AttemptStatus.TIMEOUT, f"no candidate from it before gathering ended ({posted.finished})"
                )
            )
    return out


def _same_server(reported: str, url: str) -> bool:
    """Browsers write the URL back as given, sometimes without ``?transport=``."""
    return reported.split("?", 1)[0] == url.split("?", 1)[0]


def _type_seen(posted: Posted, kind: str) -> bool:
    wanted = " typ srflx" if kind == "stun" else " typ relay"
    return any(wanted in c for c, _ in posted.candidates)


def compare(browser: InputDocument, gathered: InputDocument) -> BrowserComparison:
    """The user's addresses in the browser's candidates against those of icecheck's own gathering."""
    mine, theirs = own_addresses(browser.candidates), own_addresses(gathered.candidates)
    return BrowserComparison(
        theirs,
        tuple(a for a in theirs if a not in mine),
        tuple(a for a in mine if a not in theirs),
        len(_mdns(browser)),
    )


def preference_effect(with_prefs: InputDocument, without: InputDocument | None) -> str:
    """What the profile's prefs changed, in words, against the same run without them."""
    if without is None:
        return "not measured: the run without the profile's prefs gave no result"
    a, b = _shape(with_prefs), _shape(without)
    if a == b:
        return f"no change: {a} with or without them"
    return f"with them {a}; without them {b}"


def _shape(doc: InputDocument) -> str:
    types = [r.candidate.type for r in doc.candidates]
    counts = ", ".join(f"{types.count(t)} {t}" for t in ("host", "srflx", "relay"))
    shown = ", ".join(own_addresses(doc.candidates)) or "none"
    return f"{counts} ({len(_mdns(doc))} mDNS names); your addresses: {shown}"


def _mdns(doc: InputDocument) -> set[str]:
    """The distinct mDNS names of the host candidates (one per concealed address)."""
    return {
        r.candidate.address.lower()
        for r in doc.candidates
        if r.candidate.type == "host" and r.candidate.address.lower().endswith(".local")
    }


def audit_posted(
    doc: InputDocument, auditor: Callable[..., AuditResult], notes: Sequence[str] = (), attempts: Sequence[Attempt] = ()
) -> AuditResult:
    """The usual audit of a browser's candidates, with the interface exposures of a live run.

    ``auditor`` is ``audit`` (or ``audit_with_lookups``) with its settings bound:
    ``auditor(docs, *, candidates, attempts, extra_exposures, notes)``.
    """
    candidates = audit_candidates([doc])
    said = [n for n in (public_address_note(doc),) if n]
    return auditor([doc], candidates=candidates, attempts=attempts, extra_exposures=interface_exposures(candidates),
                   notes=[*said, *notes])  # fmt: skip


def user_agent_name(user_agent: str) -> tuple[str, str | None]:
    """A browser's name and major version from its user agent (all a page can tell; ``serve`` only)."""
    for token, name in (("Edg/", "Microsoft Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chromium-based")):
        at = user_agent.find(token)
        if at >= 0:
            version = user_agent[at + len(token) :].split(" ", 1)[0]
            return name, version or None
    if "Safari/" in user_agent and "Version/" in user_agent:
        return "Safari", user_agent.split("Version/", 1)[1].split(" ", 1)[0] or None
    return "a browser", None
