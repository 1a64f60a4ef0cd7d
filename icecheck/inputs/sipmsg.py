"""SIP message parsing and stream framing (RFC 3261 §7, §18.3, §20), pure.

``parse_sip`` splits one message into its start line, headers (compact forms expanded, §7.3.3)
and body. ``frame_sip`` cuts a byte stream (SIP over TCP or WebSocket-free text) into messages
by Content-Length (§18.3: mandatory on streams); ``header_addresses`` lists the IP literals a
message's headers expose: Via sent-by, ``received=`` and ``rport=`` (RFC 3581 §4), Contact,
From and To hosts, each with the side of the transaction it describes. Host names are not
reported: only literal addresses leak network layout.

Whose is a header (RFC 3261): a request comes from its UAC side and a response from its UAS side,
the message's "sender" side; the other is its "peer". Each element that sends a request on puts
its Via on top (§16.6 step 8), so the bottom Via is the UAC's and any other a proxy's, and the
``received``/``rport`` a hop adds to a Via (§18.2.1, RFC 3581 §4) is that Via's sender as seen:
the UAC's public address, for the bottom one. A response copies the request's Vias, From and To
(§8.2.6.2), so its Vias and From describe the peer (the request's sender), its To and Contact its
own UAS (§12.1.1) — except a REGISTER response, whose Contact lists the registering UA's bindings
(§10.3 step 8). In a REGISTER, To is the registering user's address of record (§10.2), not a peer.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from icecheck.inputs.numbers import decimal

START_LINE = re.compile(rb"^(?:([A-Z][A-Z0-9_.!%*+`'~-]*) (\S+) SIP/2\.0|SIP/2\.0 (\d{3})(?: .*)?)\r?$")
COMPACT = {
    "v": "via",
    "m": "contact",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "l": "content-length",
    "c": "content-type",
    "e": "content-encoding",
    "k": "supported",
    "s": "subject",
}
MAX_HEAD = 65536
_URI_HOST = re.compile(r"(?:sips?|tel):(?:[^@;>\s]*@)?(\[[0-9A-Fa-f:.]+\]|[^:;>\s?]+)(?::(\d+))?", re.I)
_VIA = re.compile(r"SIP\s*/\s*2\.0\s*/\s*\w+\s+(\[[0-9A-Fa-f:.]+\]|[^:;\s,]+)(?::(\d+))?([^,]*)", re.I)
_PARAM = re.compile(r";\s*(received|rport)\s*=\s*([^;\s,]+)", re.I)
_BRANCH = re.compile(r";branch=[^;,\s]*(?=;|\Z)")  # one whose value ends at a ``;`` or the end (``_vias``)
_TAG = re.compile(r";\s*tag\s*=\s*([^;,\s]+)", re.I)
SENDER, PEER, PROXY = "sender", "peer", "proxy"  # owners of a header address; a proxy's is "proxy host:port"


@dataclass(frozen=True, slots=True)
class SipMessage:
    """One message. ``method`` for requests, ``status`` for responses; header names lower-case.
    ``first``: each header's first value by name, as ``parse_sip`` indexes them (``header`` looks
    there when it is given: a message of a capture is asked for six headers or more)."""

    method: str | None
    uri: str | None
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body: bytes
    first: Mapping[str, str] | None = field(default=None, compare=False, repr=False)

    def header(self, name: str) -> str | None:
        if self.first is not None:
            return self.first.get(name)
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    @property
    def summary(self) -> str:
        """``INVITE`` or ``200 (INVITE)``: what the message is, for an origin's detail."""
        if self.method is not None:
            return self.method
        cseq = (self.header("cseq") or "").split()
        return f"{self.status} ({cseq[-1]})" if cseq else str(self.status)

    @property
    def call_id(self) -> str | None:
        return self.header("call-id")

    @property
    def transaction_method(self) -> str | None:
        """The method of the transaction: a request's own, a response's from CSeq (§8.1.1.5)."""
        if self.method is not None:
            return self.method
        cseq = (self.header("cseq") or "").split()
        return cseq[-1] if cseq else None


