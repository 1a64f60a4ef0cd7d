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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
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


_HANG = re.compile(r"\s*(?:[+•-] )?")


def fold(text: str, width: int) -> str:
    """Plain ``text`` with each line ``paragraph``-wrapped to ``width``: a line's continuations are
    indented past its leading blanks and a leading ``+ ``, ``- `` or ``• `` sign, or by two more
    blanks when it has no sign."""
    out: list[str] = []
    for line in text.split("\n"):
        head = _HANG.match(line).group()  # type: ignore[union-attr]  # the pattern matches any line
        rest = " " * (width_of(head) + (0 if head.strip() else 2))
        out += [piece.plain for piece in paragraph(Text(line[len(head) :]), width, head, rest)]
    return "\n".join(out)


def _line(prefix: str, piece: Text) -> Text:
    line = Text(prefix)
    line.append_text(piece)
    return line


def _pad(text: Text, width: int) -> Text:
    padded = text.copy()
    padded.append(" " * max(0, width - width_of(text.plain)))
    return padded


def _steps(cells: Counter[int], title: int) -> list[int]:
    """The widths a shrinkable column may take, widest first: each cell width that still fits its
    title, then 0 (the column leaves the row line: every cell of it moves below)."""
    return [w for w in sorted(cells, reverse=True) if w >= title] + [0]


class Measure:
    """What ``column_lines`` needs to know of all the rows before it lays out the first: per column,
    how many cells have each width (a ``Counter``: a million rows have a few distinct widths), which
    columns have a non-empty cell, and the longest word of the last column. One pass over the rows."""

    def __init__(self, count: int, rows: Iterable[Sequence[Text]]) -> None:
        self.cells: list[Counter[int]] = [Counter() for _ in range(count)]
        self.filled = [False] * count
        self.last_word = 0
        for row in rows:
            for i in range(count):
                plain = row[i].plain
                self.cells[i][width_of(plain)] += 1
                self.filled[i] = self.filled[i] or bool(plain)
            self.last_word = max(self.last_word, longest_word(row[-1].plain))


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
    """``column_lines`` as a list."""
    return list(column_lines(header, rows, width, indent=indent, gap=gap, foldable=foldable, optional=optional,
                             wrap_last=wrap_last))  # fmt: skip


def column_lines(
    header: Sequence[str],
    rows: Iterable[Sequence[Text]],
    width: int,
    *,
    indent: int = 2,
    gap: int = 2,
    foldable: Sequence[int] = (),
    optional: Sequence[int] = (),
    wrap_last: bool = True,
) -> Iterator[Text]:
    """Rows as aligned columns under a bold header (no header when every title is empty), one line
    at a time, in two passes over ``rows`` (an iterable read twice: a sequence, or rows built anew
    on each pass): the first measures the cells (``Measure``), the second lays out each row.

    No cell is ever cut. The last column, when ``wrap_last``, is word-wrapped (at spaces, at most
    ``PARAGRAPH`` cells) in the room left; when that is under ``MIN_WRAP`` cells, or narrower than
    its longest word, it moves to lines of its own below its row, under the second column.
    ``foldable`` columns narrow when the row would not fit: a cell wider than its column then
    moves, whole, to a line of its own below its row (a column may move out entirely, its title
    then on a header line of its own). ``optional`` columns (never the last) are left out when
    every cell of theirs is empty.
    """
    if optional and len(header) - 1 in optional:
        raise ValueError("the last column cannot be optional")
    measured = Measure(len(header), rows)
    keep = [i for i in range(len(header)) if i not in optional or measured.filled[i]]
    header = [header[i] for i in keep]
    foldable = [keep.index(i) for i in foldable if i in keep]
    count = len(header)
    fixed = count - 1 if wrap_last else count
    cells = [measured.cells[i] for i in keep]
    widths = [max([width_of(header[i]), *cells[i]]) for i in range(count)]
    steps = {i: _steps(cells[i], width_of(header[i])) for i in foldable if i < fixed and i > 0}

    def used() -> int:
        shown = [w for i, w in enumerate(widths[:fixed]) if w or i not in steps]
        return indent + sum(shown) + gap * (len(shown) - 1)

    if used() > width:
        _narrow(widths, steps, cells, lambda: used() <= width)
    last_room = min(width - used() - gap, PARAGRAPH)
    last_words = measured.last_word if wrap_last else 0
    inline = wrap_last and last_room >= min(MIN_WRAP, widths[-1]) and last_room >= last_words
    inline_cols = [i for i in range(fixed) if widths[i] or i not in steps]
    moved = [i for i in range(fixed) if i not in inline_cols]
    under = " " * (indent + (widths[0] + gap if count > 1 else 0))
    titles = [header[i] for i in inline_cols] + ([header[-1]] if inline else [])
    sizes = _sizes(widths, inline_cols)
    if any(header):
        yield _row([[Text(h, style="bold")] for h in titles], sizes, indent, gap)
        below = [header[i] for i in moved] + ([header[-1]] if wrap_last and not inline else [])
        yield from (Text.assemble(under, (h, "bold")) for h in below if h)
    for full in rows:
        row = [full[i] for i in keep] if len(keep) < len(full) else full
        shown = [[row[i]] if width_of(row[i].plain) <= widths[i] or i not in steps else [] for i in inline_cols]
        if inline:
            shown.append(wrap(row[-1], last_room) if row[-1].plain else [Text()])
        height = max(len(p) for p in shown)
        for k in range(height):
            yield _row([p[k : k + 1] for p in shown], sizes, indent, gap)
        yield from (_line(under, row[i]) for i in range(fixed) if i in steps and width_of(row[i].plain) > widths[i])
        if wrap_last and not inline and row[-1].plain:
            yield from wrap(row[-1], min(width, len(under) + PARAGRAPH), under, under)


