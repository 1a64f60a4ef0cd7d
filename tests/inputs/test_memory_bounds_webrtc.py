"""A webrtc-internals dump of many PeerConnections is read in bounded memory (issue 11 item 5).

Stats candidates are matched with the signalled candidates of their own PeerConnection only
(``webrtc._Signalled``: the call, ``PeerConnection <id>``, is in every key). The sink used to hold
every item of the dump for that matching (``Sink.hold_all``, for the whole input): a dump of a
million small PeerConnections (~200 MB) reached 2.7 GB. A dump gives each PeerConnection whole,
one after the other, so the sink now holds only while one is read and moves items to disk
between them (``PeerConnectionReader.done``, ``Sink.release``); the document and the report are
those of a sink that held everything. benchmarks/bench_json.py (``pcs.json``) measures the RSS.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from icecheck.cli import cli
from icecheck.inputs import jsonstream, limits, webrtc
from icecheck.inputs.detect import Format
from icecheck.inputs.jsonfile import read_json_document
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.sink import Sink
from icecheck.inputs.source import Source
from icecheck.model import InputDocument, InputKind

N = 40


def _series(stats_id: str, kind: str, attrs: dict[str, Any]) -> dict[str, Any]:
    return {f"{stats_id}-{k}": {"statsType": kind, "values": json.dumps([v])} for k, v in attrs.items()}


def _peer_connection(n: int) -> dict[str, Any]:
    """An offer with a host candidate, an mDNS host and a srflx trickled (the srflx twice), a
    remote candidate; stats: the mDNS one without an address (its twin takes the interface), the
    srflx (known: not added again), a relay one the signalling never showed, a remote one."""
    port, public = 40000 + n, f"203.0.113.{n % 250}"
    sdp = (
        f"v=0\r\no=- {n} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        f"c=IN IP4 192.0.2.{n % 250}\r\na=mid:0\r\n"
        f"a=candidate:9 1 udp 2122262783 10.1.{n // 250}.{n % 250} {port} typ host\r\n"
    )  # fmt: skip
    log = [
        {"type": "setLocalDescription", "value": f"type: offer, sdp: {sdp}"},
        {"type": "icecandidate", "value": f"sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:1 1 udp 2122260223 "
                                          f"{n:08x}-aaaa.local {port} typ host generation 0"},
        {"type": "icecandidate", "value": f"sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:2 1 udp 1686052607 "
                                          f"{public} {port} typ srflx raddr 0.0.0.0 rport 0 generation 0"},
        {"type": "icecandidate", "value": f"sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:2 1 udp 1686052607 "
                                          f"{public} {port} typ srflx raddr 0.0.0.0 rport 0 generation 0"},
        {"type": "addIceCandidate", "value": f"sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:3 1 udp 2122260223 "
                                             f"198.51.100.{n % 250} 50000 typ host generation 0"},
    ]  # fmt: skip
    stats = {
        **_series("H", "local-candidate", {"address": "", "ip": "", "port": port, "candidateType": "host",
                                           "protocol": "udp", "priority": 2122260223, "networkType": "wifi"}),
        **_series("S", "local-candidate", {"address": public, "port": port, "candidateType": "srflx",
                                           "protocol": "udp", "networkType": "wifi"}),
        **_series("R", "local-candidate", {"address": f"192.0.2.{n % 250}", "port": 3478 + n, "candidateType": "relay",
                                           "protocol": "udp", "relayProtocol": "tls", "networkType": "ethernet"}),
        **_series("X", "remote-candidate", {"address": f"198.51.100.{n % 250}", "port": 50000,
                                            "candidateType": "host", "protocol": "udp"}),
    }  # fmt: skip
    return {"updateLog": log, "stats": stats}


def _dump() -> dict[str, Any]:
    return {"getUserMedia": [], "PeerConnections": {f"{n}-1": _peer_connection(n) for n in range(N)}}


def _read(dump: dict[str, Any]) -> tuple[Sink, InputDocument]:
    sink = Sink("dump.json")
    webrtc.read_webrtc_internals(dump, Dispatcher(sink))
    return sink, sink.document(InputKind.WEBRTC_INTERNALS)


def _check(sink: Sink, doc: InputDocument) -> None:
    """The dump exercises the matching: twins found, known stats candidates not added twice."""
    records = list(doc.candidates)
    mdns = [r for r in records if r.candidate.address.endswith(".local")]
    assert len(mdns) == N and all(r.interface is not None and r.interface.kind == "wifi" for r in mdns)
    srflx = [r for r in records if r.candidate.type == "srflx"]
    assert len(srflx) == N and all(r.count == 2 for r in srflx)  # trickled twice; the stats one known
    assert sum(r.candidate.type == "relay" for r in records) == N
    assert len(records) == 5 * N and doc.addresses  # SDP host, mDNS, srflx, remote, relay; c= lines
    assert sum(f.kind == "network-type" for f in sink.wire.values()) == 3 * N


def test_the_sink_moves_items_to_disk_between_peer_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for 7 items the sink spills, holding no more than that between PeerConnections,
    and its document is the one of a sink that held everything."""
    expected_sink, expected = _read(_dump())
    _check(expected_sink, expected)
    monkeypatch.setattr(limits, "IN_MEMORY", 7)
    sink = Sink("dump.json")
    disp = Dispatcher(sink)
    for pc_id, pc in _dump()["PeerConnections"].items():
        webrtc.read_peer_connection(pc_id, pc, disp)
        assert len(sink.candidates) + len(sink.addresses) <= limits.IN_MEMORY
        assert sink.signalled is None  # the PeerConnection's index went with it
    assert sink.store is not None and sum(sink.store.held) > 5 * N
    doc = sink.document(InputKind.WEBRTC_INTERNALS)
    assert doc == expected and list(doc.candidates) == list(expected.candidates)
    assert [(r.count, r.last, r.interface) for r in doc.candidates] == [
        (r.count, r.last, r.interface) for r in expected.candidates
    ]
    assert list(sink.wire.values()) == list(expected_sink.wire.values())
    _check(sink, doc)


