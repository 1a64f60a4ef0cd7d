"""Consistent documentation stand-ins for addresses, MACs, mDNS names and secrets.

One ``StandIns`` per run: the same original always gets the same stand-in. IPv4 stand-ins
come from 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 (RFC 5737), chosen with the same
text length as the original where one exists (9 to 14 characters), so captured payloads keep
their length; IPv6 from 2001:db8::/32 (RFC 3849), written with leading zeros or without
``::`` to match the original's length when it is long enough; MACs from the documentation
block 00:00:5e:00:53:xx (RFC 7042 §2.1.2), then locally administered 02:00:5e:xx:xx:xx;
mDNS names become fresh ``<uuid4>.local`` names. Addresses that identify nothing
(unspecified, loopback, multicast, broadcast, 0000::/8 with no IPv4 address inside: ``selfcheck.reserved_v6``)
and the ``keep`` networks stay as they are.
Originals seen in a first pass are ``reserve``d, so no stand-in ever equals an original, nor
reads as one when cut inside its first or last number (split between two packets). The same
holds for IPv6: no piece of an IPv6 stand-in's text, cut anywhere, reads as an original the way the
output check reads it (``selfcheck.v6_readings``); where a written form of the original's length
would, another form of that length is taken, else the short form.

Memory: the tables of a run (original → stand-in, the reserved originals, the IPv6 texts chosen,
MACs, mDNS names, secrets and their stand-ins) are ``table.Table``s keyed by packed addresses or
UTF-8 text, which hold ``TABLES_HOLD`` times ``limits.IN_MEMORY`` keys in memory together (one
``table.Budget``): past that, the one a key is put in moves to a private temporary SQLite file, so a
document with millions of distinct addresses, names or secrets redacts in bounded memory, with the
same stand-ins in the same order as when all is held in memory. (Shared, as a run fills its tables
unevenly: a megabyte of IPv6 addresses puts 114,000 originals, 57,000 stand-ins and their texts in
three of them, which each spilled at ``limits.IN_MEMORY`` and were looked up on disk.)
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import string
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator

from icecheck.inputs import limits
from icecheck.inputs.table import Budget, Table
from icecheck.redact.archive import RedactError
from icecheck.redact.colonrun import IPAddress as IPAddress
from icecheck.redact.colonrun import ValueFilter, v6_str, windows
from icecheck.redact.colonrun import parse_address as parse_address
from icecheck.redact.selfcheck import reserved_v6

V4_PREFIXES = ("192.0.2.", "198.51.100.", "203.0.113.")
V6_BASE = int(ipaddress.IPv6Address("2001:db8::"))
# Stand-ins tried in a row within one 2001:db8:K::/48 before the next K: an original that is a
# prefix of them all (``2001:db8::`` itself, as documentation writes it) shadows every one there.
V6_TRIES = 16
V6_BLOCKS = 1 << 16  # the /48s of 2001:db8::/32
OVERFLOW_BASE = int(ipaddress.IPv4Address("240.0.0.0"))
_ICE_CHARS = string.ascii_letters + string.digits + "+/"
_B64 = string.ascii_letters + string.digits + "+/"
SECRET_RUN_CHARS = "A-Za-z0-9+/=._:-"  # every character of an SDP secret (``text._SECRET_RUN``)
_PLAIN_SECRET = re.compile(f"[{SECRET_RUN_CHARS}]*")
ANCHOR = 4  # a secret holding another character is indexed by its first ``ANCHOR`` characters


_BLOCKS = 1 << 20  # the /24s of 240.0.0.0/4


def overflow_address(n: int) -> int:
    """The ``n``-th stand-in tried past the documentation ones (from 0): first each /24 of 240.0.0.0/4
    in order, its .1 to .9, then each /24's .0 and .10 to .255. A last number of one digit cannot be cut
    inside (``StandIns._shadows``), so an original rules out at most three of the first kind (itself,
    and the two it reads as when its first number is cut: 240.1.2.3 by 40.1.2.3 and 0.1.2.3); taken in
    plain order, originals 240.X.Y.0 to .9 ruled out all 256 of a /24 (240.X.Y.1 shadows .10 to .19 and
    .100 to .199): 1 MB of them searched 25 s. ``RedactError`` past the last (2^28 - 1 of them)."""
    if n < _BLOCKS * 9:
        block, last = divmod(n, 9)
        return OVERFLOW_BASE + (block << 8) + 1 + last
    block, last = divmod(n - _BLOCKS * 9, 247)
    if block >= _BLOCKS or (block == _BLOCKS - 1 and last == 246):  # 255.255.255.255 is broadcast
        raise RedactError("no IPv4 stand-in left in 240.0.0.0/4")
    return OVERFLOW_BASE + (block << 8) + (last + 9 if last else 0)


def _v4_pool() -> dict[int, Iterator[str]]:
    """Stand-in texts grouped by length: 192.0.2.1 (9) … 198.51.100.254 (14)."""
    by_len: dict[int, list[str]] = {}
    for prefix in V4_PREFIXES:
        for last in range(1, 255):
            text = f"{prefix}{last}"
            by_len.setdefault(len(text), []).append(text)
    return {n: iter(texts) for n, texts in sorted(by_len.items())}


class Reserved:
    """The originals no stand-in may equal, by packed address (a ``Table``: bounded in memory)."""

    def __init__(self, budget: Budget | None = None) -> None:
        self._table = Table(budget)

    def add(self, addr: IPAddress) -> None:
        self._table.add(addr.packed)  # (an original is met twice or more: listed, then read by the redactor)

    def __contains__(self, packed: object) -> bool:
        return isinstance(packed, bytes) and packed in self._table

    def any_of(self, packed: Iterable[bytes]) -> bool:
        """One of ``packed`` is reserved (one lookup each, as ``in``)."""
        get = self._table.get
        return any(get(key) is not None for key in packed)

    def __len__(self) -> int:
        return len(self._table)

    def in_memory(self) -> int:
        return self._table.in_memory()

    def __iter__(self) -> Iterator[IPAddress]:
        return (ipaddress.ip_address(packed) for packed in self._table)


Readings = list[tuple[int, int, int]]  # ``_v6_stem_readings``: (k, value, bytes)
TABLES_HOLD = 5  # a run's tables hold this many times ``limits.IN_MEMORY`` keys in memory together
PACKED_CACHE = 1 << 16  # ``ip_bytes`` answers remembered (then forgotten all at once: bounded memory)


class StandIns:
    """The mapping of one redaction run."""

    def __init__(self, keep: Iterable[str] = ()) -> None:
        self.keep = [ipaddress.ip_network(k.strip("[]"), strict=False) for k in keep]
        budget = Budget(TABLES_HOLD * limits.IN_MEMORY)  # (each table below: ~100-150 bytes a key in memory)
        self._ip = Table(budget)  # packed original → packed stand-in
        self._packed: dict[bytes, bytes] = {}  # ip_bytes, remembered (at most PACKED_CACHE)
        self._texts: dict[str, str | None] = {}  # ip_text, remembered (at most PACKED_CACHE)
        self._reserved = Reserved(budget)
        self._v6_values = ValueFilter()  # the IPv6 originals' values (``originals_in``)
        self._v6_prefixes = ValueFilter()  # the IPv6 originals' values less their last group (``_v6_shadows``)
        self._filtered = 0  # how many times ``reserve`` changed those filters
        self._v4 = _v4_pool()
        self._v6_next = 1
        self._v6_block = 0  # K of the 2001:db8:K::/48 the IPv6 stand-ins are taken from
        self._v6_texts = Table(budget)  # packed stand-in + its text length (decimal) → its checked text
        self._v6_plans: Plans = {}  # ``v6_forms``' layouts by shape, at most ``PACKED_CACHE``
        self._v6_short = (b"", "")  # the newest IPv6 stand-in (packed) and its short form
        # an IPv6 stand-in's text less its last group, that group's length and leading decimal digits →
        # what the output check reads in its pieces (``_v6_stem_readings``), and those of them that may be
        # originals when the filters were changed ``_filtered`` times (``_v6_shadows``); ``PACKED_CACHE`` at most
        self._v6_stems: dict[tuple[str, int, int], tuple[Readings, int, Readings]] = {}
        self._mac = Table(budget)  # 6 bytes → 6 bytes
        self._names = Table(budget)  # name (lower case, UTF-8) → its stand-in
        self._secrets = Table(budget)  # secret (UTF-8) → its stand-in
        self._secret_standins = Table(budget)  # stand-in → b""
        self.secret_lengths: set[int] = set()  # the lengths of the secrets (``text.replace_known_ufrags``)
        # Secrets of ``ANCHOR``+ characters, one outside ``SECRET_RUN_CHARS`` (``p@ss#word!``): their first
        # ``ANCHOR`` characters (UTF-8) → b"", and their lengths (``text.replace_known_ufrags``)
        self._odd_anchors = Table(budget)
        self.odd_lengths: set[int] = set()
        self._odd_starts: tuple[int, re.Pattern[str]] | None = None  # ``odd_starts``, and how many anchors it has
        self._key = secrets.token_bytes(32)  # the run's key for secrets (``_derived``)
        self.wrapped = False  # more distinct IPv4 addresses than documentation stand-ins (762)
        self._overflow = 0  # stand-ins taken from 240.0.0.0/4 after those
        self.left_out: Counter[str] = Counter()  # what was dropped or blanked rather than rewritten, by reason
        self.nesting = 0  # base64 bodies being redacted inside one another now (``formats._base64_body``)

    # -- addresses ---------------------------------------------------------------------------

    def reserve(self, addr: IPAddress) -> None:
        """An original seen in the input: never hand it out as a stand-in."""
        self._reserved.add(addr)
        if addr.version == 6:
            value = int(addr)
            if self._v6_values.add(value) | self._v6_prefixes.add(value >> 16):
                self._filtered += 1

    def originals_in(self, run: str) -> list[tuple[int, int]]:
        """Where the windows of a colon-hex run (``colonrun.windows``) that are originals, not kept, lie
        (``text.in_runs``; a mapped IPv4 address looked up as IPv4). Most windows are no original: a
        filter of the IPv6 originals' values (one bit each, fixed memory) says so for most of them
        before anything is looked up (a megabyte of one run has a million windows)."""
        found = []
        for at, to, value in windows(run, lambda: self._v6_values):
            addr = ipaddress.IPv4Address(value & 0xFFFFFFFF) if value >> 32 == 0xFFFF else ipaddress.IPv6Address(value)
            if addr.packed in self._reserved and not self.kept(addr):
                found.append((at, to))
        return found

    def original(self, addr: IPAddress) -> bool:
        """``addr`` was seen in the input (``reserve``): never a stand-in."""
        return addr.packed in self._reserved

    def kept(self, addr: IPAddress) -> bool:
        """True for addresses that stay as they are: unspecified, loopback, multicast (``ipaddress``'s
        ``is_unspecified``, ``is_loopback``, ``is_multicast``, as numbers), the IPv4 broadcast address,
        ``reserved_v6`` and the ``keep`` networks."""
        value = int(addr)
        if addr.version == 4:
            if value == 0 or value >> 24 == 127 or value >> 28 == 0xE or value == 0xFFFFFFFF:
                return True
        elif value <= 1 or value >> 120 == 0xFF or reserved_v6(addr):
            return True
        return any(addr in net for net in self.keep)

    def ip(self, addr: IPAddress, length: int | None = None) -> IPAddress:
        """The stand-in for ``addr`` (``addr`` itself when kept). ``length``: the original's text length."""
        known = self._ip.get(addr.packed)
        if known is not None:
            return ipaddress.IPv4Address(known) if len(known) == 4 else ipaddress.IPv6Address(known)
        if self.kept(addr):
            return addr
        new = self._new_v4(length or len(str(addr))) if addr.version == 4 else self._new_v6()
        self._ip.put(addr.packed, new.packed)
        return new

    def _new_v4(self, length: int) -> IPAddress:
        for n in () if self.wrapped else sorted(self._v4, key=lambda n: (abs(n - length), -n)):
            for text in self._v4[n]:  # (all used once ``wrapped``: not looked at again)
                addr = ipaddress.IPv4Address(text)
                if addr.packed not in self._reserved and not self._shadows(text):
                    return addr
        # All 762 used: the reserved block 240.0.0.0/4 (RFC 1112 §4, never a host's address) takes over,
        # so every original still gets a stand-in of its own that no original can equal.
        self.wrapped = True
        while True:
            addr = ipaddress.IPv4Address(overflow_address(self._overflow))
            self._overflow += 1
            if addr.packed not in self._reserved and not self._shadows(str(addr)):
                return addr

    def _shadows(self, text: str) -> bool:
        """A piece of ``text`` cut inside its first or last number reads as an original address:
        a stand-in split between two packets (``…@203.0.113.1`` | ``1>``) would show that original to
        the output check, so it is not taken."""
        first, *_, last = text.split(".")
        cuts = [text[:-k] for k in range(1, len(last))] + [text[k:] for k in range(1, len(first))]
        return self._reserved.any_of(bytes(map(int, cut.split("."))) for cut in cuts)

    def _new_v6(self) -> IPAddress:
        """The next stand-in of 2001:db8::/32, in order, that is no original and shadows none
        (``_v6_shadows``); past ``V6_TRIES`` refused in a row, taken from the next /48. ``RedactError``
        when every /48 was left so (the input cannot be redacted: fail closed)."""
        tries = 0
        while True:
            value = V6_BASE + (self._v6_block << 80) + self._v6_next
            addr = ipaddress.IPv6Address(value)
            self._v6_next += 1
            if not (self._v6_values.may_hold(value) and addr.packed in self._reserved):
                text = v6_str(value)
                if not self._v6_shadows(text):
                    self._v6_short = (addr.packed, text)  # for ``_v6_text``, which writes it next
                    return addr
            tries += 1
            if tries >= V6_TRIES:
                tries, self._v6_block, self._v6_next = 0, self._v6_block + 1, 1
                if self._v6_block >= V6_BLOCKS:
                    raise RedactError("no IPv6 stand-in left: each one would read as an original when cut")

    def _v6_shadows(self, text: str) -> bool:
        """A piece of the IPv6 ``text``, cut anywhere (split between two packets), reads as an original
        address to the output check (``2001:db8::10`` cut to ``2001:db8::1``, ``db8::10``, ...)."""
        if not self._reserved:
            return False
        stem, _, last = text.rpartition(":")
        digits = len(last) - len(last.lstrip(string.digits))
        key = (stem, len(last), digits)
        known = self._v6_stems.get(key)
        if known is None or known[1] != self._filtered:
            if known is None and len(self._v6_stems) >= PACKED_CACHE:
                self._v6_stems.clear()
            readings = known[0] if known is not None else _v6_stem_readings(stem, len(last), digits)
            known = self._v6_stems[key] = (readings, self._filtered, self._may_shadow(readings))
        return self._reserved.any_of(
            (value | int(last[:k], 16) if k else value).to_bytes(size, "big") for k, value, size in known[2]
        )

    def _may_shadow(self, readings: Readings) -> Readings:
        """The ``readings`` of a stem that may be originals: an IPv6 one only where the filters hold its
        value (no last group: ``k`` = 0) or, as its last group is the stand-in's, its value less that
        group; a stem's readings are mostly in no original's /112, and then none is looked up."""
        return [
            (k, value, size)
            for k, value, size in readings
            if size == 4 or (self._v6_prefixes.may_hold(value >> 16) if k else self._v6_values.may_hold(value))
        ]

    def _v6_text(self, addr: IPAddress, length: int) -> str:
        """``addr`` (a stand-in) written in ``length`` characters where a form of that length does not
        shadow an original when cut (``_v6_shadows``), else its short form (checked when chosen)."""
        short = self._v6_short[1] if self._v6_short[0] == addr.packed else v6_str(int(addr))
        if length <= len(short):  # no longer form: the short one, checked when chosen (``_new_v6``)
            return short
        key = addr.packed + str(length).encode()
        known = self._v6_texts.get(key)
        if known is not None:
            return known.decode()
        forms = v6_forms(addr, length, short, self._v6_plans)
        text = next((t for t in forms if t == short or not self._v6_shadows(t)), short)
        self._v6_texts.put(key, text.encode())
        return text

    def ip_text(self, text: str) -> str | None:
        """Stand-in text for an address literal (same length where possible), None if not an address.
        Remembered (at most ``PACKED_CACHE`` at a time): a document repeats its addresses, and an
        address's stand-in, once taken, never changes."""
        known = self._texts.get(text, "")
        if known != "":
            return known
        if len(self._texts) >= PACKED_CACHE:
            self._texts.clear()
        new = self._texts[text] = self._ip_text(text)
        return new

    def _ip_text(self, text: str) -> str | None:
        addr = parse_address(text.split("%", 1)[0])
        if addr is None:
            return None
        new = self.ip(addr, len(text))
        if new == addr:
            return text
        return str(new) if new.version == 4 else self._v6_text(new, len(text))

    def ip_bytes(self, raw: bytes) -> bytes:
        """Stand-in for a 4- or 16-byte packed address (remembered: a capture repeats its addresses)."""
        packed = self._packed.get(raw)
        if packed is None:
            if len(self._packed) >= PACKED_CACHE:
                self._packed.clear()
            packed = self._packed[raw] = self.ip(ipaddress.ip_address(raw)).packed
        return packed

    # -- MACs, names, secrets ------------------------------------------------------------------

    def mac_bytes(self, raw: bytes) -> bytes:
        """Stand-in for a 6-byte MAC; broadcast, zero and multicast MACs stay."""
        if raw in (b"\xff" * 6, b"\x00" * 6) or raw[0] & 1:
            return raw
        key = bytes(raw)
        new = self._mac.get(key)
        if new is None:
            n = len(self._mac)
            new = bytes.fromhex(f"00005e0053{n:02x}" if n < 256 else f"02005e{n:06x}")
            self._mac.put(key, new)
        return new

    def mac_text(self, text: str) -> str:
        """Stand-in for ``aa:bb:…``, ``AA-BB-…`` or ``aabb.ccdd.eeff``, keeping separator and case."""
        sep = text[4] if len(text) == 14 else text[2]
        new = self.mac_bytes(bytes.fromhex(text.replace(sep, ""))).hex()
        step = 4 if sep == "." else 2
        out = sep.join(new[i : i + step] for i in range(0, 12, step))
        return out.upper() if text.isupper() else out

    def name(self, text: str) -> str:
        """A fresh ``<uuid4>.local`` per distinct mDNS (or ``.local``) name."""
        key = _utf8(text.lower().rstrip("."))
        new = self._names.get(key)
        if new is None:
            new = f"{uuid.uuid4()}.local".encode()
            self._names.put(key, new)
        return new.decode()

    def secret(self, value: str, alphabet: str = _ICE_CHARS) -> str:
        """A random value of the same length and alphabet, the same for the same value: derived from
        the value with this run's random key (so it does not depend on the order values are met in:
        a document streamed in pieces gets the secrets the whole document gets). A stand-in met again
        (a string redacted twice: raw JSON, then decoded) is kept, not replaced once more."""
        return self._secret(value, alphabet, "")

    def hex_secret(self, value: str) -> str:
        """A random fingerprint of the same shape (hex pairs, separators and case kept)."""
        digits = "0123456789ABCDEF" if value.upper() == value else "0123456789abcdef"
        return self._secret(value, digits, ":")

    def _secret(self, value: str, alphabet: str, keep: str) -> str:
        key = _utf8(value)
        known = self._secrets.get(key)
        if known is not None:
            return known.decode("utf-8", "surrogatepass")
        if key in self._secret_standins:
            return value
        new = self._derived(value, alphabet, keep)
        self._secrets.put(key, _utf8(new))
        self._secret_standins.put(_utf8(new), b"")
        self.secret_lengths.add(len(value))
        if len(value) >= ANCHOR and not _PLAIN_SECRET.fullmatch(value):
            anchor = _utf8(value[:ANCHOR])
            if anchor not in self._odd_anchors:
                self._odd_anchors.put(anchor, b"")
            self.odd_lengths.add(len(value))
        return new

    def odd_starts(self, before: str, limit: int) -> re.Pattern[str] | None:
        """A pattern matching (empty) where one of at most ``limit`` anchors (``odd_anchor``) begins, not
        after a character of the class ``before``: compiled again only when an anchor was added. None
        past ``limit`` anchors (then each place is looked up)."""
        count = len(self._odd_anchors)
        if count > limit:
            return None
        if self._odd_starts is None or self._odd_starts[0] != count:
            anchors = sorted((key.decode("utf-8", "surrogatepass") for key in self._odd_anchors), reverse=True)
            alternatives = "|".join(map(re.escape, anchors))
            self._odd_starts = count, re.compile(f"(?<![{before}])(?=({alternatives}))")
        return self._odd_starts[1]

    def odd_anchor(self, text: str) -> bool:
        """``text`` (``ANCHOR`` characters) begins a known secret holding a character outside
        ``SECRET_RUN_CHARS``."""
        return _utf8(text) in self._odd_anchors

    def known_secret(self, value: str) -> bool:
        """``value`` is a secret replaced so far (not a stand-in of one)."""
        return _utf8(value) in self._secrets

    def _derived(self, value: str, alphabet: str, keep: str) -> str:
        """HMAC-SHA256 (RFC 2104) of ``value`` under the run's key, in counter mode, as characters of
        ``alphabet`` (64 or 16 of them: a byte modulo its size is uniform); ``keep`` characters stay."""
        data = value.encode("utf-8", "surrogatepass")
        out: list[str] = []
        block = 0
        stream = b""
        for ch in value:
            if ch in keep:
                out.append(ch)
                continue
            if not stream:
                stream = hmac.new(self._key, block.to_bytes(8, "big") + data, hashlib.sha256).digest()
                block += 1
            out.append(alphabet[stream[0] % len(alphabet)])
            stream = stream[1:]
        return "".join(out)

    def secret_values(self) -> Iterator[str]:
        """Every original secret replaced so far (read from its table: bounded in memory)."""
        return (key.decode("utf-8", "surrogatepass") for key in self._secrets)

    def secret_count(self) -> int:
        return len(self._secrets)

    def in_memory(self) -> int:
        """Keys its tables hold in memory (bounded once they spill: ``table.Table.in_memory``)."""
        tables = (self._ip, self._v6_texts, self._mac, self._names, self._secrets, self._secret_standins,
                  self._odd_anchors)  # fmt: skip
        return sum(t.in_memory() for t in tables) + self._reserved.in_memory()

    def counts(self) -> dict[str, int]:
        """How many distinct things were replaced, by kind (for the summary line)."""
        return {"addresses": len(self._ip), "macs": len(self._mac), "names": len(self._names),
                "secrets": len(self._secrets)}  # fmt: skip


