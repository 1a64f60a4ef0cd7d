"""[MS-TURN] over TCP (Skype for Business/Lync TURN): its TCP framing header, both directions.

No public MS-TURN client or server is available here, so every capture is built byte by byte in
this file from the open specification [MS-TURN] "Traversal Using Relay NAT (TURN) Extensions":
§2.1.4 the TCP framing header (type 0x02 a TURN control message, 0x03 end-to-end data; a reserved
zero byte; a 16-bit length of what follows), §2.1.1 the pseudo-TLS handshake record each side may
send first, §2.2.1 the message header and types, §2.2.2 the attributes (MAGIC-COOKIE 0x000F first,
not padded; MAPPED-ADDRESS 0x0001 = the allocated relay address; XOR-MAPPED-ADDRESS 0x8020 XORed
with the transaction id; DESTINATION-ADDRESS 0x0011, REMOTE-ADDRESS 0x0012, DATA 0x0013).
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from icecheck.inputs import stun, synth
from icecheck.inputs.scanner import ScanOutput, scan_file
from icecheck.model import AddressRole

CLIENT, SERVER = ("10.1.2.3", 50123), ("198.51.100.7", 443)
RELAY, REFLEXIVE, PEER = ("198.51.100.50", 52000), ("203.0.113.9", 40001), ("192.0.2.44", 3480)
PEER2 = ("192.0.2.45", 3481)
C, S = f"{CLIENT[0]}:{CLIENT[1]}", f"{SERVER[0]}:{SERVER[1]}"
TX = [bytes([n]) * 4 + f"ms-turn-tx{n:02d}".encode() for n in range(1, 9)]  # 16-byte ids
ICE_TX = b"ice-check-tx"

ALLOCATE, ALLOCATE_OK, SEND, DATA_IND, SET_ACTIVE = 0x0003, 0x0103, 0x0004, 0x0115, 0x0006
MAPPED, USERNAME, DESTINATION, REMOTE, DATA, SOFTWARE, MS_VERSION, XOR_MAPPED = (
    0x0001,
    0x0006,
    0x0011,
    0x0012,
    0x0013,
    0x8022,
    0x8008,
    0x8020,
)
CONTROL, END_TO_END = 0x02, 0x03


def frame(kind: int, content: bytes) -> bytes:
    """§2.1.4: Type (1 byte), Reserved (1 byte, zero), Length (2 bytes: the bytes that follow)."""
    return struct.pack("!BBH", kind, 0, len(content)) + content


def message(mtype: int, txid: bytes, attrs: list[tuple[int, bytes]]) -> bytes:
    """§2.2.1 header (type, length of the attributes, 16-byte transaction id), MAGIC-COOKIE
    (§2.2.2.8: 0x000F, length 4, 0x72C64BC6) first, then the attributes, none padded."""
    body = struct.pack("!HHI", 0x000F, 4, 0x72C64BC6)
    body += b"".join(struct.pack("!HH", t, len(v)) + v for t, v in attrs)
    return struct.pack("!HH", mtype, len(body)) + txid + body


def address(addr: tuple[str, int]) -> bytes:
    """§2.2.2.1 (also 2.2.2.10, 2.2.2.11): reserved, family 1, port, IPv4 address in the clear."""
    return synth.plain_address(*addr)


def xor_mapped(addr: tuple[str, int], txid: bytes) -> bytes:
    """§2.2.2.16: X-Port = port ^ the transaction id's top 16 bits; X-IP = address ^ its top 32."""
    raw = bytes(int(x) for x in addr[0].split("."))
    xored = bytes(a ^ b for a, b in zip(raw, txid, strict=False))
    return struct.pack("!BBH", 0, 1, addr[1] ^ ((txid[0] << 8) | txid[1])) + xored


def check_response(mapped: tuple[str, int]) -> bytes:
    """An ICE connectivity check's success response (RFC 8489 STUN) naming ``mapped``."""
    return synth.stun_message(0x0101, ICE_TX, [(0x0020, synth.xor_address(*mapped, ICE_TX))])