def is_sip_start(data: bytes) -> bool:
    """Whether ``data`` begins with a SIP request line or status line."""
    end = data.find(b"\n", 0, 2048)
    line = data[: end if end >= 0 else min(len(data), 2048)]
    return START_LINE.match(line) is not None


def parse_sip(data: bytes) -> SipMessage | str:
    """Parse one whole message; a string explains why it is not SIP."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    text = head.decode("utf-8", "replace").replace("\r\n", "\n")
    lines = text.split("\n")
    m = START_LINE.match(lines[0].encode("utf-8", "replace"))
    if m is None:
        return "not a SIP start line"
    if "\n " in text or "\n\t" in text:  # folded lines (§7.3.1): taken one by one
        headers = _headers(lines[1:])
    else:
        parts = [line.partition(":") for line in lines[1:]]
        headers = [(_header_name(name), value.strip()) for name, colon, value in parts if colon]
    method = m.group(1).decode() if m.group(1) else None
    uri = m.group(2).decode("utf-8", "replace") if m.group(2) else None
    status = int(m.group(3)) if m.group(3) else None
    return SipMessage(method, uri, status, tuple(headers), body, dict(reversed(headers)))  # first value wins


def _headers(lines: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (" ", "\t") and out:  # folded continuation (§7.3.1)
            out[-1] = (out[-1][0], out[-1][1] + " " + line.strip())
            continue
        name, colon, value = line.partition(":")
        if not colon:
            continue
        key = name.strip().lower()
        out.append((COMPACT.get(key, key), value.strip()))
    return out


@functools.lru_cache(maxsize=1024)
def _header_name(name: str) -> str:
    """A header's name as ``SipMessage.headers`` holds it: lower-case, compact forms expanded."""
    key = name.strip().lower()
    return COMPACT.get(key, key)


def frame_sip(buf: bytes | bytearray) -> tuple[int, int] | str | None:
    """Find the first message in a stream buffer starting at a start line.

    Returns (head_end, message_end), None when more bytes are needed, or a reason string
    when the head is unusable (too long, bad Content-Length).
    """
    end = buf.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
    if end < 0:
        return "SIP header section longer than 64 KiB" if len(buf) > MAX_HEAD else None
    head = bytes(buf[:end]).decode("latin-1")
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() in ("content-length", "l"):
            number = decimal(value.strip())  # (not int(): "²", 5,000 digits)
            if number is None:
                return f"bad Content-Length {value.strip()!r}"
            length = number
    total = end + 4 + length
    return (end + 4, total) if len(buf) >= total else None


def header_addresses(msg: SipMessage) -> list[tuple[str, str, int | None, str]]:
    """(address, header, port, owner) for every IP literal in Via/Contact/From/To and Via params.

    ``owner`` is ``SENDER`` (the side the message comes from), ``PEER`` (the other side) or
    ``"proxy host:port"`` for a proxy's Via (see the module docstring). What one header value
    holds is read once per distinct value (``_via_entries``, ``_uri_entries``): the messages of
    a call repeat their From, To, Contact and, within a transaction, their Vias."""
    out: list[tuple[str, str, int | None, str]] = []
    request = msg.method is not None
    register = msg.transaction_method == "REGISTER"
    vias = [entry for key, value in msg.headers if key == "via" for entry in _vias(value)]
    last = len(vias) - 1
    for i, (proxy, found) in enumerate(vias):
        owner = (SENDER if request else PEER) if i == last else proxy
        for address, header, port in found:
            out.append((address, header, port, owner))
    owners = {
        "contact": PEER if register and not request else SENDER,
        "from": SENDER if request else PEER,
        "to": (SENDER if request else PEER) if register else (PEER if request else SENDER),
    }
    headers = msg.headers
    for name, owner in owners.items():
        for key, value in headers:
            if key == name:
                for address, header, port in _uri_entries(value, name):
                    out.append((address, header, port, owner))
    return out


Found = tuple[tuple[str, str, int | None], ...]  # (address, header, port) of what a header value exposes


