"""Browser dumps: candidates only in an rtcstats dump's console-log entries; webrtc-internals
candidate stats whose address Chrome leaves empty for an mDNS-concealed host candidate."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from icecheck.classify import classify
from icecheck.inputs.detect import Format, sniff
from icecheck.inputs.scanner import scan_file
from icecheck.model import AddressClass, InputStatus
from tests.conftest import SAMPLES

MDNS = "5a1c3e0b-9f2d-4c1e-8a3b-7d6e5f4a3b2c.local"
HOST = f"candidate:1510613869 1 udp 2122260223 {MDNS} 55000 typ host generation 0 ufrag l6yP network-id 1"
SRFLX = "candidate:842163049 1 udp 1686052607 203.0.113.1 55000 typ srflx raddr 0.0.0.0 rport 0 generation 0"
REMOTE = "candidate:3 1 udp 41885439 198.51.100.20 49152 typ relay raddr 198.51.100.1 rport 3478"


# -- rtcstats: console output ----------------------------------------------------------------------


def rtcstats_lines(header: bool) -> list[str]:
    """An rtcstats dump: API calls of PeerConnection 6-1, and the page's console output the
    Jitsi log collector sends as ``logs`` batches (strings, and aggregated {text, count} lines)."""
    lines = [
        ["create", "6-1", {"iceServers": [{"urls": ["stun:203.0.113.10:3478"]}]}, "https://meet.example/r", 1.0],
        ["createOffer", "6-1", {"voiceActivityDetection": True}, 2.0],
        [
            "logs",
            None,
            [
                f"2026-05-01T10:00:00.100Z [modules/RTC/TraceablePeerConnection.js] <_onIceCandidate>: Local: {SRFLX}",
                {"text": f"2026-05-01T10:00:00.300Z [JingleSessionPC] remote candidate: {REMOTE}", "count": 2},
            ],
            3.0,
        ],
        ["console.log", "6-1", ["ICE", f"a={HOST}"], 4.0],
    ]
    text = [json.dumps(line) for line in lines]
    return ["RTCStatsDump", '{"fileFormat":3}', *text] if header else text


@pytest.mark.parametrize(("header", "gz"), [(True, True), (True, False), (False, False)])
def test_rtcstats_candidates_only_in_console_log_entries(tmp_path: Path, header: bool, gz: bool) -> None:
    data = ("\n".join(rtcstats_lines(header)) + "\n").encode()
    path = tmp_path / "dump"
    path.write_bytes(gzip.compress(data) if gz else data)
    out = scan_file(str(path))
    found = {(c.candidate.address, c.candidate.port, c.candidate.type) for c in out.document.candidates}
    assert found == {("203.0.113.1", 55000, "srflx"), ("198.51.100.20", 49152, "relay"), (MDNS, 55000, "host")}
    assert {c.origin.party for c in out.document.candidates} == {None}  # a log line does not say whose
    logged = next(c for c in out.document.candidates if c.candidate.type == "host")
    if header:  # read as rtcstats: the entry's PeerConnection and line
        assert logged.origin.call == "PeerConnection 6-1" and "line 6 console.log" in (logged.origin.detail or "")
    else:  # read as JSON lines
        assert logged.origin.line == 4
    assert sniff(data[:4096]) is (Format.RTCSTATSDUMP if header else Format.TRICKLE)


# -- webrtc-internals: candidate stats with an empty address ----------------------------------------


def internals_dump(stats: dict[str, dict[str, object]]) -> dict[str, object]:
    """A webrtc-internals download: the trickled mDNS host candidate and srflx, then stats series."""
    series: dict[str, object] = {}
    for stats_id, attrs in stats.items():
        for attr, value in attrs.items():
            series[f"{stats_id}-{attr}"] = {
                "startTime": "2026-05-01T10:00:01.000Z",
                "endTime": "2026-05-01T10:00:05.000Z",
                "statsType": "local-candidate",
                "values": json.dumps([value]),
            }
    log = [
        {"time": "1", "type": "icecandidate", "value": f"sdpMid: 0, sdpMLineIndex: 0, candidate: {HOST}"},
        {"time": "2", "type": "icecandidate", "value": f"sdpMid: 0, sdpMLineIndex: 0, candidate: {SRFLX}"},
    ]
    pc = {"pid": 1, "url": "https://x.example/", "rtcConfiguration": "{}", "updateLog": log, "stats": series}
    return {"getUserMedia": [], "PeerConnections": {"1-1": pc}}


def stats(port: int, priority: int, protocol: str = "udp", network: str = "wifi") -> dict[str, object]:
    return {
        "transportId": "T01", "isRemote": False, "networkType": network, "ip": "", "address": "", "port": port,
        "protocol": protocol, "candidateType": "host", "priority": priority, "foundation": "1510613869",
    }  # fmt: skip


def test_empty_address_stats_merge_with_their_mdns_twin(tmp_path: Path) -> None:
    dump = internals_dump({"I5z/xH4qz": stats(55000, 2122260223), "IdPe2w9e": stats(9, 1518280447, "tcp")})
    path = tmp_path / "webrtc_internals_dump.txt"
    path.write_text(json.dumps(dump))
    out = scan_file(str(path))
    doc = out.document
    assert doc.status is InputStatus.OK
    assert not [c for c in doc.candidates if classify(c.candidate.address).address_class is AddressClass.INVALID]
    assert sorted(c.candidate.address for c in doc.candidates) == sorted([MDNS, "203.0.113.1"])
    host = next(c for c in doc.candidates if c.candidate.type == "host")
    assert host.interface is not None and host.interface.kind == "wifi"  # the twin took the stats' facts
    facts = sorted(f.value for f in out.wire if f.kind == "network-type")
    assert facts == [f"{MDNS} networkType=wifi", "a host candidate (tcp port 9, address not shown) networkType=wifi"]


def test_a_twin_must_agree_on_priority_and_transport(tmp_path: Path) -> None:
    dump = internals_dump({"Ia": stats(55000, 1111), "Ib": stats(55000, 2122260223, "tcp")})
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dump))
    out = scan_file(str(path))
    host = next(c for c in out.document.candidates if c.candidate.type == "host")
    assert host.interface is None and len(out.document.candidates) == 2


def test_the_sample_dump_has_no_invalid_candidate() -> None:
    doc = scan_file(str(SAMPLES / "captures" / "webrtc-internals-dump.json")).document
    assert all(c.candidate.address for c in doc.candidates)
    assert {c.candidate.type for c in doc.candidates} == {"host", "srflx", "relay"}
