"""Benchmark for `icecheck browser` (issue 14): one browser x scenario, browser start included. Not a test.

    sudo python benchmarks/bench_browser.py [--runs N] [--browser KEY ...]

Runs in the netns NAT lab of tests/lab (client behind a masquerading router, coturn with two
addresses in the public namespace); the browsers run inside the client namespace only, so no
packet leaves the lab. Safest started from a private namespace, as CI does:
``ip netns add b; ip -n b link set lo up; ip netns exec b python benchmarks/bench_browser.py``.

Per browser and scenario (STUN and TURN given, as a user checking a relay would):
1. the launch: a fresh profile, the headless browser started, icecheck's page loaded from the
   loopback server, gathering to the end, the result posted back (``BrowserRun.duration``), and
   the wall time of the run with the process group stopped and the profile removed;
2. the whole command in a fresh process: ``icecheck browser --browser KEY --scenario S --format
   json`` (interpreter start, imports, icecheck's own gathering, the launch, the audit, JSON).
Target: the command at most 3 s per browser x scenario (median).
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

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = ("default", "permission", "relay-only")


def launches(
    key: str, scenario: str, stun: str, turn: str, user: str, password: str, runs: int
) -> list[tuple[float, float, float]]:
    """In the client namespace: (browser start → result, whole run, CPU of the browser's reaped
    processes) seconds for ``runs`` launches. CPU time tells what the machine's load hides; it is a
    lower bound (helpers the browser had not reaped when stopped are not counted)."""
    import resource
    from functools import partial

    from icecheck.analysis.policy import preset
    from icecheck.audit import AuditSettings, audit
    from icecheck.live.browser_session import run_all
    from icecheck.live.browsers import choose
    from icecheck.live.page import SCENARIOS as BY_NAME
    from icecheck.live.runner import choose as servers

    (browser,) = choose([key])
    choice = servers([stun], [turn], user, password)
    auditor = partial(audit, settings=AuditSettings(preset("default")))
    out = []
    for _ in range(runs):
        start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        (run,), _ = run_all(choice, [(browser, BY_NAME[scenario])], [], time.monotonic() + 60, "", auditor)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert run.outcome == "ok", run.detail
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        out.append((run.duration, time.perf_counter() - start, cpu))
    return out


def command(key: str, scenario: str, stun: str, turn: str, user: str, password: str, runs: int) -> list[float]:
    """In the client namespace: wall seconds of ``icecheck browser`` for one browser x scenario."""
    argv = [sys.executable, "-m", "icecheck", "browser", "--browser", key, "--scenario", scenario, "--stun", stun,
            "--turn", turn, "--turn-user", user, "--format", "json", "--no-lookups"]  # fmt: skip
    env = {"PYTHONPATH": str(REPO), "ICECHECK_TURN_PASSWORD": password, "PATH": "/usr/bin:/bin"}
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, env=env, cwd=REPO, timeout=120, check=False)
        out.append(time.perf_counter() - start)
        assert proc.returncode in (0, 1), proc.stderr.decode()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="launches and commands per browser x scenario")
    parser.add_argument("--browser", action="append", default=None, help="chromium, firefox-esr, ... (repeatable)")
    args = parser.parse_args()

    from tests.lab.coturn import PASSWORD, USER, Coturn
    from tests.lab.netns import PUBLIC_A, PUBLIC_B, NatLab, lab_problem

    if problem := lab_problem():
        sys.exit(f"bench_browser: {problem}")
    bench = importlib.import_module("benchmarks.bench_browser")  # the namespace's Python imports by module name
    stun, turn = f"stun:{PUBLIC_A}:3478", f"turn:{PUBLIC_A}:3478"
    rows = []
    with NatLab("cone") as lab, Coturn(lab, lab.public, [PUBLIC_A, PUBLIC_B], min_port=50000, max_port=60000):
        for key in args.browser or ["chromium", "firefox-esr"]:
            lab.call(lab.client, bench.launches, key, "default", stun, turn, USER, PASSWORD, 1, timeout=120)  # warm-up
            for scenario in SCENARIOS:
                timed = lab.call(lab.client, bench.launches, key, scenario, stun, turn, USER, PASSWORD, args.runs,
                                 timeout=600)[0]  # fmt: skip
                wall = lab.call(lab.client, bench.command, key, scenario, stun, turn, USER, PASSWORD, args.runs,
                                timeout=600)[0]  # fmt: skip
                rows.append((key, scenario, *([t[i] for t in timed] for i in range(3)), wall))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'browser x scenario':<28} {'start→result s':>15} {'launch run s':>13} {'browser cpu s':>14} "
          f"{'command s':>10} {'max s':>6}")  # fmt: skip
    for key, scenario, start, run, cpu, wall in rows:
        print(f"{key + ' ' + scenario:<28} {statistics.median(start):>15.2f} {statistics.median(run):>13.2f} "
              f"{statistics.median(cpu):>14.2f} {statistics.median(wall):>10.2f} {max(wall):>6.2f}")  # fmt: skip
    worst = max(statistics.median(r[5]) for r in rows)
    print(f"\nslowest command (median): {worst:.2f} s (target <= 3 s per browser x scenario, browser start included)")


if __name__ == "__main__":
    main()