def conversation() -> list[tuple[bool, bytes]]:
    """(from the client, bytes): an allocation, a check sent and answered through Send/Data, an
    active destination set and a check's answer as end-to-end data; several frames in one send."""
    check = synth.stun_message(0x0001, ICE_TX, [(0x0006, b"remote:local")])
    return [
        (True, frame(CONTROL, message(ALLOCATE, TX[0], [(MS_VERSION, b"\0\0\0\x06"), (USERNAME, b"user")]))),
        (
            False,
            frame(
                CONTROL,
                message(
                    ALLOCATE_OK,
                    TX[0],
                    [(MAPPED, address(RELAY)), (XOR_MAPPED, xor_mapped(REFLEXIVE, TX[0])), (SOFTWARE, b"RTC/7.0")],
                ),
            ),
        ),
        (
            True,
            frame(CONTROL, message(SEND, TX[1], [(DESTINATION, address(PEER)), (DATA, check)]))
            + frame(CONTROL, message(SET_ACTIVE, TX[2], [(DESTINATION, address(PEER2))])),
        ),
        (
            False,
            frame(CONTROL, message(DATA_IND, TX[3], [(REMOTE, address(PEER)), (DATA, check_response(RELAY))]))
            + frame(END_TO_END, check_response(("198.51.100.51", 52002))),
        ),
    ]


def scan_session(tmp_path: Path, exchanges: list[tuple[bool, bytes]], mss: int = 1400) -> ScanOutput:
    path = tmp_path / "ms-turn-tcp.pcap"
    with open(path, "wb") as f:
        writer = synth.PcapWriter(f)
        for i, segment in enumerate(synth.tcp_session(CLIENT, SERVER, exchanges, mss=mss)):
            for packet in synth.ip(segment):
                writer.write(synth.link(packet), 1_700_000_000 + i / 100)
    return scan_file(str(path))


def found(out: ScanOutput) -> set[tuple[str, int, AddressRole, str | None]]:
    return {(a.address, a.port, a.role, a.origin.party) for a in out.document.addresses}


EXPECTED = {
    (*RELAY, AddressRole.STUN_RELAYED, C),  # the Allocate response's MAPPED-ADDRESS: the relay
    (*REFLEXIVE, AddressRole.STUN_MAPPED, C),  # its XOR-MAPPED-ADDRESS: the client's public side
    (*PEER, AddressRole.STUN_PEER, C),  # the Send request's DESTINATION-ADDRESS
    (*PEER2, AddressRole.STUN_PEER, C),  # the Set Active Destination request's
    (*PEER, AddressRole.STUN_PEER, S),  # the Data indication's REMOTE-ADDRESS (the server's word)
    (*RELAY, AddressRole.STUN_MAPPED, C),  # the check answered through the Data indication
    ("198.51.100.51", 52002, AddressRole.STUN_MAPPED, C),  # the check answered as end-to-end data
}


@pytest.mark.parametrize("mss", [1400, 7, 33])  # whole sends, and every message split across segments
def test_ms_turn_over_tcp_is_read_in_both_directions(tmp_path: Path, mss: int) -> None:
    out = scan_session(tmp_path, conversation(), mss)
    assert found(out) == EXPECTED
    assert not out.document.diagnostics
    assert [f.value for f in out.wire if f.kind == "software"] == ["RTC/7.0"]
    details = {a.origin.detail or "" for a in out.document.addresses}
    assert any("MS-TURN TCP framing, STUN MS-TURN Allocate success response" in d for d in details)
    assert any("end-to-end data" in d and "Binding success response" in d for d in details)


def pseudo_tls(handshake_type: int, body: bytes) -> bytes:
    """§2.1.1: a TLS record (RFC 2246 §6.2: content type 0x16 handshake, version 3.1, length)
    holding one handshake message (§7.4: type, 24-bit length); its fields do not matter here."""
    handshake = struct.pack("!B", handshake_type) + len(body).to_bytes(3, "big") + body
    return struct.pack("!BBBH", 0x16, 3, 1, len(handshake)) + handshake


def test_ms_turn_after_the_pseudo_tls_handshake(tmp_path: Path) -> None:
    talk = conversation()
    hello = pseudo_tls(1, b"\x03\x01" + bytes(32) + b"\x00\x00\x02\x00\x18\x01\x00")  # ClientHello
    server_hello = pseudo_tls(2, b"\x03\x01" + bytes(32) + b"\x00\x00\x18\x00" + b"\x0e\x00\x00\x00")
    exchanges = [(True, hello), (False, server_hello), (True, talk[0][1]), *talk[1:]]
    out = scan_session(tmp_path, exchanges, mss=40)
    assert found(out) == EXPECTED
    assert any("after pseudo-TLS" in (a.origin.detail or "") for a in out.document.addresses)