def _vias(value: str) -> tuple[tuple[str, Found], ...]:
    """``_via_entries(value)``, shared by the Vias that differ only in their ``branch`` (each
    transaction has its own; a call repeats its sender's sent-by, ``rport`` and ``received``).

    The branch parameter is left out of the cache key only where that cannot change the result:
    a value of one entry (no comma) whose ``;branch=`` value ends at a ``;`` or at the end, lying
    after the entry's sent-by (``_via_stripped`` checks that). Then the one ``_VIA`` match of the
    value and of the value without it have the same sent-by, and their parameters differ only by
    a ``;branch=...`` that ``_PARAM`` never matches, nor can a ``_PARAM`` match reach across it
    (it ends before a ``;``, which the branch's place still holds after the cut)."""
    m = _BRANCH.search(value) if "," not in value else None
    if m is None:
        return _via_entries(value)
    at = m.start()
    found = _via_stripped(value[:at] + value[m.end() :], at)
    return _via_entries(value) if found is None else found


@functools.lru_cache(maxsize=8192)
def _via_stripped(value: str, at: int) -> tuple[tuple[str, Found], ...] | None:
    """``_via_entries`` of a Via value from which ``_vias`` cut a ``;branch=...`` at ``at``, or
    None when the value's sent-by does not end before ``at`` (the cut might change the result)."""
    m = _VIA.match(value)
    if m is None or m.start(3) > at:
        return None
    return _via_entries(value)


@functools.lru_cache(maxsize=8192)
def _via_entries(value: str) -> tuple[tuple[str, Found], ...]:
    """Per Via entry of one Via value: the owner it names as a proxy (``"proxy host:port"``) and its
    IP literals: sent-by, ``received`` and ``rport`` (in that order, as written)."""
    entries = []
    for m in _VIA.finditer(value):
        found: list[tuple[str, str, int | None]] = []
        _add(found, m.group(1), "Via", m.group(2))
        for name, param in _PARAM.findall(m.group(3)):
            if name.lower() == "received":
                _add(found, param, "Via received", None)
            elif param.isdecimal():
                _add(found, m.group(1), "Via rport", param)
        entries.append((f"{PROXY} {m.group(1)}" + (f":{m.group(2)}" if m.group(2) else ""), tuple(found)))
    return tuple(entries)


@functools.lru_cache(maxsize=8192)
def _uri_entries(value: str, name: str) -> Found:
    """The IP literals of the URIs in one Contact, From or To value (``name``, lower-case)."""
    found: list[tuple[str, str, int | None]] = []
    for m in _URI_HOST.finditer(value):
        _add(found, m.group(1), name.capitalize(), m.group(2))
    return tuple(found)


def header_tag(value: str | None) -> str | None:
    """The ``tag`` parameter of a From or To value (RFC 3261 §19.3): a dialog side's name."""
    return _tag(value) if value else None


@functools.lru_cache(maxsize=8192)
def _tag(value: str) -> str | None:
    """``header_tag`` of a value, once per distinct value (a call's messages repeat From and To)."""
    m = _TAG.search(value[value.rfind(">") + 1 :] if ">" in value else value)
    return m.group(1) if m else None


def _add(out: list[tuple[str, str, int | None]], host: str, where: str, port: str | None) -> None:
    host = host.strip("[]")
    if _is_ip(host):
        out.append((host, where, decimal(port) if port else None))


@functools.lru_cache(maxsize=4096)
def _is_ip(host: str) -> bool:
    """An IP literal? Cached: a capture repeats the same few hosts in every message."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def sdp_body(msg: SipMessage) -> str | None:
    """The SDP carried by a message: an application/sdp body or part of a multipart body."""
    if not msg.body or msg.body.isspace():  # (as ``not body.strip()``, without the copy)
        return None
    raw_type = msg.header("content-type") or ""
    ctype = raw_type.lower()
    if ctype.startswith("multipart/"):
        return _multipart_sdp(raw_type, msg.body)
    if "application/sdp" in ctype or msg.body.lstrip().startswith(b"v=0"):
        return msg.body.decode("utf-8", "replace")
    return None


def _multipart_sdp(ctype: str, body: bytes) -> str | None:
    m = re.search(r'boundary="?([^";]+)"?', ctype, re.I)
    if m is None:
        return None
    for part in body.split(b"--" + m.group(1).encode()):
        head, _, content = part.partition(b"\r\n\r\n")
        if b"application/sdp" in head.lower():
            return content.decode("utf-8", "replace")
    return None
