"""Redaction of text (SDP, SIP, logs, decoded JSON strings, payloads read as Latin-1).

One left-to-right scan finds IPv6 literals (validated with ``ipaddress``; a colon-hex token
that is not an address may be a MAC), IPv4 literals, dashed MACs and ``.local`` names, and
replaces each through ``StandIns``. ``scan_originals`` is the first pass that reserves every
original address. With ``scrub`` set, ICE credentials (RFC 8839 §5.4 ``a=ice-ufrag``/
``a=ice-pwd``, candidate ``ufrag``), DTLS fingerprints (RFC 8122 §5) and SDES keys (RFC 4568
§6.1 ``inline:``) are replaced by random values of the same shape (``StandIns.secret``: derived
from the value with the run's key); a secret is replaced wherever it appears again as a token
(STUN USERNAME ``remote:local``, JSON fields): ``learn_secrets`` learns them all in the first pass.
Before that scan, every base64 token whose decoding is text (the output check reads it: ``selfcheck``)
is decoded, redacted the same way and encoded again (``_base64_token``), as deep as the check reads;
base64 wrapped over lines first, each run whole (``wrapped.redact_wrapped``). A run of address
characters holding percent escapes is decoded, redacted and encoded again (``_percent_run``), as deep as
the check decodes (twice: ``%25xx``).
"""

from __future__ import annotations

import base64
import contextlib
import heapq
import ipaddress
import json
import re
import string
from collections.abc import Iterator
from itertools import chain

from icecheck.redact.colonrun import each_run
from icecheck.redact.selfcheck import (
    B64_DEPTH,
    B64_RUN,
    PCAP_MAGICS,
    PERCENT_ESCAPE,
    V6_RUN,
    VERSION_BEFORE,
    VIEW_LAYERS,
    b64_decode,
    decodings,
    is_binary,
    percent_decoded,
    v6_reading_spans,
)
from icecheck.redact.standins import ANCHOR, SECRET_RUN_CHARS, StandIns, parse_address

# An address may follow any non-address character: a ``name:`` prefix, ``%3D``, a path segment, the
# end of a Via branch; a colon-hex run is taken whole from its first hex digit (``note:2001::`` as
# ``e:2001::``: more is replaced, never less). A colon-hex run that continues a longer one (``…:c2:df``
# of a DTLS fingerprint) is not a start. Zero-padded IPv4 counts. ``product/1.2.3.4`` versions are
# skipped in ``_replace``. (Not tried again from the third colon of a run: that start fails as the
# one before it did; and one quantifier over the run, not two that split it every way: a run of 500
# colons before a letter took seconds, 3,000 took minutes. The matches are the same.) A run is read
# 64 characters at most: "1::" is a start at each repeat, and each start read the rest of the run
# (30 KB of "1::" before a letter took 7 s). No address is longer (45 characters and a zone), and a
# run of more was never replaced whole; now a part of it may be. Runs of 64 or less match as before
# (400,000 random strings compared). A run may be followed by a letter that is not a hex digit
# (``2a00:1450::1x``, ``D6:4F:EF:48:EA:71:sip``), as the output check's ``_V6`` and ``_MAC`` allow:
# such a run was left whole and the check, reading the address in it, refused the output.
# (``SdpType::kOffer`` reads as ``e::`` to both: an address of 0000::/8 with no IPv4 inside, which
# names nothing and is kept by both, ``selfcheck.reserved_v6``.)
_V6 = (
    r"(?<![0-9A-Fa-f])(?<![0-9A-Fa-f]:)(?<![^0-9A-Fa-f]::)(?<!^::)"
    r"(?=[0-9A-Fa-f:]{0,64}:[0-9A-Fa-f:]{0,64}:)[0-9A-Fa-f:.]{0,64}(?:%[\w.-]+)?(?![0-9A-Fa-f:])"
)
# A dotted quad as the output check reads one (``selfcheck._V4``): after a dot too (``host.10.1.2.3``),
# and before ``.`` and a digit (tcpdump's ``10.1.2.3.5060``, address and port): both were left and refused.
_V4 = r"(?<!\d)(?:\d{1,3}\.){3}\d{1,3}(?!\d)"
_MAC_DASH = r"(?<![\w-])[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}(?![\w-])"
# Three dotted groups of four (Cisco's ``4c39.ba63.0ca0``), bounded as the output check's ``_MAC``
# bounds them: it read such a MAC and nothing replaced it, so a log that held one was refused.
_MAC_DOTTED = (
    r"(?<![0-9A-Fa-f])(?<![0-9A-Fa-f][:-])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
    r"(?![0-9A-Fa-f])(?![:-][0-9A-Fa-f])"
)
_NAME = r"(?<![\w.-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?i:local)(?![\w-])(?!\.[A-Za-z0-9])"
# (A name before a MAC: ``0011.2233.4455.local`` is a name, replaced whole.)
# The alternatives in that order (the first that matches at a place wins); an IPv6 address begins with a
# hex digit or a colon, an IPv4 one with a digit (``\d``: any decimal digit, Arabic-Indic ones too), a MAC with a hex
# digit, so a look-ahead for one passes over them at once where none begins (the letters past ``f`` of
# every word: 30 % of the time of a pass over a SIP log). ``TOKENS_PLAIN`` is the same without it
# (``tests/redact/test_rrate_tokens.py`` compares the two).
TOKENS_PLAIN = f"(?P<v6>{_V6})|(?P<v4>{_V4})|(?P<name>{_NAME})|(?P<mac>{_MAC_DASH}|{_MAC_DOTTED})"
TOKENS = re.compile(
    rf"(?=[\dA-Fa-f:])(?:(?P<v6>{_V6})|(?P<v4>{_V4}))|(?P<name>{_NAME})|(?=[0-9A-Fa-f])(?P<mac>{_MAC_DASH}|{_MAC_DOTTED})"
)
# Every name ``TOKENS`` matches holds ``.local`` (in any case): in a text that holds none, ``_tokens_in``
# searches without that alternative, which read each word of a SIP log or a HAR up to its end and back.
_LOCAL = re.compile(r"\.(?i:local)")
_NO_NAME = re.compile(
    rf"(?=[\dA-Fa-f:])(?:(?P<v6>{_V6})|(?P<v4>{_V4}))|(?=[0-9A-Fa-f])(?P<mac>{_MAC_DASH}|{_MAC_DOTTED})"
)
_MAC_COLON = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}")
_MAC_GOES_ON = re.compile(r"[0-9A-Fa-f]|[:-][0-9A-Fa-f]")  # what ends a MAC for ``selfcheck._MAC``, negated

