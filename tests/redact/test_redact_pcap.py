"""pcap redaction where stand-ins change lengths: UDP/IP lengths, TCP sequence numbers, fragments
reassembled, STUN XOR addresses and FINGERPRINT; checked by our own decoding and by tshark."""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from icecheck.redact.packet import checksum, pseudo
from icecheck.redact.pcap import redact_capture
from icecheck.redact.standins import StandIns
from tests.conftest import SAMPLES, run_cli, unavailable

A, B = socket.inet_aton("10.0.0.1"), socket.inet_aton("10.0.0.2")
MAC_A, MAC_B = bytes.fromhex("021122334455"), bytes.fromhex("026677889900")
SDP = (
    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\nc=IN IP4 10.0.0.1\r\n"
    "a=candidate:1 1 udp 2122260223 janes-laptop.local 5000 typ host\r\n"
)


def sip(body: str = SDP) -> bytes:
    head = f"INVITE sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060\r\nContent-Length: {len(body)}\r\n\r\n"
    return (head + body).encode()


def ipv4(proto: int, payload: bytes, ident: int = 1, frag: int = 0, src: bytes = A, dst: bytes = B) -> bytes:
    head = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, src, dst))
    head[10:12] = checksum(bytes(head)).to_bytes(2, "big")
    return bytes(head) + payload


def udp(payload: bytes, sport: int = 5060, dport: int = 5060, src: bytes = A, dst: bytes = B) -> bytes:
    head = bytearray(struct.pack("!HHHH", sport, dport, 8 + len(payload), 0))
    head[6:8] = (checksum(pseudo(src, dst, 17, 8 + len(payload)) + bytes(head) + payload) or 0xFFFF).to_bytes(2, "big")
    return bytes(head) + payload


def tcp(
    payload: bytes, seq: int, ack: int, src: bytes = A, dst: bytes = B, sport: int = 40000, dport: int = 5060
) -> bytes:
    head = bytearray(struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x18, 65535, 0, 0))
    head[16:18] = checksum(pseudo(src, dst, 6, 20 + len(payload)) + bytes(head) + payload).to_bytes(2, "big")
    return bytes(head) + payload


def stun_response(mapped: bytes) -> bytes:
    tid = bytes(range(12))
    xport = 5000 ^ 0x2112
    xaddr = bytes(a ^ b for a, b in zip(mapped, struct.pack("!I", 0x2112A442), strict=True))
    attr = struct.pack("!HHBBH4s", 0x0020, 8, 0, 1, xport, xaddr)
    msg = struct.pack("!HHI12s", 0x0101, len(attr) + 8, 0x2112A442, tid) + attr
    crc = zlib.crc32(msg) ^ 0x5354554E
    return msg + struct.pack("!HHI", 0x8028, 4, crc)


def eth(ip: bytes, src: bytes = MAC_A, dst: bytes = MAC_B) -> bytes:
    return dst + src + b"\x08\x00" + ip


def pcap(frames: list[bytes]) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for n, frame in enumerate(frames):
        out += struct.pack("<IIII", 1_700_000_000 + n, 0, len(frame), len(frame)) + frame
    return out