def test_real_tls_is_not_taken_for_pseudo_tls(tmp_path: Path) -> None:
    records = pseudo_tls(1, bytes(60)) + struct.pack("!BBBH", 0x17, 3, 3, 40) + bytes(40)
    out = scan_session(tmp_path, [(True, records), (False, records)])
    assert not out.document.addresses
    assert [d.message for d in out.document.diagnostics] == ["no signalling or STUN found in the capture"]


def test_malformed_frames_are_problems_and_the_framing_fails_closed(tmp_path: Path) -> None:
    allocated = frame(CONTROL, message(ALLOCATE_OK, TX[0], [(MAPPED, address(RELAY))]))
    garbage = frame(CONTROL, b"\x01\x03\x00\x08" + bytes(16) + b"\x00\x0f\x00\x04\x72\xc6\x4b\xc7")  # bad cookie
    later = frame(CONTROL, message(DATA_IND, TX[1], [(REMOTE, address(PEER))]))
    lost = b"\x07\x00\x00\x08" + bytes(8)  # type 7 is no frame: the framing is lost here
    never = frame(CONTROL, message(DATA_IND, TX[2], [(REMOTE, address(PEER2))]))
    out = scan_session(tmp_path, [(True, b""), (False, allocated + garbage + later + lost + never)], mss=11)
    assert found(out) == {(*RELAY, AddressRole.STUN_RELAYED, C), (*PEER, AddressRole.STUN_PEER, S)}
    messages = [d.message for d in out.document.diagnostics]
    assert any("control frame of 28 bytes holds no MS-TURN message" in m for m in messages)
    assert any("MS-TURN TCP framing lost: frame type 0x07" in m for m in messages)


def test_a_frame_cut_short_by_the_capture_reports_nothing(tmp_path: Path) -> None:
    whole = frame(CONTROL, message(ALLOCATE_OK, TX[0], [(MAPPED, address(RELAY))]))
    cut = frame(CONTROL, message(ALLOCATE_OK, TX[1], [(MAPPED, address(PEER2))]))[:-3]
    out = scan_session(tmp_path, [(False, whole + cut)])
    assert found(out) == {(*RELAY, AddressRole.STUN_RELAYED, C)}


def test_ms_turn_data_over_udp_is_read_too(tmp_path: Path) -> None:
    """Over UDP there is no framing (§2.1.4 is TCP's); the Data indication's DATA is read the same way."""
    indication = message(DATA_IND, TX[3], [(REMOTE, address(PEER)), (DATA, check_response(RELAY))])
    assert stun.is_ms_turn(indication)
    path = tmp_path / "udp.pcap"
    with open(path, "wb") as f:
        writer = synth.PcapWriter(f)
        for packet in synth.ip(synth.udp(SERVER[0], 3478, CLIENT[0], CLIENT[1], indication)):
            writer.write(synth.link(packet), 1_700_000_000)
    out = scan_file(str(path))
    assert found(out) == {(*PEER, AddressRole.STUN_PEER, f"{SERVER[0]}:3478"), (*RELAY, AddressRole.STUN_MAPPED, C)}


def test_ms_tcp_framing_is_recognised_only_around_an_ms_turn_message() -> None:
    allocate = frame(CONTROL, message(ALLOCATE, TX[0], []))
    assert stun.looks_like_ms_tcp(allocate)
    assert not stun.looks_like_ms_tcp(allocate[:31])  # not enough to tell yet
    assert not stun.looks_like_ms_tcp(b"\x03" + allocate[1:])  # data first: not how a stream starts here
    assert not stun.looks_like_ms_tcp(allocate[:2] + b"\x00\x30" + allocate[4:])  # lengths disagree
    assert not stun.looks_like_ms_tcp(b"\x03\x00" + allocate[2:])  # TPKT (RFC 1006) looks like this
    assert stun.ms_tcp_header(b"\x02\x01\x00\x00") is None  # reserved byte not zero


def test_ms_turn_over_tcp_gives_the_same_report_split_or_not(tmp_path: Path) -> None:
    """``scan --jobs``: the active destination learned from a control frame and the end-to-end data
    that uses it are dispatched by the same part (``Lane.take_pair``), so the report is the same."""
    from tests.inputs.test_scan_jobs import _report, _split

    scan_session(tmp_path, conversation(), mss=33)
    path = tmp_path / "ms-turn-tcp.pcap"
    whole = _report([scan_file(str(path))])
    assert "end-to-end data" in whole
    assert _split([path], 2) == whole
    assert _split([path], 3) == whole


