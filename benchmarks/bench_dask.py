"""Benchmark ``icecheck scan --dask`` on a large media-heavy capture: peak RSS of every process.

usage: python benchmarks/bench_dask.py [--size-mb 2048] [--workers 2] [--dir /tmp/icecheck-dask]
                                       [--seed 1] [--reuse] [--skip-local]

Generates the ``media`` mix of ``benchmarks/bench_scan.py`` (``benchmarks/mediamix.py``: about 87 %
of the packets RTP of 170-220 bytes), starts a Dask scheduler and ``--workers`` worker processes
(one thread each, no nanny) on loopback with the ``dask`` command of this Python, and runs
``icecheck scan FILE --offline --format json --dask tcp://127.0.0.1:PORT`` with its report written
to a file. Sampled every 20 ms from ``/proc``: the peak RSS of the client (the ``icecheck``
process and its children), of each worker, of the scheduler, and the peak of their sum; the CPU
time of each. Then, unless ``--skip-local``, ``--jobs 1`` with its report to another file: the two
reports must be byte-identical, and recovery (the ground truth's candidates and mapped addresses
found in the report) is printed. The cluster is stopped at the end. Nothing leaves loopback.

Figures (2026-12-06, the 2-CPU lab machine shared with three other sessions, load 5.6-6.5, so wall
times are long; RSS is the steadier figure):

- ``--size-mb 2048 --workers 2`` at 363dc0c (8,397,603 packets, 48,745 calls): 776.6 s; peak RSS
  client 666 MB (CPU 164.7 s), worker 1 427 MB (70.8 s), worker 2 417 MB (70.4 s), scheduler
  268 MB (16.2 s), their sum 1,362 MB; 100 % of candidates and mapped addresses recovered, the
  report byte-identical to ``--jobs 1``'s.
- The same, ``--reuse --skip-local``, at e089ba3 (files sent compressed, no result held while the
  next is fetched), load 4.0-7.6: 669.7 s; peak RSS client **293 MB** (CPU 161.1 s), worker 1
  266 MB (73.3 s), worker 2 272 MB (73.2 s), scheduler 105 MB (13.0 s), their sum 774 MB; 100 %
  recovered; the report byte-identical (``cmp``) to the run above.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_scan import _rss_kb, _tree, load
from benchmarks.mediamix import write_media_mix


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


class Sampler:
    """Peak RSS (MB) of named process trees and of their sum, every 20 ms, and their last CPU."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots
        self.peak = dict.fromkeys(roots, 0)
        self.peak_sum = 0
        self.cpu = dict.fromkeys(roots, 0.0)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(0.02):
            total = 0
            for name, pid in self.roots.items():
                tree = _tree(pid)
                rss = sum(_rss_kb(p) for p in tree) // 1024
                self.peak[name] = max(self.peak[name], rss)
                self.cpu[name] = max(self.cpu[name], sum(_cpu(p) for p in tree))
                total += rss
            self.peak_sum = max(self.peak_sum, total)


def _wait_for_workers(address: str, n: int) -> None:
    from distributed import Client

    with Client(address, timeout=30) as client:
        client.wait_for_workers(n, timeout=60)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=2048)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dir", default="/tmp/icecheck-dask")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse", action="store_true", help="use the capture already in --dir")
    ap.add_argument("--skip-local", action="store_true", help="do not run --jobs 1 to compare")
    args = ap.parse_args()
    where = Path(args.dir)
    where.mkdir(parents=True, exist_ok=True)
    cap = where / f"dask-media-{args.size_mb}mb-seed{args.seed}.pcap"
    truth_file = cap.with_suffix(".truth.json")
    print(f"load average before: {load()} ({os.cpu_count()} CPUs)")
    if not (args.reuse and cap.exists() and truth_file.exists()):
        with open(cap, "wb") as f:
            t = write_media_mix(f, args.size_mb << 20, args.seed)
        truth_file.write_text(json.dumps({"candidates": sorted(t.candidates), "mapped": sorted(t.mapped)}))
        print(f"capture {cap} {cap.stat().st_size >> 20} MB: {t.packets} packets, {t.calls} calls")
    truth = json.loads(truth_file.read_text())

    dask = shutil.which("dask") or "dask"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = subprocess.DEVNULL
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], stdout=quiet, stderr=quiet
    )
    workers = [
        subprocess.Popen(
            [dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
            stdout=quiet,
            stderr=quiet,
        )
        for _ in range(args.workers)
    ]
    try:
        _wait_for_workers(address, args.workers)
        out = where / "report-dask.json"
        cmd = [sys.executable, "-m", "icecheck", "scan", str(cap), "--offline", "--format", "json", "--dask", address]
        roots = {"scheduler": scheduler.pid} | {f"worker {i + 1}": w.pid for i, w in enumerate(workers)}
        base_cpu = {name: sum(_cpu(p) for p in _tree(pid)) for name, pid in roots.items()}
        start = time.perf_counter()
        with open(out, "wb") as sink:
            client = subprocess.Popen(cmd, stdout=sink, stderr=quiet)
            with Sampler(roots | {"client": client.pid}) as sampler:
                _, status, usage = os.wait4(client.pid, 0)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        print(f"icecheck scan --dask ({args.workers} workers) --format json: {seconds:.1f} s, exit {code}")
        sampler.cpu["client"] = usage.ru_utime + usage.ru_stime
        for name in sampler.peak:
            cpu = sampler.cpu[name] - base_cpu.get(name, 0.0)
            print(f"  {name}: peak RSS {sampler.peak[name]} MB, CPU {cpu:.1f} s")
        print(f"  peak of the sum over client, scheduler and workers: {sampler.peak_sum} MB")
        report = json.loads(out.read_text())
        found = {c["raw"].removeprefix("a=") for c in report["candidates"]}
        mapped = {f"{a['address']}:{a['port']}" for a in report["addresses"] if a["role"] == "stun-mapped"}
        rec_c = len(found & set(truth["candidates"])) / max(1, len(truth["candidates"]))
        rec_m = len(mapped & set(truth["mapped"])) / max(1, len(truth["mapped"]))
        status = report["inputs"][0]["status"]
        del report, found, mapped
        print(f"  candidates recovered {rec_c:.2%}, STUN mapped recovered {rec_m:.2%}, status {status}")
        if not args.skip_local:
            local = where / "report-jobs1.json"
            with open(local, "wb") as sink:
                subprocess.run(
                    [*cmd[:-2], "--jobs", "1"],
                    stdout=sink,
                    stderr=quiet,
                    check=False,
                )
            same = filecmp.cmp(out, local, shallow=False)
            print(f"  report identical to --jobs 1's: {'yes' if same else 'NO'}")
    finally:
        for p in [*workers, scheduler]:
            p.terminate()
        for p in [*workers, scheduler]:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    print(f"load average after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