# In raw JSON a secret's characters may be escaped (``\/`` as PHP writes ``/``, ``\u0063``), and a
# password or TURN credential may hold any character: its value runs to the closing quote (a streamed
# piece is never cut inside it: ``docstream.find_cut``). Secrets are learned and replaced as their
# decoded value (``_secret_value``), so a recurrence written another way is the same secret.
_JSON_CHARS = r'(?:[^"\\\n]|\\u[0-9A-Fa-f]{4}|\\[^u\n])+'
_UFRAG = re.compile(
    r"(a=ice-ufrag:|\sufrag )((?:[A-Za-z0-9+/]|\\/)+)|(\"(?:usernameFragment|ufrag)\"\s*:\s*\")" f"({_JSON_CHARS})"
)
_PWD = re.compile(
    r"(a=ice-pwd:)((?:[A-Za-z0-9+/=._-]|\\/)+)|(\"(?:password|credential|pwd)\"\s*:\s*\")" f"({_JSON_CHARS})"
)
_FINGERPRINT = re.compile(r"(a=fingerprint:[\w-]+ )([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+)")
_INLINE = re.compile(r"(inline:)([A-Za-z0-9+/=]+)")


def redact_text(text: str, standins: StandIns, scrub: bool = False, depth: int = 0) -> str:
    """``text`` with every address, MAC and ``.local`` name replaced (and secrets, if ``scrub``),
    in base64 tokens too (``_base64_token``). ``depth``: how many base64 decodings ``text`` lies in."""
    if scrub:
        text = scrub_secrets(text, standins)
    if depth < B64_DEPTH and "\n" in text:  # base64 wrapped over lines: each run rewritten whole (``wrapped``)
        from icecheck.redact.wrapped import redact_wrapped

        done = redact_wrapped(text, lambda inner: redact_text(inner, standins, scrub, depth + 1),
                              lambda rest: _unwrapped(rest, standins, scrub, depth), standins.kept)  # fmt: skip
        if done is not None:
            return done
    return _unwrapped(text, standins, scrub, depth)


def _unwrapped(text: str, standins: StandIns, scrub: bool, depth: int) -> str:
    """``redact_text`` of text after its secrets were scrubbed, around wrapped base64 runs."""
    if depth < B64_DEPTH and len(text) >= 16:
        text = _B64_TOKEN.sub(lambda m: _base64_token(m.group(0), standins, scrub, depth), text)
    if "%" in text:
        return _percent_layer(text, standins, 1)
    return in_runs(_replaced(text, standins), standins)


