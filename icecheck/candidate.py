"""The ICE candidate grammar (RFC 8839 §5.1): strict parsing with precise diagnostics.

Contract:

* ``parse_candidate`` accepts ``a=candidate:``, ``candidate:`` and bare text, with at most one
  trailing CRLF or LF. It returns a ``model.Candidate`` or raises ``CandidateSyntaxError``
  naming the offending token, the reason and its 0-based column in the text given.
* ``format_candidate`` writes canonical ``candidate:...`` text that parses back to an equal
  ``Candidate`` (``raw`` aside).
* ``decode_priority`` splits a priority per RFC 8445 §5.1.2.1 and libwebrtc's layout.

Choices where peers disagree are recorded in ``docs/conformance.md``. In short: tokens are
separated by single spaces (two spaces = an empty value, as pion reads them); a trailing
extension name without a value has the value ``""``; the foundation may be empty but otherwise
is 1*32 ice-char; transports are udp, tcp and legacy ssltcp; types are host, srflx, prflx and
relay; ``raddr`` is kept opaque (it never decides connectivity, and rejecting it would hide the
candidate's own address from the audit); an IPv6 zone id (``%eth0``) stays in ``address``
because the interface name is itself a leak.
"""

from __future__ import annotations

import re
from socket import AF_INET, AF_INET6, inet_pton

from icecheck.model import Candidate, PriorityInfo

_PREFIXES = (("a=candidate:", 12), ("candidate:", 10))
_HEAD = ("foundation", "component", "transport", "priority", "address", "port", "'typ'", "type")
_TRANSPORTS = frozenset({"udp", "tcp", "ssltcp"})  # ssltcp: legacy Chrome, still parsed by libwebrtc
_FAST_TRANSPORTS = frozenset({"udp", "UDP", "tcp", "TCP"})
_TYPES = frozenset({"host", "srflx", "prflx", "relay"})
_TCPTYPES = frozenset({"active", "passive", "so"})  # RFC 6544 §4.5
_NUMERIC = frozenset({"rport", "generation", "network-id", "network-cost"})
_KNOWN = frozenset({"raddr", "tcptype", "ufrag"}) | _NUMERIC
_ICE_CHARS = re.compile(r"[A-Za-z0-9+/]{1,32}")  # RFC 8839 §5.1 ice-char
_HOSTNAME = re.compile(r"(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}\.?")
_U32 = 0xFFFFFFFF


class CandidateSyntaxError(ValueError):
    """A candidate string that breaks the grammar: ``reason``, offending ``token`` and ``column``."""

    def __init__(self, reason: str, token: str | None, column: int) -> None:
        self.reason = reason
        self.token = token
        self.column = column
        where = f"{token!r} at column {column}" if token is not None else f"column {column}"
        super().__init__(f"bad candidate, {where}: {reason}")


