"""``text.TOKENS`` (its address alternatives behind a look-ahead for their first character) finds the
same matches, of the same kinds, as the plain alternation ``TOKENS_PLAIN``, on seeded random texts of
address characters, words, escapes and names, searched whole and from inside; and so does the
redactor's pattern with percent runs built from it (``_WITH_PERCENT``)."""

from __future__ import annotations

import random
import re
from pathlib import Path

from icecheck.redact import text as redact_text_module
from icecheck.redact.text import _PERCENT_RUN, _RUN_ZONE, _WITH_PERCENT, _ZONE, TOKENS, TOKENS_PLAIN

PLAIN = re.compile(TOKENS_PLAIN)
PLAIN_WITH_PERCENT = re.compile(f"(?P<pct>{_PERCENT_RUN})|{TOKENS_PLAIN.replace(_ZONE, _RUN_ZONE)}")
PIECES = [
    "2001:db8::1", "fe80::1%eth0", "::ffff:10.1.2.3", "10.1.2.3", "010.001.002.003", "1.2.3.4.5060",
    "a.local", "Host-1.LOCAL", "02-11-22-33-44-55", "4c39.ba63.0ca0", "D6:4F:EF:48:EA:71", "::", ":::",
    "%25", "%3A", "%", ".", ":", "-", "_", " ", "\n", "\r\n", "\t", '"', "=", "/", "[", "]", "@", "x", "g",
    "z", "sip:", "example.com", "v=0", "a=candidate:1 1 udp 2122260223 ", "abc", "def", "0", "9", "ffff",
    "\u00e9", "\u0663", "\u0661\u0662.\u0663.\u0664.\u0665",
    "SdpType::kOffer", "x2001:db8::1z", "2a00:1450:4001:82b::200e:::1",
]  # fmt: skip


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randrange(1, 40)):
            if rng.random() < 0.7:
                parts.append(rng.choice(PIECES))
            else:
                parts.append(
                    "".join(rng.choice("0123456789abcdefABCDEFgxz:.-%_ \n") for _ in range(rng.randrange(1, 12)))
                )
        texts.append("".join(parts))
    return texts


def _found(pattern: re.Pattern[str], text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[object, ...]]:
    end = len(text) if endpos is None else endpos
    return [(m.span(), m.lastgroup, m.group()) for m in pattern.finditer(text, pos, end)]


def test_tokens_match_as_the_plain_alternation() -> None:
    for text in _texts(11, 8000):
        assert _found(TOKENS, text) == _found(PLAIN, text), text
        assert _found(_WITH_PERCENT, text) == _found(PLAIN_WITH_PERCENT, text), text
        pos = len(text) // 3
        assert _found(TOKENS, text, pos, len(text) - pos // 2) == _found(PLAIN, text, pos, len(text) - pos // 2)


def test_tokens_match_as_the_plain_alternation_in_samples() -> None:
    root = Path(__file__).resolve().parents[2] / "samples"
    read = 0
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".sdp", ".log", ".json", ".txt", ".har", ".sip"):
            text = path.read_bytes()[: 1 << 18].decode("latin-1")
            assert _found(TOKENS, text) == _found(PLAIN, text), path
            read += 1
    assert read > 10


def test_the_pattern_is_the_one_used() -> None:
    assert redact_text_module.TOKENS is TOKENS and TOKENS.pattern != TOKENS_PLAIN
    assert "(?=[\\dA-Fa-f:])" in _WITH_PERCENT.pattern


def _colon_runs(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    groups = ["", "0", "1", "ff", "ffff", "FFFF", "2a00", "db8", "5060", "12345", "abcde", "1.2.3.4", "10.0.0.1"]
    runs = ["::ffff:10.1.2.3", "::ffff:a01:203", "2001:db8::1:5060", "1:2:3:4:5:6:7:8:5060", "::", "::1", ":::1"]
    for _ in range(count):
        parts = [rng.choice(groups) for _ in range(rng.randrange(2, 12))]
        runs.append(":".join(parts))
    return runs


def test_v6_readings_read_as_the_address_readings() -> None:
    """``selfcheck.v6_readings``' path by value reads what ``v6_reading_addresses`` (by address objects,
    part by part) reads, written canonical."""
    from icecheck.redact.colonrun import v6_str
    from icecheck.redact.selfcheck import v6_reading_addresses, v6_readings

    for run in _colon_runs(13, 20_000):
        expected = [v6_str(int(a)) if a.version == 6 else str(a) for a in v6_reading_addresses(run)]
        assert list(v6_readings(run)) == expected, run


def _nameless(seed: int, count: int) -> list[str]:
    """Texts of the same pieces, half of them with no ``.local`` in any case."""
    texts = _texts(seed, count)
    return [t.replace("local", "locale").replace("LOCAL", "LOCALE") if i % 2 else t for i, t in enumerate(texts)]


def test_tokens_in_match_as_the_plain_alternation_with_and_without_names() -> None:
    """``_tokens_in`` leaves the name alternative out where the text holds no ``.local``: the same matches."""
    from icecheck.redact.text import _tokens_in

    for text in [*_nameless(17, 6000), "a.local x", "A.LoCaL", "x.local.", "1.local"]:
        assert [(m.span(), m.lastgroup) for m in _tokens_in(text)] == [
            (m.span(), m.lastgroup) for m in PLAIN.finditer(text)
        ], text


def test_check_reads_names_only_where_local_is() -> None:
    """``selfcheck._tokens`` reads names where ``.local`` is, as ``_NAME`` alone reads them."""
    from icecheck.redact.selfcheck import _NAME, _tokens

    for text in [*_nameless(19, 4000), "a.local x", "A.LoCaL", "host-1.Local:5060"]:
        names = [t for t in _tokens(text) if t.startswith("name ")]
        assert names == ["name " + m.group().lower() for m in _NAME.finditer(text)], text