# Every ``TOKENS`` match holds a colon, a dot or a dash and no line feed: lines of none are passed over
# where they come 64 characters or longer (``_stretches``), as a base64 body's do (``TOKENS`` tried each
# of their characters, 200 ns each; one search finds them, possessive: nothing kept per line).
_SIGNLESS = re.compile(r"(?m)^(?:[^:.\-\n]{64,}+\n)++")
# Nor does a match begin inside a run of hex digits and colons more than 64 characters before its end:
# an IPv6 match reads 64 of them at most and must then stand before something else (a zone's ``%``, a
# dot, the end); a dotted quad, a MAC and a name each need a dot or a dash within 64. Nor does a match
# that begins before such a run reach into it where the character before the run is none a match holds
# (no letter, digit, ``_``, ``.``, ``:``, ``-`` or ``%``: a space, a quote, ``=``): a ``_HEX_RUN``, long
# enough to be worth it, is passed over but for its last 64 characters (a megabyte of one colon-hex run
# had each of its characters tried, twice).
_HEX_RUN = re.compile(r"(?<![\w.:%-])[0-9A-Fa-f:]{1024,}+")


def _stretches(text: str) -> Iterator[tuple[int, int]]:
    """Where ``TOKENS`` may match in ``text``: (start, end), between blocks of ``_SIGNLESS`` lines and
    around the insides of ``_HEX_RUN``s (which hold no line feed, so lie between the blocks)."""
    start = 0
    for block_start, block_end in chain((m.span() for m in _SIGNLESS.finditer(text)), [(len(text), len(text))]):
        for run in _HEX_RUN.finditer(text, start, block_start):
            if run.start() > start:
                yield start, run.start()
            start = run.end() - 64
        if block_start > start:
            yield start, block_start
        start = block_end


def _tokens_in(text: str) -> Iterator[re.Match[str]]:
    """``TOKENS.finditer(text)``, searched in ``_stretches`` (each match read in the whole ``text``: what
    lies before a stretch is seen as it was)."""
    tokens = TOKENS if _LOCAL.search(text) else _NO_NAME
    for start, end in _stretches(text):
        yield from tokens.finditer(text, start, end)


def _replaced(text: str, standins: StandIns) -> str:
    """``TOKENS.sub`` of ``text`` with ``_replace`` (``_tokens_in``)."""
    out: list[str] = []
    done = 0  # text[:done] is in ``out``
    for m in _tokens_in(text):
        out += (text[done : m.start()], _replace(m, standins))
        done = m.end()
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def in_runs(text: str, standins: StandIns) -> str:
    """``text`` with each original (not kept) that a colon-hex run holds in a window replaced
    (``colonrun.windows``: ``…:e032:2a00:1450:4001:82b::200e:fddb:…`` held ``2a00:1450:4001:82b::200e``,
    read by no token, and went out so), left to right, none inside or across one replaced; the rest of the
    run as it was. The output check looks for the originals in the same windows (``selfcheck``)."""
    if ":" not in text:
        return text
    out: list[str] = []
    done = 0  # text[:done] is in ``out``
    for m, new in each_run(text, lambda run: _run_in_runs(run, standins)):
        if new != m.group():
            out += (text[done : m.start()], new)
            done = m.end()
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def _run_in_runs(run: str, standins: StandIns) -> str:
    """``in_runs`` of one colon-hex run (``run`` itself when nothing in it is replaced)."""
    found = standins.originals_in(run)
    if not found:
        return run
    out: list[str] = []
    done = 0  # run[:done] is in ``out``
    for at, to in sorted(found, key=lambda span: (span[0], -span[1])):
        if at >= done:
            out += (run[done:at], standins.ip_text(run[at:to]) or run[at:to])
            done = to
    out.append(run[done:])
    return "".join(out)


# The output check decodes every base64 run (``selfcheck.B64_RUN``) and reads the decoded text
# (``a=mediaclk:id=MDA6NjA6MmI6MjA6MTI6MWY=`` holds the text of a MAC): each is rewritten in place, down
# to the depth the check reads (``selfcheck.B64_DEPTH``). A token of one alphabet is rewritten whole
# (``_B64_TOKEN``): the check reads a URL-safe token's part before its first ``-`` or ``_`` as a run
# of its own (``B64_RUN`` tries the standard alphabet first), which decodes to a prefix of the same
# text, now redacted; a token mixing both alphabets is no base64 text, and each run the check reads
# in it is rewritten apart.
_B64_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_B64_RUN = re.compile(B64_RUN)


def _base64_token(token: str, standins: StandIns, scrub: bool, depth: int) -> str:
    body = token.rstrip("=")
    standard, urlsafe = "+" in body or "/" in body, "-" in body or "_" in body
    if standard and urlsafe:
        return _B64_RUN.sub(lambda m: _base64_run(m.group(0), standins, scrub, depth), token)
    return _base64_run(token, standins, scrub, depth)


