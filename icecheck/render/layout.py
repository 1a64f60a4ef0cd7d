"""Terminal layout (pure): word wrap with hanging indents, aligned columns and trees, as lines.

The terminal report is a column of styled lines laid out here, once, for the console's width;
rich only styles and prints them. Rich's Table and Tree measure every cell several times, which
cost more than the whole audit of a typical offer, and they break addresses mid-way to fit a
column. Here no token is ever broken: text wraps only at spaces, a word longer than a line gets
a line of its own (it overflows rather than being cut), and a table cell too wide for its column
moves, whole, to a line of its own below its row. Widths are terminal cells (``rich.cells``), so
wide characters in names keep the columns aligned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import islice, product
from typing import TypeVar

from rich.cells import cell_len
from rich.text import Text

N = TypeVar("N")
_WORD = re.compile(r"\S+\s*")
MIN_WRAP = 36  # a wrapped last column narrower than this moves to lines of its own
PARAGRAPH = 100  # free text never runs wider than this, however wide the terminal
MAX_LAYOUTS = 20_000  # combinations of foldable column widths tried


def width_of(text: str) -> int:
    """Terminal cells of ``text`` (ASCII: its length)."""
    return len(text) if text.isascii() else cell_len(text)


def longest_word(text: str) -> int:
    """Cells of the widest space-separated word of ``text`` (0 when blank)."""
    return max((width_of(w) for w in text.split()), default=0)


def wrap(text: Text, width: int, first: str = "", rest: str | None = None) -> list[Text]:
    """``text`` word-wrapped to ``width`` cells: ``first`` before line one, ``rest`` before the others.

    Lines break only at spaces; a word wider than a whole line stands alone on its line, whole."""
    rest = " " * width_of(first) if rest is None else rest
    cuts = _cuts(text.plain, width, first, rest)
    if cuts is None:  # most lines: nothing to wrap
        return [_line(first, text)]
    pieces = text.divide(cuts)  # one pass: pieces 1, 3, 5... are the lines
    return [_line(first if i == 0 else rest, pieces[2 * i + 1]) for i in range(len(cuts) // 2)]


def wrapped_lines(plain: str, width: int, first: str = "", rest: str | None = None) -> int:
    """How many lines ``wrap`` makes of a text whose plain form is ``plain`` (nothing built)."""
    rest = " " * width_of(first) if rest is None else rest
    cuts = _cuts(plain, width, first, rest)
    return 1 if cuts is None else len(cuts) // 2


def _cuts(plain: str, width: int, first: str, rest: str) -> list[int] | None:
    """Start, end of each line of ``plain`` wrapped as ``wrap`` does (ends exclude trailing
    blanks); None when it fits on its first line as it is."""
    room = max(1, width - width_of(first))
    if width_of(plain) <= room and "\n" not in plain:
        return None
    cuts: list[int] = []
    start: int | None = None
    end = used = 0
    for m in _WORD.finditer(plain):
        at, word = m.start(), m.group().rstrip()
        size = width_of(word)
        if start is not None and used + size > room:
            cuts += (start, end)
            room, start = max(1, width - width_of(rest)), None
        if start is None:
            start, used = at, 0
        end = at + len(word)
        used += size + len(m.group()) - len(m.group().rstrip())
    cuts += (start or 0, end)
    return cuts


def paragraph(text: Text, width: int, first: str = "", rest: str | None = None) -> list[Text]:
    """``wrap`` for free text: at most ``PARAGRAPH`` cells wide whatever the terminal's width."""
    return wrap(text, min(width, PARAGRAPH), first, rest)


def _line(prefix: str, piece: Text) -> Text:
    line = Text(prefix)
    line.append_text(piece)
    return line


def _pad(text: Text, width: int) -> Text:
    padded = text.copy()
    padded.append(" " * max(0, width - width_of(text.plain)))
    return padded


