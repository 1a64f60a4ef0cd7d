"""A report side's lists decoded in runs (``jsonstream.JsonReader.runs``, read by ``analysis.diffside``):
the same elements and the same errors as element by element (``values()``) and as ``json.loads``,
wherever a run is cut: inside a string that holds ``},``, inside a nested container, past the
array's end. And ``diffstore.KeyedPair``, rows appended and indexed at the first question, asked
between puts. Time is measured by benchmarks/bench_diff.py, not here."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icecheck.analysis import diffstore
from icecheck.analysis.diff import BadReport, Collector, compare, to_text
from icecheck.analysis.diffside import add_report_file
from icecheck.analysis.diffstore import KeyedPair
from icecheck.inputs import jsonstream, limits
from icecheck.inputs.jsonstream import LARGE, JsonReader, JsonStreamError
from icecheck.severity import Severity

TRICKY = ["},", "}, {", '"},{"a":1}', "]", "[{", "\\", "\n", "é", "😀", "\ud800", "}  ,", "x" * 50]

_text = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)
_element = st.one_of(st.dictionaries(_text, _json, max_size=5), _json)


def _chunks(text: str, size: int) -> Iterator[str]:
    for at in range(0, len(text), size):
        yield text[at : at + size]


def _by_runs(text: str, size: int) -> Any:
    """The document ``{"list": [...], "after": ...}`` with its list read by ``runs()``."""
    r = JsonReader(_chunks(text, size))
    out: dict[str, Any] = {}
    for key in r.members():
        if key != "list":
            out[key] = r.value()
            continue
        elements: list[Any] = []
        for run in r.runs():
            assert run and (run[-1] is not LARGE or len(run) == 1)
            elements.extend(run)
        out[key] = elements
    r.end()
    return out


def _by_values(text: str, size: int) -> Any:
    r = JsonReader(_chunks(text, size))
    out: dict[str, Any] = {}
    for key in r.members():
        out[key] = [v for _, v in r.values()] if key == "list" else r.value()
    r.end()
    return out


def _dumps(value: Any, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return json.dumps(value, indent=rng.choice([None, 1, 4]), ensure_ascii=rng.random() < 0.5)
    return json.dumps(value, separators=(" ,\n", ":"), ensure_ascii=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    elements=st.lists(_element, max_size=30),
    run=st.integers(1, 200),
    size=st.integers(1, 300),
    seed=st.integers(0, 1000),
)
def test_runs_give_the_elements_json_gives(
    monkeypatch: pytest.MonkeyPatch, elements: list[Any], run: int, size: int, seed: int
) -> None:
    monkeypatch.setattr(jsonstream, "RUN", run)
    doc = {"list": elements, "after": [1, {"}": "],"}]}
    text = _dumps(doc, random.Random(seed))
    assert _by_runs(text, size) == json.loads(text) == _by_values(text, size)


BAD = [
    '{"list": [{"a": 1}, {"b": 2},]}',  # a comma before the end
    '{"list": [{"a": 1}, {"b": 2} {"c": 3}]}',  # no comma
    '{"list": [{"a": 1}, {"b": 2}, {"c": tru}, {"d": 4}]}',  # a bad literal after a good run
    '{"list": [{"a": 1}, {"b": "2}, {\\"c\\": 3}]}',  # a string never closed
    '{"list": [{"a": 1}, {"b": "\\q"}, {"c": 3}]}',  # a bad escape
    '{"list": [{"a": 1}, {"b": "\x01"}, {"c": 3}]}',  # a control character in a string
    '{"list": [{"a": 1}, {"b": 2}}, {"c": 3}]}',  # a brace too many
    '{"list": [{"a": 1}, {"b": 2}',  # the text ends
    '{"list": [{"a": 1}, {"b": 2}], "x": [{"c": 3}, {"d": 4}], }',  # a run would cross the list's end
]


@pytest.mark.parametrize("text", BAD)
@pytest.mark.parametrize("run", [1, 7, 30, 1 << 18])
@pytest.mark.parametrize("size", [1, 5, 1000])
def test_a_bad_list_fails_as_element_by_element(
    monkeypatch: pytest.MonkeyPatch, text: str, run: int, size: int
) -> None:
    monkeypatch.setattr(jsonstream, "RUN", run)
    with pytest.raises(JsonStreamError) as by_values:
        _by_values(text, size)
    with pytest.raises(JsonStreamError) as by_runs:
        _by_runs(text, size)
    assert str(by_runs.value) == str(by_values.value)
    assert by_runs.value.line == by_values.value.line


def test_a_run_is_not_fooled_by_braces_and_commas_in_strings() -> None:
    """Every cut a run can choose lies inside a string, or past the list: the elements are still
    the ones ``json.loads`` reads."""
    elements = [{"s": "}," * 1000 + "}", "t": ["}, {" * 100]} for _ in range(400)]
    text = json.dumps({"list": elements, "after": [{"a": "},"}, {"b": "},"}]})
    for size in (1 << 10, 1 << 16):
        assert _by_runs(text, size) == json.loads(text)


def test_elements_longer_than_a_run_come_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonstream, "RUN", 200)
    elements = [{"n": n, "pad": "p" * (300 if n % 5 == 4 else 10)} for n in range(50)]
    text = json.dumps({"list": elements}, indent=2)
    r = JsonReader(_chunks(text, 17))
    lengths = []
    for key in r.members():
        assert key == "list"
        lengths += [len(run) for run in r.runs()]
    assert sum(lengths) == 50 and max(lengths) > 1 and 1 in lengths


def _report(rng: random.Random, n: int) -> dict[str, Any]:
    strings = [*TRICKY, "11.0.0.1", "2001:db8::1"]
    return {
        "schema_version": 1,
        "inputs": [{"path": rng.choice(strings), "status": rng.choice(["ok", "partial", "empty"])}],
        "candidates": [{"type": rng.choice(["host", "srflx", 3]), "address": rng.choice(strings)} for _ in range(n)],
        "parties": [{"label": rng.choice(strings), "addresses": [rng.choice(strings)]} for _ in range(n)],
        "addresses": [
            {"role": rng.choice(["stun-mapped", None]), "address": rng.choice(strings), "origin": {"x": "},"}}
            for _ in range(n)
        ],
        "exposures": [
            {"kind": rng.choice(strings), "value": rng.choice([*strings, None]), "summary": "s"} for _ in range(n)
        ],
        "findings": [
            {"rule": rng.choice(strings), "message": rng.choice(strings), "severity": rng.choice(["low", "high"])}
            for _ in range(n)
        ],
    }


@pytest.mark.parametrize("seed", range(12))
def test_a_report_read_in_runs_diffs_as_decoded_whole(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = random.Random(seed)
    monkeypatch.setattr(jsonstream, "RUN", rng.choice([16, 100, 1 << 18]))
    a, b = _report(rng, 5 + seed * 3), _report(rng, 5 + seed * 3)
    collector = Collector()
    try:
        for side, report in enumerate((a, b)):
            data = _dumps(report, rng).encode("utf-8", "surrogatepass")
            assert add_report_file(collector, side, "AB"[side], io.BytesIO(data))
        assert to_text(collector.diff("A", "B", Severity.LOW)) == to_text(compare(a, b, "A", "B", Severity.LOW))
    finally:
        collector.close()


def test_an_item_that_is_not_an_object_is_named_after_a_run() -> None:
    items = [{"kind": "k", "value": str(n)} for n in range(100)]
    data = json.dumps({"schema_version": 1, "findings": [], "exposures": [*items, 7, *items]}).encode()
    collector = Collector()
    try:
        with pytest.raises(BadReport, match=r"^exposures item 101 is not an object$"):
            add_report_file(collector, 0, "A", io.BytesIO(data))
    finally:
        collector.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("put"), st.integers(0, 1), st.sampled_from("abcdef"), st.integers(0, 3)),
            st.tuples(st.just("clear"), st.integers(0, 1)),
            st.tuples(
                st.just("ask"),
            ),
        ),
        max_size=60,
    ),
    in_memory=st.integers(1, 8),
)
def test_a_spilled_pair_asked_between_puts_answers_as_two_dicts(
    monkeypatch: pytest.MonkeyPatch, steps: list[tuple[Any, ...]], in_memory: int
) -> None:
    """The answers of a spilled pair are made at the first question and made again when rows came or
    went since (puts, ``clear``): asked at any point, they are two dicts' answers."""
    monkeypatch.setattr(limits, "IN_MEMORY", in_memory)
    monkeypatch.setattr(diffstore, "BATCH", 2)
    pair = KeyedPair()
    dicts: tuple[dict[bytes, bytes], dict[bytes, bytes]] = ({}, {})
    try:
        for step in [*steps, ("ask",)]:
            if step[0] == "put":
                _, side, key, value = step
                pair.put(side, key.encode(), bytes([value]))
                dicts[side][key.encode()] = bytes([value])
            elif step[0] == "clear":
                pair.clear(step[1])
                dicts[step[1]].clear()
            else:
                for side in (0, 1):
                    expected = [(k, v) for k, v in dicts[side].items() if k not in dicts[1 - side]]
                    assert pair.count_only(side) == len(expected)
                    assert list(pair.only(side)) == expected
    finally:
        pair.close()
