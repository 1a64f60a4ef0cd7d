"""Documentation links, from one place: the ``Documentation`` entry of ``[project.urls]``.

A source checkout (an editable install included) reads it from its ``pyproject.toml``, which
installed metadata may lag behind; an installed wheel reads it from the package metadata. When
neither has one there are no links (``None``): every output carries the rules' full help itself,
so nothing depends on a web page.
"""

from __future__ import annotations

import tomllib
from pathlib import Path


def _from_pyproject() -> str | None:
    path = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("project", {}).get("name") != "icecheck":
        return None
    url = data["project"].get("urls", {}).get("Documentation")
    return url if isinstance(url, str) and url else None


def _from_metadata() -> str | None:
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        entries: list[str] = metadata("icecheck").get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    for entry in entries:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation" and url.strip():
            return url.strip()
    return None


DOCUMENTATION: str | None = _from_pyproject() or _from_metadata()


def rule_url(rule_id: str) -> str | None:
    """The web page of a rule (``…/rules.md#ice006``), or None without a documentation URL."""
    if DOCUMENTATION is None:
        return None
    return f"{DOCUMENTATION.rstrip('/')}/rules.md#{rule_id.lower()}"
