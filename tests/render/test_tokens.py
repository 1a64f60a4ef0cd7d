"""No token is ever broken, at any width from 40 to 250 cells, piped or on a terminal.

Hypothesis picks a width and a sample (a file, or a whole folder of samples as one multi-input
report); every cell of the candidate and address tables must appear whole on one line of its
row, and every word of the rest of the report (findings' places, exposures, the map) whole on
some line. Free text is at most 100 cells wide; the findings and the attacker's picture never
share a sentence; ``-q`` stops after the findings.
"""

from __future__ import annotations

import os
import re
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs.scanner import scan_inputs
from icecheck.model import AuditResult, InputDocument, InputKind, InputStatus
from icecheck.render.layout import PARAGRAPH
from icecheck.render.locate import finding_origins, origins, places_of
from icecheck.render.terminal import Detail, render
from tests.cli.test_terminal_width import tty
from tests.conftest import SAMPLES, run_cli

CHOICES = [
    "captures",
    "real",
    "rules",
    "captures/baresip-sip-trace.log",
    "captures/proxy-any-sll2.pcapng.gz",
    "captures/browser-websocket.har",
    "real/firefox-esr-raw.sdp",
    "rules/ICE003.sdp",
    "rules/ICE016.sdp",
]


@cache
def audited(choice: str) -> AuditResult:
    run = scan_inputs([str(SAMPLES / choice)])
    skipped = [InputDocument(p, InputKind.UNKNOWN, InputStatus.SKIPPED) for p in run.skipped]
    docs = [o.document for o in run.outputs] + skipped
    return audit(docs, AuditSettings(preset("default")))


def _where(result: AuditResult, path: str, line: int | None, packet: int | None) -> str:
    """The table's place cell, as a reader expects it: ``name:line``, ``name#packet`` or the name."""
    several = len({c.record.origin.path for c in result.candidates} | {a.record.origin.path for a in result.addresses})
    name = os.path.basename(path) if several > 1 else ""
    if line is not None:
        return f"{name}:{line}" if name else str(line)
    return f"{name}#{packet}" if packet is not None else name


def _rows(lines: list[str], prefix: str) -> dict[str, list[str]]:
    """Each table row's lines (the row line and those below it), by id, for ids starting ``prefix``."""
    rows: dict[str, list[str]] = {}
    current: list[str] | None = None
    pattern = re.compile(rf"^  ({prefix}\d+) ")
    for line in lines:
        m = pattern.match(line)
        if m:
            current = rows.setdefault(m.group(1), [])
        elif not line.startswith("      ") or not line.strip():
            current = None
        if current is not None:
            current.append(line)
    return rows


def _whole(token: str, lines: list[str]) -> bool:
    return any(token in line for line in lines)


def _section(lines: list[str], title: str) -> list[str]:
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    return lines[start:end]


@settings(max_examples=60, deadline=None)
@given(width=st.integers(min_value=40, max_value=250), choice=st.sampled_from(CHOICES))
def test_no_cell_and_no_word_is_ever_broken(width: int, choice: str) -> None:
    result = audited(choice)
    lines = render(result, 1, width).plain.splitlines()
    table = lines[lines.index("Candidates") :] if result.candidates else []
    rows = _rows(table, "c")
    for c in result.candidates:
        cand, o = c.record.candidate, c.record.origin
        cells = [cand.address, str(cand.port), f"{cand.type}/{cand.transport.lower()}", c.facts.address_class.value]
        cells.append(_where(result, o.path, o.line, o.packet))
        for cell in filter(None, cells):
            assert _whole(cell, rows[c.id]), (width, c.id, cell, rows[c.id])
    rows = _rows(lines[lines.index("Addresses outside candidates") :] if result.addresses else [], "a")
    for a in result.addresses:
        o = a.record.origin
        for cell in filter(None, [a.record.address, a.record.role.value, _where(result, o.path, o.line, o.packet)]):
            assert _whole(cell, rows[a.id]), (width, a.id, cell, rows[a.id])
    where = origins(result)
    words = {w for f in result.findings for w in places_of(finding_origins(f, where)).split()}
    words |= {w for e in result.exposures for w in e.summary.split()}
    words |= {w for c in result.candidates for w in c.record.origin.path.split()}
    for word in words:
        assert _whole(word, lines), (width, word)
    for title in ("Findings", "What an attacker learns"):
        assert max(len(line) for line in _section(lines, title)) <= max(PARAGRAPH, len(max(words, key=len)) + 8)


@settings(max_examples=15, deadline=None)
@given(width=st.integers(min_value=40, max_value=250), choice=st.sampled_from(CHOICES))
def test_findings_and_the_attackers_picture_never_share_a_sentence(width: int, choice: str) -> None:
    result = audited(choice)
    lines = render(result, 1, width).plain.splitlines()
    findings = " ".join(" ".join(_section(lines, "Findings")).split())
    learns = " ".join(" ".join(_section(lines, "What an attacker learns")).split()) if result.exposures else ""
    for e in result.exposures:
        assert e.summary in learns and e.summary not in findings
    for f in result.findings:
        assert f.message.split(": ")[-1] not in findings or not f.message.split(": ")[-1].endswith(".")


def test_the_verdict_comes_first_then_the_findings_with_their_places_then_the_rest() -> None:
    result = audited("captures")
    lines = render(result, 1, 160).plain.splitlines()
    assert lines[0].startswith("icecheck: FAIL — ") and lines[0].endswith("(policy default) → exit 1")
    order = [lines.index(t) for t in ("Findings", "What an attacker learns", "Candidates", "Server and lookup attempts")
             if t in lines]  # fmt: skip
    assert order == sorted(order) and lines.index("Findings") < 5
    text = " ".join(" ".join(lines).split())
    assert f"• {SAMPLES}/captures/baresip-sip-trace.log:95,97: relay 203.0.113.10 raddr 192.168.77.10 •" in text
    assert any(line.startswith(f"    • {SAMPLES}/captures/sip-tcp-sll.pcap#12: ") for line in lines)  # a packet
    assert any(line.startswith("    fix: ") for line in lines) and lines[-1] == lines[0]
    quiet = render(result, 1, 160, Detail.QUIET).plain.splitlines()
    assert quiet == lines[: len(quiet)] and "What an attacker learns" not in quiet and "Candidates" not in quiet
    verbose = render(result, 1, 160, Detail.VERBOSE).plain.splitlines()
    assert "[c3, c5]" in "".join(_section(verbose, "Findings"))  # the findings' ids only with -v
    assert "[c3, c5]" not in "".join(_section(lines, "Findings"))


def test_a_terminal_shows_the_lines_a_pipe_gets_only_styled() -> None:
    args = ["scan", "--offline", "--no-config", str(SAMPLES / "captures")]
    for columns in (40, 97):
        piped = run_cli(*args, env={"COLUMNS": str(columns)}).stdout
        assert tty(*args, columns=columns)[0] == piped
