"""The network map as inline SVG (pure), drawn by icecheck: no script, no external resource.

The tree of ``analysis.netmap.MapNode`` is laid out left to right: one column per depth (as wide
as its widest label), one row per leaf, a parent level with its first and last child. Boxes are
``<rect>`` and ``<text>`` with a class per node kind (the HTML report's style sheet colours them:
no style attribute, so the strict Content-Security-Policy of ``serve`` allows the drawing). Labels
are escaped and, when longer than ``MAX_LABEL`` characters, shortened with an ellipsis (the full
label stays in a ``<title>`` tooltip). Past ``MAX_NODES`` boxes the rest is left out, counted
and said so; the root's children may be built as they are drawn (``netmap.drawn``: one party's
map at a time).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from html import escape

from icecheck.analysis.netmap import MAX_DRAWN, MapNode, count_nodes
from icecheck.render.safe import safe

__all__ = ["MAX_NODES", "svg_map"]

MAX_NODES = MAX_DRAWN
MAX_LABEL = 60
_CHAR = 7.4  # px per character of the 12 px monospace font
_ROW, _BOX, _GAP, _PAD = 30, 22, 36, 8


def svg_map(root: MapNode, kids: Iterable[MapNode] | None = None) -> tuple[str, int]:
    """The SVG text and how many nodes were left out (beyond ``MAX_NODES``); ``kids``: the root's
    children when they are built as they are drawn."""
    placed: list[tuple[MapNode, int, float]] = []  # node, depth, row
    edges: list[tuple[int, int]] = []
    left_out = _place(root, 0, placed, edges, [0], kids)
    widths: dict[int, float] = {}
    for node, depth, _ in placed:
        widths[depth] = max(widths.get(depth, 0.0), len(_label(node)) * _CHAR + 2 * _PAD)
    xs = [0.0]
    for depth in range(1, len(widths) + 1):
        xs.append(xs[-1] + widths[depth - 1] + _GAP)
    rows = max((row for _, _, row in placed), default=0.0)
    width, height = xs[len(widths)] - _GAP + 2, (rows + 1) * _ROW + 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="netmap" role="img" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="-1 -1 {width:.0f} {height:.0f}" aria-label="network map">'
    ]
    for parent, child in edges:
        (_, pd, pr), (_, cd, cr) = placed[parent], placed[child]
        x1, y1, x2, y2 = xs[pd] + widths[pd], pr * _ROW + _BOX / 2, xs[cd], cr * _ROW + _BOX / 2
        mid = (x1 + x2) / 2
        parts.append(
            f'<path class="edge" d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"/>'
        )
    parts += _boxes(placed, xs, widths)
    parts.append("</svg>")
    return "\n".join(parts), left_out


def _place(
    node: MapNode,
    depth: int,
    placed: list[tuple[MapNode, int, float]],
    edges: list[tuple[int, int]],
    next_row: list[int],
    kids: Iterable[MapNode] | None = None,
) -> int:
    """Depth-first: leaves take the next row; a parent sits level with its first and last child."""
    index = len(placed)
    placed.append((node, depth, float(next_row[0])))
    left_out, rows = 0, []
    for child in node.children if kids is None else kids:
        if len(placed) >= MAX_NODES:
            left_out += count_nodes(child)
            continue
        edges.append((index, len(placed)))
        rows.append(len(placed))
        left_out += _place(child, depth + 1, placed, edges, next_row)
    if rows:
        first, last = placed[rows[0]][2], placed[rows[-1]][2]
        placed[index] = (node, depth, (first + last) / 2)
    else:
        next_row[0] += 1
    return left_out


def _boxes(placed: list[tuple[MapNode, int, float]], xs: list[float], widths: dict[int, float]) -> Iterator[str]:
    for node, depth, row in placed:
        x, y, full = xs[depth], row * _ROW, safe(node.label)
        kind = node.kind if node.kind.isalnum() else "other"
        yield (
            f'<g class="node k-{kind}"><title>{escape(full)}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{widths[depth]:.1f}" height="{_BOX}" rx="5"/>'
            f'<text x="{x + _PAD:.1f}" y="{y + _BOX / 2 + 4:.1f}">{escape(_label(node))}</text></g>'
        )


def _label(node: MapNode) -> str:
    text = safe(node.label)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"
