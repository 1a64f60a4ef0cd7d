"""icecheck's candidate parser against the peer vectors (tests/data/peer-vectors/candidates.jsonl).

Semantics and icecheck's choices where peers disagree: docs/conformance.md, whose verdict table
is read here as DISAGREEMENTS = {vector_id: (icecheck_valid, reason)}.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from icecheck.inputs.candidate import CandidateSyntaxError, parse_candidate
from icecheck.model import Candidate
from tests.conftest import DATA, REPO

VECTORS: list[dict[str, Any]] = [
    json.loads(line) for line in (DATA / "peer-vectors" / "candidates.jsonl").read_text("utf-8").splitlines()
]
ROW = re.compile(r"^\| ([a-z0-9/-]+-\d{3}) \| (valid|invalid) \| [^|]* \| (.+) \|$")
DISAGREEMENTS: dict[str, tuple[bool, str]] = {
    m[1]: (m[2] == "valid", m[3])
    for m in map(ROW.match, (REPO / "docs" / "conformance.md").read_text("utf-8").splitlines())
    if m
}
ATTRIBUTE = {"raddr": "related_address", "rport": "related_port"}
ALL_FIELDS = ("all fields", "specification example", "string is the peer's serializer output")
NO_FIELDS = ("acceptance only", "none (fuzz seed)", "rejection", "re-serialisation equals input")
KNOWN = {"raddr", "rport", "tcptype", "generation", "ufrag", "network-id", "network-cost"}
ZONED = {"pion-ice-054", "pion-ice-055"}  # docs/conformance.md, "Field exceptions"


def _agreed(vector: dict[str, Any]) -> bool | None:
    verdicts = {v["valid"] for v in vector["peer_verdicts"].values()}
    return verdicts.pop() if len(verdicts) == 1 else None


def _ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["id"] for v in vectors]


def _verdict(text: str) -> bool:
    try:
        parse_candidate(text)
    except CandidateSyntaxError:
        return False
    return True


AGREED = [v for v in VECTORS if _agreed(v) is not None]
CONTESTED = [v for v in VECTORS if _agreed(v) is None]
VALID = [v for v in VECTORS if v["valid"] and DISAGREEMENTS.get(v["id"], (True, ""))[0]]


def test_vector_counts() -> None:
    assert (len(VECTORS), sum(v["valid"] for v in VECTORS), len(CONTESTED)) == (264, 186, 20)


@pytest.mark.parametrize("vector", AGREED, ids=_ids(AGREED))
def test_verdict_where_peers_agree(vector: dict[str, Any]) -> None:
    assert _verdict(vector["input"]) is _agreed(vector), vector["notes"] if "notes" in vector else vector["source"]


def test_every_disagreement_has_a_documented_choice() -> None:
    assert sorted(DISAGREEMENTS) == sorted(_ids(CONTESTED))


@pytest.mark.parametrize("vector", CONTESTED, ids=_ids(CONTESTED))
def test_verdict_where_peers_disagree(vector: dict[str, Any]) -> None:
    valid, reason = DISAGREEMENTS[vector["id"]]
    assert _verdict(vector["input"]) is valid, reason


def _asserted(vector: dict[str, Any]) -> set[str]:
    """The expected fields the peer's test checks (README: `asserted` semantics)."""
    fields: set[str] = set()
    for entry in vector["asserted"]:
        if entry.startswith(ALL_FIELDS):
            fields |= set(vector["expected"])
        elif entry.startswith("extensions (ordered list:"):
            names = {p.split("=", 1)[0] for p in _ordered(entry)}
            fields |= {"extensions"} | {_field(name) for name in names & KNOWN}
        elif entry in vector["expected"] or entry == "extensions":
            fields.add(entry)
        else:
            assert entry.startswith(NO_FIELDS), f"unknown asserted entry {entry!r}"
    return fields


def _ordered(entry: str) -> list[str]:
    inside = entry.removeprefix("extensions (ordered list:").removesuffix(")").strip()
    return [p.strip() for p in inside.split(", ")] if inside else []


def _field(name: str) -> str:
    return {"network-id": "network_id", "network-cost": "network_cost"}.get(name, name)


def _value(c: Candidate, vector: dict[str, Any], name: str) -> object:
    if name == "extensions":
        return dict(c.extensions)
    value = getattr(c, ATTRIBUTE.get(name, name))
    if name in ("transport", "tcptype") and value is not None:
        return value.lower()
    if name == "address" and vector["id"] in ZONED:
        assert "%" in value, "icecheck keeps the zone id"
        return value.partition("%")[0]
    return value


def _check(vector: dict[str, Any], names: set[str]) -> None:
    c = parse_candidate(vector["input"])
    for name in sorted(names):
        expected = vector["expected"].get(name, {} if name == "extensions" else None)
        if name in ("transport", "tcptype") and expected is not None:
            expected = expected.lower()
        assert _value(c, vector, name) == expected, name


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_asserted_fields(vector: dict[str, Any]) -> None:
    _check(vector, _asserted(vector))


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_every_expected_field(vector: dict[str, Any]) -> None:
    """Stronger than the peers: every expected field was read from the string, so icecheck reads it too."""
    _check(vector, set(vector["expected"]))


ORDERED = [v for v in VALID if any(e.startswith("extensions (ordered list:") for e in v["asserted"])]


@pytest.mark.parametrize("vector", ORDERED, ids=_ids(ORDERED))
def test_extension_order(vector: dict[str, Any]) -> None:
    """pion lists every extension in order; icecheck keeps the unknown ones in that order."""
    entry = next(e for e in vector["asserted"] if e.startswith("extensions (ordered list:"))
    pairs = [tuple(p.split("=", 1)) for p in _ordered(entry)]
    c = parse_candidate(vector["input"])
    assert list(c.extensions) == [p for p in pairs if p[0] not in KNOWN]
    for name, value in pairs:
        if name in KNOWN:
            assert str(_value(c, vector, _field(name))) == value, name
