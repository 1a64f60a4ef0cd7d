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
3. The CLI path, each a fresh process: ``icecheck gather --stun --turn --format json`` (gathering,
   classification, inference, rules, browser-mode table, JSON) against a bare aioice script
   (interpreter start, import, gather, print), and ``icecheck --version`` for the start-up alone.
   With a silent server: ``icecheck gather --timeout S`` against the aioice script.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from icecheck.gather import GatherConfig, TurnServer, gather

SILENT = ("203.0.113.99", 3478)  # on the lab's public link, nobody answers
REPO = Path(__file__).resolve().parents[1]
PYCACHE = "/tmp/icecheck-bench-pycache"
# A bare aioice gathering as a script: what a user would write without icecheck.
AIOICE_SCRIPT = """import asyncio, sys
from aioice import Connection
stun, turn, user = (sys.argv[1], 3478), (sys.argv[2], 3478) if sys.argv[2] else None, sys.argv[3] or None
async def main():
    conn = Connection(ice_controlling=True, stun_server=stun, turn_server=turn, turn_username=user,
                      turn_password=sys.argv[4] or None, use_ipv6=True)
    await conn.gather_candidates()
    print("\\n".join(str(c) for c in conn.local_candidates))
    await conn.close()
asyncio.run(main())
"""


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


def _timed(argv: list[str], password: str) -> tuple[float, int]:
    """Wall time of one process and the number of output lines (candidates) it printed."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "ICECHECK_TURN_PASSWORD": password, "PYTHONPYCACHEPREFIX": PYCACHE}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode cached (outside the tree), not recompiled
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{argv[:4]} failed ({proc.returncode}): {proc.stderr[-500:]}")
    if "--format" in argv:
        import json

        return elapsed, len(json.loads(proc.stdout)["candidates"])
    return elapsed, len(proc.stdout.split("\n")) - 1 if proc.stdout else 0


def cli_side_by_side(
    stun: tuple[str, int], turn: tuple[str, int] | None, user: str, password: str, runs: int, timeout: float
) -> dict[str, tuple[list[float], int]]:
    """``runs`` rounds of: ``icecheck --version``, ``icecheck gather ... --format json``, the aioice script."""
    cli = [sys.executable, "-m", "icecheck"]
    gather_argv = [*cli, "gather", "--stun", f"stun:{stun[0]}:{stun[1]}", "--timeout", str(timeout), "--format",
                   "json", "--no-config"]  # fmt: skip
    if turn:
        gather_argv += ["--turn", f"turn:{turn[0]}:{turn[1]}", "--turn-user", user]
    script = [sys.executable, "-c", AIOICE_SCRIPT, stun[0], turn[0] if turn else "", user, password]
    plans = {"start": [*cli, "--version"], "icecheck": gather_argv, "aioice": script}
    out: dict[str, tuple[list[float], int]] = {name: ([], 0) for name in plans}
    for argv in plans.values():  # warm-up: fills the bytecode cache
        _timed(argv, password)
    for _ in range(runs):
        for name, argv in plans.items():
            secs, count = _timed(argv, password)
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
    parser.add_argument("--cli-runs", type=int, default=10, help="processes per row for the CLI path")
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
        turn = (PUBLIC_A, 3478)
        cli = lab.call(lab.client, bench.cli_side_by_side, stun, turn, USER, PASSWORD, args.cli_runs, 5.0,
                       timeout=600)[0]  # fmt: skip
        cli_quiet = lab.call(lab.client, bench.cli_side_by_side, SILENT, None, "", "", 2, args.timeout,
                             timeout=120)[0]  # fmt: skip
    results = [
        ("icecheck gather, STUN+TURN answer", *answering["icecheck"]),
        ("aioice gather_candidates, STUN+TURN answer", *answering["aioice"]),
        (f"icecheck gather, silent STUN (timeout {args.timeout:g} s)", *quiet["icecheck"]),
        ("aioice gather_candidates, silent STUN", *quiet["aioice"]),
        ("CLI: icecheck --version (start-up only)", *cli["start"]),
        ("CLI: icecheck gather --format json, answer", *cli["icecheck"]),
        ("CLI: aioice script, STUN+TURN answer", *cli["aioice"]),
        (f"CLI: icecheck gather, silent (timeout {args.timeout:g} s)", *cli_quiet["icecheck"]),
        ("CLI: aioice script, silent STUN", *cli_quiet["aioice"]),
    ]
    print(f"{'gathering in the netns lab':<44} {'median ms':>9} {'min ms':>9} {'max ms':>9} {'cands':>6}")
    for name, times, count in results:
        print(row(name, times, count))
    ratio = statistics.median(results[0][1]) / statistics.median(results[1][1])
    print(f"\nanswering servers: icecheck/aioice = {ratio:.2f}x (target <= 1.2x)")
    print(f"silent server: icecheck {max(results[2][1]):.3f} s (target <= {args.timeout + 0.2:.1f} s), "
          f"aioice {max(results[3][1]):.3f} s")  # fmt: skip
    cli_ratio = statistics.median(results[5][1]) / statistics.median(results[6][1])
    print(f"CLI, answering servers: icecheck/aioice script = {cli_ratio:.2f}x "
          f"(start-up alone {statistics.median(results[4][1]) * 1000:.0f} ms)")  # fmt: skip
    print(f"CLI, silent server: icecheck {max(results[7][1]):.3f} s, aioice script {max(results[8][1]):.3f} s")


if __name__ == "__main__":
    main()
