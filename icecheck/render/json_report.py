"""JSON renderer (pure): ``AuditResult`` → a stable, documented dict (docs/json.md)."""

from __future__ import annotations

from typing import Any

from icecheck import __version__
from icecheck.model import (
    AddressFacts,
    AuditedAddress,
    AuditedCandidate,
    AuditResult,
    Diagnostic,
    InputDocument,
    ModeRow,
    NatBehaviour,
    NetworkInfo,
    Origin,
)

SCHEMA_VERSION = 1


def origin_dict(o: Origin) -> dict[str, Any]:
    out: dict[str, Any] = {"path": o.path, "line": o.line}
    for key in ("packet", "time", "detail", "call", "party"):
        value = getattr(o, key)
        if value is not None:
            out[key] = value
    return out


def _facts(f: AddressFacts) -> dict[str, Any]:
    return {
        "address_class": f.address_class.value,
        "hints": [{"kind": h.kind, "detail": h.detail, "value": h.value} for h in f.hints],
    }


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {"level": d.level, "message": d.message, **origin_dict(d.origin)}


def _input(doc: InputDocument) -> dict[str, Any]:
    return {
        "path": doc.path,
        "kind": doc.kind,
        "status": doc.status.value,
        "candidates": len(doc.candidates),
        "duplicates_folded": doc.duplicates,
        "end_of_candidates": doc.end_of_candidates,
        "diagnostics": [_diagnostic(d) for d in doc.diagnostics],
    }


def _candidate(a: AuditedCandidate) -> dict[str, Any]:
    c, p, ctx = a.record.candidate, a.priority, a.record.context
    out: dict[str, Any] = {
        "id": a.id,
        "foundation": c.foundation,
        "component": c.component,
        "transport": c.transport.lower(),
        "priority": c.priority,
        "priority_decoded": {
            "type_preference": p.type_preference,
            "local_preference": p.local_preference,
            "component": p.component,
            "interface_rank": p.interface_rank,
            "address_preference": p.address_preference,
            "address_family": p.address_family,
            "relay_protocol": p.relay_protocol,
        },
        "address": c.address,
        "port": c.port,
        "type": c.type,
        "related_address": c.related_address,
        "related_port": c.related_port,
        "tcptype": c.tcptype,
        "generation": c.generation,
        "ufrag": c.ufrag,
        "network_id": c.network_id,
        "network_cost": c.network_cost,
        "extensions": [{"name": k, "value": v} for k, v in c.extensions],
        **_facts(a.facts),
        "related_address_class": a.related_facts.address_class.value if a.related_facts else None,
        "mac": a.facts.mac,
        "mac_vendor": a.facts.mac_vendor,
        "embedded_ipv4": a.facts.embedded_ipv4,
        "media": {"sdp": ctx.sdp_index, "m_line": ctx.media_index, "kind": ctx.media, "mid": ctx.mid},
        "origin": origin_dict(a.record.origin),
        "raw": c.raw,
    }
    if a.record.interface is not None:
        i = a.record.interface
        out["interface"] = {"name": i.name, "kind": i.kind, "default_route": i.default_route}
    return out


def _address(a: AuditedAddress) -> dict[str, Any]:
    return {
        "id": a.id,
        "address": a.record.address,
        "role": a.record.role.value,
        "port": a.record.port,
        **_facts(a.facts),
        "origin": origin_dict(a.record.origin),
    }


def to_dict(result: AuditResult, exit_code: int) -> dict[str, Any]:
    """The whole report. Keys are stable within a ``schema_version``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "icecheck", "version": __version__},
        "policy": result.policy,
        "fail_on": result.fail_on.value,
        "exit_code": exit_code,
        "inputs": [_input(d) for d in result.inputs],
        "candidates": [_candidate(c) for c in result.candidates],
        "addresses": [_address(a) for a in result.addresses],
        "parties": _parties(result),
        "network_info": [_network(n) for n in result.network_info],
        "exposures": [
            {
                "kind": e.kind,
                "summary": e.summary,
                "value": e.value,
                "evidence": list(e.evidence),
                "learned_by": [p.value for p in e.learned_by],
                "party": e.party,
            }
            for e in result.exposures
        ],
        "findings": [
            {"rule": f.rule, "severity": f.severity.value, "message": f.message, "evidence": list(f.evidence)}
            for f in result.findings
        ],
        "attempts": [
            {"kind": t.kind, "target": t.target, "status": t.status, "detail": t.detail, "elapsed": t.elapsed}
            for t in result.attempts
        ],
        "notes": list(result.notes),
        **_live(result),
    }


def _live(result: AuditResult) -> dict[str, Any]:
    """``browser_modes`` and ``nat``, present only when a live gathering filled them."""
    out: dict[str, Any] = {}
    if result.browser_modes:
        out["browser_modes"] = [mode_row_dict(r) for r in result.browser_modes]
    if result.nat is not None:
        out["nat"] = nat_dict(result.nat)
    return out


def mode_row_dict(row: ModeRow) -> dict[str, Any]:
    """One browser mode: what it signals (counts per type), the user's addresses, each candidate's fate."""
    return {
        "mode": row.mode,
        "title": row.title,
        "selected": row.selected,
        "counts": dict(row.counts),
        "mdns_concealed": row.concealed,
        "addresses": list(row.addresses),
        "candidates": [{"candidate": label, "shown": shown} for label, shown in row.shown],
    }


def nat_dict(nat: NatBehaviour) -> dict[str, Any]:
    """A NAT discovery result with its reasons and the plain-words explanation."""
    from icecheck.natwords import explain

    return {
        "mapping": nat.mapping,
        "filtering": nat.filtering,
        "mapped_addresses": list(nat.mapped_addresses),
        "mapping_reason": nat.mapping_reason,
        "filtering_reason": nat.filtering_reason,
        "reason": nat.reason,
        "explanation": explain(nat),
    }


def _parties(result: AuditResult) -> list[dict[str, Any]]:
    """Each party (per input, call and side) with the ids of what it exposed."""
    from icecheck.parties import split

    return [
        {
            "label": g.label,
            "path": g.key[0],
            "call": g.key[1] or None,
            "party": g.key[2],
            "candidates": [c.id for c in g.candidates],
            "addresses": [a.id for a in g.addresses],
        }
        for g in split(result.candidates, result.addresses)
    ]


def _network(n: NetworkInfo) -> dict[str, Any]:
    return {
        "address": n.address,
        "asn": n.asn,
        "as_name": n.as_name,
        "network_name": n.network_name,
        "cidr": n.cidr,
        "organisation": n.organisation,
        "country": n.country,
        "registry": n.registry,
        "network_kind": n.network_kind,
        "ptr": n.ptr,
        "ptr_hints": [{"kind": h.kind, "detail": h.detail, "value": h.value} for h in n.ptr_hints],
    }
