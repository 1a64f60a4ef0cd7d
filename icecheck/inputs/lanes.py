"""Which process handles which message of a capture split over processes (``scan --jobs``).

Every process reads the whole capture's non-media records (all of the capture, or what the
byte ranges of ``ranges`` kept) and does the same transport work on them (packets, IP
fragments, TCP streams, WebSocket frames), so each sees every message at the same place in
one global order. Each message then goes to exactly one process, chosen by what the
dispatcher's state for it depends on: a SIP message by its Call-ID (offer/answer roles and
dialog sides are per call; without a Call-ID, by the connection it came on), JSON, SDP and
HTTP bodies by their connection (roles of a WebSocket or HTTP exchange), STUN and TURN by
the pair of endpoints (channel bindings are per client and server). A process dispatches only
its own messages, so its state for them is what a single process would have had.

``Lane.take_*`` counts an event in the global order (``ordinal``), sets the sink's ordinal to
it when this process handles it, and says whether it does. Transport problems (damage, TCP
gaps, framing lost) are the same in every process and recorded by part 0 only. With one part
every event is taken and nothing else changes.

Where the parts can differ from one process: the dispatcher forgets the oldest of its per-call
entries past ``payload.MAX_CALLS`` (10,000), and a part holds fewer calls, so a call whose
messages are more than that many other calls' entries apart may be judged differently; an
input past its bound on distinct items is partial either way (``merge``); and after an
unexpected reader error the other parts may have read further than the one that failed.
"""

from __future__ import annotations

import re
import zlib

from icecheck.inputs import sipmsg
from icecheck.inputs.sink import Sink

_CALL_ID_LINE = re.compile(rb"^(?:call-id|i)[ \t]*:", re.I | re.M)
_PLAIN = bytes([9, 10, 13, *range(32, 127)])  # left out: what str.strip() or the line split treat specially


class Lane:
    """Part ``part`` of ``parts`` of one capture's messages, recorded in ``sink``."""

    def __init__(self, sink: Sink, part: int = 0, parts: int = 1) -> None:
        self.sink, self.part, self.parts = sink, part, parts
        self.ordinal = 0
        if parts > 1:
            sink.track_order()

    def _take(self, key: str) -> bool:
        self.ordinal += 1
        if self.parts == 1:
            return True
        if owner(key, self.parts) != self.part:
            return False
        self.sink.ordinal = self.ordinal
        return True

    def take_owned(self) -> bool:
        """A message already routed to this part (``owner`` of its key): taken."""
        self.ordinal += 1
        if self.parts > 1:
            self.sink.ordinal = self.ordinal
        return True

    def skip(self) -> None:
        """A message routed to another part: counted in the global order only."""
        self.ordinal += 1

    def take_sip(self, data: bytes, call: str | None) -> bool:
        """A SIP message: by its Call-ID, else by ``call`` (the connection it came on)."""
        if self.parts == 1:
            return self._take("")
        return self._take(sip_key(data, call))

    def take_text(self, data: bytes, call: str | None) -> bool:
        """A message of unknown kind (``Dispatcher.text``): SIP by its Call-ID, else by ``call``."""
        if self.parts > 1 and sipmsg.is_sip_start(data):
            return self.take_sip(data, call)
        return self.take_flow(call)

    def take_flow(self, call: str | None) -> bool:
        """JSON, SDP or an HTTP body, by the connection (``Origin.call``) it came on."""
        if self.parts == 1:  # (no key to build: every message is this part's)
            return self._take("")
        return self._take("sip " + (call or ""))  # as a SIP message without a Call-ID on it

    def take_pair(self, a: str, b: str) -> bool:
        """STUN or TURN between endpoints ``a`` and ``b`` (either direction)."""
        if self.parts == 1:
            return self._take("")
        return self._take(pair_key(a, b))

    def take_transport(self) -> bool:
        """A transport problem, the same in every part: part 0 records it."""
        self.ordinal += 1
        if self.part == 0 and self.parts > 1:
            self.sink.ordinal = self.ordinal
        return self.part == 0


def owner(key: str, parts: int) -> int:
    """The part (of ``parts``) that dispatches the messages routed by ``key``."""
    return zlib.crc32(key.encode("utf-8", "surrogateescape")) % parts


def sip_key(data: bytes, call: str | None) -> str:
    """What a SIP message is routed by: its Call-ID, else ``call`` (the connection it came on)."""
    return "sip " + (call_id_of(data) or call or "")


def pair_key(a: str, b: str) -> str:
    """What STUN or TURN between endpoints ``a`` and ``b`` is routed by (either direction)."""
    return f"stun {a} {b}" if a < b else f"stun {b} {a}"


def call_id_of(data: bytes) -> str | None:
    """``parse_sip(data).call_id`` when ``data`` parses as SIP (what does not is routed by whatever
    this returns, the same way in every part), read without parsing the rest (every part
    routes every message; one part parses it). A head with anything that ``parse_sip`` treats
    specially (control bytes, a lone CR, non-ASCII, a first header line that starts with white
    space) is parsed whole instead."""
    head, sep, _ = data.partition(b"\r\n\r\n")
    if not sep:
        head = data.partition(b"\n\n")[0]
    second = head.find(b"\n") + 1
    odd = head.translate(None, _PLAIN) or head.count(b"\r") != head.count(b"\r\n")  # a control byte, a lone CR
    if odd or head[second : second + 1] in (b" ", b"\t"):
        msg = sipmsg.parse_sip(data)
        return None if isinstance(msg, str) else msg.call_id
    m = _CALL_ID_LINE.search(head, second) if second else None
    if m is None:
        return None
    eol = head.find(b"\n", m.end())
    if eol < 0:
        return head[m.end() :].decode().strip()
    after = head.find(b"\n", eol + 1)
    following = head[eol + 1 : after if after >= 0 else len(head)]
    if following[:1] not in (b" ", b"\t") and b":" in following:  # the common case: a header follows
        return head[m.end() : eol].decode().strip()
    lines = head[m.end() :].decode().replace("\r\n", "\n").split("\n")
    value = lines[0].strip()
    for line in lines[1:]:  # folded continuations (RFC 3261 §7.3.1), as parse_sip joins them
        if line[:1] in (" ", "\t"):
            value += " " + line.strip()
        elif ":" in line:
            break
    return value
