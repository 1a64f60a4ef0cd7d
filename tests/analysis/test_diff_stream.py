"""``icecheck diff`` in bounded memory (issue budget: any input of 200 MB under 300 MB RSS), tested
with the limits lowered in one place, never by timing or measuring memory:

- a side's items are kept by key in a ``diffstore.KeyedPair``, which spills to SQLite past
  ``limits.IN_MEMORY`` keys, and what is gained and lost (items, order, counts, the text and the
  JSON bytes) is what the former in-memory comparison gave (``_reference`` below is it, verbatim
  in substance): dicts keyed by item, a repeated key at its first place with its last value;
- a JSON report side is read with ``inputs.jsonstream`` (lowered ``SMALL``/``BIG`` make every
  list large) and gives what ``json.loads`` of the file gives, repeated and reordered keys too;
  a file that is not a whole JSON report puts nothing.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icecheck.analysis import diffstore
from icecheck.analysis.diff import BadReport, Collector, add_report, compare, json_value, text_lines, to_dict, to_text
from icecheck.analysis.diffside import add_report_file
from icecheck.analysis.diffstore import KeyedPair
from icecheck.inputs import jsonstream, limits
from icecheck.render.json_report import write_streamed
from icecheck.render.safe import json_dumps, safe
from icecheck.severity import Severity

Item = dict[str, Any]

# -- the former comparison (main before this change), kept as the reference ----------------------


def _change(a: list[Item], b: list[Item], key: Callable[[Item], tuple[str, str]]) -> tuple[list[Item], list[Item]]:
    a_items = {key(i): i for i in a}
    b_items = {key(i): i for i in b}
    return [i for k, i in b_items.items() if k not in a_items], [i for k, i in a_items.items() if k not in b_items]


def _addresses(report: Item) -> list[Item]:
    out = [{"where": c.get("type"), "address": c.get("address")} for c in report.get("candidates", [])]
    out += [{"where": a.get("role"), "address": a.get("address")} for a in report.get("addresses", [])]
    return out


def _inputs(report: Item, side: str, statuses: tuple[str, ...]) -> list[str]:
    paths = [str(i.get("path")) for i in report.get("inputs", []) if i.get("status") in statuses]
    return [p if p == side else f"{side}: {p}" for p in paths]


def _reference(a: Item, b: Item, fail_on: Severity, allow_partial: bool) -> tuple[str, str]:
    """(text, JSON) as ``icecheck diff`` wrote them before: everything held."""
    exposures = _change(
        a.get("exposures", []),
        b.get("exposures", []),
        lambda e: (str(e.get("kind")), str(e.get("value") if e.get("value") is not None else e.get("summary"))),
    )
    findings = _change(
        a.get("findings", []), b.get("findings", []), lambda f: (str(f.get("rule")), str(f.get("message")))
    )
    addresses = _change(_addresses(a), _addresses(b), lambda x: (str(x.get("where")), str(x.get("address"))))
    unread = (*_inputs(a, "A", ("unreadable", "empty")), *_inputs(b, "B", ("unreadable", "empty")))
    partial = (*_inputs(a, "A", ("partial",)), *_inputs(b, "B", ("partial",)))
    gating = [f for f in findings[0] if Severity(f["severity"]).rank >= fail_on.rank]
    code = 2 if unread or (partial and not allow_partial) else 1 if gating else 0
    as_dict = {
        "schema_version": 1,
        "a": "A",
        "b": "B",
        "fail_on": fail_on.value,
        "exposures": {"gained": exposures[0], "lost": exposures[1]},
        "findings": {"gained": findings[0], "lost": findings[1]},
        "addresses": {"gained": addresses[0], "lost": addresses[1]},
        "gating": len(gating),
        "exit_code": code,
    }
    lines = ["icecheck diff: A → B"]
    sections: tuple[tuple[str, tuple[list[Item], list[Item]], Callable[[Item], str]], ...] = (
        ("Exposures", exposures, lambda e: f"[{e.get('kind')}] {e.get('summary')}"),
        ("Findings", findings, lambda f: f"{str(f.get('severity')).upper():6} {f.get('rule')} {f.get('message')}"),
        ("Addresses", addresses, lambda x: f"{x.get('where')} {x.get('address')}"),
    )
    for title, change, show in sections:
        for word, sign, items in (("gained", "+", change[0]), ("lost", "-", change[1])):
            if items:
                lines.append(f"{title} {word} ({len(items)}):")
                lines += [f"  {sign} {safe(show(i))}" for i in items]
    problems = "".join(
        f"; {len(paths)} input{'s' * (len(paths) != 1)} {what}: {', '.join(safe(p) for p in paths)}"
        for what, paths in (("not read", unread), ("partly read", partial))
        if paths
    )
    if partial:
        problems += " (allowed by --allow-partial)" if allow_partial else " (not allowed without --allow-partial)"
    lines.append(
        f"{len(exposures[0])} exposures gained, {len(exposures[1])} lost; "
        f"{len(findings[0])} findings gained ({len(gating)} at or above {fail_on.value}), "
        f"{len(findings[1])} lost{problems} → exit {code}"
    )
    return "\n".join(lines) + "\n", json_dumps(as_dict) + "\n"


# -- random reports with repeated keys ------------------------------------------------------------

_WORDS = ["203.0.113.7", "10.0.0.1", "fe80::1", "x", "", "\x1b[31mred", "\u202eevil", "a\nb", "\ud800", "é"]


def _report(rng: random.Random, n: int) -> Item:
    """A report of about ``n`` items of each kind, drawn from few words: keys repeat, values differ."""

    def word() -> str:
        return rng.choice(_WORDS)

    def exposure() -> Item:
        value = rng.choice([None, word()])
        evidence = [f"c{rng.randint(1, 9)}" for _ in range(rng.randint(0, 3))]
        kind = rng.choice(["public-address", "mdns", "lan"])
        return {"kind": kind, "summary": word(), "value": value, "evidence": evidence, "party": rng.random()}

    def finding() -> Item:
        return {"rule": rng.choice(["ICE001", "ICE005"]), "severity": rng.choice(["info", "low", "medium", "high"]),
                "message": word(), "evidence": [rng.randint(0, 2**70)], "title": None}  # fmt: skip

    return {
        "schema_version": 1,
        "inputs": [
            {"path": rng.choice(["A", "B", "in.pcap", "\x1bx"]), "status": rng.choice(["ok", "partial", "empty"])}
            for _ in range(rng.randint(0, 3))
        ],
        "candidates": [{"type": rng.choice(["host", "srflx"]), "address": word()} for _ in range(rng.randint(0, n))],
        "addresses": [{"role": rng.choice(["via", "host"]), "address": word()} for _ in range(rng.randint(0, n))],
        "exposures": [exposure() for _ in range(rng.randint(0, n))],
        "findings": [finding() for _ in range(rng.randint(0, n))],
    }


def _streamed(d: Any) -> tuple[str, str]:
    text = "".join(line + "\n" for line in text_lines(d))
    out = io.StringIO()
    write_streamed(json_value(d), out)
    return text, out.getvalue() + "\n"


@pytest.mark.parametrize("in_memory", [1, 5, 50_000])
@pytest.mark.parametrize("seed", range(30))
def test_the_streamed_diff_is_the_in_memory_one(monkeypatch: pytest.MonkeyPatch, seed: int, in_memory: int) -> None:
    monkeypatch.setattr(limits, "IN_MEMORY", in_memory)
    rng = random.Random(seed)
    a, b = _report(rng, 3 + seed), _report(rng, 3 + seed)
    if seed % 3 == 0:
        b["candidates"] = a["candidates"][: len(a["candidates"]) // 2] + b["candidates"]
    fail_on = rng.choice(list(Severity))
    allow = rng.random() < 0.5
    d = compare(a, b, "A", "B", fail_on, allow)
    assert _streamed(d) == _reference(a, b, fail_on, allow)
    assert to_text(d) == _reference(a, b, fail_on, allow)[0] and json_dumps(to_dict(d)) + "\n" == _streamed(d)[1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    a=st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 3)), max_size=40),
    b=st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 3)), max_size=40),
    in_memory=st.integers(1, 20),
)
def test_a_keyed_pair_keeps_a_dicts_order_and_last_values(
    monkeypatch: pytest.MonkeyPatch, a: list[tuple[str, int]], b: list[tuple[str, int]], in_memory: int
) -> None:
    monkeypatch.setattr(limits, "IN_MEMORY", in_memory)
    monkeypatch.setattr(diffstore, "BATCH", 3)
    pair = KeyedPair()
    try:
        for side, items in enumerate((a, b)):
            for k, v in items:
                pair.put(side, k.encode(), bytes([v]))
        da, db = ({k.encode(): bytes([v]) for k, v in a}, {k.encode(): bytes([v]) for k, v in b})
        assert list(pair.only(1)) == [(k, v) for k, v in db.items() if k not in da]
        assert list(pair.only(0)) == [(k, v) for k, v in da.items() if k not in db]
        assert pair.count_only(1) == len([k for k in db if k not in da])
        assert pair.spilled() == (len(da) + len(db) > in_memory)
    finally:
        pair.close()


def test_past_the_bound_the_keys_are_on_disk_and_few_are_held(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``limits.IN_MEMORY`` keys, at most ``BATCH`` rows wait in memory, whatever the count."""
    monkeypatch.setattr(limits, "IN_MEMORY", 100)
    collector = Collector()
    sides: list[dict[str, None]] = [{}, {}]
    try:
        for side in (0, 1):
            for n in range(5000):
                address = f"198.18.{n >> 8}.{(n + side * 7) & 255}"
                collector.add_address(side, "stun-mapped", address)
                sides[side][address] = None
        pair = collector.pairs["addresses"]
        assert pair.spilled() and not any(pair._dicts)
        assert all(len(rows) < diffstore.BATCH for rows in pair._pending)
        d = collector.diff("A", "B", Severity.HIGH)
        gained = [x for x in sides[1] if x not in sides[0]]
        lost = [x for x in sides[0] if x not in sides[1]]
        assert d.addresses.gained_count == len(gained) and d.addresses.lost_count == len(lost) and gained
        assert [i["address"] for i in d.addresses.gained()] == gained
        assert [i["address"] for i in d.addresses.lost()] == lost
    finally:
        collector.close()


