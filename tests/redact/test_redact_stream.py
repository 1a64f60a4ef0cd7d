"""Captures are redacted as a stream: messages split across TCP segments are rewritten through the
reassembled stream (segment lengths kept), held packets are bounded by a window that fails closed,
damaged records are skipped as scan skips them, and the output is checked before it is kept."""

from __future__ import annotations

import bz2
import gzip
import io
import ipaddress
import lzma
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.inputs import synth
from icecheck.inputs.scanner import scan_file
from icecheck.redact import window
from icecheck.redact.packet import checksum, pseudo
from icecheck.redact.pcap import redact_capture
from icecheck.redact.selfcheck import _PRINTABLE, printable_runs
from icecheck.redact.standins import StandIns
from tests.conftest import REPO, run_cli
from tests.redact.test_redact_pcap import records

ALICE, PROXY = "10.20.30.40", "172.16.99.7"
ORIGINALS = (b"10.20.30.40", b"172.16.99.7", b"10.77.88.99", b"192.168.201.202", b"laptop-7.local")


def sip_message(n: int) -> bytes:
    body = (
        f"v=0\r\no=- {n} 1 IN IP4 10.77.88.99\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
        f"a=candidate:1 1 udp 2130706431 192.168.201.202 {4000 + n} typ host\r\n"
        f"a=candidate:2 1 udp 2130706430 laptop-7.local {5000 + n} typ host\r\n"
    )
    return (
        f"INVITE sip:bob@{PROXY} SIP/2.0\r\nVia: SIP/2.0/TCP {ALICE}:5060;branch=z9hG4bK{n}\r\n"
        f"Call-ID: split-{n}\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


def cut_everywhere(data: bytes, step: int) -> list[bytes]:
    return [data[i : i + step] for i in range(0, len(data), step)]


def pcap(segments: list[tuple[str, str, int, bytes]]) -> bytes:
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    for i, segment in enumerate(segments):
        for packet in synth.ip(segment, ident=i + 1):
            writer.write(synth.link(packet), 1_700_000_000 + i / 10)
    return buf.getvalue()


def split_sip_capture() -> bytes:
    """Two SIP messages over TCP cut into 7-byte segments (every address split somewhere), with the
    other direction's ACKs and a UDP packet between them, and a WebSocket connection whose masked
    client message is fragmented into two frames that are cut across three segments."""
    stream = sip_message(1) + sip_message(2)
    segments, seq = [], 1000
    for i, piece in enumerate(cut_everywhere(stream, 7)):
        segments.append(synth.tcp(ALICE, 40000, PROXY, 5060, seq, piece))
        seq += len(piece)
        if i % 10 == 0:
            segments.append(synth.tcp(PROXY, 5060, ALICE, 40000, 1, b"", flags=0x10, ack=seq))
            segments.append(synth.udp(PROXY, 3478, ALICE, 3478, b"\x00" * 4))
    upgrade = b"GET / HTTP/1.1\r\nHost: p\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    accept = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    message = sip_message(3)
    half = len(message) // 2 + 3  # inside an address or close to one
    frames = synth.ws_frame(message[:half], 1, False, b"\x01\x02\x03\x04") + synth.ws_frame(
        message[half:], 0, True, b"\x05\x06\x07\x08"
    )
    segments.append(synth.tcp(ALICE, 40001, PROXY, 8080, 1, upgrade))
    segments.append(synth.tcp(PROXY, 8080, ALICE, 40001, 1, accept))
    at = 1 + len(upgrade)
    for piece in (frames[:100], frames[100:400], frames[400:]):
        segments.append(synth.tcp(ALICE, 40001, PROXY, 8080, at, piece))
        at += len(piece)
    return pcap(segments)


def tcp_payload_lengths(data: bytes, checked: bool = True) -> list[int]:
    """Payload length of every TCP segment (Ethernet/IPv4), and its checksum checked."""
    out = []
    for frame in records(data):
        ip = frame[14:]
        if ip[9] != 6:
            continue
        ihl, total = (ip[0] & 15) * 4, int.from_bytes(ip[2:4], "big")
        seg = ip[ihl:total]
        assert not checked or checksum(pseudo(ip[12:16], ip[16:20], 6, len(seg)) + seg) == 0
        out.append(len(seg) - (seg[12] >> 4) * 4)
    return out


def test_sip_and_websocket_split_across_segments_are_redacted(tmp_path: Path) -> None:
    source, target = tmp_path / "split.pcap", tmp_path / "out.pcap"
    source.write_bytes(split_sip_capture())
    before = scan_file(str(source)).document
    assert len(before.candidates) == 6  # two per message, three messages: scan reads across segments
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr  # refused before: split tokens survived per-segment rewriting
    assert "output checked" in proc.stderr and "blanked" not in proc.stderr
    out = target.read_bytes()
    for original in ORIGINALS:
        assert original not in out
    after = scan_file(str(target)).document
    assert len(after.candidates) == len(before.candidates)
    assert not {c.candidate.address for c in after.candidates} & {"192.168.201.202", "laptop-7.local"}
    # every segment keeps its length (checksums right) but the last of each held run, which takes the
    # growth of the .local names' stand-ins (``<uuid4>.local``): the SIP stream's and the WebSocket's
    new, old = tcp_payload_lengths(out), tcp_payload_lengths(source.read_bytes(), False)
    assert len(new) == len(old) and sum(a != b for a, b in zip(new, old, strict=True)) == 2
    assert len(records(out)) == len(records(source.read_bytes()))


def test_packet_order_is_kept_while_segments_are_held() -> None:
    original = split_sip_capture()
    out = redact_capture(original, StandIns())
    protocols = [frame[14 + 9] for frame in records(original)]
    assert [frame[14 + 9] for frame in records(out)] == protocols
    stamps = [rec[:8] for rec in _headers(original)]
    assert [rec[:8] for rec in _headers(out)] == stamps


def _headers(data: bytes) -> list[bytes]:
    out, pos = [], 24
    while pos < len(data):
        out.append(data[pos : pos + 16])
        pos += 16 + struct.unpack_from("<I", data, pos + 8)[0]
    return out


def unfinished_capture(extra: int) -> bytes:
    """A SIP message whose body never arrives (Content-Length claims more), then ``extra`` packets."""
    message = sip_message(1)
    segments = [
        synth.tcp(ALICE, 40000, PROXY, 5060, 1, message[:60]),
        synth.tcp(ALICE, 40000, PROXY, 5060, 61, message[60:200]),
    ]
    segments += [synth.udp(PROXY, 3478, ALICE, 3478, bytes(1000)) for _ in range(extra)]
    return pcap(segments)


def test_a_message_never_completed_is_blanked_at_the_end() -> None:
    standins = StandIns()
    out = redact_capture(unfinished_capture(3), standins)
    assert standins.left_out["TCP payloads blanked (incomplete at the end of the capture)"] == 2
    for original in ORIGINALS:
        assert original not in out
    assert tcp_payload_lengths(out) == [60, 140]
    assert not any(records(out)[0][54:]) and not any(records(out)[1][54:])  # zeroed, same length
    assert len(records(out)) == 5


def test_the_window_overflow_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(window, "MAX_BYTES", 5000)
    standins = StandIns()
    out = redact_capture(unfinished_capture(20), standins)
    assert standins.left_out["TCP payloads blanked (not complete within the window)"] == 2
    assert len(records(out)) == 22  # nothing lost: the held packets were written, blanked, in their place
    assert not any(records(out)[1][54:])
    for original in ORIGINALS:
        assert original not in out


def test_a_duplicated_fragment_is_reassembled_and_rewritten(tmp_path: Path) -> None:
    fragments = synth.ip(synth.udp(ALICE, 5060, PROXY, 5060, sip_message(1)), ident=9, mtu=300)
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    for n, packet in enumerate([fragments[0], *fragments[:2], *fragments[2:]]):
        writer.write(synth.link(packet), 1.0 + n)
    source, target = tmp_path / "dup.pcap", tmp_path / "out.pcap"
    source.write_bytes(buf.getvalue())
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    for original in ORIGINALS:
        assert original not in target.read_bytes()
    assert len(scan_file(str(target)).document.candidates) == 2


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gz": lambda d: gzip.compress(d, mtime=0),
    "xz": lzma.compress,
    "bz2": bz2.compress,
}
DECOMPRESSORS: dict[str, Callable[[bytes], bytes]] = {"gz": gzip.decompress, "xz": lzma.decompress,
                                                      "bz2": bz2.decompress}  # fmt: skip


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_compressed_captures_stream_through_the_decompressor(tmp_path: Path, suffix: str) -> None:
    source, target = tmp_path / f"split.pcap.{suffix}", tmp_path / f"out.pcap.{suffix}"
    source.write_bytes(COMPRESSORS[suffix](split_sip_capture()))
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert f"redacted pcap+{'gzip' if suffix == 'gz' else suffix}" in proc.stderr
    inner = DECOMPRESSORS[suffix](target.read_bytes())
    assert inner[:4] == b"\xd4\xc3\xb2\xa1" and not any(o in inner for o in ORIGINALS)