def _base64_run(run: str, standins: StandIns, scrub: bool, depth: int) -> str:
    """A base64 run whose decoding is text, that text redacted (``redact_text``, one level deeper)
    and encoded again in the run's alphabet (URL-safe when it holds ``-`` or ``_``, else standard)
    and padding style (``=`` written when the run was padded to a multiple of 4). Unchanged when
    nothing in it changed, or when its decoding is binary data, gzip or a capture (not rewritten
    here: what the check finds in it then stands, and the run is refused, fail closed), or when the
    new run would not decode to the redacted text."""
    decoded = b64_decode(run.encode("ascii"))
    if decoded is None or is_binary(decoded) or decoded[:2] == b"\x1f\x8b" or decoded[:4] in PCAP_MAGICS:
        return run
    inner = decoded.decode("utf-8", "surrogateescape")
    new = redact_text(inner, standins, scrub, depth + 1)
    if new == inner:
        return run
    raw = new.encode("utf-8", "surrogateescape")
    body = run.rstrip("=")
    urlsafe = "-" in body or "_" in body
    encoded = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode("ascii").rstrip("=")
    pad = run[len(body) :]
    if pad and len(run) % 4 == 0:  # padded: padded again (else an ``=`` after it is kept as it was)
        pad = "=" * (-len(encoded) % 4)
    out = encoded + pad
    return out if b64_decode(out.encode("ascii")) == raw else run


# A run of address characters with percent-escapes among them (RFC 3986 §2.1): ``10%2E9%2E8%2E7``,
# ``2a00%3A1450%3A…``, ``peer%3D10.1.2.3``.
# It starts where the previous character cannot be part of it: tried at every character of a long run
# without an escape, it backtracked over the rest of the run each time (quadratic: 15 s for 20 KB). A
# run that starts right after a token is thereby read as tokens (one without escapes: a zone never reaches
# into a run with one, ``_RUN_ZONE``).
# The output check decodes twice (``selfcheck._views``: ``%25xx``), so a ``%`` that is no escape is part
# of a run where its decoding may begin one (``_PERCENT_LONE``: before an escape, or a hex digit and an
# escape: ``5%d%44c30::10`` decodes to ``5%dDc30::10``, then to ``5\xddc30::10``, which reads as
# ``c30::10``); a run never ends right after one, so no run starts there.
# The run is read up to its first escape and then to its end, each possessive (a ``%`` alone is never an
# escape): nothing is tried again, and ``sre`` keeps no backtracking frame per character (140 MB for a 1 MB
# run, when the escape was found by backtracking from the run's end).
_PERCENT_LONE = r"%(?=[0-9A-Fa-f]?%[0-9A-Fa-f]{2})"
_PERCENT_PLAIN = rf"(?:[0-9A-Za-z.:\-\[\]]++|{_PERCENT_LONE})*+"
_PERCENT_RUN = (
    rf"(?<![0-9A-Za-z.:\-\[\]])(?<!%[0-9A-Fa-f]{{2}}){_PERCENT_PLAIN}%[0-9A-Fa-f]{{2}}"
    rf"(?:[0-9A-Za-z.:\-\[\]]++|%[0-9A-Fa-f]{{2}}|{_PERCENT_LONE})*+"
)
# Beside percent runs, an address's zone (``fe80::1%eth0``) ends a run of address characters, but is not
# taken where the run it reaches into holds an escape (``a::%B-::%A7%38d1E::``, ``z5::%g%25bc%35::d5f7``:
# the zone ``B-``, ``g`` took the run's start, the rest of the run was read from where no run starts, and
# its escapes were left, while the check decodes them); the address is then read without it. (Looked at
# once, from the ``%``: the zone is shortened as before where an address character follows it.)
# (``_V6``'s zone, replaced in ``TOKENS``' pattern: ``test_double_percent`` checks it is.)
_ZONE = r"(?:%[\w.-]+)?"
_RUN_ZONE = r"(?:%(?![\w.-]*+[0-9A-Za-z.:\-\[\]]*+%(?:[0-9A-Fa-f]{2}|[0-9A-Fa-f]?%[0-9A-Fa-f]{2}))[\w.-]+)?"
_WITH_PERCENT = re.compile(f"(?P<pct>{_PERCENT_RUN})|{TOKENS.pattern.replace(_ZONE, _RUN_ZONE)}")
# Percent decodings read inside one another, as many as the output check reads (``selfcheck._views``).
PERCENT_DEPTH = VIEW_LAYERS


def _percent_layer(text: str, standins: StandIns, layer: int) -> str:
    """``text`` (holding a ``%``; ``layer``: how many percent decodings it lies in, the raw text being
    the first) with its tokens replaced and each percent run rewritten (``_percent_run``), in one pass,
    so that no stand-in is taken for an original and replaced again; then ``in_runs``."""
    text = _WITH_PERCENT.sub(lambda m: _percent_run(m.group(0), standins, layer) if m.lastgroup == "pct"
                             else _replace(m, standins), text)  # fmt: skip
    return in_runs(text, standins)