# -- a report read in parts -----------------------------------------------------------------------


@pytest.fixture
def large_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every value of more than a few characters is large: read member by member, item by item."""
    monkeypatch.setattr(jsonstream, "SMALL", 64)
    monkeypatch.setattr(jsonstream, "BIG", 128)
    monkeypatch.setattr(jsonstream, "CHUNK", 97)
    monkeypatch.setattr(jsonstream, "_FIRST_TRY", 16)


def _read_file(data: bytes, side: int = 1) -> tuple[bool, Collector]:
    collector = Collector()
    return add_report_file(collector, side, "B", io.BytesIO(data)), collector


def _diff_of(collector: Collector) -> tuple[str, str]:
    return _streamed(collector.diff("A", "B", Severity.LOW))


@pytest.mark.usefixtures("large_lists")
@pytest.mark.parametrize("seed", range(20))
def test_a_report_read_in_parts_is_the_report_decoded_whole(seed: int) -> None:
    rng = random.Random(seed)
    report = _report(rng, 4 + seed)
    report["notes"] = ["x" * rng.randint(0, 300)]
    data = json_dumps(report).encode("utf-8", "surrogatepass") if seed % 2 else json.dumps(report).encode("utf-16")
    found, collector = _read_file(data)
    try:
        assert found
        whole = Collector()
        add_report(whole, 1, "B", json.loads(data))
        assert _diff_of(collector) == _diff_of(whole) == _reference({}, json.loads(data), Severity.LOW, False)
    finally:
        collector.close()


@pytest.mark.usefixtures("large_lists")
def test_repeated_and_reordered_keys_count_as_json_loads_counts_them() -> None:
    """The last of a repeated key counts; candidates come before addresses whatever the file's order."""
    c = [{"type": "host", "address": f"10.0.0.{i}"} for i in range(5)]
    x = [{"role": "via", "address": f"10.0.0.{i}"} for i in range(3, 9)]
    e1 = [{"kind": "lan", "summary": "first list, dropped " * 5, "value": None}]
    e2 = [{"kind": "lan", "summary": f"kept {i} " * 5, "value": "v"} for i in range(4)]
    text = (
        '{"addresses": ' + json.dumps(x) + ', "exposures": ' + json.dumps(e1) + ', "schema_version": 1,'
        ' "candidates": ' + json.dumps(c[:2]) + ', "findings": [], "exposures": ' + json.dumps(e2) + ","
        ' "candidates": ' + json.dumps(c) + "}"
    )
    found, collector = _read_file(text.encode())
    try:
        assert found
        assert _diff_of(collector) == _reference({}, json.loads(text), Severity.LOW, False)
    finally:
        collector.close()