def test_a_capture_on_standard_input(tmp_path: Path) -> None:
    target = tmp_path / "out.pcap"
    data = split_sip_capture()
    proc = subprocess.run([sys.executable, "-m", "icecheck", "redact", "-", "-o", str(target)], input=data,
                          capture_output=True, cwd=REPO, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert target.read_bytes()[:4] == data[:4] and b"10.20.30.40" not in target.read_bytes()


def test_the_check_of_a_streamed_capture_refuses_and_keeps_nothing(tmp_path: Path) -> None:
    """An address as HTML character references is read by the check, not rewritten by redaction."""
    note = b"NOTIFY sip:a@b SIP/2.0\r\nX-Peer: 10&#46;77&#46;1&#46;2\r\nContent-Length: 0\r\n\r\n"
    source, target = tmp_path / "entities.pcap", tmp_path / "out.pcap"
    source.write_bytes(pcap([synth.udp(ALICE, 5060, PROXY, 5060, note)]))
    target.write_bytes(b"before")
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 3
    assert "redaction incomplete, nothing written" in proc.stderr and "10.77.1.2" in proc.stderr
    assert target.read_bytes() == b"before"  # the target is untouched
    assert not list(tmp_path.glob(".*partial"))


def test_damaged_records_are_skipped_and_the_rest_redacted(tmp_path: Path) -> None:
    good = pcap([synth.udp(ALICE, 5060, PROXY, 5060, sip_message(n)) for n in range(3)])
    first_end = 24 + 16 + struct.unpack_from("<I", good, 24 + 8)[0]
    bad = bytearray(good)
    struct.pack_into("<I", bad, first_end + 8, 0xFFFFFFFF)  # the second record claims 4 GiB
    source, target = tmp_path / "damaged.pcap", tmp_path / "out.pcap"
    source.write_bytes(bytes(bad))
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert "damaged stretches of the capture skipped" in proc.stderr
    assert len(records(target.read_bytes())) == 2  # the first and the third: the reader resynchronised
    assert len(scan_file(str(target)).document.candidates) == len(scan_file(str(source)).document.candidates)


def test_fragmented_ipv6_sip_is_reassembled_and_rewritten(tmp_path: Path) -> None:
    """SIP in an IPv6 datagram cut into fragments (RFC 8200 §4.5): dropped before, rewritten now."""
    segment = synth.udp("fd00::1:2", 5060, "fd00::9:9", 5060, sip_message(1))
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    for n, packet in enumerate(synth.ip(segment, ident=77, mtu=200)):
        writer.write(synth.link(packet), 1.0 + n)
    source, target = tmp_path / "v6frag.pcap", tmp_path / "out.pcap"
    source.write_bytes(buf.getvalue())
    before = scan_file(str(source)).document
    assert len(before.candidates) == 2
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert "dropped" not in proc.stderr
    out = target.read_bytes()
    assert not any(original in out for original in ORIGINALS)
    after = scan_file(str(target)).document
    assert len(after.candidates) == 2
    assert not {a.address for a in after.addresses} & {"fd00::1:2", "fd00::9:9"}


def test_a_gzip_bomb_that_is_no_capture_is_refused_from_its_first_bytes(tmp_path: Path) -> None:
    source, target = tmp_path / "bomb.gz", tmp_path / "out"
    source.write_bytes(gzip.compress(bytes(256 << 20)))  # 256 MiB of zeros in 250 KB
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 2 and "format not understood" in proc.stderr
    assert not target.exists() and not list(tmp_path.glob(".*partial"))


def test_a_capture_to_standard_output(tmp_path: Path) -> None:
    source = tmp_path / "split.pcap"
    source.write_bytes(split_sip_capture())
    proc = subprocess.run([sys.executable, "-m", "icecheck", "redact", str(source)], capture_output=True, cwd=REPO,
                          timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout[:4] == b"\xd4\xc3\xb2\xa1" and not any(o in proc.stdout for o in ORIGINALS)


@given(st.binary(max_size=400), st.lists(st.sampled_from([b"10.1.2.3", b" ok\x00", b"\xff", b"a" * 9]), max_size=8))
@settings(max_examples=300, deadline=None, database=None, derandomize=True)
def test_printable_runs_are_found_as_the_pattern_finds_them(noise: bytes, texts: list[bytes]) -> None:
    data = noise + b"".join(texts) + noise[::-1]
    assert printable_runs(data) == _PRINTABLE.findall(data.decode("latin-1"))


def test_retransmitted_and_missing_segments_of_a_held_message() -> None:
    """A retransmission of held bytes is blanked; a gap gives the held run up (blanked); what follows
    the gap has no start line and is redacted segment by segment, as a capture that starts mid-stream."""
    message = sip_message(1)
    a, b = message[:100], message[100:]
    segments = [
        synth.tcp(ALICE, 40000, PROXY, 5060, 1, a),
        synth.tcp(ALICE, 40000, PROXY, 5060, 1, a),  # retransmitted while held
        synth.tcp(ALICE, 40000, PROXY, 5060, 1 + len(a), b),  # completes the message
        synth.tcp(ALICE, 40000, PROXY, 5060, 1 + len(message), a),  # the next message starts ...
        synth.tcp(ALICE, 40000, PROXY, 5060, 1 + len(message) + len(a) + 50, b[50:]),  # ... and 50 bytes are lost
    ]
    standins = StandIns()
    out = redact_capture(pcap(segments), standins)
    assert standins.left_out["TCP payloads blanked (retransmitted while a message was held)"] == 1
    assert standins.left_out["TCP payloads blanked (a segment of the message missing)"] == 1
    for original in ORIGINALS:
        assert original not in out
    frames = records(out)
    assert not any(frames[1][54:]) and not any(frames[3][54:])
    assert frames[0][54:].startswith(b"INVITE sip:bob@") and b"Content-Length" in frames[2][54:]
    assert b"a=candidate:1 1 udp 2130706431 198.51.100." in frames[4]


def deflate_capture(skip_first: bool = False) -> bytes:
    """A WebSocket connection with permessage-deflate (RFC 7692) whose client sends three SIP
    messages compressed with the context kept (the second and third refer back into the first),
    the second fragmented into two frames with a ping between them, every frame cut across
    segments. ``skip_first``: the first message is not in the capture (its context is missing)."""
    ext = b"Sec-WebSocket-Extensions: permessage-deflate\r\n"
    upgrade = b"GET / HTTP/1.1\r\nHost: p\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + ext + b"\r\n"
    accept = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + ext + b"\r\n"
    packer = zlib.compressobj(wbits=-15)
    messages = []
    for n in (1, 2, 3):
        data = packer.compress(sip_message(n)) + packer.flush(zlib.Z_SYNC_FLUSH)
        data = data[:-4]  # §7.2.1: the 00 00 ff ff tail is removed
        if n == 2:
            messages.append(
                synth.ws_frame(data[:9], 1, False, b"\x01\x02\x03\x04", rsv1=True)
                + synth.ws_frame(b"ping 10.20.30.40", 9, mask=b"\x09\x09\x09\x09")  # a control frame between
                + synth.ws_frame(data[9:], 0, True, b"\x05\x06\x07\x08")
            )
        else:
            messages.append(synth.ws_frame(data, 1, mask=bytes([n] * 4), rsv1=True))
    stream = b"".join(messages[1:] if skip_first else messages)
    segments = [synth.tcp(ALICE, 40001, PROXY, 8080, 1, upgrade), synth.tcp(PROXY, 8080, ALICE, 40001, 1, accept)]
    at = 1 + len(upgrade)
    for piece in cut_everywhere(stream, 50):
        segments.append(synth.tcp(ALICE, 40001, PROXY, 8080, at, piece))
        at += len(piece)
    return pcap(segments)


def test_permessage_deflate_messages_are_inflated_redacted_and_deflated_again(tmp_path: Path) -> None:
    source, target = tmp_path / "deflate.pcap", tmp_path / "out.pcap"
    source.write_bytes(deflate_capture())
    before = scan_file(str(source)).document
    assert len(before.candidates) == 6  # scan inflates with the context kept
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr  # blanked before: compressed payloads were not understood
    assert "output checked" in proc.stderr and "blanked" not in proc.stderr
    after = scan_file(str(target)).document
    assert len(after.candidates) == len(before.candidates)
    assert not {c.candidate.address for c in after.candidates} & {"192.168.201.202", "laptop-7.local"}
    assert not {a.address for a in after.addresses} & {ALICE, PROXY, "10.77.88.99"}
    assert b"10.20.30.40" not in target.read_bytes()  # the ping's data, redacted too


def test_compressed_messages_whose_context_is_missing_are_blanked(tmp_path: Path) -> None:
    source, target = tmp_path / "late.pcap", tmp_path / "out.pcap"
    source.write_bytes(deflate_capture(skip_first=True))
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert "2 WebSocket messages blanked (compressed, and they do not inflate)" in proc.stderr
    assert not scan_file(str(target)).document.candidates


V6_ORIGINALS = ["2001:db8::1", *(f"2a00:14{n:02x}::5" for n in range(17))]


def test_no_ipv6_stand_in_reads_as_an_original_when_cut() -> None:
    """IPv6 stand-ins get the IPv4 ones' protection: an original in the documentation range
    (2001:db8::1) is never read in a piece of another's stand-in (``2001:db8::10`` cut after 11
    characters), in any written form."""
    from icecheck.redact.selfcheck import v6_readings

    standins = StandIns()
    for original in V6_ORIGINALS:
        standins.reserve(ipaddress.ip_address(original))
    for original in [*V6_ORIGINALS, "2a00:1450:0:0:0:0:0:5", "2a00:1450:0000:0000:0000:0000:0000:0005"]:
        new = standins.ip_text(original) or ""
        assert ipaddress.ip_address(new) != ipaddress.ip_address(original)
        for cut in range(1, len(new)):
            for piece in (new[:cut], new[cut:]):
                assert not any(ipaddress.ip_address(r) in map(ipaddress.ip_address, V6_ORIGINALS)
                               for r in v6_readings(piece)), (new, piece)  # fmt: skip


def test_ipv6_stand_ins_cut_between_segments_pass_the_output_check(tmp_path: Path) -> None:
    """SIP over TCP whose IPv6 addresses are each cut after 11 characters: with a stand-in
    ``2001:db8::10`` the output check read the original ``2001:db8::1`` and refused (exit 3)."""
    lines = "".join(f"a=candidate:{i} 1 udp 2130706431 {a} 4000 typ host\r\n" for i, a in enumerate(V6_ORIGINALS))
    body = f"v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n{lines}"
    message = (
        f"INVITE sip:bob@{PROXY} SIP/2.0\r\nVia: SIP/2.0/TCP {ALICE}:5060;branch=z9hG4bK1\r\n"
        f"Call-ID: v6\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()
    cuts = sorted({m.start() + 11 for a in V6_ORIGINALS for m in re.finditer(re.escape(a.encode()), message)})
    segments, prev = [], 0
    for at in [*cuts, len(message)]:
        segments.append(synth.tcp(ALICE, 40000, PROXY, 5060, 1000 + prev, message[prev:at]))
        prev = at
    source, target = tmp_path / "v6.pcap", tmp_path / "out.pcap"
    source.write_bytes(pcap(segments))
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    out = target.read_bytes()
    for original in V6_ORIGINALS:
        assert original.encode() not in out
    before, after = scan_file(str(source)).document, scan_file(str(target)).document
    assert len(after.candidates) == len(before.candidates) == len(V6_ORIGINALS)


def reordered_capture(syn: bool) -> bytes:
    """Two SIP messages over TCP in 7-byte segments, every other pair of segments swapped (the
    stream's very first segment arrives second), and a retransmission of one; ``syn``: the
    connection's SYN is in the capture."""
    stream = sip_message(1) + sip_message(2)
    pieces = cut_everywhere(stream, 7)
    order = list(range(len(pieces)))
    for i in range(0, len(order) - 1, 4):
        order[i], order[i + 1] = order[i + 1], order[i]
    segments = [synth.tcp(ALICE, 40000, PROXY, 5060, 999, b"", flags=0x02)] if syn else []
    for n, i in enumerate(order):
        segments.append(synth.tcp(ALICE, 40000, PROXY, 5060, 1000 + 7 * i, pieces[i]))
        if n == 30:
            segments.append(synth.tcp(ALICE, 40000, PROXY, 5060, 1000 + 7 * i, pieces[i]))  # sent again
    return pcap(segments)


@pytest.mark.parametrize("syn", [True, False])
def test_segments_out_of_order_are_put_back_in_order_and_redacted(tmp_path: Path, syn: bool) -> None:
    """Segments that arrive out of order are redacted in stream order, as scan reads them, and each
    gets its bytes back in place (they were blanked at the first hole, counted)."""
    source, target = tmp_path / "reordered.pcap", tmp_path / "out.pcap"
    source.write_bytes(reordered_capture(syn))
    standins = StandIns()
    out = redact_capture(source.read_bytes(), standins)
    blanked = {reason: n for reason, n in standins.left_out.items() if "blanked" in reason}
    if syn:
        assert blanked == {"TCP payloads blanked (retransmitted while a message was held)": 1}
    else:  # the stream starts at the first segment seen, as in scan: the one before it is a retransmission
        assert not [reason for reason in blanked if reason.startswith("TCP")]
    for original in ORIGINALS:
        assert original not in out
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    before, after = scan_file(str(source)).document, scan_file(str(target)).document
    assert len(before.candidates) == 4 if syn else len(before.candidates) >= 2
    assert len(after.candidates) == len(before.candidates)  # sequence numbers follow the .local stand-ins' growth
    assert not {c.candidate.address for c in after.candidates} & {"192.168.201.202", "laptop-7.local"}
    new, old = tcp_payload_lengths(target.read_bytes()), tcp_payload_lengths(source.read_bytes(), False)
    assert len(new) == len(old) and sum(a != b for a, b in zip(new, old, strict=True)) <= 2


def test_a_capture_in_a_zip_is_streamed_past_the_in_memory_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A capture member of a zip is redacted as a stream (it was inflated and redacted in memory,
    refused past ``formats.MAX_INFLATED``); the other members as before; every output member checked."""
    from icecheck.redact import files, formats

    monkeypatch.setattr(formats, "MAX_INFLATED", 1 << 20)
    capture = split_sip_capture()
    noise = pcap([synth.udp(PROXY, 4000, ALICE, 4000, bytes([0x80]) + bytes(171)) for _ in range(6000)])
    big = capture + noise[24:]  # one pcap: the split SIP, then 1.2 MB of media
    assert len(big) > formats.MAX_INFLATED
    source, target = tmp_path / "in.zip", tmp_path / "out.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("call-10.20.30.40.pcap", big)
        z.writestr("notes.txt", "proxy at 172.16.99.7\n")
    assert files.redact_file(str(source), str(target), StandIns(), False) == "zip"
    with zipfile.ZipFile(target) as z:
        assert z.testzip() is None
        names = z.namelist()
        cap, notes = z.read(names[0]), z.read(names[1])
    assert "10.20.30.40" not in names[0] and names[0].endswith(".pcap")
    for original in ORIGINALS:
        assert original not in cap and original not in notes
    assert len(records(cap)) == len(records(big))
    (tmp_path / "member.pcap").write_bytes(cap)
    assert len(scan_file(str(tmp_path / "member.pcap")).document.candidates) == 6


def test_every_member_of_a_written_zip_is_checked(tmp_path: Path) -> None:
    """The check read the archive's raw bytes, so a deflated member was opaque to it."""
    from icecheck.redact import files

    path = tmp_path / "out.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.txt", "left here: 10.20.30.40 " * 20)
    with pytest.raises(files.Incomplete) as caught:
        files._check_zip(str(path), {"10.20.30.40", "172.16.99.7"})
    assert caught.value.left == ["10.20.30.40"]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_segments_in_any_order_with_losses_and_repeats_never_leak(data: st.DataObject) -> None:
    """Two SIP messages and a WebSocket message in small segments, sent in a shuffled order with
    some segments lost, some repeated and some cut into others' ranges: redaction never fails and no
    original survives (what it cannot put in order it blanks)."""
    from icecheck.redact.selfcheck import survivors

    stream = sip_message(1) + sip_message(2)
    step = data.draw(st.integers(5, 60))
    pieces = [(1000 + i, stream[i : i + step]) for i in range(0, len(stream), step)]
    extra = data.draw(st.lists(st.tuples(st.integers(0, len(stream) - 1), st.integers(1, 80)), max_size=4))
    pieces += [(1000 + at, stream[at : at + n]) for at, n in extra]  # overlapping resends
    order = data.draw(st.permutations(range(len(pieces))))
    lost = data.draw(st.sets(st.integers(0, len(pieces) - 1), max_size=2))
    segments = [synth.tcp(ALICE, 40000, PROXY, 5060, 999, b"", flags=0x02)] if data.draw(st.booleans()) else []
    segments += [synth.tcp(ALICE, 40000, PROXY, 5060, *pieces[i]) for i in order if i not in lost]
    original = pcap(segments)
    standins = StandIns()
    out = redact_capture(original, standins)
    assert len(records(out)) == len(records(original))
    assert not survivors(original, out, standins.kept)


def test_a_segment_overlapping_bytes_already_taken_is_trimmed_as_scan_trims_it() -> None:
    """The first byte alone, then a segment from the same sequence number on (a resend that
    repacketised): scan trims the byte it has; redaction gave the held message up, blanked."""
    message = sip_message(1)
    segments = [
        synth.tcp(ALICE, 40000, PROXY, 5060, 999, b"", flags=0x02),
        synth.tcp(ALICE, 40000, PROXY, 5060, 1000, message[:1]),
        synth.tcp(ALICE, 40000, PROXY, 5060, 1000, message[:100]),
        synth.tcp(ALICE, 40000, PROXY, 5060, 1100, message[100:]),
    ]
    standins = StandIns()
    out = redact_capture(pcap(segments), standins)
    assert dict(standins.left_out) == {"TCP payloads partly blanked (bytes sent before, in another segment)": 1}
    frames = records(out)
    assert frames[1][54:] == b"I" and frames[2][54] == 0 and frames[2][55:].startswith(b"NVITE sip:bob@")
    for original in ORIGINALS:
        assert original not in out
