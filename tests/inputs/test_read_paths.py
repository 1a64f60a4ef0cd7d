"""Short cuts of the capture reader give what the general path gives.

``ranges._datagram`` tells an Ethernet/IPv4 frame of another protocol without decoding it;
``SipMessage.header`` reads an index of first values; SIP over TCP checks the start line on
the framed message; ``endpoint`` is cached; one process takes every message without building
a routing key. Each test compares with the general path or pins what a reader reports.
"""

from __future__ import annotations

import random

from icecheck.inputs import ranges, sipmsg, synth
from icecheck.inputs.capture import CaptureScan, datagram_of
from icecheck.inputs.lanes import Lane
from icecheck.inputs.netdecode import IpPacket, decode_ip, endpoint, link_payload
from icecheck.inputs.sink import Sink

STUN = synth.stun_message(0x0101, b"\x01" * 12, [(0x0020, synth.xor_address("192.0.2.7", 4000, b"\x01" * 12))])
SIP = b"OPTIONS sip:a@192.0.2.1 SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n"


def _general(linktype: int, frame: bytes) -> object:
    """What ``ranges._datagram`` gave before its short cut: the full decoding."""
    packet = link_payload(linktype, frame)
    ip = decode_ip(packet) if packet is not None else None
    if not isinstance(ip, IpPacket) or ip.frag_id is not None or ip.proto != 17:
        return None
    return datagram_of(ip)


def test_prefilter_datagram_is_the_full_decoding() -> None:
    rng = random.Random(5)
    frames = []
    for payload in (STUN, SIP, b"\x80" * 40, b""):
        for a, b in (("10.0.0.1", "10.0.0.2"), ("2001:db8::1", "2001:db8::2")):
            segs = [synth.udp(a, 5, b, 6, payload), synth.tcp(a, 5, b, 6, 1, payload)]
            for packet in [
                p for seg in segs for p in synth.ip(seg) + synth.ip((*seg[:2], 17, seg[3])) + synth.ip(seg, mtu=60)
            ]:
                frames.append(synth.link(packet))
                frames.append(synth.link(packet, vlans=[7]))
    for packet in synth.ip(synth.udp("2001:db8::1", 5, "2001:db8::2", 6, STUN)):
        frames.append(synth.link(packet)[:12] + b"\x08\x00" + packet)  # IPv6 labelled IPv4: read as its version says
    for frame in list(frames):
        for _ in range(30):  # damaged copies: any byte of the Ethernet and IP headers, cut short
            damaged = bytearray(frame)
            damaged[rng.randrange(12, 40)] = rng.randrange(256)
            frames.append(bytes(damaged[: rng.choice([len(damaged), rng.randrange(len(damaged) + 1)])]))
    for frame in frames:
        assert ranges._datagram(1, frame) == _general(1, frame), frame.hex()
        assert ranges._datagram(101, frame[14:]) == _general(101, frame[14:])


def test_header_reads_the_first_value_as_the_headers_say() -> None:
    data = (
        b"INVITE sip:b@192.0.2.2 SIP/2.0\r\nv: SIP/2.0/UDP 10.0.0.1\r\nVia: SIP/2.0/UDP 10.0.0.2\r\n"
        b"i: first\r\nCall-ID: second\r\nX-Long: a\r\n b\r\nContent-Length: 0\r\n\r\n"
    )
    msg = sipmsg.parse_sip(data)
    assert isinstance(msg, sipmsg.SipMessage)
    plain = sipmsg.SipMessage(msg.method, msg.uri, msg.status, msg.headers, msg.body)  # no index: the scan
    for name in ("via", "call-id", "x-long", "content-length", "to", "i"):
        assert msg.header(name) == plain.header(name)
    assert (msg.header("via"), msg.call_id, msg.header("x-long")) == ("SIP/2.0/UDP 10.0.0.1", "first", "a b")
    assert msg == plain


def _tcp_capture(stream: bytes) -> Sink:
    """``stream`` sent from 10.0.0.1:5060 to 10.0.0.2:5060 over TCP, read by a CaptureScan."""
    segments = synth.tcp_session(("10.0.0.1", 5060), ("10.0.0.2", 5060), [(True, stream)], mss=700)
    packets = [(n, float(n), 1, synth.link(synth.ip(seg)[0]), 0) for n, seg in enumerate(segments, 1)]
    sink = Sink("t.pcap")
    CaptureScan(sink).run_packets([(n, t, lt, f, len(f)) for n, t, lt, f, _ in packets], lambda: len(packets))
    return sink


def _message(host: str, line: str | None = None) -> bytes:
    start = line or f"OPTIONS sip:b@{host} SIP/2.0"
    return (
        f"{start}\r\nVia: SIP/2.0/TCP {host}:5060;branch=z9\r\nCall-ID: c{host}\r\nContent-Length: 0\r\n\r\n".encode()
    )


def test_sip_over_tcp_resynchronises_after_what_is_no_message() -> None:
    long_line = "OPTIONS sip:" + "b" * 3000 + "@192.0.2.9 SIP/2.0"  # a start line past the 2 KiB looked at
    for bad in (b"NOT A START LINE\r\nX: 1\r\n\r\n", _message("192.0.2.9", long_line)):
        sink = _tcp_capture(_message("192.0.2.1") + bad + _message("192.0.2.3"))
        problems = [d.message for d in sink.diagnostics]
        assert problems == ["stream does not continue with a SIP message; resynchronising"]
        found = {key[0] for key in sink.addresses}
        assert {"192.0.2.1", "192.0.2.3"} <= found and "192.0.2.9" not in found


def test_sip_over_tcp_after_keep_alives_and_split_across_segments() -> None:
    sink = _tcp_capture(b"\r\n\r\n" + _message("192.0.2.1") + b"\r\n" + _message("192.0.2.3") * 40)
    assert not sink.diagnostics
    assert sink.signalling_messages == 41
    assert sink.repeats[next(k for k in sink.repeats if k[0] == "192.0.2.3")][0] == 40


def test_endpoint_names_as_written() -> None:
    assert endpoint(bytes([192, 0, 2, 1]), 5060) == "192.0.2.1:5060"
    assert endpoint(bytes(15) + b"\x01", 443) == "[::1]:443"
    assert endpoint(bytes([192, 0, 2, 1]), 5061) == "192.0.2.1:5061"  # the port is part of the key


def test_one_process_counts_every_message_in_order() -> None:
    sink = Sink("x")
    lane = Lane(sink)
    assert lane.take_pair("a:1", "b:2") and lane.take_flow(None) and lane.take_flow("c") and lane.take_sip(SIP, None)
    assert lane.ordinal == 4 and sink.ordinal == 0  # one part: the sink's ordinal is never needed
    part = Lane(Sink("y"), 1, 2)
    taken = [part.take_pair("a:1", "b:2"), part.take_flow("c")]
    assert part.ordinal == 2 and part.sink.ordinal == (2 if taken[1] else 1 if taken[0] else 0)