def _v6_stem_readings(stem: str, size: int, digits: int) -> list[tuple[int, int, int]]:
    """What the output check reads (``selfcheck.v6_reading``) in each piece, cut anywhere, of an IPv6
    text ``stem:G`` whose last group ``G`` has ``size`` hex digits, the first ``digits`` of them decimal:
    ``(k, value, bytes)``, the address read being ``value | int(G[:k], 16)`` (k = 0: ``value``), packed
    in ``bytes`` (4: a mapped IPv4 address). For ``StandIns._v6_shadows``, which read every piece of each
    stand-in (some 30 parses each, 60 % of the time of redacting 40,000 addresses); stand-ins share
    their stems (``2001:db8:1:``), and so these.

    A piece holds the text's last group whole (a piece before the cut), a part of it (a piece after it),
    or none of it; whether it reads as an address, and which part of it is read (whole, less a trailing
    group or port, less a leading label), does not depend on that group's digits but on whether they
    are all decimal (a port), and where the reading holds the group it is its last 16 bits. So each
    piece is read with a digit put in for the group (``0``, or ``a`` where not all decimal) and the
    group put in after. The pieces are those ``selfcheck.v6_reading`` is given: with ``::`` or with 7 or 8
    colons (any other reads as nothing)."""
    from icecheck.redact.selfcheck import v6_reading

    head = f"{stem}:"  # the text is ``head`` and its last group
    length = len(head) + size

    def shown(k: int) -> str:  # the group's first k characters: as many digits, as decimal as they are
        return ("0" if k <= digits else "a") * k

    pieces: list[tuple[int, str]] = []  # (characters of the last group in it, the piece with ``shown``)
    for cut in range(1, length):
        k = max(0, cut - len(head))
        pieces.append((k, head[:cut] + shown(k)))  # before the cut
        if cut <= len(head):
            pieces.append((size, head[cut:] + shown(size)))  # after it
    found: list[tuple[int, int, int]] = []
    for k, piece in pieces:
        if not piece or ("::" not in piece and piece.count(":") not in (7, 8)):
            continue
        reading = v6_reading(piece)
        if reading is None:
            continue
        value, size_of = int(reading[2]), 4 if reading[2].version == 4 else 16
        item = (k, value & ~0xFFFF, size_of) if k and reading[1] == len(piece) else (0, value, size_of)
        if item not in found:
            found.append(item)
    # The windows of the text inside a longer run (``colonrun``: ``Db8:::`` replaced by ``2001:db8::1`` gave
    # ``2001:db8::1:``, whose window ``db8::`` is the original): those that hold the last group are pieces
    # after a cut, read above; the others lie in ``head``.
    for _, _, value in windows(f":{head}"):
        item = (0, value & 0xFFFFFFFF, 4) if value >> 32 == 0xFFFF else (0, value, 16)
        if item not in found:
            found.append(item)
    return found


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def v6_text(addr: IPAddress, length: int) -> str:
    """``addr`` written in exactly ``length`` characters when possible (else its short form)."""
    return next(v6_forms(addr, length), str(addr))


