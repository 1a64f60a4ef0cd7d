"""Hostile input never controls an output: JSON escapes C1 and bidi characters, error lines escape
file names, ``-o`` into a missing folder is a usage error, and a WebSocket flood stays linear."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from icecheck.inputs.websocket import MAX_FRAMES, WsReader
from tests.conftest import SAMPLES, run_cli

BIDI, CSI = "\u202e", "\u009b"
SDP = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n" + (
    "a=candidate:1 1 udp 2122260223 192.168.1.5 5000 typ host\r\n"
)
SIP = (
    "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.5:5060;branch=z9hG4bK1\r\n"
    "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
    f"Call-ID: ab{BIDI}cd{CSI}31m\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
    f"Content-Length: {len(SDP)}\r\n\r\n{SDP}"
)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_outputs_escape_bidi_and_c1_but_keep_the_value(tmp_path: Path, fmt: str) -> None:
    log = tmp_path / f"call{BIDI}.log"
    log.write_text(SIP, encoding="utf-8")
    proc = run_cli("scan", "--offline", "--no-config", "--format", fmt, str(log))
    assert proc.returncode in (0, 1), proc.stderr
    assert BIDI not in proc.stdout and CSI not in proc.stdout
    if fmt == "json":  # the call id is kept, escaped, and its value intact
        assert "\\u202e" in proc.stdout
        assert BIDI in json.dumps(json.loads(proc.stdout), ensure_ascii=False)


@pytest.mark.parametrize("command", ["sdp", "scan", "redact", "diff"])
def test_error_lines_escape_the_file_name(tmp_path: Path, command: str) -> None:
    name = str(tmp_path / f"missing{BIDI}\x1b]8;;http:x\x07y")
    args = {
        "redact": [command, name, "-o", str(tmp_path / "out")],
        "diff": [command, str(SAMPLES / "real" / "chromium-relay-only.sdp"), name],
    }.get(command, [command, "--offline", name])
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert "\x1b" not in proc.stderr and BIDI not in proc.stderr and "\x07" not in proc.stderr
    assert "missing\\u202e\\x1b]8;;http:x\\x07y" in proc.stderr


@pytest.mark.parametrize("command", ["sdp", "redact"])
def test_output_into_a_missing_folder_is_a_usage_error(tmp_path: Path, command: str) -> None:
    src = tmp_path / "offer.sdp"
    src.write_text(SDP)
    args = [command, "--offline", str(src)] if command == "sdp" else [command, str(src)]
    proc = run_cli(*args, "-o", str(tmp_path / "no" / "such" / "out"))
    assert proc.returncode == 2
    assert "internal error" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_flood_of_continuation_frames_is_cut_and_said() -> None:
    reader = WsReader()
    assert reader.frame(1, False, False, b"x", True) is None
    for _ in range(MAX_FRAMES + 10):
        reader.frame(0, False, False, b"", True)
    assert any(f"more than {MAX_FRAMES} frames" in p for p in reader.problems)