def _percent_run(run: str, standins: StandIns, layer: int = 1) -> str:
    """The run decoded, redacted and encoded again: characters that were escaped are escaped again (and
    a ``%`` that was none, where it would now begin an escape: ``_encoded``). Where the decoding holds
    an escape the check decodes too (``PERCENT_DEPTH``), it is redacted as a text of percent runs one
    layer deeper (``_percent_layer``): ``3%25ccdc2::`` decodes to ``3%ccdc2::``, whose own decoding
    ``3\\xccdc2::`` reads as ``dc2::``, left before and refused."""
    escaped = {chr(int(h, 16)) for h in PERCENT_ESCAPE.findall(run)}
    decoded = percent_decoded(run)
    if layer < PERCENT_DEPTH and "%" in decoded and PERCENT_ESCAPE.search(decoded):
        new = _percent_layer(decoded, standins, layer + 1)
    else:
        new = in_runs(_replaced(decoded, standins), standins)
    if new != decoded:
        run = _encoded(new, escaped)
    return _raw_originals(run, standins)


def _encoded(text: str, escaped: set[str]) -> str:
    """``text`` percent-encoded again: each character of ``escaped`` as an escape, the rest as it is,
    unless a ``%`` that was no escape now stands before two hex digits (a stand-in's): then every ``%``
    is escaped too, so the text decodes to ``text`` exactly."""
    out = "".join(f"%{ord(ch):02X}" if ch in escaped else ch for ch in text)
    if "%" in text and "%" not in escaped and percent_decoded(out) != text:
        out = "".join(f"%{ord(ch):02X}" if ch in escaped or ch == "%" else ch for ch in text)
    return out


_V4_RUN = re.compile(_V4)


def _raw_originals(run: str, standins: StandIns) -> str:
    """A percent run, its decoding redacted, with each address the output check still reads in its raw
    text as an original (not kept) replaced: where escapes overlap an address, its decoding does not
    show it (``::1%fe80:fe80:…:::1`` decodes to ``::1þ80:fe80:…``, an address that names nothing, and
    was left whole). A stand-in never reads as an original (``StandIns.ip``), so none is replaced again."""
    found: list[tuple[int, int]] = []
    for m in V6_RUN.finditer(run):
        for at, to, addr in v6_reading_spans(m.group()):
            if standins.original(addr) and not standins.kept(addr):
                found.append((m.start() + at, m.start() + to))
    for m in _V4_RUN.finditer(run):
        with contextlib.suppress(ValueError):
            addr = ipaddress.IPv4Address(_unpad(m.group()))
            if standins.original(addr) and not standins.kept(addr):
                found.append(m.span())
    out: list[str] = []
    done = 0  # run[:done] is in ``out``
    for start, end in sorted(found):
        if start >= done:
            out += (run[done:start], standins.ip_text(run[start:end]) or run[start:end])
            done = end
    if not out:
        return run
    out.append(run[done:])
    return "".join(out)


def redact_fixed(text: str, standins: StandIns) -> str:
    """As ``redact_text``, but a token is replaced only by a stand-in of the same length
    (for text inside binary structures such as RTCP SDES items, RFC 3550 §6.5)."""

    def same(m: re.Match[str]) -> str:
        new = _replace(m, standins)
        return new if len(new) == len(m.group(0)) else m.group(0)

    return TOKENS.sub(same, text)


def _replace(m: re.Match[str], standins: StandIns) -> str:
    token = m.group(0)
    kind = m.lastgroup
    if kind == "v6":
        if m.string[m.start() - 1 : m.start()] == "." and not _in_parts(token):  # read as before, unless the
            # check reads an original (or a run the check reads in parts: ``_as_checked`` reads them)
            old = _after_dot(m, standins)
            if not _reads_original(old, standins):
                return old
        new = _v6_or_mac(token, standins, m.string, m.start())
        return _dotted_inside(new, standins) if "." in new else new
    if kind == "v4":
        if VERSION_BEFORE.search(m.string, max(0, m.start() - 64), m.start()):
            return token
        return standins.ip_text(_unpad(token)) or token
    if kind == "mac":
        return standins.mac_text(token)
    return standins.name(token)


# ``TOKENS`` as it was before a colon-hex run could start after a dot (``host.2001:db8::1``, read by the
# check, was left and refused): a run that starts after one is read this way first (``_after_dot``), and
# kept so unless the check would still read an original in it: what was replaced then still is, the
# same way (``a.22E::2b2:b:71::2b.82``: ``2b2:b:71::2b``, which the check does not read).
_NO_DOT_START = re.compile(f"(?P<v6>(?<!\\.){_V6})|(?P<v4>{_V4})")


