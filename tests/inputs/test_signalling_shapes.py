"""Signalling of any shape: public signalling protocols' messages, candidate objects, text logs.

Every message here is written from the protocol's public documentation (cited per test) with
documentation addresses (RFC 5737/3849); none is copied from another project. Each test names
the addresses the input holds and checks that exactly those are reported.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from icecheck.inputs import synth
from icecheck.inputs.detect import Format, sniff
from icecheck.inputs.scanner import ScanOutput, scan_file
from icecheck.model import AddressRole, InputStatus
from tests.conftest import run_cli, unavailable

HOST = "candidate:1 1 udp 2122260223 192.0.2.10 50000 typ host generation 0"
SRFLX = "candidate:2 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 192.0.2.10 rport 50000 generation 0"
RELAY = "candidate:3 1 udp 41885439 198.51.100.20 49152 typ relay raddr 203.0.113.7 rport 61000"
SDP = (
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:EsAw\r\n"
    f"a={HOST}\r\n"
)


def put(tmp_path: Path, name: str, data: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def scan(tmp_path: Path, name: str, data: str | bytes) -> ScanOutput:
    return scan_file(put(tmp_path, name, data))


def addresses(out: ScanOutput) -> set[tuple[str, int, str]]:
    return {(c.candidate.address, c.candidate.port, c.candidate.type) for c in out.document.candidates}


def jsonl(*messages: object) -> str:
    return "\n".join(json.dumps(m) for m in messages) + "\n"


# -- the two reports --------------------------------------------------------------------


def test_aiortc_candidate_log_with_line_ip_and_port(tmp_path: Path) -> None:
    # What a Python aiortc application logs: its RTCIceCandidate fields beside the SDP line.
    doc = {
        "candidates": [
            {"line": f"a={HOST}", "ip": "192.0.2.10", "port": 50000},
            {"line": f"a={SRFLX}", "ip": "203.0.113.7", "port": 61000, "type": "srflx"},
        ]
    }
    out = scan(tmp_path, "aiortc.json", json.dumps(doc))
    assert out.document.status is InputStatus.OK
    assert addresses(out) == {("192.0.2.10", 50000, "host"), ("203.0.113.7", 61000, "srflx")}


def test_trickle_log_of_only_end_of_candidates_is_an_audit_of_nothing(tmp_path: Path) -> None:
    # Firefox with a relay-only policy and no reachable TURN server signals only the end marker.
    path = put(
        tmp_path,
        "ff.jsonl",
        jsonl(*({"candidate": "", "sdpMid": str(i), "sdpMLineIndex": i, "usernameFragment": "a1b2"} for i in range(3))),
    )
    out = scan_file(path)
    assert out.document.status is InputStatus.OK and out.document.end_of_candidates == 3
    assert out.summary is not None and "3 end-of-candidates" in out.summary
    proc = run_cli("scan", "--offline", path)
    assert proc.returncode == 0, proc.stderr
    assert "end-of-candidates" in proc.stdout and "gathered none" in proc.stdout


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("janus.json", json.dumps([{"janus": "trickle", "transaction": "t", "candidate": {"completed": True}}])),
        (
            "whip-patch.sdpfrag",
            "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\nm=audio 9 RTP/AVP 0\r\n"
            "a=mid:0\r\na=end-of-candidates\r\n",
        ),
        ("matrix.json", json.dumps({"type": "m.call.candidates", "content": {"candidates": [{"candidate": ""}]}})),
        ("null.jsonl", jsonl({"type": "candidate", "candidate": None, "sdpMid": "0"})),
    ],
)
def test_other_end_of_candidates_shapes(tmp_path: Path, name: str, data: str) -> None:
    path = put(tmp_path, name, data)
    out = scan_file(path)
    assert out.document.status is InputStatus.OK and out.document.end_of_candidates >= 1
    assert run_cli("scan", "--offline", path).returncode == 0
    if name.endswith(".sdpfrag"):
        assert run_cli("sdp", "--offline", path).returncode == 0


def test_end_of_candidates_beside_an_unreadable_part_is_not_clean(tmp_path: Path) -> None:
    out = scan(tmp_path, "t.jsonl", jsonl({"candidate": "", "sdpMid": "0"}, {"candidate": "candidate:x"}))
    assert out.document.status is not InputStatus.OK


# -- public signalling protocols ----------------------------------------------------------------


def test_janus_trickle_messages(tmp_path: Path) -> None:
    # Janus JSON API, "Trickle ICE": one candidate, a batch, and {"completed": true} at the end.
    base = {"janus": "trickle", "session_id": 5_000_001, "handle_id": 6_000_002}
    messages = [
        {**base, "transaction": "t1", "candidate": {"sdpMid": "0", "sdpMLineIndex": 0, "candidate": HOST}},
        {**base, "transaction": "t2", "candidates": [{"sdpMid": "0", "sdpMLineIndex": 0, "candidate": SRFLX}]},
        {**base, "transaction": "t3", "candidate": {"completed": True}},
    ]
    out = scan(tmp_path, "janus.jsonl", jsonl(*messages))
    assert addresses(out) == {("192.0.2.10", 50000, "host"), ("203.0.113.7", 61000, "srflx")}
    assert out.document.end_of_candidates == 1
    assert {c.context.mid for c in out.document.candidates} == {"0"}


def test_mediasoup_transport_ice_candidates(tmp_path: Path) -> None:
    # mediasoup: a WebRtcTransport's iceCandidates (IceCandidate: foundation, priority, ip/address,
    # protocol, port, type, tcpType) as a protoo response carries them to the client.
    response = {
        "response": True,
        "id": 4242,
        "ok": True,
        "data": {
            "id": "5f2b9c1e-0000-4000-8000-000000000001",
            "iceParameters": {"usernameFragment": "ufrag8x", "password": "pw", "iceLite": True},
            "iceCandidates": [
                {
                    "foundation": "udpcandidate",
                    "priority": 1076302079,
                    "ip": "198.51.100.7",
                    "address": "198.51.100.7",
                    "protocol": "udp",
                    "port": 40001,
                    "type": "host",
                },
                {
                    "foundation": "tcpcandidate",
                    "priority": 1076276479,
                    "ip": "198.51.100.7",
                    "address": "198.51.100.7",
                    "protocol": "tcp",
                    "port": 40002,
                    "type": "host",
                    "tcpType": "passive",
                },
            ],
            "dtlsParameters": {"role": "auto", "fingerprints": [{"algorithm": "sha-256", "value": "AB:CD"}]},
        },
    }
    out = scan(tmp_path, "mediasoup.json", json.dumps(response))
    assert addresses(out) == {("198.51.100.7", 40001, "host"), ("198.51.100.7", 40002, "host")}
    tcp = next(c.candidate for c in out.document.candidates if c.candidate.port == 40002)
    assert (tcp.transport, tcp.tcptype, tcp.priority, tcp.foundation) == ("tcp", "passive", 1076276479, "tcpcandidate")


def test_livekit_trickle_with_candidate_init_as_a_json_string(tmp_path: Path) -> None:
    # LiveKit's JSON signal protocol: SignalResponse {"trickle": {candidateInit: <JSON string of an
    # RTCIceCandidateInit>, target}}, and {"answer": SessionDescription}.
    init = {"candidate": SRFLX, "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "Lk9q"}
    messages = [
        {"answer": {"type": "answer", "sdp": SDP}},
        {"trickle": {"candidateInit": json.dumps(init), "target": "SUBSCRIBER"}},
    ]
    out = scan(tmp_path, "livekit.jsonl", jsonl(*messages))
    assert addresses(out) == {("192.0.2.10", 50000, "host"), ("203.0.113.7", 61000, "srflx")}
    srflx = next(c for c in out.document.candidates if c.candidate.type == "srflx")
    assert (srflx.context.mid, srflx.context.ice_ufrag) == ("0", "Lk9q")
    assert "<json>" in (srflx.origin.detail or "")


JINGLE = """<iq from='focus@auth.meet.example/focus' to='alice@meet.example/res' type='set' id='j1'>
  <jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='s7uq3lbb'>
    <content creator='initiator' name='audio'>
      <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='8hhy' pwd='asd88fgpdd777uzjYhagZg'>
        <candidate component='1' foundation='1' generation='0' id='el0747fg11' ip='192.0.2.10'
                   network='1' port='50000' priority='2130706431' protocol='udp' type='host'/>
        <candidate component='1' foundation='2' generation='0' id='y3s2b30v3r' ip='203.0.113.7'
                   network='1' port='61000' priority='1694498815' protocol='udp' rel-addr='192.0.2.10'
                   rel-port='50000' type='srflx'/>
      </transport>
    </content>
    <content creator='initiator' name='video'>
      <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='9kk1' pwd='x'>
        <candidate component='1' foundation='3' generation='0' id='r1' ip='2001:db8::7' network='1'
                   port='3478' priority='16777215' protocol='udp' type='relay' rel-addr='203.0.113.7' rel-port='61000'/>
        <remote-candidate component='1' ip='198.51.100.30' port='40100'/>
      </transport>
    </content>
  </jingle>