def _narrow(
    widths: list[int], steps: dict[int, list[int]], cells: list[Counter[int]], fits: Callable[[], bool]
) -> None:
    """Set the foldable columns' widths (``steps``) so that the row ``fits`` moving the fewest cells
    below, a cell of a column listed later counting more; a column whose cells would mostly move
    below moves out whole instead (width 0). ``cells``: per column, how many cells have each width."""
    choices = []
    for k, (i, options) in enumerate(steps.items()):
        filled = {c: n for c, n in cells[i].items() if c}
        total = sum(filled.values())
        moved = {w: sum(n for c, n in filled.items() if c > w) for w in options}
        weight = 1 + 4 * k  # the columns listed first move first
        choices.append([(w, weight * moved[w]) for w in options if w == 0 or 2 * moved[w] <= total])
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
    return list(tree_lines(root, label, children, width, indent))


def tree_lines(
    root: N, label: Callable[[N], Text], children: Callable[[N], Sequence[N]], width: int, indent: str = ""
) -> Iterator[Text]:
    """``tree``'s lines one at a time: the nodes are visited as ``children`` yields them (a node's
    children may be built as they are iterated), and only the path from the root to the node drawn
    is held."""
    for node, head, below in _places(root, children, indent):
        yield from wrap(label(node), width, head, below)


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
    lines: list[Text] = []
    extra = 0
    text_of = plain or (lambda node: label(node).plain)
    cells: dict[str, int] = {}  # the width of each guide (box-drawing characters: not ASCII, slow to measure)
    for n, (node, head, below) in enumerate(_places(root, children, indent)):
        if limit is not None and len(lines) >= limit and n:  # the root is always drawn
            text = text_of(node)
            used = cells.get(head)
            if used is None:
                used = cells[head] = width_of(head)
            if text.isascii() and len(text) <= width - used and "\n" not in text:  # fits: one line (``_cuts``)
                extra += 1
            else:
                extra += wrapped_lines(text, width, head, below)
        else:
            lines.extend(wrap(label(node), width, head, below))
    return (lines if limit is None else lines[:limit]), len(lines) + extra


def _places(root: N, children: Callable[[N], Sequence[N]], indent: str) -> Iterator[tuple[N, str, str]]:
    """Each node of the tree in drawing order (pre-order) with the guides before its first line and
    before the others: ``├── `` / ``│   `` under a sibling that follows, ``└── `` / ``    `` for
    the last. Children are iterated as they are drawn (each level's iterator is held, not its nodes)."""
    yield root, indent, indent + ("│   " if children(root) else "    ")
    stack = [(indent, len(kids := children(root)), enumerate(kids))]
    while stack:
        prefix, count, kids_left = stack[-1]
        step = next(kids_left, None)
        if step is None:
            stack.pop()
            continue
        i, child = step
        last = i == count - 1
        below = prefix + ("    " if last else "│   ")
        yield child, prefix + ("└── " if last else "├── "), below
        grandchildren = children(child)
        if grandchildren:  # a leaf adds nothing to walk
            stack.append((below, len(grandchildren), enumerate(grandchildren)))
