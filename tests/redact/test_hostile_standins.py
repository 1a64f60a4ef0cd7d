"""IPv6 stand-ins chosen as before, faster (``benchmarks/bench_hostile.py``'s ``sdp-connections``: 40,000
distinct addresses, 4.3-5.3 s of ``redact``, most of it parsing each IPv6 stand-in cut at every place).

``StandIns._v6_shadows`` now reads the pieces of a stand-in's text once per stem (its text less its last
group) and puts the group in after; ``selfcheck.v6_value`` parses a colon-hex run without ``ipaddress``'s
objects and exceptions, and ``standins.parse_address`` is ``ipaddress.ip_address`` without its IPv4 try
for a text with colons. Each is compared here with what it replaces, written out with ``ipaddress``
as the old code was, on seeded random inputs built to hit every branch (so the stand-ins, and the
output, are the same bytes), and a document of many addresses is redacted to the stand-ins it got before.
"""

from __future__ import annotations

import ipaddress
import itertools
import random
from pathlib import Path

from icecheck.redact.colonrun import v6_str, windows
from icecheck.redact.files import redact_file
from icecheck.redact.selfcheck import identifiers, v6_value
from icecheck.redact.standins import IPAddress, StandIns, parse_address, v6_forms


def _reference_reading(token: str) -> IPAddress | None:
    """``selfcheck.v6_reading_addresses`` as it was (every attempt parsed by ``ipaddress``)."""
    groups = token.strip(":").split(":") if "::" not in token else None
    tries = [token]
    if groups is not None and len(groups) == 9 and groups[-1].isdigit():
        tries.append(":".join(groups[:8]))
    elif "::" in token:
        tries += [token.rsplit(":", 1)[0], token.split(":", 1)[1]]
    for attempt in tries:
        try:
            addr = ipaddress.IPv6Address(attempt)
        except ValueError:
            continue
        return addr.ipv4_mapped or addr
    return None


def _reference_shadows(reserved: set[bytes], text: str) -> bool:
    """``StandIns._v6_shadows`` as it was: every piece of ``text``, cut anywhere, read and looked up."""
    for cut in range(1, len(text)):
        for piece in (text[:cut], text[cut:]):
            if "::" not in piece and piece.count(":") not in (7, 8):
                continue
            reading = _reference_reading(piece)
            if reading is not None and reading.packed in reserved:
                return True
    return False


def _reference_windows(reserved: set[bytes], text: str) -> bool:
    """A window of ``text`` inside a longer run (``colonrun.windows``; not ``text`` whole) is an original."""
    for at, to, value in windows(f":{text}:"):
        key = (value & 0xFFFFFFFF).to_bytes(4, "big") if value >> 32 == 0xFFFF else value.to_bytes(16, "big")
        if (at, to) != (1, len(text) + 1) and key in reserved:
            return True
    return False


def _colon_hex(rng: random.Random) -> str:
    groups = [
        "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(rng.choice([0, 1, 2, 3, 4, 4, 5])))
        for _ in range(rng.randint(1, 10))
    ]
    text = ":".join(groups)
    if rng.random() < 0.5:
        at = rng.randint(0, len(text))
        text = f"{text[:at]}:{text[at:]}"
    return (":" if rng.random() < 0.2 else "") + text + (":" if rng.random() < 0.2 else "")


def test_v6_value_is_ipaddress() -> None:
    rng = random.Random(11)
    parsed = 0
    for _ in range(60_000):
        text = _colon_hex(rng)
        try:
            expected: int | None = int(ipaddress.IPv6Address(text))
        except ValueError:
            expected = None
        assert v6_value(text) == expected, text
        parsed += expected is not None
    assert parsed > 3_000  # valid and invalid runs both well represented


def test_parse_address_is_ip_address() -> None:
    rng = random.Random(12)
    for n in range(6_000):
        addr: IPAddress = (
            ipaddress.IPv4Address(rng.getrandbits(32))
            if n % 3 == 0
            else ipaddress.IPv6Address(sum(rng.choice([0, 0, 1, rng.getrandbits(16)]) << (16 * i) for i in range(8)))
        )
        texts = [str(addr), addr.exploded, f"{addr}:", f":{addr}", str(addr)[1:], f"{addr}.1", _colon_hex(rng)]
        texts += [f"::ffff:1.2.3.{rng.randint(0, 300)}", "", f"{addr}%eth0", str(addr).replace("::", ":::")]
        for text in texts:
            _parses_as_ipaddress(text)


def test_parse_address_takes_the_dotted_quads_ipaddress_takes() -> None:
    """Every octet of up to four digits (leading zeros, past 255) and a few that are no digits."""
    octets = ["", "a", "1a", " 1", "+1", "-1", "1_0", "\u0661", "\u00b2"]
    octets += ["".join(p) for n in range(1, 5) for p in itertools.product("0123456789", repeat=n)]
    for octet in octets:
        for text in (f"1.2.3.{octet}", f"{octet}.2.3.4", f"1.2.{octet}.4", f"1.2.3.4.{octet}"):
            _parses_as_ipaddress(text)


def _parses_as_ipaddress(text: str) -> None:
    try:
        expected: IPAddress | None = ipaddress.ip_address(text)
    except ValueError:
        expected = None
    got = parse_address(text)
    assert got == expected and type(got) is type(expected), text


