#!/usr/bin/env python3
"""Regenerate ``icecheck/data/oui.tsv.gz`` and ``OUI-SOURCE.md`` from Debian's ``ieee-data``.

Usage (as root on a Debian machine)::

    apt-get update && apt-get install -y ieee-data
    python3 scripts/build_oui.py            # reads /usr/share/ieee-data, writes icecheck/data/

The output is one ``<prefix hex>\\t<short vendor>`` line per IEEE assignment, sorted, gzipped with a
fixed mtime so the same input always gives the same bytes. Prefixes are upper-case hex of 6 (MA-L),
7 (MA-M) or 9 (MA-S and legacy IAB) digits; ``icecheck.analysis.oui`` looks up the longest one first.

Dropped on purpose: ``Private`` registrations (the owner paid to stay unnamed), the MA-L blocks
named ``IEEE Registration Authority`` (parents of MA-M/MA-S blocks, which name the real owner), and
the few legacy MA-L entries whose first octet has the group (0x01) or local (0x02) bit set: the
lookup reports those MACs as group or locally administered before it consults the table.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

SOURCE_DIR = Path("/usr/share/ieee-data")
OUT_DIR = Path(__file__).resolve().parent.parent / "icecheck" / "data"
# (file, registry, prefix hex digits)
REGISTRIES = (("oui.csv", "MA-L", 6), ("mam.csv", "MA-M", 7), ("oui36.csv", "MA-S", 9), ("iab.csv", "IAB", 9))
SKIP_NAMES = frozenset({"private", "ieee registration authority"})

# Legal-form words removed from the end of a name ("Apple, Inc." -> "Apple", "Co.,Ltd" -> "").
_LEGAL = frozenset(
    {
        *("inc", "incorporated", "corp", "corporation", "corporate", "co", "company", "co.ltd", "jsc"),
        *("ltd", "limited", "llc", "llp", "lp", "plc", "pty", "pte", "bhd", "sdn"),
        *("gmbh", "mbh", "ag", "kg", "kgaa", "ab", "a/s", "as", "aps", "oy", "oyj", "kft", "zrt"),
        *("sa", "s.a", "sas", "s.a.s", "sarl", "sau", "srl", "s.r.l", "spa", "s.p.a", "s.l", "sl"),
        *("bv", "b.v", "nv", "n.v", "ltda", "s.r.o", "a.s", "sp", "z", "o.o"),
    }
)
_LEGAL_ALTERNATIVES = "|".join(re.escape(w) for w in sorted(_LEGAL, key=len, reverse=True))
_TRAILING_LEGAL = re.compile(rf"[\s,]\(?(?:{_LEGAL_ALTERNATIVES})\.?\)?[\s,.&]*$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def short_name(name: str) -> str:
    """Return ``name`` with normalised spaces and trailing legal-form words removed; never empty."""
    short = _SPACES.sub(" ", name.replace("\uff0c", ",")).strip(" ,")
    while (match := _TRAILING_LEGAL.search(short)) and match.start() > 0:
        short = short[: match.start()].rstrip(" ,&")
    return short


def read_registry(path: Path, registry: str, digits: int) -> Iterator[tuple[str, str]]:
    """Yield ``(prefix, short name)`` for the usable rows of one ieee-data CSV file."""
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            prefix = row["Assignment"].strip().upper()
            name = row["Organization Name"]
            if row["Registry"] != registry or len(prefix) != digits or not _usable(prefix, name):
                continue
            yield prefix, short_name(name)


def _usable(prefix: str, name: str) -> bool:
    """False for unnamed blocks and for prefixes with the group or local bit set (see module doc)."""
    if _SPACES.sub(" ", name).strip().lower() in SKIP_NAMES:
        return False
    return re.fullmatch(r"[0-9A-F]+", prefix) is not None and int(prefix[:2], 16) & 0x03 == 0


def build_table(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Fold rows into one name per prefix; a prefix listed twice (it happens) keeps both names."""
    table: dict[str, list[str]] = {}
    for prefix, name in rows:
        names = table.setdefault(prefix, [])
        if name not in names:
            names.append(name)
    return {prefix: " / ".join(sorted(names)) for prefix, names in table.items()}


def write_tsv_gz(table: dict[str, str], out: Path) -> None:
    """Write the table sorted by prefix, gzipped with mtime 0 (reproducible bytes)."""
    text = "".join(f"{prefix}\t{name}\n" for prefix, name in sorted(table.items()))
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    out.write_bytes(buf.getvalue())


def package_version(package: str) -> str:
    """The installed Debian package version, or ``unknown`` off Debian."""
    try:
        done = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


def source_note(version: str, counts: dict[str, int], size: int) -> str:
    """The provenance text written to ``OUI-SOURCE.md``."""
    rows = "\n".join(f"| {reg} | {n} |" for reg, n in counts.items())
    return f"""# OUI vendor table: provenance

`oui.tsv.gz` maps IEEE MAC address block prefixes to short vendor names. It is generated, never
edited by hand: `python3 scripts/build_oui.py` (see its docstring).

- Source: Debian package `ieee-data`, version `{version}` (files `oui.csv`, `mam.csv`, `oui36.csv`,
  `iab.csv` under `/usr/share/ieee-data/`), which packages the IEEE Registration Authority's public
  listings (MA-L, MA-M, MA-S, IAB).
- License: the IEEE listings are public domain ("IEEE does not assert any copyright in the OUI Public
  Listing or attempt to restrict distribution of the listing in any way", per the package's
  `debian/copyright`); the Debian packaging is WTFPL-2.
- Transformations: names shortened by removing trailing legal-form words ("Apple, Inc." → "Apple")
  and normalising whitespace; `Private` rows, `IEEE Registration Authority` parent blocks and legacy
  prefixes with the group/local bit set are dropped; a prefix listed twice keeps both names joined by
  " / ".
- Not from IEEE: locally administered prefixes such as QEMU/KVM's `52:54:00` are not IEEE assignments;
  they live in a small explicit table in `icecheck/analysis/oui.py`.
- Size: {size} bytes compressed.

| registry | prefixes |
| --- | --- |
{rows}
"""


def main(argv: list[str] | None = None) -> int:
    """Build the table from ``--source`` into ``--out``; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=SOURCE_DIR, help="ieee-data directory")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    parser.add_argument("--version", dest="source_version", help="source version (default: dpkg-query)")
    args = parser.parse_args(argv)
    counts: dict[str, int] = {}
    rows: list[tuple[str, str]] = []
    for filename, registry, digits in REGISTRIES:
        found = list(read_registry(args.source / filename, registry, digits))
        counts[registry] = len(found)
        rows.extend(found)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "oui.tsv.gz"
    write_tsv_gz(build_table(rows), target)
    version = args.source_version or package_version("ieee-data")
    note = source_note(version, counts, target.stat().st_size)
    (args.out / "OUI-SOURCE.md").write_text(note, encoding="utf-8")
    print(f"wrote {target} ({target.stat().st_size} bytes, {sum(counts.values())} prefixes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
