"""Every output format renders; GitHub, Markdown and JUnit escape what the input controls."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from icecheck.analysis.links import rule_url
from icecheck.analysis.policy import preset
from icecheck.analysis.rules import CATALOGUE
from icecheck.audit import AuditSettings, audit
from icecheck.exitcodes import ExitCode
from icecheck.inputs.sdpfile import read_sdp_path
from icecheck.model import AuditResult, Finding, Origin
from icecheck.render.github import annotation, escape_data, escape_property
from icecheck.render.markdown import md
from icecheck.report import OutputFormat, exit_code, render_text
from icecheck.severity import Severity
from tests.conftest import SAMPLES, run_cli

CHROMIUM = SAMPLES / "real" / "chromium-default-mdns.sdp"
HOSTILE = (
    b"v=0\r\n"
    b"a=candidate:1 1 udp 2122260223 192.168.1.23 5 typ host\r\n"
    b"a=candidate:2 1 udp 2122260223 a%0A::error::x,b:c|d*e_[link](http://x)@team<b>&`.local 5 typ host\r\n"
    b"a=candidate:3 1 udp 2122260223 jane\x1b[31m\r\n-laptop.local 5 typ host\r\n"
)


def result_for(path: Path, policy: str = "default") -> AuditResult:
    return audit([read_sdp_path(str(path))], AuditSettings(preset(policy)))


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=str)
def test_every_format_renders_every_kind_of_result(fmt: OutputFormat, tmp_path: Path) -> None:
    empty = tmp_path / "empty.sdp"
    empty.write_text("v=0\n")
    for path in (CHROMIUM, SAMPLES / "rules" / "clean-relay-only.sdp", empty, tmp_path / "missing.sdp"):
        result = result_for(path)
        text = render_text(result, fmt, int(exit_code(result)))
        assert text.strip(), f"{fmt} rendered nothing for {path.name}"
    text = render_text(result_for(CHROMIUM), fmt, 1)
    assert "203.0.113.1" in text
    if fmt is not OutputFormat.MERMAID:  # the map alone: no findings in it
        assert "ICE006" in text


def test_format_choice_is_the_enum() -> None:
    help_text = run_cli("sdp", "--help").stdout
    for fmt in OutputFormat:
        assert fmt.value in help_text


def test_json_text_escapes_a_lone_surrogate() -> None:
    """A JSON input's ``"\\udfff"`` decodes to a lone surrogate, which no UTF-8 stream takes: the JSON
    report writes it as the escape it came as (it was an internal error, exit 3)."""
    from icecheck.render.safe import json_dumps, json_text

    assert json_text('"a\udfffb"') == '"a\\udfffb"'
    text = json_dumps({"detail": "x\ud800y\U0001f600"})
    text.encode("utf-8")  # strict: raises on a surrogate left raw
    assert json.loads(text) == {"detail": "x\ud800y\U0001f600"} and "\U0001f600" in text


def test_json_text_ascii_path_escapes_as_the_pattern_does() -> None:
    """ASCII text is looked at for DEL alone (the only character of the unsafe class in ASCII): the
    same output as the pattern gives, over every ASCII character and seeded random texts."""
    import random

    from icecheck.render.safe import _JSON_UNSAFE, _json_escape, json_text

    rng = random.Random(11)
    texts = ["".join(chr(c) for c in range(128)), "\x7f", "a\x7f\x7fb", ""]
    texts += [
        "".join(chr(rng.choice([rng.randrange(128), 0x7F])) for _ in range(rng.randrange(60))) for _ in range(500)
    ]
    for text in texts:
        assert json_text(text) == _JSON_UNSAFE.sub(_json_escape, text), repr(text)
    assert json_text('{"x": "a\x7f\u202e"}') == '{"x": "a\\u007f\\u202e"}'  # not ASCII: the pattern


def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    assert escape_data("bidi\u202e") == "bidi\\u202e"
    line = annotation("error", "x\n::error::injected", Origin("dir,1/a:b.sdp", line=3), "T,1:2")
    assert line == "::error file=dir%2C1/a%3Ab.sdp,line=3,title=T%2C1%3A2::x%0A::error::injected"
    assert "\n" not in line


def test_github_annotations_for_a_sample(tmp_path: Path) -> None:
    f = tmp_path / "hostile.sdp"
    f.write_bytes(HOSTILE)
    proc = run_cli("sdp", str(f), "--format", "github", "--fail-on", "medium", "--allow-partial")
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1
    assert all(line.startswith(("::error ", "::warning ", "::notice ", "icecheck: ")) for line in lines)
    assert any(line.startswith(f"::warning file={f},line=2,title=ICE001 ") for line in lines)
    assert "\x1b" not in proc.stdout and lines[-1].startswith("icecheck: ")


def test_markdown_escapes_and_links(tmp_path: Path) -> None:
    assert md("a|b*c_[x](y)`z`<img src=x>@here $x$") == (
        "a\\|b\\*c\\_\\[x\\](y)\\`z\\`&lt;img src=x&gt;&#64;here \\$x\\$"
    )
    f = tmp_path / "hostile.sdp"
    f.write_bytes(HOSTILE)
    text = run_cli("sdp", str(f), "--format", "markdown").stdout
    assert "<b>" not in text and "@team" not in text and "](http://x)" not in text.replace("\\](http://x)", "")
    assert "\x1b" not in text
    for row in (r for r in text.splitlines() if r.startswith("| c")):
        assert row.count("|") - row.count("\\|") == 7, row  # no cell was split
    md_text = run_cli("sdp", str(CHROMIUM), "--format", "markdown").stdout
    assert f"[ICE006]({rule_url('ICE006')}) Relay candidate" in md_text
    assert "| high | 1 | fails |" in md_text
    assert f"- ICE006: {CATALOGUE['ICE006'].fix}" in md_text  # the fix, once per rule
    findings = md_text[md_text.index("### Findings") : md_text.index("### What an attacker learns")]
    learns = md_text[md_text.index("### What an attacker learns") :].split("###")[1]
    for exposure in result_for(CHROMIUM).exposures:  # the two sections say different things
        assert exposure.summary in learns and exposure.summary not in findings


def test_markdown_has_the_mermaid_map_when_available() -> None:
    text = render_text(result_for(CHROMIUM), OutputFormat.MARKDOWN, 1)
    assert "```mermaid\nflowchart LR\n" in text and text.count("```") == 2


def test_junit_one_case_per_rule_per_input(tmp_path: Path) -> None:
    files = [str(CHROMIUM), str(SAMPLES / "rules" / "ICE001.sdp"), str(tmp_path / "missing.sdp")]
    proc = run_cli("sdp", *files, "--format", "junit", "--fail-on", "medium")
    root = ET.fromstring(proc.stdout)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == files
    assert len(suites[0].findall("testcase")) == len(CATALOGUE) == len(suites[1].findall("testcase"))
    failed = {c.get("name", "").split()[0] for c in suites[0].iter("testcase") if c.find("failure") is not None}
    assert failed == {"ICE005", "ICE006"}
    failed = {c.get("name", "").split()[0] for c in suites[1].iter("testcase") if c.find("failure") is not None}
    assert failed == {"ICE001"}
    assert suites[2].find("testcase/error") is not None and suites[2].get("errors") == "1"
    assert root.get("failures") == "3" and root.get("tests") == str(2 * len(CATALOGUE) + 1)


def test_junit_below_fail_on_is_output_not_failure() -> None:
    root = ET.fromstring(run_cli("sdp", str(CHROMIUM), "--format", "junit").stdout)
    cases = {c.get("name", "").split()[0]: c for c in root.iter("testcase")}
    assert cases["ICE005"].find("failure") is None and cases["ICE005"].find("system-out") is not None
    assert cases["ICE006"].find("failure") is not None


def test_junit_hostile_text_is_well_formed(tmp_path: Path) -> None:
    f = tmp_path / "a<b>&\"c'.sdp"
    f.write_bytes(HOSTILE)
    out = run_cli("sdp", str(f), "--format", "junit", "--fail-on", "info").stdout
    root = ET.fromstring(out)  # parses: markup and control characters were escaped
    assert root.find("testsuite").get("name") == str(f)  # type: ignore[union-attr]
    assert "\x1b" not in out


def test_renderers_handle_findings_without_evidence() -> None:
    base = result_for(CHROMIUM)
    result = AuditResult(base.inputs, base.candidates, base.addresses, base.exposures,
                         (Finding("ICE999", Severity.HIGH, "made up"),), fail_on=Severity.HIGH)  # fmt: skip
    assert exit_code(result) is ExitCode.FINDINGS
    for fmt in set(OutputFormat) - {OutputFormat.MERMAID}:  # the map shows no findings
        assert "made up" in render_text(result, fmt, 1)
    sarif = json.loads(render_text(result, OutputFormat.SARIF, 1))
    assert "locations" not in sarif["runs"][0]["results"][0]
