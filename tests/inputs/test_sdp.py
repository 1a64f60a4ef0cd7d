"""SDP reading: sections, origins, addresses outside candidates, the peer SDP corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from icecheck.inputs.sdp import parse_sdp_text
from icecheck.inputs.sdpfile import read_sdp_path
from icecheck.model import AddressRole, InputStatus, Origin
from tests.conftest import DATA

OFFER = (
    "v=0\r\no=- 1 2 IN IP4 192.168.1.5\r\ns=-\r\nt=0 0\r\na=ice-ufrag:sess\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.1.2.3/127\r\na=rtcp:9 IN IP4 10.1.2.4\r\n"
    "a=mid:0\r\na=candidate:1 1 udp 2122260223 192.168.1.5 5000 typ host\r\n"
    "a=ssrc:1 cname:bob@172.16.9.9\r\na=end-of-candidates\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:v\r\na=ice-ufrag:vid\r\n"
    "a=remote-candidates:1 10.0.0.1 5555 2 10.0.0.1 5556\r\n"
    "a=candidate:2 1 tcp 1518280447 192.168.1.5 9 typ host tcptype active\r\n"
)
ANSWER = (
    "v=0\no=- 9 2 IN IP6 fd00::1\ns=-\nt=0 0\nm=audio 9 RTP/AVP 0\na=candidate:3 1 UDP 1 198.51.100.1 6 typ relay\n"
)


def test_sections_and_context() -> None:
    doc = parse_sdp_text(OFFER, Origin("x.sdp"))
    assert doc.status is InputStatus.OK
    c1, c2 = doc.candidates
    assert (c1.context.media, c1.context.mid, c1.context.ice_ufrag, c1.origin.line) == (
        "audio",
        "0",
        "sess",
        10,
    )
    assert (c2.context.media, c2.context.mid, c2.context.ice_ufrag, c2.origin.line) == (
        "video",
        "v",
        "vid",
        17,
    )
    assert c2.candidate.tcptype == "active"
    assert doc.end_of_candidates == 1


def test_addresses_outside_candidates() -> None:
    doc = parse_sdp_text(OFFER, Origin("x.sdp"))
    found = {(a.role, a.address, a.origin.line) for a in doc.addresses}
    assert found == {
        (AddressRole.ORIGIN, "192.168.1.5", 2),
        (AddressRole.CONNECTION, "10.1.2.3", 7),
        (AddressRole.RTCP, "10.1.2.4", 8),
        (AddressRole.CNAME, "172.16.9.9", 11),
        (AddressRole.REMOTE_CANDIDATES, "10.0.0.1", 16),
    }


def test_offer_then_answer_in_one_file_with_mixed_endings() -> None:
    doc = parse_sdp_text(OFFER + ANSWER, Origin("call.sdp"))
    assert [c.context.sdp_index for c in doc.candidates] == [0, 0, 1]
    assert doc.candidates[2].origin.line == 17 + 6
    assert doc.candidates[2].origin.detail == "sdp 2, m-line 0 (audio)"


def test_candidate_lines_only_and_embedded_origins() -> None:
    text = "candidate:1 1 udp 2122260223 10.0.0.7 5000 typ host\n1 1 udp 5 10.0.0.8 5001 typ host\n"
    doc = parse_sdp_text(text, Origin("log.txt", line=40))
    assert [c.origin.line for c in doc.candidates] == [40, 41]
    doc = parse_sdp_text(text, Origin("cap.pcap", packet=7))
    assert doc.candidates[1].origin.packet == 7
    assert doc.candidates[1].origin.detail == "SDP line 2"


def test_malformed_candidate_is_located_and_the_rest_audited() -> None:
    text = OFFER.replace("typ host\r\n", "typ host\r\na=candidate:9 1 udp 1 10.0.0.1 99999 typ host\r\n", 1)
    doc = parse_sdp_text(text, Origin("x.sdp"))
    assert doc.status is InputStatus.PARTIAL
    assert len(doc.candidates) == 2
    (diag,) = doc.diagnostics
    assert diag.origin.line == 11 and "99999" in diag.message


def test_duplicate_candidates_are_folded() -> None:
    line = "a=candidate:1 1 udp 2122260223 10.0.0.7 5000 typ host\n"
    doc = parse_sdp_text("m=audio 9 RTP/AVP 0\n" + line * 5, Origin("d.sdp"))
    assert len(doc.candidates) == 1 and doc.duplicates == 4
    (rec,) = doc.candidates
    assert rec.count == 5 and rec.origin.line == 2 and rec.last is not None and rec.last.line == 6


def test_repeated_addresses_fold_with_their_count_and_last_line() -> None:
    text = "v=0\nc=IN IP4 10.0.0.7\nm=audio 9 RTP/AVP 0\nc=IN IP4 10.0.0.7\nm=video 9 RTP/AVP 96\nc=IN IP4 10.0.0.7\n"
    (rec,) = parse_sdp_text(text, Origin("d.sdp")).addresses
    assert (rec.count, rec.origin.line, rec.last and rec.last.line) == (3, 2, 6)


def _index() -> list[dict[str, object]]:
    path = DATA / "peer-vectors" / "sdp" / "index.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("entry", _index(), ids=lambda e: str(e["file"]))
def test_peer_sdp_corpus(entry: dict[str, object]) -> None:
    """Every peer SDP reads without a crash, with the indexed candidate count and c=/o= addresses."""
    path = DATA / "peer-vectors" / "sdp" / str(entry["file"])
    doc = read_sdp_path(str(path))
    raw_lines = [ln for ln in path.read_bytes().splitlines() if ln.startswith(b"a=candidate:")]
    kept = len(doc.candidates) + doc.duplicates
    bad = sum(1 for d in doc.diagnostics if "malformed candidate" in d.message)
    assert len(raw_lines) == entry["candidate_count"]
    assert kept + bad == entry["candidate_count"]
    if entry.get("valid_per_peer") and entry["peer"] != "clux/sdp-transform":
        assert bad == 0, [d.message for d in doc.diagnostics]
    conn = {a.address for a in doc.addresses if a.role is AddressRole.CONNECTION}  # one record per address
    expected = {str(a).split("/")[0] for a in entry["connection_addresses"]}  # type: ignore[attr-defined]
    assert conn == expected
    if entry.get("origin_address"):
        assert entry["origin_address"] in {a.address for a in doc.addresses if a.role is AddressRole.ORIGIN}


def test_stdin_and_several_files(tmp_path: Path) -> None:
    from tests.conftest import run_json

    f = tmp_path / "a.sdp"
    f.write_text(OFFER)
    _, report = run_json("sdp", str(f), str(DATA / "peer-vectors" / "sdp" / "aiortc-aiortc__test_audio_chrome.sdp"))
    assert [i["path"] for i in report["inputs"]] == [
        str(f),
        str(DATA / "peer-vectors/sdp/aiortc-aiortc__test_audio_chrome.sdp"),
    ]
    from tests.conftest import run_cli

    proc = run_cli("sdp", "-", "--format", "json", stdin=OFFER.encode())
    data = json.loads(proc.stdout)
    assert data["inputs"][0]["path"] == "<stdin>" and len(data["candidates"]) == 2
