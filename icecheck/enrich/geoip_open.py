"""Open GeoIP databases once, memory-mapped, and say what each one is: failures are data.

``open_databases(paths, now)`` opens every ``DatabasePath`` with ``maxminddb`` (memory-mapped:
``MODE_MMAP_EXT``, the C reader, when the package has it, else ``MODE_MMAP``, the pure-Python one;
both apply the package's decoding limits) and never raises. Each file that cannot be used is a
``GeoDiagnostic`` naming it, and left out:

- ``missing-package``: ``maxminddb`` is not installed, or older than ``MIN_MAXMINDDB`` (fail closed);
- ``not-found``, ``unreadable``: missing, a folder, no permission, another OS error;
- ``corrupt``: not a valid MaxMind DB file (truncated, corrupt or hostile: the reader's own error);
- ``unknown-type``: a ``database_type`` that ``geoip_fields.database_kind`` does not know;
- ``duplicate``: the same ``database_type`` as a database earlier in the list, which wins.

A database that is used may still carry a warning: ``stale`` when it was built more than
``STALE_AFTER_DAYS`` days before ``now``, ``bad-build-date`` when its build time is no date.
Close the readers with ``GeoDatabases.close()`` or a ``with`` block.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING

from icecheck.enrich.geoip_discover import DatabasePath
from icecheck.enrich.geoip_fields import DatabaseKind, database_kind
from icecheck.model import GeoSource

if TYPE_CHECKING:
    from maxminddb import Reader

STALE_AFTER_DAYS = 365
# 3.2.0 added decoding limits to both readers (65,536 values, 512 levels, 2 MiB of payload): an older
# reader can be made to spin or fill memory by a crafted file (MaxMind's *-dos test databases).
MIN_MAXMINDDB = (3, 2)
MAX_REASON = 200


@dataclass(frozen=True, slots=True)
class GeoDiagnostic:
    """A database that could not be used, or a warning about one; ``message`` names the file."""

    path: str
    kind: str  # missing-package, not-found, unreadable, corrupt, unknown-type, duplicate, stale, ...
    message: str
    level: str = "error"  # "error" (the file was left out) or "warning"


@dataclass(frozen=True, slots=True)
class OpenDatabase:
    source: GeoSource
    kind: DatabaseKind
    ip_version: int  # 4: IPv4 addresses only; 6: both (IPv4 in the ::/96 subtree)
    reader: Reader


@dataclass(frozen=True, slots=True)
class GeoDatabases:
    """The databases opened, in order of precedence, and what went wrong with the others."""

    databases: tuple[OpenDatabase, ...]
    diagnostics: tuple[GeoDiagnostic, ...]

    def close(self) -> None:
        for db in self.databases:
            db.reader.close()

    def __enter__(self) -> GeoDatabases:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def open_databases(paths: Sequence[DatabasePath], now: datetime, mode: int | None = None) -> GeoDatabases:
    """Open each of ``paths`` once (see the module docstring); ``mode`` overrides the reader mode."""
    mmdb, problem = _maxminddb()
    if mmdb is None:
        return GeoDatabases((), tuple(GeoDiagnostic(p.path, "missing-package", f"{p.path}: {problem}") for p in paths))
    chosen = mode if mode is not None else _default_mode(mmdb)
    opened: list[OpenDatabase] = []
    diagnostics: list[GeoDiagnostic] = []
    for entry in paths:
        db, found = _open_one(mmdb, entry, chosen, now)
        diagnostics += found
        first = next((o for o in opened if db and o.source.database_type == db.source.database_type), None)
        if db and first:
            db.reader.close()
            message = f"{entry.path}: skipped, {first.source.path} is also {db.source.database_type} and comes first"
            diagnostics.append(GeoDiagnostic(entry.path, "duplicate", message, "warning"))
        elif db:
            opened.append(db)
    return GeoDatabases(tuple(opened), tuple(diagnostics))


def _maxminddb() -> tuple[ModuleType | None, str]:
    """The ``maxminddb`` module when it is installed and recent enough, else why not."""
    hint = "pip install 'icecheck[geoip]'"
    try:
        import maxminddb
    except ImportError:
        return None, f"the maxminddb package is not installed ({hint}); the database was not read"
    try:
        version = importlib.metadata.version("maxminddb")
    except importlib.metadata.PackageNotFoundError:
        version = str(getattr(maxminddb, "__version__", "0"))
    numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:2])
    if numbers < MIN_MAXMINDDB:
        need = ".".join(map(str, MIN_MAXMINDDB))
        return None, f"maxminddb {version} lacks the decoding limits of {need} ({hint}); the database was not read"
    return maxminddb, ""


def _default_mode(mmdb: ModuleType) -> int:
    try:
        from maxminddb import extension
    except ImportError:
        return int(mmdb.MODE_MMAP)
    return int(mmdb.MODE_MMAP_EXT if hasattr(extension, "Reader") else mmdb.MODE_MMAP)


def _open_one(
    mmdb: ModuleType, entry: DatabasePath, mode: int, now: datetime
) -> tuple[OpenDatabase | None, list[GeoDiagnostic]]:
    path = entry.path
    if os.path.isdir(path):
        return None, [GeoDiagnostic(path, "unreadable", f"{path}: a folder without .mmdb files")]
    try:
        reader: Reader = mmdb.open_database(path, mode)
    except FileNotFoundError:
        return None, [GeoDiagnostic(path, "not-found", f"{path}: no such file")]
    except OSError as error:
        return None, [GeoDiagnostic(path, "unreadable", f"{path}: cannot be read ({error.strerror or error})")]
    except Exception as error:  # the reader's errors on a hostile file are not all InvalidDatabaseError
        return None, [GeoDiagnostic(path, "corrupt", f"{path}: not a valid MaxMind DB file ({_reason(error)})")]
    db, found = _describe(reader, entry, now)
    if db is None:
        reader.close()
    return db, found


def _describe(reader: Reader, entry: DatabasePath, now: datetime) -> tuple[OpenDatabase | None, list[GeoDiagnostic]]:
    """What the metadata says: kind, IP version and build date, each checked."""
    path = entry.path
    try:
        meta = reader.metadata()
        database_type, ip_version, epoch = meta.database_type, meta.ip_version, meta.build_epoch
    except Exception as error:  # metadata is read lazily by some readers
        return None, [GeoDiagnostic(path, "corrupt", f"{path}: unreadable metadata ({_reason(error)})")]
    if not isinstance(database_type, str) or ip_version not in (4, 6):
        return None, [GeoDiagnostic(path, "corrupt", f"{path}: metadata without a database type or IP version")]
    kind = database_kind(database_type)
    if kind is None:
        shown = _reason(database_type)
        return None, [GeoDiagnostic(path, "unknown-type", f"{path}: database type {shown!r} is not one icecheck reads")]
    built = _build_date(epoch)
    source = GeoSource(path, database_type, kind.value, built.isoformat() if built else None, entry.origin.value)
    return OpenDatabase(source, kind, ip_version, reader), _age_warnings(source, built, now)


def _build_date(epoch: object) -> date | None:
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        return None
    try:
        return datetime.fromtimestamp(epoch, UTC).date()
    except (OverflowError, OSError, ValueError):  # e.g. UINT64_MAX (libmaxminddb's bad-data)
        return None


def _age_warnings(source: GeoSource, built: date | None, now: datetime) -> list[GeoDiagnostic]:
    path = source.path
    if built is None:
        return [GeoDiagnostic(path, "bad-build-date", f"{path}: its build time is no date; age unknown", "warning")]
    days = (now.date() - built).days
    if days <= STALE_AFTER_DAYS:
        return []
    message = (
        f"{path}: stale, {source.database_type} was built {built.isoformat()}, {days} days before "
        f"{now.date().isoformat()}; networks change hands, so its facts may be out of date"
    )
    return [GeoDiagnostic(path, "stale", message, "warning")]


def _reason(error: object) -> str:
    """The first line of an error (or a hostile string), printable and cut to ``MAX_REASON``."""
    raw = str(error)[: MAX_REASON * 4].strip()
    text = raw.splitlines()[0] if raw else type(error).__name__
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", text)[:MAX_REASON]