def v6_forms(addr: IPAddress, length: int, short: str | None = None, plans: Plans | None = None) -> Iterator[str]:
    """The forms of ``addr`` of exactly ``length`` characters, preferred first: the short form
    (``short``, ``str(addr)``), or "::" over the longest zero run, then over shorter parts of it, then
    all eight groups, with leading zeros added. ``plans``: where the layouts found for a shape (each
    group's length, or 0 for a zero group, and ``length``) are remembered (``_layouts``)."""
    short = str(addr) if short is None else short
    if length <= len(short):
        if length == len(short):
            yield short
        return
    value = int(addr)
    groups = [f"{value >> shift & 0xFFFF:x}" for shift in range(112, -1, -16)]
    shape = (*(0 if g == "0" else len(g) for g in groups), length)
    layouts = plans.get(shape) if plans is not None else None
    if layouts is None:
        layouts = _layouts(groups, length)
        if plans is not None:
            if len(plans) >= PACKED_CACHE:
                plans.clear()
            plans[shape] = layouts
    seen = set()
    for run, widths in layouts:
        text = _render(groups, run, widths)
        if text not in seen:
            seen.add(text)
            yield text


Layouts = list[tuple[tuple[int, int], dict[int, int]]]  # (the zero run written "::", the groups' widths)
Plans = dict[tuple[int, ...], Layouts]


