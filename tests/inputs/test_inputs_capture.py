"""Capture reader on synthetic frames: link types, VLANs, fragments, TCP, WebSocket, STUN, damage."""

from __future__ import annotations

import gzip
import io
import random
import struct
import zlib
from pathlib import Path

import pytest

from icecheck.inputs import synth
from icecheck.inputs.scanner import ScanOutput, scan_file
from icecheck.inputs.websocket import unmask
from icecheck.model import AddressRole, InputStatus

SDP = (
    "v=0\r\no=- 1 1 IN IP4 192.168.1.10\r\ns=-\r\nc=IN IP4 192.168.1.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    "a=candidate:1 1 udp 2130706431 192.168.1.10 4000 typ host\r\n"
    "a=candidate:2 1 udp 1694498815 203.0.113.5 4000 typ srflx raddr 192.168.1.10 rport 4000\r\n"
)
TX = b"abcdefghijkl"


def sip(call: str = "c1", method: str = "INVITE", body: str = SDP, pad: int = 0) -> bytes:
    body += "a=x:" + "y" * pad + "\r\n" if pad else ""
    return (
        f"{method} sip:bob@198.51.100.7 SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK{call};"
        f"rport=5061;received=203.0.113.5\r\nFrom: <sip:alice@192.168.1.10>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
        f"Call-ID: {call}\r\nCSeq: 1 {method}\r\nContact: <sip:alice@[2001:db8::5]:5060>\r\n"
        f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


def write(tmp_path: Path, packets: list[bytes], linktype: int = 1, fmt: str = "pcap", **kw: object) -> str:
    path = tmp_path / f"c.{fmt}"
    with open(path, "wb") as f:
        w = synth.PcapngWriter(f, linktype) if fmt == "pcapng" else synth.PcapWriter(f, linktype, **kw)  # type: ignore[arg-type]
        for i, p in enumerate(packets):
            w.write(p, 1_700_000_000 + i * 0.001)
    return str(path)


def frames(segment: tuple[str, str, int, bytes], linktype: int = 1, **kw: object) -> list[bytes]:
    return [synth.link(p, linktype) for p in synth.ip(segment, **kw)]  # type: ignore[arg-type]


def calls(out: ScanOutput) -> set[str | None]:
    return {c.origin.call for c in out.document.candidates}


# Link types 228 (IPv4) and 229 (IPv6) fix the IP version, so they appear with that version only.
LINK_CASES = [(lt, v6) for lt in (0, 1, 101, 108, 113, 276) for v6 in (False, True)] + [(228, False), (229, True)]


@pytest.mark.parametrize(("linktype", "v6"), LINK_CASES)
def test_link_types_and_ip_versions(tmp_path: Path, linktype: int, v6: bool) -> None:
    src, dst = ("2001:db8::1", "2001:db8::2") if v6 else ("192.0.2.1", "192.0.2.2")
    out = scan_file(write(tmp_path, frames(synth.udp(src, 5060, dst, 5060, sip()), linktype), linktype))
    assert len(out.document.candidates) == 2
    assert out.document.candidates[0].origin.packet == 1
    assert f"udp {'[' + src + ']' if v6 else src}:5060" in (out.document.candidates[0].origin.detail or "")


@pytest.mark.parametrize("vlans", [[10], [10, 20]])
def test_vlan_tags(tmp_path: Path, vlans: list[int]) -> None:
    packet = synth.ip(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip()))[0]
    assert len(scan_file(write(tmp_path, [synth.link(packet, 1, vlans)])).document.candidates) == 2


@pytest.mark.parametrize(
    ("order", "nano", "fmt"),
    [("<", False, "pcap"), (">", False, "pcap"), ("<", True, "pcap"), (">", True, "pcap"), ("<", False, "pcapng")],
)
def test_file_variants(tmp_path: Path, order: str, nano: bool, fmt: str) -> None:
    kw = {"order": order, "nano": nano} if fmt == "pcap" else {}
    path = write(tmp_path, frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip())), fmt=fmt, **kw)
    out = scan_file(path)
    assert out.document.candidates[0].origin.time == pytest.approx(1_700_000_000, abs=1e-3)


