"""Text and JSON inputs: detection, trickle JSON, RTCStatsDump, HAR, SIP logs, bad input, CLI codes."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from icecheck.cli import cli
from icecheck.inputs.detect import Format, sniff
from icecheck.inputs.scanner import scan_file, scan_inputs
from icecheck.model import InputKind, InputStatus

CAND = "candidate:1 1 udp 2122260223 192.168.1.20 50000 typ host generation 0 network-cost 10"
SDP = f"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na={CAND}\r\n"


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"\xd4\xc3\xb2\xa1", Format.PCAP),
        (b"\xa1\xb2\x3c\x4d", Format.PCAP),
        (b"\x0a\x0d\x0d\x0a", Format.PCAPNG),
        (b'RTCStatsDump\n{"fileFormat":3}\n', Format.RTCSTATSDUMP),
        (b'{"log": {"version": "1.2", "entries": []}}', Format.HAR),
        (b'{"getUserMedia": [], "PeerConnections": {}}', Format.WEBRTC_INTERNALS),
        (b'{"candidate": "x"}\n{"candidate": ""}\n', Format.TRICKLE),
        (b'{"type": "offer", "sdp": "v=0"}', Format.JSON),
        (b"INVITE sip:a@b SIP/2.0\r\nVia: x\r\n", Format.SIP),
        (b"2024-01-01 12:00 sent:\nSIP/2.0 200 OK\r\n", Format.SIP),
        (b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n", Format.SDP),
        (b"\x00\x01\x02garbage", Format.UNKNOWN),
        (b"hello world\n", Format.UNKNOWN),
    ],
)
def test_sniff(head: bytes, fmt: Format) -> None:
    assert sniff(head) is fmt


def put(tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def test_trickle_json_lines_nested_and_end_of_candidates(tmp_path: Path) -> None:
    lines = [
        json.dumps({"type": "offer", "sdp": SDP}),
        json.dumps(
            {
                "type": "candidate",
                "candidate": {"candidate": CAND.replace("50000", "50001"), "sdpMid": "0", "sdpMLineIndex": 0},
            }
        ),
        "not json",
        json.dumps({"candidate": "", "sdpMid": "0"}),
    ]
    doc = scan_file(put(tmp_path, "t.jsonl", "\n".join(lines))).document
    assert len(doc.candidates) == 2 and doc.end_of_candidates == 1
    assert {c.origin.line for c in doc.candidates} == {1, 2}
    assert any(d.origin.line == 3 for d in doc.diagnostics)


def test_rtcstatsdump_gzipped(tmp_path: Path) -> None:
    stats = {
        "Ic1": {
            "type": "local-candidate",
            "address": "10.0.0.5",
            "port": 5000,
            "candidateType": "host",
            "protocol": "udp",
            "networkType": "wifi",
            "vpn": True,
            "priority": 1,
        }
    }
    lines = [
        "RTCStatsDump",
        '{"fileFormat":3}',
        json.dumps(["create", "PC_0", {"iceServers": []}, 1]),
        json.dumps(["setLocalDescription", "PC_0", {"type": "offer", "sdp": SDP}, 2]),
        json.dumps(["onicecandidate", "PC_0", {"candidate": CAND.replace("50000", "50002"), "sdpMid": "0"}, 3]),
        json.dumps(["getstats", "PC_0", stats, 4]),
    ]
    out = scan_file(put(tmp_path, "dump.gz", gzip.compress("\n".join(lines).encode())))
    cands = out.document.candidates
    assert {c.candidate.port for c in cands} == {50000, 50002, 5000}
    assert all(c.origin.call == "PeerConnection PC_0" for c in cands)
    stat = next(c for c in cands if c.candidate.port == 5000)
    assert stat.interface is not None and stat.interface.kind == "vpn"
    assert any(f.kind == "network-type" and "networkType=wifi" in f.value for f in out.wire)


def test_har_post_data_response_base64_and_binary_websocket(tmp_path: Path) -> None:
    whip_answer = base64.b64encode(SDP.replace("50000", "50003").encode()).decode()
    binary = base64.b64encode(json.dumps({"candidate": CAND.replace("50000", "50004")}).encode()).decode()
    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {
                    "request": {
                        "method": "POST",
                        "url": "https://whip.example/x",
                        "postData": {"mimeType": "application/sdp", "text": SDP},
                    },
                    "response": {
                        "status": 201,
                        "content": {"mimeType": "application/sdp", "text": whip_answer, "encoding": "base64"},
                    },
                },
                {
                    "request": {"method": "GET", "url": "wss://sig.example/"},
                    "response": {"status": 101, "content": {}},
                    "_webSocketMessages": [{"type": "receive", "time": 1.5, "opcode": 2, "data": binary}],
                },
                "garbage entry",
            ],
        }
    }
    doc = scan_file(put(tmp_path, "a.har", json.dumps(har))).document
    assert {c.candidate.port for c in doc.candidates} == {50000, 50003, 50004}
    assert any(d.level == "warning" and "entries[2]" in (d.origin.detail or "") for d in doc.diagnostics)


def test_sip_log_with_several_messages_and_noise(tmp_path: Path) -> None:
    body = SDP.replace("\r\n", "\n")
    log = (
        "12:00:01 sent to 198.51.100.1:5060\n"
        "INVITE sip:b@198.51.100.1 SIP/2.0\nVia: SIP/2.0/UDP 10.1.2.3:5060;rport\nCall-ID: abc\nCSeq: 1 INVITE\n"
        f"Content-Type: application/sdp\nContent-Length: {len(SDP)}\n\n{body}\n"
        "12:00:02 received\nSIP/2.0 200 OK\nCall-ID: abc\nCSeq: 1 INVITE\nContact: <sip:b@198.51.100.1>\n"
        "Content-Length: 0\n\n"
    )
    doc = scan_file(put(tmp_path, "sip.log", log)).document
    assert doc.kind == "sip" and doc.candidates[0].origin.party == "offerer"
    assert doc.candidates[0].origin.line == 15
    assert {a.address for a in doc.addresses} >= {"10.1.2.3", "198.51.100.1"}


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ('{"log": {"entries": [}', "invalid JSON"),
        ('{"hello": "world"}', "not signalling"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "unrecognised"),
        (b"", "empty"),
    ],
)
def test_bad_inputs_are_diagnosed_not_raised(tmp_path: Path, data: str | bytes, why: str) -> None:
    doc = scan_file(put(tmp_path, "bad", data)).document
    assert doc.status in (InputStatus.UNREADABLE, InputStatus.EMPTY)
    assert any(why in d.message for d in doc.diagnostics), doc.diagnostics


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_forced_gives_a_document_of_its_kind(tmp_path: Path, fmt: Format) -> None:
    """``--input-format`` may force any format on any file: the document still says what was read."""
    doc = scan_file(put(tmp_path, "x", "v=0\n"), forced=fmt).document
    assert doc.kind is (InputKind.PCAP if fmt is Format.PCAPNG else InputKind(fmt.value))


def test_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = put(tmp_path, "bad.json", '{"x": 1}')
    result = runner.invoke(cli, ["scan", bad])
    assert result.exit_code == 2 and "not signalling" in result.stderr
    good = put(tmp_path, "t.json", json.dumps({"type": "offer", "sdp": SDP}))
    assert runner.invoke(cli, ["scan", good, bad, "--fail-on", "high"]).exit_code == 2  # a named input gave nothing
    assert runner.invoke(cli, ["scan", good, "--fail-on", "high"]).exit_code == 0
    assert runner.invoke(cli, ["scan", good, "--fail-on", "info"]).exit_code == 1
    forced = runner.invoke(cli, ["scan", good, "--input-format", "pcap"])
    assert forced.exit_code == 2 and "not a pcap" in forced.stderr


def test_a_log_whose_signalling_comes_after_its_first_64_kb_is_read(tmp_path: Path) -> None:
    """Issue 11: a text file is recognised by its head, but a log's first candidate may come later."""
    noise = "2026-12-06 04:00:00 INFO worker tick: queue=0 latency=1ms\n" * 2000  # ~120 KB, no marker
    late = put(tmp_path, "late.log", noise + "offer: a=candidate:1 1 udp 2122260223 192.0.2.7 5000 typ host\n")
    doc = scan_file(late).document
    assert (doc.kind, doc.status) == (InputKind.TEXT, InputStatus.OK)
    assert [c.candidate.address for c in doc.candidates] == ["192.0.2.7"]
    assert doc.candidates[0].origin.line == 2001


def test_text_without_signalling_is_still_skipped_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    noise = "2026-12-06 04:00:00 INFO worker tick: queue=0 latency=1ms\n"
    (folder / "long.log").write_text(noise * 2000)  # read to its end: nothing
    (folder / "short.log").write_text(noise)  # unrecognised, as before
    run = scan_inputs([str(folder)])
    assert sorted(Path(p).name for p in run.skipped) == ["long.log", "short.log"]
    assert scan_file(str(folder / "short.log")).document.kind is InputKind.UNKNOWN
