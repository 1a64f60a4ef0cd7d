"""STUN relayed through TURN (RFC 8656 §11-12): Send/Data indications and ChannelData, synthetic frames."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from icecheck.inputs import stun, synth, wire
from icecheck.inputs.scanner import ScanOutput, scan_file
from icecheck.model import AddressRecord, AddressRole

CLIENT, SERVER, PEER = "192.168.1.10", "198.51.100.1", "203.0.113.77"
CPORT, SPORT, PPORT = 50000, 3478, 6000
TX, TX2 = b"outer-tx-123", b"inner-tx-456"
BINDING_REQUEST, BINDING_RESPONSE = 0x0001, 0x0101
SEND, DATA_IND, CHANNEL_BIND = 0x0016, 0x0017, 0x0009
XOR_PEER, XOR_MAPPED, DATA, CHANNEL_NUMBER, NETWORK_INFO = 0x0012, 0x0020, 0x0013, 0x000C, 0xC057


def check_response(address: str, port: int) -> bytes:
    """A connectivity check's success response naming ``address:port`` as mapped."""
    return synth.stun_message(BINDING_RESPONSE, TX2, [(XOR_MAPPED, synth.xor_address(address, port, TX2))])


def indication(kind: int, peer: tuple[str, int], data: bytes) -> bytes:
    return synth.stun_message(kind, TX, [(XOR_PEER, synth.xor_address(*peer, TX)), (DATA, data)])


def channel_bind(channel: int, peer: tuple[str, int]) -> bytes:
    attrs = [(CHANNEL_NUMBER, struct.pack("!HH", channel, 0)), (XOR_PEER, synth.xor_address(*peer, TX))]
    return synth.stun_message(CHANNEL_BIND, TX, attrs)


def channel_data(channel: int, data: bytes, pad: bool = False) -> bytes:
    return struct.pack("!HH", channel, len(data)) + data + (b"\0" * (-len(data) % 4) if pad else b"")


def to_server(payload: bytes) -> tuple[str, str, int, bytes]:
    return synth.udp(CLIENT, CPORT, SERVER, SPORT, payload)


def to_client(payload: bytes) -> tuple[str, str, int, bytes]:
    return synth.udp(SERVER, SPORT, CLIENT, CPORT, payload)


def scan(tmp_path: Path, segments: list[tuple[str, str, int, bytes]]) -> ScanOutput:
    path = tmp_path / "turn.pcap"
    with open(path, "wb") as f:
        writer = synth.PcapWriter(f)
        for i, seg in enumerate(segments):
            for packet in synth.ip(seg, i + 1):
                writer.write(synth.link(packet), 1_700_000_000 + i)
    return scan_file(str(path))


def mapped(out: ScanOutput) -> list[AddressRecord]:
    return [a for a in out.document.addresses if a.role is AddressRole.STUN_MAPPED]


def test_send_indication_carries_the_clients_answer_to_the_peer(tmp_path: Path) -> None:
    """The client answers the peer's check through the relay: the answer names the peer's address
    as the relay saw it — a peer-reflexive address no SDP need carry."""
    out = scan(tmp_path, [to_server(indication(SEND, (PEER, PPORT), check_response(PEER, PPORT + 1)))])
    (rec,) = mapped(out)
    assert (rec.address, rec.port) == (PEER, PPORT + 1)
    assert rec.origin.party == f"{PEER}:{PPORT}"  # a response describes its receiver: the peer
    assert "STUN Send indication, DATA, STUN Binding success response, XOR-MAPPED-ADDRESS" in (rec.origin.detail or "")
    peer = next(a for a in out.document.addresses if a.role is AddressRole.STUN_PEER)
    assert peer.origin.party == f"{CLIENT}:{CPORT}"


def test_data_indication_carries_the_peers_answer_to_the_client(tmp_path: Path) -> None:
    request = synth.stun_message(BINDING_REQUEST, TX2, [(NETWORK_INFO, struct.pack("!HH", 2, 10))])
    out = scan(
        tmp_path,
        [
            to_client(indication(DATA_IND, (PEER, PPORT), check_response("198.51.100.1", 49152))),
            to_client(indication(DATA_IND, (PEER, PPORT), request)),
        ],
    )
    (rec,) = mapped(out)
    assert (rec.address, rec.port, rec.origin.party) == ("198.51.100.1", 49152, f"{CLIENT}:{CPORT}")
    cost = next(f for f in out.wire if f.kind == "network-cost")
    assert cost.value == "2/10" and cost.origin.party == f"{PEER}:{PPORT}"  # the peer's check says it


