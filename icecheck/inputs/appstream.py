"""Application framing on reassembled TCP streams: SIP, HTTP, WebSocket, STUN/TURN.

``StreamFramer`` consumes one direction's contiguous bytes (``tcpstream.Consumer``) and
recognises what it carries from the first bytes: a SIP start line (messages framed by
Content-Length, RFC 3261 §18.3, several per segment or one across many), an HTTP start line
(bodies framed per RFC 9112 §6; ``Upgrade: websocket`` + ``101`` switch both directions to
WebSocket frames, RFC 6455 §4.1-4.2, on any port), STUN (TURN over TCP, RFC 8656 §12.5:
STUN messages and ChannelData back to back), or STUN behind RFC 4571 16-bit length prefixes
(ICE-TCP, RFC 6544 §3: connectivity checks and media on one connection, the media passed
over), or [MS-TURN] messages behind its TCP framing header (§2.1.4: control frames hold MS-TURN
messages, end-to-end data frames what the client exchanges with its active destination), also
after the pseudo-TLS handshake record each side may send first (§2.1.1). Anything else is ignored.
After a gap, SIP and HTTP resynchronise on the next start line and MS-TURN on the next control
frame (its MAGIC-COOKIE attribute, within ``MS_HUNT`` bytes; also in the first bytes of a capture
that starts mid-connection); WebSocket and STUN framing cannot, so the rest of that direction is
skipped with a diagnostic.
"""

from __future__ import annotations

import zlib
from enum import Enum

from icecheck.inputs import http, sipmsg, stun, tcpstream
from icecheck.inputs.lanes import Lane
from icecheck.inputs.payload import Dispatcher, Where
from icecheck.inputs.sink import MAX_DIAGNOSTICS
from icecheck.inputs.websocket import MAX_MESSAGE, WsReader, frame_header_length, parse_frame
from icecheck.model import DiagnosticLevel, Origin

MAX_BUFFER = http.MAX_BODY + http.MAX_HEAD
_INFLATE_STEP = 4096  # compressed bytes fed at a time: damage keeps what inflated before it
MS_HUNT = 1 << 16  # bytes searched for the next MS-TURN control frame after a gap


class Mode(Enum):
    DETECT = 0
    SIP = 1
    HTTP = 2
    WAIT_UPGRADE = 3
    WS = 4
    STUN = 5
    IGNORE = 6
    FRAMED = 7  # RFC 4571 length-prefixed packets: ICE-TCP (RFC 6544 §3)
    MS_TURN = 8  # [MS-TURN] §2.1.4 TCP framing


class Connection:
    """State shared by both directions: the WebSocket handshake and message numbering."""

    def __init__(self, dispatcher: Dispatcher, lane: Lane, base: Where, name: str) -> None:
        self.dispatcher = dispatcher
        self.lane = lane  # which of the messages this process dispatches (``scan --jobs``)
        self.base = base  # path; detail/party are filled per message
        self.name = name  # "tcp a:p ↔ b:q": the grouping key for WebSocket signalling
        self.upgrade: str | None = None  # extensions offered by the client when it asked to upgrade
        self.last_method: str | None = None
        self.ws_messages = 0
        self.directions: list[StreamFramer] = []


