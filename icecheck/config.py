"""Policy as code: ``.icecheck.toml`` or ``[tool.icecheck]`` in ``pyproject.toml`` → ``Policy``.

The file is searched upward from the working directory (the nearest ``.icecheck.toml`` wins,
then the nearest ``pyproject.toml`` that has a ``[tool.icecheck]`` table). Keys::

    preset = "relay-only"          # default | relay-only | no-host-ip
    fail-on = "medium"             # info | low | medium | high
    [rules]
    ICE011 = "off"                 # "off"/false disables, "on"/true keeps, a severity overrides
    ICE005 = "high"
    [allow]
    relays = ["203.0.113.10"]      # your TURN relay addresses (relay-only accepts only these)
    addresses = ["198.51.100.0/24"]  # addresses or ranges whose findings are dropped

Every mistake is a ``ConfigError`` naming the file and, where it can be found, the line.
Nothing here touches the network; reading the file is the only I/O.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

from icecheck.analysis.policy import PRESETS, Policy, preset
from icecheck.analysis.rules import CATALOGUE
from icecheck.severity import Severity

CONFIG_NAME = ".icecheck.toml"
TOP_KEYS = ("preset", "fail-on", "rules", "allow")
ALLOW_KEYS = ("relays", "addresses")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)$")


class ConfigError(Exception):
    """A policy file that cannot be used; ``str()`` is one line: ``path:line: message``."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path, self.message, self.line = str(path), message, line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """The raw ``[tool.icecheck]``-style table of one file, with its text for line lookups."""

    path: Path
    table: dict[str, Any]
    text: str


def find_config(start: Path) -> Path | None:
    """The nearest policy file at or above ``start``, or None."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(path: Path) -> bool:
    """True when ``path`` parses and has ``[tool.icecheck]`` (a broken pyproject is not ours)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "tool.icecheck" not in text and "[tool]" not in text:  # most pyproject.toml files: skip the parse
        return False
    import tomllib  # here: most runs find no policy file and never parse TOML

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return isinstance(data.get("tool"), dict) and "icecheck" in data["tool"]


def read_config(path: Path) -> ConfigFile:
    """Parse ``path``; for ``pyproject.toml`` take its ``[tool.icecheck]`` table."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read the policy file: {getattr(exc, 'strerror', None) or exc}") from None
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, exc) from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or not isinstance(tool.get("icecheck"), dict):
            raise ConfigError(path, "no [tool.icecheck] table in this pyproject.toml")
        data = tool["icecheck"]
    return ConfigFile(path, data, text)


def _toml_error(path: Path, exc: ValueError) -> ConfigError:
    """tomllib appends '(at line L, column C)': move the line to the front."""
    message = str(exc)
    match = _TOML_LINE.search(message)
    if match is None:
        return ConfigError(path, f"invalid TOML: {message}")
    return ConfigError(path, f"invalid TOML: {message[: match.start()].strip()}", int(match.group(1)))


def load_policy(path: Path) -> Policy:
    """The policy a file describes (``ConfigError`` for any mistake)."""
    cfg = read_config(path)
    return build_policy(cfg)


def build_policy(cfg: ConfigFile) -> Policy:
    """Validate the table and turn it into a ``Policy``."""
    table = {k.replace("_", "-"): v for k, v in cfg.table.items()}
    for key in table:
        if key not in TOP_KEYS:
            _fail(cfg, key, f"unknown key '{key}' (expected one of: {', '.join(TOP_KEYS)})")
    base = _preset(cfg, table.get("preset", "default"))
    disabled, severities = _rules(cfg, table.get("rules", {}))
    relays, allowed = _allow(cfg, table.get("allow", {}))
    fail_on = _severity(cfg, "fail-on", table["fail-on"]) if "fail-on" in table else base.fail_on
    return replace(
        base,
        description=f"{base.description} (from {cfg.path})",
        disabled=frozenset(disabled),
        severities=severities,
        fail_on=fail_on,
        relays=relays,
        allow=allowed,
        source=str(cfg.path),
    )


def _preset(cfg: ConfigFile, value: Any) -> Policy:
    if not isinstance(value, str) or value not in PRESETS:
        _fail(cfg, "preset", f"preset must be one of: {', '.join(PRESETS)} (got {value!r})")
    return preset(value)


def _severity(cfg: ConfigFile, key: str, value: Any) -> Severity:
    if isinstance(value, str) and value.lower() in Severity.__members__.values():
        return Severity(value.lower())
    _fail(cfg, key, f"{key} must be one of: {', '.join(s.value for s in Severity)} (got {value!r})")


def _rules(cfg: ConfigFile, table: Any) -> tuple[set[str], dict[str, Severity]]:
    """``[rules]``: ID = on/off/true/false/<severity>."""
    if not isinstance(table, dict):
        _fail(cfg, "rules", '[rules] must be a table of RULE = "off" | "on" | severity')
    disabled: set[str] = set()
    severities: dict[str, Severity] = {}
    for key, value in table.items():
        rule = key.upper()
        if rule not in CATALOGUE:
            _fail(cfg, key, f"unknown rule '{key}' (see: icecheck rules)")
        if value is False or value == "off":
            disabled.add(rule)
        elif value is not True and value != "on":
            severities[rule] = _severity(cfg, key, value)
    return disabled, severities


def _allow(cfg: ConfigFile, table: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``[allow]``: relays and addresses, each a list of addresses or CIDR ranges."""
    if not isinstance(table, dict):
        _fail(cfg, "allow", "[allow] must be a table with 'relays' and/or 'addresses' lists")
    for key in table:
        if key not in ALLOW_KEYS:
            _fail(cfg, key, f"unknown key '{key}' in [allow] (expected: {', '.join(ALLOW_KEYS)})")
    relays = _networks(cfg, "relays", table.get("relays", []))
    return relays, _networks(cfg, "addresses", table.get("addresses", []))


def _networks(cfg: ConfigFile, key: str, values: Any) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        _fail(cfg, key, f"allow.{key} must be a list of addresses or CIDR ranges")
    out = []
    for value in values:
        try:
            out.append(str(ipaddress.ip_network(value.strip().strip("[]"), strict=False)))
        except ValueError:
            _fail(cfg, key, f"allow.{key}: {value!r} is not an IP address or CIDR range")
    return tuple(out)


def _fail(cfg: ConfigFile, key: str, message: str) -> NoReturn:
    """Raise a ``ConfigError`` located at the first line that assigns ``key`` (if any)."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=|^\s*\[\s*(tool\.icecheck\.)?{re.escape(key)}\s*\]")
    line = next((n for n, text in enumerate(cfg.text.splitlines(), 1) if pattern.search(text)), None)
    raise ConfigError(cfg.path, message, line)
