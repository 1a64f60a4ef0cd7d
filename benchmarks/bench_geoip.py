"""Benchmark GeoIP lookups: 10,000 distinct public addresses in every test database at once.

    python benchmarks/bench_geoip.py [--count 10000] [--rounds 3]

Opens MaxMind's test databases (tests/data/maxmind) and the made DB-IP and IPinfo ones
(tests/data/geoip: the hostile and stale files left out) once per reader mode, then times
``lookup`` over the addresses: selection of the public ones (``classify``), one read per
database per address, extraction and merging. Half the addresses fall inside networks the
databases list (their records are decoded), half are drawn at random (most are misses).
Reports the best of ``--rounds`` and how many times ``maxminddb.open_database`` ran: once per
database, however many addresses. Target: under 1 s for 10,000 addresses. No socket is opened.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import maxminddb

from icecheck.classify import classify
from icecheck.enrich.geoip import DatabasePath, PathOrigin, lookup, open_databases
from icecheck.model import AddressClass

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SKIP = ("Hostile", "Stale", "Everywhere")


def databases() -> list[DatabasePath]:
    files = [*sorted((DATA / "maxmind").glob("*.mmdb")), *sorted((DATA / "geoip").glob("*.mmdb"))]
    return [DatabasePath(str(p), PathOrigin.EXPLICIT, str(p)) for p in files if not any(s in p.name for s in SKIP)]


def listed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The IPv4 networks of MaxMind's source JSON (written as ::a.b.c.d/n or a.b.c.d/n)."""
    out = []
    for source in sorted((DATA / "maxmind" / "source-data").glob("*.json")):
        for entry in json.loads(source.read_text(encoding="utf-8")):
            for cidr in entry:
                net = ipaddress.ip_network(cidr)
                if net.version == 6 and net.prefixlen >= 96 and int(net.network_address) < 2**32:
                    first = ipaddress.IPv4Address(int(net.network_address))
                    out.append(ipaddress.IPv4Network(f"{first}/{net.prefixlen - 96}"))
                elif net.version == 4:
                    out.append(net)
    return out


def addresses(count: int) -> list[str]:
    """``count`` distinct public IPv4 addresses: half inside listed networks, half at random."""
    rng, nets, seen = random.Random(16), listed_networks(), dict[str, None]()
    while len(seen) < count:
        if len(seen) % 2:
            net = rng.choice(nets)
            address = str(net.network_address + rng.randrange(net.num_addresses))
        else:
            address = str(ipaddress.IPv4Address(rng.getrandbits(32)))
        if classify(address).address_class is AddressClass.PUBLIC:
            seen.setdefault(address, None)
    return list(seen)


def run(mode: int, targets: list[str], rounds: int) -> dict[str, Any]:
    opened_files: list[str] = []
    real_open = maxminddb.open_database

    def counting_open(path: str, open_mode: int) -> maxminddb.Reader:
        opened_files.append(path)
        return real_open(path, open_mode)

    maxminddb.open_database = counting_open  # type: ignore[assignment]  # counts opens, changes nothing
    try:
        with open_databases(databases(), datetime.now(UTC), mode) as opened:
            best, stated = float("inf"), 0
            for _ in range(rounds):
                start = time.perf_counter()
                facts, failures = lookup(opened, targets)
                best = min(best, time.perf_counter() - start)
                stated = sum(len(f.stated()) for f in facts)
            assert not failures and len(facts) == len(targets)
            return {"databases": len(opened.databases), "opens": len(opened_files), "seconds": round(best, 3),
                    "facts_stated": stated, "with_facts": sum(1 for f in facts if f.stated())}  # fmt: skip
    finally:
        maxminddb.open_database = real_open


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    targets = addresses(args.count)
    modes = {"MODE_MMAP_EXT (C)": maxminddb.MODE_MMAP_EXT, "MODE_MMAP (pure Python)": maxminddb.MODE_MMAP}
    print(f"{len(targets)} public addresses, best of {args.rounds}")
    for name, mode in modes.items():
        try:
            result = run(int(mode), targets, args.rounds)
        except ValueError as error:  # no C extension in this install
            print(f"{name}: unavailable ({error})")
            continue
        verdict = "ok" if result["seconds"] < 1 else "OVER the 1 s target"
        print(f"{name}: {result['seconds']:.3f} s ({verdict}); {result['databases']} databases opened "
              f"{result['opens']} times; {result['with_facts']} addresses with facts, "
              f"{result['facts_stated']} facts")  # fmt: skip


if __name__ == "__main__":
    main()