class _Bad(Exception):
    """Internal: a reason and the index of the token (``len(tokens)`` = end of text)."""

    def __init__(self, reason: str, index: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.index = index


def parse_candidate(text: str) -> Candidate:
    """Parse one candidate; raise ``CandidateSyntaxError`` on the first violation, left to right."""
    fast = _parse_fast(text)
    if fast is not None:
        return fast
    start, body = _unframe(text)
    tokens = body.split(" ")
    try:
        return _parse_tokens(tokens, text)
    except _Bad as bad:
        token = tokens[bad.index] if bad.index < len(tokens) else None
        column = start + sum(len(t) + 1 for t in tokens[: bad.index]) - (token is None)
        raise CandidateSyntaxError(bad.reason, token, column) from None


def _parse_fast(text: str) -> Candidate | None:
    """The common clean line, checked inline; ``None`` defers to the full parser.

    Accepts a subset of what ``_parse_tokens`` accepts and returns an equal ``Candidate``
    (a property test checks this). It exists because parsing speed matters for captures.
    """
    body = text[10:] if text.startswith("candidate:") else text[12:] if text.startswith("a=candidate:") else text
    if not (body.isascii() and body.isprintable()):
        return None
    t = body.split(" ")
    n = len(t)
    if n < 8 or n % 2 or t[6] != "typ" or t[7] not in _TYPES or t[2] not in _FAST_TRANSPORTS:
        return None
    f, comp, transport, pri, addr, port = t[:6]
    if not (f.isalnum() and len(f) <= 32 and comp.isdigit() and len(comp) <= 5 and pri.isdigit()):
        return None
    if not (len(pri) <= 10 and int(pri) <= _U32 and port.isdigit() and len(port) <= 5 and int(port) <= 65535):
        return None
    if not _fast_address(addr):
        return None
    raddr = rport = tcptype = gen = ufrag = net_id = cost = None
    ext: list[tuple[str, str]] = []
    for i in range(8, n, 2):
        name, value = t[i], t[i + 1]
        if name == "generation" and gen is None and value.isdigit() and len(value) < 10:
            gen = int(value)
        elif name == "ufrag" and ufrag is None:
            ufrag = value
        elif name == "network-id" and net_id is None and value.isdigit() and len(value) < 10:
            net_id = int(value)
        elif name == "network-cost" and cost is None and value.isdigit() and len(value) < 10:
            cost = int(value)
        elif name == "raddr" and raddr is None and value[:1] not in ("", "["):
            raddr = value
        elif name == "rport" and rport is None and value.isdigit() and len(value) <= 5 and int(value) < 65536:
            rport = int(value)
        elif name == "tcptype" and tcptype is None and value in _TCPTYPES:
            tcptype = value
        elif name and name.lower() not in _KNOWN:
            ext.append((name, value))
        else:
            return None
    return Candidate(
        f, int(comp), transport, int(pri), addr, int(port), t[7],
        raddr, rport, tcptype, gen, ufrag, net_id, cost, tuple(ext), text,
    )  # fmt: skip


def _fast_address(a: str) -> bool:
    if ":" in a:
        return _is_ip(AF_INET6, a)
    if a[-1:].isdigit():
        return _is_ip(AF_INET, a)
    return a[-1:] != "." and _HOSTNAME.fullmatch(a) is not None


def _unframe(text: str) -> tuple[int, str]:
    """Strip the prefix, one trailing (CR)LF and trailing spaces; reject control characters."""
    start = next((n for prefix, n in _PREFIXES if text.startswith(prefix)), 0)
    end = len(text) - (2 if text.endswith("\r\n") else 1 if text.endswith("\n") else 0)
    body = text[start:end]
    if not body.isprintable():
        at = next(i for i, ch in enumerate(body) if not ch.isprintable())
        chunk = body[body.rfind(" ", 0, at) + 1 :].split(" ", 1)[0]
        reason = f"control or non-printable character U+{ord(body[at]):04X} is not allowed"
        raise CandidateSyntaxError(reason, chunk, start + at)
    body = body.rstrip(" ")
    if not body:
        raise CandidateSyntaxError("empty candidate", None, start)
    return start, body


def _parse_tokens(t: list[str], raw: str) -> Candidate:
    """The full parser: validates everything, left to right, raising ``_Bad`` with a token index."""
    _check_head(t)
    if len(t) < 8:
        raise _Bad(f"missing {_HEAD[len(t)]}", len(t))
    ext: list[tuple[str, str]] = []
    known = _extensions(t, ext)
    return Candidate(
        foundation=t[0], component=int(t[1]), transport=t[2], priority=int(t[3]),
        address=_unbracket(t[4]), port=int(t[5]), type=t[7].lower(),
        related_address=known.get("raddr"), related_port=_int(known.get("rport")),
        tcptype=known.get("tcptype"), generation=_int(known.get("generation")), ufrag=known.get("ufrag"),
        network_id=_int(known.get("network-id")), network_cost=_int(known.get("network-cost")),
        extensions=tuple(ext), raw=raw,
    )  # fmt: skip


def _int(value: str | None) -> int | None:
    return None if value is None else int(value)


def _check_head(t: list[str]) -> None:
    """Validate the positional fields that are present (RFC 8839 §5.1), in order."""
    n = len(t)
    f = t[0]
    if f and not (len(f) <= 32 and f.isascii() and (f.isalnum() or _ICE_CHARS.fullmatch(f))):
        raise _Bad(_foundation_reason(f), 0)
    if n > 1:
        _digits(t, 1, 5, 99999, "component")
    if n > 2 and t[2] not in _TRANSPORTS and t[2].lower() not in _TRANSPORTS:
        raise _Bad(f"unknown transport {t[2]!r} (udp, tcp or ssltcp)", 2)
    if n > 3:
        _digits(t, 3, 10, _U32, "priority")
    if n > 4:
        _check_address(t[4], 4)
    if n > 5:
        _digits(t, 5, 5, 65535, "port")
    if n > 6 and t[6] != "typ" and t[6].lower() != "typ":
        raise _Bad(f"expected 'typ' before the candidate type, found {t[6]!r}", 6)
    if n > 7 and t[7] not in _TYPES and t[7].lower() not in _TYPES:
        raise _Bad(f"unknown candidate type {t[7]!r} (host, srflx, prflx or relay)", 7)


def _foundation_reason(f: str) -> str:
    if len(f) > 32:
        return f"foundation has {len(f)} characters, at most 32 allowed"
    bad = next(ch for ch in f if not ("+/".find(ch) >= 0 or (ch.isascii() and ch.isalnum())))
    hint = " (unknown prefix?)" if bad in ":=" else ""
    return f"foundation contains {bad!r}, not an ice-char (ALPHA / DIGIT / '+' / '/'){hint}"


def _digits(t: list[str], i: int, width: int, limit: int, what: str) -> None:
    tok = t[i]
    if not (0 < len(tok) <= width and tok.isdigit() and tok.isascii()):
        raise _Bad(f"{what} must be 1 to {width} digits, found {tok!r}", i)
    if int(tok) > limit:
        raise _Bad(f"{what} {tok} is out of range 0-{limit}", i)


def _check_address(a: str, i: int) -> None:
    """IPv4 dotted quad, IPv6 (optionally [bracketed], optionally with a %zone) or a host name."""
    if ":" in a:
        _check_ipv6(a, i)
    elif a[-1:].isdigit() and _is_ip(AF_INET, a):
        return
    elif a.replace(".", "").isdigit() or not _HOSTNAME.fullmatch(a):
        raise _Bad(f"{a!r} is neither an IP address nor a host name" if a else "empty address", i)


def _check_ipv6(a: str, i: int) -> None:
    lit = _unbracket(a)
    addr, pct, zone = lit.partition("%")
    if "[" in lit or "]" in lit:
        raise _Bad(f"unbalanced brackets in {a!r}", i)
    if pct and not zone:
        raise _Bad("empty IPv6 zone id after '%'", i)
    if not _is_ip(AF_INET6, addr):
        raise _Bad(f"{addr!r} is not a valid IPv6 address", i)


def _unbracket(a: str) -> str:
    return a[1:-1] if a[:1] == "[" and a[-1:] == "]" else a


def _is_ip(family: int, a: str) -> bool:
    # inet_pton is strict (no leading zeros, no short forms) on glibc, musl and BSD, and fast.
    try:
        inet_pton(family, a)
    except OSError:
        return False
    return True


def _extensions(t: list[str], ext: list[tuple[str, str]]) -> dict[str, str]:
    """Read name/value pairs after ``typ``; known ones go to the returned dict, others to ``ext``."""
    known: dict[str, str] = {}
    n = len(t)
    for i in range(8, n, 2):
        name = t[i]
        value = t[i + 1] if i + 1 < n else ""
        key = name if name in _KNOWN else name.lower()
        if key not in _KNOWN:
            if not name:
                raise _Bad("empty extension name (two spaces in a row?)", i)
            ext.append((name, value))
        elif key in known:
            raise _Bad(f"{key} given twice", i)
        else:
            known[key] = _known_value(key, value, t, i + 1)
    return known


def _known_value(key: str, value: str, t: list[str], i: int) -> str:
    if key in _NUMERIC:
        if i == len(t):
            raise _Bad(f"{key} needs a value", i)
        _digits(t, i, 5 if key == "rport" else 10, 65535 if key == "rport" else _U32, key)
    elif key == "raddr":
        if not value:
            raise _Bad("raddr needs an address", i)
        return _unbracket(value)
    elif key == "tcptype" and value.lower() not in _TCPTYPES:
        raise _Bad(f"tcptype must be active, passive or so, found {value!r}", min(i, len(t)))
    return value


def format_candidate(c: Candidate) -> str:
    """Canonical text: head, raddr/rport/tcptype (RFC 8839 order), Chrome's extensions, then the rest."""
    parts = [f"candidate:{c.foundation} {c.component} {c.transport} {c.priority} {c.address} {c.port} typ {c.type}"]
    for name, value in (
        ("raddr", c.related_address), ("rport", c.related_port), ("tcptype", c.tcptype),
        ("generation", c.generation), ("ufrag", c.ufrag), ("network-id", c.network_id),
        ("network-cost", c.network_cost),
    ):  # fmt: skip
        if value is not None:
            parts.append(f"{name} {value}")
    parts.extend(f"{name} {value}" for name, value in c.extensions)
    return " ".join(parts).rstrip(" ")


# libwebrtc IPAddressPrecedence (rtc_base/ip_address.cc): the low byte of local_pref.
_ADDRESS_FAMILIES = {30: "ipv4", 50: "ipv6-ula", 20: "6to4", 10: "teredo", 40: "ipv6"}
# libwebrtc classic relay type preferences: client-to-TURN transport.
_RELAY_PROTOCOLS = {2: "udp", 1: "tcp", 0: "tls"}


def decode_priority(priority: int, type: str, address_hint: str | None = None) -> PriorityInfo:
    """Split a priority (RFC 8445 §5.1.2.1: 2^24·type_pref + 2^8·local_pref + 256 − component).

    libwebrtc fields (interface rank, address preference and family) are filled only when the
    low byte of local_pref is one of libwebrtc's address precedences and does not contradict
    ``address_hint`` (the candidate's address, if an IP literal). ``relay_protocol`` is set for
    relay candidates whose type preference is a classic libwebrtc relay value (2/1/0).
    """
    if not 0 <= priority <= _U32:
        raise ValueError(f"priority {priority} is out of range 0-{_U32}")
    type_pref, local_pref, component = priority >> 24, (priority >> 8) & 0xFFFF, 256 - (priority & 0xFF)
    relay = _RELAY_PROTOCOLS.get(type_pref) if type.lower() == "relay" else None
    family = _ADDRESS_FAMILIES.get(local_pref & 0xFF)
    if family is None or _contradicts(family, address_hint):
        return PriorityInfo(type_pref, local_pref, component, relay_protocol=relay)
    return PriorityInfo(type_pref, local_pref, component, local_pref >> 8, local_pref & 0xFF, family, relay)


def _contradicts(family: str, hint: str | None) -> bool:
    """True when an IP-literal hint has the other address family (IPv4-mapped IPv6 counts as IPv4)."""
    if not hint or not (":" in hint or hint.replace(".", "").isdigit()):
        return False  # no hint, or a host name (mDNS): nothing to check against
    is_v4 = ":" not in hint or hint.lower().startswith(("::ffff:", "[::ffff:"))
    return is_v4 != (family == "ipv4")