def _steps(cells: Sequence[int], title: int) -> list[int]:
    """The widths a shrinkable column may take, widest first: each cell width that still fits its
    title, then 0 (the column leaves the row line: every cell of it moves below)."""
    return [w for w in sorted(set(cells), reverse=True) if w >= title] + [0]


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

    No cell is ever cut. The last column, when ``wrap_last``, is word-wrapped (at spaces, at most
    ``PARAGRAPH`` cells) in the room left; when that is under ``MIN_WRAP`` cells, or narrower than
    its longest word, it moves to lines of its own below its row, under the second column.
    ``foldable`` columns narrow when the row would not fit: a cell wider than its column then
    moves, whole, to a line of its own below its row (a column may move out entirely, its title
    then on a header line of its own). ``optional`` columns are left out when every cell of
    theirs is empty.
    """
    empty = {i for i in optional if not any(row[i].plain for row in rows)}
    if empty:
        keep = [i for i in range(len(header)) if i not in empty]
        header, rows = [header[i] for i in keep], [[row[i] for i in keep] for row in rows]
        foldable = [keep.index(i) for i in foldable if i in keep]
    count = len(header)
    fixed = count - 1 if wrap_last else count
    cells = [[width_of(row[i].plain) for row in rows] for i in range(count)]
    widths = [max([width_of(header[i]), *cells[i]]) for i in range(count)]
    steps = {i: _steps(cells[i], width_of(header[i])) for i in foldable if i < fixed and i > 0}

    def used() -> int:
        shown = [w for i, w in enumerate(widths[:fixed]) if w or i not in steps]
        return indent + sum(shown) + gap * (len(shown) - 1)

    if used() > width:
        _narrow(widths, steps, cells, lambda: used() <= width)
    last_room = min(width - used() - gap, PARAGRAPH)
    last_words = max((longest_word(row[-1].plain) for row in rows), default=0) if wrap_last else 0
    inline = wrap_last and last_room >= min(MIN_WRAP, widths[-1]) and last_room >= last_words
    inline_cols = [i for i in range(fixed) if widths[i] or i not in steps]
    moved = [i for i in range(fixed) if i not in inline_cols]
    under = " " * (indent + (widths[0] + gap if count > 1 else 0))
    lines: list[Text] = []
    titles = [header[i] for i in inline_cols] + ([header[-1]] if inline else [])
    if any(header):
        lines.append(_row([[Text(h, style="bold")] for h in titles], _sizes(widths, inline_cols), indent, gap))
        below = [header[i] for i in moved] + ([header[-1]] if wrap_last and not inline else [])
        lines += [Text.assemble(under, (h, "bold")) for h in below if h]
    for row in rows:
        shown = [[row[i]] if width_of(row[i].plain) <= widths[i] or i not in steps else [] for i in inline_cols]
        if inline:
            shown.append(wrap(row[-1], last_room) if row[-1].plain else [Text()])
        height = max(len(p) for p in shown)
        sizes = _sizes(widths, inline_cols)
        lines += [_row([p[k : k + 1] for p in shown], sizes, indent, gap) for k in range(height)]
        lines += [_line(under, row[i]) for i in range(fixed) if i in steps and width_of(row[i].plain) > widths[i]]
        if wrap_last and not inline and row[-1].plain:
            lines.extend(wrap(row[-1], min(width, len(under) + PARAGRAPH), under, under))
    return lines


def _narrow(widths: list[int], steps: dict[int, list[int]], cells: list[list[int]], fits: Callable[[], bool]) -> None:
    """Set the foldable columns' widths (``steps``) so that the row ``fits`` moving the fewest cells
    below, a cell of a column listed later counting more; a column whose cells would mostly move
    below moves out whole instead (width 0)."""
    choices = []
    for k, (i, options) in enumerate(steps.items()):
        filled = [c for c in cells[i] if c]
        moved = {w: sum(c > w for c in filled) for w in options}
        weight = 1 + 4 * k  # the columns listed first move first
        choices.append([(w, weight * moved[w]) for w in options if w == 0 or 2 * moved[w] <= len(filled)])
    best: tuple[int, int] | None = None
    chosen: tuple[int, ...] = tuple(0 for _ in steps)
    for combo in islice(product(*choices), MAX_LAYOUTS):
        for i, (w, _) in zip(steps, combo, strict=True):
            widths[i] = w
        if fits():
            score = (sum(m for _, m in combo), -sum(w for w, _ in combo))
            if best is None or score < best:
                best, chosen = score, tuple(w for w, _ in combo)
    for i, w in zip(steps, chosen, strict=True):
        widths[i] = w


def _sizes(widths: Sequence[int], shown: Sequence[int]) -> list[int]:
    return [widths[i] for i in shown]


def _row(cells: Sequence[Sequence[Text]], widths: Sequence[int], indent: int, gap: int) -> Text:
    line = Text(" " * indent)
    last = max((i for i, c in enumerate(cells) if c and c[0].plain), default=-1)
    for i, cell in enumerate(cells[: last + 1]):
        piece = cell[0] if cell else Text()
        line.append_text(piece if i == last else _pad(piece, widths[i] if i < len(widths) else 0))
        if i < last:
            line.append(" " * gap)
    return line


def tree(
    root: N, label: Callable[[N], Text], children: Callable[[N], Sequence[N]], width: int, indent: str = ""
) -> list[Text]:
    """Lines of a tree drawn with box guides; long labels wrap (at spaces) under their own guide."""
    return tree_head(root, label, children, width, indent)[0]


def tree_head(
    root: N,
    label: Callable[[N], Text],
    children: Callable[[N], Sequence[N]],
    width: int,
    indent: str = "",
    limit: int | None = None,
    plain: Callable[[N], str] | None = None,
) -> tuple[list[Text], int]:
    """``tree``'s first ``limit`` lines (all when None) and how many lines the whole tree has.
    Past ``limit`` lines are only counted, from ``plain`` (a label's plain text; default: the
    label's): nothing styled is built for them."""
    lines = wrap(label(root), width, indent, indent + ("│   " if children(root) else "    "))
    extra = 0
    text_of = plain or (lambda node: label(node).plain)

    def walk(node: N, prefix: str) -> None:
        nonlocal extra
        kids = children(node)
        for i, child in enumerate(kids):
            last = i == len(kids) - 1
            below = prefix + ("    " if last else "│   ")
            head = prefix + ("└── " if last else "├── ")
            if limit is not None and len(lines) >= limit:
                extra += wrapped_lines(text_of(child), width, head, below)
            else:
                lines.extend(wrap(label(child), width, head, below))
            walk(child, below)

    walk(root, indent)
    return (lines if limit is None else lines[:limit]), len(lines) + extra