def capture() -> bytes:
    invite = udp(sip())
    big = udp(sip(SDP + "a=x:" + "y" * 1500 + "\r\n"))
    first, rest = big[:1480], big[1480:]
    seg1, seg2 = b"OPTIONS sip:10.0.0.2 SIP/2.0\r\n", b"Via: SIP/2.0/TCP 10.0.0.1\r\n\r\n"
    return pcap([
        eth(ipv4(17, invite)),
        eth(ipv4(17, first, ident=7, frag=0x2000)),
        eth(ipv4(17, rest, ident=7, frag=1480 // 8)),
        eth(ipv4(6, tcp(seg1, 1000, 5000))),
        eth(ipv4(6, tcp(seg2, 1000 + len(seg1), 5000))),
        eth(ipv4(6, tcp(b"", 5000, 1000 + len(seg1) + len(seg2), src=B, dst=A, sport=5060, dport=40000), src=B, dst=A),
            src=MAC_B, dst=MAC_A),
        eth(ipv4(17, udp(stun_response(A), 3478, 5000, src=B, dst=A), src=B, dst=A), src=MAC_B, dst=MAC_A),
    ])  # fmt: skip


def records(data: bytes) -> list[bytes]:
    out, pos = [], 24
    while pos < len(data):
        n = struct.unpack_from("<I", data, pos + 8)[0]
        out.append(data[pos + 16 : pos + 16 + n])
        pos += 16 + n
    return out


@pytest.fixture(scope="module")
def redacted() -> tuple[bytes, bytes]:
    original = capture()
    return original, redact_capture(original, StandIns())


def test_lengths_and_checksums(redacted: tuple[bytes, bytes]) -> None:
    _, out = redacted
    frames = records(out)
    assert len(frames) == 6  # the two fragments became one datagram (its length changed)
    for frame in frames:
        ip = frame[14:]
        total = struct.unpack_from("!H", ip, 2)[0]
        assert total == len(ip) and checksum(ip[:20]) == 0
        seg = ip[20:]
        assert checksum(pseudo(ip[12:16], ip[16:20], ip[9], len(seg)) + seg) == 0
        if ip[9] == 17:
            assert struct.unpack_from("!H", seg, 4)[0] == len(seg)
        assert b"10.0.0.1" not in frame and A not in frame[26:34] and b"janes" not in frame
        assert MAC_A not in frame[:12]


def test_sip_content_length_and_reassembly(redacted: tuple[bytes, bytes]) -> None:
    _, out = redacted
    for frame in records(out)[:2]:
        text = frame[42:].decode()
        head, body = text.split("\r\n\r\n", 1)
        assert int(head.split("Content-Length: ")[1]) == len(body.encode())
    assert struct.unpack_from("!H", records(out)[1], 14 + 6)[0] & 0x3FFF == 0  # no longer a fragment


def test_tcp_sequence_numbers_follow(redacted: tuple[bytes, bytes]) -> None:
    _, out = redacted
    frames = records(out)
    seg1, seg2, ack = (f[34:] for f in frames[2:5])
    len1, len2 = len(seg1) - 20, len(seg2) - 20
    seq1, seq2 = struct.unpack_from("!I", seg1, 4)[0], struct.unpack_from("!I", seg2, 4)[0]
    assert seq1 == 1000 and seq2 == seq1 + len1
    assert struct.unpack_from("!I", ack, 8)[0] == seq2 + len2


def test_stun_xor_address_and_fingerprint(redacted: tuple[bytes, bytes]) -> None:
    _, out = redacted
    msg = records(out)[5][42:]
    xaddr = msg[28:32]
    mapped = bytes(a ^ b for a, b in zip(xaddr, struct.pack("!I", 0x2112A442), strict=True))
    new_a = records(out)[0][26:30]
    assert mapped == new_a != A
    assert struct.unpack_from("!I", msg, len(msg) - 4)[0] == zlib.crc32(msg[:-8]) ^ 0x5354554E


def test_tshark_agrees(redacted: tuple[bytes, bytes], tmp_path: Path) -> None:
    if shutil.which("tshark") is None:
        unavailable("tshark not installed (.ci/run installs it)")
    path = tmp_path / "out.pcap"
    path.write_bytes(redacted[1])
    checks = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"]
    bad = "ip.checksum.status==0 || udp.checksum.status==0 || tcp.checksum.status==0 || _ws.malformed"
    proc = subprocess.run(["tshark", "-n", "-r", str(path), *checks, "-Y", bad], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == ""
    sip_lines = subprocess.run(["tshark", "-n", "-r", str(path), "-Y", "sip"], capture_output=True, text=True).stdout
    assert sip_lines.count("INVITE") == 2 and "Malformed" not in sip_lines


def test_cli_on_gzipped_pcapng_and_dump(tmp_path: Path) -> None:
    """gzip round trip for a capture and a webrtc-internals dump, through the command line."""
    for sample in ("proxy-any-sll2.pcapng.gz", "webrtc-internals-dump.json"):
        data = (SAMPLES / "captures" / sample).read_bytes()
        gz = tmp_path / (sample if data[:2] == b"\x1f\x8b" else sample + ".gz")
        gz.write_bytes(data if data[:2] == b"\x1f\x8b" else gzip.compress(data))
        out = tmp_path / ("red-" + gz.name)
        proc = run_cli("redact", str(gz), "-o", str(out))
        assert proc.returncode == 0 and "+gzip" in proc.stderr
        inner = gzip.decompress(out.read_bytes())
        if sample.endswith(".json"):
            json.loads(inner)
        else:
            assert inner[:4] == b"\x0a\x0d\x0d\x0a" and "redacted pcapng+gzip:" in proc.stderr
