"""The ICE candidate grammar (RFC 8839 §5.1): strict parsing with precise diagnostics. Pure.

``parse_candidate`` takes ``a=candidate:``, ``candidate:`` or bare text with at most one trailing
(CR)LF and returns a ``model.Candidate`` or raises ``CandidateSyntaxError`` (token, reason, 0-based
column). ``format_candidate`` writes canonical text that parses back to an equal ``Candidate``
(``raw`` aside). ``decode_priority`` splits a priority (RFC 8445 §5.1.2.1, libwebrtc layout).
Choices where peers disagree are argued in ``docs/conformance.md``; in short: single-space tokens
(two spaces = an empty value), an empty foundation is allowed, udp/tcp/ssltcp, four types,
``raddr`` is any non-empty token, and an IPv6 zone id (``%eth0``) stays in ``address``.
A candidate longer than ``MAX_LENGTH`` characters is refused: each distinct candidate is held with
its text (twice, ``raw`` and ``extensions``), up to ``limits.IN_MEMORY`` of them in memory, so a
longer one let 200 lines of a megabyte peak at 431 MB, 810 MB with two jobs (issue 11: 300 MB).
"""

from __future__ import annotations

import re
from _socket import AF_INET, AF_INET6, inet_pton  # not `socket`: its import costs ~2 ms per run
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from icecheck.model import Candidate, PriorityInfo

_HEAD = ("foundation", "component", "transport", "priority", "address", "port", "'typ'", "type")
_TRANSPORTS = frozenset({"udp", "tcp", "ssltcp"})  # ssltcp: legacy Chrome, still parsed by libwebrtc
_TYPES = frozenset({"host", "srflx", "prflx", "relay"})
_TCPTYPES = frozenset({"active", "passive", "so"})  # RFC 6544 §4.5
_KNOWN = frozenset({"raddr", "rport", "tcptype", "generation", "ufrag", "network-id", "network-cost"})
_ICE_CHARS = re.compile(r"[A-Za-z0-9+/]{1,32}")  # RFC 8839 §5.1 ice-char
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"  # RFC 1123 §2.1 LDH label
_HOSTNAME = re.compile(rf"(?=.{{1,253}}$)(?:{_LABEL}\.)*{_LABEL}\.?")
_U32 = 0xFFFFFFFF
# The longest candidate read (trailing CRLF included): every field at its longest but the address
# (a 32-character foundation, two IPv6 addresses with zones, a 256-character ufrag, each known
# extension) is some 530 characters. 48,000 held candidates of 640 characters peak at 254 MB with
# the default --jobs (a worker's items are shipped pickled), 235 MB with --jobs 1; of 1,024
# characters at 338 and 268 MB (benchmarks/bench_party.py --shape wide).
MAX_LENGTH = 640


class CandidateSyntaxError(ValueError):
    """A candidate that breaks the grammar: ``reason``, offending ``token`` (None at the end), ``column``."""

    def __init__(self, reason: str, token: str | None, column: int) -> None:
        self.reason, self.token, self.column = reason, token, column
        where = f"token {token!r}, column {column}" if token is not None else f"column {column}"
        super().__init__(f"{reason} ({where})")


class _Bad(Exception):
    """Internal: a reason and the index of the token (``len(tokens)`` = the end of the text)."""

    def __init__(self, reason: str, index: int) -> None:
        super().__init__(reason)
        self.reason, self.index = reason, index