@pytest.mark.parametrize("v6", [False, True])
def test_fragments_reassembled_in_any_order(tmp_path: Path, v6: bool) -> None:
    src, dst = ("2001:db8::1", "2001:db8::2") if v6 else ("192.0.2.1", "192.0.2.2")
    pieces = frames(synth.udp(src, 5060, dst, 5060, sip(pad=2500)), mtu=576, ident=99)
    assert len(pieces) > 4
    out = scan_file(write(tmp_path, pieces[::-1]))
    assert len(out.document.candidates) == 2 and "1 reassembled" in (out.summary or "")


def test_incomplete_fragments_are_reported(tmp_path: Path) -> None:
    pieces = frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip(pad=2000)), mtu=576)
    out = scan_file(write(tmp_path, pieces[:-1]))
    assert any("fragmented datagram dropped" in d.message for d in out.document.diagnostics)


def tcp_packets(chunks: list[tuple[int, bytes]], start: int = 1000) -> list[bytes]:
    out = frames(synth.tcp("192.0.2.1", 40000, "192.0.2.2", 5060, start - 1, flags=0x02))
    return out + [
        frames(synth.tcp("192.0.2.1", 40000, "192.0.2.2", 5060, start + off, data))[0] for off, data in chunks
    ]


def test_tcp_split_merged_reordered_and_retransmitted(tmp_path: Path) -> None:
    stream = sip("a") + sip("b") + sip("c")
    cut1, cut2 = 50, len(sip("a")) + 30  # message a split; b and c share segments
    chunks = [(cut1, stream[cut1:cut2]), (0, stream[:cut1]), (0, stream[:cut1]), (cut2, stream[cut2:])]
    out = scan_file(write(tmp_path, tcp_packets(chunks)))
    assert calls(out) == {"a", "b", "c"}
    assert not [d for d in out.document.diagnostics if d.level == "error"]


def test_tcp_gap_is_reported_and_the_stream_resynchronises(tmp_path: Path) -> None:
    stream = sip("a") + sip("b") + sip("c")
    la, lb = len(sip("a")), len(sip("b"))
    chunks = [(0, stream[:la]), (la + 40, stream[la + 40 : la + lb]), (la + lb, stream[la + lb :])]
    out = scan_file(write(tmp_path, tcp_packets(chunks)))
    assert calls(out) == {"a", "c"}
    gap = [d for d in out.document.diagnostics if "TCP gap" in d.message]
    assert gap and gap[0].origin.packet is not None and "40 bytes" in gap[0].message


def test_a_tcp_segment_whose_data_offset_is_damaged_is_reported_not_read(tmp_path: Path) -> None:
    """A data offset below 20 bytes: where the payload starts is unknown. Scan read from there,
    header bytes and all, while redaction drops the segment; both now leave it out, and scan says so."""
    one = sip("a")
    src, dst, proto, seg = synth.tcp("192.0.2.1", 40000, "192.0.2.2", 5060, 1000 + len(one), sip("b"))
    damaged = bytearray(seg)
    damaged[12] = 0x10  # 4 bytes
    packets = [*tcp_packets([(0, one)]), *frames((src, dst, proto, bytes(damaged)))]
    out = scan_file(write(tmp_path, packets))
    assert calls(out) == {"a"}
    found = [d for d in out.document.diagnostics if "TCP header damaged (data offset 4 bytes)" in d.message]
    assert found and found[0].origin.packet == 3 and found[0].level == "error"
    assert out.document.status is InputStatus.PARTIAL


