"""Structure-aware generators for the fuzzer: inputs of shapes the samples never hold.

``generate(rng)`` returns ``(name, bytes)``: a fresh input built by one of ``GENERATORS`` from
random choices, so a long run meets shapes the mutation of samples/ does not reach: addresses in
every notation (IPv4-mapped, zone ids, bracketed with a port, compressed edge cases, documentation
and reserved ranges, the very stand-ins ``redact`` writes), candidate lines with every extension
and odd token, SDP with many m= sections, SIP with folded and compact headers and odd
Content-Lengths, pcap/pcapng of every link type with odd snaplens and truncated records, IP
fragments that overlap or never complete, TCP with retransmissions, overlaps and wrapping sequence
numbers, WebSocket with fragments, control frames and 64-bit lengths, STUN with odd attributes (RFC
5389, RFC 3489, MS-TURN, over TCP with RFC 4571 framing), GRE/ERSPAN and SCTP, JSON/HAR/trickle/
webrtc-internals documents in odd encodings (UTF-16/32, BOM, invalid UTF-8, NUL) and nestings,
and gzip (nested, or a small bomb). Pure: the same ``rng`` state gives the same input.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import random
import struct
from collections.abc import Callable

from icecheck.inputs import synth

# Addresses in every notation a reader may meet, valid or not.
V4 = (
    "192.168.1.10", "10.0.0.1", "172.16.5.4", "100.64.0.1", "169.254.1.1", "127.0.0.1", "0.0.0.0",
    "255.255.255.255", "224.0.0.251", "192.0.2.1", "198.51.100.254", "203.0.113.255", "192.0.0.170",
    "240.0.0.1", "198.18.0.1", "8.8.8.8", "203.0.113.7", "192.0.2.0", "01.02.03.04", "1.2.3.4.5", "1.2.3",
)  # fmt: skip
V6 = (
    "::", "::1", "2001:db8::", "2001:db8::1", "2001:db8:0:0:0:0:0:1", "2001:0db8:0000::0001", "fe80::1%eth0",
    "fe80::1%25eth0", "fe80::1%1", "::ffff:192.168.1.1", "::ffff:c0a8:101", "::192.168.1.1", "64:ff9b::1.2.3.4",
    "2002:c0a8:101::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "fd00::1", "fc00::", "ff02::1",
    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:DB8::A", "1::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7::",
    "2001:db8::192.0.2.1", "2001:db8:1::", "2001:db8::10", "2001:db8::1:0:0:1", "1:2:3:4:5:6:7:8:9", ":::1",
    "2001:db8::g", "fe80::%", "fe80::1%\u202eeth0",
)  # fmt: skip
NAMES = (
    "abcd-1234.local", "3b1f0c2e-1c5e-4c4a-9d1d-0a5b7e3c9f10.local", "host.example", "localhost", "x..local",
    "-.local", "[::1]", "[fe80::1%eth0]", "[2001:db8::1]:5060", "192.168.1.1:5060", "", "\u0430.local",
)  # fmt: skip
PACKET_V4 = ("192.168.1.10", "10.0.0.1", "100.64.0.1", "192.0.2.1", "203.0.113.7", "8.8.8.8", "0.0.0.0", "127.0.0.1")
PACKET_V6 = ("2001:db8::", "2001:db8::1", "fe80::1", "::ffff:192.168.1.1", "::", "fd00::1", "2001:db8:1::")


def address(rng: random.Random) -> str:
    """Any address, name or malformed one."""
    roll = rng.random()
    return rng.choice(V4) if roll < 0.4 else rng.choice(V6) if roll < 0.85 else rng.choice(NAMES)


def _port(rng: random.Random) -> str:
    return rng.choice(("9", "0", "1", "3478", "5060", "65535", "65536", "-1", "99999999999", "", "x", "00080"))


def candidate(rng: random.Random) -> str:
    """A candidate attribute value (no ``a=``) with random fields, extensions and odd tokens."""
    typ = rng.choice(("host", "srflx", "prflx", "relay", "HOST", "xyz", ""))
    fields = [
        rng.choice(("1", "0", "a" * 33, "4234997325", "")),
        rng.choice(("1", "2", "0", "256", "65536")),
        rng.choice(("udp", "UDP", "tcp", "TCP", "ssltcp", "tls", "dtls", "sctp", "x")),
        rng.choice(("2122260223", "0", "4294967295", "4294967296", "1518280447", "-1")),
        address(rng),
        _port(rng),
        "typ",
        typ,
    ]
    if typ != "host" or rng.random() < 0.2:
        fields += ["raddr", address(rng), "rport", _port(rng)]
    extensions = [
        ("tcptype", rng.choice(("active", "passive", "so", "x"))),
        ("generation", rng.choice(("0", "1", "-1", "99999999999999999999"))),
        ("ufrag", rng.choice(("EsAw", "", "\u202e", "a" * 300))),
        ("network-id", rng.choice(("1", "0", "x"))),
        ("network-cost", rng.choice(("10", "50", "999", "-5"))),
        ("raddr", address(rng)),
        ("rport", _port(rng)),
        ("typ", "relay"),
        ("x-unknown", "value"),
    ]
    for _ in range(rng.randint(0, 6)):
        fields += list(rng.choice(extensions))
    if rng.random() < 0.15:
        fields.append(rng.choice(("dangling", "raddr", "typ")))
    prefix = rng.choice(("candidate:", "candidate:", "", "candidate: "))
    sep = rng.choice((" ", " ", "  ", "\t"))
    return prefix + sep.join(fields)


def _candidate_text(rng: random.Random) -> bytes:
    lines = [rng.choice(("a=", "", "a=")) + candidate(rng) for _ in range(rng.randint(1, 40))]
    if rng.random() < 0.3:
        lines.append("a=end-of-candidates")
    return (rng.choice(("\r\n", "\n")).join(lines) + "\n").encode("utf-8", "surrogatepass")


def sdp(rng: random.Random, sections: int | None = None) -> str:
    """An SDP with odd connection lines, rtcp attributes, candidates and up to many m= sections."""
    eol = rng.choice(("\r\n", "\n", "\r\n", "\r"))
    lines = ["v=0", f"o=- 1 2 IN {rng.choice(('IP4', 'IP6', 'ip4', 'XX'))} {address(rng)}", "s=-", "t=0 0"]
    if rng.random() < 0.5:
        lines.append(f"c=IN IP4 {address(rng)}{rng.choice(('', '/127', '/127/3', '/'))}")
    lines.append("a=group:BUNDLE " + " ".join(str(n) for n in range(rng.randint(0, 5))))
    count = sections if sections is not None else rng.choice((1, 1, 2, 3, 10, 200))
    for n in range(count):
        lines.append(f"m={rng.choice(('audio', 'video', 'application', 'x'))} {_port(rng)} UDP/TLS/RTP/SAVPF 111")
        if rng.random() < 0.5:
            lines.append(f"c=IN {rng.choice(('IP4', 'IP6'))} {address(rng)}")
        if rng.random() < 0.5:
            lines.append(f"a=rtcp:{_port(rng)} IN {rng.choice(('IP4', 'IP6'))} {address(rng)}")
        lines += [f"a=mid:{n}", f"a=ice-ufrag:u{n}", "a=ice-pwd:pwpwpwpwpwpwpwpwpwpwpwpw"]
        if rng.random() < 0.2:
            lines.append(f"a=remote-candidates:1 {address(rng)} {_port(rng)}")
        lines += ["a=" + candidate(rng) for _ in range(rng.randint(0, 4))]
        if rng.random() < 0.3:
            lines.append("a=end-of-candidates")
    return eol.join(lines) + eol


def _sdp_file(rng: random.Random) -> bytes:
    return sdp(rng).encode("utf-8", "surrogatepass")


def sip(rng: random.Random, body: str | None = None) -> bytes:
    """A SIP message: compact or folded headers, bracketed IPv6, LF-only lines, odd Content-Lengths."""
    body = sdp(rng, rng.choice((0, 1, 2))) if body is None else body
    raw = body.encode("utf-8", "surrogatepass")
    eol = rng.choice(("\r\n", "\n"))
    via_host = address(rng)
    via_host = f"[{via_host}]" if ":" in via_host and not via_host.startswith("[") else via_host
    compact = rng.random() < 0.5
    call_id = rng.choice(("c1", "c2", "", "x" * 500, "\u202e"))
    length = rng.choice((str(len(raw)), str(len(raw)), "0", "99999999", str(len(raw) + 5), "-1", "", " 12 ", "1e3"))
    headers = [
        rng.choice(("INVITE sip:b@example.org SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 183 Session Progress")),
        f"{'v' if compact else 'Via'}: SIP/2.0/{rng.choice(('UDP', 'TCP', 'WS', 'WSS', 'SCTP'))} {via_host}:"
        f"{_port(rng)};branch=z9hG4bK1;received={address(rng)};rport={_port(rng)}",
        f"{'f' if compact else 'From'}: <sip:a@{via_host}>;tag=1",
        f"{'t' if compact else 'To'}: <sip:b@example.org>",
        f"{'i' if compact else 'Call-ID'}: {call_id}",
        "CSeq: 1 INVITE",
        f"{'m' if compact else 'Contact'}: <sip:a@{via_host}:{_port(rng)};transport=udp>",
        f"{'c' if compact else 'Content-Type'}: {rng.choice(('application/sdp', 'multipart/mixed;boundary=b', 'x'))}",
    ]
    if rng.random() < 0.4:  # a folded header (RFC 3261 §7.3.1 line continuation)
        at = rng.randrange(1, len(headers))
        headers[at] = headers[at].replace(" ", eol + rng.choice((" ", "\t", "   ")), 1)
    if rng.random() < 0.3:
        headers.append(f"X-Long: {'y' * rng.choice((100, 5000))}")
    headers.append(f"{'l' if compact else 'Content-Length'}:{length}")
    extra = eol if rng.random() < 0.2 else ""  # a blank line more before the body
    return (eol.join(headers) + eol + eol + extra).encode() + raw


def _sip_file(rng: random.Random) -> bytes:
    return b"".join(sip(rng) for _ in range(rng.randint(1, 4)))


def _encode(rng: random.Random, text: str) -> bytes:
    """Text in a random encoding: UTF-8 (with or without BOM), UTF-16/32 either way, or damaged."""
    pick = rng.randrange(9)
    if pick == 0:
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if pick == 1:
        return text.encode("utf-16", "surrogatepass")
    if pick == 2:
        return text.encode("utf-16-be", "surrogatepass")
    if pick == 3:
        return text.encode("utf-32", "surrogatepass")
    raw = text.encode("utf-8", "surrogatepass")
    if pick == 4 and raw:
        at = rng.randrange(len(raw))
        return raw[:at] + rng.choice((b"\x00", b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x80")) + raw[at:]
    return raw


def _json_doc(rng: random.Random) -> bytes:
    """JSON holding candidates and SDP in the shapes applications log, nested and re-encoded."""
    kinds: list[Callable[[], object]] = [
        lambda: {"candidate": rng.choice(("", "a=" + candidate(rng), candidate(rng))), "sdpMid": "0",
                 "sdpMLineIndex": rng.choice((0, -1, 2**70, None, "0"))},
        lambda: {"type": rng.choice(("offer", "answer", "pranswer")), "sdp": sdp(rng)},
        lambda: {"address": address(rng), "ip": address(rng), "port": rng.choice((0, 9, 65536, -1, "x", 1.5)),
                 "protocol": rng.choice(("udp", "tcp", "")), "type": rng.choice(("host", "srflx", "relay", "x")),
                 "candidateType": "relay", "relatedAddress": address(rng), "relatedPort": 9,
                 "foundation": "1", "priority": rng.choice((1, 2**64, -1))},
        lambda: {"candidates": [{"line": "a=" + candidate(rng), "ip": address(rng), "port": 9}]},
        lambda: {"janus": "trickle", "candidate": {"completed": True}},
        lambda: {"type": "m.call.candidates", "content": {"candidates": [{"candidate": candidate(rng)}]}},
        lambda: json.dumps({"sdp": sdp(rng, 1)}),  # JSON inside a string
        lambda: "a=" + candidate(rng),
    ]  # fmt: skip
    items = [rng.choice(kinds)() for _ in range(rng.randint(1, 12))]
    depth = rng.choice((0, 0, 1, 5, 50, 900))
    doc: object = items
    for n in range(depth):
        doc = {f"k{n}": doc} if n % 2 else [doc]
    if rng.random() < 0.3:  # JSON lines: a trickle log
        text = "\n".join(json.dumps(i) for i in items) + "\n"
    else:
        text = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
    return _encode(rng, text)


def _har(rng: random.Random) -> bytes:
    entries = []
    for _ in range(rng.randint(1, 6)):
        msgs = [
            {"type": rng.choice(("send", "receive")), "time": rng.choice((1.0, 1e400, -1)),
             "opcode": rng.choice((1, 2, 9)),
             "data": rng.choice((json.dumps({"candidate": candidate(rng)}), sip(rng).decode("utf-8", "replace"),
                                 json.dumps({"sdp": sdp(rng, 1)}), ""))}
            for _ in range(rng.randint(0, 5))
        ]  # fmt: skip
        post = {"mimeType": "application/sdp", "text": sdp(rng, 1)}
        if rng.random() < 0.3:
            post["encoding"] = "base64"
        entries.append(
            {
                "request": {"method": "POST", "url": f"http://[{rng.choice(V6)}]:8080/whip", "postData": post},
                "response": {"status": 201, "content": {"mimeType": "application/sdp", "text": sdp(rng, 1)}},
                "_webSocketMessages": msgs,
            }
        )
    return _encode(rng, json.dumps({"log": {"version": "1.2", "entries": entries}}).replace("Infinity", "1e400"))


def _webrtc_internals(rng: random.Random) -> bytes:
    offer = sdp(rng, rng.choice((1, 2)))
    update = [
        {"type": rng.choice(("createOfferOnSuccess", "setLocalDescription", "icecandidate", "addIceCandidate")),
         "value": rng.choice((f"type: offer, sdp: {offer}", f"sdpMid: 0, sdpMLineIndex: 0, candidate: {candidate(rng)}",
                              "", "{\"x\":1}")), "time": rng.choice(("1.5", "x", 1e300))}
        for _ in range(rng.randint(1, 6))
    ]  # fmt: skip
    stats = {
        f"I{n}-{rng.choice(('address', 'ip', 'port', 'candidateType', 'protocol'))}": {
            "statsType": "local-candidate",
            "values": json.dumps([1, rng.choice((address(rng), "", 9))]),
        }
        for n in range(rng.randint(0, 6))
    }
    doc = {"getUserMedia": [], "PeerConnections": {"1-1": {"pid": 1, "updateLog": update, "stats": stats}}}
    return _encode(rng, json.dumps(doc))


def _jingle(rng: random.Random) -> bytes:
    cands = "".join(
        f'<candidate foundation="1" component="1" protocol="udp" priority="1" ip="{address(rng)}" '
        f'port="{_port(rng)}" type="{rng.choice(("host", "srflx", "relay"))}" rel-addr="{address(rng)}" '
        f'rel-port="9" generation="0"/>'
        for _ in range(rng.randint(1, 5))
    )
    xml = (
        '<iq type="set"><jingle xmlns="urn:xmpp:jingle:1" action="transport-info"><content name="audio">'
        f'<transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="u" pwd="p">{cands}</transport>'
        "</content></jingle></iq>"
    )
    return xml.encode("utf-8", "surrogatepass")


# --- packets ---------------------------------------------------------------------------------


def _stun(rng: random.Random) -> bytes:
    txid = rng.randbytes(12)
    attrs: list[tuple[int, bytes]] = []
    for _ in range(rng.randint(0, 6)):
        addr = rng.choice(PACKET_V4 + PACKET_V6)
        attrs.append(
            rng.choice(
                (
                    (0x0020, synth.xor_address(addr, rng.randrange(65536), txid)),
                    (0x0016, synth.xor_address(addr, 0, txid)),  # XOR-RELAYED-ADDRESS
                    (0x0001, synth.plain_address(addr, 9)),
                    (0x8020, synth.xor_address(addr, 1, txid)),  # old XOR-MAPPED-ADDRESS
                    (0x0020, b"\x00\x03\x00\x09" + bytes(4)),  # family 3
                    (0x0020, b"\x00\x01"),  # short
                    (0x0001, b""),
                    (0x8028, b"\x00\x00\x00\x00"),  # FINGERPRINT
                    (0x7FFF, rng.randbytes(rng.randrange(20))),  # unknown comprehension-required
                )
            )
        )
    kind = rng.randrange(4)
    if kind == 1:
        return synth.classic_stun(rng.choice((0x0101, 0x0001)), rng.randbytes(16), attrs)
    if kind == 2:
        return synth.ms_turn(rng.choice((0x0103, 0x0101)), rng.randbytes(16), attrs)
    message = synth.stun_message(rng.choice((0x0101, 0x0103, 0x0001, 0x0111, 0x0017)), txid, attrs)
    if kind == 3 and rng.random() < 0.5:  # a lying length
        message = message[:2] + struct.pack("!H", rng.choice((0, 4, 0xFFFC))) + message[4:]
    return message


def _ws_stream(rng: random.Random, payload: bytes) -> bytes:
    """``payload`` as WebSocket frames: fragmented, control frames between, masked or not, lying lengths."""
    mask = rng.randbytes(4) if rng.random() < 0.5 else None
    cut = sorted({0, len(payload), *(rng.randrange(len(payload) + 1) for _ in range(rng.randint(0, 5)))})
    parts = [payload[a:b] for a, b in itertools.pairwise(cut)] or [b""]
    out = b""
    for n, part in enumerate(parts):
        out += synth.ws_frame(part, opcode=1 if n == 0 else 0, fin=n == len(parts) - 1, mask=mask)
        if rng.random() < 0.3:
            out += synth.ws_frame(b"p", opcode=rng.choice((8, 9, 10, 3, 11)), mask=mask)
        if rng.random() < 0.1:
            out += synth.ws_frame(b"", opcode=0, fin=False) * rng.randint(1, 50)
    if rng.random() < 0.15:  # a 64-bit length claiming far more than follows
        out += struct.pack("!BBQ", 0x81, 127, rng.choice((2**63 - 1, 2**64 - 1, 70000)))
    if rng.random() < 0.1:
        out += synth.ws_frame(gzip.compress(payload)[10:-8], rsv1=True)
    return out


def _segments(rng: random.Random, v6: bool) -> list[tuple[str, str, int, bytes]]:
    pool = PACKET_V6 if v6 else PACKET_V4
    a, b = rng.choice(pool), rng.choice(pool)
    pick = rng.randrange(6)
    if pick == 0:
        return [synth.udp(a, rng.choice((3478, 40000)), b, rng.choice((3478, 5000)), _stun(rng))]
    if pick == 1:
        return [synth.udp(a, 5060, b, 5060, sip(rng))]
    data = sip(rng) if rng.random() < 0.5 else json.dumps({"candidate": candidate(rng)}).encode()
    if pick == 2:  # WebSocket over TCP
        data = b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n" * rng.randint(0, 1) + _ws_stream(rng, data)
    elif pick == 3:  # STUN over TCP, RFC 4571 framing, several a segment
        data = b"".join(struct.pack("!H", len(m)) + m for m in (_stun(rng) for _ in range(rng.randint(1, 4))))
    elif pick == 5:
        return [synth.sctp(a, 5060, b, 5060, [synth.sctp_data(1, 0, 0, 0, sip(rng))])]
    return _tcp_stream(rng, a, b, data)


def _tcp_stream(rng: random.Random, a: str, b: str, data: bytes) -> list[tuple[str, str, int, bytes]]:
    """``data`` from a to b: wrapping sequence numbers, retransmissions, overlaps, reordering, gaps."""
    start = rng.choice((1000, 2**32 - 5, 2**32 - 1, 0, 2**31))
    mss = rng.choice((1, 7, 33, 536, 1400))
    out = [synth.tcp(a, 40000, b, 5060, start - 1, flags=0x02)] if rng.random() < 0.7 else []
    for off in range(0, len(data), mss):
        out.append(synth.tcp(a, 40000, b, 5060, start + off, data[off : off + mss]))
        if rng.random() < 0.1:  # retransmission, maybe longer (an overlap)
            out.append(synth.tcp(a, 40000, b, 5060, start + off, data[off : off + mss * 2]))
        if rng.random() < 0.05:  # an overlap with different bytes
            out.append(synth.tcp(a, 40000, b, 5060, start + off, rng.randbytes(mss)))
    if rng.random() < 0.2:
        rng.shuffle(out)
    if rng.random() < 0.1 and len(out) > 2:
        del out[rng.randrange(1, len(out))]  # a gap
    if rng.random() < 0.2:
        out.append(synth.tcp(a, 40000, b, 5060, start + len(data), flags=rng.choice((0x01, 0x04, 0x11))))
    return out


def _fragments(rng: random.Random, packets: list[bytes]) -> list[bytes]:
    """IPv4 fragments that overlap, repeat or never complete, and many distinct ids."""
    out = []
    for p in packets:
        if p[0] >> 4 != 4 or len(p) < 60 or rng.random() < 0.5:
            out.append(p)
            continue
        body = p[20:]
        step = rng.choice((8, 16, 64))
        ident = rng.randrange(65536)
        for off in range(0, len(body), step):
            more = off + step < len(body)
            if rng.random() < 0.1:
                continue  # never completes
            piece = body[off : off + step + (8 if rng.random() < 0.1 else 0)]  # overlaps the next
            hdr = bytearray(p[:20])
            struct.pack_into("!HHH", hdr, 2, 20 + len(piece), ident, (off // 8) | (0x2000 if more else 0))
            out.append(bytes(hdr) + piece)
            if rng.random() < 0.05:
                out.append(bytes(hdr) + piece)
    if rng.random() < 0.1:  # a last fragment at the highest offset
        out.append(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 7, 8191, 64, 17, 0, bytes(4), bytes(4)) + bytes(8))
    return out


def _ip_packets(rng: random.Random) -> list[bytes]:
    packets: list[bytes] = []
    for _ in range(rng.randint(1, 6)):
        v6 = rng.random() < 0.3
        for seg in _segments(rng, v6):
            packets += synth.ip(seg, ident=rng.randrange(65536), mtu=rng.choice((None, None, 68, 200, 576)))
    packets = _fragments(rng, packets)
    if packets and rng.random() < 0.15:  # IP-in-IP, GRE or ERSPAN around one (when a fragment is left)
        inner = packets[0]
        outer = rng.choice(
            (
                ("192.0.2.50", "192.0.2.51", 4 if inner[0] >> 4 == 4 else 41, inner),
                ("192.0.2.50", "192.0.2.51", 47, synth.gre(inner)),
                ("192.0.2.50", "192.0.2.51", 47, synth.erspan2(synth.link(inner))),
                ("192.0.2.50", "192.0.2.51", 47, synth.erspan3(inner, ip_frame=True)),
            )
        )
        packets[0] = synth.ip(outer)[0]
    return packets


def _capture(rng: random.Random) -> bytes:
    """A pcap or pcapng of a random link type, byte order and snaplen, perhaps truncated."""
    linktype = rng.choice((0, 1, 1, 101, 108, 113, 228, 229, 276, 147, 127, 9999))
    frames = [synth.link(p, linktype, vlans=(1, 2) if linktype == 1 and rng.random() < 0.2 else ()) for p in
              _ip_packets(rng)]  # fmt: skip
    buf = io.BytesIO()
    if rng.random() < 0.7:
        snaplen = rng.choice((262144, 0, 64, 65535, 2**31 - 1))
        writer = synth.PcapWriter(buf, linktype, rng.choice(("<", ">")), rng.random() < 0.3, snaplen)
        for n, f in enumerate(frames):
            cap = f[: snaplen or None] if rng.random() < 0.5 else f
            writer.write(cap, rng.choice((1.0 + n, 0.0, 2**32 - 1.0)), len(f) + rng.choice((0, 0, 10)))
    else:
        ng = synth.PcapngWriter(buf, linktype)
        for n, f in enumerate(frames):
            ng.write(f, 1.0 + n)
        if rng.random() < 0.3:  # an unknown block, a Simple Packet Block, an EPB of a missing interface
            buf.write(struct.pack("<II", 0x0BAD, 16) + bytes(4) + struct.pack("<I", 16))
            spb = frames[0] + b"\0" * (-len(frames[0]) % 4)
            buf.write(struct.pack("<III", 3, 16 + len(spb), len(frames[0])) + spb + struct.pack("<I", 16 + len(spb)))
            buf.write(struct.pack("<IIIIIII", 6, 32, 9, 0, 0, 0, 0) + struct.pack("<I", 32))
    data = buf.getvalue()
    if rng.random() < 0.2:
        data = data[: rng.randrange(24, len(data) + 1)]
    return data


def _gzip(rng: random.Random) -> bytes:
    inner = rng.choice((_sdp_file, _json_doc, _capture, _sip_file))(rng)
    if rng.random() < 0.2:  # a small bomb: a MB of one byte after the real input
        inner += b"\n" * (1 << 20)
    out = gzip.compress(inner, compresslevel=1)
    if rng.random() < 0.3:
        out = gzip.compress(out)  # nested
    if rng.random() < 0.2:
        out += gzip.compress(b"a=" + candidate(rng).encode("utf-8", "surrogatepass"))  # a second member
    return out


GENERATORS: dict[str, Callable[[random.Random], bytes]] = {
    "candidates.txt": _candidate_text,
    "offer.sdp": _sdp_file,
    "message.sip": _sip_file,
    "signalling.json": _json_doc,
    "session.har": _har,
    "webrtc-internals.json": _webrtc_internals,
    "jingle.xml": _jingle,
    "capture.pcap": _capture,
    "capture.pcap.gz": _gzip,
}


def generate(rng: random.Random, sdp_only: bool = False) -> tuple[str, bytes]:
    """A fresh input of a random shape (an SDP one when ``sdp_only``): (generator name, bytes)."""
    name = "offer.sdp" if sdp_only else rng.choice(sorted(GENERATORS))
    return f"gen/{name}", GENERATORS[name](rng)
