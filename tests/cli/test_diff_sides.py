"""``icecheck diff`` sides and output, streamed: a report against a capture, standard input and a
pipe as sides, a missing file and a bad report (one line, exit 2), hostile strings escaped, and the
same bytes whether everything stays in memory or spills (``limits.IN_MEMORY`` lowered)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from icecheck.analysis.diff import compare, to_dict, to_text
from icecheck.cli import cli
from icecheck.inputs import jsonstream, limits, spool
from icecheck.render.html import text_html
from icecheck.render.safe import json_dumps
from icecheck.severity import Severity
from tests.conftest import SAMPLES, run_cli

SDP = SAMPLES / "real" / "chromium-default-mdns.sdp"
RELAY = SAMPLES / "real" / "chromium-relay-only.sdp"
CAPTURE = SAMPLES / "captures" / "sip-udp-nat-fragments.pcap"


def _report(path: Path, out: Path) -> Path:
    out.write_text(run_cli("scan", str(path), "--offline", "-f", "json", "--no-config").stdout)
    return out


def _diff(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["diff", "--offline", "--no-config", *args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_a_report_against_a_capture_is_what_the_two_reports_compared_whole_give(tmp_path: Path, fmt: str) -> None:
    """The streamed text, JSON and HTML are, byte for byte, what rendering the comparison of the
    decoded reports whole gives (the former ``json_dumps(to_dict(d))``, ``text_html(to_text(d))``)."""
    relay = _report(RELAY, tmp_path / "relay.json")
    capture = _report(CAPTURE, tmp_path / "capture.json")
    for a, b, a_report, b_report in ((relay, CAPTURE, relay, capture), (CAPTURE, relay, capture, relay)):
        d = compare(json.loads(a_report.read_text()), json.loads(b_report.read_text()), str(a), str(b), Severity.HIGH)
        expected = {
            "text": to_text(d),
            "json": json_dumps(to_dict(d)) + "\n",
            "html": text_html("icecheck diff", to_text(d)),
        }[fmt]
        proc = run_cli("diff", str(a), str(b), "-f", fmt, "--offline", "--no-config")
        assert proc.stdout == expected and proc.returncode == d.exit_code()
    assert d.addresses.lost_count  # the capture's addresses


def test_the_same_bytes_when_everything_spills(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Both sides' items on disk (one key in memory, batches of two), a report read in parts: the
    same output as when everything is held."""
    report = _report(CAPTURE, tmp_path / "capture.json")
    cases = [(str(report), str(SDP)), (str(CAPTURE), str(report)), (str(SDP), str(CAPTURE))]
    expected = {(a, b, fmt): _diff(a, b, "-f", fmt) for a, b in cases for fmt in ("text", "json")}
    assert all(out for _, out in expected.values())
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    monkeypatch.setattr(spool, "BATCH", 2)
    monkeypatch.setattr(jsonstream, "SMALL", 64)
    monkeypatch.setattr(jsonstream, "BIG", 128)
    monkeypatch.setattr(jsonstream, "_FIRST_TRY", 16)
    for (a, b, fmt), (code, out) in expected.items():
        assert _diff(a, b, "-f", fmt) == (code, out)


def test_standard_input_is_a_side(tmp_path: Path) -> None:
    """``-`` is a JSON report, or else an SDP (named ``-``)."""
    by_path = run_cli("diff", str(RELAY), str(SDP), "-f", "json", "--no-config")
    sdp = run_cli("diff", "-", str(SDP), "-f", "json", "--no-config", stdin=RELAY.read_bytes())
    assert sdp.returncode == by_path.returncode == 1
    assert json.loads(sdp.stdout) == {**json.loads(by_path.stdout), "a": "-"}
    report = _report(RELAY, tmp_path / "relay.json")
    piped = run_cli("diff", str(SDP), "-", "--no-config", stdin=report.read_bytes())
    assert piped.returncode == 0 and "Findings lost (2):" in piped.stdout
    assert piped.stdout.startswith(f"icecheck diff: {SDP} → -\n")


