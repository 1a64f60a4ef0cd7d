"""Signalling as a new user hands it over (issue 11, item 4, tried as a user would): an offer saved as
``JSON.stringify(pc.localDescription)`` given to ``icecheck sdp``, and the aiortc candidate log of
the issue, whose objects carry the candidate line beside its ``ip``/``port``/``type``: each
candidate counted once, the addresses exactly those the input holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, run_cli

OFFER = SAMPLES / "real" / "chromium-default-mdns.sdp"  # 4 candidates, 2 other addresses
HOST = "candidate:1 1 udp 2122260223 192.0.2.10 50000 typ host generation 0"
SRFLX = "candidate:2 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 192.0.2.10 rport 50000 generation 0"
AIORTC = {  # aiortc's RTCIceCandidate fields beside the SDP line, as a Python application logs them
    "candidates": [
        {"line": f"a={HOST}", "ip": "192.0.2.10", "port": 50000},
        {"line": f"a={SRFLX}", "ip": "203.0.113.7", "port": 61000, "type": "srflx"},
    ]
}


def report(*args: str) -> dict[str, object]:
    proc = run_cli(*args, "--offline", "--no-config", "-f", "json")
    data: dict[str, object] = json.loads(proc.stdout)
    assert data["exit_code"] == proc.returncode, proc.stderr
    return data


def candidates(data: dict[str, object]) -> list[tuple[str, str, int, str | None]]:
    return sorted((c["type"], c["address"], c["port"], c["related_address"]) for c in data["candidates"])  # type: ignore[attr-defined]


def test_sdp_reads_an_offer_saved_as_json_as_it_reads_the_offer(tmp_path: Path) -> None:
    saved = tmp_path / "offer.json"
    saved.write_text(json.dumps({"type": "offer", "sdp": OFFER.read_text()}))
    as_json, as_sdp = report("sdp", str(saved)), report("sdp", str(OFFER))
    assert as_json["exit_code"] == as_sdp["exit_code"] == 1
    assert candidates(as_json) == candidates(as_sdp) and len(candidates(as_json)) == 4
    assert [f["rule"] for f in as_json["findings"]] == [f["rule"] for f in as_sdp["findings"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["scan", "sdp"])
def test_an_aiortc_candidate_log_gives_each_candidate_once(tmp_path: Path, command: str) -> None:
    log = tmp_path / "aiortc.json"
    log.write_text(json.dumps(AIORTC))
    data = report(command, str(log))
    assert candidates(data) == [("host", "192.0.2.10", 50000, None), ("srflx", "203.0.113.7", 61000, "192.0.2.10")]


def test_text_that_holds_no_signalling_is_still_refused_by_sdp(tmp_path: Path) -> None:
    notes = tmp_path / "notes.json"
    notes.write_text(json.dumps({"meeting": "at ten", "room": 4}))
    proc = run_cli("sdp", str(notes), "--offline")
    assert proc.returncode == 2 and "no SDP or ICE candidate lines found" in proc.stderr
