"""Benchmarks for `icecheck gather` (issue 3: live audit). Not part of the test suite.

    sudo python benchmarks/bench_gather.py [--runs N] [--timeout S]

Runs in the netns NAT lab of tests/lab (client behind a masquerading router, coturn with two
addresses in the public namespace); every gathering runs inside the client namespace, so no
packet leaves the lab. Safest started from a private namespace, as CI does:
``ip netns add b; ip -n b link set lo up; ip netns exec b python benchmarks/bench_gather.py``.

1. Servers answer: ``gather()`` (STUN + TURN/UDP, attempts recorded, allocation deleted) against
   bare aioice ``Connection.gather_candidates()`` with the same servers. Target: at most 1.2x.
2. The STUN server is silent: ``gather(timeout=S)`` against aioice's fixed 5 s wait.
   Target: at most S + 0.2 s.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from icecheck.gather import GatherConfig, TurnServer, gather

SILENT = ("203.0.113.99", 3478)  # on the lab's public link, nobody answers


async def one_icecheck(config: GatherConfig) -> tuple[float, int]:
    """Wall time of one ``gather()`` and its candidate count."""
    start = time.perf_counter()
    doc = await gather(config)
    return time.perf_counter() - start, len(doc.candidates)


async def one_aioice(
    stun: tuple[str, int], turn: tuple[str, int] | None, user: str, password: str
) -> tuple[float, int]:
    """The same with aioice's own gathering (candidates land in ``local_candidates``)."""
    from aioice import Connection

    conn = Connection(ice_controlling=True, stun_server=stun, turn_server=turn, turn_username=user,
                      turn_password=password, use_ipv6=True)  # fmt: skip
    start = time.perf_counter()
    await conn.gather_candidates()
    elapsed = time.perf_counter() - start
    count = len(conn.local_candidates)
    await conn.close()
    return elapsed, count


async def side_by_side(
    config: GatherConfig, turn_user: str, turn_password: str, runs: int
) -> dict[str, tuple[list[float], int]]:
    """``runs`` rounds, each one icecheck and one aioice gathering in turn (fair under load)."""
    turn = config.turn_servers[0] if config.turn_servers else None
    out: dict[str, tuple[list[float], int]] = {"icecheck": ([], 0), "aioice": ([], 0)}
    for _ in range(runs):
        ours = await one_icecheck(config)
        theirs = await one_aioice(config.stun_servers[0], (turn.host, turn.port) if turn else None, turn_user,
                                  turn_password)  # fmt: skip
        for name, (secs, count) in (("icecheck", ours), ("aioice", theirs)):
            out[name][0].append(secs)
            out[name] = (out[name][0], count)
    return out


def row(name: str, times: list[float], count: int) -> str:
    ms = [t * 1000 for t in times]
    return f"{name:<44} {statistics.median(ms):>9.1f} {min(ms):>9.1f} {max(ms):>9.1f} {count:>6}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="gatherings per row (servers answering)")
    parser.add_argument("--timeout", type=float, default=1.0, help="gather timeout for the silent server")
    args = parser.parse_args()

    from tests.lab.coturn import PASSWORD, USER, Coturn
    from tests.lab.netns import PUBLIC_A, PUBLIC_B, NatLab, lab_problem

    if problem := lab_problem():
        sys.exit(f"bench_gather: {problem}")
    # The namespace's Python imports the functions by module name, which __main__ is not.
    bench = importlib.import_module("benchmarks.bench_gather")
    stun = (PUBLIC_A, 3478)
    ours = GatherConfig(stun_servers=[stun], turn_servers=[TurnServer(PUBLIC_A, 3478, "udp", USER, PASSWORD)],
                        timeout=5.0)  # fmt: skip
    silent = GatherConfig(stun_servers=[SILENT], timeout=args.timeout)
    # A wide relay port range: coturn frees a deleted allocation's port only after about a second.
    with NatLab("cone") as lab, Coturn(lab, lab.public, [PUBLIC_A, PUBLIC_B], min_port=50000, max_port=60000):
        lab.call(lab.client, bench.side_by_side, ours, USER, PASSWORD, 3)  # warm-up (page cache, ARP)
        answering = lab.call(lab.client, bench.side_by_side, ours, USER, PASSWORD, args.runs)[0]
        quiet = lab.call(lab.client, bench.side_by_side, silent, "", "", 2, timeout=120)[0]
    results = [
        ("icecheck gather, STUN+TURN answer", *answering["icecheck"]),
        ("aioice gather_candidates, STUN+TURN answer", *answering["aioice"]),
        (f"icecheck gather, silent STUN (timeout {args.timeout:g} s)", *quiet["icecheck"]),
        ("aioice gather_candidates, silent STUN", *quiet["aioice"]),
    ]
    print(f"{'gathering in the netns lab':<44} {'median ms':>9} {'min ms':>9} {'max ms':>9} {'cands':>6}")
    for name, times, count in results:
        print(row(name, times, count))
    ratio = statistics.median(results[0][1]) / statistics.median(results[1][1])
    print(f"\nanswering servers: icecheck/aioice = {ratio:.2f}x (target <= 1.2x)")
    print(f"silent server: icecheck {max(results[2][1]):.3f} s (target <= {args.timeout + 0.2:.1f} s), "
          f"aioice {max(results[3][1]):.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
