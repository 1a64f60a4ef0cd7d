"""Old and new walks agree: redaction's own pcapng block walk (kept here as it was before it
read blocks through ``inputs.pcapfile.packet_block``) and the new one give the same bytes on
random and mutated blocks. Transitional: the old walk is removed with this test."""

from __future__ import annotations

import itertools
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from icecheck.inputs.tcpstream import MAX_HELD, Consumer, TcpDirection, _delta
from icecheck.redact.packet import DropPacket, Flow, FrameRewriter, Shifts, checksum, pseudo
from icecheck.redact.pcap import MAX_HOLE, MAX_RUN, MAX_SEGMENTS, CaptureRewriter, HoldPacket, _flow, _Run
from icecheck.redact.pcapng import rewrite_block
from icecheck.redact.tcpmsg import complete
from icecheck.redact.window import Entry

SHB, IDB, PB, SPB, ISB, EPB = 0x0A0D0D0A, 1, 2, 3, 5, 6


def _old_block(order: str, btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    length = len(body) + 12
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


def _old_options(order: str, data: bytes, keep: tuple[int, ...]) -> bytes:
    out, pos = b"", 0
    while pos + 4 <= len(data):
        code, length = struct.unpack_from(order + "HH", data, pos)
        if code == 0:
            break
        if code in keep:
            value = data[pos + 4 : pos + 4 + length]
            out += struct.pack(order + "HH", code, length) + value + b"\x00" * (-length % 4)
        pos += 4 + length + (-length % 4)
    return out + struct.pack(order + "HH", 0, 0) if out else b""


def _old_rewrite(order: str, btype: int, body: bytes, links: list[int]) -> bytes | Entry | None:
    if btype == SHB:
        links.clear()
        return _old_block(order, btype, body[:8] + struct.pack(order + "q", -1)) if len(body) >= 8 else None
    if btype == IDB and len(body) >= 8:
        links.append(struct.unpack_from(order + "H", body)[0])
        return _old_block(order, btype, body[:8] + _old_options(order, body[8:], (9, 14)))
    if btype == ISB and len(body) >= 12:
        return _old_block(order, btype, body[:12])
    if btype in (EPB, SPB, PB):
        packet = _old_packet(order, btype, body, links)
        if packet is None:
            return None
        linktype, frame = packet
        return Entry(
            linktype, frame, lambda new: _old_block(order, btype, _old_packet_body(order, btype, body, frame, new))
        )
    return None


def _old_packet(order: str, btype: int, body: bytes, links: list[int]) -> tuple[int, bytes] | None:
    if btype == SPB:
        if not links or len(body) < 4:
            return None
        return links[0], body[4 : 4 + struct.unpack_from(order + "I", body)[0]]
    if btype == EPB and len(body) >= 20:
        iface, caplen = struct.unpack_from(order + "I", body)[0], struct.unpack_from(order + "I", body, 12)[0]
    elif btype == PB and len(body) >= 20:
        iface, caplen = struct.unpack_from(order + "H", body)[0], struct.unpack_from(order + "I", body, 12)[0]
    else:
        return None
    return (links[iface], body[20 : 20 + caplen]) if iface < len(links) else None


def _old_packet_body(order: str, btype: int, body: bytes, old: bytes, new: bytes) -> bytes:
    if btype == SPB:
        orig = struct.unpack_from(order + "I", body)[0]
        return struct.pack(order + "I", max(orig + len(new) - len(old), len(new))) + new
    orig = struct.unpack_from(order + "I", body, 16)[0]
    head = bytearray(body[:20])
    struct.pack_into(order + "II", head, 12, len(new), max(orig + len(new) - len(old), len(new)))
    return bytes(head) + new


@st.composite
def _options(draw: st.DrawFn, order: str) -> bytes:
    """Whole options (the old walk wrote a value cut short by the block's end with its stored
    length; the new one writes the length of what is there), an end marker, anything after it."""
    out = b""
    for _ in range(draw(st.integers(0, 4))):
        value = draw(st.binary(max_size=12))
        code = draw(st.sampled_from([2, 9, 14, 3, 0x8001]))
        out += struct.pack(order + "HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)
    if draw(st.booleans()):
        out += struct.pack(order + "HH", 0, 0) + draw(st.binary(max_size=8))
    return out


@st.composite
def _blocks(draw: st.DrawFn) -> tuple[str, int, bytes, list[int]]:
    order = draw(st.sampled_from("<>"))
    btype = draw(st.sampled_from([SHB, IDB, PB, SPB, ISB, EPB, 4, 10]))
    links = draw(st.lists(st.integers(0, 300), max_size=3))
    if btype == IDB and draw(st.booleans()):
        body = draw(st.binary(min_size=8, max_size=8)) + draw(_options(order))
    elif btype in (EPB, PB) and draw(st.booleans()):  # a plausible packet block, lengths mutated
        frame = draw(st.binary(max_size=40))
        caplen = draw(st.sampled_from([len(frame), len(frame) + 3, max(len(frame) - 1, 0), 0xFFFFFFFF]))
        iface = draw(st.integers(0, 3))
        head = struct.pack(order + ("IIIII" if btype == EPB else "HHIIII"), *([iface] if btype == EPB else [iface, 0]),
                           7, 9, caplen, draw(st.integers(0, 0xFFFFFFFF)))  # fmt: skip
        body = head + frame + b"\x00" * (-len(frame) % 4) + draw(_options(order))
    elif btype == SPB and draw(st.booleans()):
        frame = draw(st.binary(max_size=40))
        orig = draw(st.sampled_from([len(frame), len(frame) + 100, max(len(frame) - 2, 0)]))
        body = struct.pack(order + "I", orig) + frame
    else:
        body = draw(st.binary(max_size=64))
    return order, btype, body, links


@settings(max_examples=3000, deadline=None)
@given(_blocks(), st.binary(max_size=50))
def test_pcapng_blocks_old_and_new_walks_agree(block: tuple[str, int, bytes, list[int]], new: bytes) -> None:
    order, btype, body, links = block
    old_links, new_links = list(links), list(links)
    old, now = _old_rewrite(order, btype, body, old_links), rewrite_block(order, btype, body, new_links)
    assert old_links == new_links
    if isinstance(old, Entry):
        assert isinstance(now, Entry) and (now.linktype, now.frame) == (old.linktype, old.frame)
        for frame in (new, old.frame, old.frame + b"grown", old.frame[:-1]):
            assert _finished(now, frame) == _finished(old, frame)
    else:
        assert now == old


def _finished(entry: Entry, frame: bytes) -> bytes | str | None:
    """The entry's output, or the error finishing it raised (an original length grown past 2^32)."""
    try:
        entry.finish(frame)
    except struct.error as exc:
        return str(exc)
    return entry.out


class _OldTransport(FrameRewriter):
    """``FrameRewriter`` with its UDP and TCP header walks as they were before ``netdecode``'s
    ``udp_layout``/``tcp_layout``."""

    def old_udp(self, seg: bytes, nsrc: bytes, ndst: bytes, inner: bool = False) -> bytes:
        declared = int.from_bytes(seg[4:6], "big")
        if inner and declared != len(seg):  # truncated quote inside ICMP: same-length rewrite only
            new = self.payload(seg[8:])
            return seg[:8] + (new if len(new) == len(seg) - 8 else seg[8:])
        body = self.payload(seg[8:declared] if 8 <= declared <= len(seg) else seg[8:])
        head = bytearray(seg[:8])
        head[4:6] = (8 + len(body)).to_bytes(2, "big")
        if seg[6:8] != b"\x00\x00" or len(nsrc) == 16:  # a zero IPv4 UDP checksum means "none"
            head[6:8] = b"\x00\x00"
            value = checksum(pseudo(nsrc, ndst, 17, 8 + len(body)) + bytes(head) + body) or 0xFFFF
            head[6:8] = value.to_bytes(2, "big")
        return bytes(head) + body

    def old_tcp(self, seg: bytes, src: bytes, dst: bytes, nsrc: bytes, ndst: bytes) -> bytes:
        off = (seg[12] >> 4) * 4
        if off < 20 or len(seg) < off:
            return seg
        sport, dport = struct.unpack_from("!HH", seg)
        flow, back = (src, dst, sport, dport), (dst, src, dport, sport)
        seq, ack = struct.unpack_from("!II", seg, 4)
        if seg[13] & 0x02:  # SYN (RFC 9293 §3.1): the stream's data starts at seq + 1
            self.syn(flow, seq)
        body = self.tcp_body(flow, seq, seg[off:]) if len(seg) > off else b""
        head = bytearray(seg[:off])
        shift, back_shift = self.tcp_shift.get(flow), self.tcp_shift.get(back)
        struct.pack_into("!II", head, 4, (seq + (shift.at(seq) if shift else 0)) & 0xFFFFFFFF,
                         (ack + (back_shift.at(ack) if back_shift else 0)) & 0xFFFFFFFF)  # fmt: skip
        if len(body) != len(seg) - off:
            if shift is None:
                shift = self.tcp_shift[flow] = Shifts(seq)
            shift.add(seq + len(seg) - off, len(body) - (len(seg) - off))
        head[16:18] = b"\x00\x00"
        value = checksum(pseudo(nsrc, ndst, 6, off + len(body)) + bytes(head) + body)
        head[16:18] = value.to_bytes(2, "big")
        return bytes(head) + body


class _OldTransportEntry(_OldTransport):
    def transport(self, proto: int, src: bytes, dst: bytes, seg: bytes, inner: bool = False) -> bytes:
        nsrc, ndst = self.addr(src), self.addr(dst)
        if proto == 17 and len(seg) >= 8:
            return self.old_udp(seg, nsrc, ndst, inner)
        if proto == 6 and len(seg) >= 20 and not inner:
            return self.old_tcp(seg, src, dst, nsrc, ndst)
        return FrameRewriter.transport(self, proto, src, dst, seg, inner)


@st.composite
def _segments(draw: st.DrawFn) -> list[tuple[int, bytes, bytes, bytes, bool]]:
    """UDP and TCP segments of one or two flows, headers and lengths mutated: lengths below,
    equal to and past the captured bytes, data offsets below 20 and past the end, SYNs."""
    out = []
    hosts = [bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), bytes(15) + b"\x01"]
    seqs = [draw(st.integers(0, 2**32 - 1)) for _ in range(2)]
    for _ in range(draw(st.integers(1, 6))):
        proto, inner = draw(st.sampled_from([17, 6])), draw(st.booleans())
        src, dst = draw(st.sampled_from([(hosts[0], hosts[1]), (hosts[1], hosts[0]), (hosts[2], hosts[2])]))
        payload = draw(st.sampled_from([b"", b"a" * 9, b"INVITE sip:a@10.0.0.1 SIP/2.0\r\n\r\n", b"\x00\x01xyz"]))
        payload += draw(st.binary(max_size=12))
        if proto == 17:
            length = draw(st.sampled_from([8 + len(payload), 3, 8, 8 + len(payload) + 4, max(8 + len(payload) - 2, 0)]))
            seg = struct.pack("!HHHH", 5060, 5062, length, draw(st.sampled_from([0, 0x1234]))) + payload
        else:
            i = draw(st.integers(0, 1))
            offset = draw(st.sampled_from([5, 5, 6, 4, 15]))
            flags = draw(st.sampled_from([0x18, 0x02, 0x10]))
            options = bytes(max(0, offset - 5) * 4) if offset <= 6 else b""
            seg = struct.pack("!HHIIBBHHH", 5060 + i, 5062 - i, seqs[i], 7, offset << 4, flags, 100, 0, 0)
            seg += options + payload
            seqs[i] = (seqs[i] + len(payload) + (flags == 0x02)) & 0xFFFFFFFF
        seg = seg[: draw(st.integers(0, len(seg)))] if draw(st.integers(0, 9)) == 0 else seg
        out.append((proto, src, dst, seg, inner))
    return out


@settings(max_examples=2000, deadline=None)
@given(_segments())
def test_udp_and_tcp_old_and_new_walks_agree(segments: list[tuple[int, bytes, bytes, bytes, bool]]) -> None:
    from icecheck.redact.standins import StandIns

    def text(data: bytes) -> bytes:
        return data.replace(b"a", b"bb")  # a change of length: UDP lengths follow, TCP shifts

    old, new = _OldTransportEntry(StandIns(), text), FrameRewriter(StandIns(), text)
    for proto, src, dst, seg, inner in segments:
        assert _outcome(new, proto, src, dst, seg, inner) == _outcome(old, proto, src, dst, seg, inner)


def _outcome(rw: FrameRewriter, proto: int, src: bytes, dst: bytes, seg: bytes, inner: bool) -> bytes | str:
    try:
        return rw.transport(proto, src, dst, seg, inner)
    except DropPacket as drop:
        return f"dropped: {drop.reason}"


class _OldTcpDirection:
    """One direction of a connection. ``retransmitted`` counts bytes seen twice."""

    __slots__ = ("_held", "_held_bytes", "consumer", "gaps", "next_seq", "retransmitted")

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        self.next_seq: int | None = None
        self._held: dict[int, tuple[bytes, int, float]] = {}
        self._held_bytes = 0
        self.retransmitted = 0
        self.gaps = 0

    def syn(self, seq: int) -> None:
        """A SYN occupies one sequence number: data starts at seq + 1."""
        if self.next_seq is None:
            self.next_seq = (seq + 1) % (1 << 32)

    def segment(self, seq: int, data: bytes, packet: int, time: float) -> None:
        """Take one segment's payload."""
        if self.next_seq is None:
            self.next_seq = seq
        d = _delta(seq, self.next_seq)
        if d < 0:
            if len(data) <= -d:
                self.retransmitted += len(data)
                return
            self.retransmitted += -d
            data, seq, d = data[-d:], self.next_seq, 0
        if d > 0:
            self._hold(seq, data, packet, time)
            return
        self._deliver(data, packet, time)
        self._drain()

    def _deliver(self, data: bytes, packet: int, time: float) -> None:
        assert self.next_seq is not None
        self.next_seq = (self.next_seq + len(data)) % (1 << 32)
        self.consumer.data(data, packet, time)

    def _hold(self, seq: int, data: bytes, packet: int, time: float) -> None:
        old = self._held.get(seq)
        if old is not None and len(old[0]) >= len(data):
            self.retransmitted += len(data)
            return
        self._held_bytes += len(data) - (len(old[0]) if old else 0)
        self._held[seq] = (data, packet, time)
        while self._held_bytes > MAX_HELD and self._held:
            self._skip_gap()

    def _drain(self) -> None:
        """Deliver held segments that have become contiguous."""
        while self._held and self.next_seq is not None:
            progressed = False
            for seq in list(self._held):
                d = _delta(seq, self.next_seq)
                if d > 0:
                    continue
                data, packet, time = self._held.pop(seq)
                self._held_bytes -= len(data)
                progressed = True
                if len(data) > -d:
                    self._deliver(data[-d:], packet, time)
            if not progressed:
                return

    def _skip_gap(self) -> None:
        """Give up on the hole before the earliest held segment."""
        assert self.next_seq is not None
        first = min(self._held, key=lambda s: _delta(s, self.next_seq or 0))
        missing = _delta(first, self.next_seq)
        self.gaps += 1
        self.consumer.gap(missing, self._held[first][1])
        self.next_seq = first
        self._drain()

    def cut(self, seq: int, announced: int, captured: int, packet: int) -> None:
        """A segment of ``announced`` bytes at ``seq`` had only ``captured`` bytes captured
        (snaplen): once delivery has reached the cut, skip the lost bytes as a gap."""
        if self.next_seq is not None and _delta(self.next_seq, (seq + captured) % (1 << 32)) == 0:
            self.gaps += 1
            self.consumer.gap(announced - captured, packet)
            self.next_seq = (seq + announced) % (1 << 32)
            self._drain()

    def finish(self) -> None:
        """End of stream (FIN, RST, eviction or end of capture): report remaining holes."""
        while self._held:
            self._skip_gap()


class _Log:
    """A consumer that writes down what it is given."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object, int]] = []

    def data(self, chunk: bytes, packet: int, time: float) -> None:
        self.events.append(("data", chunk, packet))

    def gap(self, missing: int, packet: int) -> None:
        self.events.append(("gap", missing, packet))


@st.composite
def _tcp_segments(draw: st.DrawFn) -> tuple[int | None, list[tuple[int, bytes]]]:
    """Pieces of one stream (its bytes numbered, so that overlaps carry the same bytes, or
    different ones when mutated), reordered, repeated and overlapping; sometimes a SYN first."""
    base = draw(st.integers(0, 2**32 - 1))
    stream = bytes(i % 251 for i in range(draw(st.integers(1, 400))))
    pieces = []
    for _ in range(draw(st.integers(1, 12))):
        start = draw(st.integers(0, len(stream) - 1))
        end = draw(st.integers(start + 1, min(len(stream), start + draw(st.sampled_from([1, 40, 200, 400])))))
        data = stream[start:end]
        if draw(st.integers(0, 5)) == 0:
            data = bytes(b ^ 0xFF for b in data)
        pieces.append(((base + start) & 0xFFFFFFFF, data))
    syn = (base - 1) & 0xFFFFFFFF if draw(st.booleans()) else None
    return syn, pieces


@settings(max_examples=2000, deadline=None)
@given(_tcp_segments(), st.booleans())
def test_tcpstream_old_and_new_placement_agree(case: tuple[int | None, list[tuple[int, bytes]]], small: bool) -> None:
    """``TcpDirection`` with its placement rules in ``place``/``next_held``/``resume_at``/
    ``supersedes`` delivers what it delivered before (``small``: a 100-byte hold limit)."""
    import icecheck.inputs.tcpstream as tcpstream

    syn, pieces = case
    logs = []
    for cls in (_OldTcpDirection, TcpDirection):
        log = _Log()
        direction = cls(log)
        if syn is not None:
            direction.syn(syn)
        saved = tcpstream.MAX_HELD
        tcpstream.MAX_HELD = 100 if small else saved
        globals()["MAX_HELD"] = tcpstream.MAX_HELD
        try:
            for n, (seq, data) in enumerate(pieces):
                direction.segment(seq, data, n, 0.0)
            direction.finish()
        finally:
            tcpstream.MAX_HELD = saved
            globals()["MAX_HELD"] = saved
        logs.append((log.events, direction.retransmitted, direction.gaps))
    assert logs[1] == logs[0]


class _OldCaptureRewriter(CaptureRewriter):
    """``CaptureRewriter`` with its TCP placement as it was before it used ``tcpstream``'s
    ``place``/``drain_order``/``resume_at``/``supersedes``."""

    def tcp_body(self, flow: Flow, seq: int, data: bytes) -> bytes:
        if self.override is not None:
            body, self.override = self.override, None
            return body
        conn = frozenset({(flow[0], flow[2]), (flow[1], flow[3])})
        if self.collecting or self.current is None:
            return self.tcp_payload(data, conn in self.websocket, flow)
        key, current = ("tcp", *flow), self.current
        held = self.held.get(key)
        run = held if isinstance(held, _Run) else None
        ahead = _delta(seq, self.expect.get(flow, seq))
        if ahead > 0:  # a hole before it: held until the hole fills, as scan's tcpstream holds it
            if run is None:
                run = self.held[key] = _Run()
            if seq in run.early:  # the same early segment again
                self.standins.left_out["TCP payloads blanked (retransmitted while a message was held)"] += 1
                return bytes(len(data))
            run.early[seq] = (current, data)
            run.early_bytes += len(data)
            if run.early_bytes <= MAX_HOLE:
                raise HoldPacket
            self.give_up(key, "a segment of the message missing")  # the hole never filled: read on after it
        elif ahead + len(data) <= 0:  # all of it sent before
            if run is not None and run.entries:  # a retransmission of held bytes
                self.standins.left_out["TCP payloads blanked (retransmitted while a message was held)"] += 1
                return bytes(len(data))
            return self.tcp_payload(data, conn in self.websocket, flow)  # sent again: redacted on its own
        elif ahead < 0:  # partly sent before: those bytes blanked in this copy, the rest taken (scan trims)
            self.standins.left_out["TCP payloads partly blanked (bytes sent before, in another segment)"] += 1
            self._take(key, (seq - ahead) & 0xFFFFFFFF, data[-ahead:], current, -ahead)
        else:
            self._take(key, seq, data, current)
        self._drain(key)
        new, self.body = self.body, None
        if new is None:
            raise HoldPacket
        return new

    def _take(self, key: tuple[object, ...], seq: int, data: bytes, entry: Entry, skip: int = 0) -> None:
        """The next segment of the direction's stream, in sequence: released with the message it
        ends (each held segment its slice of the redacted message), or held while it is under way.
        ``skip``: bytes before ``data`` in the segment, sent before in another (blanked here)."""
        flow = _flow(key)
        self.expect[flow] = (seq + len(data)) & 0xFFFFFFFF
        conn = frozenset({(flow[0], flow[2]), (flow[1], flow[3])})
        ws = conn in self.websocket
        held = self.held.get(key)
        run = held if isinstance(held, _Run) else None
        if (
            run is not None
            and run.entries
            and (len(run.data) + len(data) > MAX_RUN or len(run.entries) >= MAX_SEGMENTS)
        ):
            self._blank(run, "a message too long to hold")
        if run is None or not run.entries:
            if complete(data, ws):
                self._settle(entry, bytes(skip) + self._released(conn, data, ws, flow))
                return
            if run is None:
                run = self.held[key] = _Run()
        run.data += data
        run.entries.append((entry, len(data), skip))
        if not complete(run.data, ws):
            return
        new, entries = self._released(conn, bytes(run.data), ws, flow), run.entries
        run.data, run.entries = bytearray(), []
        if not run.early:
            del self.held[key]
        pos = 0
        for i, (held_entry, length, held_skip) in enumerate(entries):
            piece = new[pos:] if i == len(entries) - 1 else new[pos : pos + length]
            pos += len(piece)
            self._settle(held_entry, bytes(held_skip) + piece)

    def _drain(self, key: tuple[object, ...]) -> None:
        """Take the early segments the stream has reached, in sequence (one that starts before where
        the stream is now, sent again over bytes already taken, is trimmed as scan trims it; one
        wholly before it is blanked)."""
        flow = _flow(key)
        while True:
            held = self.held.get(key)
            if not isinstance(held, _Run) or not held.early:
                return
            expect = self.expect[flow]
            seq = expect if expect in held.early else next((s for s in held.early if _delta(s, expect) < 0), None)
            if seq is None:
                return
            entry, data = held.early.pop(seq)
            held.early_bytes -= len(data)
            if not held.early and not held.entries:
                del self.held[key]
            skip = -_delta(seq, expect)
            if skip >= len(data):
                self.standins.left_out["TCP payloads blanked (retransmitted while a message was held)"] += 1
                self._settle(entry, bytes(len(data)))
                continue
            if skip:
                self.standins.left_out["TCP payloads partly blanked (bytes sent before, in another segment)"] += 1
            self._take(key, expect, data[skip:], entry, skip)

    def give_up(self, key: tuple[object, ...], why: str) -> None:
        """Give up a held TCP message (its payloads blanked; early segments past the hole are then
        taken from the first of them on, as scan reads on after a gap) or IP datagram (its fragments
        dropped), counted with ``why``."""
        group = self.held[key]
        if isinstance(group, _Run):
            self._blank(group, "a segment of the message missing" if group.early else why)
            if not group.early:
                del self.held[key]
                return
            flow = _flow(key)
            self.expect[flow] = min(group.early, key=lambda seq: _delta(seq, self.expect[flow]))
            self._drain(key)
            return
        del self.held[key]
        for entry in group.entries:
            entry.finish(None)
        self.standins.left_out[f"IP fragments dropped ({why})"] += len(group.entries)


_SIP = (
    b"MESSAGE sip:b@example.org SIP/2.0\r\nVia: SIP/2.0/TCP 10.1.2.3:5060\r\nContent-Type: application/sdp\r\n"
    b"Content-Length: 67\r\n\r\nv=0\r\nc=IN IP4 10.9.8.7\r\na=candidate:1 1 udp 1 10.9.8.7 4 typ host\r\n"
)


@st.composite
def _tcp_captures(draw: st.DrawFn) -> bytes:
    """A pcap of one TCP direction carrying SIP messages cut into segments at random places,
    reordered (within a few places), some sent twice, with or without a SYN: pieces that do not
    overlap, so at most one held segment is ever ready to be taken."""
    import io

    from icecheck.inputs import synth

    stream = _SIP * draw(st.integers(1, 3))
    cuts = sorted(set(draw(st.lists(st.integers(1, len(stream) - 1), max_size=8))))
    bounds = [0, *cuts, len(stream)]
    base = draw(st.integers(0, 2**32 - 1))
    pieces = [((base + a) & 0xFFFFFFFF, stream[a:b]) for a, b in itertools.pairwise(bounds)]
    order = sorted(range(len(pieces)), key=lambda i: i + draw(st.integers(0, 3)))
    sent = [pieces[i] for i in order]
    for _ in range(draw(st.integers(0, 3))):
        sent.insert(draw(st.integers(0, len(sent))), draw(st.sampled_from(pieces)))
    segments = [synth.tcp("10.1.2.3", 5060, "10.4.5.6", 5060, seq, data) for seq, data in sent]
    if draw(st.booleans()):
        segments.insert(0, synth.tcp("10.1.2.3", 5060, "10.4.5.6", 5060, base - 1, flags=0x02))
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    for n, segment in enumerate(segments):
        for packet in synth.ip(segment):
            writer.write(synth.link(packet), 1_700_000_000 + n)
    return buf.getvalue()


@settings(max_examples=400, deadline=None)
@given(_tcp_captures())
def test_tcp_redaction_old_and_new_placement_agree(capture: bytes) -> None:
    from unittest import mock

    from icecheck.redact import pcap
    from icecheck.redact.standins import StandIns

    new = pcap.redact_capture(capture, StandIns())
    with mock.patch.object(pcap, "CaptureRewriter", _OldCaptureRewriter):
        old = pcap.redact_capture(capture, StandIns())
    assert new == old
