"""Headline tests: ``icecheck scan`` on the real captures in samples/captures (see its README)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from icecheck.cli import cli
from icecheck.inputs.detect import Format, sniff
from icecheck.inputs.scanner import scan_file
from icecheck.inputs.source import read_head
from icecheck.model import AddressRole, InputStatus

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "captures"
ALICE, NAT, PROXY, BOB = "192.168.77.10", "203.0.113.1", "203.0.113.10", "198.51.100.20"


def scan(name: str):  # type: ignore[no-untyped-def]
    out = scan_file(str(SAMPLES / name))
    assert out.document.status is InputStatus.OK, out.document.diagnostics
    return out


def addrs(out, role: AddressRole) -> set[str]:  # type: ignore[no-untyped-def]
    return {a.address for a in out.document.addresses if a.role is role}


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("sip-udp-nat-fragments.pcap", Format.PCAP),
        ("proxy-any-sll2.pcapng.gz", Format.PCAPNG),
        ("sip-tcp-sll.pcap", Format.PCAP),
        ("baresip-sip-trace.log", Format.SIP),
        ("browser-websocket.har", Format.HAR),
        ("webrtc-internals-dump.json", Format.WEBRTC_INTERNALS),
        ("chromium-webrtc-internals-dump.txt", Format.WEBRTC_INTERNALS),
        ("chromium-rtcstats-dump.gz", Format.RTCSTATSDUMP),
    ],
)
def test_every_sample_is_recognised_by_content(name: str, fmt: Format) -> None:
    head, compressed = read_head(str(SAMPLES / name))
    assert sniff(head) is fmt
    assert compressed == name.endswith(".gz")


def test_udp_capture_reassembles_the_fragmented_invite_and_sees_stun() -> None:
    out = scan("sip-udp-nat-fragments.pcap")
    doc = out.document
    invite = [c for c in doc.candidates if c.origin.party == "offerer" and c.candidate.address == ALICE]
    assert invite, "the INVITE's host candidate (only in the reassembled datagram)"
    origin = invite[0].origin
    assert origin.packet and origin.time and origin.call
    assert "udp 192.168.77.10:5060 → 203.0.113.10:5060, SIP INVITE, SDP line" in (origin.detail or "")
    assert {c.candidate.type for c in doc.candidates if c.origin.party == "offerer"} >= {"host", "srflx", "relay"}
    assert NAT in addrs(out, AddressRole.STUN_MAPPED)
    assert PROXY in addrs(out, AddressRole.STUN_RELAYED)
    assert BOB in addrs(out, AddressRole.STUN_PEER)
    assert NAT in addrs(out, AddressRole.SIP_HEADER)  # Via received= from kamailio
    assert "reassembled" in (out.summary or "") and " 0 reassembled" not in (out.summary or "")
    assert any(f.kind == "software" and "Coturn" in f.value for f in out.wire)


def test_proxy_capture_has_sip_over_tcp_and_websocket_and_json_signalling() -> None:
    out = scan("proxy-any-sll2.pcapng.gz")
    details = [c.origin.detail or "" for c in out.document.candidates]
    assert any(d.startswith("tcp ") and "SIP 200 (INVITE)" in d for d in details)  # bob over TCP
    ws_sip = [c for c in out.document.candidates if "masked), SIP INVITE" in (c.origin.detail or "")]
    assert ws_sip and ws_sip[0].origin.call and ws_sip[0].origin.call.endswith("@page.invalid")
    assert any(c.candidate.address.endswith(".local") for c in ws_sip)  # Chromium's mDNS host
    trickle = [c for c in out.document.candidates if "$.candidate.candidate" in (c.origin.detail or "")]
    assert trickle and all(c.origin.party == "offerer" for c in trickle)
    assert trickle[0].origin.call and trickle[0].origin.call.startswith("tcp ")


def test_sll_capture_reads_sip_over_tcp() -> None:
    out = scan("sip-tcp-sll.pcap")
    assert any(c.origin.party == "answerer" and c.candidate.address == BOB for c in out.document.candidates)
    assert any((c.origin.detail or "").startswith("tcp ") for c in out.document.candidates)


def test_sip_trace_log_locates_candidates_by_line() -> None:
    doc = scan("baresip-sip-trace.log").document
    lines = (SAMPLES / "baresip-sip-trace.log").read_bytes().decode(errors="replace").split("\n")
    for rec in doc.candidates:
        assert rec.origin.line is not None
        assert rec.candidate.raw.rstrip() in lines[rec.origin.line - 1]


def test_har_websocket_messages() -> None:
    doc = scan("browser-websocket.har").document
    calls = {c.origin.call for c in doc.candidates}
    assert any(c and c.endswith("@page.invalid") for c in calls)  # SIP over WebSocket: the Call-ID
    assert any(c and c.startswith("ws ws://203.0.113.10:8188") for c in calls)  # JSON: the connection


def test_webrtc_internals_dump_events_and_stats(tmp_path: Path) -> None:
    out = scan("webrtc-internals-dump.json")
    assert any("icecandidate" in (c.origin.detail or "") for c in out.document.candidates)
    assert any(f.kind == "network-type" for f in out.wire)
    gz = tmp_path / "dump.gz"
    with gzip.open(gz, "wb") as f:
        f.write((SAMPLES / "webrtc-internals-dump.json").read_bytes())
    assert len(scan_file(str(gz)).document.candidates) == len(out.document.candidates)


@pytest.mark.parametrize("name", ["chromium-webrtc-internals-dump.txt", "chromium-rtcstats-dump.gz"])
def test_chromiums_own_downloads_give_the_offer_and_its_trickled_candidates(name: str) -> None:
    """Files Chromium 156 wrote itself (chrome://webrtc-internals' two download buttons) for the
    page's PeerConnection: its offer's addresses and the candidates it trickled."""
    doc = scan(name).document
    found = {(c.candidate.type, c.candidate.port) for c in doc.candidates}
    assert {t for t, _ in found} == {"host", "srflx", "relay"}
    assert all(c.origin.call and c.origin.call.startswith("PeerConnection ") for c in doc.candidates)
    assert all("onicecandidate" in (c.origin.detail or "") or "icecandidate" in (c.origin.detail or "")
               for c in doc.candidates)  # fmt: skip
    host = next(c.candidate for c in doc.candidates if c.candidate.type == "host")
    assert host.address.endswith(".local")  # Chromium's mDNS concealment, as in its offers
    relay = next(c.candidate for c in doc.candidates if c.candidate.type == "relay")
    assert relay.address == "203.0.113.10" and relay.related_address == "203.0.113.1"  # coturn, the NAT
    assert {a.address for a in doc.addresses} >= {"127.0.0.1", "0.0.0.0"}  # the offer's o= and c=


def test_both_chromium_downloads_agree() -> None:
    internals, rtcstats = scan("chromium-webrtc-internals-dump.txt"), scan("chromium-rtcstats-dump.gz")
    assert sorted(c.candidate.raw for c in internals.document.candidates) == sorted(
        c.candidate.raw for c in rtcstats.document.candidates
    )


def test_cli_scans_the_folder_with_grouping_and_wire_notes(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES, tmp_path / "s")
    (tmp_path / "s" / "junk.bin").write_bytes(b"\x00\x01binary junk" * 10)
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "s"), "--format", "json", "--fail-on", "high"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1  # findings (the relay's raddr names alice's address)
    statuses = {Path(i["path"]).name: i["status"] for i in report["inputs"]}
    assert statuses["junk.bin"] == "skipped" and statuses["sip-tcp-sll.pcap"] == "ok"  # met in a folder: skipped
    assert sum(i["status"] == "skipped" for i in report["inputs"]) == 2  # junk.bin, captures/README.md
    assert any(n.startswith("Call ") and "offerer" in n for n in report["notes"])
    assert any(c["origin"].get("call") for c in report["candidates"])
