#!/usr/bin/env python3
"""Write the made .mmdb test databases in ``tests/data/geoip/`` from ``tests/data/geoip/source.json``.

Usage (only to change the test data; the tests read the committed files)::

    pip install mmdb-writer
    python3 scripts/make_geoip_test_dbs.py

MaxMind's own test databases (``tests/data/maxmind/``) cover the MaxMind layouts; these cover what
they cannot: DB-IP and IPinfo layouts, a database built long ago (stale) and a recognised database
whose records are well-formed but hostile (huge strings, wrong types, thousands of entries). The
build date is fixed per database (``build_epoch`` in the JSON) so the same input gives the same file.
Two placeholders in the JSON stand for values too large to write there: ``@LONG_STRING@`` (20,000
characters) and ``@MANY_SUBDIVISIONS@`` (2,000 subdivisions).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mmdb_writer import MMDBWriter  # type: ignore[import-not-found]
from netaddr import IPSet  # type: ignore[import-not-found]

HERE = Path(__file__).resolve().parents[1] / "tests" / "data" / "geoip"
PLACEHOLDERS: dict[str, Any] = {
    "@LONG_STRING@": "x" * 20_000,
    "@MANY_SUBDIVISIONS@": [{"names": {"en": f"Region {i}"}} for i in range(2_000)],
}


class FixedEpochWriter(MMDBWriter):  # type: ignore[misc]
    """mmdb-writer stamps the current time; the test data needs a chosen build date."""

    def __init__(self, build_epoch: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.build_epoch = build_epoch

    def _build_meta(self) -> dict[str, Any]:
        return {**super()._build_meta(), "build_epoch": self.build_epoch}


def expand(value: Any) -> Any:
    """The JSON value with placeholders replaced, recursively."""
    if isinstance(value, str):
        return PLACEHOLDERS.get(value, value)
    if isinstance(value, dict):
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    return value


def write(spec: dict[str, Any]) -> Path:
    six = spec["ip_version"] == 6
    writer = FixedEpochWriter(
        spec["build_epoch"],
        ip_version=spec["ip_version"],
        database_type=spec["database_type"],
        languages=["en"],
        description={"en": "icecheck test data (invented)"},
        ipv4_compatible=six,
    )
    for network, record in spec["networks"].items():
        writer.insert_network(IPSet([network]), expand(record))
    path = HERE / spec["file"]
    writer.to_db_file(str(path))
    return path


def main() -> None:
    source = json.loads((HERE / "source.json").read_text(encoding="utf-8"))
    for spec in source["databases"]:
        print(write(spec))


if __name__ == "__main__":
    main()
