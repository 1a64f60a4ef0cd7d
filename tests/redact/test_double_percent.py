"""False refusals of colon-hex text under percent escapes read twice (``%25xx``) by the output check.

The check reads the raw text, its percent decoding and the decoding of that (``selfcheck._views``), and
every address any of them reads in the input must be gone from the output. The redactor decoded a
percent run once: ``3%25ccdc2::`` decodes to ``3%ccdc2::`` and that to ``3\\xccdc2::``, which reads as
``dc2::``; ``5%d%44c30::10`` (a ``%`` that is no escape before one) to ``5%dDc30::10``, then to
``5\\xddc30::10``: ``c30::10``. Both were left and the output refused (exit 3), some 5 in 40,000 random
colon-hex strings with escapes. So was a run whose start an address's zone took (``a::%B-::%A7%38d1E::``:
``%A7`` was never decoded). Each case goes through ``icecheck redact``'s own path and check, and the test
looks again for every original in every view of the output (``selfcheck.identifiers``, windows too).
"""

from __future__ import annotations

import ipaddress
import random
import re
from pathlib import Path

import pytest

from icecheck.redact.files import Incomplete, redact_file
from icecheck.redact.formats import redact_document
from icecheck.redact.selfcheck import addresses, identifiers, left_in
from icecheck.redact.standins import StandIns
from icecheck.redact.text import scan_originals
from tests.conftest import run_cli

EXAMPLES = [
    ("3%25ccdc2::", "dc2::"),  # ``%25cc``: escaped twice
    ("5%d%44c30::10", "c30::10"),  # ``%d`` and ``%44`` (``D``): an escape of the decoding
    ("x 3%25ccdc2:: y", "dc2::"),
    ("u=%2532001%253Adb8%253A%253A7&x", "2001:db8::7"),  # an address escaped twice whole
    ("a::%B-::%A7%38d1E::-", "8d1e::"),  # the zone ``B-`` took the start of a run holding ``%A7``
    ("z5::%g%25bc%35::D5F7", "bc5::d5f7"),  # the zone ``g`` took the start of ``g%25bc%35::D5F7``
    ("55EC::%e%4c::%2501B13a:::%46", "b13a::"),  # read twice decoded, inside a zone before
]


def redacted(tmp_path: Path, text: str) -> str:
    """``text`` through ``redact_file`` (the output check included: ``Incomplete`` if it refuses)."""
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text(text)
    redact_file(str(src), str(out), StandIns(), False)
    return out.read_text()


@pytest.mark.parametrize(("text", "original"), EXAMPLES)
def test_what_the_check_reads_twice_decoded_is_replaced(tmp_path: Path, text: str, original: str) -> None:
    assert original in identifiers(text.encode())
    try:
        out = redacted(tmp_path, text + "\n")
    except Incomplete as exc:
        pytest.fail(f"refused: {exc.left}")
    assert original not in identifiers(out.encode(), among={original})
    assert out != text + "\n"


