"""The user's own WebRTC settings: Chromium-family enterprise policies and a Firefox profile's prefs.

Policies are only read, for the report: a browser icecheck launches reads them itself from the
standard managed-policy locations, exactly as the user's browser does (Linux: JSON files in
``/etc/<browser>/policies/managed/``; macOS: ``/Library/Managed Preferences/<domain>.plist``;
Windows: the ``SOFTWARE\\Policies\\…`` registry keys). Only the WebRTC policies are reported.

Firefox prefs are read from a profile's ``prefs.js`` and ``user.js`` (``user.js`` wins, as in
Firefox) and written into the throw-away profile's ``user.js``; the user's profile is never
written. Values are re-encoded (JSON literals are valid JavaScript literals), never copied as text.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from icecheck.records import record

__all__ = ["WEBRTC_POLICIES", "Setting", "managed_policies", "profile_prefs", "user_js"]

WEBRTC_POLICIES = ("WebRtcIPHandling", "WebRtcUdpPortRange", "WebRtcLocalIpsAllowedUrls")
WEBRTC_PREFS = "media.peerconnection."
_LINUX_DIRS = {
    "chromium": ("/etc/chromium/policies/managed", "/etc/chromium-browser/policies/managed"),
    "chrome": ("/etc/opt/chrome/policies/managed",),
    "edge": ("/etc/opt/edge/policies/managed",),
    "brave": ("/etc/brave/policies/managed",),
}
_MAC_DOMAINS = {
    "chromium": "org.chromium.Chromium",
    "chrome": "com.google.Chrome",
    "edge": "com.microsoft.Edge",
    "brave": "com.brave.Browser",
}
_WINDOWS_KEYS = {
    "chromium": "SOFTWARE\\Policies\\Chromium",
    "chrome": "SOFTWARE\\Policies\\Google\\Chrome",
    "edge": "SOFTWARE\\Policies\\Microsoft\\Edge",
    "brave": "SOFTWARE\\Policies\\BraveSoftware\\Brave",
}
_STRING = r'"(?:[^"\\\n]|\\.)*"'
_PREF_LINE = re.compile(rf"^\s*user_pref\(\s*({_STRING})\s*,\s*(true|false|-?\d+|{_STRING})\s*\)\s*;", re.M)


@record
class Setting:
    """One policy or preference: ``value`` as a JSON literal; ``source`` the file (or key) it came from."""

    name: str
    value: str
    source: str


def managed_policies(key: str, platform: str = sys.platform, root: str = "/") -> tuple[list[Setting], list[str]]:
    """The WebRTC policies in force for the browser ``key`` (chromium, chrome, edge, brave), and problems.

    ``root`` prefixes the Linux and macOS paths (tests). A file that cannot be read or parsed is a
    problem, reported in words; the browser would not apply it either.
    """
    if platform == "win32":
        return _windows_policies(key)
    if platform == "darwin":
        domain = _MAC_DOMAINS.get(key)
        paths = [f"/Library/Managed Preferences/{domain}.plist"] if domain else []
        return _plist_policies([_under(root, p) for p in paths])
    found: list[Setting] = []
    problems: list[str] = []
    for folder in (_under(root, d) for d in _LINUX_DIRS.get(key, ())):
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".json"))
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            try:
                data = json.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                problems.append(f"{path}: not readable as JSON ({exc})")
                continue
            found += _webrtc(data, path)
    return _last_wins(found), problems


def _plist_policies(paths: Sequence[str]) -> tuple[list[Setting], list[str]]:
    import plistlib

    found: list[Setting] = []
    problems: list[str] = []
    for path in paths:
        try:
            with open(path, "rb") as f:
                found += _webrtc(plistlib.load(f), path)
        except FileNotFoundError:
            continue
        except (OSError, ValueError, plistlib.InvalidFileException) as exc:
            problems.append(f"{path}: not readable as a property list ({exc})")
    return _last_wins(found), problems


def _windows_policies(key: str) -> tuple[list[Setting], list[str]]:  # pragma: no cover - Windows only
    if sys.platform != "win32":
        return [], []
    import winreg

    found: list[Setting] = []
    subkey = _WINDOWS_KEYS.get(key)
    for hive, hive_name in ((winreg.HKEY_LOCAL_MACHINE, "HKLM"), (winreg.HKEY_CURRENT_USER, "HKCU")):
        if subkey is None:
            break
        try:
            with winreg.OpenKey(hive, subkey) as handle:
                for name in WEBRTC_POLICIES:
                    try:
                        value, _ = winreg.QueryValueEx(handle, name)
                    except OSError:
                        continue
                    found.append(Setting(name, json.dumps(value), f"{hive_name}\\{subkey}"))
        except OSError:
            continue
    return found, []


def _webrtc(data: object, source: str) -> list[Setting]:
    if not isinstance(data, dict):
        return []
    return [
        Setting(name, json.dumps(data[name], ensure_ascii=False), source) for name in WEBRTC_POLICIES if name in data
    ]


def _last_wins(found: list[Setting]) -> list[Setting]:
    return list({s.name: s for s in found}.values())


def _under(root: str, path: str) -> str:
    return path if root in ("", "/") else os.path.join(root, path.lstrip("/"))


def profile_prefs(profile: str, prefix: str = WEBRTC_PREFS) -> list[Setting]:
    """The prefs starting with ``prefix`` that a Firefox profile sets (prefs.js, then user.js over it).

    Raises OSError when ``profile`` is not a readable folder with a prefs.js or user.js.
    """
    folder = Path(profile)
    if not folder.is_dir():
        raise NotADirectoryError(f"{profile}: not a folder")
    files = [folder / n for n in ("prefs.js", "user.js") if (folder / n).is_file()]
    if not files:
        raise FileNotFoundError(f"{profile}: no prefs.js or user.js (is it a Firefox profile folder?)")
    found: dict[str, Setting] = {}
    for path in files:
        for raw_name, raw_value in _PREF_LINE.findall(path.read_text(encoding="utf-8", errors="replace")):
            try:
                name, value = json.loads(raw_name), json.loads(raw_value)
            except ValueError:  # a JavaScript escape JSON lacks (\x41, \'): not a WebRTC pref icecheck knows
                continue
            if name.startswith(prefix):
                found[name] = Setting(name, json.dumps(value, ensure_ascii=False), str(path))
    return list(found.values())


def user_js(base: str, settings: Sequence[Setting], comment: str) -> str:
    """``base`` (the throw-away profile's prefs) followed by ``settings`` as ``user_pref`` lines."""
    lines = [base.rstrip("\n"), "", f"// {comment}"]
    lines += [f"user_pref({json.dumps(s.name)}, {json.dumps(json.loads(s.value))});" for s in settings]
    return "\n".join(lines) + "\n"
