"""Where a finding's evidence is, read in bounded memory (issue 11 item 5: a finding naming a
million candidates): ``locate.iter_finding_origins``, ``places_of`` and ``what_of`` keep their sets
in ``inputs.table.TextSet``, which spills past ``limits.IN_MEMORY``; they say what the whole
lists said (the reference below is ``places_of`` and ``what_of`` as they were, 2026-12-06,
main 8b2e819), and every report of a large party is the same spilled or not."""

from __future__ import annotations

import random

import pytest

from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs import limits
from icecheck.inputs.scanner import scan_file
from icecheck.model import Finding, Origin
from icecheck.render.locate import MAX_PLACES, MAX_SUBJECTS, finding_origins, places_of, what_of
from icecheck.render.terminal import Detail
from icecheck.report import OutputFormat, render_text


def _reference_places(located: list[Origin]) -> str:
    by_path: dict[str, list[Origin]] = {}
    for o in located:
        by_path.setdefault(o.path, []).append(o)
    parts = []
    for path, group in by_path.items():
        numbers = [str(o.line) for o in group if o.line is not None]
        mark = ":"
        if not numbers:
            numbers, mark = [str(o.packet) for o in group if o.packet is not None], "#"
        numbers = sorted(dict.fromkeys(numbers), key=int)
        more = f"+{len(numbers) - MAX_PLACES}" if len(numbers) > MAX_PLACES else ""
        listed = ",".join(numbers[:MAX_PLACES]) + (f",{more}" if more else "")
        calls = list(dict.fromkeys(o.call for o in group if o.call))
        parts.append(f"{path}{mark}{listed}" if numbers else path + (f" (call {calls[0]})" if len(calls) == 1 else ""))
    return ", ".join(parts)


def _reference_what(finding: Finding, shows: dict[str, str]) -> str:
    named = list(dict.fromkeys(shows[r] for r in finding.evidence if r in shows))
    more = f" and {len(named) - MAX_SUBJECTS} more" if len(named) > MAX_SUBJECTS else ""
    return ", ".join(named[:MAX_SUBJECTS]) + more


def _origins(seed: int) -> tuple[Finding, dict[str, Origin], dict[str, str]]:
    rnd = random.Random(seed)
    where: dict[str, Origin] = {}
    shows: dict[str, str] = {}
    for n in range(1, 400):
        path = rnd.choice(["a.log", "b.pcap", "c\udcff.har", "live"])
        line = rnd.choice([None, rnd.randint(1, 60)]) if path != "b.pcap" else None
        packet = rnd.choice([None, rnd.randint(1, 3000)]) if path != "a.log" else None
        call = rnd.choice([None, "call-1", "call-1", "call-2"]) if path != "a.log" else None
        where[f"c{n}"] = Origin(path, line=line, packet=packet, call=call)
        shows[f"c{n}"] = f"host 10.0.0.{rnd.randint(1, 40)}"
    refs = [f"c{rnd.randint(1, 420)}" for _ in range(900)]  # repeats, and ids nothing locates
    return Finding("ICE010", preset("default").fail_on, "m", tuple(refs)), where, shows


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("held", [None, 3])
def test_places_and_subjects_as_the_whole_lists_said(
    seed: int, held: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if held is not None:
        monkeypatch.setattr(limits, "IN_MEMORY", held)
    finding, where, shows = _origins(seed)
    located = finding_origins(finding, where)
    expected = list(dict.fromkeys(where[r] for r in finding.evidence if r in where))
    assert [(o.path, o.line, o.packet) for o in located] == list(
        dict.fromkeys((o.path, o.line, o.packet) for o in expected)
    )
    assert places_of(iter(located)) == _reference_places(located)
    for path in ("a.log", "b.pcap", "live"):  # one input: lines, packets, or calls only
        one = [o for o in located if o.path == path]
        assert places_of(iter(one)) == _reference_places(one)
    assert what_of(finding, shows) == _reference_what(finding, shows)
    assert "+" in places_of(located) and " more" in what_of(finding, shows)


FORMATS = [OutputFormat.TEXT, OutputFormat.MARKDOWN, OutputFormat.SARIF, OutputFormat.GITHUB, OutputFormat.JSON,
           OutputFormat.MERMAID, OutputFormat.HTML]  # fmt: skip


def _reports(text: str) -> list[str]:
    doc = scan_file("party.log", data=text.encode()).document
    result = audit([doc], AuditSettings(preset("default")))
    assert any(len(f.evidence) > 100 for f in result.findings)  # a finding naming every candidate
    return [render_text(result, fmt, 1) for fmt in FORMATS] + [
        render_text(result, OutputFormat.TEXT, 1, Detail.VERBOSE)
    ]


def test_every_report_of_a_large_party_is_the_same_spilled(monkeypatch: pytest.MonkeyPatch) -> None:
    """A party of 400 distinct host candidates (a shape of ``benchmarks/bench_party.py``), some
    lines repeated: each report with everything held in memory, then with ``limits.IN_MEMORY``
    at 7 (the candidates spooled, the map and the finding's places and subjects spilled)."""
    lines = [f"a=candidate:{i} 1 udp 2122260223 10.0.{i // 256}.{i % 256} {10000 + i} typ host generation 0"
             for i in range(400)]  # fmt: skip
    lines += lines[:30]
    text = "\n".join(lines) + "\n"
    held = _reports(text)
    monkeypatch.setattr(limits, "IN_MEMORY", 7)
    assert _reports(text) == held
    assert "more lines of the map" in held[0] and "party.log:1,2,3,4,5,6,+394: host 10.0.0.0," in held[-1]
    assert "also at party.log:2, party.log:3, party.log:4, party.log:5, party.log:6%0A" in held[3]


def test_an_id_past_int_s_digit_limit_is_looked_up_not_read_as_a_number() -> None:
    """``ById`` reads ``cN`` as the N-th candidate; an id of 5,000 digits (int() refuses more than
    4,300) is an unknown id (KeyError), not a ValueError."""
    from icecheck.analysis.byid import ById

    doc = scan_file("one.log", data=b"a=candidate:1 1 udp 2122260223 192.168.1.5 5000 typ host\n").document
    result = audit([doc], AuditSettings(preset("default")))
    by_id = ById(result, lambda item: item.id)
    assert by_id["c1"] == "c1"
    with pytest.raises(KeyError):
        by_id["c" + "9" * 5000]