def test_a_pipe_is_read_once(tmp_path: Path) -> None:
    """A named pipe (``<(zcat capture.pcap.gz)``) is read once: a capture there is audited, not
    waited for again."""
    fifo = tmp_path / "capture.pipe"
    os.mkfifo(fifo)
    data = CAPTURE.read_bytes()

    def feed() -> None:
        with open(fifo, "wb") as out:
            out.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    proc = run_cli("diff", str(fifo), str(CAPTURE), "--offline", "--no-config", timeout=60)
    writer.join(5)
    assert proc.returncode == 0, proc.stderr
    nothing = "0 exposures gained, 0 lost; 0 findings gained (0 at or above high), 0 lost → exit 0"
    assert proc.stdout.splitlines() == [f"icecheck diff: {fifo} → {CAPTURE}", nothing]


def test_a_missing_side_and_a_bad_report_are_one_line_exit_2(tmp_path: Path) -> None:
    missing = run_cli("diff", str(SDP), str(tmp_path / "gone.json"), "--no-config")
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.splitlines() == [f"icecheck: {tmp_path / 'gone.json'}: No such file or directory"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": 1, "exposures": [], "findings": {"rule": "x"}}))
    proc = run_cli("diff", str(bad), str(SDP), "--no-config")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [f"icecheck: {bad}: not a valid icecheck report: findings is not a list"]
    bad.write_text(json.dumps({"schema_version": 1, "exposures": [], "findings": [{"rule": "x", "severity": "dire"}]}))
    proc = run_cli("diff", str(SDP), str(bad), "--no-config")
    assert proc.returncode == 2 and proc.stdout == ""
    what = "a finding's severity is not info, low, medium or high"
    assert proc.stderr.splitlines() == [f"icecheck: {bad}: not a valid icecheck report: {what}"]


HOSTILE = "\x1b[2J\x9b31m\u202eevil\u2028x\x00"


def test_hostile_strings_are_escaped_in_text_and_json(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"schema_version": 1, "exposures": [], "findings": []}))
    b.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "exposures": [{"kind": HOSTILE, "summary": HOSTILE, "value": None}],
                "findings": [{"rule": HOSTILE, "severity": "high", "message": HOSTILE}],
                "candidates": [{"type": HOSTILE, "address": HOSTILE}],
                "inputs": [{"path": HOSTILE, "status": "empty"}],
            }
        )
    )
    text = run_cli("diff", str(a), str(b), "--no-config")
    assert text.returncode == 2
    for raw in ("\x1b", "\x9b", "\u202e", "\u2028", "\x00"):
        assert raw not in text.stdout
    assert "\\x1b[2J\\x9b31m\\u202eevil\\u2028x\\x00" in text.stdout
    assert "1 input not read: " in text.stdout.splitlines()[-1]
    out = run_cli("diff", str(a), str(b), "--no-config", "-f", "json")
    for raw in ("\x1b", "\x9b", "\u202e", "\u2028", "\x00"):
        assert raw not in out.stdout
    assert "\\u001b[2J\\u009b31m\\u202eevil\\u2028x\\u0000" in out.stdout
    d = json.loads(out.stdout)
    assert d["exposures"]["gained"][0]["summary"] == HOSTILE and d["findings"]["gained"][0]["rule"] == HOSTILE
    assert d["addresses"]["gained"] == [{"where": HOSTILE, "address": HOSTILE}] and d["exit_code"] == 2


def test_a_capture_against_its_own_scan_report_changes_nothing(tmp_path: Path) -> None:
    """A side that is a capture is audited as ``scan`` audits it, with the public addresses STUN
    mapped that no candidate carries as exposures (``wire.wire_exposures``): without them, a capture
    of STUN responses compared with its own report gained every one of them."""
    from icecheck.inputs import synth

    capture = tmp_path / "stun.pcap"
    with open(capture, "wb") as f:
        writer = synth.PcapWriter(f)
        for n in range(3):
            txid = bytes([n]) * 12
            msg = synth.stun_message(0x0101, txid, [(0x0020, synth.xor_address(f"11.0.0.{n + 1}", 4000 + n, txid))])
            udp = synth.udp("192.0.2.10", 3478, f"10.0.0.{n + 1}", 4000 + n, msg)[3]
            writer.write(synth.link(synth.ip(("192.0.2.10", f"10.0.0.{n + 1}", 17, udp))[0]), 1_700_000_000 + n)
    report = _report(capture, tmp_path / "stun.json")
    assert len(json.loads(report.read_text())["exposures"]) == 3  # what this test is about
    for a, b in ((capture, report), (report, capture)):
        code, out = _diff(str(a), str(b))
        assert code == 0 and out.splitlines()[-1].startswith("0 exposures gained, 0 lost;"), out
