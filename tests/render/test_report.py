"""Reports: untrusted text is escaped, JSON is complete and stable, every format renders."""

from __future__ import annotations

import json
import re
from pathlib import Path

from icecheck.render.safe import markup, safe
from icecheck.report import OutputFormat
from tests.conftest import SAMPLES, run_cli, run_json


def test_safe_escapes_controls_and_bidi() -> None:
    assert safe("a\x1b[31mb") == "a\\x1b[31mb"
    assert safe("x\u202ey") == "x\\u202ey"
    assert safe("tab\tnew\nline") == "tab\\x09new\\x0aline"
    assert safe("café 10.0.0.1") == "café 10.0.0.1"
    assert markup("[bold]x[/bold]") == "\\[bold]x\\[/bold]"


def test_hostile_sdp_cannot_style_or_control_the_terminal(tmp_path: Path) -> None:
    f = tmp_path / "[red]evil\u202e.sdp"
    f.write_bytes(
        b"v=0\na=candidate:1 1 udp 1 [bold]evil[/bold].local 5 typ host\n"
        b"a=candidate:1 1 udp 1 10.0.0.1 5 typ host x \x1b]0;pwned\x07\n"
        b"a=candidate:1 1 udp 1 10.0.0.2 5 typ host x [blink]y\n"
        b"s=\x1b[2J\n"
    )
    proc = run_cli("sdp", str(f))
    assert "\x1b" not in proc.stdout + proc.stderr
    assert "\u202e" not in proc.stdout + proc.stderr
    assert "'[bold]evil[/bold].local'" in proc.stdout  # the diagnostic shows it literally
    assert "[red]evil\\u202e.sdp" in proc.stdout  # the path too, with the bidi override escaped
    assert "\\x1b]0;pwned" in proc.stdout


def test_json_report_shape() -> None:
    code, report = run_json("sdp", str(SAMPLES / "rules" / "ICE007.sdp"))
    assert report["schema_version"] == 1 and report["exit_code"] == code == 0
    cand = report["candidates"][1]
    assert cand["type"] == "srflx" and cand["related_address"] == "192.168.1.23"
    assert cand["address_class"] == "documentation" and cand["related_address_class"] == "private"
    assert cand["priority_decoded"]["type_preference"] == 100
    assert cand["origin"] == {
        "path": str(SAMPLES / "rules" / "ICE007.sdp"),
        "line": 12,
        "detail": "sdp 1, m-line 0 (audio, mid 0)",
    }
    kinds = {e["kind"] for e in report["exposures"]}
    assert {"public-address", "local-address", "privacy-mode"} <= kinds
    for exp in report["exposures"]:
        assert exp["evidence"] and exp["learned_by"]
    rules = {f["rule"] for f in report["findings"]}
    assert rules == {"ICE005", "ICE007"}


def test_output_file_and_every_format_renders(tmp_path: Path) -> None:
    for fmt in OutputFormat:
        out = tmp_path / f"report.{fmt.value}"
        proc = run_cli("sdp", str(SAMPLES / "rules" / "ICE001.sdp"), "--format", fmt.value, "-o", str(out))
        assert proc.returncode == 0 and proc.stdout == ""
        assert "192.168.1.23" in out.read_text()
    json.loads((tmp_path / "report.json").read_text())


def test_fail_on_controls_exit_code() -> None:
    sample = str(SAMPLES / "rules" / "ICE001.sdp")  # one medium finding
    assert run_cli("sdp", sample).returncode == 0
    assert run_cli("sdp", sample, "--fail-on", "medium").returncode == 1
    assert run_cli("sdp", sample, "--fail-on", "low").returncode == 1


def test_styles_only_where_a_terminal_shows_them_and_input_never_styles(tmp_path: Path) -> None:
    f = tmp_path / "evil.sdp"
    f.write_bytes(b"v=0\na=candidate:1 1 udp 1 10.0.0.1 5 typ host x \x1b]0;pwned\x07\na=candidate:1 1 udp 1 "
                  b"192.168.1.9 5 typ host\n")  # fmt: skip
    piped = run_cli("sdp", str(f))
    assert "\x1b" not in piped.stdout and "192.168.1.9" in piped.stdout
    coloured = run_cli("sdp", str(f), env={"FORCE_COLOR": "1", "NO_COLOR": "", "TERM": "xterm-256color"})
    assert "\x1b[1m" in coloured.stdout  # headings in bold: rich styled the report
    assert "\x1b]0;pwned" not in coloured.stdout and "\\x1b]0;pwned" in coloured.stdout
    plain = re.sub(r"\x1b\[[0-9;]*m", "", coloured.stdout)
    assert plain == piped.stdout  # the same lines, only styled