def _after_dot(m: re.Match[str], standins: StandIns) -> str:
    """A v6 token after a dot, its parts replaced as ``_NO_DOT_START`` reads them."""
    out: list[str] = []
    done = m.start()
    for inner in _NO_DOT_START.finditer(m.string, m.start(), m.end()):
        out += (m.string[done : inner.start()], _replace(inner, standins))
        done = inner.end()
    out.append(m.string[done : m.end()])
    return "".join(out)


def _in_parts(token: str) -> bool:
    """``token`` holds a colon-hex run the check reads in parts too (``selfcheck.v6_reading_spans``): with
    a second ``::`` or a ``:::``. (After a dot, ``_after_dot`` replaced ``200e::1`` in
    ``host.2a00:1450:4001:82b::200e::1``, and the rest of the address was left.)"""
    if token.count("::") < 2 and ":::" not in token:
        return False
    return any(run.count("::") > 1 or ":::" in run for run in V6_RUN.findall(token))


def _reads_original(text: str, standins: StandIns) -> bool:
    """The output check reads an original address that is not kept in ``text`` (a colon-hex run)."""
    readings = (r for run in V6_RUN.finditer(text) for r in v6_reading_spans(run.group()))
    return any(standins.original(r[2]) and not standins.kept(r[2]) for r in readings)


def _unpad(token: str) -> str:
    """``010.001.002.003`` → ``10.1.2.3`` (``ipaddress`` rejects leading zeros)."""
    if not token.startswith("0") and ".0" not in token:  # no part has a leading zero
        return token
    return ".".join(str(int(part)) for part in token.split("."))


def _v6_or_mac(token: str, standins: StandIns, string: str, at: int) -> str:
    """``token`` (at ``at`` in ``string``) with its address or MAC replaced."""
    tries = [(token, ""), (token.rstrip("."), token[len(token.rstrip(".")) :])]
    head, _, port = token.rpartition(":")
    if port.isdigit() and head.count(":") == 7 and "::" not in token:  # sip:user@fec0:0:…:22c:5060
        tries.append((head, ":" + port))
    if "." in token:  # ``2a00::1.5x``: the address before the last dot (as ``_V6`` ended before one
        cut = token.rfind(".")  # when a letter followed a run), then before the first (the check's reading)
        tries += [(token[:cut], token[cut:]), (token[: token.find(".")], token[token.find(".") :])]
    if token.startswith(":") and not token.startswith("::"):  # the colon of a ``name:`` prefix
        return ":" + _v6_or_mac(token[1:], standins, string, at + 1)
    for text, rest in tries:
        new = standins.ip_text(text) if text else None
        if new is not None:  # and what the check reads after a dot (``::1a.fda::``)
            return new + (_as_checked(string, at + len(text), at + len(token), standins) or rest)
    # six pairs not followed by a hex digit nor by ``:``/``-`` and one: a MAC to the check's ``_MAC``
    # (``D6:4F:EF:48:EA:71:sip``, ``…:e6.``, ``…:e6%eth0``), whatever follows in the run
    if _MAC_COLON.match(token) and not _MAC_GOES_ON.match(token, 17):
        return standins.mac_text(token[:17]) + token[17:]
    return _as_checked(string, at, at + len(token), standins) or token


_MAC_DOTTED_RUN = re.compile(_MAC_DOTTED)


def _dotted_inside(token: str, standins: StandIns) -> str:
    """A colon-hex token, its address replaced, with each dotted MAC and each original dotted quad that
    the output check reads in it by itself (``selfcheck._MAC``, ``_V4``) replaced: ``::0466.5111.176D``
    and ``:::9.104.91.36:.`` were left whole (they name no IPv6 address) and refused."""
    return _raw_originals(_MAC_DOTTED_RUN.sub(lambda m: standins.mac_text(m.group()), token), standins)


def _as_checked(string: str, start: int, end: int, standins: StandIns) -> str | None:
    """``string[start:end]`` (a token or what follows its address) with each address the output check
    reads in it replaced: the check reads each colon-hex run (``selfcheck.V6_RUN``, after a dot too)
    whole, else less a trailing group or port, else less a leading label (``selfcheck.v6_reading``): in
    ``fe80:fe80:fe80:fe80:fe80:fe80:::1`` it reads ``fe80:fe80:fe80:fe80:fe80:fe80::``, which was left
    and refused. Where a run holds a second ``::`` or a ``:::``, the check also reads its parts
    (``selfcheck.v6_reading_spans``): each such reading that is not kept is replaced too, left to right,
    none inside or across one replaced (``2a00:1450:4001:82b::200e:::1``: ``2a00:1450:4001:82b::200e``).
    A run the check reads from the colon before ``start`` (``x:2a00:…``) is read from there. None when
    it reads none there."""
    found: list[tuple[int, int]] = []
    scan = start - 1 if string[start - 1 : start] == ":" else start  # the run the check reads starts there
    for m in V6_RUN.finditer(string, scan, end):
        readings = list(v6_reading_spans(m.group()))
        if len(readings) > 1 or m.start() < start:  # a run of parts, or from the colon: what is kept stays
            readings = [r for r in readings if not standins.kept(r[2])]
        found += sorted((m.start() + at, m.start() + to) for at, to, _ in readings if m.start() + at >= start)
    if not found:
        return None
    out: list[str] = []
    done = start  # string[start:done] is in ``out``
    for at, to in found:
        if at < done:  # inside or across one replaced
            continue
        out += (string[done:at], standins.ip_text(string[at:to]) or string[at:to])
        done = to
    out.append(string[done:end])
    return "".join(out)


