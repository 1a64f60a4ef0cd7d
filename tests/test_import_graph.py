"""The package's import graph has no cycle, counting every import wherever it is written.

An import inside a function, under ``if TYPE_CHECKING:``, or through ``importlib.import_module``
with a literal name counts as much as one at the top of a module: each is a dependency, and a
cycle among them means two modules that cannot be understood, tested or moved one without the
other. ``from icecheck.x import y`` where ``y`` is a module imports ``icecheck.x.y``; where ``y``
is a name, it imports ``icecheck.x``. Importing ``icecheck.x.y`` also runs the package
``icecheck.x``'s ``__init__``; that implicit step is not an edge (a package that re-exports its
submodules would otherwise be a cycle by construction).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = "icecheck"

Edge = tuple[str, str, int]  # (importer, imported, line in the importer)


def modules(root: Path = REPO / PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name; a package is its ``__init__``."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(node: ast.AST, importer: str, is_package: bool, known: dict[str, Path]) -> Iterator[str]:
    """The package's modules that one AST node imports."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: from the importer's package, one level up per extra dot
            here = importer.split(".") if is_package else importer.split(".")[:-1]
            anchor = here[: len(here) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "import_module"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        yield node.args[0].value


def edges(known: dict[str, Path]) -> list[Edge]:
    """Every import from one of the package's modules to another, with its line."""
    out = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            for target in _imported(node, name, is_package, known):
                if target in known and target != name:
                    out.append((name, target, getattr(node, "lineno", 0)))
    return out


def cycles(graph: list[Edge]) -> list[list[Edge]]:
    """For each module on a cycle, the shortest import chain from it back to itself (each cycle once)."""
    succ: dict[str, dict[str, int]] = {}
    for a, b, line in graph:
        succ.setdefault(a, {}).setdefault(b, line)
    found: list[list[Edge]] = []
    for start in sorted(succ):
        cycle = _shortest_path_back(succ, start)
        if cycle and not any(set(cycle) == set(seen) for seen in found):
            found.append(cycle)
    return found


def _shortest_path_back(succ: dict[str, dict[str, int]], start: str) -> list[Edge]:
    """The shortest import chain from ``start`` back to itself (breadth first), or []."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(succ.get(node, {})):
                if child == start:
                    chain = [node]
                    while chain[-1] != start:
                        chain.append(came_from[chain[-1]])
                    hops = [*reversed(chain), start]
                    return [(a, b, succ[a][b]) for a, b in itertools.pairwise(hops)]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    return []


def describe(cycle: list[Edge], known: dict[str, Path]) -> str:
    """``a → b (a.py:12) → c (b.py:40) → a (c.py:7)``."""
    steps = [cycle[0][0]]
    for a, b, line in cycle:
        steps.append(f"{b} ({known[a].relative_to(REPO)}:{line})")
    return " → ".join(steps)


def test_the_package_has_no_import_cycle() -> None:
    known = modules()
    found = [describe(c, known) for c in cycles(edges(known))]
    assert not found, "import cycles:\n" + "\n".join(found)


# -- the checker itself finds what it must -------------------------------------------------------------


@pytest.fixture
def fake(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("from pkg.sub import a\n")  # a re-export: no cycle
    return root


def _found(root: Path, files: dict[str, str]) -> list[list[str]]:
    for name, text in files.items():
        (root / name).write_text(text)
    known = modules(root)
    return [[a for a, _b, _line in c] for c in cycles(edges(known))]


def test_a_cycle_through_function_level_imports_is_found(fake: Path) -> None:
    found = _found(
        fake,
        {
            "sub/a.py": "import os\n\ndef f():\n    from pkg.sub import b\n",
            "sub/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import C\n",
            "sub/c.py": "from pkg.sub.a import f\n",
        },
    )
    assert found == [["pkg.sub.a", "pkg.sub.b", "pkg.sub.c"]]


def test_a_name_imported_from_a_package_is_an_edge_to_the_package(fake: Path) -> None:
    found = _found(fake, {"sub/a.py": "x = 1\n", "helper.py": "from pkg.sub import a\nfrom pkg import sub\n"})
    assert found == []  # helper → pkg.sub.a and helper → pkg.sub; neither imports helper
    found = _found(fake, {"sub/a.py": "from ..helper import y\n", "helper.py": "from pkg.sub import a\ny = 1\n"})
    assert found == [["pkg.helper", "pkg.sub.a"]]


def test_a_literal_import_module_counts(fake: Path) -> None:
    found = _found(
        fake,
        {"sub/a.py": "import importlib\nm = importlib.import_module('pkg.sub.b')\n", "sub/b.py": "import pkg.sub.a\n"},
    )
    assert found == [["pkg.sub.a", "pkg.sub.b"]]
