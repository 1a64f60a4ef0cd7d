"""JSON renderer (pure): ``AuditResult`` → a stable, documented dict (docs/json.md).

Enum members (``StrEnum``) are written as ``str(member)``, their value as a plain ``str``: in
Python 3.11 ``.value`` is a Python-level property, read here several times per item of a capture.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from json.encoder import INFINITY, encode_basestring
from typing import IO, Any

from icecheck import __version__
from icecheck.analysis.rules import CATALOGUE, Rule
from icecheck.model import (
    AddressFacts,
    AuditedAddress,
    AuditedCandidate,
    AuditResult,
    BrowserRun,
    Diagnostic,
    Exposure,
    GeoFacts,
    GeoSource,
    InputDocument,
    ModeRow,
    NatBehaviour,
    NetworkInfo,
    Origin,
)
from icecheck.render.locate import origins
from icecheck.render.safe import json_text

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
        "address_class": str(f.address_class),
        "hints": [{"kind": h.kind, "detail": h.detail, "value": h.value} for h in f.hints],
    }


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {"level": str(d.level), "message": d.message, **origin_dict(d.origin)}


def _input(doc: InputDocument) -> dict[str, Any]:
    return {
        "path": doc.path,
        "kind": str(doc.kind),
        "status": str(doc.status),
        "candidates": len(doc.candidates),
        "duplicates_folded": doc.duplicates,
        "unaudited": doc.unaudited,
        "end_of_candidates": doc.end_of_candidates,
        "diagnostics": [_diagnostic(d) for d in doc.diagnostics],
    }


def _candidate(a: AuditedCandidate, origin: Callable[[Origin], Any] = origin_dict) -> dict[str, Any]:
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
        "related_address_class": str(a.related_facts.address_class) if a.related_facts else None,
        "mac": a.facts.mac,
        "mac_vendor": a.facts.mac_vendor,
        "embedded_ipv4": a.facts.embedded_ipv4,
        "media": {"sdp": ctx.sdp_index, "m_line": ctx.media_index, "kind": ctx.media, "mid": ctx.mid},
        "origin": origin(a.record.origin),
        "count": a.record.count,
        "raw": c.raw,
    }
    if a.record.last is not None:
        out["last_origin"] = origin(a.record.last)
    if a.record.interface is not None:
        i = a.record.interface
        out["interface"] = {"name": i.name, "kind": i.kind, "default_route": i.default_route}
    return out


def _address(a: AuditedAddress, origin: Callable[[Origin], Any] = origin_dict) -> dict[str, Any]:
    out = {
        "id": a.id,
        "address": a.record.address,
        "role": str(a.record.role),
        "port": a.record.port,
        **_facts(a.facts),
        "origin": origin(a.record.origin),
        "count": a.record.count,
    }
    if a.record.last is not None:
        out["last_origin"] = origin(a.record.last)
    return out


def to_dict(result: AuditResult, exit_code: int, only: Collection[str] | None = None) -> dict[str, Any]:
    """The whole report (or its keys in ``only``: the others are not built). Keys are stable within
    a ``schema_version``."""
    sections = _sections(result, exit_code, origin_dict)
    return {key: materialise(value) for key, value in sections if only is None or key in only}


def write_json(result: AuditResult, exit_code: int, stream: IO[str]) -> None:
    """Write ``json.dumps(to_dict(result, exit_code), indent=2, ensure_ascii=False)`` to ``stream``.

    The same text, made faster and with bounded memory: the long lists (candidates, addresses,
    exposures, findings, a finding's locations) are encoded one item at a time and never held
    whole, and the text goes out in blocks of about a megabyte rather than the thousands of small
    writes of ``json.dump``.
    """
    write_streamed(Streamed(_sections(result, exit_code, _same)), stream)  # origins stay objects: ``_encode_origin``


class Streamed(dict[str, Any]):
    """A dict whose iterator values (and ``Streamed`` values) ``write_streamed`` writes item by item.

    A dict that holds an iterator or a ``Streamed``, at any depth, must itself be a ``Streamed``;
    lists hold none (an iterator stands for a list)."""


def materialise(value: Any) -> Any:
    """``value`` with its iterators made lists and its ``Streamed`` dicts plain (what ``json.dumps``
    takes); anything else as it is."""
    if isinstance(value, Iterator):
        return [materialise(v) for v in value]
    if type(value) is Streamed:
        return {k: materialise(v) for k, v in value.items()}
    return value


def write_streamed(value: Any, stream: IO[str]) -> None:
    """Write ``json_dumps(materialise(value))`` to ``stream`` (``indent=2``, ``ensure_ascii=False``,
    control and format characters escaped) without holding the iterators' items: each is encoded
    when it comes, and the text goes out in blocks."""
    out = _Blocks(stream)
    _stream(out, value, 0)
    out.flush()


def _stream(out: _Blocks, value: Any, level: int) -> None:
    if isinstance(value, Iterator):
        inner, empty = _indent(level + 1), True
        for item in value:
            out.add(("[" if empty else ",") + inner)
            empty = False
            if type(item) is Streamed:
                _stream(out, item, level + 1)
            else:
                out.add(_encode(item, level + 1))
        out.add("[]" if empty else _indent(level) + "]")
    elif type(value) is Streamed:
        if not value:
            out.add("{}")
            return
        inner, first = _indent(level + 1), True
        for key, item in value.items():
            out.add(("{" if first else ",") + inner + _key(key))
            first = False
            if type(item) is Streamed or isinstance(item, Iterator):
                _stream(out, item, level + 1)
            else:
                out.add(_encode(item, level + 1))
        out.add(_indent(level) + "}")
    else:
        out.add(_encode(value, level))


def _sections(result: AuditResult, exit_code: int, origin: Callable[[Origin], Any]) -> list[tuple[str, Any]]:
    """The report's keys in order; the long lists as iterators, built while they are written.
    ``origin`` gives the candidates' and addresses' origins (``origin_dict``, or the object)."""
    return [
        ("schema_version", SCHEMA_VERSION),
        ("tool", {"name": "icecheck", "version": __version__}),
        ("policy", result.policy),
        ("policy_source", result.policy_source),
        ("fail_on", str(result.fail_on)),
        ("exit_code", exit_code),
        ("inputs", [_input(d) for d in result.inputs]),
        ("candidates", (_candidate(c, origin) for c in result.candidates)),
        ("addresses", (_address(a, origin) for a in result.addresses)),
        ("parties", _parties(result)),
        ("network_info", [_network(n) for n in result.network_info]),
        (
            "exposures",
            (_exposure(e) for e in result.exposures),
        ),
        ("findings", _findings(result)),
        (
            "attempts",
            [
                {"kind": t.kind, "target": t.target, "status": str(t.status), "detail": t.detail, "elapsed": t.elapsed}
                for t in result.attempts
            ],
        ),
        ("notes", list(result.notes)),
        ("rules", [rule_dict(CATALOGUE[r]) for r in dict.fromkeys(f.rule for f in result.findings) if r in CATALOGUE]),
        *_live(result).items(),
    ]


def _exposure(e: Exposure) -> dict[str, Any]:
    """An exposure; with much evidence a ``Streamed`` whose evidence is written ref by ref."""
    many = len(e.evidence) > _FEW
    return (Streamed if many else dict)(
        kind=str(e.kind),
        summary=e.summary,
        value=e.value,
        evidence=iter(e.evidence) if many else list(e.evidence),
        learned_by=[str(p) for p in e.learned_by],
        party=e.party,
    )


def _findings(result: AuditResult) -> Iterator[dict[str, Any]]:
    """Each finding with its rule's title and link and a location per evidence id; a finding with
    much evidence as a ``Streamed`` whose locations are found while they are written."""
    where = origins(result)
    for f in result.findings:
        rule = CATALOGUE.get(f.rule)
        many = len(f.evidence) > _FEW
        locations = _locations(f.evidence, where)
        yield (Streamed if many else dict)(
            rule=f.rule,
            severity=str(f.severity),
            title=rule.title if rule else None,
            message=f.message,
            evidence=iter(f.evidence) if many else list(f.evidence),
            locations=locations if many else list(locations),
            help_uri=rule.help_uri if rule else None,
        )


_FEW = 64  # a finding with more evidence than this is written item by item


def _locations(evidence: Sequence[str], where: Mapping[str, Origin]) -> Iterator[dict[str, Any]]:
    for ref in evidence:
        o = where.get(ref)
        if o is not None:
            yield _location(ref, o)


def _location(ref: str, o: Origin) -> dict[str, Any]:
    return {"id": ref, "path": o.path, "line": o.line, "packet": o.packet}


def rule_dict(rule: Rule) -> dict[str, Any]:
    """A catalogue entry in full: what ``icecheck explain`` prints, so no reader needs a web page."""
    return {
        "id": rule.id,
        "name": rule.name,
        "severity": str(rule.severity),
        "title": rule.title,
        "doc": rule.doc,
        "fix": rule.fix,
        "help_uri": rule.help_uri,
    }


# -- the encoder -----------------------------------------------------------------------------------
# ``json``'s pure-Python encoder (the one ``indent`` needs) yields a chunk per token; this one
# builds each value's text with ``str.join`` over the C string encoder, the same text byte for byte:
# ``indent=2``, separators ", " / ": " (newlines end the items), ``ensure_ascii=False``,
# ``allow_nan=True``, keys converted as ``json`` converts them.

_encode_string = encode_basestring
_INDENTS = ["\n" + "  " * n for n in range(64)]
_BLOCK = 1 << 20


def _encode(o: Any, level: int) -> str:
    """One value as ``json.dumps`` with ``indent=2`` writes it at nesting depth ``level``."""
    kind = type(o)
    if kind is str:
        return _encode_string(o)
    if o is None:
        return "null"
    if kind is dict:
        return _encode_dict(o, level) if o else "{}"
    if kind is list:
        return _encode_list(o, level) if o else "[]"
    if kind is int:
        return int.__repr__(o)
    if kind is Origin:
        return _encode_origin(o, level)
    # the rest in ``json``'s order: subclasses of str, then booleans, numbers and containers
    if isinstance(o, str):
        return _encode_string(o)
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, int):
        return int.__repr__(o)
    if isinstance(o, float):
        return _float(o)
    if isinstance(o, (list, tuple)):
        return _encode_list(o, level) if o else "[]"
    if isinstance(o, dict):
        return _encode_dict(o, level) if o else "{}"
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def _encode_dict(o: dict[Any, Any], level: int) -> str:
    inner, close = _indent(level + 1), _indent(level)
    keys, enc, deeper = _KEYS, _encode_string, level + 1
    # strings and nulls, the commonest values, without a call; ``keys.get`` misses on non-str keys
    items = [
        (keys.get(k) or _key(k)) + (enc(v) if type(v) is str else "null" if v is None else _encode(v, deeper))
        for k, v in o.items()
    ]
    return "{" + inner + ("," + inner).join(items) + close + "}"


def _encode_origin(o: Origin, level: int) -> str:
    """``_encode(origin_dict(o), level)`` without the dict: an origin for every item of the report."""
    inner, deeper, enc = _indent(level + 1), level + 1, _encode_string
    items = [f'"path": {_encode(o.path, deeper)}', f'"line": {_encode(o.line, deeper)}']
    for key, value in (
        ("packet", o.packet),
        ("time", o.time),
        ("detail", o.detail),
        ("call", o.call),
        ("party", o.party),
    ):
        if value is not None:
            items.append(_ORIGIN_KEYS[key] + (enc(value) if type(value) is str else _encode(value, deeper)))
    return "{" + inner + ("," + inner).join(items) + _indent(level) + "}"


_ORIGIN_KEYS = {key: f'"{key}": ' for key in ("packet", "time", "detail", "call", "party")}


def _same(o: Origin) -> Origin:
    return o


def _encode_list(o: list[Any] | tuple[Any, ...], level: int) -> str:
    inner, close = _indent(level + 1), _indent(level)
    enc, deeper = _encode_string, level + 1
    items = [enc(v) if type(v) is str else _encode(v, deeper) for v in o]
    return "[" + inner + ("," + inner).join(items) + close + "]"


def _indent(level: int) -> str:
    return _INDENTS[level] if level < len(_INDENTS) else "\n" + "  " * level


def _float(o: float) -> str:
    if o != o:
        return "NaN"
    if o == INFINITY:
        return "Infinity"
    if o == -INFINITY:
        return "-Infinity"
    return float.__repr__(o)


def _key(k: Any) -> str:
    """A dict key and its ": " as ``json`` writes them: numbers, booleans and None become strings."""
    if isinstance(k, str):
        text = _encode_string(k) + ": "
        if type(k) is str and len(_KEYS) < 4096:
            _KEYS[k] = text  # report keys are a few dozen names
        return text
    if isinstance(k, float):
        return _encode_string(_float(k)) + ": "
    if k is True:
        return '"true": '
    if k is False:
        return '"false": '
    if k is None:
        return '"null": '
    if isinstance(k, int):
        return _encode_string(int.__repr__(k)) + ": "
    raise TypeError(f"keys must be str, int, float, bool or None, not {k.__class__.__name__}")


_KEYS: dict[str, str] = {}


class _Blocks:
    """Text gathered and written in blocks of about ``_BLOCK`` characters."""

    def __init__(self, stream: IO[str]) -> None:
        self.write = stream.write  # looked up once: click's lazy file resolves every attribute access
        self.parts: list[str] = []
        self.size = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= _BLOCK:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.write(json_text("".join(self.parts)))
            self.parts.clear()
            self.size = 0


def _live(result: AuditResult) -> dict[str, Any]:
    """``browser_modes`` and ``nat``, present only when a live gathering filled them, and
    ``geoip_databases``, present only when GeoIP databases were read."""
    out: dict[str, Any] = {}
    if result.browser_modes:
        out["browser_modes"] = [mode_row_dict(r) for r in result.browser_modes]
    if result.nat is not None:
        out["nat"] = nat_dict(result.nat)
    if result.geoip_databases:
        out["geoip_databases"] = [_database(s) for s in result.geoip_databases]
    return out


def _database(s: GeoSource) -> dict[str, Any]:
    return {"path": s.path, "database_type": s.database_type, "kind": s.kind, "built": s.built, "origin": s.origin}


def _geoip(n: NetworkInfo, facts: GeoFacts) -> dict[str, Any]:
    """Each stated fact with the path of the database it came from (``geoip_databases[].path``),
    and where the registry says otherwise."""
    from icecheck.analysis.geo import disagreements

    return {
        "facts": {name: {"value": value, "source": source.path} for name, value, source in facts.stated()},
        "disagreements": [
            {"fact": d.fact, "registry": d.registry, "database": d.database, "source": d.source.path}
            for d in disagreements(n)
        ],
    }


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
    from icecheck.live.natwords import explain

    return {
        "mapping": nat.mapping,
        "filtering": nat.filtering,
        "mapped_addresses": list(nat.mapped_addresses),
        "mapping_reason": nat.mapping_reason,
        "filtering_reason": nat.filtering_reason,
        "reason": nat.reason,
        "explanation": explain(nat),
    }


def _parties(result: AuditResult) -> Iterator[dict[str, Any]]:
    """Each party (per input, call and side) with the ids of what it exposed, built as it is written."""
    from icecheck.analysis.partystore import party_ids

    for key, label, candidates, addresses in party_ids(result.candidates, result.addresses):
        yield Streamed(
            label=label,
            path=key[0],
            call=key[1] or None,
            party=key[2],
            candidates=iter(candidates),  # written id by id: a party may have a million
            addresses=iter(addresses),
        )


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
        **({"geoip": _geoip(n, n.geoip)} if n.geoip is not None else {}),
    }


def browser_run_dict(run: BrowserRun, code: int | None = None) -> dict[str, Any]:
    """One browser x scenario: who, how it went, the settings in force, the comparison with icecheck's
    own gathering; with ``code`` (several runs) also its whole ``report`` (null when it gave none)."""
    cmp = run.comparison
    out: dict[str, Any] = {
        "name": run.name,
        "version": run.version,
        "executable": run.executable,
        "scenario": run.scenario,
        "duration": round(run.duration, 3),
        "outcome": run.outcome,
        "detail": run.detail,
        "user_agent": run.user_agent,
        "policies": {name: json.loads(value) for name, value in run.policies},
        "preferences": {name: json.loads(value) for name, value in run.preferences},
        "preference_effect": run.preference_effect or None,
        "compared_with_gather": None if cmp is None else {
            "gathered": list(cmp.gathered), "hidden": list(cmp.hidden), "only_in_browser": list(cmp.only_browser),
            "mdns_names": cmp.mdns_names},
    }  # fmt: skip
    if code is not None:
        out["report"] = None if run.result is None else to_dict(run.result, code)
    return out


def runs_dict(runs: Sequence[BrowserRun], codes: Sequence[int], exit_code: int) -> dict[str, Any]:
    """``icecheck browser`` with several runs: each run with its report (``codes``: each one's exit code)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "icecheck", "version": __version__},
        "exit_code": exit_code,
        "browser_runs": [browser_run_dict(r, c) for r, c in zip(runs, codes, strict=True)],
    }