def _layouts(groups: list[str], length: int) -> Layouts:
    """The zero runs written as "::" (``(0, 0)``: none) and the widths of the other groups of the forms
    of ``length`` characters (``v6_forms``), preferred first: they depend on the groups' lengths only."""
    run = _zero_run(groups)
    subs = [(s, e) for s in range(run[0], run[1]) for e in range(s + 1, run[1] + 1)]
    found = []
    for layout in [*sorted(subs, key=lambda r: r[0] - r[1]), (0, 0)]:
        widths = _pad(groups, layout, length)
        if widths is not None:
            found.append((layout, widths))
    return found


def _zero_run(groups: list[str]) -> tuple[int, int]:
    """The longest run of zero groups (at least two), as (start, end); (0, 0) if none."""
    best, start = (0, 0), None
    for i, g in enumerate([*groups, "x"]):
        if g == "0" and start is None:
            start = i
        elif g != "0" and start is not None:
            if i - start > max(1, best[1] - best[0]):
                best = (start, i)
            start = None
    return best


def _pad(groups: list[str], run: tuple[int, int], length: int) -> dict[int, int] | None:
    """The widths of the visible groups, leading zeros added until the text is ``length`` long, or None."""
    visible = [i for i in range(8) if not run[0] <= i < run[1]]
    widths = {i: len(groups[i]) for i in visible}
    colons = 7 if run[0] == run[1] else max(run[0] - 1, 0) + 2 + max(7 - run[1], 0)  # (``_render``'s)
    extra = length - sum(widths.values()) - colons
    if extra < 0 or extra > sum(4 - w for w in widths.values()):
        return None
    for i in reversed(visible):
        add = min(extra, 4 - widths[i])
        widths[i] += add
        extra -= add
    return widths


def _render(groups: list[str], run: tuple[int, int], widths: dict[int, int]) -> str:
    parts = {i: groups[i].zfill(w) for i, w in widths.items()}
    if run[1] == run[0]:
        return ":".join(parts[i] for i in range(8))
    head = ":".join(parts[i] for i in range(run[0]))
    tail = ":".join(parts[i] for i in range(run[1], 8))
    return f"{head}::{tail}"
