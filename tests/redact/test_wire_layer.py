"""One wire layer: redaction rewrites through the byte ranges scan's readers decode by
(``inputs.stun.attributes``/``layout``/``address_range``, ...), so whatever scan reads from a
message, redaction rewrites, and what it writes scan reads back as the stand-ins."""

from __future__ import annotations

import io
import ipaddress
import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.inputs import stun, synth
from icecheck.redact.standins import StandIns
from icecheck.redact.stunattr import rewrite_payload
from tests.conftest import run_cli
from tests.redact.test_redact_shapes import capture

_V4 = st.integers(1, 2**32 - 2).map(lambda n: str(ipaddress.IPv4Address(n)))
_V6 = st.integers(1, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
_ADDRESS = st.one_of(_V4, _V6)
_OTHER = st.tuples(st.sampled_from([0x8022, 0x0006, 0xC057, 0x0008, 0x1234]), st.binary(max_size=24))


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    """A message of one of the three dialects with address attributes of that dialect (the ones
    scan reports and the ones naming a server), XORed or not as the dialect says, among others."""
    dialect = draw(st.sampled_from(["rfc8489", "rfc3489", "ms-turn"]))
    txid = draw(st.binary(min_size=16, max_size=16))
    table = {
        "rfc8489": [0x0001, 0x0020, 0x8020, 0x0016, 0x0012, 0x802B, 0x802C, 0x8023],
        "rfc3489": [0x0001, 0x0004, 0x0005, 0x8020],
        "ms-turn": [0x0001, 0x8090, 0x8020, 0x0011, 0x0012],
    }[dialect]
    attrs = []
    for _ in range(draw(st.integers(1, 5))):
        code, address, port = draw(st.sampled_from(table)), draw(_ADDRESS), draw(st.integers(0, 65535))
        if dialect == "rfc8489" and code in (0x0020, 0x8020, 0x0016, 0x0012):
            value = synth.xor_address(address, port, txid[:12])
        elif dialect == "ms-turn" and code == 0x8020:
            value = synth.ms_xor_address(address, port, txid)
        elif dialect == "rfc3489" and code == 0x8020:
            raw = ipaddress.ip_address(address).packed
            value = synth.plain_address(address, port)[:4] + bytes(a ^ b for a, b in zip(raw, txid, strict=False))
        else:
            value = synth.plain_address(address, port)
        attrs.append((code, value))
        attrs += draw(st.lists(_OTHER, max_size=2))
    if dialect == "rfc8489":
        return synth.stun_message(0x0101, txid[:12], attrs)
    if dialect == "rfc3489":
        return synth.classic_stun(0x0101, txid, attrs)
    return synth.ms_turn(0x0103, txid, attrs)


def _addresses(message: bytes) -> list[tuple[str, str]]:
    """(attribute, address) of every address attribute, read the way scan reads them, plus the
    server addresses redaction rewrites too (through ``stun.layout``)."""
    shape = stun.layout(message)
    out = []
    for atype, start, stop in stun.attributes(message, len(message), shape.padded):
        at = stun.address_range(message, start, stop) if atype in shape.addresses else None
        if at is not None:
            name, xored = shape.addresses[atype]
            raw = message[at[0] : at[0] + at[1]]
            if xored:
                raw = bytes(a ^ b for a, b in zip(raw, shape.key, strict=False))
            out.append((name, str(ipaddress.ip_address(raw))))
    return out


@settings(max_examples=300, deadline=None)
@given(messages())
def test_every_address_scan_reads_is_rewritten_and_read_back_as_its_stand_in(message: bytes) -> None:
    assert stun.looks_like_stun(message) or stun.looks_like_legacy(message)
    before = _addresses(message)
    reported = {(a.attribute, str(ipaddress.ip_address(a.address))) for a in stun.decode(message).addresses}
    assert reported <= set(before)  # scan's addresses are among those redaction walks to
    standins = StandIns()
    new = rewrite_payload(message, standins.ip_bytes, lambda d: d)
    assert len(new) == len(message)
    after = _addresses(new)
    assert after == [(name, str(standins.ip(ipaddress.ip_address(a)))) for name, a in before]
    read_back = {(a.attribute, str(ipaddress.ip_address(a.address))) for a in stun.decode(new).addresses}
    assert read_back == {(name, str(standins.ip(ipaddress.ip_address(a)))) for name, a in reported}


_FRAME = st.tuples(
    st.sampled_from(
        [0x81, 0x82, 0x01, 0x80, 0x89, 0x8A, 0xC1]
    ),  # text, binary, first fragment, last, ping, pong, deflated
    st.one_of(st.none(), st.binary(min_size=4, max_size=4)),
    st.one_of(st.binary(max_size=40), st.binary(min_size=126, max_size=300)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_FRAME, min_size=1, max_size=5))
def test_websocket_frames_are_read_where_scan_reads_them(spec: list[tuple[int, bytes | None, bytes]]) -> None:
    from icecheck.inputs.websocket import parse_frame
    from icecheck.redact.websocket import SENT_KEY, Inflater, frames, rewrite

    seg = b"".join(
        synth.ws_frame(payload, first & 0x0F, bool(first & 0x80), key, rsv1=bool(first & 0x40))
        for first, key, payload in spec
    )
    scanned, pos = [], 0
    while pos < len(seg):
        parsed = parse_frame(seg, pos)
        assert parsed is not None
        pos, opcode, fin, _rsv1, payload = parsed
        scanned.append((opcode, fin, payload))
    read = frames(seg)
    assert read is not None and [(f & 0x0F, bool(f & 0x80)) for f, _, _ in read] == [(o, f) for o, f, _ in scanned]
    plain = [
        p if payload_key is None else bytes(b ^ payload_key[i % 4] for i, b in enumerate(p))
        for _, payload_key, p in read
    ]
    assert plain == [p for _, _, p in scanned]
    if not any(first & 0x40 or (first & 0x08 and len(p) > 125) for first, _, p in spec):
        # identity text: the same frames written again, client frames masked with the key 0 (a
        # control frame over 125 bytes, §5.5, is blanked)
        again = b"".join(
            synth.ws_frame(payload, first & 0x0F, bool(first & 0x80), key and SENT_KEY, rsv1=bool(first & 0x40))
            for first, key, payload in spec
        )
        assert rewrite(seg, lambda d: d, Inflater()) == again


def test_a_control_frame_between_fragments_stays_between_them() -> None:
    """It was written before the message's first fragment (the fragments waited for the last)."""
    from icecheck.redact.websocket import Inflater, rewrite

    seg = synth.ws_frame(b"part one ", 1, False) + synth.ws_frame(b"ping", 9) + synth.ws_frame(b"part two", 0, True)
    assert rewrite(seg, lambda d: d, Inflater()) == seg


def test_link_and_ip_layouts_are_where_scan_reads() -> None:
    """``link_layout``/``ip_layout`` (redaction's) find what ``link_payload``/``decode_ip`` (scan's)
    decode, for every link type and shape the capture tests use."""
    from icecheck.inputs.netdecode import decode_ip, ip_layout, link_layout, link_payload

    v4 = synth.ip(synth.udp("10.1.2.3", 5060, "10.4.5.6", 5060, b"x" * 30))[0]
    v6 = synth.ip(synth.udp("2001:db8::7", 5060, "2001:db8::8", 5060, b"x" * 30))[0]
    frag = synth.ip(synth.udp("2001:db8::7", 5060, "2001:db8::8", 5060, b"y" * 3000), mtu=1280)[1]
    for packet in (v4, v6, frag):
        for linktype, frame in [
            *((lt, synth.link(packet, lt)) for lt in (0, 1, 101, 108, 113, 276)),
            (1, synth.link(packet, 1, vlans=(7, 8))),
        ]:
            layout = link_layout(linktype, frame)
            assert layout is not None and frame[layout.start :] == link_payload(linktype, frame)
            ip, decoded = ip_layout(packet), decode_ip(packet)
            assert not isinstance(ip, str | None) and not isinstance(decoded, str | None)
            assert packet[ip.start : ip.end] == decoded.payload and ip.proto == decoded.proto
            assert (packet[ip.src : ip.src + ip.size], packet[ip.dst : ip.dst + ip.size]) == (decoded.src, decoded.dst)
            assert (ip.fragment is not None) == (decoded.frag_id is not None)


def test_ipv6_behind_an_authentication_header_is_rewritten_as_scan_reads_it(tmp_path: Path) -> None:
    """scan walks an IPv6 Authentication Header (RFC 4302) to the UDP inside and reads the SIP
    there; redaction dropped the packet ("IP protocol 51"): its coverage is now scan's."""
    from icecheck.inputs.scanner import scan_file

    sdp = "v=0\r\no=- 1 1 IN IP4 10.9.8.7\r\na=candidate:1 1 udp 2130706431 10.9.8.7 4000 typ host\r\n"
    sip = (
        f"MESSAGE sip:b@example.org SIP/2.0\r\nContent-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}"
    )
    _, _, _, udp = synth.udp("2001:db8::7", 5060, "2001:db8::8", 5060, sip.encode())
    packet = synth.ip(("2001:db8::7", "2001:db8::8", 17, udp))[0]
    ah = bytes([17, 4, 0, 0]) + bytes(20)  # next header UDP, (4 + 2) * 4 = 24 bytes
    packet = bytearray(packet[:40] + ah + packet[40:])
    packet[6], packet[4:6] = 51, (len(packet) - 40).to_bytes(2, "big")
    source, target = tmp_path / "ah.pcap", tmp_path / "out.pcap"
    buf = io.BytesIO()
    synth.PcapWriter(buf).write(synth.link(bytes(packet)), 1_700_000_000)
    source.write_bytes(buf.getvalue())
    proc = run_cli("redact", str(source), "-o", str(target))
    assert proc.returncode == 0 and "dropped" not in proc.stderr, proc.stderr
    before, after = scan_file(str(source)).document, scan_file(str(target)).document
    assert [c.candidate.address for c in before.candidates] == ["10.9.8.7"]
    assert len(after.candidates) == 1 and after.candidates[0].candidate.address != "10.9.8.7"


def test_a_malformed_ipv4_header_is_dropped_not_copied() -> None:
    """An IPv4 header whose header length passes the frame was copied through with its packed
    addresses (which the output check, reading only decodable headers, did not see)."""
    from icecheck.redact.pcap import redact_capture

    packet = bytearray(synth.ip(synth.udp("10.1.2.3", 5060, "10.4.5.6", 5060, b"x"))[0])
    packet[0] = 0x4F  # 60-byte header in a 29-byte packet
    buf = io.BytesIO()
    synth.PcapWriter(buf).write(synth.link(bytes(packet)), 1_700_000_000)
    standins = StandIns()
    out = redact_capture(buf.getvalue(), standins)
    assert bytes([10, 1, 2, 3]) not in out and bytes([10, 4, 5, 6]) not in out
    assert standins.left_out["packets dropped (IPv4 header length or total length not valid)"] == 1


@st.composite
def _pcapng_files(draw: st.DrawFn) -> bytes:
    """A pcapng section (either byte order) with one or two interfaces and Enhanced, Simple and
    obsolete Packet Blocks whose captured lengths may pass their frames."""
    import struct

    from icecheck.redact.pcapng import block

    order = draw(st.sampled_from("<>"))
    out = block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    for _ in range(draw(st.integers(1, 2))):
        resol = struct.pack(order + "HH", 9, 1) + bytes([draw(st.sampled_from([6, 9, 0x8A])), 0, 0, 0])
        out += block(order, 1, struct.pack(order + "HHI", draw(st.sampled_from([1, 101, 113])), 0, 0) + resol)
    for _ in range(draw(st.integers(0, 6))):
        btype, frame = draw(st.sampled_from([2, 3, 6])), draw(st.binary(max_size=48))
        caplen = draw(st.sampled_from([len(frame), len(frame) + 5, max(len(frame) - 3, 0)]))
        padded = frame + bytes(-len(frame) % 4)
        if btype == 3:
            body = struct.pack(order + "I", caplen) + padded
        else:
            iface, hi, lo = draw(st.integers(0, 2)), draw(st.integers(0, 9)), draw(st.integers(0, 2**32 - 1))
            fields = [iface, hi, lo] if btype == 6 else [iface, 0, hi, lo]
            body = struct.pack(order + ("III" if btype == 6 else "HHII"), *fields)
            body += struct.pack(order + "II", caplen, len(frame) + 9) + padded
        out += block(order, btype, body)
    return out


@settings(max_examples=300, deadline=None)
@given(_pcapng_files())
def test_pcapng_packets_are_where_packet_block_says(data: bytes) -> None:
    """The reader's packets (its inline hot path for Enhanced Packet Blocks, the careful path for
    the others) are the frames ``pcapfile.packet_block`` locates, which redaction rewrites."""
    from icecheck.inputs.pcapfile import PACKET_BLOCKS, SPB, PacketReader, interface, packet_block

    read = [(p[1], p[2], p[3], p[4]) for p in PacketReader(io.BytesIO(data), lambda *_: None).packets()]
    expected, interfaces = [], []
    for order, btype, body in PacketReader(io.BytesIO(data), lambda *_: None).records():
        if btype == 1:
            interfaces.append(interface(body, order))
        layout = packet_block(btype, body, order) if btype in PACKET_BLOCKS else None
        if layout is not None and layout[0] < len(interfaces):
            iface, timestamp, frame, caplen, orig, _, _ = layout
            linktype, resolution, offset = interfaces[iface]
            time = 0.0 if btype == SPB else timestamp * resolution + offset
            expected.append((time, linktype, body[frame : frame + caplen], orig))
    assert read == expected


_SIP_TCP = (
    b"MESSAGE sip:b@example.org SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1:5060\r\nContent-Type: application/sdp\r\n"
    b"Content-Length: 67\r\n\r\nv=0\r\nc=IN IP4 10.9.8.7\r\na=candidate:1 1 udp 1 10.9.8.7 4 typ host\r\n"
)


@st.composite
def _resent_tcp(draw: st.DrawFn) -> bytes:
    """A pcap of one TCP direction carrying SIP messages, sent in pieces cut at random places,
    reordered, and sent again cut elsewhere (retransmissions that overlap others)."""
    stream = _SIP_TCP * draw(st.integers(1, 3))
    base = draw(st.integers(0, 2**32 - 1))
    pieces = []
    for _ in range(draw(st.integers(1, 3))):  # each pass covers the stream, cut its own way
        cuts = sorted(set(draw(st.lists(st.integers(1, len(stream) - 1), max_size=6))))
        bounds = [0, *cuts, len(stream)]
        pieces += [((base + a) & 0xFFFFFFFF, stream[a:b]) for a, b in itertools.pairwise(bounds)]
    sent = draw(st.permutations(pieces))
    segments = [synth.tcp("10.1.2.3", 5060, "10.4.5.6", 5060, seq, data) for seq, data in sent]
    if draw(st.booleans()):
        segments.insert(0, synth.tcp("10.1.2.3", 5060, "10.4.5.6", 5060, base - 1, flags=0x02))
    return capture(segments)


@settings(max_examples=150, deadline=None)
@given(_resent_tcp())
def test_tcp_segments_are_redacted_where_scan_reads_them(capture: bytes) -> None:
    """Redaction puts a direction's segments in sequence by scan's rules (``tcpstream.place`` and
    ``supersedes``, ``tcpheld.HeldSegments``): whatever order and overlap the segments
    come in, every candidate scan reads from the capture is read from the output as a stand-in."""
    from icecheck.inputs.scanner import scan_file
    from icecheck.redact.pcap import redact_capture

    out = redact_capture(capture, StandIns())
    before = scan_file("in.pcap", data=capture).document.candidates
    after = scan_file("out.pcap", data=out).document.candidates
    assert len(after) == len(before)
    assert not {c.candidate.address for c in after} & {"10.9.8.7"}


def test_a_longer_copy_of_a_held_segment_is_taken_as_scan_takes_it() -> None:
    """An early segment sent again longer (same sequence number) replaces the held copy in scan
    (``tcpstream.supersedes``); redaction blanked the longer copy and kept the shorter, so the
    message never completed there and was blanked whole while scan read its candidate."""
    from icecheck.inputs.scanner import scan_file
    from icecheck.redact.pcap import redact_capture

    pieces = [(10, _SIP_TCP[10:30]), (10, _SIP_TCP[10:]), (0, _SIP_TCP[:10])]
    syn = synth.tcp("10.1.2.3", 5060, "10.4.5.6", 5060, 6999, flags=0x02)  # the stream starts at 7000
    data = capture([syn, *(synth.tcp("10.1.2.3", 5060, "10.4.5.6", 5060, 7000 + at, d) for at, d in pieces)])
    standins = StandIns()
    out = redact_capture(data, standins)
    before = scan_file("in.pcap", data=data).document.candidates
    after = scan_file("out.pcap", data=out).document.candidates
    assert [c.candidate.address for c in before] == ["10.9.8.7"]
    assert len(after) == 1 and after[0].candidate.address != "10.9.8.7"
    assert standins.left_out["TCP payloads blanked (retransmitted while a message was held)"] == 1


def test_an_original_length_at_its_limit_does_not_overflow_when_a_frame_grows() -> None:
    """A record whose original length is 2^32 - 1 (the reader accepts it) and whose frame grows
    (a longer stand-in) made packing the new length fail: an internal error, nothing written."""
    import struct

    from icecheck.redact.pcap import redact_capture

    sip = b"MESSAGE sip:b@example.org SIP/2.0\r\nVia: SIP/2.0/UDP 10.9.8.7:5060\r\nContent-Length: 0\r\n\r\n"
    buf = io.BytesIO()
    synth.PcapWriter(buf).write(synth.link(synth.ip(synth.udp("10.1.2.3", 5060, "10.4.5.6", 5060, sip))[0]), 1)
    data = bytearray(buf.getvalue())
    struct.pack_into("<I", data, 24 + 12, 0xFFFFFFFF)  # the first record's original length
    standins = StandIns()
    standins.reserve(ipaddress.ip_address("192.0.2.1"))  # stand-ins longer than the originals
    out = redact_capture(bytes(data), standins)
    incl, orig = struct.unpack_from("<II", out, 24 + 8)
    assert len(out) == 24 + 16 + incl and incl > len(data) - 40 and orig == 0xFFFFFFFF


def test_a_tcp_segment_whose_data_offset_is_damaged_is_dropped_not_copied() -> None:
    """A data offset below 20 bytes was copied through as it was, text and all (scan reads a
    payload there); it is dropped and counted."""
    from icecheck.redact.pcap import redact_capture

    src, dst, proto, seg = synth.tcp("10.1.2.3", 5060, "10.4.5.6", 5060, 1000, _SIP_TCP)
    damaged = bytearray(seg)
    damaged[12] = 0x40  # 16 bytes
    standins = StandIns()
    out = redact_capture(capture([(src, dst, proto, bytes(damaged))]), standins)
    assert b"10.9.8.7" not in out and bytes([10, 1, 2, 3]) not in out
    assert standins.left_out["packets dropped (TCP header damaged (data offset))"] == 1


def test_masked_bytes_that_spell_an_address_do_not_stop_redaction(tmp_path: Path) -> None:
    """A client frame's masked bytes spelled ``::3`` (text XOR its key): the output check read it in
    the input's and the output's raw bytes alike, since the frame was masked again with its own key,
    and refused the capture (exit 3). Masked again with the key 0, the output holds its text."""
    key = b"\x01\x01\x01\x01"
    text = bytes(b ^ 1 for b in b"+5>::3, ")  # b"*4?;;2-!": no address in what is sent
    frame = synth.ws_frame(text, mask=key)
    assert b"+5>::3, " in frame
    src = tmp_path / "ws.pcap"
    src.write_bytes(capture([synth.tcp("10.1.2.3", 40000, "10.4.5.6", 443, 1000, frame)]))
    proc = run_cli("redact", str(src), "-o", str(tmp_path / "out.pcap"))
    assert proc.returncode == 0, proc.stderr
    out = (tmp_path / "out.pcap").read_bytes()
    assert text in out and b"::3" not in out and bytes([10, 1, 2, 3]) not in out


def test_message_integrity_is_zeroed_when_what_it_covers_changed() -> None:
    """An HMAC over the original message lets anyone with the key (an ICE check's key is the
    ``a=ice-pwd`` of the SDP beside it) test guesses of the original address: it is zeroed when
    the message changed, kept when nothing before it did. FINGERPRINT is recomputed over the
    zeroed value and still verifies."""
    import hashlib
    import hmac
    import struct
    import zlib

    key, txid = b"a-password-from-the-sdp", b"\x01" * 12

    def signed(attrs: list[tuple[int, bytes]]) -> bytes:
        # RFC 8489 §14.5: the HMAC over the message up to MESSAGE-INTEGRITY, with its length counted
        head = synth.stun_message(0x0101, txid, attrs)
        covered = struct.pack("!H", len(head) - 20 + 24) + head[4:]
        mac = hmac.new(key, head[:2] + covered, hashlib.sha1).digest()
        whole = synth.stun_message(0x0101, txid, [*attrs, (0x0008, mac)])
        crc = zlib.crc32(whole[:2] + struct.pack("!H", len(whole) - 20 + 8) + whole[4:]) ^ 0x5354554E
        return synth.stun_message(0x0101, txid, [*attrs, (0x0008, mac), (0x8028, struct.pack("!I", crc))])

    def parts(message: bytes) -> tuple[bytes, int, int]:
        mac_at = message.index(b"\x00\x08\x00\x14") + 4
        (crc,) = struct.unpack_from("!I", message, len(message) - 4)
        return message[mac_at : mac_at + 20], crc, zlib.crc32(message[:-8]) ^ 0x5354554E

    leaky = signed([(0x0020, synth.xor_address("10.9.8.7", 40000, txid))])
    plain = signed([(0x8022, b"a-softphone")])
    standins = StandIns()
    for message, kept in ((leaky, False), (plain, True)):
        mac, _, _ = parts(message)
        new = rewrite_payload(message, standins.ip_bytes, lambda d: d)
        new_mac, crc, expected = parts(new)
        assert len(new) == len(message) and crc == expected & 0xFFFFFFFF
        assert (new_mac == mac) is kept and (new_mac == bytes(20)) is not kept


def test_a_gap_filled_before_a_retransmission_is_redacted_as_scan_reads_it() -> None:
    """Hypothesis's falsifying example (2026-12-06): segment 7..186 first, then 0..7 (fills the
    gap), then 0..376 again and 186..376. Scan reads the candidate from packets 1-3; redaction
    blanked the 0..7 segment and the start of the retransmission, so the output held no message
    scan reads."""
    from icecheck.inputs.scanner import scan_file
    from icecheck.redact.pcap import redact_capture

    stream = _SIP_TCP * 2
    sent = [(7, stream[7:186]), (0, stream[:7]), (0, stream), (186, stream[186:])]
    data = capture([synth.tcp("10.1.2.3", 5060, "10.4.5.6", 5060, seq, part) for seq, part in sent])
    before = scan_file("in.pcap", data=data).document.candidates
    after = scan_file("out.pcap", data=redact_capture(data, StandIns())).document.candidates
    assert len(before) == 1 and len(after) == len(before)


def test_a_copy_of_a_held_segment_does_not_outlast_it_once_the_message_shrinks() -> None:
    """Found with more hypothesis examples (longer originals than stand-ins): an early segment sent
    twice was held once and its copy zeroed at its own length; the held one shrank when redacted, so
    in the output the zeroed copy was the longer one and scan took it in its place (``supersedes``).
    A copy of held bytes is emptied now."""
    from icecheck.inputs.scanner import scan_file
    from icecheck.redact.pcap import redact_capture

    addr = "100.109.108.107"
    body = f"v=0\r\nc=IN IP4 {addr}\r\na=candidate:1 1 udp 1 {addr} 4 typ host\r\n".encode()
    head = f"MESSAGE sip:b@example.org SIP/2.0\r\nVia: SIP/2.0/TCP {addr}:5060\r\nContent-Length: {len(body)}\r\n\r\n"
    stream = head.encode() + body
    sent = [(0, stream[:3]), (4, stream[4:]), (4, stream[4:]), (3, stream[3:4])]
    data = capture([synth.tcp("10.1.2.3", 5060, "10.4.5.6", 5060, seq, part) for seq, part in sent])
    before = scan_file("in.pcap", data=data).document.candidates
    after = scan_file("out.pcap", data=redact_capture(data, StandIns())).document.candidates
    assert [c.candidate.address for c in before] == [addr]
    assert len(after) == 1 and after[0].candidate.address != addr


def test_a_short_text_segment_is_redacted_as_text_not_blanked() -> None:
    """A capture that starts mid-stream with a 7-byte text segment: anything under 8 bytes was taken
    for binary and zeroed, and with it the line end scan reads the next message after; the output
    audited 0 candidates against 1 (found by a wider hypothesis strategy)."""
    from icecheck.inputs.scanner import scan_file
    from icecheck.redact.pcap import redact_capture

    sent = [(1000, b" host\r\n"), (1007, _SIP_TCP)]
    data = capture([synth.tcp("10.1.2.3", 5060, "10.4.5.6", 5060, seq, part) for seq, part in sent])
    before = scan_file("in.pcap", data=data).document.candidates
    out = redact_capture(data, StandIns())
    after = scan_file("out.pcap", data=out).document.candidates
    assert len(before) == 1 and len(after) == 1 and b" host\r\n" in out and b"10.9.8.7" not in out


def _tcp_payloads(pcap: bytes) -> list[tuple[int, int]]:
    """(sequence number, payload length) of each TCP segment of a pcap of Ethernet/IPv4 frames."""
    import struct

    out, pos = [], 24
    while pos < len(pcap):
        size = struct.unpack_from("<I", pcap, pos + 8)[0]
        ip = pcap[pos + 16 + 14 : pos + 16 + size]
        pos += 16 + size
        tcp = ip[(ip[0] & 15) * 4 :]
        out.append((struct.unpack_from("!I", tcp, 4)[0], len(tcp) - (tcp[12] >> 4) * 4))
    return out


@pytest.mark.parametrize("tail", [[10], [30, 20, 2]])
def test_a_held_message_that_shrinks_by_more_than_its_last_segment_is_shared_out_whole(tail: list[int]) -> None:
    """A SIP message over TCP whose last segments are shorter than what redaction takes off it (60-byte
    mDNS names become 42-byte stand-ins): the earlier segments get the message, the last ones are left
    empty, and the sequence numbers still follow one another, so the message after it is read too."""
    from icecheck.inputs.scanner import scan_file
    from icecheck.redact.pcap import redact_capture

    names = [f"h{i}{'b' * 56}.local" for i in range(3)]
    body = "v=0\r\n" + "".join(f"a=candidate:{i} 1 udp 1 {n} {4000 + i} typ host\r\n" for i, n in enumerate(names))
    first = f"MESSAGE sip:b@example.org SIP/2.0\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
    body = "v=0\r\na=candidate:9 1 udp 1 10.9.8.7 9 typ host\r\n"
    second = (
        f"MESSAGE sip:b@example.org SIP/2.0\r\nContent-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    stream = first + (second + body).encode()
    bounds = [0, *(len(first) - n for n in tail), len(first), len(first) + 20, len(stream)]
    sent = [(1000 + a, stream[a:b]) for a, b in itertools.pairwise(bounds)]
    data = capture([synth.tcp("10.1.2.3", 5060, "10.4.5.6", 5060, seq, part) for seq, part in sent])
    out = redact_capture(data, StandIns())
    before = scan_file("in.pcap", data=data).document.candidates
    after = scan_file("out.pcap", data=out).document.candidates
    assert len(before) == len(after) == 4
    assert not [n for n in [*names, "10.9.8.7"] if n.encode() in out]
    shrunk = len(first) - 3 * (len(names[0]) - 42)
    assert _tcp_payloads(out)[: len(tail) + 1] == [(1000, shrunk)] + [(1000 + shrunk, 0)] * len(tail)
    segments = _tcp_payloads(out)
    assert all(a + n == b for (a, n), (b, _) in itertools.pairwise(segments))


def _ah_packet(sip: str, icv: bytes) -> bytes:
    """An IPv6 packet with an Authentication Header (RFC 4302: 12 bytes of fields, then ``icv``) before UDP."""
    from icecheck.redact.packet import checksum, pseudo

    _, _, _, udp = synth.udp("2001:db8::7", 5060, "2001:db8::8", 5060, sip.encode())
    src, dst = (ipaddress.ip_address(a).packed for a in ("2001:db8::7", "2001:db8::8"))
    value = checksum(pseudo(src, dst, 17, len(udp)) + udp[:6] + bytes(2) + udp[8:]) or 0xFFFF
    udp = udp[:6] + value.to_bytes(2, "big") + udp[8:]  # as redaction writes it (RFC 8200 §8.1)
    packet = synth.ip(("2001:db8::7", "2001:db8::8", 17, udp))[0]
    ah = bytes([17, (12 + len(icv)) // 4 - 2, 0, 0]) + (0x1234).to_bytes(4, "big") + (7).to_bytes(4, "big") + icv
    out = bytearray(packet[:40] + ah + packet[40:])
    out[6], out[4:6] = 51, (len(out) - 40).to_bytes(2, "big")
    return bytes(out)


def test_an_ah_integrity_value_is_zeroed_when_the_packet_changed(tmp_path: Path) -> None:
    """An IPsec AH integrity value (an HMAC over the packet, addresses included, under a key not in the
    capture) was copied: it no longer verified, and would confirm a guess at the original addresses to
    anyone with the key. It is zeroed when the packet changed (as STUN's MESSAGE-INTEGRITY), counted
    in the summary; a packet redaction leaves as it was keeps its value."""
    from icecheck.inputs.scanner import scan_file
    from icecheck.redact.pcap import redact_capture

    sdp = "v=0\r\no=- 1 1 IN IP4 10.9.8.7\r\na=candidate:1 1 udp 2130706431 10.9.8.7 4000 typ host\r\n"
    sip = (
        f"MESSAGE sip:b@example.org SIP/2.0\r\nContent-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}"
    )
    icv = bytes(range(0xA0, 0xAC))  # 96 bits, as HMAC-SHA1-96 (RFC 2404)
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    writer.write(synth.link(_ah_packet(sip, icv)), 1_700_000_000)
    data = buf.getvalue()
    standins = StandIns(keep=["2001:db8::/32"])
    out = redact_capture(data, standins)
    assert icv not in out and b"10.9.8.7" not in out
    assert standins.left_out == {"IPsec AH integrity values zeroed (what they cover changed)": 1}
    ah_at = out.index(bytes([17, 4, 0, 0]) + (0x1234).to_bytes(4, "big"))
    assert out[ah_at + 12 : ah_at + 24] == bytes(12)
    assert len(scan_file("out.pcap", data=out).document.candidates) == 1
    (tmp_path / "ah.pcap").write_bytes(data)
    proc = run_cli("redact", str(tmp_path / "ah.pcap"), "-o", str(tmp_path / "out.pcap"))
    assert proc.returncode == 0 and "; 1 IPsec AH integrity values zeroed (what they cover changed)" in proc.stderr

    quiet = "OPTIONS sip:b@example.org SIP/2.0\r\nContent-Length: 0\r\n\r\n"  # nothing to redact; addresses kept
    buf = io.BytesIO()
    synth.PcapWriter(buf).write(synth.link(_ah_packet(quiet, icv)), 1_700_000_000)
    standins = StandIns(keep=["2001:db8::/32"])
    out = redact_capture(buf.getvalue(), standins)
    assert out.endswith(_ah_packet(quiet, icv)) and not standins.left_out  # the MACs changed, not the IP packet
