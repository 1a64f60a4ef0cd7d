"""Benchmarks for `icecheck sdp` (issue 2: core audit). Not part of the test suite.

    python benchmarks/bench_sdp.py [--quick] [--only parse|cold|stream|report]

Times are CPU time (user + system), the best of N runs unless said otherwise: the machine is
shared, and CPU time is what load disturbs least. Wall time is shown beside it.

1. Candidate parsing: icecheck's strict parser vs aioice's lenient Candidate.from_sdp on the
   same lines, in one process. A second row gives every line its own priority: icecheck
   remembers the priorities it has seen (agents use a handful), so that row is its worst case.
2. Cold start, fresh processes taking turns: `icecheck sdp X --format json` vs
   `python -c 'import click'`, and the terminal report vs `python -c 'import click, rich.console'`:
   piped (no styles: the laid-out lines are written as they are) and as a colour terminal gets it
   (FORCE_COLOR: rich renders the styles).
   Every process gets a bytecode cache (a private PYTHONPYCACHEPREFIX, written by warm-up runs),
   as an installed package has; PYTHONDONTWRITEBYTECODE would otherwise make each run compile
   icecheck from source while click and rich load from their installed .pyc files.
3. Streaming: a 100 MB SDP-like file through read_sdp_path (throughput, peak RSS), then the
   whole CLI run with a JSON report (peak RSS); then the same for 200 MB. The CLI runs with
   --offline: the file holds thousands of public addresses, and lookups are not what is measured.
4. Reports of a 10,000-candidate file in each kind of format (whole runs), so that no renderer
   grows faster than its input.
Targets (issue 10): parse >= 0.9x aioice on realistic lines; JSON cold start <= 2.0x; terminal
<= 1.5x; >= 20 MB/s with flat memory; < 300 MB peak RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this tree's icecheck, whatever is installed
SAMPLE = REPO / "samples" / "real" / "chromium-gum-raw.sdp"


def realistic_lines(n: int, seed: int = 7) -> list[str]:
    """Chrome host/srflx/relay with extensions, Firefox, mDNS, IPv6 — varied addresses and ports."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        port = 1024 + rnd.randrange(60000)
        a, b = rnd.randrange(256), rnd.randrange(1, 255)
        kind = i % 6
        if kind == 0:
            out.append(
                f"{rnd.randrange(1 << 32)} 1 udp 2122260223 192.168.{a}.{b} {port} typ host generation 0 "
                f"ufrag EsXb network-id 1 network-cost 10"
            )
        elif kind == 1:
            out.append(
                f"{rnd.randrange(1 << 32)} 1 udp 1686052607 203.0.{a}.{b} {port} typ srflx raddr "
                f"192.168.{a}.{b} rport {port} generation 0 ufrag EsXb network-id 1 network-cost 10"
            )
        elif kind == 2:
            out.append(
                f"{rnd.randrange(1 << 32)} 1 udp 41885439 198.51.{a}.{b} {port} typ relay raddr "
                f"203.0.{a}.{b} rport {port} generation 0 ufrag EsXb network-id 1"
            )
        elif kind == 3:
            out.append(f"{i % 12} 1 UDP 2122252543 2001:db8:{a:x}::{b:x}:{port:x} {port} typ host")
        elif kind == 4:
            out.append(
                f"{rnd.randrange(1 << 32)} 1 udp 2113937151 {rnd.getrandbits(128):032x}.local {port} typ "
                "host generation 0 network-cost 999"
            )
        else:
            out.append(
                f"{rnd.randrange(1 << 32)} 1 tcp 1518280447 192.168.{a}.{b} 9 typ host tcptype active "
                "generation 0 network-id 1"
            )
    return out


def _distinct_priorities(lines: list[str]) -> list[str]:
    """The same lines with a new local preference on each (type preference and component kept)."""
    out = []
    for i, line in enumerate(lines):
        t = line.split(" ")
        t[3] = str((int(t[3]) & ~0xFFFFFF) | (i & 0xFFFF) << 8 | int(t[3]) & 0xFF)
        out.append(" ".join(t))
    return out


def _best_cpu(fns: list[Callable[[str], object]], lines: list[str], runs: int) -> list[float]:
    """The best CPU time of each function over ``runs`` rounds; they take turns, so load hits all alike."""
    best = [float("inf")] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            t0 = time.process_time()
            for line in lines:
                fn(line)
            best[i] = min(best[i], time.process_time() - t0)
    return best


def bench_parse(n: int, runs: int) -> None:
    from aioice.candidate import Candidate as AioCandidate

    from icecheck.inputs.candidate import _parse_full, parse_candidate

    lines = realistic_lines(n)
    for label, batch in (("realistic lines", lines), ("every priority new", _distinct_priorities(lines))):
        assert all(parse_candidate(line) == _parse_full(line) for line in batch[:600])
        ours, theirs = _best_cpu([parse_candidate, AioCandidate.from_sdp], batch, runs)
        print(
            f"  {label:19} icecheck {n / ours:10,.0f} lines/s   aioice {n / theirs:10,.0f} lines/s   "
            f"ratio {theirs / ours:.2f}x (target >= 0.9 on realistic lines)"
        )


# Linux adds the parent's resident size at fork to a child's ru_maxrss (the copied address space
# is folded in at exec), and this benchmark process is big by then: a small launcher runs each
# command and reports the command's own CPU time, wall time and peak RSS.
_LAUNCH = """import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
t = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(u.ru_utime + u.ru_stime, t, u.ru_maxrss)
"""


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """CPU seconds (user + system), wall seconds and peak RSS (KiB) of one run of ``cmd``."""
    out = subprocess.run([sys.executable, "-c", _LAUNCH, *cmd], capture_output=True, text=True, env=env, cwd=REPO)
    cpu, wall, rss = out.stdout.split()
    return float(cpu), float(wall), int(rss)