def test_snaplen_cut_packets(tmp_path: Path) -> None:
    frame = frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip()))[0]
    path = tmp_path / "cut.pcap"
    with open(path, "wb") as f:
        w = synth.PcapWriter(f, snaplen=300)
        w.write(frame[:300], 1.0, orig_len=len(frame))
    out = scan_file(str(path))
    assert any("snapshot length" in d.message and d.origin.packet == 1 for d in out.document.diagnostics)
    assert out.document.status is not InputStatus.UNREADABLE  # the SIP headers were still read


def websocket_capture(tmp_path: Path, payloads: list[bytes], deflate: bool = False) -> str:
    ext = "Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else ""
    req = (
        f"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{ext}"
        "Sec-WebSocket-Protocol: sip\r\n\r\n"
    ).encode()
    resp = f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{ext}\r\n".encode()
    c, s = ("192.0.2.1", 40000), ("192.0.2.2", 9999)
    pkts = frames(synth.tcp(*c, *s, 99, flags=2)) + frames(synth.tcp(*s, *c, 499, flags=0x12))
    pkts += frames(synth.tcp(*c, *s, 100, req)) + frames(synth.tcp(*s, *c, 500, resp))
    data = b"".join(payloads)
    for off in range(0, len(data), 700):  # client frames cut across segments
        pkts += frames(synth.tcp(*c, *s, 100 + len(req) + off, data[off : off + 700]))
    return write(tmp_path, pkts)


def test_websocket_masked_fragmented_sip_and_json(tmp_path: Path) -> None:
    msg = sip("ws-call")
    frames_ = [
        synth.ws_frame(msg[:300], 1, fin=False, mask=b"\x01\x02\x03\x04"),
        synth.ws_frame(b"", 9, mask=b"\x05\x06\x07\x08"),  # a ping between fragments
        synth.ws_frame(msg[300:], 0, fin=True, mask=b"\x09\x0a\x0b\x0c"),
        synth.ws_frame(
            b'{"type":"candidate","candidate":{"candidate":"candidate:9 1 udp 1 '
            b'198.51.100.9 9 typ host","sdpMid":"0","sdpMLineIndex":0}}',
            2,
            mask=b"abcd",
        ),
    ]
    out = scan_file(websocket_capture(tmp_path, frames_))
    by_call = {c.origin.call: c for c in out.document.candidates}
    assert "ws-call" in by_call and "2 frames, masked" in (by_call["ws-call"].origin.detail or "")
    json_cands = [c for c in out.document.candidates if c.candidate.address == "198.51.100.9"]
    assert json_cands and json_cands[0].origin.call == "tcp 192.0.2.1:40000 ↔ 192.0.2.2:9999"
    assert json_cands[0].context.mid == "0"


def test_websocket_permessage_deflate(tmp_path: Path) -> None:
    packer = zlib.compressobj(wbits=-15)
    data = packer.compress(sip("deflated")) + packer.flush(zlib.Z_SYNC_FLUSH)
    out = scan_file(websocket_capture(tmp_path, [synth.ws_frame(data[:-4], 1, rsv1=True, mask=b"wxyz")], True))
    assert calls(out) == {"deflated"}


def test_unmask_matches_rfc6455_example() -> None:
    # RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d
    assert unmask(bytes.fromhex("7f9f4d5158"), bytes.fromhex("37fa213d")) == b"Hello"


