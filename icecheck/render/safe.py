"""Escaping for untrusted strings: nothing from the input may control the terminal.

Control characters (C0, C1, DEL), format characters such as bidi overrides (Unicode Cf)
and line/paragraph separators are shown as ``\\xNN``/``\\uNNNN``. Rich markup is not an
issue where callers wrap results in ``rich.text.Text``; ``markup`` additionally escapes
``[`` for places that take markup strings.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def safe(text: str) -> str:
    """Printable form of ``text`` with control and format characters escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape_char(ch) for ch in text)


def _escape_char(ch: str) -> str:
    if ch == " ":
        return ch
    code = ord(ch)
    if unicodedata.category(ch) in ("Zs",):
        return ch
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def markup(text: str) -> str:
    """``safe`` plus rich markup escaping, for APIs that interpret markup."""
    from rich.markup import escape

    return escape(safe(text))
