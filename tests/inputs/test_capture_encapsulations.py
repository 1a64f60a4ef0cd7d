"""Captures as deployments make them: ERSPAN/GRE and IP-in-IP, SIP over SCTP, STUN over TCP
(RFC 4571 framing, ICE-TCP), classic STUN (RFC 3489) and MS-TURN.

Every capture is built here from the specifications (``icecheck.inputs.synth``); where tshark
decodes the same capture, the test checks that it sees the same SIP or STUN as icecheck.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from icecheck.inputs import stun, synth
from icecheck.inputs.scanner import ScanOutput, scan_file
from icecheck.model import AddressRole, InputStatus
from tests.conftest import unavailable

CLIENT, SERVER = "10.1.2.3", "198.51.100.7"
MIRROR = ("192.0.2.100", "192.0.2.200")  # the tunnel's own endpoints: never reported
SDP = (
    f"v=0\r\no=- 1 1 IN IP4 {CLIENT}\r\ns=-\r\nc=IN IP4 {CLIENT}\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    f"a=candidate:1 1 udp 2130706431 {CLIENT} 4000 typ host\r\n"
    f"a=candidate:2 1 udp 1694498815 203.0.113.5 4000 typ srflx raddr {CLIENT} rport 4000\r\n"
)


def sip(call: str, client: str = CLIENT, body: str = SDP) -> bytes:
    host = f"[{client}]" if ":" in client else client
    return (
        f"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP {host}:5060;branch=z9hG4bK{call}\r\n"
        f"From: <sip:alice@{host}>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: {call}\r\nCSeq: 1 INVITE\r\n"
        f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


def write(tmp_path: Path, packets: list[bytes], name: str = "c.pcap") -> str:
    path = tmp_path / name
    with open(path, "wb") as f:
        writer = synth.PcapWriter(f)
        for i, packet in enumerate(packets):
            writer.write(synth.link(packet), 1_700_000_000 + i / 100)
    return str(path)


def packets(*segments: tuple[str, str, int, bytes]) -> list[bytes]:
    return [p for s in segments for p in synth.ip(s)]


def tshark(path: str, display_filter: str, *fields: str, prefs: tuple[str, ...] = ()) -> list[list[str]]:
    if shutil.which("tshark") is None:
        unavailable("tshark is not installed")
    args = ["tshark", "-n", "-r", path, "-Y", display_filter, "-T", "fields", "-E", "aggregator=,"]
    for pref in prefs:
        args += ["-o", pref]
    for field in fields:
        args += ["-e", field]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    return [line.split("\t") for line in proc.stdout.splitlines() if line.strip()]


def reported(out: ScanOutput) -> set[str]:
    return {c.candidate.address for c in out.document.candidates} | {a.address for a in out.document.addresses}


# -- tunnels --------------------------------------------------------------------------------------

INNER = synth.ip(synth.udp(CLIENT, 5060, SERVER, 5060, sip("mirrored")))[0]
INNER6 = synth.ip(synth.udp("2001:db8::3", 5060, "2001:db8::7", 5060, sip("mirrored", "2001:db8::3")))[0]
TUNNELS = {
    "erspan-ii": (47, synth.erspan2(synth.link(INNER), session=5)),
    "erspan-ii-vlan": (47, synth.erspan2(synth.link(INNER, vlans=[42]), session=5)),
    "erspan-iii": (47, synth.erspan3(synth.link(INNER), session=6)),
    "erspan-iii-subheader": (47, synth.erspan3(synth.link(INNER), session=6, subheader=True)),
    "erspan-i": (47, synth.gre(synth.link(INNER), 0x88BE)),
    "gre-ipv4-key": (47, synth.gre(INNER, key=7)),
    "gre-ipv6": (47, synth.gre(INNER6)),
    "gre-ethernet": (47, synth.gre(synth.link(INNER), 0x6558)),
    "ipv4-in-ipv4": (4, INNER),
    "ipv6-in-ipv4": (41, INNER6),
}


@pytest.mark.parametrize("name", sorted(TUNNELS))
def test_signalling_inside_tunnels_and_tshark_agrees(tmp_path: Path, name: str) -> None:
    proto, payload = TUNNELS[name]
    path = write(tmp_path, packets((*MIRROR, proto, payload)))
    out = scan_file(path)
    assert out.document.status is InputStatus.OK
    assert {c.origin.call for c in out.document.candidates} == {"mirrored"}
    assert len(out.document.candidates) == 2
    assert not reported(out) & set(MIRROR)
    assert out.summary is not None and "1 unwrapped" in out.summary
    if name != "erspan-i":  # tshark 4.0 reads GRE 0x88BE without a sequence number as type II
        assert tshark(path, "sip", "sip.Call-ID") == [["mirrored"]]


def test_ipv6_outer_and_nested_tunnels(tmp_path: Path) -> None:
    in_gre = synth.ip(("2001:db8:ff::1", "2001:db8:ff::2", 47, synth.gre(INNER)))[0]  # GRE over IPv6
    path = write(tmp_path, packets((*MIRROR, 41, in_gre)))  # ... itself in IPv4 (6in4)
    out = scan_file(path)
    assert {c.origin.call for c in out.document.candidates} == {"mirrored"}
    assert tshark(path, "sip", "sip.Call-ID") == [["mirrored"]]


def test_fragmented_inner_packet_is_reassembled(tmp_path: Path) -> None:
    pieces = synth.ip(
        synth.udp(CLIENT, 5060, SERVER, 5060, sip("big", body=SDP + "a=x:" + "y" * 1500 + "\r\n")), mtu=600
    )
    assert len(pieces) > 2
    path = write(tmp_path, [p for piece in pieces for p in synth.ip((*MIRROR, 47, synth.erspan2(synth.link(piece))))])
    assert {c.origin.call for c in scan_file(path).document.candidates} == {"big"}


@pytest.mark.parametrize(
    ("proto", "payload"),
    [
        (47, b"\x00"),  # GRE header cut
        (47, b"\x10\x00\x88\xbe\x00\x00"),  # ERSPAN II: sequence number cut
        (47, synth.gre(b"\x50" + b"\0" * 30, 0x88BE, seq=1)),  # ERSPAN of another version
        (47, synth.gre(b"\x20\0\0\0" + b"\0" * 4, 0x22EB)),  # ERSPAN III header cut
        (47, b"\x00\x01\x88\x0b"),  # GRE version 1 (PPTP): not followed
        (4, b"\x60" + b"\0" * 10),  # IPv4-in-IP holding no IPv4
        (41, INNER[:10]),  # IPv6-in-IP holding a cut IPv4
        (47, synth.gre(INNER[:12])),  # inner IPv4 header cut
    ],
)
def test_damaged_tunnels_are_diagnosed_not_raised(tmp_path: Path, proto: int, payload: bytes) -> None:
    out = scan_file(write(tmp_path, packets((*MIRROR, proto, payload))))
    assert not out.document.candidates and not out.document.addresses


def test_tunnels_nested_deeper_than_the_limit_are_not_followed(tmp_path: Path) -> None:
    packet = INNER
    for _ in range(12):
        packet = synth.ip((*MIRROR, 47, synth.gre(packet)))[0]
    out = scan_file(write(tmp_path, [packet]))
    assert not out.document.candidates


# -- SIP over SCTP (RFC 4168) ---------------------------------------------------------------------


def sctp(*chunks: bytes, reverse: bool = False) -> tuple[str, str, int, bytes]:
    ends = (SERVER, 5060, CLIENT, 5060) if reverse else (CLIENT, 5060, SERVER, 5060)
    return synth.sctp(*ends, list(chunks))


def test_sip_over_sctp_and_tshark_agrees(tmp_path: Path) -> None:
    invite, other = sip("sctp-a"), sip("sctp-b")
    path = write(
        tmp_path,
        packets(
            sctp(synth.sctp_data(1, 0, 0, 0, invite)),
            sctp(synth.sctp_data(1, 0, 0, 0, invite)),  # retransmitted
            sctp(synth.sctp_data(2, 1, 0, 0, other), synth.sctp_data(3, 2, 0, 0, b"not sip")),  # bundled
        ),
    )
    out = scan_file(path)
    assert {c.origin.call for c in out.document.candidates} == {"sctp-a", "sctp-b"}
    first = next(c for c in out.document.candidates if c.origin.call == "sctp-a")
    assert first.origin.packet == 1 and "sctp 10.1.2.3:5060 → 198.51.100.7:5060 stream 0" in (first.origin.detail or "")
    assert out.summary is not None and "3 SCTP messages" in out.summary  # two SIP, one not; the repeat dropped
    assert tshark(path, "sip", "sip.Call-ID") == [["sctp-a"], ["sctp-b"]]  # tshark drops the repeat too


def test_sctp_fragments_reassembled_out_of_order_with_data_and_idata(tmp_path: Path) -> None:
    msg = sip("fragmented")
    parts = [msg[:300], msg[300:600], msg[600:]]
    data = [synth.sctp_data(0xFFFFFFFF + i & 0xFFFFFFFF, 3, 7, 0, p, i == 0, i == 2) for i, p in enumerate(parts)]
    idata = [synth.sctp_idata(50 + i, 4, 9, 0 if i == 0 else i, p, i == 0, i == 2) for i, p in enumerate(parts)]
    order = [sctp(data[2]), sctp(data[0]), sctp(idata[1]), sctp(data[1]), sctp(idata[0]), sctp(idata[2])]
    out = scan_file(write(tmp_path, packets(*order)))
    assert {c.origin.call for c in out.document.candidates} == {"fragmented"}
    assert out.summary is not None and "2 SCTP messages" in out.summary  # one by DATA (TSN wraps), one by I-DATA


@pytest.mark.parametrize(
    "payload",
    [
        b"\x13\xc4\x13\xc4",  # common header cut
        struct.pack("!HHII", 5060, 5060, 1, 0) + b"\x00\x03\x00\x02",  # chunk length below 4
        struct.pack("!HHII", 5060, 5060, 1, 0) + b"\x00\x03\xff\xf0" + b"x" * 20,  # chunk longer than the packet
    ],
)
def test_damaged_sctp_is_diagnosed_not_raised(tmp_path: Path, payload: bytes) -> None:
    out = scan_file(write(tmp_path, packets((CLIENT, SERVER, 132, payload))))
    assert not out.document.candidates


def test_sctp_fragment_flood_stays_bounded(tmp_path: Path) -> None:
    flood = [sctp(synth.sctp_data(i, 0, i, 0, b"x" * 1000, True, False)) for i in range(3000)]  # never ended
    out = scan_file(write(tmp_path, packets(*flood, sctp(synth.sctp_data(99_999, 0, 0, 0, sip("after"))))))
    assert {c.origin.call for c in out.document.candidates} == {"after"}


# -- STUN over TCP: RFC 4571 framing (ICE-TCP, RFC 6544) -------------------------------------------

TX = b"ice-tcp-tx12"


def framed(message: bytes) -> bytes:
    return struct.pack("!H", len(message)) + message


def test_ice_tcp_framed_stun_several_per_segment_and_tshark_agrees(tmp_path: Path) -> None:
    request = synth.stun_message(0x0001, TX, [(0x0006, b"rem:loc"), (0x0024, b"\x6e\x7f\x1e\xff")])
    response = synth.stun_message(0x0101, TX, [(0x0020, synth.xor_address("203.0.113.7", 9, TX))])
    rtp = bytes([0x80, 0x00]) + b"\0" * 30
    other = synth.stun_message(
        0x0101, b"second-tx-12", [(0x0020, synth.xor_address("203.0.113.8", 50000, b"second-tx-12"))]
    )
    exchanges = [(True, framed(request)), (False, framed(response) + framed(rtp) + framed(other))]
    segments = synth.tcp_session((CLIENT, 9), (SERVER, 50000), exchanges)  # the active side uses port 9
    path = write(tmp_path, packets(*segments))
    out = scan_file(path)
    mapped = {(a.address, a.port, a.origin.party) for a in out.document.addresses if a.role is AddressRole.STUN_MAPPED}
    assert mapped == {("203.0.113.7", 9, f"{CLIENT}:9"), ("203.0.113.8", 50000, f"{CLIENT}:9")}
    rows = tshark(path, "stun.type == 0x0101", "stun.att.ipv4")
    assert sorted(ip for row in rows for ip in row[0].split(",")) == ["203.0.113.7", "203.0.113.8"]


def test_framed_stream_split_across_segments_and_garbage(tmp_path: Path) -> None:
    response = synth.stun_message(0x0101, TX, [(0x0020, synth.xor_address("203.0.113.7", 9, TX))])
    stream = framed(response) * 3 + b"\xff\xff" + b"junk"  # a frame that never ends
    segments = synth.tcp_session((CLIENT, 9), (SERVER, 50000), [(False, stream)], mss=7)
    out = scan_file(write(tmp_path, packets(*segments)))
    assert {a.address for a in out.document.addresses} == {"203.0.113.7"}


# -- classic STUN (RFC 3489) and MS-TURN -----------------------------------------------------------

TX16 = b"ABCDEFGHIJKLMNOP"


def test_classic_stun_mapped_address_and_tshark_agrees(tmp_path: Path) -> None:
    request = synth.classic_stun(0x0001, TX16, [(0x0003, b"\0\0\0\0")])  # CHANGE-REQUEST
    response = synth.classic_stun(
        0x0101,
        TX16,
        [
            (0x0001, synth.plain_address("203.0.113.9", 40000)),  # MAPPED-ADDRESS: the client's public side
            (0x0004, synth.plain_address(SERVER, 3478)),  # SOURCE-ADDRESS: the server's
            (0x0005, synth.plain_address("198.51.100.8", 3479)),  # CHANGED-ADDRESS: the server's other
        ],
    )
    path = write(
        tmp_path,
        packets(synth.udp(CLIENT, 40000, SERVER, 3478, request), synth.udp(SERVER, 3478, CLIENT, 40000, response)),
    )
    out = scan_file(path)
    (addr,) = out.document.addresses
    assert (addr.address, addr.port, addr.role, addr.origin.party) == (
        "203.0.113.9",
        40000,
        AddressRole.STUN_MAPPED,
        f"{CLIENT}:40000",
    )
    assert "RFC 3489 Binding success response" in (addr.origin.detail or "")
    assert out.summary is not None and "2 STUN" in out.summary
    rows = tshark(path, "classicstun.type == 0x0101", "classicstun.att.ipv4", "classicstun.att.port")
    assert rows == [["203.0.113.9,198.51.100.7,198.51.100.8", "40000,3478,3479"]]


@pytest.mark.parametrize("cookie_in_header", [True, False])
def test_ms_turn_allocate_response_mapped_address_is_the_relay(tmp_path: Path, cookie_in_header: bool) -> None:
    txid = (stun.MAGIC_BYTES + b"xyzxyzxyzxyz") if cookie_in_header else b"0123456789abcdef"
    request = synth.ms_turn(0x0003, txid, [(0x8008, struct.pack("!I", 6)), (0x0006, b"user1")])
    response = synth.ms_turn(
        0x0103,
        txid,
        [
            (0x0001, synth.plain_address("198.51.100.50", 52000)),  # [MS-TURN] 2.2.2.1: the relayed address
            (0x8020, synth.ms_xor_address("203.0.113.9", 40001, txid)),  # 2.2.2.16: the client's reflexive one
            (0x000D, struct.pack("!I", 480)),
            (0x0015, b"realm"),  # 5 bytes, not padded
            (0x8050, struct.pack("!II", 1, 2)),
        ],
    )
    path = write(
        tmp_path,
        packets(synth.udp(CLIENT, 40001, SERVER, 3478, request), synth.udp(SERVER, 3478, CLIENT, 40001, response)),
    )
    out = scan_file(path)
    roles = {(a.address, a.port, a.role, a.origin.party) for a in out.document.addresses}
    assert roles == {
        ("198.51.100.50", 52000, AddressRole.STUN_RELAYED, f"{CLIENT}:40001"),
        ("203.0.113.9", 40001, AddressRole.STUN_MAPPED, f"{CLIENT}:40001"),
    }
    assert not [d for d in out.document.diagnostics if d.level == "error"]
    if cookie_in_header:  # tshark's STUN dissector takes MS-TURN only behind the RFC 5389 cookie
        rows = tshark(path, "stun.type == 0x0103", "stun.network_version", "stun.att.ipv4", "stun.att.port")
        assert rows == [["3", "198.51.100.50,203.0.113.9", "52000,40001"]]  # 3: MS-TURN


@pytest.mark.parametrize(
    "payload",
    [
        bytes(20),  # a header of zeros: type 0 is no message
        b"\x00\x01\x00\x08" + bytes(16) + b"\x00\x01\x00\x10",  # attribute longer than the message
        b"\x01\x01\x00\x20" + bytes(16) + b"\x00\x01\x00\x08" + b"\x00\x01\x00\x50\x01\x02\x03\x04",  # length lies
        b"\x01\x03\x00\x08" + bytes(16) + b"\x00\x0f\x00\x04\x72\xc6\x4b\xc7",  # wrong MS-TURN cookie
        b"\x00\x02\x00\x00" + bytes(15),  # cut header
    ],
)
def test_udp_that_only_resembles_legacy_stun_is_not_read(tmp_path: Path, payload: bytes) -> None:
    assert not stun.looks_like_legacy(payload)
    out = scan_file(write(tmp_path, packets(synth.udp(SERVER, 3478, CLIENT, 40000, payload))))
    assert not out.document.addresses


def test_damaged_legacy_attributes_are_problems_not_addresses() -> None:
    message = synth.classic_stun(0x0101, TX16, [(0x0001, b"\x00\x07\x00\x01")])  # family 7, cut
    assert stun.looks_like_legacy(message)
    decoded = stun.decode(message)
    assert not decoded.addresses and decoded.problems == ("malformed MAPPED-ADDRESS",)
