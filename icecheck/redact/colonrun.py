"""Addresses inside colon-hex runs of any length, as a reader who knows an address can take them out.

The output check reads a colon-hex run whole, less a trailing group, less a leading label, and in parts
where it holds a second ``::`` (``selfcheck.v6_reading_spans``). A run that reads as no address by those
rules may still hold one: ``…:e032:2a00:1450:4001:82b::200e:fddb:…`` holds ``2a00:1450:4001:82b::200e``,
and so does ``a:b:2a00:1450:4001:82b::200e:c:d``; both went out as they came in, "output checked", while
the same address alone on the next line was replaced. Whoever knows the address finds it there.

A *window* of a run is a stretch of its groups that parses as an address by itself (RFC 4291 §2.2):
eight groups joined by single colons, or seven at most around one ``::`` (the first two colons of a
longer site of colons, or its last two: ``fe80:1:::1`` holds ``fe80:1::`` and ``::1``), a dotted quad
at the run's end counting as two groups. ``windows`` yields each window of a run that does not parse
whole (a run that does is an address, read and replaced as one), where it lies and its value, a group
at a time: linear time and bounded memory whatever the run's length (at most 37 windows end at a group).

A window is an address only where it equals an original, an address the document names elsewhere: a hex
dump's windows are no addresses by themselves (every SHA-512 fingerprint would be a list of them). So the
output check looks for the input's identifiers among the windows of the output's runs
(``RunOriginals``: ``selfcheck`` reads every view of the output so), and the redactor replaces each
window that is an original (``text``); ``COLON_RUN`` finds the runs for both.

``v6_value`` is the one parse of a colon-hex text both use (``ipaddress``'s own steps without its objects),
``parse_address`` the one parse of an address literal, and ``v6_str`` the one writing of an IPv6 value.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Collection, Iterator
from typing import TypeVar

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

T = TypeVar("T")

# A colon-hex run holding two colons or more, of any length, perhaps a dotted quad at its end: one
# possessive repeat of a character class, so ``sre`` keeps nothing a repeat (``selfcheck.V6_RUN``'s
# repeated group kept some 140 bytes each) and never backtracks.
COLON_RUN = re.compile(
    r"(?<![0-9A-Fa-f:])(?=[0-9A-Fa-f]*+:[0-9A-Fa-f]*+:)[0-9A-Fa-f:]++(?:(?:\.[0-9]{1,3}){3}(?![0-9A-Fa-f:.]))?+"
)
_PIECE = re.compile(r"[^:]+|:+")
_DOTTED = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})")
HEX_COLON = str.maketrans("", "", "0123456789abcdefABCDEF:")  # ``not text.translate(HEX_COLON)``: hex and colons only
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_QUAD = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")
RUNS_SEEN = 1 << 12  # distinct runs whose answer one call remembers (then forgotten all at once)
_KEEP = 16  # groups of a run held at a time (a window spans 8 at most, 7 on either side of a site)
_ALL = (1 << 128) - 1
FILTER_BITS = 1 << 23  # bits of a ``ValueFilter`` (1 MB; 1.4 % of them set by 114,000 addresses: 10 % at 1 << 20)
_MODULUS = 8_388_593  # the largest prime below ``FILTER_BITS``: a value's bit is its remainder by it
# a group: start, end, value (-1: no group a window may hold), width (2 for a dotted quad), colons before it
_Group = tuple[int, int, int, int, int]
_MAPPED = 0xFFFF  # ``::ffff:0:0/96`` (RFC 4291 §2.5.5.2): the value's bits 32 to 47 of a mapped IPv4 address


def windows(run: str, only: Callable[[], ValueFilter] | None = None) -> Iterator[tuple[int, int, int]]:
    """Each window of a colon-hex run (``COLON_RUN``) that does not parse whole as an address, as (start,
    end, value) with ``run[start:end]`` its text, in the order their ends come (the same window once).
    Work per group is constant, plus one step per window yielded. ``only``: the filter of the values
    looked for, asked for once the run has windows; a window whose value it does not hold is passed over
    where it is found (a mapped IPv4 address is yielded whatever it holds): most windows are nothing, and
    a megabyte of one run has a million."""
    if run.count(":") <= 8 and _whole(run):
        return
    bits = None if only is None else only()._bits  # (``ValueFilter.may_hold``, written out below)
    items: list[_Group] = []  # the run's latest groups
    colons = 0  # colons since the last group
    streak = 0  # groups joined by single colons up to the last one (0: the last one is no group)
    value = 0  # their value (the last eight groups)
    first = 0  # where in ``items`` they start
    for m in _PIECE.finditer(run):
        piece = m.group()
        if piece[0] == ":":
            colons = len(piece)
            if colons >= 2 and streak:  # windows ending at this site: ``a:b::``
                yield from _left_of(items, len(items), 0, 0, m.start() + 2, bits)
            continue
        group, width = _group(piece)
        items.append((m.start(), m.end(), group, width, colons))
        if group < 0:
            streak = 0
        elif colons == 1 and streak:
            streak += width
            value = (value << 16 * width | group) & _ALL
        else:
            streak, value, first = width, group, len(items) - 1
        if streak >= 8:  # eight groups
            if bits is None or value >> 32 == _MAPPED or bits[(slot := value % _MODULUS) >> 3] >> (slot & 7) & 1:
                yield items[-(9 - width)][0], m.end(), value
        elif streak and items[first][4] >= 2:  # after a site: ``::`` and the groups after it, and before it
            if bits is None or value >> 32 == _MAPPED or bits[(slot := value % _MODULUS) >> 3] >> (slot & 7) & 1:
                yield items[first][0] - 2, m.end(), value
            if items[first][4] == 2:
                yield from _left_of(items, first, streak, value, m.end(), bits)
        colons = 0
        if len(items) > 4 * _KEEP:
            dropped = len(items) - _KEEP
            del items[:dropped]
            first -= dropped  # (read only while it is among the last eight)


def _whole(run: str) -> bool:
    """``run`` parses as an address as it stands."""
    if not run.translate(HEX_COLON):
        return v6_value(run) is not None
    try:
        ipaddress.IPv6Address(run)
    except ValueError:
        return False
    return True


def _group(piece: str) -> tuple[int, int]:
    """A piece between colons as (value, width in groups): 1 to 4 hex digits, or a dotted quad (two
    groups); value -1 for anything else (five hex digits or more), which no window spans."""
    if len(piece) <= 4 and "." not in piece:
        return int(piece, 16), 1
    m = _DOTTED.fullmatch(piece)
    if m is None:
        return -1, 1
    parts = [int(p) for p in m.groups()]
    if max(parts) > 255:
        return -1, 1
    return parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3], 2


def _left_of(
    items: list[_Group], k: int, groups: int, right: int, end: int, bits: bytearray | None
) -> Iterator[tuple[int, int, int]]:
    """Windows of groups ``items[i:k]`` (i < k), then ``::``, then ``groups`` groups of value ``right``,
    ending at ``end``: seven groups in all at most (those ``bits`` may hold: ``windows``)."""
    left = 0
    taken = 0
    i = k - 1
    while i >= 0 and groups + taken < 7:
        start, _, value, width, colons = items[i]
        if value < 0 or width != 1:
            return
        left |= value << 16 * taken
        taken += 1
        window = left << 16 * (8 - taken) | right
        if bits is None or window >> 32 == _MAPPED or bits[(slot := window % _MODULUS) >> 3] >> (slot & 7) & 1:
            yield start, end, window
        if colons != 1:
            return
        i -= 1


class RunOriginals:
    """The originals the output check looks for in the windows of colon-hex runs (``found_in``): the
    input's identifiers that must not survive (``among``: a set, or a ``TextSet`` that may live on disk).
    A window is looked up there where a filter of its IPv6 addresses says it may be one (a bit per
    address by its value's hash: fixed memory whatever their number; built at the first run that has
    windows, most outputs have none); an IPv4 address mapped into IPv6 is looked up as IPv4."""

    def __init__(self, among: Collection[str]) -> None:
        self._among = among
        self._filter: ValueFilter | None = None

    def found_in(self, text: str) -> Iterator[str]:
        """The originals among the windows of ``text``'s colon-hex runs, canonical (a run's answer
        remembered while the call lasts, ``RUNS_SEEN`` runs at most: a log repeats its runs)."""
        for _, found in each_run(text, lambda run: list(self._in_run(run))):
            yield from found

    def _in_run(self, run: str) -> Iterator[str]:
        for _, _, value in windows(run, self._originals_filter):
            address = str(ipaddress.IPv4Address(value & 0xFFFFFFFF)) if value >> 32 == _MAPPED else v6_str(value)
            if address in self._among:
                yield address

    def _originals_filter(self) -> ValueFilter:
        if self._filter is None:
            self._filter = ValueFilter()
            for identifier in self._among:
                if ":" in identifier and not identifier.startswith(("mac ", "name ")):
                    addr = parse_address(identifier)
                    if addr is not None:
                        self._filter.add(int(addr))
        return self._filter


class ValueFilter:
    """A bit per IPv6 address value added, in ``FILTER_BITS`` bits whatever their number: ``may_hold`` is
    True for every value added and False for most others (asked before a table of originals for each of
    the many windows of colon-hex runs, most of which are none: ``windows`` tests its bits itself). A
    value's bit is its remainder by a prime, which spreads values that differ only in their high bits:
    an int's own hash is the int modulo 2^61 - 1, and the values of a /112's addresses less their last
    group (``standins``) all set bit 0 by it; a 1-tuple's hash spread them too, at 1.7 times the cost."""

    __slots__ = ("_bits",)

    def __init__(self) -> None:
        self._bits = bytearray(FILTER_BITS >> 3)

    def add(self, value: int) -> bool:
        """Add ``value``: True when that changed the filter (its bit was not set)."""
        slot = value % _MODULUS
        mask = 1 << (slot & 7)
        if self._bits[slot >> 3] & mask:
            return False
        self._bits[slot >> 3] |= mask
        return True

    def may_hold(self, value: int) -> bool:
        slot = value % _MODULUS
        return bool(self._bits[slot >> 3] >> (slot & 7) & 1)