</iq>
"""


def test_xmpp_jingle_candidates_xep_0176(tmp_path: Path) -> None:
    # XEP-0176 §5 (candidate attributes), §7.3 (remote-candidate); Jitsi signals this way.
    assert sniff(JINGLE.encode()) is Format.TEXT
    out = scan(tmp_path, "jingle.xml", JINGLE)
    assert addresses(out) == {
        ("192.0.2.10", 50000, "host"),
        ("203.0.113.7", 61000, "srflx"),
        ("2001:db8::7", 3478, "relay"),
    }
    by_type = {c.candidate.type: c for c in out.document.candidates}
    assert by_type["srflx"].candidate.related_address == "192.0.2.10"
    assert (by_type["srflx"].context.mid, by_type["srflx"].context.ice_ufrag) == ("audio", "8hhy")
    assert (by_type["relay"].context.mid, by_type["relay"].context.ice_ufrag) == ("video", "9kk1")
    assert by_type["host"].origin.line == 5  # the line the element starts on
    remote = [a for a in out.document.addresses if a.role is AddressRole.REMOTE_CANDIDATES]
    assert [(a.address, a.port) for a in remote] == [("198.51.100.30", 40100)]


def test_jingle_inside_a_json_log_string(tmp_path: Path) -> None:
    out = scan(tmp_path, "x.json", json.dumps({"direction": "in", "stanza": " ".join(JINGLE.split())}))
    assert len(out.document.candidates) == 3


def test_whip_patch_trickle_sdpfrag_file(tmp_path: Path) -> None:
    # RFC 8840 §4.4 / RFC 9725 §4.3.1: an application/trickle-ice-sdpfrag PATCH body.
    frag = (
        "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"
        f"a={SRFLX}\r\na=end-of-candidates\r\n"
    )
    out = scan(tmp_path, "patch.sdpfrag", frag)
    assert addresses(out) == {("203.0.113.7", 61000, "srflx")}
    assert out.document.end_of_candidates == 1


def test_matrix_call_events(tmp_path: Path) -> None:
    # Matrix client-server API, VoIP: m.call.invite (offer) and m.call.candidates (v1: an empty
    # candidate string ends the list), as a /sync response nests them in a room timeline.
    invite = {
        "call_id": "c1",
        "party_id": "p1",
        "version": "1",
        "lifetime": 60000,
        "offer": {"type": "offer", "sdp": SDP},
    }
    candidates = [{"candidate": RELAY, "sdpMid": "0", "sdpMLineIndex": 0}, {"candidate": "", "sdpMid": "0"}]
    events = [
        {"type": "m.call.invite", "content": invite},
        {
            "type": "m.call.candidates",
            "content": {"call_id": "c1", "party_id": "p1", "version": "1", "candidates": candidates},
        },
    ]
    sync = {"next_batch": "s1", "rooms": {"join": {"!room:example.org": {"timeline": {"events": events}}}}}
    out = scan(tmp_path, "sync.json", json.dumps(sync))
    assert addresses(out) == {("192.0.2.10", 50000, "host"), ("198.51.100.20", 49152, "relay")}
    assert out.document.end_of_candidates == 1


# -- candidate objects ----------------------------------------------------------------------------


def test_w3c_candidate_attributes_and_stats_objects(tmp_path: Path) -> None:
    # webrtc-pc §4.8.1 RTCIceCandidate attributes (component "rtp"), and webrtc-stats
    # RTCIceCandidateStats (type "local-candidate", candidateType, address, relayProtocol, url).
    attributes = {
        "address": "203.0.113.7", "port": 61000, "protocol": "udp", "type": "srflx", "foundation": "2",
        "priority": 1686052607, "component": "rtp", "relatedAddress": "192.0.2.10", "relatedPort": 50000,
        "usernameFragment": "EsAw", "sdpMid": "0", "sdpMLineIndex": 0,
    }  # fmt: skip
    stats = {
        "id": "I9x", "timestamp": 1700000000000.0, "type": "local-candidate", "transportId": "T01",
        "address": "198.51.100.20", "port": 49152, "protocol": "udp", "candidateType": "relay",
        "priority": 41885439, "relayProtocol": "tls", "url": "turns:turn.example.net:443",
    }  # fmt: skip
    log = [{"event": "icecandidate", "candidate": attributes}, {"stats": [stats]}]
    out = scan(tmp_path, "objects.json", json.dumps(log))
    assert addresses(out) == {("203.0.113.7", 61000, "srflx"), ("198.51.100.20", 49152, "relay")}
    srflx = next(c for c in out.document.candidates if c.candidate.type == "srflx")
    assert (srflx.candidate.related_address, srflx.candidate.related_port, srflx.context.mid) == (
        "192.0.2.10",
        50000,
        "0",
    )


@pytest.mark.parametrize(
    "obj",
    [
        {"ip": "192.0.2.99", "port": 3478, "protocol": "udp"},  # a server configuration, no type
        {"address": "192.0.2.99", "port": 70000, "type": "host"},  # not a port
        {"address": "", "port": 5000, "type": "host"},  # no address
        {"urls": "stun:192.0.2.99:3478"},
    ],
)
def test_objects_that_are_not_candidates_are_not_reported(tmp_path: Path, obj: dict[str, object]) -> None:
    out = scan(tmp_path, "o.json", json.dumps({"config": obj}))
    assert not out.document.candidates


# -- text logs ------------------------------------------------------------------------------------


def test_browser_console_log_with_candidates_and_an_sdp(tmp_path: Path) -> None:
    console = (
        "12:00:01.120 app.js:41 pc created\n"
        f"12:00:01.351 app.js:77 onicecandidate: {HOST} (sdpMid 0)\n"
        f'12:00:01.362 app.js:80 send {{"type":"candidate","candidate":{{"candidate":"{SRFLX}","sdpMid":"0"}}}}\n'
        "12:00:01.400 app.js:90 remote description: v=0\n"
        "o=- 1 2 IN IP4 198.51.100.1\ns=-\nt=0 0\nm=audio 9 UDP/TLS/RTP/SAVPF 111\na=mid:0\n"
        f"a={RELAY}\n"
        "12:00:02.000 app.js:99 connected\n"
    )
    assert sniff(console.encode()) is Format.TEXT
    out = scan(tmp_path, "console.log", console)
    assert addresses(out) == {
        ("192.0.2.10", 50000, "host"),
        ("203.0.113.7", 61000, "srflx"),
        ("198.51.100.20", 49152, "relay"),
    }
    lines = {c.candidate.type: c.origin.line for c in out.document.candidates}
    assert lines == {"host": 2, "srflx": 3, "relay": 10}
    relay = next(c for c in out.document.candidates if c.candidate.type == "relay")
    assert relay.context.mid == "0" and relay.context.media_index == 0  # read as part of its SDP
    assert any(a.address == "198.51.100.1" for a in out.document.addresses)  # the o= line


def test_log_that_starts_like_json(tmp_path: Path) -> None:
    log = f"[12:00:01] INFO ice: {SRFLX}\n[12:00:02] INFO done\n"
    assert sniff(log.encode()) is Format.TEXT
    assert addresses(scan(tmp_path, "x.log", log)) == {("203.0.113.7", 61000, "srflx")}


def test_json_lines_with_log_lines_between(tmp_path: Path) -> None:
    data = jsonl({"candidate": HOST, "sdpMid": "0"}) + f"--- reconnect: {SRFLX}\n" + jsonl({"candidate": ""})
    out = scan(tmp_path, "t.jsonl", data)
    assert addresses(out) == {("192.0.2.10", 50000, "host"), ("203.0.113.7", 61000, "srflx")}
    assert not [d for d in out.document.diagnostics if "invalid JSON" in d.message]


def test_escaped_candidates_inside_strings(tmp_path: Path) -> None:
    inner = json.dumps({"payload": json.dumps({"msg": f"relay chosen: {RELAY}"})})
    out = scan(tmp_path, "nested.json", json.dumps({"log": [inner], "entriesx": 1}))
    assert addresses(out) == {("198.51.100.20", 49152, "relay")}


def test_text_without_signalling_is_not_audited(tmp_path: Path) -> None:
    out = scan(tmp_path, "notes.txt", "a candidate for mayor\nno addresses here\n")
    assert out.document.status in (InputStatus.EMPTY, InputStatus.UNREADABLE)
    assert not out.document.candidates


# -- the same protocols in captures ---------------------------------------------------------------

CLIENT, SERVER = ("192.0.2.10", 51000), ("198.51.100.1", 80)


def capture(tmp_path: Path, exchanges: list[tuple[bool, bytes]], name: str = "c.pcap") -> str:
    path = tmp_path / name
    with open(path, "wb") as f:
        writer = synth.PcapWriter(f)
        for i, segment in enumerate(synth.tcp_session(CLIENT, SERVER, exchanges, mss=500)):
            for packet in synth.ip(segment):
                writer.write(synth.link(packet), 1_700_000_000 + i / 100)
    return str(path)


def upgrade(protocol: str) -> list[tuple[bool, bytes]]:
    """An RFC 6455 §1.3 opening handshake for a WebSocket subprotocol."""
    request = (
        "GET /ws HTTP/1.1\r\nHost: proxy.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: https://www.example.com\r\n"
        f"Sec-WebSocket-Protocol: {protocol}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    response = (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: {protocol}\r\n\r\n"
    )
    return [(True, request.encode()), (False, response.encode())]


def sip_over_websocket_invite() -> bytes:
    # RFC 7118 §A.2 style: a JsSIP/SIP.js user agent's INVITE with its .invalid Via host.
    body = SDP + f"a={SRFLX}\r\n"
    return (
        "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks\r\n"
        "From: sip:alice@example.com;tag=asdyka899\r\nTo: sip:bob@example.com\r\nCall-ID: asidkj3ss\r\n"
        "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nSupported: path, outbound, gruu\r\n"
        "Route: <sip:proxy.example.com:443;transport=ws;lr>\r\n"
        "Contact: <sip:alice@example.com;gr=urn:uuid:f81-7dec-14a06cf1;ob>\r\n"
        f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


def test_jssip_sip_over_websocket_capture_and_tshark_agrees(tmp_path: Path) -> None:
    invite = sip_over_websocket_invite()
    path = capture(tmp_path, [*upgrade("sip"), (True, synth.ws_frame(invite, mask=b"\x11\x22\x33\x44"))])
    out = scan_file(path)
    assert addresses(out) == {("192.0.2.10", 50000, "host"), ("203.0.113.7", 61000, "srflx")}
    assert {c.origin.call for c in out.document.candidates} == {"asidkj3ss"}
    seen = tshark(path, "sip", "sip.Method", "sip.Call-ID")
    assert seen == [["INVITE", "asidkj3ss"]]


def test_jitsi_xmpp_over_websocket_capture(tmp_path: Path) -> None:
    # RFC 7395: XMPP framed one stanza per WebSocket message; the server pushes the Jingle iq.
    opening = b'<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="meet.example" version="1.0"/>'
    path = capture(
        tmp_path,
        [
            *upgrade("xmpp"),
            (True, synth.ws_frame(opening, mask=b"abcd")),
            (False, synth.ws_frame(opening.replace(b"to=", b"from="))),
            (False, synth.ws_frame(JINGLE.encode())),
        ],
    )
    out = scan_file(path)
    assert addresses(out) == {
        ("192.0.2.10", 50000, "host"),
        ("203.0.113.7", 61000, "srflx"),
        ("2001:db8::7", 3478, "relay"),
    }
    assert all("WebSocket message" in (c.origin.detail or "") for c in out.document.candidates)


def test_whip_offer_and_trickle_patch_capture(tmp_path: Path) -> None:
    # RFC 9725 (WHIP) §4.2 POST application/sdp, §4.3.1 PATCH application/trickle-ice-sdpfrag.
    frag = f"a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na={RELAY}\r\n"
    post = (
        f"POST /whip/endpoint HTTP/1.1\r\nHost: whip.example.com\r\nContent-Type: application/sdp\r\n"
        f"Content-Length: {len(SDP)}\r\n\r\n{SDP}"
    )
    created = 'HTTP/1.1 201 Created\r\nLocation: /whip/resource/id\r\nETag: "xyzzy"\r\nContent-Length: 0\r\n\r\n'
    patch = (
        f'PATCH /whip/resource/id HTTP/1.1\r\nHost: whip.example.com\r\nIf-Match: "xyzzy"\r\n'
        f"Content-Type: application/trickle-ice-sdpfrag\r\nContent-Length: {len(frag)}\r\n\r\n{frag}"
    )
    done = "HTTP/1.1 204 No Content\r\n\r\n"
    exchanges = [(True, post.encode()), (False, created.encode()), (True, patch.encode()), (False, done.encode())]
    out = scan_file(capture(tmp_path, exchanges))
    assert addresses(out) == {("192.0.2.10", 50000, "host"), ("198.51.100.20", 49152, "relay")}
    assert [m for m in tshark(capture(tmp_path, exchanges, "t.pcap"), "http.request", "http.request.method")] == [
        ["POST"],
        ["PATCH"],
    ]


def tshark(path: str, display_filter: str, *fields: str) -> list[list[str]]:
    """What tshark (offline, no name resolution) decodes: one row of ``fields`` per matching packet."""
    if shutil.which("tshark") is None:
        unavailable("tshark is not installed")
    args = ["tshark", "-n", "-r", path, "-Y", display_filter, "-T", "fields"]
    for field in fields:
        args += ["-e", field]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    return [line.split("\t") for line in proc.stdout.splitlines() if line.strip()]


# -- hostile input --------------------------------------------------------------------------------

HOSTILE = {
    "unclosed-arrays.log": "candidate " + "[1," * 200_000 + "\n" + '{"candidate":' * 50_000 + "\n",
    "tags.xml": "<candidate " * 100_000 + "\n" + "<candidate ip='192.0.2.1 port='" * 20_000 + ">\n",
    "open-tag-lines.xml": "<candidate ip='192.0.2.1'\n" + "x='y'\n" * 10_000,
    "sdp-flood.log": "x v=0\n" + "a=" + "x" * 200 + "\n" * 1 + ("a=" + "y" * 50 + "\n") * 50_000,
    "long-line.log": "candidate:1 1 udp 1 192.0.2.1 1 typ host " + "ext val " * 400_000 + "\n",
    "xml-context.txt": ("<content name='" + "a" * 100 + "'>") * 30_000 + "\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_is_read_within_bounds(tmp_path: Path, name: str) -> None:
    out = scan(tmp_path, name, HOSTILE[name])
    assert len(out.document.diagnostics) <= 202
    assert {c.candidate.address for c in out.document.candidates} <= {"192.0.2.1"}


def test_hostile_json_nesting_and_repetition(tmp_path: Path) -> None:
    nested = json.dumps({"candidate": HOST})
    for _ in range(12):  # strings in strings: each level doubles the backslashes of the one inside
        nested = json.dumps({"x": nested})
    assert addresses(scan(tmp_path, "deep.json", nested)) == {("192.0.2.10", 50000, "host")}
    repeated = scan(tmp_path, "many.json", json.dumps([f"log {HOST}"] * 50_000))
    assert addresses(repeated) == {("192.0.2.10", 50000, "host")} and repeated.document.duplicates == 49_999
    proc = run_cli("scan", "--offline", put(tmp_path, "cut.json", json.dumps({"candidate": HOST})[:-9]))
    assert proc.returncode in (0, 1, 2)


def test_a_string_with_more_than_ten_thousand_candidates_yields_them_all(tmp_path: Path) -> None:
    # One JSON string (a logged blob, not SDP) with 12,000 distinct candidate strings: none is left
    # unread (a per-text cap of 10,000 once dropped the rest without a word).
    cands = [f"candidate:{n} 1 udp 2122260223 10.{n >> 8 & 255}.{n & 255}.1 {1024 + n} typ host" for n in range(12_000)]
    out = scan(tmp_path, "blob.json", json.dumps({"log": " | ".join(cands)}))
    assert out.document.status is InputStatus.OK
    assert len({(c.candidate.address, c.candidate.port) for c in out.document.candidates}) == 12_000
