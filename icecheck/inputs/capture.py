"""pcap/pcapng → candidates, addresses and wire facts, streaming with bounded memory.

The loop per packet: link layer → IP (fragments reassembled) → UDP, TCP or SCTP (``sctp``:
SIP over SCTP, RFC 4168); GRE, ERSPAN and IP-in-IP (``tunnel``) are unwrapped and their inner
packet read the same way. UDP payloads
are tried as STUN (RFC 8489 §5 header test; RFC 3489 and MS-TURN by ``stun.looks_like_legacy``),
SIP (start line) and TURN ChannelData (first
byte 64-79, the STUN inside read); RTP/RTCP/DTLS are skipped
by their first byte (RFC 7983 §7 demultiplexing: 128-191 RTP/RTCP, 20-63 DTLS) before any
other work, which keeps media-heavy captures fast. TCP segments go to per-direction
reassembly and application framing (``appstream``). Tables are bounded: at most
``MAX_CONNECTIONS`` TCP connections (the oldest is closed to make room), fragment buffers
per ``fragments``. Every item's origin names the packet (1-based), its time, the 5-tuple
and direction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import BinaryIO, NamedTuple

from icecheck.inputs import sctp, sipmsg, stun, tunnel
from icecheck.inputs.appstream import Connection, StreamFramer
from icecheck.inputs.fragments import Dropped, Reassembler
from icecheck.inputs.lanes import Lane
from icecheck.inputs.netdecode import LINKTYPES, IpPacket, decode_ip, endpoint, link_payload, tcp_layout, udp_layout
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.pcapfile import Packet, PacketReader
from icecheck.inputs.sink import Sink
from icecheck.inputs.source import Tick
from icecheck.inputs.tcpstream import TcpDirection
from icecheck.model import DiagnosticLevel, Origin

MAX_CONNECTIONS = 20_000
_FIN, _SYN, _RST = 0x01, 0x02, 0x04

TcpKey = tuple[bytes, int, bytes, int]


OTHER, STUN, SIP, CHANNEL = range(4)  # what a UDP datagram carries (``datagram_of``)


class Datagram(NamedTuple):
    """A UDP datagram that is not media: ``kind`` (STUN, SIP, TURN ChannelData carrying STUN, or
    OTHER: nothing read), its endpoints and payload, the payload length its UDP header
    declares and whether the IP layer lost bytes (``IpPacket.missing``)."""

    kind: int
    src: str
    dst: str
    payload: bytes
    declared: int
    missing: int


def datagram_of(ip: IpPacket) -> Datagram | None:
    """The UDP datagram of ``ip`` (whole: not a fragment), or None for media and runts."""
    data = ip.payload
    if len(data) < 9:
        return None
    first = data[8]
    if 128 <= first < 192 or 20 <= first < 64:  # RTP/RTCP, DTLS (RFC 7983 §7)
        return None
    udp = udp_layout(data)  # where redaction rewrites it too
    assert udp is not None
    sport, dport, end, declared = udp
    payload = data[8:end]
    if first < 4 and (stun.looks_like_stun(payload) or stun.looks_like_legacy(payload)):
        kind = STUN
    elif 65 <= first <= 90 and sipmsg.is_sip_start(payload):
        kind = SIP
    elif 64 <= first <= 79:  # TURN ChannelData (RFC 7983 §7, RFC 8656 §12): relayed connectivity checks
        framed = stun.channel_data(payload)
        if framed is None or not stun.looks_like_stun(framed[1]):  # relayed media stops here
            return _OTHER
        kind = CHANNEL
    else:
        return _OTHER
    return Datagram(kind, endpoint(ip.src, sport), endpoint(ip.dst, dport), payload, declared - 8, ip.missing)


_OTHER = Datagram(OTHER, "", "", b"", 0, 0)
Routed = tuple[int, float, Datagram, int]  # (number, time, datagram, the part that dispatches it)


class CaptureScan:
    """Reads one capture into ``sink``. ``tick(bytes, packets, items)`` reports progress: packets
    read and items found since the last call (bytes are the ``Source``'s to count)."""

    def __init__(self, sink: Sink, tick: Tick | None = None, lane: Lane | None = None) -> None:
        self.sink = sink
        self.dispatcher = Dispatcher(sink)
        self.lane = lane or Lane(sink)
        self.fragments = Reassembler()
        self.connections: dict[TcpKey, tuple[TcpDirection, StreamFramer]] = {}
        self.tick = tick
        self.packets = 0
        self._items = 0  # items reported to ``tick`` so far
        self.counts = {"udp": 0, "tcp": 0, "stun": 0, "sip-udp": 0, "reassembled": 0, "tunnelled": 0, "sctp": 0}
        self.sctp = sctp.Reassembler()
        self._bad_links: set[int] = set()

    def run(self, stream: BinaryIO) -> None:
        """Read every packet of ``stream``; damage becomes diagnostics in the sink."""
        reader = PacketReader(stream, self._report, skip_media=True)
        self.run_packets(reader.packets(), lambda: reader.number)

    def run_packets(self, packets: Iterable[Packet | Routed], total: Callable[[], int]) -> None:
        """Read ``packets`` (as ``PacketReader.packets()`` yields them, media already left out);
        ``total()``, asked once they are read, is how many records the capture held. An item
        may also be ``(number, time, datagram, part)``: a UDP datagram ``ranges`` decoded, and
        the part (``lanes``) that dispatches it."""
        for item in packets:
            number, time = item[0], item[1]
            if number - self.packets >= 4096:  # media packets are skipped by the reader: count by number
                self._housekeeping(time, number - self.packets)
                self.packets = number
            if len(item) == 4:
                self._routed(item[2], item[3], number, time)
                continue
            _, _, linktype, frame, orig = item
            packet = link_payload(linktype, frame)
            if packet is None:
                self._unknown_link(linktype, number)
                continue
            ip = decode_ip(packet)
            if ip is None:
                continue
            if isinstance(ip, str):
                self._problem(number, time, f"{ip} ({len(frame)} of {orig} bytes captured)")
                continue
            if ip.frag_id is not None:
                ip = self._reassemble(ip, number, time)
                if ip is None:
                    continue
            if ip.proto == 17:
                self._udp(ip, number, time)
            elif ip.proto == 6:
                self._tcp(ip, number, time)
            else:
                self._other(ip, number, time, 0)
        count = total()
        if self.tick is not None:
            self.tick(0, count - self.packets, self._new_items())
        self.packets = count
        self._close_all()

    def summary(self) -> str:
        """The capture's one-line summary, once read: packets and what was found in them."""
        c = self.counts
        line = (
            f"{self.sink.path}: {self.packets} packets, {c['stun']} STUN, {c['sip-udp']} SIP over UDP, "
            f"{c['reassembled']} reassembled datagrams"
        )
        if c["tunnelled"] or c["sctp"]:
            line += f", {c['tunnelled']} unwrapped from GRE/ERSPAN/IP-in-IP, {c['sctp']} SCTP messages"
        return line

    # -- IP --------------------------------------------------------------------------------------

    def _reassemble(self, ip: IpPacket, number: int, time: float) -> IpPacket | None:
        key = (ip.version, ip.src, ip.dst, ip.proto, ip.frag_id or 0)
        whole = self.fragments.add(key, ip.offset, ip.more, ip.payload, time, number)
        if whole is None:
            return None
        self.counts["reassembled"] += 1
        return ip._replace(payload=whole, frag_id=None, offset=0, more=False)

    def _other(self, ip: IpPacket, number: int, time: float, depth: int) -> None:
        """SCTP, and the tunnels of ``tunnel`` (GRE, ERSPAN, IP-in-IP): their inner packet is read
        as if it had been captured itself."""
        if ip.proto == 132:
            self._sctp(ip, number, time)
            return
        if ip.proto not in tunnel.PROTOCOLS or depth >= tunnel.MAX_DEPTH:
            return
        found = tunnel.inner(ip.proto, ip.payload)
        if isinstance(found, str):
            self._problem(number, time, found, DiagnosticLevel.WARNING)
        if not isinstance(found, tuple):
            return
        inner = decode_ip(found[0])
        if isinstance(inner, str):
            self._problem(number, time, f"{found[1]}: inner {inner}", DiagnosticLevel.WARNING)
        if not isinstance(inner, IpPacket):
            return
        self.counts["tunnelled"] += 1
        if inner.frag_id is not None:
            inner = self._reassemble(inner, number, time)
            if inner is None:
                return
        if inner.proto == 17:
            self._udp(inner, number, time)
        elif inner.proto == 6:
            self._tcp(inner, number, time)
        else:
            self._other(inner, number, time, depth + 1)

    # -- SCTP ------------------------------------------------------------------------------------

    def _sctp(self, ip: IpPacket, number: int, time: float) -> None:
        """SIP over SCTP (RFC 4168): each whole user message that starts like SIP."""
        parsed = sctp.parse(ip.payload)
        if isinstance(parsed, str):
            self._problem(number, time, parsed, DiagnosticLevel.WARNING)
            return
        sport, dport, chunks = parsed
        dropped = self.sctp.dropped
        for chunk in chunks:
            for msg in self.sctp.add((ip.src, sport, ip.dst, dport), chunk):
                self.counts["sctp"] += 1
                if sipmsg.is_sip_start(msg.data) and self.lane.take_sip(msg.data, None):
                    src, dst = endpoint(ip.src, sport), endpoint(ip.dst, dport)
                    ppid = f", PPID {msg.ppid}" if msg.ppid else ""
                    where = self._where(number, time, f"sctp {src} → {dst} stream {msg.stream}{ppid}", src)
                    self.dispatcher.sip(msg.data, where, dst)
        if self.sctp.dropped > dropped:
            lost = self.sctp.dropped - dropped
            self._problem(number, time, f"{lost} SCTP fragments given up for lack of room ({sctp.BOUNDS}); not audited")

    # -- UDP -------------------------------------------------------------------------------------

    def _udp(self, ip: IpPacket, number: int, time: float) -> None:
        found = datagram_of(ip)
        if found is not None:
            self.datagram(found, number, time)

    def datagram(self, d: Datagram, number: int, time: float, owned: bool = False) -> None:
        """A UDP datagram (``datagram_of``); ``owned``: routed to this part already (``ranges``)."""
        self.counts["udp"] += 1
        lane = self.lane
        if d.kind == STUN:
            self.counts["stun"] += 1
            if lane.take_owned() if owned else lane.take_pair(d.src, d.dst):
                self.dispatcher.stun(d.payload, self._where(number, time, f"udp {d.src} → {d.dst}", d.src), d.dst)
        elif d.kind == SIP:
            self.counts["sip-udp"] += 1
            if not (lane.take_owned() if owned else lane.take_sip(d.payload, None)):
                return
            where = self._where(number, time, f"udp {d.src} → {d.dst}", d.src)
            if d.missing or len(d.payload) < d.declared:
                self.sink.problem(
                    where,
                    f"datagram cut by the capture's snapshot length "
                    f"({len(d.payload)} of {max(d.declared, 0)} bytes): SIP read as far as it goes",
                    DiagnosticLevel.WARNING,
                )
            self.dispatcher.sip(d.payload, where, d.dst)
        elif d.kind == CHANNEL and (lane.take_owned() if owned else lane.take_pair(d.src, d.dst)):
            where = self._where(number, time, f"udp {d.src} → {d.dst}", d.src)
            self.dispatcher.channel_data(d.payload, where, d.dst)

    def _routed(self, d: Datagram, part: int, number: int, time: float) -> None:
        """A datagram ``ranges`` decoded, for ``part``: dispatched here if it is this part's,
        else only counted (what ``datagram`` counts, and its place in the global order)."""
        if part == self.lane.part or self.lane.parts == 1:
            self.datagram(d, number, time, owned=self.lane.parts > 1)
            return
        self.counts["udp"] += 1
        if d.kind == STUN:
            self.counts["stun"] += 1
        elif d.kind == SIP:
            self.counts["sip-udp"] += 1
        if d.kind != OTHER:
            self.lane.skip()

    # -- TCP -------------------------------------------------------------------------------------

    def _tcp(self, ip: IpPacket, number: int, time: float) -> None:
        data = ip.payload
        tcp = tcp_layout(data)  # where redaction rewrites it too
        if tcp is None:
            return
        sport, dport, seq, _ack, flags, start = tcp
        if start < 20:  # damaged: no one can say where its payload starts (redaction drops it too)
            self._problem(number, time, f"TCP header damaged (data offset {start} bytes): segment not read")
            return
        payload = data[start:]
        key = (ip.src, sport, ip.dst, dport)
        entry = self.connections.get(key)
        if entry is None:
            if not payload and not flags & _SYN:
                return
            entry = self._open(key, number)
        self.counts["tcp"] += 1
        direction = entry[0]
        if flags & _SYN:
            direction.syn(seq)
        if payload:
            direction.segment(seq, payload, number, time)
            if ip.missing:
                direction.cut(seq, len(payload) + ip.missing, len(payload), number)
        if flags & (_FIN | _RST):
            self._close(key, number, time, both=bool(flags & _RST))

    def _open(self, key: TcpKey, number: int) -> tuple[TcpDirection, StreamFramer]:
        src, sport, dst, dport = key
        a, b = endpoint(src, sport), endpoint(dst, dport)
        reverse = (dst, dport, src, sport)
        other = self.connections.get(reverse)
        if other is not None:  # this direction was closed (FIN) but the other is still open
            conn = other[1].conn
            pairs = [(key, (a, b))]
        else:
            conn = Connection(self.dispatcher, self.lane, Origin(self.sink.path), f"tcp {a} ↔ {b}")
            pairs = [(key, (a, b)), (reverse, (b, a))]
        for k, (s, r) in pairs:
            framer = StreamFramer(conn, f"tcp {s} → {r}", s, r)
            self.connections[k] = (TcpDirection(framer), framer)
        if len(self.connections) > 2 * MAX_CONNECTIONS:
            oldest = next(iter(self.connections))
            self._close(oldest, number, 0.0, both=True)
        return self.connections[key]

    def _close(self, key: TcpKey, number: int, time: float, both: bool) -> None:
        src, sport, dst, dport = key
        keys = [key, (dst, dport, src, sport)] if both else [key]
        for k in keys:
            entry = self.connections.pop(k, None)
            if entry is not None:
                entry[0].finish()
                entry[1].finish(number, time)
                if (k[2], k[3], k[0], k[1]) not in self.connections:  # both directions done: the
                    entry[1].conn.directions.clear()  # connection and its framers no longer form a cycle

    def _close_all(self) -> None:
        for key in list(self.connections):
            self._close(key, self.packets, 0.0, both=False)
        self._fragments_dropped(self.fragments.flush())
        if self.sctp.pending():
            self._problem(
                None,
                None,
                f"{self.sctp.pending()} SCTP fragments of incomplete messages at the end of the capture",
                DiagnosticLevel.WARNING,
            )

    # -- helpers ---------------------------------------------------------------------------------

    def _housekeeping(self, time: float, packets: int) -> None:
        if self.tick is not None:
            self.tick(0, packets, self._new_items())
        self._fragments_dropped(self.fragments.expire(time))

    def _fragments_dropped(self, dropped: list[Dropped]) -> None:
        for d in dropped:
            if d.bound:  # it may have been whole: not audited
                self._problem(d.packet, None, f"fragmented datagram dropped: {d.reason}; not audited")
            else:
                self._problem(d.packet, None, f"fragmented datagram dropped: {d.reason}", DiagnosticLevel.WARNING)

    def _new_items(self) -> int:
        """Distinct items found since the last call (for the progress line)."""
        held = self.sink.held()  # in memory and moved to disk
        new, self._items = held - self._items, held
        return new

    def _where(self, number: int, time: float | None, detail: str, sender: str | None) -> Origin:
        return Origin(self.sink.path, packet=number, time=time, detail=detail, party=sender)

    def _problem(
        self, number: int | None, time: float | None, message: str, level: DiagnosticLevel = DiagnosticLevel.ERROR
    ) -> None:
        if self.lane.take_transport():
            self.sink.problem(Origin(self.sink.path, packet=number, time=time), message, level)

    def _report(self, number: int | None, message: str, level: DiagnosticLevel) -> None:
        self._problem(number, None, message, level)

    def _unknown_link(self, linktype: int, number: int) -> None:
        if linktype not in LINKTYPES and linktype not in self._bad_links:
            self._bad_links.add(linktype)
            self._problem(number, None, f"link type {linktype} is not supported; its packets are skipped")