# parse_candidate is the hot loop of every capture reader, hence one function on purpose: a
# clean, common line is checked inline (a call costs as much as a check). Anything unusual goes
# to _parse_full, which checks everything and explains errors. Tests check both agree.
_COMPONENTS = {"1": 1, "2": 2}
_FAST_TRANSPORTS = frozenset({"udp", "UDP", "tcp", "TCP"})
_MDNS = re.compile(rf"{_LABEL}\.local").fullmatch  # RFC 8828 mDNS name: <uuid>.local
_SMALL: dict[str | None, int | None] = {str(i): i for i in range(1000)}  # generation, network-id/cost
_SMALL[None] = None  # absent
_TCPTYPE_OR_NONE = frozenset({*_TCPTYPES, None})
_EXT_ORDER = ("raddr", "rport", "tcptype", "generation", "ufrag", "network-id", "network-cost")
_Pick = Callable[[list[Any]], Any]
_PLANS: dict[str, _Pick] = {}  # extension layouts: a few per implementation
_MAX_PLANS = 4096
# A bounded memo of priorities: an agent uses a handful (RFC 8445 §5.1.2.1: type preference,
# local preference, component), and a dict hit costs a fraction of checking and converting.
_PRIORITIES: dict[str, int] = {}
_MAX_PRIORITIES = 8192
# A bounded memo of extension tails (all the text after the type) that passed the checks: an
# agent repeats them (a host candidate's "generation 0 ufrag EsXb network-id 1 network-cost 10"),
# and one hit replaces the plan lookup, the picking and the checks. Only short tails without a
# related address are kept (raddr/rport differ from one candidate to the next).
_Extensions = tuple[str | None, int | None, str | None, int | None, str | None, int | None, int | None]
_TAILS: dict[str, _Extensions] = {}
_MAX_TAILS = 4096
_MAX_TAIL = 160
_PREFIXES = frozenset({"candidate", "a=candidate"})


def parse_candidate(text: str) -> Candidate:
    """Parse one candidate; raise ``CandidateSyntaxError`` at the first violation, left to right
    (first, a text longer than ``MAX_LENGTH``: its tokens are not read)."""
    if len(text) > MAX_LENGTH:
        raise CandidateSyntaxError(
            f"candidate longer than {MAX_LENGTH} characters, the most icecheck reads: not audited", None, MAX_LENGTH
        )
    t = text.split(" ", 8)  # the eight head tokens, then the extensions as one string
    if len(t) < 8 or not text.isascii():
        return _parse_full(text)  # isascii is O(1) and keeps isdigit/isalnum below ASCII-only
    # Every token gets a test that admits no control character (digits, letters, a set, an
    # address check, a dict of small numbers); only the free-form ones (raddr, ufrag) need
    # isprintable, cheaper on them than on the whole line.
    f = t[0]
    comp = t[1]
    transport = t[2]
    pri = t[3]
    addr = t[4]
    port = t[5]
    typ_literal = t[6]
    typ = t[7]
    if not f.isalnum():
        prefix, _, f = f.partition(":")
        if prefix not in _PREFIXES or not f.isalnum():
            return _parse_full(text)
    priority = _PRIORITIES.get(pri)
    if priority is None:  # a new one: check it, and remember it while there is room
        if not (pri.isdigit() and len(pri) <= 10) or (value := int(pri)) > _U32:
            return _parse_full(text)
        priority = value
        if len(_PRIORITIES) < _MAX_PRIORITIES:
            _PRIORITIES[pri] = value
    if (
        len(f) > 32
        or not port.isdigit()
        or typ_literal != "typ"
        or typ not in _TYPES
        or transport not in _FAST_TRANSPORTS
    ):
        return _parse_full(text)
    try:  # one handler for the failed checks below: KeyError from a dict, OSError from inet_pton...
        component = _COMPONENTS[comp]
        if (port_n := int(port)) > 65535:  # ValueError: over 4300 digits
            return _parse_full(text)
        if ":" in addr:
            inet_pton(AF_INET6, addr)
        elif addr[-1] <= "9":  # IndexError: empty
            inet_pton(AF_INET, addr)
        elif not _MDNS(addr) and not _HOSTNAME.fullmatch(addr):
            return _parse_full(text)
        if len(t) == 8:
            raddr = rport = tcptype = ufrag = gen = net_id = cost = None
        elif (known := _TAILS.get(tail := t[8])) is not None:
            raddr, rport, tcptype, gen, ufrag, net_id, cost = known
        else:
            e = tail.split(" ")
            if len(e) & 1:  # a trailing name without a value
                return _parse_full(text)
            pick = _PLANS.get(names := " ".join(e[::2])) or _plan(names)
            if pick is None:
                return _parse_full(text)
            e.append(None)  # type: ignore[arg-type]  # what the plan picks for an absent name
            raddr, rport, tcptype, gen, ufrag, net_id, cost = pick(e)
            gen, net_id, cost = _SMALL[gen], _SMALL[net_id], _SMALL[cost]
            if rport is not None and (not rport.isdigit() or (rport := int(rport)) > 65535):
                return _parse_full(text)
            if tcptype not in _TCPTYPE_OR_NONE or not (ufrag is None or ufrag.isprintable()):
                return _parse_full(text)
            if raddr is not None and (raddr[0] == "[" or not raddr.isprintable()):  # IndexError: empty
                return _parse_full(text)
            if raddr is None and len(tail) <= _MAX_TAIL and len(_TAILS) < _MAX_TAILS:
                _TAILS[tail] = (raddr, rport, tcptype, gen, ufrag, net_id, cost)
    except CandidateSyntaxError:
        raise  # from a _parse_full above, which has answered: not a second time
    except (KeyError, ValueError, OSError, IndexError):
        return _parse_full(text)
    return Candidate(
        f, component, transport, priority, addr, port_n, typ, raddr, rport, tcptype, gen, ufrag, net_id, cost, (), text
    )


