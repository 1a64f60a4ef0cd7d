"""The package's shape stays as docs/architecture.md describes it: a few modules at the top, the
pipeline's stages as subpackages, each package introduced by a docstring and an ``__all__``."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "icecheck"


def test_at_most_twelve_modules_at_the_top_level() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 12, top
    assert {"gather.py", "classify.py", "report.py"} <= set(top)  # the project's public faces


def test_every_package_has_a_docstring_and_all() -> None:
    for init in sorted(PACKAGE.rglob("__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        names = {
            t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
        }
        assert ast.get_docstring(tree), f"{init} has no docstring"
        assert "__all__" in names, f"{init} has no __all__"