def test_the_cli_redacts_both_examples(tmp_path: Path) -> None:
    src, out = tmp_path / "log.txt", tmp_path / "out.txt"
    src.write_text("peer 3%25ccdc2:: then 5%d%44c30::10 end\n")
    proc = run_cli("redact", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert not {"dc2::", "c30::10"} & identifiers(data, among={"dc2::", "c30::10"})
    assert data.startswith(b"peer 3%25") and data.endswith(b" end\n")


def test_the_first_pass_reserves_what_is_read_twice_decoded() -> None:
    """``scan_originals`` (the reserve pass of ``formats``): no stand-in may be an original of any view."""
    standins = StandIns()
    scan_originals("peer 3%25ccdc2:: u=%2532001%253Adb8%253A%253A7&x\n", standins)
    assert standins.original(ipaddress.ip_address("dc2::"))
    assert standins.original(ipaddress.ip_address("2001:db8::7"))


def _decoded(text: str) -> str:
    """``text`` percent-decoded once, as the check decodes (``selfcheck._views``)."""
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


def test_the_output_decodes_twice_to_the_redacted_text() -> None:
    """The run is encoded again so that the check's decodings of it are the text that was redacted: the
    rest of it as it was, a ``%`` that was no escape still one, the address a stand-in."""
    out = redact_document(b"id=5%d%44c30::10;z\n", StandIns())[0].decode()
    twice = _decoded(_decoded(out))
    assert twice.startswith("id=5\xdd") and twice.endswith(";z\n")
    assert ipaddress.IPv6Address(twice[len("id=5\xdd") : -len(";z\n")]) in ipaddress.IPv6Network("2001:db8::/32")
    assert _decoded(out).startswith("id=5%")


def test_percent_runs_are_read_whole_and_once() -> None:
    """A ``%`` that may begin an escape of the decoding is inside a run; a run starts only where the
    character before cannot be part of one, and is read possessively (no backtracking over it); an
    address's zone does not reach into a run with an escape (``TOKENS``' zone is replaced for that)."""
    from icecheck.redact.text import _RUN_ZONE, _WITH_PERCENT, _ZONE, TOKENS

    assert _ZONE in TOKENS.pattern and _ZONE not in _WITH_PERCENT.pattern and _RUN_ZONE in _WITH_PERCENT.pattern
    assert [m.group() for m in _WITH_PERCENT.finditer("5%d%44c30::10 x%%341 y%zz")] == ["5%d%44c30::10", "x%%341"]
    assert _WITH_PERCENT.match("5%d%44c30::10", 1) is None  # inside a run: no start
    assert [(m.lastgroup, m.group()) for m in _WITH_PERCENT.finditer("a::%B-::%A7 fe80::1%eth0 z")] == [
        ("v6", "a::"), ("pct", "B-::%A7"), ("v6", "fe80::1%eth0")]  # fmt: skip


# --- random colon-hex strings with escapes -------------------------------------------------------

_HEX = "0123456789abcdefABCDEF"


def _piece(rng: random.Random) -> str:
    """A piece of a colon-hex string: groups, colons, escapes of any byte, of address characters,
    escaped twice, a ``%`` that is no escape (alone or before a hex digit), dots and other characters."""
    r = rng.random()
    if r < 0.30:
        return "".join(rng.choice(_HEX) for _ in range(rng.randint(1, 4)))
    if r < 0.45:
        return ":"
    if r < 0.52:
        return "::"
    if r < 0.62:
        return "%" + rng.choice(_HEX) + rng.choice(_HEX)
    if r < 0.70:
        return "%25" + rng.choice(_HEX) + rng.choice(_HEX)
    if r < 0.76:
        return "%{:02X}".format(ord(rng.choice(_HEX + ":.")))
    if r < 0.81:
        return "%25{:02x}".format(ord(rng.choice(_HEX + ":")))
    if r < 0.86:
        return "%"
    if r < 0.90:
        return "%" + rng.choice(_HEX)
    if r < 0.94:
        return "."
    return rng.choice("xg-[]z ")


def samples(seed: int, count: int) -> list[str]:
    """``count`` strings of 3 to 12 pieces holding an escape or a ``%`` and a colon (seeded)."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        text = "".join(_piece(rng) for _ in range(rng.randint(3, 12)))
        if "%" in text and (":" in text or "%3" in text):
            out.append(text)
    return out


def test_random_colon_hex_strings_with_escapes_are_redacted() -> None:
    """4,000 seeded strings (main refused 47 of them),
    each redacted as ``icecheck redact`` does in memory (every identifier of the input reserved, the
    document redacted, the output checked): no original that is not kept is read in any view of the
    output."""
    refused = []
    for text in samples(20261207, 4000):
        data = (text + "\n").encode()
        before = identifiers(data)
        standins = StandIns()
        for addr in addresses(before):
            standins.reserve(addr)
        out = redact_document(data, standins)[0]
        left = left_in(before, out, standins.kept)  # in every view, in colon-hex runs' windows too
        if left:
            refused.append((text, left))
    assert refused == []