class StreamFramer:
    """One direction. ``flow`` is "tcp a:p → b:q", ``sender``/``receiver`` the endpoints."""

    def __init__(self, conn: Connection, flow: str, sender: str, receiver: str) -> None:
        self.conn, self.flow, self.sender, self.receiver = conn, flow, sender, receiver
        self.mode = Mode.DETECT
        self.buf = bytearray()
        self.first_packet = 0
        self.ws: WsReader | None = None
        self.closing_body: http.HttpHead | None = None  # a response read until the stream ends
        self.ms_turn = "MS-TURN TCP framing"  # how MS-TURN frames are named in the origin detail
        self.ms_hunt = 0  # after a gap in MS-TURN framing: bytes still searched for the next frame
        conn.directions.append(self)

    # -- tcpstream.Consumer ----------------------------------------------------------------------

    def data(self, chunk: bytes, packet: int, time: float) -> None:
        if self.mode is Mode.IGNORE:
            return
        if not self.buf:
            self.first_packet = packet
        self.buf += chunk
        if len(self.buf) > MAX_BUFFER:
            self._give_up(packet, f"more than {MAX_BUFFER >> 20} MiB without a complete message")
            return
        self._process(packet, time)

    def gap(self, missing: int, packet: int, given_up: bool = False) -> None:
        lost = f", {len(self.buf)} buffered bytes dropped" if self.buf else ""
        if given_up:  # icecheck's bound, not the capture's loss: what those bytes held is not audited
            held = f"{tcpstream.MAX_HELD >> 10} KiB"
            message = f"TCP: {missing} bytes missing before this packet given up after {held} held out of order{lost}"
            self._problem(packet, None, f"{message}; not audited", DiagnosticLevel.ERROR)
        else:
            self._problem(packet, None, f"TCP gap: {missing} bytes never captured before this packet{lost}")
        self.buf.clear()
        if self.mode is Mode.MS_TURN:
            self.mode, self.ms_hunt = Mode.DETECT, MS_HUNT  # look for the next control frame
        elif self.mode in (Mode.WS, Mode.STUN, Mode.FRAMED):
            self._give_up(packet, "framing lost after the gap; the rest of this direction is skipped")
        elif self.mode is not Mode.IGNORE:
            self.mode = Mode.DETECT

    def finish(self, packet: int, time: float) -> None:
        """The stream ended: a body read until close is complete now."""
        if self.closing_body is not None:
            self._body(self.closing_body, bytes(self.buf), packet, time)
            self.closing_body = None
            self.buf.clear()

    # -- framing ---------------------------------------------------------------------------------

    def _process(self, packet: int, time: float) -> None:
        while self.buf and self.mode is not Mode.IGNORE and self._step(packet, time):
            pass

    def _step(self, packet: int, time: float) -> bool:
        """Handle the start of the buffer once; True if progress was made."""
        if self.mode is Mode.DETECT:
            return self._detect(packet)
        if self.mode is Mode.SIP:
            return self._sip(packet, time)
        if self.mode is Mode.HTTP:
            return self._http(packet, time)
        if self.mode is Mode.WS:
            return self._ws(packet, time)
        if self.mode is Mode.STUN:
            return self._stun(packet, time)
        if self.mode is Mode.FRAMED:
            return self._framed(packet, time)
        if self.mode is Mode.MS_TURN:
            return self._ms_turn(packet, time)
        return False  # WAIT_UPGRADE: hold the bytes until the server answers

    def _detect(self, packet: int) -> bool:
        buf = self.buf
        while bytes(buf[:1]) in (b"\r", b"\n"):  # RFC 5626 §3.5.1 CRLF keep-alives
            del buf[:1]
        if len(buf) < 16:
            return False
        if sipmsg.is_sip_start(bytes(buf[:2048])):
            self.mode = Mode.SIP
        elif http.is_http_start(buf):
            self.mode = Mode.HTTP
        elif stun.looks_like_stun(bytes(buf[:20])):
            self.mode = Mode.STUN
        elif _framed_stun(buf):
            self.mode = Mode.FRAMED
        elif len(buf) < 22 and bytes(buf[6:10]) == stun.MAGIC_BYTES:
            return False  # framed STUN whose header is not all there yet
        elif stun.looks_like_ms_tcp(buf):
            self.mode = Mode.MS_TURN
        elif len(buf) < 32 and bytes(buf[:2]) == b"\x02\x00":
            return False  # an MS-TURN control frame whose message header is not all there yet
        elif buf[0] == 0x16:  # RFC 2246 §6.2.1 ContentType handshake: perhaps [MS-TURN] pseudo-TLS
            return self._pseudo_tls(packet)
        else:
            found = self._ms_turn_resync(packet)
            return self._resync(packet) if found is None else found
        return True

    def _resync(self, packet: int) -> bool:
        """Skip to the next SIP/HTTP start line (a capture started mid-stream, or a gap)."""
        pos = self.buf.find(b"\n")
        while 0 <= pos < len(self.buf) - 1:
            rest = bytes(self.buf[pos + 1 : pos + 2049])
            if sipmsg.is_sip_start(rest) or http.is_http_start(rest):
                del self.buf[: pos + 1]
                return True
            pos = self.buf.find(b"\n", pos + 1)
        if len(self.buf) > 65536 or not self.buf.isascii():
            self.mode = Mode.IGNORE  # binary (TLS, RTP over TCP...) or text of no interest
            self.buf.clear()
        return False

    def _sip(self, packet: int, time: float) -> bool:
        buf = self.buf
        while buf and buf[0] in (13, 10):  # CR, LF
            del buf[:1]
        if not buf:
            return False
        framed = sipmsg.frame_sip(buf)
        if framed is None:
            return False
        if isinstance(framed, str):
            return self._resynchronise(packet, time, framed)
        end = framed[1]
        message = bytes(buf[:end])  # it holds its head's end: its first line reads as the buffer's would
        if not sipmsg.is_sip_start(message):
            return self._resynchronise(packet, time, "stream does not continue with a SIP message")
        if self.conn.lane.take_sip(message, self.conn.name):
            self.conn.dispatcher.sip(message, self._origin(packet, time), self.receiver)
        del self.buf[:end]
        self.first_packet = packet
        return True

    def _resynchronise(self, packet: int, time: float, reason: str) -> bool:
        """SIP framing lost at the buffer's start: a problem, then the next start line is looked for."""
        self._problem(packet, time, f"{reason}; resynchronising", DiagnosticLevel.ERROR)
        del self.buf[:1]
        self.mode = Mode.DETECT
        return True

    def _http(self, packet: int, time: float) -> bool:
        head = http.parse_head(self.buf)
        if head is None:
            return False
        if isinstance(head, str):
            self._problem(packet, time, f"{head}; resynchronising", DiagnosticLevel.ERROR)
            del self.buf[:1]
            self.mode = Mode.DETECT
            return True
        size = http.body_length(head, self.conn.last_method)
        if size == "close":
            self.closing_body = head
            del self.buf[: head.length]
            self.mode = Mode.WAIT_UPGRADE  # nothing else can follow on this direction
            return False
        body_end, body = self._http_body(head, size)
        if body_end < 0:
            return False
        del self.buf[:body_end]
        self._message(head, body, packet, time)
        return True

    def _http_body(self, head: http.HttpHead, size: int | str | None) -> tuple[int, bytes]:
        """(end offset, body) or (-1, b"") while incomplete; a bad chunk ends the body."""
        if size is None:
            return head.length, b""
        if size == "chunked":
            done = http.dechunk(self.buf, head.length)
            if done is None:
                return -1, b""
            if isinstance(done, str):
                return len(self.buf), b""
            return done
        assert isinstance(size, int)
        end = head.length + size
        return (end, bytes(self.buf[head.length : end])) if len(self.buf) >= end else (-1, b"")

    def _message(self, head: http.HttpHead, body: bytes, packet: int, time: float) -> None:
        conn = self.conn
        if head.method is not None:
            conn.last_method = head.method
            if head.has_token("upgrade", "websocket"):
                conn.upgrade = head.get("sec-websocket-extensions").lower()
                self.mode = Mode.WAIT_UPGRADE
        elif head.status == 101 and conn.upgrade is not None:
            self._switch_to_websocket(head.get("sec-websocket-extensions").lower(), packet, time)
        elif conn.upgrade is not None:
            conn.upgrade = None  # refused: the client goes back to plain HTTP
            for d in conn.directions:
                if d is not self and d.mode is Mode.WAIT_UPGRADE:
                    d.mode = Mode.HTTP
        self._body(head, body, packet, time)

    def _switch_to_websocket(self, extensions: str, packet: int, time: float) -> None:
        """RFC 6455 §4.2.2: after the 101 both directions carry frames."""
        deflate = "permessage-deflate" in extensions
        for d in self.conn.directions:
            side = "server" if d is self else "client"
            d.ws = WsReader(deflate, f"{side}_no_context_takeover" in extensions)
            d.mode = Mode.WS
            if d is not self:
                d._process(packet, time)

    def _body(self, head: http.HttpHead, body: bytes, packet: int, time: float) -> None:
        body, problem = _decode_content(head, body)
        if problem is not None:
            self._problem(packet, time, f"HTTP {head.summary}: {problem}", DiagnosticLevel.ERROR)
        if not body.strip():
            return
        ctype = head.get("content-type").lower()
        if not self.conn.lane.take_flow(self.conn.name):
            return
        where = self._origin(packet, time, f"HTTP {head.summary}")
        disp = self.conn.dispatcher
        if "sdp" in ctype:  # application/sdp (WHIP/WHEP), application/trickle-ice-sdpfrag (RFC 8840)
            disp.sink.sdp(body.decode("utf-8", "replace"), where)
        elif "json" in ctype or body.lstrip()[:1] in (b"{", b"["):
            disp.json_text(body, where)
        else:  # XMPP over BOSH (XEP-0124: Jingle in XML), a form, a log: candidates in any text
            disp.free_text(body.decode("utf-8", "replace"), where)

    def _ws(self, packet: int, time: float) -> bool:
        declared = frame_header_length(self.buf)
        if declared is not None and declared > MAX_MESSAGE:
            self._give_up(packet, f"WebSocket frame of {declared} bytes is too large to inspect")
            return False
        frame = parse_frame(self.buf)
        if frame is None or self.ws is None:
            return False
        end, opcode, fin, rsv1, payload = frame
        masked = bool(self.buf[1] & 0x80)
        del self.buf[:end]
        message = self.ws.frame(opcode, fin, rsv1, payload, masked)
        if message is not None:
            self.conn.ws_messages += 1
            if self.conn.lane.take_text(message.payload, self.conn.name):
                kind = "text" if message.opcode == 1 else "binary"
                detail = (
                    f"WebSocket message {self.conn.ws_messages} ({kind}, {message.frames} frame"
                    f"{'s' if message.frames > 1 else ''}{', masked' if message.masked else ''})"
                )
                self.conn.dispatcher.text(message.payload, self._origin(packet, time, detail), self.receiver)
            self.first_packet = packet
        for problem in self.ws.problems:
            self._problem(packet, time, problem)
        self.ws.problems.clear()
        return True

    def _stun(self, packet: int, time: float) -> bool:
        buf = self.buf
        if len(buf) < 4:
            return False
        if 0x40 <= buf[0] < 0x80:  # ChannelData: 4-byte header, padded to 4 over TCP (§12.5)
            size = 4 + (((buf[2] << 8) | buf[3]) + 3) // 4 * 4
            if len(buf) < size:
                return False
            message = bytes(buf[:size])
            del buf[:size]
            if self.conn.lane.take_pair(self.sender, self.receiver):
                self.conn.dispatcher.channel_data(message, self._origin(packet, time), self.receiver)
            return True
        if len(buf) < 20:
            return False
        if not stun.looks_like_stun(bytes(buf[:20])):
            self._give_up(packet, "TURN-over-TCP framing lost")
            return False
        size = stun.message_length(buf)
        if len(buf) < size:
            return False
        message = bytes(buf[:size])
        del buf[:size]
        if self.conn.lane.take_pair(self.sender, self.receiver):
            self.conn.dispatcher.stun(message, self._origin(packet, time), self.receiver)
        return True

    def _framed(self, packet: int, time: float) -> bool:
        """RFC 4571 §2: a 16-bit length, then the packet; STUN ones are read, media passed over."""
        buf = self.buf
        if len(buf) < 2:
            return False
        size = 2 + ((buf[0] << 8) | buf[1])
        if len(buf) < size:
            return False
        frame = bytes(buf[2:size])
        del buf[:size]
        framed = stun.looks_like_stun(frame) and stun.message_length(frame) == len(frame)
        if framed and self.conn.lane.take_pair(self.sender, self.receiver):
            self.conn.dispatcher.stun(frame, self._origin(packet, time, "RFC 4571 framing"), self.receiver)
        return True

    def _ms_turn(self, packet: int, time: float) -> bool:
        """[MS-TURN] §2.1.4: a control frame's MS-TURN message is read as over UDP, an end-to-end
        data frame's content as what the active destination relays. A control frame that holds no
        whole MS-TURN message is a problem and skipped (its length still frames the stream); a frame
        of another type loses the framing (§3.1.10), and the rest of the direction is skipped."""
        buf = self.buf
        if len(buf) < 4:
            return False
        header = stun.ms_tcp_header(buf)
        if header is None:
            self._give_up(packet, f"MS-TURN TCP framing lost: frame type 0x{buf[0]:02x}, reserved 0x{buf[1]:02x}")
            return False
        kind, end = header
        if len(buf) < end:
            return False
        frame = bytes(buf[4:end])
        del buf[:end]
        if kind == stun.MS_TCP_CONTROL and not stun.is_ms_turn(frame):
            self._problem(packet, time, f"MS-TURN TCP control frame of {len(frame)} bytes holds no MS-TURN message")
        elif self.conn.lane.take_pair(self.sender, self.receiver):
            where = self._origin(packet, time, self.ms_turn)
            if kind == stun.MS_TCP_CONTROL:
                self.conn.dispatcher.stun(frame, where, self.receiver)
            else:
                self.conn.dispatcher.ms_turn_data(frame, where, self.receiver)
        self.first_packet = packet
        return True

    def _ms_turn_resync(self, packet: int) -> bool | None:
        """Find an [MS-TURN] control frame further on by its MAGIC-COOKIE attribute (§2.2.2.8, the
        first attribute of every message, 20 bytes after the message's start): in the first bytes of a
        capture that starts mid-connection (also within ``MS_HUNT`` bytes when it starts with
        end-to-end data frames, ``_ms_data_frames``), or within ``MS_HUNT`` bytes after a gap in
        MS-TURN framing. The bytes skipped are a problem. False while still looking after a gap; None when
        none is found otherwise."""
        buf = self.buf
        pos = buf.find(stun.MS_COOKIE_ATTR, 24)
        while pos >= 0:
            if stun.looks_like_ms_tcp(buf[pos - 24 :]):
                self._problem(packet, None, f"{pos - 24} bytes skipped before an MS-TURN TCP frame")
                del buf[: pos - 24]
                self.mode, self.ms_hunt = Mode.MS_TURN, 0
                return True
            pos = buf.find(stun.MS_COOKIE_ATTR, pos + 1)
        if self.ms_hunt > len(buf):  # after a gap: keep looking in what comes next
            keep = len(stun.MS_COOKIE_ATTR) + 23
            self.ms_hunt -= max(0, len(buf) - keep)
            del buf[:-keep]
            return False
        if not self.ms_hunt and _ms_data_frames(buf):  # mid-connection: data frames before control
            self.ms_hunt = MS_HUNT
            return self._ms_turn_resync(packet)
        if not self.ms_hunt:
            return None
        self._give_up(packet, "no MS-TURN TCP frame found after the gap; the rest of this direction is skipped")
        return False

    def _pseudo_tls(self, packet: int) -> bool:
        """[MS-TURN] §2.1.1: on port 443 each side may first send one pseudo-TLS handshake record
        (ClientHello; ServerHello and ServerHelloDone in one record), then MS-TURN frames. The record
        (at most ``stun.PSEUDO_TLS_MAX`` bytes) is skipped only once the bytes after it are seen to
        start an MS-TURN control frame; real TLS goes on with more records and is ignored as binary."""
        buf = self.buf
        end = stun.pseudo_tls_end(buf)
        if end is None:
            return self._resync(packet)
        if len(buf) < end + 32:
            return False  # the record, or the start of what follows it, is not all there yet
        if not stun.looks_like_ms_tcp(buf[end:]):
            return self._resync(packet)
        del buf[:end]
        self.mode = Mode.MS_TURN
        self.ms_turn = "MS-TURN TCP framing after pseudo-TLS"
        return True

    # -- helpers ---------------------------------------------------------------------------------

    def _origin(self, packet: int, time: float | None, what: str | None = None) -> Where:
        first, last = sorted((self.first_packet or packet, packet))
        span = f" (packets {first}-{last})" if first != last else ""
        detail = f"{self.flow}{span}" + (f", {what}" if what else "")
        base = self.conn.base  # base._replace(packet=..., time=..., ...) built directly, as ``payload.at``
        return Origin(base.path, base.line, last, time, detail, self.conn.name, self.sender)

    def _give_up(self, packet: int, reason: str) -> None:
        """Stop reading this direction: what follows is in the capture but not read, so not audited
        (an error: the input is partial)."""
        if "the rest of this direction" not in reason:
            reason += "; the rest of this direction is skipped"
        self._problem(packet, None, f"{reason}, not audited", DiagnosticLevel.ERROR)
        self.mode = Mode.IGNORE
        self.buf.clear()

    def _problem(
        self, packet: int, time: float | None, message: str, level: DiagnosticLevel = DiagnosticLevel.WARNING
    ) -> None:
        """A framing problem: the same in every process, recorded by one (``Lane.take_transport``).
        Past ``sink.MAX_DIAGNOSTICS`` only counted, as ``Sink.problem`` does, without building its
        origin (a flood of 300,000 stray WebSocket continuation frames is a problem each)."""
        if self.conn.lane.take_transport():
            sink = self.conn.dispatcher.sink
            if len(sink.diagnostics) >= MAX_DIAGNOSTICS:
                sink.dropped_diagnostics += 1
                return
            sink.problem(self._origin(packet, time), message, level)


