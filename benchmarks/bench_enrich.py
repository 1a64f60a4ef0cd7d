"""Benchmark enrichment: N distinct public addresses against the lab's own servers.

    ip netns add ictest 2>/dev/null; ip -n ictest link set lo up
    ip netns exec ictest python benchmarks/bench_enrich.py [--count 1000] [--latency 0.05]

Three runs over the same addresses, each RDAP (Cymru TXT + HTTPS through the local proxy)
plus PTR, all served on loopback by tests/lab (dnsmasq and the RDAP proxy, which answers any
address from a template document):

1. sequential: one address at a time, no cache;
2. concurrent: ``EnrichConfig.concurrency`` lookups in flight, writing a fresh cache;
3. cached: the same run again, answered from the cache (no server is contacted).

``classify``'s in-process memo is warm for runs 2 and 3, as it is in a real run, where the
audit has classified every candidate before enrichment starts.

``--latency`` adds a delay to every RDAP answer, standing in for a registry's round trip
(real RDAP services answer in 100-500 ms); with 0 the run measures pure local CPU cost.
The addresses are lookup keys only: no packet is sent to them.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from icecheck.enrich import EnrichConfig, enrich
from tests.lab.dns import LabDns, Origin, Zone
from tests.lab.rdap_proxy import RdapProxy


def addresses(count: int) -> list[str]:
    """``count`` distinct public addresses in 62.239.0.0/16 (keys for the lab servers only)."""
    base = int(ipaddress.IPv4Address("62.239.0.1"))
    return [str(ipaddress.IPv4Address(base + i)) for i in range(count)]


def zone_for(keys: list[str]) -> Zone:
    """Cymru origin + AS records and a PTR for every key."""
    zone = Zone(as_names={2856: "BT-UK-AS BTnet UK Regional network, GB"})
    for key in keys:
        zone.origins[key] = Origin("2856", "62.239.0.0/16", "GB", "ripencc", "2001-01-02")
        zone.ptrs[key] = f"host{key.replace('.', '-')}.range62-239.btcentralplus.com"
    return zone


def timed(keys: list[str], cfg: EnrichConfig, one_by_one: bool = False) -> tuple[float, int]:
    """Wall time of one run and how many lookups ended ok or cached."""

    async def body() -> int:
        if not one_by_one:
            return _good((await enrich(keys, cfg))[1])
        return sum([_good((await enrich([k], cfg))[1]) for k in keys])

    start = time.perf_counter()
    good = asyncio.run(body())
    return time.perf_counter() - start, good


def _good(attempts: tuple[object, ...]) -> int:
    return sum(getattr(a, "status", "") in ("ok", "cached") for a in attempts)


def main() -> None:
    parser = argparse.ArgumentParser(description="enrichment benchmark (lab servers on loopback)")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to each RDAP answer")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    keys = addresses(args.count)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with LabDns(root / "dns", zone_for(keys)) as dns, RdapProxy(root / "proxy") as proxy:
            proxy.configure(template=True, delay=args.latency)
            common = {"resolver": dns.address, "https_proxy": proxy.url, "ca_file": str(proxy.ca_file)}
            seq_cfg = EnrichConfig(**common, concurrency=1, no_cache=True)  # type: ignore[arg-type]
            cfg = EnrichConfig(**common, concurrency=args.concurrency, cache_path=root / "c.sqlite3")  # type: ignore[arg-type]
            seq, seq_ok = timed(keys, seq_cfg, one_by_one=True)
            conc, conc_ok = timed(keys, cfg)
            before = proxy.stats()["requests"]
            cached, cached_ok = timed(keys, cfg)
            assert proxy.stats()["requests"] == before, "the cached run contacted the proxy"
    report(args, seq, conc, cached, (seq_ok, conc_ok, cached_ok))


def report(args: argparse.Namespace, seq: float, conc: float, cached: float, ok: tuple[int, int, int]) -> None:
    lookups = 2 * args.count
    print(f"{args.count} addresses ({lookups} lookups), RDAP latency {args.latency * 1000:.0f} ms")
    print(f"  sequential            {seq:8.2f} s   ok {ok[0]}/{lookups}")
    print(f"  concurrent ({args.concurrency:>3})      {conc:8.2f} s   ok {ok[1]}/{lookups}   {seq / conc:6.1f}x")
    print(f"  from cache            {cached:8.3f} s   ok {ok[2]}/{lookups}   {conc / cached:6.1f}x vs concurrent")
    summary = {"count": args.count, "latency": args.latency, "concurrency": args.concurrency,
               "sequential_s": round(seq, 3), "concurrent_s": round(conc, 3), "cached_s": round(cached, 4),
               "speedup": round(seq / conc, 2), "cache_speedup": round(conc / cached, 1)}  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
