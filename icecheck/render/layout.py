"""Terminal layout (pure): word wrap with hanging indents, aligned columns and trees, as lines.

The terminal report is a column of styled lines laid out here, once, for the console's width;
rich only styles and prints them. Rich's Table and Tree measure every cell several times, which
cost more than the whole audit of a typical offer, and they break addresses mid-way to fit a
column. Here an address stays whole unless it alone is wider than its column (a hostile 300-byte
hostname); words are never split unless longer than a line. Widths are terminal cells
(``rich.cells``), so wide characters in names keep the columns aligned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from rich.cells import cell_len, chop_cells
from rich.text import Text

N = TypeVar("N")
_WORD = re.compile(r"\S+\s*")
MIN_WRAP = 36  # a wrapped last column narrower than this moves to lines of its own


def width_of(text: str) -> int:
    """Terminal cells of ``text`` (ASCII: its length)."""
    return len(text) if text.isascii() else cell_len(text)


def _fit(text: str, width: int) -> int:
    """How many leading characters of ``text`` fit in ``width`` cells (at least one)."""
    if text.isascii():
        return max(1, min(len(text), width))
    return max(1, len(chop_cells(text, width)[0]))


def wrap(text: Text, width: int, first: str = "", rest: str | None = None) -> list[Text]:
    """``text`` word-wrapped to ``width`` cells: ``first`` before line one, ``rest`` before the others."""
    rest = " " * width_of(first) if rest is None else rest
    plain = text.plain
    room = max(1, width - width_of(first))
    if width_of(plain) <= room and "\n" not in plain:  # most lines: nothing to wrap
        return [_line(first, text)]
    cuts: list[int] = []  # start, end of each line in turn (ends exclude trailing blanks)
    start: int | None = None
    end = used = 0
    for m in _WORD.finditer(plain):
        at, word = m.start(), m.group().rstrip()
        size = width_of(word)
        if start is not None and used + size > room:
            cuts += (start, end)
            room, start = max(1, width - width_of(rest)), None
        while size > room:  # a word wider than a whole line: cut it
            cut = _fit(word, room)
            cuts += (at, at + cut)
            room = max(1, width - width_of(rest))
            at, word = at + cut, word[cut:]
            size = width_of(word)
        if start is None:
            start, used = at, 0
        end = at + len(word)
        used += size + len(m.group()) - len(m.group().rstrip())
    cuts += (start or 0, end)
    pieces = text.divide(cuts)  # one pass: pieces 1, 3, 5... are the lines
    return [_line(first if i == 0 else rest, pieces[2 * i + 1]) for i in range(len(cuts) // 2)]


def _line(prefix: str, piece: Text) -> Text:
    line = Text(prefix)
    line.append_text(piece)
    return line


def fold(text: Text, width: int) -> list[Text]:
    """``text`` cut into pieces of ``width`` cells (addresses: no word boundaries to respect)."""
    plain = text.plain
    if width_of(plain) <= width:
        return [text]
    out: list[Text] = []
    start = 0
    while start < len(plain):
        cut = _fit(plain[start:], width)
        out.append(text[start : start + cut])
        start += cut
    return out


def _pad(text: Text, width: int) -> Text:
    padded = text.copy()
    padded.append(" " * max(0, width - width_of(text.plain)))
    return padded


def columns(
    header: Sequence[str],
    rows: Sequence[Sequence[Text]],
    width: int,
    *,
    indent: int = 2,
    gap: int = 2,
    foldable: Sequence[int] = (),
    optional: Sequence[int] = (),
    wrap_last: bool = True,
) -> list[Text]:
    """Rows as aligned columns under a bold header (no header when every title is empty).

    The last column, when ``wrap_last``, is word-wrapped in the room left; when that is under
    ``MIN_WRAP`` cells it moves to lines of its own below its row, under the second column.
    ``foldable`` columns are cut when the others leave too little room (every piece is shown);
    ``optional`` columns are left out when every cell of theirs is empty.
    """
    empty = {i for i in optional if not any(row[i].plain for row in rows)}
    if empty:
        keep = [i for i in range(len(header)) if i not in empty]
        header, rows = [header[i] for i in keep], [[row[i] for i in keep] for row in rows]
        foldable = [keep.index(i) for i in foldable if i in keep]
    count = len(header)
    natural = [width_of(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            natural[i] = max(natural[i], width_of(cell.plain))
    widths = list(natural)
    fixed = count - 1 if wrap_last else count
    used = indent + sum(widths[:fixed]) + gap * (fixed - 1)
    inline = wrap_last and width - used - gap >= min(MIN_WRAP, natural[-1])
    over = used - width
    for floor in (15, 8):  # an IPv4 address stays whole unless the terminal is very narrow
        for i in sorted(foldable, key=lambda k: -widths[k]):
            if over <= 0 or inline:
                break
            cut = min(over, widths[i] - max(floor, width_of(header[i])))
            if cut > 0:
                widths[i] -= cut
                over -= cut
    last_room = width - used - gap
    shown = count if (inline or not wrap_last) else fixed
    lines: list[Text] = []
    if any(header[:shown]):
        lines.append(_row([[Text(h, style="bold")] for h in header[:shown]], widths, indent, gap))
    under = " " * (indent + widths[0] + gap)
    if wrap_last and not inline and header[-1] and any(row[-1].plain for row in rows):  # its title moves too
        lines.append(Text.assemble(under, (header[-1], "bold")))
    for row in rows:
        parts: list[list[Text]] = []
        for i, cell in enumerate(row[:fixed]):
            parts.append(fold(cell, widths[i]) if i in foldable else [cell])
        if wrap_last and inline:
            parts.append(wrap(row[-1], last_room) if row[-1].plain else [Text()])
        height = max(len(p) for p in parts)
        for k in range(height):
            lines.append(_row([p[k : k + 1] for p in parts], widths, indent, gap))
        if wrap_last and not inline and row[-1].plain:
            lines.extend(wrap(row[-1], width, under, under))
    return lines


def _row(cells: Sequence[Sequence[Text]], widths: Sequence[int], indent: int, gap: int) -> Text:
    line = Text(" " * indent)
    last = max((i for i, c in enumerate(cells) if c and c[0].plain), default=-1)
    for i, cell in enumerate(cells[: last + 1]):
        piece = cell[0] if cell else Text()
        line.append_text(piece if i == last else _pad(piece, widths[i]))
        if i < last:
            line.append(" " * gap)
    return line


def tree(
    root: N, label: Callable[[N], Text], children: Callable[[N], Sequence[N]], width: int, indent: str = ""
) -> list[Text]:
    """Lines of a tree drawn with box guides; long labels wrap under their own guide."""
    lines = wrap(label(root), width, indent, indent + ("│   " if children(root) else "    "))

    def walk(node: N, prefix: str) -> None:
        kids = children(node)
        for i, child in enumerate(kids):
            last = i == len(kids) - 1
            below = prefix + ("    " if last else "│   ")
            lines.extend(wrap(label(child), width, prefix + ("└── " if last else "├── "), below))
            walk(child, below)

    walk(root, indent)
    return lines