@pytest.mark.parametrize("streamed", [False, True])
def test_the_report_of_a_dump_that_spilled_is_the_report_of_one_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    """Through ``icecheck scan``: the dump decoded whole, or read in parts (``streamed``: every
    PeerConnection too large to decode, read by ``jsonlarge``)."""
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(_dump()))
    if streamed:
        monkeypatch.setattr(jsonstream, "SMALL", 16)
        monkeypatch.setattr(jsonstream, "BIG", 64)

    def scan() -> str:
        out = CliRunner().invoke(cli, ["scan", "--offline", "--no-config", "--format", "json", str(path)])
        assert out.exit_code in (0, 1), out.output
        return out.output

    held = scan()
    monkeypatch.setattr(limits, "IN_MEMORY", 7)
    sink = Sink(str(path))
    with Source(str(path)) as source:
        assert read_json_document(source, sink, Format.WEBRTC_INTERNALS) is Format.WEBRTC_INTERNALS
    assert sink.store is not None and sum(sink.store.held) > 5 * N  # it spilled
    assert scan() == held
    assert len(json.loads(held)["candidates"]) == 5 * N


def test_an_rtcstatsdump_still_matches_across_its_interleaved_peer_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RTCStatsDump lines interleave PeerConnections: their readers share the input's index and
    the sink holds everything (a PeerConnection is never known to be done)."""
    monkeypatch.setattr(limits, "IN_MEMORY", 2)
    lines = ["RTCStatsDump", '{"fileFormat":2}']
    for n in range(3):
        cand = f"candidate:1 1 udp 2122260223 {n:08x}-aaaa.local {9000 + n} typ host"
        lines.append(json.dumps(["onicecandidate", f"pc{n}", {"candidate": cand, "sdpMid": "0"}, 1]))
    for n in range(3):
        stats = {"H": {"type": "local-candidate", "address": "", "ip": "", "port": 9000 + n, "candidateType": "host",
                       "protocol": "udp", "networkType": "vpn"}}  # fmt: skip
        lines.append(json.dumps(["getstats", f"pc{n}", stats, 2]))
    path = tmp_path / "dump.rtcstats"
    path.write_text("\n".join(lines) + "\n")
    out = CliRunner().invoke(cli, ["scan", "--offline", "--no-config", "--format", "json", str(path)])
    report = json.loads(out.output)
    assert len(report["candidates"]) == 3
    assert all(c["interface"]["kind"] == "vpn" for c in report["candidates"]), report["candidates"]
