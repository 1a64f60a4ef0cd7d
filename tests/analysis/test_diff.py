"""``icecheck diff``: reports or inputs, gained and lost, text and JSON, exit code on gains."""

from __future__ import annotations

import json
from pathlib import Path

from icecheck.analysis.diff import compare
from icecheck.severity import Severity
from tests.conftest import SAMPLES, run_cli

DEFAULT = str(SAMPLES / "real" / "chromium-default-mdns.sdp")  # srflx + relay with leaking raddr
RELAY = str(SAMPLES / "real" / "chromium-relay-only.sdp")


def diff_json(*args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    proc = run_cli("diff", *args, "--format", "json", "--no-config")
    return proc.returncode, json.loads(proc.stdout)


def test_inputs_gained_and_lost() -> None:
    code, d = diff_json(RELAY, DEFAULT)
    assert code == 1 and d["exit_code"] == 1 and d["gating"] == 1
    assert {f["rule"] for f in d["findings"]["gained"]} == {"ICE005", "ICE006"} and d["findings"]["lost"] == []
    kinds = {e["kind"] for e in d["exposures"]["gained"]}
    assert {"public-address", "relay-raddr-leak"} <= kinds
    assert {"where": "srflx", "address": "203.0.113.1"} in d["addresses"]["gained"]
    code, back = diff_json(DEFAULT, RELAY)
    assert code == 0 and back["findings"]["gained"] == [] and len(back["findings"]["lost"]) == 2


def test_reports_and_fail_on(tmp_path: Path) -> None:
    for name, src in (("a.json", RELAY), ("b.json", DEFAULT)):
        (tmp_path / name).write_text(run_cli("sdp", src, "--format", "json", "--no-config").stdout)
    code, d = diff_json(str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--fail-on", "medium")
    assert code == 1 and d["gating"] == 2
    code, d = diff_json(str(tmp_path / "a.json"), str(tmp_path / "a.json"))
    assert code == 0 and all(not d[k]["gained"] and not d[k]["lost"] for k in ("exposures", "findings", "addresses"))
    mixed = run_cli("diff", str(tmp_path / "a.json"), DEFAULT, "--no-config")  # a report against an input
    assert mixed.returncode == 1 and "+ HIGH   ICE006" in mixed.stdout


def test_text_output_and_errors(tmp_path: Path) -> None:
    proc = run_cli("diff", DEFAULT, RELAY, "--no-config")
    assert proc.returncode == 0 and "Findings lost (2):" in proc.stdout and "→ exit 0" in proc.stdout
    missing = run_cli("diff", DEFAULT, str(tmp_path / "missing.sdp"))
    assert missing.returncode == 2 and "missing.sdp" in missing.stderr


def test_compare_matches_by_kind_and_value() -> None:
    a = {"exposures": [{"kind": "public-address", "value": "198.51.100.1", "summary": "x"}], "findings": []}
    b = {"exposures": [{"kind": "public-address", "value": "198.51.100.1", "summary": "reworded"},
                       {"kind": "public-address", "value": "198.51.100.2", "summary": "y"}],
         "findings": [{"rule": "ICE005", "severity": "medium", "message": "m"}]}  # fmt: skip
    d = compare(a, b, "a", "b", Severity.HIGH)
    assert [e["value"] for e in d.exposures.gained()] == ["198.51.100.2"] and list(d.exposures.lost()) == []
    assert d.exposures.gained_count == 1 and d.exposures.lost_count == 0
    assert d.gating == 0 and compare(a, b, "a", "b", Severity.MEDIUM).gating == 1


def test_an_input_against_its_own_report_changes_nothing(tmp_path: Path) -> None:
    """An audited side keeps only what is compared of each candidate and address (its type or role,
    and address): against the JSON report of the same input, nothing is gained or lost, both ways,
    for an SDP and a capture (candidates, and addresses in several roles)."""
    capture = str(SAMPLES / "captures" / "sip-udp-nat-fragments.pcap")
    for i, src in enumerate((DEFAULT, capture)):
        report = tmp_path / f"r{i}.json"
        report.write_text(run_cli("scan", src, "--format", "json", "--no-config", "--offline").stdout)
        listed = json.loads(report.read_text())
        assert listed["candidates"] and (i == 0 or len({a["role"] for a in listed["addresses"]}) >= 2)
        for a, b in ((src, str(report)), (str(report), src)):
            code, d = diff_json(a, b)
            assert code == 0 and all(
                not d[k]["gained"] and not d[k]["lost"] for k in ("exposures", "findings", "addresses")
            )