def each_run(text: str, read: Callable[[str], T]) -> Iterator[tuple[re.Match[str], T]]:
    """Each colon-hex run of ``text`` (``COLON_RUN``) with ``read(run)``, read once per distinct run while
    the call lasts (``RUNS_SEEN`` runs at most, then forgotten all at once: a log repeats its runs)."""
    seen: dict[str, T] = {}
    for m in COLON_RUN.finditer(text):
        run = m.group()
        try:
            answer = seen[run]
        except KeyError:
            if len(seen) >= RUNS_SEEN:
                seen.clear()
            answer = seen[run] = read(run)
        yield m, answer


def v6_value(text: str) -> int | None:
    """``int(ipaddress.IPv6Address(text))``, None where that raises, for ``text`` of hex digits and colons
    only, parsed by the C library's ``inet_pton`` (POSIX; RFC 4291 §2.2's forms, as ``ipaddress``
    takes them): a colon-hex run is parsed many times over (``selfcheck.v6_reading``; ``standins`` reads
    each IPv6 stand-in cut at every place), and ``ipaddress``'s own steps in Python took 4 µs a parse,
    this one 0.5. ``tests/redact/test_hostile_standins.py`` compares the two."""
    if text.count(":") > 8:  # (a run may be long)
        return None
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big")
    except (OSError, ValueError):
        return None