def _random_v6(rng: random.Random) -> ipaddress.IPv6Address:
    kind = rng.randrange(6)
    if kind == 0:  # a stand-in's shape: 2001:db8:K::N
        value = 0x20010DB8 << 96 | rng.getrandbits(16) << 80 | rng.getrandbits(rng.choice([1, 4, 8, 12, 16, 20]))
    elif kind == 1:
        value = rng.getrandbits(128)
    elif kind == 2:  # IPv4-mapped: read as IPv4
        value = 0xFFFF << 32 | rng.getrandbits(32)
    elif kind == 3:
        value = rng.getrandbits(rng.choice([16, 32, 48, 64]))
    else:  # zero runs of every length, decimal-looking groups
        value = sum(rng.choice([0, 0, 0x1234, 0x99, rng.getrandbits(16)]) << (16 * i) for i in range(8))
    return ipaddress.IPv6Address(value)


def test_v6_shadows_is_the_cut_by_cut_reading() -> None:
    """Originals are taken from what pieces of the texts read as, so that about a third shadow one."""
    rng = random.Random(13)
    checked = shadowing = 0
    for _ in range(40):
        texts: list[str] = []
        for _ in range(20):
            addr = _random_v6(rng)
            forms = [str(addr)] + [f for n in range(len(str(addr)) + 1, 40) for f in v6_forms(addr, n)]
            texts += rng.sample(forms, min(3, len(forms)))
        readings = [
            r
            for text in rng.sample(texts, 5)
            for cut in range(1, len(text))
            for piece in (text[:cut], text[cut:])
            if (r := _reference_reading(piece)) is not None
        ]
        originals: list[IPAddress] = [*rng.sample(readings, min(len(readings), rng.randint(0, 10))), _random_v6(rng)]
        standins, reserved = StandIns(), set()
        for addr in originals:
            standins.reserve(addr)
            reserved.add(addr.packed)
        for text in texts:
            expected = _reference_shadows(reserved, text) or _reference_windows(reserved, text)
            assert standins._v6_shadows(text) == expected, text
            checked += 1
            shadowing += expected
    assert shadowing > checked // 10


def test_v6_str_is_ipaddress() -> None:
    """``colonrun.v6_str`` (``inet_ntop``) writes what ``str(ipaddress.IPv6Address)`` writes: every
    layout of zero groups, mapped and compatible IPv4 (dotted by ``inet_ntop``), NAT64, stand-ins."""
    rng = random.Random(14)
    values = [0, 1, 0xFFFF << 32, 0xFFFF << 32 | 0x01020304, 0x01020304, 0xFFFF, 0x10000, 0x64FF9B << 96 | 0xC0000201]
    for layout in range(256):
        for _ in range(40):
            pick = [0, rng.getrandbits(16) | 1, rng.randrange(1, 16), 0xFFFF]
            values.append(sum(0 if layout >> i & 1 else rng.choice(pick) << (16 * i) for i in range(8)))
    values += [_random_v6(rng)._ip for _ in range(5_000)]
    for value in values:
        assert v6_str(value) == str(ipaddress.IPv6Address(value)), hex(value)


def test_a_stem_read_before_an_original_is_reserved_is_read_again() -> None:
    """``_v6_shadows`` remembers, per stem, which readings may be originals: an original reserved after
    (a streamed document's next piece) is seen, in the same /112 as a reading and not."""
    standins = StandIns()
    standins.reserve(ipaddress.IPv6Address("2a00::1"))
    assert not standins._v6_shadows("2001:db8::10")
    standins.reserve(ipaddress.IPv6Address("2001:db8::1"))  # ``2001:db8::10`` cut after its ``1``
    assert standins._v6_shadows("2001:db8::10") and standins._v6_shadows("2001:db8::1a")
    assert not standins._v6_shadows("2001:db8::20")
    standins.reserve(ipaddress.IPv6Address("::20"))  # ``2001:db8::20`` less its head
    assert standins._v6_shadows("2001:db8::20") and standins._v6_shadows("2001:db8:5::20")


def test_no_window_of_a_stand_in_is_an_original(tmp_path: Path) -> None:
    """``Db8:::`` (the original ``db8::`` in a run that goes on) was replaced by ``2001:db8::1``, which
    went on as ``2001:db8::1:``: its window ``db8::`` is the original, replaced again and again, and
    the output check refused the file. Stand-ins of 2001:db8::/48 all hold ``db8::``: a /48 further on
    is taken."""
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("x Db8::: y\n")
    redact_file(str(src), str(out), StandIns(), scrub=False)
    assert out.read_text() == "x 2001:db8:1::1: y\n"


def test_many_addresses_get_the_stand_ins_they_got_before(tmp_path: Path) -> None:
    """A smaller ``sdp-connections``: each IPv6 original its stand-in in order (2001:db8:1::1, ...),
    skipping those a piece of which reads as an original (``1::11`` is one: ``…::11`` cut to ``1::11``)."""
    lines = [f"c=IN IP4 10.0.{n >> 8}.{n & 255}\r\na=rtcp:9 IN IP6 2001:db8:0::{n:x}\r\n" for n in range(1, 3001)]
    lines.append("a=x 1::11\r\n")
    src, out = tmp_path / "in.sdp", tmp_path / "out.sdp"
    src.write_text("v=0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\n" + "".join(lines))
    redact_file(str(src), str(out), StandIns(), False)
    data = out.read_bytes()
    got = [line.split()[-1] for line in data.decode().splitlines() if line.startswith("a=rtcp")]
    reserved = {ipaddress.IPv6Address(f"2001:db8::{n:x}").packed for n in range(1, 3001)}
    reserved.add(ipaddress.IPv6Address("1::11").packed)
    expected, n = [], 1
    while len(expected) < 3000:
        text = str(ipaddress.IPv6Address(f"2001:db8:1::{n:x}"))
        if not _reference_shadows(reserved, text):
            expected.append(text)
        n += 1
    assert got == expected
    assert "2001:db8:1::11" not in got and "2001:db8:1::12" in got
    assert not {f"2001:db8::{n:x}" for n in range(1, 3001)} & identifiers(data)
