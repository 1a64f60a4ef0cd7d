"""``text._stretches``: the redactor searches for addresses, MACs and names only outside blocks of
long lines holding no colon, dot or dash (a base64 body), and finds what searching everything found.

Every ``TOKENS`` match holds one of those characters and no line feed, so a block of lines of none
holds no match; the matches are read in the whole text, so what lies before a stretch is seen as it
was (``(?<!^::)``, lookbehinds). Compared with ``TOKENS.finditer`` and ``TOKENS.sub`` on seeded random
texts built of addresses, base64 lines and separators.
"""

from __future__ import annotations

import random
import re

from icecheck.redact.standins import StandIns
from icecheck.redact.text import TOKENS, _replace, _replaced, _stretches

_PIECES = [
    "2a00::1", "10.1.2.3", "a.local", "00-11-22-33-44-55", "0011.2233.4455", "::", "\n::1", "fe80::1%eth0",
    "aa:bb:cc:dd:ee:ff", "1.2.3.4.5060", "x.local.", "Chrome/1.2.3.4", "::ffff:1.2.3.4", "QUJDRA==\n",
    "QUJDRA" * 12 + "\n", "\n" + "x" * 70 + "\n", "Zm9v" * 17, "\n" + "A" * 64 + "\n::1\n", "\n" + "B" * 63 + "\n",
]  # fmt: skip
_CHARS = "0123456789abcdefABCDEF:::...--\n\n %zlocalLOCAL/+=xyz_"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # a name's stand-in: random


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(_PIECES) if rng.random() < 0.3 else rng.choice(_CHARS) for _ in range(rng.randint(0, 60)))
        for _ in range(count)
    ]


def test_the_stretches_hold_every_match() -> None:
    for text in _texts(7, 6000):
        whole = [m.span() for m in TOKENS.finditer(text)]
        assert [m.span() for s, e in _stretches(text) for m in TOKENS.finditer(text, s, e)] == whole, text


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