def write_segments(tmp_path: Path, segments: list[tuple[str, str, int, bytes]]) -> ScanOutput:
    path = tmp_path / "cut.pcap"
    with open(path, "wb") as f:
        writer = synth.PcapWriter(f)
        for i, segment in enumerate(segments):
            for packet in synth.ip(segment):
                writer.write(synth.link(packet), 1_700_000_000 + i / 100)
    return scan_file(str(path))


def indications(*peers: tuple[str, int]) -> bytes:
    return b"".join(
        frame(CONTROL, message(DATA_IND, TX[i], [(REMOTE, address(p)), (DATA, check_response(RELAY))]))
        for i, p in enumerate(peers)
    )


def test_a_capture_that_starts_mid_frame_finds_the_next_control_frame(tmp_path: Path) -> None:
    stream = indications(PEER, PEER2)
    tail = stream[len(stream) // 4 :]  # the first indication's end, then the second whole
    segment = synth.tcp(*SERVER, *CLIENT, 77_000, tail)  # no SYN: the capture began mid-connection
    out = write_segments(tmp_path, [segment])
    assert found(out) == {(*PEER2, AddressRole.STUN_PEER, S), (*RELAY, AddressRole.STUN_MAPPED, C)}
    skipped = len(stream) // 2 - len(stream) // 4
    assert [d.message for d in out.document.diagnostics] == [f"{skipped} bytes skipped before an MS-TURN TCP frame"]


def test_a_gap_in_ms_turn_framing_resynchronises_on_the_next_control_frame(tmp_path: Path) -> None:
    stream = indications(PEER, ("192.0.2.46", 3482), PEER2)
    third = stream[: len(stream) // 3 * 2]
    segments = synth.tcp_session(CLIENT, SERVER, [(False, stream)], mss=20)
    lost = 1 + (len(third) - 10) // 20  # a segment inside the second indication never captured
    out = write_segments(tmp_path, segments[:lost] + segments[lost + 1 :])
    peers = {(a.address, a.port) for a in out.document.addresses if a.role is AddressRole.STUN_PEER}
    assert peers == {PEER, PEER2}  # the second indication is lost with the gap, the third is read
    messages = [d.message for d in out.document.diagnostics]
    assert any(m.startswith("TCP gap: 20 bytes never captured") for m in messages)
    assert any("bytes skipped before an MS-TURN TCP frame" in m for m in messages)


def test_after_a_gap_with_no_control_frame_the_direction_is_given_up(tmp_path: Path) -> None:
    stream = indications(PEER) + frame(END_TO_END, b"\x80" + bytes(1199)) * 60  # then only media frames
    segments = synth.tcp_session(CLIENT, SERVER, [(False, stream)], mss=1200)
    out = write_segments(tmp_path, segments[:3] + segments[4:])
    assert {(a.address, a.port) for a in out.document.addresses if a.role is AddressRole.STUN_PEER} == {PEER}
    assert any("no MS-TURN TCP frame found after the gap" in d.message for d in out.document.diagnostics)


def test_a_capture_that_starts_among_data_frames_looks_further_for_a_control_frame(tmp_path: Path) -> None:
    rtp = frame(END_TO_END, b"\x80\x00" + bytes(158)) * 4  # end-to-end media (RFC 3550 version 2)
    later = indications(PEER)
    segments = [synth.tcp(*SERVER, *CLIENT, 9000, rtp), synth.tcp(*SERVER, *CLIENT, 9000 + len(rtp), later)]
    out = write_segments(tmp_path, segments)
    assert found(out) == {(*PEER, AddressRole.STUN_PEER, S), (*RELAY, AddressRole.STUN_MAPPED, C)}
    # TPKT (RFC 1006, version 3: its length counts its own header) does not chain as MS-TURN frames
    tpkt = b"\x03\x00\x00\x10" + b"\x80" + bytes(11) + b"\x03\x00\x00\x0c" + bytes(8)
    tpkt_then = [synth.tcp(*SERVER, *CLIENT, 9000, tpkt), synth.tcp(*SERVER, *CLIENT, 9000 + len(tpkt), later)]
    assert not write_segments(tmp_path, tpkt_then).document.addresses