SEEN = 1 << 12  # distinct tokens ``scan_originals`` remembers at a time (then forgotten all at once)


def scan_originals(text: str, standins: StandIns) -> None:
    """First pass: reserve every address literal in ``text`` (percent-escaped ones too, in each layer)."""
    for view in decodings(text, "%", percent_decoded):  # each the output check reads (``selfcheck._views``)
        text += "\n" + view
    seen: set[str] = set()  # tokens reserved already: a document repeats its few addresses
    for m in _tokens_in(text):
        if m.lastgroup in ("v4", "v6"):
            token = m.group(0)
            if token in seen:
                continue
            if len(seen) >= SEEN:
                seen.clear()
            seen.add(token)
            token = _unpad(token) if m.lastgroup == "v4" else token
            if m.lastgroup == "v6" and (token.count("::") > 1 or ":::" in token):  # a run read in parts too
                for run in V6_RUN.finditer(token):
                    if run.group().count("::") > 1 or ":::" in run.group():
                        for _, _, part in v6_reading_spans(run.group()):
                            standins.reserve(part)
            for candidate in (token, token.rstrip("."), token.rpartition(":")[0]):
                addr = parse_address(candidate.split("%", 1)[0])
                if addr is not None:
                    standins.reserve(addr)
                    break


def _secret_value(m: re.Match[str]) -> tuple[str, str]:
    """(what comes before the secret, the secret decoded) of a ``_UFRAG``/``_PWD`` match: its JSON
    escapes undone when it came from a JSON string (kept as written if they do not decode)."""
    if m.group(1) is not None:  # an SDP line, maybe inside a JSON string: ``\/`` is ``/``
        return m.group(1), m.group(2).replace("\\/", "/")
    raw = m.group(4)
    if "\\" in raw:
        try:
            decoded = json.loads(f'"{raw}"')
        except ValueError:
            return m.group(3), raw
        if isinstance(decoded, str) and decoded:
            return m.group(3), decoded
    return m.group(3), raw


def _scrubbed(m: re.Match[str], standins: StandIns) -> str:
    head, value = _secret_value(m)
    return head + standins.secret(value)  # ICE characters: nothing to escape in JSON


def ufrags(text: str) -> Iterator[str]:
    """ICE ufrags named in ``text`` (to be replaced wherever they recur)."""
    for m in _UFRAG.finditer(text):
        yield _secret_value(m)[1]


def learn_secrets(text: str, standins: StandIns) -> None:
    """First pass with ``scrub``: every secret ``scrub_secrets`` would replace in ``text`` is learned
    (so a ufrag, password or key met as a bare token before the line that names it is replaced
    there too, whether the document is read whole or in pieces)."""
    for pattern in (_UFRAG, _PWD):
        for m in pattern.finditer(text):
            standins.secret(_secret_value(m)[1])
    for m in _INLINE.finditer(text):
        standins.secret(m.group(2))
    for m in _FINGERPRINT.finditer(text):
        standins.hex_secret(m.group(2))


def scrub_secrets(text: str, standins: StandIns) -> str:
    """Replace ufrag/pwd, fingerprints and SDES keys with same-shaped random values."""
    text = _UFRAG.sub(lambda m: _scrubbed(m, standins), text)
    text = _PWD.sub(lambda m: _scrubbed(m, standins), text)
    text = _FINGERPRINT.sub(lambda m: m.group(1) + standins.hex_secret(m.group(2)), text)
    text = _INLINE.sub(lambda m: m.group(1) + standins.secret(m.group(2)), text)
    return replace_known_ufrags(text, standins)