def _plan(layout: str) -> _Pick | None:
    """How the fast path picks the extensions named in ``layout`` out of ``extension tokens + [None]``.

    ``layout`` is the names joined by spaces (one string hashes faster than a tuple). The result
    gives the seven values of ``_EXT_ORDER``, None where absent. None: leave the line to
    ``_parse_full``, when a name is not one of the seven as written or comes twice (unknown
    extensions are rare: one line in the 526 of samples/ and the peer vectors).
    """
    names = layout.split(" ")
    if not _KNOWN.issuperset(names) or len(set(names)) != len(names):
        return None
    absent = 2 * len(names)
    where = {name: 1 + 2 * i for i, name in enumerate(names)}
    pick = itemgetter(*(where.get(name, absent) for name in _EXT_ORDER))
    if len(_PLANS) < _MAX_PLANS:  # a few layouts per implementation; at most 13699 exist
        _PLANS[layout] = pick
    return pick


def _parse_full(text: str) -> Candidate:
    """Check everything, left to right; raise at the first violation with its token and column."""
    start, body = _unframe(text)
    tokens = body.split(" ")
    try:
        return _parse_tokens(tokens, text)
    except _Bad as bad:
        token = tokens[bad.index] if bad.index < len(tokens) else None
        column = start + sum(len(t) + 1 for t in tokens[: bad.index]) - (token is None)
        raise CandidateSyntaxError(bad.reason, token, column) from None


def _unframe(text: str) -> tuple[int, str]:
    """Strip the prefix, one trailing (CR)LF and trailing spaces; reject control characters."""
    start = 12 if text.startswith("a=candidate:") else 10 if text.startswith("candidate:") else 0
    body = text[start : len(text) - (2 if text.endswith("\r\n") else text.endswith("\n"))]
    if not body.isprintable():
        at = next(i for i, ch in enumerate(body) if not ch.isprintable())
        token = body[body.rfind(" ", 0, at) + 1 :].split(" ", 1)[0]
        reason = f"control or non-printable character U+{ord(body[at]):04X}"
        if body[at] in "\r\n":
            reason = "line break inside the candidate (only one trailing CRLF or LF is allowed)"
        raise CandidateSyntaxError(reason, token, start + at)
    body = body.rstrip(" ")
    if not body:
        raise CandidateSyntaxError("empty candidate", None, start)
    return start, body


