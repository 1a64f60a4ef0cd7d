"""Numbers in untrusted input: ``decimal`` reads one from text, ``finite`` takes a JSON number; both
say when there is none, and never raise.

Two checks that look sufficient are not: ``str.isdigit`` takes "²" (which ``int`` refuses), and
``int`` refuses more than 4300 digits (``sys.get_int_max_str_digits``), so ``isdecimal()`` then
``int()`` still raises ValueError on a Content-Length or a port of 5,000 nines, and a ValueError
in one field stops the reading of the rest of an input.
"""

from __future__ import annotations

import math

MAX_DIGITS = 4300  # int()'s default limit on the digits of a string it converts


def decimal(text: str | bytes) -> int | None:
    """The value of ``text`` when it is a run of decimal digits (any script's, as ``int`` reads
    them; bytes: ASCII ones; no sign, space or underscore), else None. Leading zeros are ignored;
    a value of more than ``MAX_DIGITS`` significant digits is None (no length or port is that big)."""
    if isinstance(text, bytes):
        if not text.isdigit():  # bytes.isdigit is ASCII digits only
            return None
        text = text.decode("ascii")
    if not text.isdecimal():
        return None
    significant = text.lstrip("0") or "0"
    return int(significant) if len(significant) <= MAX_DIGITS else None


def finite(value: object) -> float | None:
    """A JSON number as a finite float, else None: a bool, NaN, an infinity, and an int too large for a
    float (``10**400``, whose ``float()`` raises OverflowError) are none."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
