"""Where the GeoIP databases are: ``--geoip-db`` paths, ``ICECHECK_GEOIP_DB`` and the usual folders.

``discover_databases(env, explicit_paths, probe)`` is pure apart from ``probe``, which lists a
folder's ``.mmdb`` files (``list_mmdb`` does it on the real filesystem; tests pass their own). The
order is the order of precedence: explicit paths, then the environment variable's entries (split on
``os.pathsep``, empty entries ignored), then the standard folders where ``geoipupdate`` and the
distributions put databases. A folder stands for the ``.mmdb`` files in it, sorted by name; any
other explicit or environment entry is kept as given, so that opening it reports what is wrong
with it (missing, unreadable, not a database). A path found twice is kept once, at its first place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

ENV_VAR = "ICECHECK_GEOIP_DB"
# geoipupdate's default on Linux (/usr/share/GeoIP, or /usr/local/share/GeoIP when built from
# source), Debian/Ubuntu's geoipupdate package (/var/lib/GeoIP), Homebrew on Apple silicon and on
# Intel; on Windows geoipupdate writes under %ProgramData% (see ``standard_directories``).
STANDARD_DIRS = (
    "/usr/share/GeoIP",
    "/var/lib/GeoIP",
    "/usr/local/share/GeoIP",
    "/opt/homebrew/var/GeoIP",
    "/usr/local/var/GeoIP",
)

Probe = Callable[[str], tuple[str, ...] | None]  # folder → its .mmdb files; None: not a folder


class PathOrigin(StrEnum):
    EXPLICIT = "explicit"  # --geoip-db
    ENV = "env"  # ICECHECK_GEOIP_DB
    DISCOVERED = "discovered"  # a standard folder


@dataclass(frozen=True, slots=True)
class DatabasePath:
    """One database file to open, where it came from, and the entry that named it (a file or folder)."""

    path: str
    origin: PathOrigin
    given: str


def list_mmdb(path: str) -> tuple[str, ...] | None:
    """The ``.mmdb`` files in folder ``path``, sorted; ``None`` when ``path`` is no readable folder."""
    try:
        with os.scandir(path) as entries:
            names = sorted(e.name for e in entries if e.name.lower().endswith(".mmdb") and e.is_file())
    except OSError:  # missing, not a folder, no permission
        return None
    return tuple(os.path.join(path, n) for n in names)


def standard_directories(env: Mapping[str, str]) -> tuple[str, ...]:
    """``STANDARD_DIRS``, then geoipupdate's Windows folder when the environment names ProgramData."""
    program_data = env.get("PROGRAMDATA") or env.get("ProgramData")
    windows = (os.path.join(program_data, "MaxMind", "GeoIPUpdate", "GeoIP"),) if program_data else ()
    return (*STANDARD_DIRS, *windows)


def discover_databases(
    env: Mapping[str, str], explicit_paths: Sequence[str] = (), probe: Probe = list_mmdb, standard: bool = True
) -> tuple[DatabasePath, ...]:
    """Every database to open, in order of precedence (see the module docstring).

    ``standard=False`` leaves the standard folders out (explicit and environment entries only).
    """
    named = [(p, PathOrigin.EXPLICIT) for p in explicit_paths if p.strip()]
    named += [(p, PathOrigin.ENV) for p in env.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    found: dict[str, DatabasePath] = {}
    for given, origin in named:
        files = probe(given)
        for path in files if files else (given,):  # an empty folder is kept: opening it says so
            found.setdefault(os.path.normpath(path), DatabasePath(path, origin, given))
    for folder in standard_directories(env) if standard else ():
        for path in probe(folder) or ():
            found.setdefault(os.path.normpath(path), DatabasePath(path, PathOrigin.DISCOVERED, folder))
    return tuple(found.values())