def _parse_tokens(t: list[str], raw: str) -> Candidate:
    _check_head(t)
    if len(t) < 8:
        raise _Bad(f"missing {_HEAD[len(t)]}", len(t))
    ext: list[tuple[str, str]] = []
    known = _extensions(t, ext)
    num = {k: _int(known[k]) if k in known else None for k in ("rport", "generation", "network-id", "network-cost")}
    return Candidate(
        foundation=t[0], component=_int(t[1]), transport=t[2], priority=_int(t[3]), address=_unbracket(t[4]),
        port=_int(t[5]), type=t[7].lower(), related_address=known.get("raddr"), related_port=num["rport"],
        tcptype=known.get("tcptype"), generation=num["generation"], ufrag=known.get("ufrag"),
        network_id=num["network-id"], network_cost=num["network-cost"], extensions=tuple(ext), raw=raw,
    )  # fmt: skip


def _check_head(t: list[str]) -> None:
    """Validate the positional fields present (RFC 8839 §5.1), in order."""
    n, f = len(t), t[0]
    if f and not (len(f) <= 32 and f.isascii() and (f.isalnum() or _ICE_CHARS.fullmatch(f))):
        raise _Bad(_foundation_reason(f), 0)
    if n > 1:
        _digits(t, 1, 5, 99999, "component")
    if n > 2 and t[2] not in _TRANSPORTS and t[2].lower() not in _TRANSPORTS:
        raise _Bad("unknown transport (udp, tcp or ssltcp)", 2)
    if n > 3:
        _digits(t, 3, 10, _U32, "priority")
    if n > 4:
        _check_address(t[4], 4)
    if n > 5:
        _digits(t, 5, None, 65535, "port")  # RFC 4566 port = 1*DIGIT
    if n > 6 and t[6].lower() != "typ":
        raise _Bad("expected 'typ' before the candidate type", 6)
    if n > 7 and t[7].lower() not in _TYPES:
        raise _Bad("unknown candidate type (host, srflx, prflx or relay)", 7)


def _foundation_reason(f: str) -> str:
    if len(f) > 32:
        return f"foundation has {len(f)} characters, at most 32 allowed"
    bad = next(ch for ch in f if not (ch in "+/" or (ch.isascii() and ch.isalnum())))
    hint = " (unknown prefix?)" if bad in ":=" else ""
    return f"foundation contains {bad!r}, not an ice-char (ALPHA / DIGIT / '+' / '/'){hint}"


def _digits(t: list[str], i: int, width: int | None, limit: int, what: str) -> None:
    """``t[i]`` is 1*width ASCII digits (any number if ``width`` is None) and at most ``limit``."""
    tok = t[i] if i < len(t) else ""
    if not (tok.isdigit() and tok.isascii()):
        raise _Bad(f"{what} must be a decimal number" if tok else f"{what} needs a value", i)
    significant = tok if len(tok) <= 10 else tok.lstrip("0") or "0"  # limit < 10**10
    if len(significant) > 10 or int(significant) > limit:
        raise _Bad(f"{what} {_abbreviate(tok)} is out of range 0-{limit}", i)
    if width is not None and len(tok) > width:
        raise _Bad(f"{what} has {len(tok)} digits, at most {width} allowed", i)


def _int(digits: str) -> int:
    """``int`` of checked digits; int() refuses over 4300 digits, leading zeros included."""
    return int(digits) if len(digits) <= 4300 else int(digits.lstrip("0") or "0")


def _abbreviate(tok: str) -> str:
    return tok if len(tok) <= 40 else f"{tok[:20]}...({len(tok)} digits)"


def _check_address(a: str, i: int) -> None:
    """IPv4, IPv6 (optionally [bracketed], optionally with a %zone) or a host name."""
    if ":" in a:
        ip, pct, zone = _unbracket(a).partition("%")
        if "[" in ip + zone or "]" in ip + zone:
            raise _Bad("unbalanced brackets around the IPv6 address", i)
        if not _is_ip(ip) or (pct and not zone):
            raise _Bad("not a valid IPv6 address" + (" (empty zone id)" if pct and not zone else ""), i)
    elif not (a[-1:].isdigit() and _is_ip(a)) and (a.replace(".", "").isdigit() or not _HOSTNAME.fullmatch(a)):
        raise _Bad("address is neither an IP literal nor a host name" if a else "empty address", i)