SECRET_PATTERN = 256  # known secrets matched with one regular expression at most; past it, looked up
_SECRET_EDGE = "A-Za-z0-9+/"  # a recurring secret is not preceded or followed by one of these
_SECRET_RUN = re.compile(f"[{SECRET_RUN_CHARS}]{{4,}}")  # every SDP secret's characters (the patterns above)
_SECRET_SEP = re.compile(r"[=._:-]")  # those of them that are not ``_SECRET_EDGE``
_EDGE_CHARS = frozenset(string.ascii_letters + string.digits + "+/")
# Where a secret holding another character may start: not after ``_SECRET_EDGE``; its first characters
_ODD_START = re.compile(f"(?<![{_SECRET_EDGE}])(?=(.{{{ANCHOR}}}))", re.S)


def replace_known_ufrags(text: str, standins: StandIns) -> str:
    """Replace every secret already scrubbed wherever it recurs as a whole token (4+ characters): at
    each place not preceded by ``_SECRET_EDGE``, the longest secret not followed by one, left to right.
    Up to ``SECRET_PATTERN`` secrets, one regular expression finds them; past it (millions of secrets
    would make a pattern of all of them), ``_recurring`` looks each possible token up in the tables."""
    lengths = sorted((n for n in standins.secret_lengths if n >= 4), reverse=True)
    if not lengths:
        return text
    if standins.secret_count() > SECRET_PATTERN:
        return _recurring(text, standins, lengths)
    known = sorted((u for u in standins.secret_values() if len(u) >= 4), key=len, reverse=True)
    pattern = re.compile(f"(?<![{_SECRET_EDGE}])(" + "|".join(map(re.escape, known)) + f")(?![{_SECRET_EDGE}])")
    return pattern.sub(lambda m: standins.secret(m.group(1)), text)


def _recurring(text: str, standins: StandIns, lengths: list[int]) -> str:
    """``replace_known_ufrags`` by lookups: the places where a secret may recur (``_plain_places``,
    ``_odd_places``), taken left to right, the longest at each start, none inside one taken."""
    places: Iterator[tuple[int, int]] = _plain_places(text, standins, lengths)
    if standins.odd_lengths:
        places = heapq.merge(places, _odd_places(text, standins), key=lambda span: (span[0], -span[1]))
    out: list[str] = []
    done = 0  # text[:done] is in ``out``
    for start, end in places:
        if start >= done:
            out += (text[done:start], standins.secret(text[start:end]))
            done = end
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def _plain_places(text: str, standins: StandIns, lengths: list[int]) -> Iterator[tuple[int, int]]:
    """Each recurrence of a secret of ``SECRET_RUN_CHARS`` alone, the longest at each start: it lies
    in a run of ``_SECRET_RUN`` and starts at the run's start or after one of ``=._:-``."""
    for m in _SECRET_RUN.finditer(text):
        start, end = m.span()
        for p in (start, *(sep.end() for sep in _SECRET_SEP.finditer(text, start, end - 1))):
            for n in lengths:
                e = p + n
                if e > end or (e < end and text[e] not in "=._:-"):
                    continue
                if standins.known_secret(text[p:e]):
                    yield p, e
                    break


def _odd_places(text: str, standins: StandIns) -> Iterator[tuple[int, int]]:
    """Each recurrence of a secret holding another character (``p@ss#word!``, ``correct horse``), the
    longest at each start: at a place not after ``_SECRET_EDGE`` whose first ``ANCHOR`` characters
    begin such a secret (``StandIns.odd_starts``, or past ``SECRET_PATTERN`` such beginnings each place
    looked up: ``StandIns.odd_anchor``), the lengths of those secrets are tried."""
    lengths = sorted(standins.odd_lengths, reverse=True)
    size = len(text)
    starts = standins.odd_starts(_SECRET_EDGE, SECRET_PATTERN)  # up to 256 anchors: one pattern finds them
    for m in (starts or _ODD_START).finditer(text):
        if starts is None and not standins.odd_anchor(m.group(1)):
            continue
        p = m.start()
        for n in lengths:
            e = p + n
            if e > size or (e < size and text[e] in _EDGE_CHARS):
                continue
            if standins.known_secret(text[p:e]):
                yield p, e
                break


def inside_odd_secret(text: str, pos: int, standins: StandIns) -> bool:
    """A known secret holding a character outside ``SECRET_RUN_CHARS`` occurs in ``text`` starting at
    or before ``pos`` and ending after it: a streamed piece is not cut at ``pos`` (``docstream``)."""
    if not standins.odd_lengths:
        return False
    longest = max(standins.odd_lengths)
    for p in range(max(0, pos - longest + 1), pos + 1):
        anchor = text[p : p + ANCHOR]
        if len(anchor) < ANCHOR:
            return True  # unsure: one may run past the end of ``text``
        if not standins.odd_anchor(anchor):
            continue
        for n in standins.odd_lengths:
            if p + n > len(text):
                return True  # unsure, as above
            if p + n > pos and standins.known_secret(text[p : p + n]):
                return True
    return False