@pytest.mark.parametrize("pad", [False, True])
def test_channel_data_both_ways_after_a_channel_bind(tmp_path: Path, pad: bool) -> None:
    out = scan(
        tmp_path,
        [
            to_server(channel_bind(0x4001, (PEER, PPORT))),
            to_server(channel_data(0x4001, check_response(PEER, 7001), pad)),  # client → peer
            to_client(channel_data(0x4001, check_response("198.51.100.1", 49153), pad)),  # peer → client
        ],
    )
    got = {(a.address, a.port): a.origin.party for a in mapped(out)}
    assert got == {(PEER, 7001): f"{PEER}:{PPORT}", ("198.51.100.1", 49153): f"{CLIENT}:{CPORT}"}
    assert all("TURN ChannelData 0x4001" in (a.origin.detail or "") for a in mapped(out))


def test_channel_data_of_an_unseen_binding_is_read_without_a_party(tmp_path: Path) -> None:
    out = scan(tmp_path, [to_client(channel_data(0x4002, check_response(PEER, 7002)))])
    (rec,) = mapped(out)
    assert (rec.address, rec.port, rec.origin.party) == (PEER, 7002, None)


def test_relayed_checks_show_on_the_wire_what_the_sdp_did_not(tmp_path: Path) -> None:
    out = scan(tmp_path, [to_server(indication(SEND, (PEER, PPORT), check_response(PEER, PPORT + 1)))])
    exposures = wire.wire_exposures([out.document], list(out.wire))
    assert [e.value for e in exposures] == [PEER]


def test_media_and_damage_in_channel_data_are_passed_over(tmp_path: Path) -> None:
    rtp = bytes([0x80, 0]) + bytes(160)
    out = scan(
        tmp_path,
        [
            to_server(channel_bind(0x4003, (PEER, PPORT))),
            to_server(channel_data(0x4003, rtp)),  # relayed media
            to_server(struct.pack("!HH", 0x4003, 500) + check_response(PEER, 1)),  # length beyond the datagram
            to_server(b"\x40\x03\x00"),  # runt
            to_server(channel_data(0x4003, check_response(PEER, 2)[:30])),  # a STUN message cut short
            to_server(channel_data(0x4003, indication(DATA_IND, (PEER, 1), check_response(PEER, 3)))),
        ],
    )
    assert [(a.address, a.port) for a in mapped(out)] == []  # a nested indication's DATA is not followed
    assert any("announces" in d.message for d in out.document.diagnostics)  # the cut message said so


def test_turn_over_tcp_channel_data_is_read(tmp_path: Path) -> None:
    stream = channel_bind(0x4004, (PEER, PPORT)) + channel_data(0x4004, check_response(PEER, 7004), pad=True)
    stream += indication(SEND, (PEER, PPORT), check_response(PEER, 7005))
    out = scan(
        tmp_path,
        [
            synth.tcp(CLIENT, CPORT, SERVER, SPORT, 1, stream[:37]),
            synth.tcp(CLIENT, CPORT, SERVER, SPORT, 38, stream[37:]),
        ],
    )
    got = {(a.address, a.port): a.origin.party for a in mapped(out)}
    assert got == {(PEER, 7004): f"{PEER}:{PPORT}", (PEER, 7005): f"{PEER}:{PPORT}"}


def test_channel_data_framing() -> None:
    assert stun.channel_data(b"\x40\x00\x00\x02ab") == (0x4000, b"ab")
    assert stun.channel_data(b"\x40\x00\x00\x02ab\x00\x00") == (0x4000, b"ab")  # padded
    assert stun.channel_data(b"\x40\x00\x00\x03ab") is None  # cut short
    assert stun.channel_data(b"\x3f\xff\x00\x00") is None  # not a channel number
    assert stun.channel_data(b"\x40\x00") is None
    msg = stun.decode(channel_bind(0x4005, (PEER, PPORT)))
    assert msg.kind == "ChannelBind request" and msg.channel == 0x4005
    assert stun.decode(indication(SEND, (PEER, PPORT), b"xyz")).data == b"xyz"
    assert stun.decode(synth.stun_message(CHANNEL_BIND, TX, [(CHANNEL_NUMBER, b"\x40")])).problems
