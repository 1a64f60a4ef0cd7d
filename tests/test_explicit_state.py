"""State travels in the open: no function rebinds a module's global, and only the entry point
sets the garbage collector's policy (readers, the audit and renderers leave it alone)."""

from __future__ import annotations

import ast
import gc
import sys

import pytest

from icecheck.cli import main
from tests.conftest import REPO

GC_POLICY = {"disable", "enable", "freeze", "unfreeze", "set_threshold"}


def _trees() -> list[tuple[str, ast.Module]]:
    paths = sorted((REPO / "icecheck").rglob("*.py"))
    return [(str(p.relative_to(REPO)), ast.parse(p.read_text(encoding="utf-8"))) for p in paths]


def test_no_function_rebinds_a_module_global() -> None:
    found = [
        f"{path}:{node.lineno}: global {', '.join(node.names)}"
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Global)
    ]
    assert not found, "module-level state set from functions:\n" + "\n".join(found)


def test_only_the_entry_point_sets_the_collector_policy() -> None:
    found = [
        f"{path}:{node.lineno}: gc.{node.func.attr}"
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "gc"
        and node.func.attr in GC_POLICY
    ]
    assert found and all(where.startswith("icecheck/cli.py:") for where in found), found


def test_the_entry_point_runs_without_the_cyclic_collector(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["icecheck", "explain", "ICE001"])
    assert gc.isenabled()
    try:
        main()
        assert not gc.isenabled()  # set once at the start; the process would end here
    finally:
        gc.unfreeze()
        gc.enable()
    assert "ICE001" in capsys.readouterr().out
