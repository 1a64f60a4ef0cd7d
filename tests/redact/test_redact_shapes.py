"""Redaction and the signalling shapes ``scan`` learned to read (issue 11 item 4).

Text shapes (JSON of any shape, strings in strings, Jingle XML, text logs) are redacted: no
original address survives and the redacted file still yields as many candidates. The capture
shapes are rewritten (IP in IP, GRE/ERSPAN: the inner packet; SIP over SCTP: its DATA chunks;
STUN over TCP in RFC 4571 frames, classic STUN, MS-TURN: their address attributes); what
redaction does not rewrite is blanked or dropped and counted in the summary: never copied.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.inputs import synth
from icecheck.inputs.scanner import scan_file
from icecheck.redact import formats
from icecheck.redact.formats import redact_document
from icecheck.redact.standins import StandIns
from tests.conftest import run_cli, unavailable

PRIVATE, PUBLIC, PUBLIC6 = "10.20.30.40", "81.2.3.4", "2a01:4f8::10"
ORIGINALS = re.compile(r"10\.20\.30\.40|81\.2\.3\.4\b|2a01:4f8::10")
HOST = f"candidate:1 1 udp 2122260223 {PRIVATE} 50000 typ host generation 0"
SRFLX = f"candidate:2 1 udp 1686052607 {PUBLIC} 61000 typ srflx raddr {PRIVATE} rport 50000"
JINGLE = (
    "<iq><jingle xmlns='urn:xmpp:jingle:1'><content name='audio'>"
    "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='8hhy'>\n"
    f"<candidate component='1' foundation='1' generation='0' id='e' ip='{PUBLIC6}' network='1' port='50000'"
    " priority='2130706431' protocol='udp' type='host'/>\n"
    f"<candidate component='1' foundation='2' generation='0' id='f' ip='{PUBLIC}' network='1' port='50001'"
    f" priority='1694498815' protocol='udp' rel-addr='{PRIVATE}' rel-port='1' type='srflx'/>"
    "</transport></content></jingle></iq>\n"
)
TEXT_SHAPES = {
    "livekit.jsonl": json.dumps({"trickle": {"candidateInit": json.dumps({"candidate": SRFLX, "sdpMid": "0"})}}),
    "mediasoup.json": json.dumps(
        {"iceCandidates": [{"foundation": "u", "priority": 1, "ip": PUBLIC, "port": 4, "type": "host"}]}
    ),
    "aiortc.json": json.dumps({"candidates": [{"line": f"a={HOST}", "ip": PRIVATE, "port": 50000}]}),
    "jingle.xml": JINGLE,
    "console.log": f'12:00 onicecandidate: {HOST}\n12:01 send {{"candidate":"{SRFLX}"}}\n',
    "nested.json": json.dumps({"log": [json.dumps({"payload": json.dumps({"msg": f"relay: {SRFLX}"})})]}),
}


def redacted(tmp_path: Path, name: str, data: bytes) -> tuple[str, str]:
    (tmp_path / name).write_bytes(data)
    out, _ = redact_document(data, StandIns())
    (tmp_path / f"redacted-{name}").write_bytes(out)
    return str(tmp_path / name), str(tmp_path / f"redacted-{name}")


@pytest.mark.parametrize("name", sorted(TEXT_SHAPES))
def test_text_shapes_are_redacted(tmp_path: Path, name: str) -> None:
    original, result = redacted(tmp_path, name, TEXT_SHAPES[name].encode())
    assert not ORIGINALS.search(Path(result).read_text())
    before, after = scan_file(original).document, scan_file(result).document
    assert before.candidates and len(after.candidates) == len(before.candidates)


def framed(message: bytes) -> bytes:
    """RFC 4571 §2 framing."""
    return struct.pack("!H", len(message)) + message


def capture(segments: list[tuple[str, str, int, bytes]]) -> bytes:
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    for i, segment in enumerate(segments):
        for packet in synth.ip(segment):
            writer.write(synth.link(packet), 1_700_000_000 + i)
    return buf.getvalue()


SDP = f"v=0\r\no=- 1 1 IN IP4 {PRIVATE}\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na={HOST}\r\n"
SIP = (
    f"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP {PRIVATE}:5060;branch=z9hG4bKx\r\nCall-ID: c\r\n"
    f"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: {len(SDP)}\r\n\r\n{SDP}"
).encode()
INNER = synth.ip(synth.udp(PRIVATE, 5060, "192.0.2.7", 5060, SIP))[0]
TX, TX16 = b"123456789012", b"ABCDEFGHIJKLMNOP"
MS_TX = b"0123456789abcdef"
CAPTURE_SHAPES = {
    "erspan": [("192.0.2.100", "192.0.2.200", 47, synth.erspan2(synth.link(INNER)))],
    "ip-in-ip": [("192.0.2.100", "192.0.2.200", 4, INNER)],
    "sctp": [synth.sctp(PRIVATE, 5060, "192.0.2.7", 5060, [synth.sctp_data(1, 0, 0, 0, SIP)])],
    "ice-tcp": synth.tcp_session(
        ("192.0.2.1", 9),
        ("192.0.2.7", 50000),
        [(False, framed(synth.stun_message(0x0101, TX, [(0x20, synth.xor_address(PUBLIC, 9, TX))])))],
    ),
    "classic-stun": [
        synth.udp(
            "192.0.2.7",
            3478,
            "192.0.2.1",
            4000,
            synth.classic_stun(0x0101, TX16, [(1, synth.plain_address(PUBLIC, 4000))]),
        )
    ],
    "ms-turn": [
        synth.udp(
            "192.0.2.7", 3478, "192.0.2.1", 4000, synth.ms_turn(0x0103, MS_TX, [(1, synth.plain_address(PUBLIC, 5000))])
        )
    ],
}


REWRITTEN = {"erspan", "ip-in-ip", "sctp"}  # the inner packet or chunk is rewritten, its candidates kept
STUN_REWRITTEN = {"ice-tcp", "classic-stun", "ms-turn"}  # the mapped address becomes a stand-in
LEFT_OUT: dict[str, str] = {}


@pytest.mark.parametrize("name", sorted(CAPTURE_SHAPES))
def test_capture_shapes_are_rewritten_or_left_out_never_copied(tmp_path: Path, name: str) -> None:
    source, target = tmp_path / f"{name}.pcap", tmp_path / "out.pcap"
    source.write_bytes(capture(CAPTURE_SHAPES[name]))
    before = scan_file(str(source)).document
    assert before.candidates or before.addresses
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    after = scan_file(str(target)).document
    assert not {c.candidate.address for c in after.candidates} & {PRIVATE, PUBLIC}
    assert not {a.address for a in after.addresses} & {PRIVATE, PUBLIC}
    assert PRIVATE.encode() not in target.read_bytes() and PUBLIC.encode() not in target.read_bytes()
    if name in REWRITTEN:
        assert len(after.candidates) == len(before.candidates)
    elif name in STUN_REWRITTEN:
        assert [(a.role, a.port) for a in after.addresses] == [(a.role, a.port) for a in before.addresses]
        assert "blanked" not in proc.stderr and "dropped" not in proc.stderr
    else:
        assert LEFT_OUT[name] in proc.stderr  # the summary says what was dropped or blanked


def test_stun_messages_back_to_back_in_one_segment_are_each_rewritten(tmp_path: Path) -> None:
    # TURN over TCP (RFC 8656 §12.5): two Binding responses and a ChannelData in one segment; the
    # second message's XOR-MAPPED-ADDRESS once came through unchanged after the first was rewritten.
    other = "81.2.3.99"
    first = synth.stun_message(0x0101, TX, [(0x20, synth.xor_address(PUBLIC, 9, TX))])
    second = synth.stun_message(0x0101, TX16[:12], [(0x20, synth.xor_address(other, 10, TX16[:12]))])
    channel = struct.pack("!HH", 0x4000, 3) + b"abc\x00"
    segments = synth.tcp_session(("192.0.2.1", 3478), ("192.0.2.7", 50000), [(False, first + second + channel)])
    source, target = tmp_path / "turn-tcp.pcap", tmp_path / "out.pcap"
    source.write_bytes(capture(segments))
    before = scan_file(str(source)).document
    assert {a.address for a in before.addresses} >= {PUBLIC, other}
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    after = scan_file(str(target)).document
    assert len(after.addresses) == len(before.addresses)
    assert not {a.address for a in after.addresses} & {PUBLIC, other, PRIVATE}


def test_sctp_association_set_up_and_fragments_are_rewritten_or_blanked_with_a_valid_checksum(tmp_path: Path) -> None:
    # An INIT whose IPv4 Address parameter (RFC 9260 §3.3.2.1) names the private address, a State
    # Cookie that repeats it (opaque: blanked), a message split over two DATA chunks (blanked, as
    # redaction cannot rewrite text across chunks) and a whole SIP message (rewritten).
    init_params = struct.pack("!HH4s", 5, 8, bytes(map(int, PRIVATE.split(".")))) + struct.pack("!HH", 7, 16)
    init_params += f"ck {PRIVATE}".encode().ljust(12, b"\0")
    init = struct.pack("!BBH", 1, 0, 4 + 16 + len(init_params)) + struct.pack("!IIHHI", 7, 65535, 1, 1, 1) + init_params
    half = len(SIP) // 2
    packets = [
        synth.sctp(PRIVATE, 5060, "192.0.2.7", 5060, [init], tag=0),
        synth.sctp(PRIVATE, 5060, "192.0.2.7", 5060, [synth.sctp_data(1, 0, 0, 0, SIP[:half], end=False)]),
        synth.sctp(PRIVATE, 5060, "192.0.2.7", 5060, [synth.sctp_data(2, 0, 0, 0, SIP[half:], begin=False)]),
        synth.sctp(PRIVATE, 5060, "192.0.2.7", 5060, [synth.sctp_data(3, 0, 1, 0, SIP)]),
    ]
    source, target = tmp_path / "sctp.pcap", tmp_path / "out.pcap"
    source.write_bytes(capture(packets))
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert "3 SCTP chunks blanked" in proc.stderr  # the INIT's cookie and the two fragments
    out = target.read_bytes()
    assert PRIVATE.encode() not in out and bytes(map(int, PRIVATE.split("."))) not in out
    after = scan_file(str(target)).document
    assert len(after.candidates) == 1 and not {c.candidate.address for c in after.candidates} & {PRIVATE}
    tshark = shutil.which("tshark")
    if tshark is None:
        unavailable("tshark not installed (.ci/run installs it)")
    check = subprocess.run([tshark, "-r", str(target), "-o", "sctp.checksum:CRC-32C", "-T", "fields",
                            "-e", "sctp.checksum.status"], capture_output=True, text=True, check=True)  # fmt: skip
    assert check.stdout.split() == ["1", "1", "1", "1"], check.stdout  # 1: good


def test_sctp_init_with_an_address_parameter_cut_short_is_blanked_not_a_crash(tmp_path: Path) -> None:
    # Found by fuzzing the chunk rewriter: an IPv4 Address parameter whose 8 announced bytes run
    # past its chunk (two of its four address bytes present) once reached the stand-in table.
    params = struct.pack("!HH", 5, 8) + b"\x0a\x14"
    init = struct.pack("!BBH", 1, 0, 4 + 16 + len(params)) + struct.pack("!IIHHI", 7, 65535, 1, 1, 1) + params
    source, target = tmp_path / "cut.pcap", tmp_path / "out.pcap"
    source.write_bytes(capture([synth.sctp(PRIVATE, 5060, "192.0.2.7", 5060, [init], tag=0)]))
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    out = target.read_bytes()
    assert b"\x00\x05\x00\x08\x0a\x14" not in out and bytes(map(int, PRIVATE.split("."))) not in out


_PER_CHARACTER = re.compile(r'"(?:[^"\\\n]|\\.)*"')  # the literal's grammar, one character at a time


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet='ab"\\\n\t\u00e9 ', max_size=40))
def test_json_string_literals_are_found_as_one_character_at_a_time_would(text: str) -> None:
    """``formats._STRING`` (unrolled, possessive: bounded memory on a 100 MB literal) finds the
    same literals as the plain per-character pattern, which held a frame per character."""
    assert [m.span() for m in formats._STRING.finditer(text)] == [m.span() for m in _PER_CHARACTER.finditer(text)]
