"""Large JSON read in parts (``jsonstream``, ``jsonlarge``): the same values and errors as ``json``,
and the hostile inputs of issue 11 item 5 (scaled down) read in full.

Memory and time are measured by benchmarks/bench_json.py, not here: these tests assert results.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icecheck.inputs import candidate, jsonlarge, jsonstream
from icecheck.inputs.jsonstream import LARGE, JsonReader, JsonStreamError
from icecheck.inputs.scanner import scan_file
from icecheck.model import InputDocument, InputKind, InputStatus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    """Limits small enough that every container and string of a test document is large."""
    monkeypatch.setattr(jsonstream, "SMALL", 16)
    monkeypatch.setattr(jsonstream, "BIG", 64)
    monkeypatch.setattr(jsonstream, "_FIRST_TRY", 4)
    monkeypatch.setattr(jsonstream, "PIECE", 5)


def _chunks(text: str, size: int) -> Iterator[str]:
    for at in range(0, len(text), size):
        yield text[at : at + size]


def _rebuild(r: JsonReader) -> Any:
    """The value at the cursor, built from the parts the reader gives."""
    value = r.value()
    if value is not LARGE:
        return value
    head = r.peek()
    if head == "{":
        return {key: _rebuild(r) for key in r.members()}
    if head == "[":
        return [_rebuild(r) for _ in r.items()]
    return "".join(r.string_pieces())


def _read(text: str, size: int) -> Any:
    r = JsonReader(_chunks(text, size))
    value = _rebuild(r)
    r.end()
    return value


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)) | st.sampled_from(["\ud800", "\udfff", '"', "\\", "\n"]))
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(_TEXT, inner, max_size=6),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_JSON, ascii_only=st.booleans(), indent=st.sampled_from([None, 0, 2]), size=st.integers(1, 40))
def test_parts_rebuild_what_json_decodes(
    tiny: None, value: Any, ascii_only: bool, indent: int | None, size: int
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    assert _read(text, size) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        '"\\ud83d\\ude00 pair, \\ud800 lone high, \\udc00 lone low, \\u00e9, \\\\ud83d not an escape"',
        '"' + "\\ud83d\\ude00" * 40 + '"',
        '"' + "\\ud83d" * 40 + '"',
        '{"k": "' + "\\\\" * 50 + '", "l": ["\\"", "\\/", "\\b\\f\\n\\r\\t"]}',
        " [1.5e300, -0, 1E-7, true, false, null, NaN, -Infinity] ",
    ],
)
@pytest.mark.parametrize("size", [1, 2, 7, 1000])
def test_escapes_and_surrogates_as_json_decodes_them(tiny: None, text: str, size: int) -> None:
    assert _read(text, size) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a" 1}',
        "[1,]",
        '{"a": 1,}',
        "[1 2]",
        '"unterminated',
        '{"a": "\\x"}',
        "[1] 2",
        '{"a": "\x01"}',
        '{"a": [1, 2, {"b": "cc\nc"}]}',
        "\n\n  [\n 1,\n 2\n ,]",
        '["a", "\\u12"]',
        "{",
        "",
    ],
)
@pytest.mark.parametrize("size", [1, 3, 1000])
def test_errors_say_what_json_says_where_it_says(tiny: None, text: str, size: int) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(JsonStreamError) as got:
        _read(text, size)
    assert got.value.message == str(expected.value)
    assert got.value.line == expected.value.lineno


_DOC = json.dumps({"a": ["\ud83d\ude00x", 1.5e10, None, {"b": '\\"q\n'}], "c": {"d": [True, False, -0.5]}}, indent=1)
_EDITS = st.lists(
    st.tuples(
        st.integers(0, len(_DOC)),
        st.sampled_from(["del", "cut", *'{}[]",:\\ \n0eE.-+tu', "\\u", "\\ud83d", "null", "\x01"]),
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=_EDITS, size=st.sampled_from([1, 3, 10, 1000]))
def test_damaged_json_gives_what_json_gives(tiny: None, edits: list[tuple[int, str]], size: int) -> None:
    """The same value, or the same error at the same place, as ``json.loads`` on damaged text."""
    text = _DOC
    for at, edit in edits:
        at = min(at, len(text))
        text = (
            text[:at] + text[at + 1 :]
            if edit == "del"
            else text[:at]
            if edit == "cut"
            else text[:at] + edit + text[at:]
        )
    try:
        expected: tuple[str, Any] = ("value", json.loads(text))
    except json.JSONDecodeError as exc:
        expected = ("error", str(exc))
    try:
        got: tuple[str, Any] = ("value", _read(text, size))
    except JsonStreamError as exc:
        got = ("error", exc.message)
    assert got == expected


def test_large_containers_nest_only_so_deep(tiny: None) -> None:
    text = "[" * 300 + "1" + "]" * 300
    with pytest.raises(JsonStreamError, match="nested deeper"):
        _read(text, 50)


# -- documents scanned -------------------------------------------------------------------------


def _candidate(i: int, prefix: str = "a=") -> str:
    return f"{prefix}candidate:{i} 1 udp 2122260223 10.9.{i >> 8 & 255}.{i & 255} {_port(i)} typ host"


def _port(i: int) -> int:
    return 10000 + i % 50000


def _ports(doc: InputDocument) -> set[int]:
    return {c.candidate.port for c in doc.candidates}


def _same(a: InputDocument, b: InputDocument) -> None:
    assert (a.kind, a.status, a.end_of_candidates) == (b.kind, b.status, b.end_of_candidates)
    assert a.diagnostics == b.diagnostics
    assert [(c.candidate, c.origin, c.context, c.count) for c in a.candidates] == [
        (c.candidate, c.origin, c.context, c.count) for c in b.candidates
    ]


def test_one_huge_string_of_log_lines_is_read_in_parts(tmp_path: Path) -> None:
    """Issue 11 item 5: ``{"log": "<200 MB of text with a=candidate lines>"}``, here just over
    ``BIG``: the string is never decoded whole, and every candidate line in it is found."""
    noise = "2026-12-06T04:00:00Z INFO stats tick bytesSent=1000 packetsLost=0\\n" * 4000
    parts, count = ['{"note": "x", "log": "'], 0
    while sum(map(len, parts)) <= jsonstream.BIG + (1 << 20):
        parts += [noise, f"onicecandidate {_candidate(count)}\\r\\n"]
        count += 1
    parts.append('"}')
    path = tmp_path / "string.json"
    path.write_text("".join(parts))
    doc = scan_file(str(path)).document
    assert (doc.kind, doc.status) == (InputKind.JSON, InputStatus.OK)
    assert _ports(doc) == {_port(i) for i in range(count)}
    first = min(doc.candidates, key=lambda c: c.candidate.port)
    assert first.origin.detail == "$.log line 4001, text@15"


def test_a_line_longer_than_a_part_keeps_the_candidate_at_the_cut(tmp_path: Path) -> None:
    """No newline in the string: the text is cut before a candidate, never through it. The piece
    from the cut is one candidate line whose tail is the next megabyte, longer than a candidate
    may be (``candidate.MAX_LENGTH``, issue 11's memory budget): the candidate is named malformed
    there (a cut through it would leave no candidate at all); ended by a newline, it is read."""
    text = "x" * (jsonlarge.MAX_LINE - 20) + " " + _candidate(7) + " " + "y" * (jsonstream.BIG + 100)
    path = tmp_path / "oneline.json"
    path.write_text(json.dumps({"log": text}))
    doc = scan_file(str(path)).document
    assert _ports(doc) == set()
    assert [d.message.split(" (")[0] for d in doc.diagnostics] == [
        f"malformed candidate: candidate longer than {candidate.MAX_LENGTH} characters, "
        "the most icecheck reads: not audited"
    ]
    text = "x" * (jsonlarge.MAX_LINE - 20) + " " + _candidate(7) + " y\n" + "y" * (jsonstream.BIG + 100)
    path.write_text(json.dumps({"log": text}))
    assert _ports(scan_file(str(path)).document) == {10007}


def _har(entries: int, broken_at: int | None = None) -> str:
    out = []
    for i in range(entries):
        if i % 1000 == 0:
            body = json.dumps({"candidate": _candidate(i, ""), "sdpMid": "0", "sdpMLineIndex": 0})
            post = {"mimeType": "application/json", "text": body}
            out.append(json.dumps({"request": {"method": "POST", "url": "https://sfu.example/t", "postData": post}}))
        else:
            out.append(f'{{"request":{{"url":"/{i}"}}}}')
        if i == broken_at:
            out[-1] = out[-1][:-1]  # an entry's closing brace lost
    return '{"log": {"version": "1.2", "entries": [\n' + ",\n".join(out) + "\n]}}\n"


def test_a_har_of_many_entries_is_read_one_entry_at_a_time_as_when_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11 item 5: a HAR of a million tiny entries, here 100,000 (over ``MAX_STRUCTURE``
    values, so read in parts): the same document as when decoded whole."""
    path = tmp_path / "entries.har"
    path.write_text(_har(100_000))
    parts = scan_file(str(path)).document
    assert (parts.kind, parts.status) == (InputKind.HAR, InputStatus.OK)
    assert _ports(parts) == {_port(i) for i in range(0, 100_000, 1000)}
    monkeypatch.setattr(jsonstream, "MAX_STRUCTURE", 10**9)  # decoded whole, as before
    _same(parts, scan_file(str(path)).document)


def test_a_large_malformed_har_names_the_line_and_keeps_what_came_before(tmp_path: Path) -> None:
    path = tmp_path / "broken.har"
    path.write_text(_har(100_000, broken_at=50_500))
    doc = scan_file(str(path)).document
    assert doc.status is InputStatus.PARTIAL
    assert _ports(doc) == {_port(i) for i in range(0, 50_001, 1000)}
    (diag,) = doc.diagnostics
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(path.read_text())
    assert diag.message == f"invalid JSON: {expected.value}"  # line 50503 column 1: where json finds it
    assert diag.origin.line == expected.value.lineno == 50_503


def test_the_cli_reports_a_large_malformed_document_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.har"
    path.write_text(_har(100_000, broken_at=20_000))
    command = [sys.executable, "-m", "icecheck", "scan", "--offline", "--format", "json", str(path)]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2  # no finding, but 80,000 entries after the damage were not read: fails closed
    assert "Traceback" not in proc.stderr
    (doc,) = json.loads(proc.stdout)["inputs"]
    assert doc["status"] == "partial"
    assert [d["line"] for d in doc["diagnostics"]] == [20_003]
    assert len(json.loads(proc.stdout)["candidates"]) == 20  # entries 0, 1000 … 19000; 20000 is the broken one


def _internals(events: int) -> str:
    log = []
    for i in range(events):
        if i % 100 == 0:
            value = f"sdpMid: 0, sdpMLineIndex: 0, candidate: {_candidate(i, '')}"
            log.append({"time": "4:00:00 AM", "type": "icecandidate", "value": value})
        else:
            log.append({"time": "4:00:00 AM", "type": "iceconnectionstatechange", "value": "checking"})
    stats = {
        "Ix-address": {"statsType": "local-candidate", "values": '["10.9.255.1"]'},
        "Ix-port": {"statsType": "local-candidate", "values": "[9]"},
        "Ix-candidateType": {"statsType": "local-candidate", "values": '["host"]'},
        "Ix-networkType": {"statsType": "local-candidate", "values": '["wifi"]'},
    }
    pc = {"stats": stats, "updateLog": log, "url": "https://meet.example/"}  # stats first, as Chrome writes them
    return json.dumps({"getUserMedia": [], "PeerConnections": {"1-1": pc, "1-2": {"updateLog": log[:3]}}})


def test_a_large_webrtc_internals_dump_reads_events_then_stats_as_when_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "internals.json"
    path.write_text(_internals(80_000))
    parts = scan_file(str(path)).document
    assert (parts.kind, parts.status) == (InputKind.WEBRTC_INTERNALS, InputStatus.OK)
    assert _ports(parts) == {_port(i) for i in range(0, 80_000, 100)} | {9}
    monkeypatch.setattr(jsonstream, "MAX_STRUCTURE", 10**9)
    _same(parts, scan_file(str(path)).document)


def test_any_large_json_is_walked_member_by_member_as_when_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = [
        {"type": "trickle", "candidate": {"candidate": _candidate(i, ""), "sdpMid": "a", "sdpMLineIndex": 1}}
        if i % 50 == 0
        else {"type": "ping", "n": [i, i]}
        for i in range(60_000)
    ]
    doc = {"session": "s", "messages": messages, "ice": {"address": "10.8.0.1", "port": 9, "type": "srflx"}}
    path = tmp_path / "any.json"
    path.write_text(json.dumps(doc))
    parts = scan_file(str(path)).document
    assert parts.kind is InputKind.JSON
    assert len(parts.candidates) == 1201
    monkeypatch.setattr(jsonstream, "MAX_STRUCTURE", 10**9)
    _same(parts, scan_file(str(path)).document)


def test_a_har_entry_of_many_websocket_messages_is_read_message_by_message_as_when_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long call's signalling socket: one entry over ``MAX_STRUCTURE`` values, its messages read
    one at a time, labelled by its request as when the entry is decoded whole."""
    messages = []
    for j in range(60_000):
        data = json.dumps({"candidate": _candidate(j, ""), "sdpMid": "0"}) if j % 1000 == 0 else "ping"
        messages.append({"type": "send" if j % 2 else "receive", "time": 1.0 + j, "opcode": 1, "data": data})
    entry = {
        "request": {"method": "GET", "url": "wss://sig.example/ws"},
        "response": {"status": 101, "content": {}},
        "_webSocketMessages": messages,
    }
    path = tmp_path / "ws.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": [{"request": {"url": "/"}}, entry]}}))
    parts = scan_file(str(path)).document
    assert (parts.kind, parts.status) == (InputKind.HAR, InputStatus.OK)
    assert _ports(parts) == {_port(j) for j in range(0, 60_000, 1000)}
    assert {c.origin.call for c in parts.candidates} == {"ws wss://sig.example/ws (entry 1)"}
    monkeypatch.setattr(jsonstream, "MAX_STRUCTURE", 10**9)
    _same(parts, scan_file(str(path)).document)
