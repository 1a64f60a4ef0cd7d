"""``text._stretches``: the redactor searches for addresses, MACs and names only outside blocks of
long lines holding no colon, dot or dash (a base64 body) and the insides of long colon-hex runs, and
finds what searching everything found.

Every ``TOKENS`` match holds one of those characters and no line feed, so a block of lines of none
holds no match; none begins in a colon-hex run more than 64 characters before its end, nor reaches
into one from before it when a separator stands before the run; the matches are read in the whole
text, so what lies before a stretch is seen as it was (``(?<!^::)``, lookbehinds). Compared with
``TOKENS.finditer`` and ``TOKENS.sub`` on seeded random texts built of addresses, base64 lines, long
colon-hex runs and separators, and on a run after every character that may stand before one.
"""

from __future__ import annotations

import itertools
import random
import re

from icecheck.redact.standins import StandIns
from icecheck.redact.text import TOKENS, _replace, _replaced, _stretches, _tokens_in

_PIECES = [
    "2a00::1", "10.1.2.3", "a.local", "00-11-22-33-44-55", "0011.2233.4455", "::", "\n::1", "fe80::1%eth0",
    "aa:bb:cc:dd:ee:ff", "1.2.3.4.5060", "x.local.", "Chrome/1.2.3.4", "::ffff:1.2.3.4", "QUJDRA==\n",
    "QUJDRA" * 12 + "\n", "\n" + "x" * 70 + "\n", "Zm9v" * 17, "\n" + "A" * 64 + "\n::1\n", "\n" + "B" * 63 + "\n",
]  # fmt: skip
_CHARS = "0123456789abcdefABCDEF:::...--\n\n %zlocalLOCAL/+=xyz_"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # a name's stand-in: random


def _run(rng: random.Random) -> str:
    """A colon-hex run of 1,024 characters or more (hex only, or ``::`` every few groups)."""
    groups = [f"{rng.randrange(1 << 16):x}" for _ in range(rng.randint(220, 400))]
    sep = rng.choice([":", "", "::"])
    return ("::" if sep == "::" else ":").join(groups) if sep else "".join(groups) + "a" * 1024


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    pieces = [*_PIECES, "", "", ""]  # (a place for a long run: one text in three holds some)
    long_runs = [_run(rng) for _ in range(8)]
    texts = []
    for _ in range(count):
        parts = [rng.choice(pieces) if rng.random() < 0.3 else rng.choice(_CHARS) for _ in range(rng.randint(0, 60))]
        if rng.random() < 0.35:
            parts.insert(rng.randint(0, len(parts)), rng.choice(long_runs))
        texts.append("".join(parts))
    return texts


def test_the_stretches_hold_every_match() -> None:
    passed_over = 0
    for text in _texts(7, 6000):
        whole = [m.span() for m in TOKENS.finditer(text)]
        assert [m.span() for m in _tokens_in(text)] == whole, text
        passed_over += sum(e - s for s, e in _stretches(text)) < len(text) - 1000
    assert passed_over > 500  # texts with a long run passed over are well represented


def test_a_run_after_any_character() -> None:
    """What stands before a long run decides whether it is passed over: a zone (``%``), a dot, a label,
    a dash may carry a match into it. The same matches whatever stands there, and after it."""
    runs = [":".join(f"{g:x}" for g in range(0x1000, 0x1000 + 300)), "ab12" * 300]  # (a zone reads on in hex)
    tails = ["", "%eth0", ".local", ".1.2.3", "-aa", " x", "::", "zz"]
    befores = ["fe80::1%", "fe80::1", "1.2.3.", "a.", "x-", "x_", "%", "z", " ", '"', "=", "\n", "", "::1 "]
    for run, before, tail in itertools.product(runs, befores, tails):
        text = f"{before}{run}{tail}"
        assert [m.span() for m in _tokens_in(text)] == [m.span() for m in TOKENS.finditer(text)], (before, tail)


def test_replaced_is_the_substitution() -> None:
    skipped = 0
    for text in _texts(8, 6000):
        standins = StandIns()
        expected = TOKENS.sub(lambda m, s=standins: _replace(m, s), text)
        assert _UUID.sub("U", _replaced(text, StandIns())) == _UUID.sub("U", expected), text
        skipped += sum(e - s for s, e in _stretches(text)) < len(text)
    assert skipped > 300  # texts with a block passed over are well represented


def test_a_base64_body_is_passed_over() -> None:
    body = "".join("QUJDRA" * 12 + "\n" for _ in range(1000))
    text = f"c=IN IP4 10.1.2.3\n{body}a=x 2a00::1\n"
    assert list(_stretches(text)) == [(0, 18), (18 + len(body), len(text))]


def test_a_long_colon_hex_run_is_passed_over() -> None:
    run = "::".join(f"{g:x}:{g + 1:x}" for g in range(0x1000, 0x1000 + 200))
    text = f"a=x 10.1.2.3 {run} 2a00::1\n"
    start = 13
    assert list(_stretches(text)) == [(0, start), (start + len(run) - 64, len(text))]
