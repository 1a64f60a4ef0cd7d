"""Every item of a capture is audited: repeats fold into one item with a count, distinct items are
never capped below ``limits.MAX_ITEMS``, and an input that reaches that bound says so (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from icecheck.cli import cli
from icecheck.inputs import limits, synth
from icecheck.inputs.scanner import scan_file
from icecheck.model import AddressRole, InputDocument, InputStatus
from tests.conftest import run_cli

OLD_CAP = 50_000
PER_SDP = 120  # candidates per INVITE: 500 INVITEs hold 60,000 distinct candidates


def _candidates(call: int) -> list[str]:
    return [
        f"candidate:{i} 1 udp {2122260223 - i} 10.{call >> 8 & 255}.{call & 255}.{i % 250 + 1} {10000 + i} typ host"
        for i in range(PER_SDP)
    ]


def _invite(call: int) -> bytes:
    body = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"
    body += "".join(f"a={c}\r\n" for c in _candidates(call))
    return (
        f"INVITE sip:bob@203.0.113.10 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK{call}\r\n"
        f"From: <sip:alice@203.0.113.10>;tag={call}\r\nTo: <sip:bob@203.0.113.10>\r\nCall-ID: fold-{call}\r\n"
        f"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


def _mapped(i: int) -> tuple[str, int]:
    return f"198.51.{100 + i // 250}.{i % 250 + 1}", 40000 + i


def _stun(i: int) -> bytes:
    tx = i.to_bytes(12, "big")
    address, port = _mapped(i)
    message = synth.stun_message(0x0101, tx, [(0x0020, synth.xor_address(address, port, tx))])
    return synth.link(synth.ip(synth.udp("203.0.113.20", 3478, "192.0.2.1", 50000, message))[0])


def _capture(tmp_path: Path, calls: int, stun: int) -> str:
    """Each INVITE twice (a retransmission: 2 sightings of each candidate), then each STUN response
    three times (consent refreshes), interleaved with RTP."""
    rtp = synth.link(synth.ip(synth.udp("192.0.2.1", 4000, "192.0.2.2", 4002, b"\x80\x00" + b"r" * 180))[0])
    path = tmp_path / "many.pcap"
    with open(path, "wb") as f:
        w = synth.PcapWriter(f)
        t = 1_700_000_000.0
        for call in range(calls):
            frame = synth.link(synth.ip(synth.udp("192.0.2.1", 5060, "203.0.113.10", 5060, _invite(call)))[0])
            for packet in (frame, rtp, rtp, frame):
                t += 0.001
                w.write(packet, t)
        for _ in range(3):
            for i in range(stun):
                t += 0.001
                w.write(_stun(i), t)
    return str(path)


def test_more_candidates_than_the_old_cap_are_all_audited(tmp_path: Path) -> None:
    calls, stun = 500, 2000
    out = scan_file(_capture(tmp_path, calls, stun))
    doc = out.document
    assert doc.status is InputStatus.OK and not doc.unaudited
    found = {(c.candidate.raw.removeprefix("a="), c.origin.call) for c in doc.candidates}
    planted = {(c, f"fold-{call}") for call in range(calls) for c in _candidates(call)}
    assert len(planted) > OLD_CAP and found == planted  # every distinct candidate, nothing else
    assert {c.count for c in doc.candidates} == {2}  # the retransmission folded
    assert doc.duplicates == len(planted)
    first = doc.candidates[0]
    assert first.last is not None and first.last.packet == first.origin.packet + 3
    mapped = {(a.address, a.port): a for a in doc.addresses if a.role is AddressRole.STUN_MAPPED}
    assert set(mapped) == {_mapped(i) for i in range(stun)}
    a0 = mapped[_mapped(0)]
    assert a0.count == 3 and a0.last is not None and a0.last.packet == a0.origin.packet + 2 * stun


def test_json_lists_each_distinct_item_once_with_its_count(tmp_path: Path) -> None:
    path = _capture(tmp_path, 3, 5)
    proc = run_cli("scan", path, "--format", "json", "--fail-on", "high")
    report = json.loads(proc.stdout)
    assert report["inputs"][0]["candidates"] == 3 * PER_SDP and report["inputs"][0]["unaudited"] == 0
    assert report["inputs"][0]["duplicates_folded"] == 3 * PER_SDP
    assert {c["count"] for c in report["candidates"]} == {2}
    c1 = report["candidates"][0]
    assert c1["last_origin"]["packet"] == c1["origin"]["packet"] + 3
    stun = [a for a in report["addresses"] if a["role"] == "stun-mapped"]
    assert len(stun) == 5 and {a["count"] for a in stun} == {3}
    vias = [a for a in report["addresses"] if a["role"] == "sip-header"]
    assert vias and all(a["count"] == 2 and "last_origin" in a for a in vias)


def _bounded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(limits, "MAX_ITEMS", 200)  # in-process run: the bound is read when needed
    path = _capture(tmp_path, 3, 5)
    result = CliRunner().invoke(cli, ["scan", path, "--offline", *args])
    return result.exit_code, result.stdout, result.stderr


def _sightings(doc: InputDocument) -> int:
    return sum(c.count for c in doc.candidates) + sum(a.count for a in doc.addresses)


def test_an_input_at_its_bound_is_partial_and_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, err = _bounded(monkeypatch, tmp_path, "--format", "json")
    report = json.loads(out)
    entry = report["inputs"][0]
    assert code == 2 and report["exit_code"] == 2
    held = report["candidates"] + report["addresses"]
    assert entry["status"] == "partial" and len(held) == 200
    monkeypatch.undo()  # the bound is back: every sighting held
    whole = scan_file(str(tmp_path / "many.pcap")).document
    assert entry["unaudited"] == _sightings(whole) - sum(item["count"] for item in held)
    assert any("not audited" in d["message"] and d["level"] == "error" for d in entry["diagnostics"])
    assert "items not audited: partial audit" in err


def test_the_verdict_line_says_partial(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, _ = _bounded(monkeypatch, tmp_path)
    verdict = " ".join(out.strip().split("\n\n")[-1].split())  # the last paragraph, unwrapped
    assert code == 2 and "PARTIAL audit" in verdict and "not allowed without --allow-partial" in verdict
    assert verdict.endswith("exit 2")


def test_allow_partial_exits_by_the_findings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, _ = _bounded(monkeypatch, tmp_path, "--allow-partial", "--fail-on", "high")
    verdict = " ".join(out.strip().split("\n\n")[-1].split())
    assert "PARTIAL audit" in verdict and "allowed by --allow-partial" in verdict
    assert code in (0, 1) and verdict.endswith(f"exit {code}")


def test_repeats_still_fold_once_the_bound_is_reached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = _capture(tmp_path, 1, 0)
    whole = scan_file(path).document
    monkeypatch.setattr(limits, "MAX_ITEMS", 100)
    doc = scan_file(path).document
    assert len(doc.candidates) + len(doc.addresses) == 100 and doc.status is InputStatus.PARTIAL
    assert all(c.count == 2 for c in doc.candidates)  # held items keep counting their repeats
    assert doc.unaudited == _sightings(whole) - _sightings(doc)
