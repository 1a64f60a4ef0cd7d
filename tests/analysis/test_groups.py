"""``groups.Groups``, ``RefList`` and the distinct-address count (``TextSet``) past
``limits.IN_MEMORY``: spilled to SQLite, they give what they give in memory; and so does a whole
report (issue 11 item 5: a party of a million distinct addresses)."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from hypothesis import given, settings

from icecheck.analysis.groups import Groups, RefList
from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs import limits
from icecheck.inputs.scanner import scan_file
from icecheck.inputs.table import TextSet
from icecheck.render.json_report import write_json
from tests.analysis.test_streamed import _check, _sdp
from tests.conftest import SAMPLES


def _adds(seed: int) -> list[tuple[str | tuple[str, ...], str, int]]:
    rnd = random.Random(seed)
    keys: list[str | tuple[str, ...]] = [f"k{n}" for n in range(30)] + [("a", f"b{n}") for n in range(10)]
    keys += [("same", "same"), ("x\x00y",), "x\x00y", "é\u202e"]
    return [(rnd.choice(keys), f"c{rnd.randint(1, 60)}", rnd.randint(0, 2)) for _ in range(400)]


def _read(adds: list[tuple[str | tuple[str, ...], str, int]]) -> list[tuple[object, tuple[str, ...]]]:
    groups: Groups[str] = Groups(3)
    for n, (key, ref, source) in enumerate(adds):
        if n % 7 == 0:  # a tuple, held as given while its key is new
            groups.add_all(key, (ref, "c5", ref, f"c{n}"), source)  # type: ignore[arg-type]
        else:
            groups.add(key, ref, source)  # type: ignore[arg-type]
    return list(groups.items())


@pytest.mark.parametrize("seed", range(5))
def test_spilled_groups_read_as_in_memory(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    adds = _adds(seed)
    held = _read(adds)
    monkeypatch.setattr(limits, "IN_MEMORY", 7)
    spilled = _read(adds)
    assert spilled == held
    assert len(held) > 30 and any(len(refs) > 3 for _, refs in held)


def test_the_distinct_addresses_are_counted_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """What inference counts its IPv4 hosts with (``Inference.v4``)."""
    monkeypatch.setattr(limits, "IN_MEMORY", 5)
    distinct = TextSet()
    for n in range(10_000):
        distinct.add(f"10.0.{n % 977 // 256}.{n % 977 % 256}")
    assert len(distinct) == 977
    assert distinct._table.in_memory() < 977


def test_ref_list_gives_back_every_ref() -> None:
    refs = ["c1", "a12", "c0", "c007", "x", "", "c99999999999", "c²", "ĉ1", "c1", "zz9"]
    held = RefList()
    for r in refs:
        held.append(r)
    assert list(held) == refs and len(held) == len(refs)
    assert held.odd == ["c0", "c007", "x", "", "c²", "ĉ1", "zz9"]  # kept as text; "c99999999999" packed


def _report(path: Path) -> str:
    doc = scan_file(str(path)).document
    out = io.StringIO()
    write_json(audit([doc], AuditSettings(preset("default"))), 0, out)
    return out.getvalue()


def test_a_spilled_audit_gives_the_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(p for d in ("rules", "real") for p in (SAMPLES / d).rglob("*") if p.is_file())
    held = [_report(p) for p in files]
    monkeypatch.setattr(limits, "IN_MEMORY", 2)
    assert [_report(p) for p in files] == held


def test_every_sample_party_is_the_same_read_once_spilled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "IN_MEMORY", 2)
    files = sorted(p for d in ("rules", "real", "captures") for p in (SAMPLES / d).rglob("*") if p.is_file())
    assert sum(_check([scan_file(str(p)).document]) for p in files) > 100


@settings(max_examples=60, deadline=None, database=None)
@given(_sdp())
def test_a_generated_party_is_the_same_read_once_spilled(text: str) -> None:
    from icecheck.inputs.sdp import parse_sdp_text
    from icecheck.model import Origin

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(limits, "IN_MEMORY", 2)
        _check([parse_sdp_text(text, Origin("gen.sdp"))])