def _unbracket(a: str) -> str:
    return a[1:-1] if a[:1] == "[" and a[-1:] == "]" else a


def _is_ip(a: str) -> bool:
    """An IP literal per inet_pton: fast, and strict (no leading zeros, no short IPv4) on glibc/musl/BSD."""
    try:
        inet_pton(AF_INET6 if ":" in a else AF_INET, a)
    except (OSError, ValueError):  # ValueError: embedded NUL
        return False
    return True


def _extensions(t: list[str], ext: list[tuple[str, str]]) -> dict[str, str]:
    """Name/value pairs after the type: known ones (checked) into the result, others into ``ext``."""
    known: dict[str, str] = {}
    for i in range(8, len(t), 2):
        name, value = t[i], t[i + 1] if i + 1 < len(t) else ""
        key = name.lower()  # RFC 8839 literals (raddr, rport, tcptype) are case-insensitive
        if key not in _KNOWN:
            if not name:
                raise _Bad("empty extension name (two spaces in a row?)", i)
            ext.append((name, value))
        elif key in known:
            raise _Bad(f"{key} given twice", i)
        else:
            _check_known(key, value, t, i + 1)
            known[key] = _unbracket(value) if key == "raddr" else value
    return known


def _check_known(key: str, value: str, t: list[str], i: int) -> None:
    if key in ("rport", "generation", "network-id", "network-cost"):
        _digits(t, i, None, 65535, key) if key == "rport" else _digits(t, i, 10, _U32, key)
    elif key == "raddr" and not value:
        raise _Bad("raddr needs an address", i)
    elif key == "tcptype" and value.lower() not in _TCPTYPES:
        raise _Bad("tcptype must be active, passive or so", i)


def format_candidate(c: Candidate) -> str:
    """Canonical text: the head, raddr/rport/tcptype (RFC 8839 order), Chrome's extensions, the rest."""
    known = (("raddr", c.related_address), ("rport", c.related_port), ("tcptype", c.tcptype),
             ("generation", c.generation), ("ufrag", c.ufrag), ("network-id", c.network_id),
             ("network-cost", c.network_cost))  # fmt: skip
    head = f"candidate:{c.foundation} {c.component} {c.transport} {c.priority} {c.address} {c.port} typ {c.type}"
    tail = [f"{name} {value}" for name, value in known if value is not None]
    return " ".join([head, *tail, *(f"{name} {value}" for name, value in c.extensions)]).rstrip(" ")


# libwebrtc IPAddressPrecedence (rtc_base/ip_address.cc) is the low byte of local_pref.
_ADDRESS_FAMILIES = {30: "ipv4", 50: "ipv6-ula", 20: "6to4", 10: "teredo", 40: "ipv6"}
# Classic libwebrtc relay type preferences tell the client-to-TURN transport.
_RELAY_PROTOCOLS = {2: "udp", 1: "tcp", 0: "tls"}


def decode_priority(priority: int, type: str, address_hint: str | None = None) -> PriorityInfo:
    """Split a priority: RFC 8445 §5.1.2.1, ``2^24*type_pref + 2^8*local_pref + (256 - component)``.

    The libwebrtc fields (interface rank, address preference, family) are filled only when the
    low byte of local_pref is a libwebrtc address precedence and does not contradict
    ``address_hint`` (the candidate's address, if an IP literal). ``relay_protocol`` is set for
    relay candidates whose type preference is a classic libwebrtc relay value (2, 1, 0).
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
    """An IP-literal hint of the other family (IPv4-mapped IPv6 counts as IPv4); names never do."""
    if not hint or not (":" in hint or hint.replace(".", "").isdigit()):
        return False
    is_v4 = ":" not in hint or hint.lower().lstrip("[").startswith("::ffff:")
    return is_v4 != (family == "ipv4")