def test_stun_attributes(tmp_path: Path) -> None:
    attrs = [
        (0x0020, synth.xor_address("203.0.113.50", 40000, TX)),
        (0x0016, synth.xor_address("2001:db8::99", 50000, TX)),
        (0x0012, synth.xor_address("198.51.100.77", 3000, TX)),
        (0x0001, struct.pack("!BBH4s", 0, 1, 1234, bytes([203, 0, 113, 51]))),
        (0x8022, b"example-stun 1.0"),
    ]
    response = synth.stun_message(0x0103, TX, attrs)  # Allocate success response
    request = synth.stun_message(0x0001, TX, [(0xC057, struct.pack("!HH", 3, 900))])
    pkts = frames(synth.udp("192.0.2.2", 3478, "192.0.2.1", 5000, response))
    pkts += frames(synth.udp("192.0.2.1", 5000, "192.0.2.2", 3478, request))
    out = scan_file(write(tmp_path, pkts))
    got = {(a.role, a.address, a.port) for a in out.document.addresses}
    assert (AddressRole.STUN_MAPPED, "203.0.113.50", 40000) in got
    assert (AddressRole.STUN_RELAYED, "2001:db8::99", 50000) in got
    assert (AddressRole.STUN_PEER, "198.51.100.77", 3000) in got
    assert (AddressRole.STUN_MAPPED, "203.0.113.51", 1234) in got
    assert {(f.kind, f.value) for f in out.wire} >= {("software", "example-stun 1.0"), ("network-cost", "3/900")}
    mapped = next(a for a in out.document.addresses if a.address == "203.0.113.50")
    assert mapped.origin.party == "192.0.2.1:5000" and "Allocate success response" in (mapped.origin.detail or "")


def test_rtp_is_skipped_quickly(tmp_path: Path) -> None:
    rtp = bytes([0x80, 0]) + bytes(170)
    out = scan_file(write(tmp_path, frames(synth.udp("192.0.2.1", 4000, "192.0.2.2", 4000, rtp)) * 100))
    assert out.document.status is InputStatus.EMPTY


def test_truncated_capture_keeps_what_was_read(tmp_path: Path) -> None:
    path = write(tmp_path, frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip("ok"))) * 2)
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:-40])
    out = scan_file(path)
    assert out.document.status is InputStatus.PARTIAL and calls(out) == {"ok"}
    assert any(d.origin.packet == 2 and "truncated" in d.message for d in out.document.diagnostics)


def test_corrupt_record_header_resynchronises(tmp_path: Path) -> None:
    pkts = [f for call in ("a", "b", "c") for f in frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip(call)))]
    path = write(tmp_path, pkts)
    data = bytearray(Path(path).read_bytes())
    second = 24 + 16 + len(pkts[0])
    data[second + 8 : second + 12] = struct.pack("<I", 0x7FFFFFF0)  # absurd captured length
    Path(path).write_bytes(bytes(data))
    out = scan_file(path)
    assert "a" in calls(out) and "c" in calls(out)
    assert any("corrupt record header" in d.message for d in out.document.diagnostics)


def test_gzipped_capture_and_truncated_gzip(tmp_path: Path) -> None:
    noise = [
        f
        for _ in range(50)
        for f in frames(synth.udp("192.0.2.1", 4000, "192.0.2.2", 4000, b"\x80" + random.randbytes(400)))
    ]
    sip_frames = frames(synth.udp("192.0.2.1", 5060, "192.0.2.2", 5060, sip()))
    raw = Path(write(tmp_path, sip_frames + noise)).read_bytes()
    gz = gzip.compress(raw)
    (tmp_path / "ok.gz").write_bytes(gz)
    assert len(scan_file(str(tmp_path / "ok.gz")).document.candidates) == 2
    (tmp_path / "cut.gz").write_bytes(gz[: len(gz) // 2])
    out = scan_file(str(tmp_path / "cut.gz"))
    assert out.document.status is InputStatus.PARTIAL
    assert any("gzip" in d.message for d in out.document.diagnostics)


def test_memory_stays_bounded_with_many_open_connections(tmp_path: Path) -> None:
    buf = io.BytesIO()
    w = synth.PcapWriter(buf)
    for port in range(1, 3000):  # half-open connections with a partial message each
        seg = synth.tcp("192.0.2.1", port, "192.0.2.2", 5060, 1, b"INVITE sip:x SIP/2.0\r\nVia: partial")
        w.write(synth.link(synth.ip(seg)[0]), 1.0)
    (tmp_path / "m.pcap").write_bytes(buf.getvalue())
    assert scan_file(str(tmp_path / "m.pcap")).document.status is InputStatus.EMPTY