def v6_str(value: int) -> str:
    """``str(ipaddress.IPv6Address(value))`` (RFC 5952 §4), written by the C library's ``inet_ntop``
    (POSIX): six times faster, and a megabyte of IPv6 addresses writes each several times (its reading
    by the output check, its stand-in). Where ``inet_ntop`` ends in a dotted quad (``::ffff:1.2.3.4``,
    ``::1.2.3.4``), which Python 3.11's ``ipaddress`` does not write, the text is ``ipaddress``'s.
    ``tests/redact/test_hostile_standins.py`` compares the two."""
    text = socket.inet_ntop(socket.AF_INET6, value.to_bytes(16, "big"))
    return str(ipaddress.IPv6Address(value)) if "." in text else text


def parse_address(text: str) -> IPAddress | None:
    """``ipaddress.ip_address(text)``, None where it raises: an IPv4 address holds no colon and an IPv6
    address two or more, and one of hex digits and colons only is parsed by ``v6_value``
    (``ip_address`` tried IPv4 first and raised, for each of 40,000 IPv6 addresses)."""
    if ":" not in text:  # a dotted quad as ``ipaddress`` takes one: 0 to 255, no leading zero
        return ipaddress.IPv4Address(bytes(map(int, text.split(".")))) if _DOTTED_QUAD.fullmatch(text) else None
    if not text.translate(HEX_COLON):
        value = v6_value(text)
        return None if value is None else ipaddress.IPv6Address(value)
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None
