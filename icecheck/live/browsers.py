"""Finding the installed browsers: standard install locations per platform, version from the binary.

``KINDS`` lists the browsers icecheck knows (Chromium, Google Chrome, Microsoft Edge, Brave,
Firefox, Firefox ESR) with their install locations on Linux, macOS and Windows. ``locations``
is pure (platform, environment, home folder → paths to look at); ``find_installed`` checks which
exist and asks each one ``--version``; ``choose`` turns ``--browser NAME|PATH`` into browsers or
``Missing`` entries (a missing browser is data, not an error). The version comes from the binary,
since ``navigator.userAgent`` carries only the major version. Two launchers of one browser
(``/usr/bin/firefox`` wrapping ``firefox-esr``) are reported once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from icecheck.records import record

__all__ = ["KINDS", "Browser", "BrowserKind", "Missing", "choose", "find_installed", "locations", "version_of"]

_VERSION = re.compile(r"(\d+(?:\.\d+)+[A-Za-z0-9]*)")
_WINDOWS_ROOTS = ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")


@record
class BrowserKind:
    """A browser icecheck knows, and where each platform installs it."""

    key: str  # the --browser spelling: chromium, chrome, edge, brave, firefox, firefox-esr
    name: str  # as people call it
    family: str  # chromium or firefox: how it is launched and configured
    linux: tuple[str, ...] = ()
    macos: tuple[str, ...] = ()  # below /Applications or ~/Applications
    windows: tuple[str, ...] = ()  # below %ProgramFiles%, %ProgramFiles(x86)% or %LocalAppData%


KINDS: tuple[BrowserKind, ...] = (
    BrowserKind(
        "chromium",
        "Chromium",
        "chromium",
        ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium"),
        ("Chromium.app/Contents/MacOS/Chromium",),
        ("Chromium/Application/chrome.exe",),
    ),
    BrowserKind(
        "chrome",
        "Google Chrome",
        "chromium",
        ("/usr/bin/google-chrome", "/usr/bin/google-chrome-stable", "/opt/google/chrome/chrome"),
        ("Google Chrome.app/Contents/MacOS/Google Chrome",),
        ("Google/Chrome/Application/chrome.exe",),
    ),
    BrowserKind(
        "edge",
        "Microsoft Edge",
        "chromium",
        ("/usr/bin/microsoft-edge", "/usr/bin/microsoft-edge-stable", "/opt/microsoft/msedge/msedge"),
        ("Microsoft Edge.app/Contents/MacOS/Microsoft Edge",),
        ("Microsoft/Edge/Application/msedge.exe",),
    ),
    BrowserKind(
        "brave",
        "Brave",
        "chromium",
        ("/usr/bin/brave-browser", "/usr/bin/brave", "/opt/brave.com/brave/brave"),
        ("Brave Browser.app/Contents/MacOS/Brave Browser",),
        ("BraveSoftware/Brave-Browser/Application/brave.exe",),
    ),
    BrowserKind(
        "firefox-esr",
        "Firefox ESR",
        "firefox",
        ("/usr/bin/firefox-esr", "/opt/firefox-esr/firefox"),
        ("Firefox ESR.app/Contents/MacOS/firefox",),
        ("Mozilla Firefox ESR/firefox.exe",),
    ),
    BrowserKind(
        "firefox",
        "Firefox",
        "firefox",
        ("/usr/bin/firefox", "/snap/bin/firefox", "/opt/firefox/firefox"),
        ("Firefox.app/Contents/MacOS/firefox",),
        ("Mozilla Firefox/firefox.exe",),
    ),
)
_BY_KEY = {k.key: k for k in KINDS}


@record
class Browser:
    """An installed browser: ``version`` is what ``--version`` printed (None when it printed nothing)."""

    key: str
    name: str
    family: str
    executable: str
    version: str | None = None

    @property
    def title(self) -> str:
        """``Chromium 156.0.8078.114``, or the name alone when the version is unknown."""
        return f"{self.name} {self.version}" if self.version else self.name


@record
class Missing:
    """A browser asked for with ``--browser`` that is not installed (or not where it was said to be)."""

    key: str
    name: str
    family: str
    looked_at: tuple[str, ...] = ()


def locations(kind: BrowserKind, platform: str, env: Mapping[str, str], home: str) -> list[str]:
    """Every path where ``kind`` may be installed on ``platform`` (``sys.platform`` values), best first."""
    if platform.startswith("linux") or platform.startswith("freebsd"):
        return list(kind.linux)
    if platform == "darwin":
        return [
            str(Path(root, rel)) for root in ("/Applications", str(Path(home, "Applications"))) for rel in kind.macos
        ]
    if platform == "win32":
        roots = [env[var] for var in _WINDOWS_ROOTS if env.get(var)]
        return [str(Path(root, rel)) for root in roots for rel in kind.windows]
    return []


def find_installed(
    platform: str = sys.platform, env: Mapping[str, str] | None = None, home: str | None = None, timeout: float = 10.0
) -> list[Browser]:
    """Every known browser installed here, with its version; one entry per distinct browser."""
    found: list[Browser] = []
    for kind in KINDS:
        path = _first_existing(locations(kind, platform, os.environ if env is None else env, home or _home()))
        if path is not None:
            found.append(_identify(kind, path, timeout))
    return _distinct(found)


def choose(
    wanted: Sequence[str], platform: str = sys.platform, env: Mapping[str, str] | None = None, timeout: float = 10.0
) -> list[Browser | Missing]:
    """``--browser`` values (a name from ``KINDS`` or a path to an executable) → browsers, in order.

    No value: every installed browser. ValueError for a name icecheck does not know.
    """
    if not wanted:
        return list(find_installed(platform, env, timeout=timeout))
    out: list[Browser | Missing] = []
    for item in wanted:
        kind = _BY_KEY.get(item.lower())
        if kind is not None:
            paths = locations(kind, platform, os.environ if env is None else env, _home())
            path = _first_existing(paths)
            out.append(
                _identify(kind, path, timeout) if path else Missing(kind.key, kind.name, kind.family, tuple(paths))
            )
        elif os.sep in item or "/" in item:
            out.append(_by_path(item, timeout))
        else:
            names = ", ".join(k.key for k in KINDS)
            raise ValueError(f"--browser {item!r}: not a browser icecheck knows ({names}) nor a path")
    return out


def _by_path(path: str, timeout: float) -> Browser | Missing:
    """A browser named by its executable: the family from the file name (firefox, else Chromium's)."""
    base = os.path.basename(path).lower()
    kind = next((k for k in KINDS if k.key != "chromium" and k.key in base), None)
    kind = kind or (_BY_KEY["firefox"] if "firefox" in base else _BY_KEY["chromium"])
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return Missing(kind.key, kind.name, kind.family, (path,))
    return _identify(kind, path, timeout)


def _identify(kind: BrowserKind, path: str, timeout: float) -> Browser:
    text = version_of(path, timeout)
    version = _parse_version(text) if text else _version_folder(path)
    name = kind.name
    if kind.family == "firefox" and version and version.endswith("esr"):
        name = "Firefox ESR"
    return Browser(kind.key, name, kind.family, path, version)


def version_of(executable: str, timeout: float = 10.0) -> str | None:
    """The first line ``EXECUTABLE --version`` prints, or None (it failed, timed out or printed nothing)."""
    try:
        proc = subprocess.run(
            [executable, "--version"],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = [line.strip() for line in proc.stdout.splitlines() if line.strip()]
    return lines[0] if lines else None


def _parse_version(text: str) -> str | None:
    """``Chromium 156.0.8078.114 built on Debian`` → ``156.0.8078.114``; ``Firefox 153.8.0esr`` → ``153.8.0esr``."""
    match = _VERSION.search(text)
    return match.group(1) if match else None


def _version_folder(path: str) -> str | None:
    """Windows Chromium builds print no version: it is the name of a folder beside the executable."""
    folder = Path(path).parent
    try:
        names = [p.name for p in folder.iterdir() if p.is_dir() and _VERSION.fullmatch(p.name)]
    except OSError:
        return None
    return max(names, key=lambda n: [int(x) for x in re.findall(r"\d+", n)], default=None)


def _distinct(browsers: list[Browser]) -> list[Browser]:
    """Drop a launcher that starts a browser already found (same family, same version)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for b in browsers:
        key = (b.family, b.version or b.executable)
        if key not in seen:
            seen.add(key)
            out.append(b)
    return out


def _first_existing(paths: Sequence[str]) -> str | None:
    return next((p for p in paths if os.path.isfile(p) and os.access(p, os.X_OK)), None)


def _home() -> str:
    return os.path.expanduser("~")
