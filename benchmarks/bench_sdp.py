"""Benchmarks for `icecheck sdp` (issue: core audit). Not part of the test suite.

    python benchmarks/bench_sdp.py [--quick]

1. Candidate parsing: icecheck's strict parser vs aioice's lenient Candidate.from_sdp, same lines.
2. Cold start: `icecheck sdp X --format json` vs `python -c 'import click'`, and the terminal report
   vs `python -c 'import click, rich.console'` (median of N runs each).
3. Streaming: a 100 MB SDP-like file (throughput, peak RSS) and a 200 MB file (peak RSS).
Targets: parse ≥ aioice; JSON cold start ≤ 2.0×; terminal ≤ 1.3×; ≥ 20 MB/s; RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
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
            out.append(f"{rnd.randrange(1 << 32)} 1 udp 2122260223 192.168.{a}.{b} {port} typ host generation 0 "
                       f"ufrag EsXb network-id 1 network-cost 10")
        elif kind == 1:
            out.append(f"{rnd.randrange(1 << 32)} 1 udp 1686052607 203.0.{a}.{b} {port} typ srflx raddr "
                       f"192.168.{a}.{b} rport {port} generation 0 ufrag EsXb network-id 1 network-cost 10")
        elif kind == 2:
            out.append(f"{rnd.randrange(1 << 32)} 1 udp 41885439 198.51.{a}.{b} {port} typ relay raddr "
                       f"203.0.{a}.{b} rport {port} generation 0 ufrag EsXb network-id 1")
        elif kind == 3:
            out.append(f"{i % 12} 1 UDP 2122252543 2001:db8:{a:x}::{b:x}:{port:x} {port} typ host")
        elif kind == 4:
            out.append(f"{rnd.randrange(1 << 32)} 1 udp 2113937151 {rnd.getrandbits(128):032x}.local {port} typ "
                       "host generation 0 network-cost 999")
        else:
            out.append(f"{rnd.randrange(1 << 32)} 1 tcp 1518280447 192.168.{a}.{b} 9 typ host tcptype active "
                       "generation 0 network-id 1")
    return out


def bench_parse(n: int) -> None:
    from aioice.candidate import Candidate as AioCandidate

    from icecheck.candidate import parse_candidate

    lines = realistic_lines(n)
    results = {}
    for name, fn in (("icecheck parse_candidate", parse_candidate), ("aioice Candidate.from_sdp", AioCandidate.from_sdp)):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for line in lines:
                fn(line)
            best = min(best, time.perf_counter() - t0)
        results[name] = n / best
        print(f"  {name:28} {n / best:12,.0f} lines/s")
    ratio = results["icecheck parse_candidate"] / results["aioice Candidate.from_sdp"]
    print(f"  ratio icecheck/aioice: {ratio:.2f}x (target >= 1.0)")


def _median_run(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_cold_start(runs: int) -> None:
    py = sys.executable
    pairs = (
        ("json", [py, "-m", "icecheck", "sdp", str(SAMPLE), "--format", "json"], [py, "-c", "import click"], 2.0),
        ("text", [py, "-m", "icecheck", "sdp", str(SAMPLE)], [py, "-c", "import click, rich.console"], 1.3),
    )
    for name, ours, base, target in pairs:
        _median_run(ours, 2), _median_run(base, 2)  # warm the page cache
        t_ours, t_base = _median_run(ours, runs), _median_run(base, runs)
        print(f"  {name:5} icecheck {t_ours * 1000:6.1f} ms   baseline {t_base * 1000:6.1f} ms   "
              f"ratio {t_ours / t_base:.2f}x (target <= {target}x)")


def write_big_sdp(path: Path, megabytes: int) -> None:
    """An SDP-like file: many offers with media sections and candidates (realistic mix)."""
    lines = realistic_lines(20000, seed=11)
    header = ("v=0\r\no=- 46117314 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
              "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:EsXb\r\n")
    target = megabytes << 20
    with path.open("w", newline="") as out:
        written, i = 0, 0
        while written < target:
            block = header + "".join(f"a=candidate:{lines[(i + k) % len(lines)]}\r\n" for k in range(40))
            out.write(block)
            written += len(block)
            i += 40


def bench_stream(megabytes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"big-{megabytes}.sdp"
        write_big_sdp(path, megabytes)
        size = path.stat().st_size
        code = ("import resource,sys,time;from icecheck.inputs.sdpfile import read_sdp_path as r;t=time.perf_counter();"
                "d=r(sys.argv[1]);e=time.perf_counter()-t;"
                "print(e,len(d.candidates),d.duplicates,resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
        elapsed, kept, dups, rss_kb = out.stdout.split()
        print(f"  {size / 1e6:6.0f} MB read in {float(elapsed):5.2f} s = {size / 1e6 / float(elapsed):5.1f} MB/s "
              f"(target >= 20), {kept} distinct candidates kept, {dups} folded, peak RSS {int(rss_kb) / 1024:.0f} MB "
              "(target < 300)")
        t0 = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "icecheck", "sdp", str(path), "--format", "json", "-o", os.devnull],
                             check=False)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"  whole CLI run (JSON report): {time.perf_counter() - t0:5.2f} s, exit {cli.returncode}, "
              f"peak RSS of children so far {rss / 1024:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs")
    args = ap.parse_args()
    print("1. candidate parsing")
    bench_parse(30_000 if args.quick else 200_000)
    print("2. cold start (median)")
    bench_cold_start(5 if args.quick else 21)
    print("3. streaming")
    for mb in ((10,) if args.quick else (100, 200)):
        bench_stream(mb)


if __name__ == "__main__":
    main()