@pytest.mark.usefixtures("large_lists")
def test_a_report_without_candidates_is_read_once_for_its_addresses() -> None:
    x = [{"role": "via", "address": f"10.0.0.{i}"} for i in range(9)]
    text = '{"addresses": ' + json.dumps(x + x[:3]) + ', "exposures": [], "schema_version": 1, "findings": []}'
    found, collector = _read_file(text.encode())
    try:
        assert found
        assert _diff_of(collector) == _reference({}, json.loads(text), Severity.LOW, False)
        assert collector.diff("A", "B", Severity.LOW).addresses.gained_count == 9
    finally:
        collector.close()


@pytest.mark.usefixtures("large_lists")
@pytest.mark.parametrize(
    "text",
    [
        '{"schema_version": 1, "exposures": [], "findings": [' + '{"rule": "r"},' * 50,  # cut short
        '{"schema_version": 1, "exposures": [], "findings": []} {}',  # extra data
        '{"schema_version": 1, "exposures": [' + '{"kind": "lan"},' * 20 + '{}], "candidates": []}',  # no findings
        '["schema_version", "exposures", "findings"]',
        "",
        "\xff\xfe{",
    ],
)
def test_what_is_not_a_whole_report_puts_nothing(text: str) -> None:
    found, collector = _read_file(text.encode("latin-1"))
    try:
        assert not found
        assert all(not list(p.only(1)) for p in collector.pairs.values()) and not any(collector.problems[1].values())
    finally:
        collector.close()


@pytest.mark.usefixtures("large_lists")
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"schema_version": 1, "exposures": null, "findings": []}', "exposures is not a list"),
        ('{"schema_version": 1, "exposures": [], "findings": [' + "{}," * 40 + "3]}", "findings item 41 is not"),
        ('{"schema_version": 1, "exposures": [], "findings": [], "candidates": "' + "x" * 300 + '"}', "candidates"),
    ],
)
def test_a_report_whose_lists_are_not_lists_of_objects_is_bad_input(text: str, problem: str) -> None:
    collector = Collector()
    try:
        with pytest.raises(BadReport, match=problem):
            add_report_file(collector, 0, "A", io.BytesIO(text.encode()))
    finally:
        collector.close()