def _ms_data_frames(buf: bytearray) -> bool:
    """The buffer starts with two [MS-TURN] TCP frames (§2.1.4), the first one end-to-end data (0x03)
    holding RTP or STUN (RFC 7983 §7: first byte 128-191 or 0-3), as a connection caught in the
    middle of a call sends. Nothing is read from them: they only make the reader look further."""
    first = stun.ms_tcp_header(buf)
    if first is None or first[0] != stun.MS_TCP_DATA or first[1] == 4 or not (buf[4] < 4 or 128 <= buf[4] < 192):
        return False
    return stun.ms_tcp_header(buf, first[1]) is not None


def _framed_stun(buf: bytearray) -> bool:
    """A STUN message behind an RFC 4571 length that announces exactly it (ICE-TCP, RFC 6544)."""
    return (
        len(buf) >= 22
        and stun.looks_like_stun(bytes(buf[2:22]))
        and ((buf[0] << 8) | buf[1]) == stun.message_length(buf[2:22])
    )


def _decode_content(head: http.HttpHead, body: bytes) -> tuple[bytes, str | None]:
    """Undo gzip/deflate Content-Encoding, at most ``http.MAX_BODY`` bytes; other encodings are
    left alone. With what was decoded (up to damage: what came before it is kept), what could
    not be (said as not audited), or None."""
    encoding = head.get("content-encoding").lower()
    if encoding not in ("gzip", "deflate", "x-gzip"):
        return body, None
    inflater = zlib.decompressobj(47 if "gzip" in encoding else 15)
    out = bytearray()
    for at in range(0, len(body), _INFLATE_STEP):
        try:
            out += inflater.decompress(
                inflater.unconsumed_tail + body[at : at + _INFLATE_STEP], http.MAX_BODY - len(out)
            )
        except zlib.error as exc:
            return bytes(out), f"its {encoding} Content-Encoding is damaged ({exc}): what follows is not audited"
        if len(out) >= http.MAX_BODY and (inflater.unconsumed_tail or at + _INFLATE_STEP < len(body)):
            return bytes(out), f"it inflates past {http.MAX_BODY >> 20} MiB: the rest is not audited"
    return bytes(out), None