COLOUR = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "80"}  # as a colour terminal gets it


def bench_cold_start(runs: int) -> None:
    py = sys.executable
    cmds = {
        "click": [py, "-c", "import click"],
        "click+rich": [py, "-c", "import click, rich.console"],
        "json": [py, "-m", "icecheck", "sdp", str(SAMPLE), "--format", "json"],
        "text": [py, "-m", "icecheck", "sdp", str(SAMPLE)],
        "text+colour": [py, "-m", "icecheck", "sdp", str(SAMPLE)],  # with COLOUR in its environment
    }
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        envs = {name: env | COLOUR if name.endswith("colour") else env for name in cmds}
        for name, cmd in cmds.items():  # warm-up: writes the bytecode cache, fills the page cache
            _run(cmd, envs[name]), _run(cmd, envs[name])
        cpu: dict[str, list[float]] = {name: [] for name in cmds}
        wall: dict[str, list[float]] = {name: [] for name in cmds}
        for _ in range(runs):  # taking turns spreads the machine's load over every command
            for name, cmd in cmds.items():
                c, w, _ = _run(cmd, envs[name])
                cpu[name].append(c * 1000)
                wall[name].append(w * 1000)
    for name in cmds:
        print(
            f"  {name:11} CPU best {min(cpu[name]):6.1f} ms, median {statistics.median(cpu[name]):6.1f} ms"
            f"   wall best {min(wall[name]):6.1f} ms, median {statistics.median(wall[name]):6.1f} ms"
        )
    for ours, base, target in (("json", "click", 2.0), ("text", "click+rich", 1.5), ("text+colour", "click+rich", 1.5)):
        best = min(cpu[ours]) / min(cpu[base])
        median = statistics.median(cpu[ours]) / statistics.median(cpu[base])
        print(f"  {ours:11} / {base}: {best:.2f}x on best CPU, {median:.2f}x on median CPU (target <= {target}x)")


def write_big_sdp(path: Path, megabytes: int) -> None:
    """An SDP-like file: many offers with media sections and candidates (realistic mix)."""
    lines = realistic_lines(20000, seed=11)
    header = (
        "v=0\r\no=- 46117314 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:EsXb\r\n"
    )
    target = megabytes << 20
    with path.open("w", newline="") as out:
        written, i = 0, 0
        while written < target:
            block = header + "".join(f"a=candidate:{lines[(i + k) % len(lines)]}\r\n" for k in range(40))
            out.write(block)
            written += len(block)
            i += 40


_READ = """import re, sys, time
from icecheck.inputs.sdpfile import read_sdp_path
c, w = time.process_time(), time.perf_counter()
d = read_sdp_path(sys.argv[1])
c, w = time.process_time() - c, time.perf_counter() - w
hwm = re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())  # this process's own peak
print(c, w, len(d.candidates), d.duplicates, hwm.group(1) if hwm else -1)
"""


def bench_stream(megabytes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"big-{megabytes}.sdp"
        write_big_sdp(path, megabytes)
        mb = path.stat().st_size / 1e6
        out = subprocess.run([sys.executable, "-c", _READ, str(path)], capture_output=True, text=True, check=True,
                             cwd=REPO)  # fmt: skip
        cpu, wall, kept, dups, rss_kb = out.stdout.split()
        print(
            f"  {mb:4.0f} MB read: CPU {float(cpu):5.2f} s = {mb / float(cpu):5.1f} MB/s, wall {float(wall):5.2f} s "
            f"= {mb / float(wall):5.1f} MB/s (target >= 20); {kept} distinct candidates kept, {dups} folded; "
            f"peak RSS {int(rss_kb) / 1024:.0f} MB"
        )
        cmd = [sys.executable, "-m", "icecheck", "sdp", str(path), "--format", "json", "-o", os.devnull, "--offline"]
        cpu_s, wall_s, rss = _run(cmd, dict(os.environ))
        print(
            f"  {mb:4.0f} MB whole CLI run (--format json -o /dev/null --offline): CPU {cpu_s:5.2f} s, "
            f"wall {wall_s:5.2f} s, peak RSS {rss / 1024:.0f} MB (target < 300)"
        )


def bench_big_report(count: int) -> None:
    """Every report format on one file of ``count`` candidates (the terminal caps its sections)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "many.sdp"
        path.write_text("v=0\r\n" + "".join(f"a=candidate:{line}\r\n" for line in realistic_lines(count)))
        for fmt in ("text", "json", "markdown", "sarif"):
            cmd = [sys.executable, "-m", "icecheck", "sdp", str(path), "--offline", "--format", fmt]
            cpu, wall, rss = _run(cmd, dict(os.environ))
            what = f"  {count} candidates, --format {fmt:8}"
            print(f"{what}: CPU {cpu:5.2f} s, wall {wall:5.2f} s, peak RSS {rss / 1024:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs")
    ap.add_argument("--only", choices=("parse", "cold", "stream", "report"), help="run one section")
    args = ap.parse_args()
    if args.only in (None, "parse"):
        print("1. candidate parsing (CPU time, best of runs)")
        bench_parse(30_000 if args.quick else 200_000, 3 if args.quick else 15)
    if args.only in (None, "cold"):
        print("2. cold start (fresh processes, bytecode cached)")
        bench_cold_start(5 if args.quick else 21)
    if args.only in (None, "stream"):
        print("3. streaming")
        for mb in (10,) if args.quick else (100, 200):
            bench_stream(mb)
    if args.only in (None, "report"):
        print("4. reports of a large offer")
        bench_big_report(1000 if args.quick else 10_000)


if __name__ == "__main__":
    main()
