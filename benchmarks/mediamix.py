"""A media-heavy SIP capture, as a call server's tap records it (deterministic; benchmarks and tests).

``write_media_mix(out, seed, ...)`` writes a pcap (Ethernet) or pcapng of SIP calls between user
agents behind NATs, through a proxy, and returns the ground truth: every candidate line written
(``candidates``, without ``a=``) and every STUN mapped address (``mapped``, ``address:port``).

Per call: INVITE with an SDP offer (host, srflx and sometimes relay candidates; ports chosen per
call), 100, 180, 200 with the answer, ACK, a session-refresh re-INVITE repeating the offer (so
identical items repeat), BYE, 200. A call's signalling travels over UDP (large INVITEs sometimes
fragmented by IP), over its agent's TCP connection (messages split across segments and several
per segment) or over its agent's WebSocket connection (client frames masked, some messages in
two frames). Media: RTP of 170-220 bytes both ways, some RTCP, a DTLS handshake at the start,
and for some calls RTP relayed through TURN ChannelData; connectivity checks and consent
refreshes (STUN Binding responses with XOR-MAPPED-ADDRESS) repeat through the call. Calls
overlap: several are active at once and their packets interleave.

``rtp_per_call`` sets the media share: 150 gives about 88 % of packets RTP; 0 gives a
signalling-only capture (many distinct and repeated items quickly, for tests).
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from icecheck.inputs import synth

PROXY = "203.0.113.10"
TURN = "203.0.113.20"
_HEADER = struct.Struct("<IIII")


@dataclass
class Truth:
    """What was planted: candidate lines and STUN mapped addresses, and packet counts."""

    candidates: set[str] = field(default_factory=set)
    mapped: set[str] = field(default_factory=set)
    packets: int = 0
    rtp: int = 0
    calls: int = 0


@dataclass
class _Agent:
    host: str
    public: str
    transport: str  # udp, tcp, ws
    port: int  # signalling source port
    seq: int = 1000  # client → proxy sequence number (TCP, WS)
    proxy_seq: int = 50_000  # proxy → client
    opened: bool = False


class _Writer:
    """Records into pcap or pcapng, buffered; times step by ``dt`` per packet."""

    def __init__(self, out: BinaryIO, pcapng: bool) -> None:
        self.out = out
        self.pcapng = pcapng
        self.parts: list[bytes] = []
        self.size = 0
        self.time_us = 1_700_000_000 * 1_000_000
        if pcapng:
            synth.PcapngWriter(out)
        else:
            synth.PcapWriter(out)

    def frame(self, frame: bytes) -> None:
        self.time_us += 200
        t = self.time_us
        if self.pcapng:
            n = len(frame)
            pad = -n % 4
            length = 32 + n + pad
            rec = struct.pack("<IIIIIII", 6, length, 0, t >> 32, t & 0xFFFFFFFF, n, n) + frame + b"\0" * pad
            rec += struct.pack("<I", length)
        else:
            rec = _HEADER.pack(t // 1_000_000, t % 1_000_000, len(frame), len(frame)) + frame
        self.parts.append(rec)
        self.size += len(rec)
        if len(self.parts) >= 4096:
            self.flush()

    def flush(self) -> None:
        self.out.write(b"".join(self.parts))
        self.parts.clear()


class MediaMix:
    """The generator; ``run(size_bytes)`` writes calls until the capture reaches the size."""

    def __init__(
        self,
        out: BinaryIO,
        seed: int = 1,
        rtp_per_call: int = 150,
        agents: int = 400,
        concurrent: int = 8,
        pcapng: bool = False,
    ) -> None:
        self.rng = random.Random(seed)
        self.w = _Writer(out, pcapng)
        self.truth = Truth()
        self.rtp_per_call = rtp_per_call
        self.concurrent = concurrent
        self.ident = 1
        transports = ("udp", "udp", "tcp", "ws")
        self.agents = [
            _Agent(
                f"10.{i >> 8 & 255}.{i & 255}.{i % 200 + 10}",
                f"198.51.100.{i % 250 + 1}" if i % 2 else f"192.0.2.{i % 250 + 1}",
                transports[i % 4],
                20_000 + i,
            )
            for i in range(agents)
        ]

    # -- output ------------------------------------------------------------------------------------

    def _send(self, segment: tuple[str, str, int, bytes], mtu: int | None = None) -> None:
        self.ident += 1
        for packet in synth.ip(segment, self.ident, mtu):
            self.w.frame(synth.link(packet))
            self.truth.packets += 1

    def size(self) -> int:
        return self.w.size

    def run(self, size_bytes: int) -> Truth:
        """Write calls until about ``size_bytes``; every started call is finished."""
        active: list[Iterator[None]] = []
        n = 0
        while self.w.size < size_bytes or active:
            while len(active) < self.concurrent and self.w.size < size_bytes:
                n += 1
                active.append(self._call(n))
            call = self.rng.randrange(len(active))
            if next(active[call], "done") == "done":
                active.pop(call)
        self.w.flush()
        return self.truth

    # -- one call ----------------------------------------------------------------------------------

    def _call(self, n: int) -> Iterator[None]:
        """A call's packets, one step per ``next``."""
        rng = self.rng
        self.truth.calls += 1
        a, b = rng.sample(self.agents, 2)
        call_id = f"{rng.getrandbits(64):016x}@mix{n}"
        a_port, b_port = 10_000 + rng.randrange(50_000), 10_000 + rng.randrange(50_000)
        a_pub_port, b_pub_port = 1024 + rng.randrange(60_000), 1024 + rng.randrange(60_000)
        relayed = rng.random() < 0.15
        offer = self._sdp(a, n, a_port, a_pub_port, relayed)
        answer = self._sdp(b, n + 1_000_000, b_port, b_pub_port, False)
        tags = (f"{n}a", f"{n}b")
        invite = self._sip_request("INVITE", a, b, call_id, tags, 1, offer)
        yield from self._signal(a, invite)
        yield from self._signal(a, self._sip_response(100, "INVITE", a, b, call_id, (tags[0], ""), 1), to_agent=True)
        yield
        yield from self._signal(a, self._sip_response(180, "INVITE", a, b, call_id, tags, 1), to_agent=True)
        yield from self._signal(a, self._sip_response(200, "INVITE", a, b, call_id, tags, 1, answer), to_agent=True)
        yield from self._signal(a, self._sip_request("ACK", a, b, call_id, tags, 1))
        yield from self._dtls(a, b, a_pub_port, b_pub_port)
        media = self._media_frames(a, b, a_pub_port, b_pub_port, relayed)
        checks = 0
        for i in range(self.rtp_per_call):
            if i % 40 == 0:  # connectivity check / consent refresh: the same mapped address each time
                yield from self._stun(a, b, a_pub_port, b_pub_port, checks)
                checks += 1
            if i == self.rtp_per_call // 2:  # session refresh: the same offer again
                yield from self._signal(a, self._sip_request("INVITE", a, b, call_id, tags, 2, offer))
                yield from self._signal(
                    a, self._sip_response(200, "INVITE", a, b, call_id, tags, 2, answer), to_agent=True
                )
            self.w.frame(media[rng.randrange(len(media))])
            self.truth.packets += 1
            self.truth.rtp += 1
            if i % 3 == 0:
                yield
        if not self.rtp_per_call:
            yield from self._stun(a, b, a_pub_port, b_pub_port, 0)
            yield from self._signal(a, self._sip_request("INVITE", a, b, call_id, tags, 2, offer))
        yield from self._signal(a, self._sip_request("BYE", a, b, call_id, tags, 3))
        yield from self._signal(a, self._sip_response(200, "BYE", a, b, call_id, tags, 3), to_agent=True)

    def _sdp(self, agent: _Agent, n: int, port: int, pub_port: int, relayed: bool) -> bytes:
        cands = [
            f"candidate:{n % 9000 + 1} 1 udp 2122260223 {agent.host} {port} typ host generation 0",
            f"candidate:{n % 9000 + 2} 1 udp 1686052607 {agent.public} {pub_port} typ srflx raddr {agent.host} "
            f"rport {port} generation 0",
        ]
        if relayed:
            cands.append(
                f"candidate:{n % 9000 + 3} 1 udp 41885439 {TURN} {30_000 + n % 30_000} typ relay raddr "
                f"{agent.public} rport {pub_port} generation 0"
            )
        self.truth.candidates.update(cands)
        lines = [
            "v=0",
            f"o=- {n} 2 IN IP4 {agent.host}",
            "s=-",
            f"c=IN IP4 {agent.public}",
            "t=0 0",
            f"m=audio {pub_port} UDP/TLS/RTP/SAVPF 111 0 8",
            "a=rtpmap:111 opus/48000/2",
            f"a=ice-ufrag:u{n:x}",
            "a=ice-pwd:abcdefghijklmnopqrstuvwx",
            *(f"a={c}" for c in cands),
            "a=sendrecv",
        ]
        return ("\r\n".join(lines) + "\r\n").encode()

    def _sip_request(
        self, method: str, a: _Agent, b: _Agent, call_id: str, tags: tuple[str, str], cseq: int, body: bytes = b""
    ) -> bytes:
        via = {"udp": "UDP", "tcp": "TCP", "ws": "WS"}[a.transport]
        to_tag = f";tag={tags[1]}" if method != "INVITE" or cseq > 1 else ""
        head = (
            f"{method} sip:bob@{b.public} SIP/2.0\r\n"
            f"Via: SIP/2.0/{via} {a.host}:{a.port};rport;branch=z9hG4bK{call_id[:8]}{cseq}{method[0]}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:a{a.port}@{PROXY}>;tag={tags[0]}\r\n"
            f"To: <sip:b{b.port}@{PROXY}>{to_tag}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
            f"Contact: <sip:a@{a.host}:{a.port};transport={a.transport}>\r\n"
        )
        if body:
            head += "Content-Type: application/sdp\r\n"
        return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def _sip_response(
        self,
        status: int,
        method: str,
        a: _Agent,
        b: _Agent,
        call_id: str,
        tags: tuple[str, str],
        cseq: int,
        body: bytes = b"",
    ) -> bytes:
        reason = {100: "Trying", 180: "Ringing", 200: "OK"}[status]
        to_tag = f";tag={tags[1]}" if tags[1] else ""
        via = {"udp": "UDP", "tcp": "TCP", "ws": "WS"}[a.transport]
        head = (
            f"SIP/2.0 {status} {reason}\r\n"
            f"Via: SIP/2.0/{via} {a.host}:{a.port};rport={a.port};received={a.public};"
            f"branch=z9hG4bK{call_id[:8]}{cseq}{method[0]}\r\n"
            f"From: <sip:a{a.port}@{PROXY}>;tag={tags[0]}\r\nTo: <sip:b{b.port}@{PROXY}>{to_tag}\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
        )
        if status == 200 and method == "INVITE":
            head += f"Contact: <sip:b@{b.public}:5060>\r\n"
        if body:
            head += "Content-Type: application/sdp\r\n"
        return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    # -- transports --------------------------------------------------------------------------------

    def _signal(self, agent: _Agent, message: bytes, to_agent: bool = False) -> Iterator[None]:
        """One SIP message between ``agent`` and the proxy, over the agent's transport."""
        if agent.transport == "udp":
            ends = (PROXY, 5060, agent.public, agent.port) if to_agent else (agent.public, agent.port, PROXY, 5060)
            mtu = 576 if len(message) > 700 and self.rng.random() < 0.3 else None
            self._send(synth.udp(*ends, message), mtu)
            yield
            return
        if not agent.opened:
            yield from self._open(agent)
        if agent.transport == "ws":
            mask = None if to_agent else self.rng.randbytes(4)
            if self.rng.random() < 0.3:
                cut = len(message) // 2
                message = synth.ws_frame(message[:cut], 1, False, mask) + synth.ws_frame(message[cut:], 0, True, mask)
            else:
                message = synth.ws_frame(message, 1, True, mask)
        yield from self._stream(agent, message, to_agent)

    def _open(self, agent: _Agent) -> Iterator[None]:
        agent.opened = True
        dport = 8080 if agent.transport == "ws" else 5060
        self._send(synth.tcp(agent.public, agent.port, PROXY, dport, agent.seq - 1, flags=0x02))
        self._send(synth.tcp(PROXY, dport, agent.public, agent.port, agent.proxy_seq - 1, flags=0x12))
        yield
        if agent.transport == "ws":
            req = (
                f"GET /sip HTTP/1.1\r\nHost: {PROXY}:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Protocol: sip\r\n\r\n"
            ).encode()
            resp = (
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n"
            )
            yield from self._stream(agent, req, False)
            yield from self._stream(agent, resp, True)

    def _stream(self, agent: _Agent, data: bytes, to_agent: bool) -> Iterator[None]:
        """Bytes on the agent's TCP connection, cut into segments of random sizes."""
        dport = 8080 if agent.transport == "ws" else 5060
        if to_agent:  # the message's sequence space is taken at once: another call's message on
            start, agent.proxy_seq = agent.proxy_seq, agent.proxy_seq + len(data)  # the connection
        else:  # may send its segments in between (they arrive out of order; TCP puts them back)
            start, agent.seq = agent.seq, agent.seq + len(data)
        pos = 0
        while pos < len(data):
            step = self.rng.choice((len(data), self.rng.randint(1, 700), self.rng.randint(200, 1400)))
            chunk = data[pos : pos + step]
            if to_agent:
                self._send(synth.tcp(PROXY, dport, agent.public, agent.port, start + pos, chunk))
            else:
                self._send(synth.tcp(agent.public, agent.port, PROXY, dport, start + pos, chunk))
            pos += len(chunk)
            yield

    # -- media -------------------------------------------------------------------------------------

    def _media_frames(self, a: _Agent, b: _Agent, a_port: int, b_port: int, relayed: bool) -> list[bytes]:
        """Prebuilt frames of this call's media: RTP 170-220 bytes both ways, some RTCP."""
        rng = self.rng
        frames = []
        for src, sport, dst, dport in ((a.public, a_port, b.public, b_port), (b.public, b_port, a.public, a_port)):
            for _ in range(3):
                size = rng.randint(170, 220)
                rtp = bytes([0x80, 111]) + rng.randbytes(size - 2)
                if relayed and src == a.public:  # client → TURN server in a ChannelData message
                    rtp = struct.pack("!HH", 0x4001, len(rtp)) + rtp
                    frames.append(self._frame(synth.udp(src, sport, TURN, 3478, rtp)))
                else:
                    frames.append(self._frame(synth.udp(src, sport, dst, dport, rtp)))
        rtcp = bytes([0x81, 200]) + rng.randbytes(50)
        frames.append(self._frame(synth.udp(a.public, a_port + 1, b.public, b_port + 1, rtcp)))
        return [f for f in frames for _ in range(10)][:-9]  # RTCP about one packet in 60

    def _frame(self, segment: tuple[str, str, int, bytes]) -> bytes:
        return synth.link(synth.ip(segment)[0])

    def _dtls(self, a: _Agent, b: _Agent, a_port: int, b_port: int) -> Iterator[None]:
        hello = bytes([22, 0xFE, 0xFD]) + self.rng.randbytes(150)
        self._send(synth.udp(a.public, a_port, b.public, b_port, hello))
        self._send(synth.udp(b.public, b_port, a.public, a_port, hello))
        yield

    def _stun(self, a: _Agent, b: _Agent, a_port: int, b_port: int, check: int) -> Iterator[None]:
        """A Binding request a → b and b's success response naming a's mapped address; a's
        Binding to the TURN/STUN server once per call."""
        tx = self.rng.randbytes(12)
        request = synth.stun_message(0x0001, tx, [(0x0006, b"u1:u2")])
        self._send(synth.udp(a.public, a_port, b.public, b_port, request))
        response = synth.stun_message(0x0101, tx, [(0x0020, synth.xor_address(a.public, a_port, tx))])
        self._send(synth.udp(b.public, b_port, a.public, a_port, response))
        self.truth.mapped.add(f"{a.public}:{a_port}")
        if check == 0:
            tx = self.rng.randbytes(12)
            srv = synth.stun_message(
                0x0101, tx, [(0x0020, synth.xor_address(a.public, a_port + 2, tx)), (0x8022, b"coturn-4.6")]
            )
            self._send(synth.udp(PROXY, 3478, a.public, a_port + 2, srv))
            self.truth.mapped.add(f"{a.public}:{a_port + 2}")
        yield


def write_media_mix(out: BinaryIO, size_bytes: int, seed: int = 1, **options: int | bool) -> Truth:
    """Write a capture of about ``size_bytes`` to ``out``; the ground truth (see the module doc)."""
    return MediaMix(out, seed, **options).run(size_bytes)  # type: ignore[arg-type]
