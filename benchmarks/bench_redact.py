#!/usr/bin/env python3
"""Redaction of a large capture: wall time, peak RSS and the output check's verdict.

    python benchmarks/bench_redact.py                       # a 1 GiB capture (bench_scan's mix)
    python benchmarks/bench_redact.py --size-mb 100 --runs 3 --dir /tmp/me

The capture is bench_scan's synthetic mix (SIP over UDP, over TCP with messages split across
segments, over WebSocket with masked and fragmented messages, STUN, media noise). The command is
``icecheck redact FILE -o OUT`` as a user runs it, output check included (redaction streams: its
memory does not grow with the capture). The output is then scanned: every candidate address the
generator planted must be gone from it, and it must audit to as many candidates as the input.
The load average is printed beside the figures: on a shared machine take the best of a few runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_scan import _sample_tree, generate  # a sibling script


def run(cmd: list[str]) -> tuple[float, int, int, str]:
    """(seconds, peak RSS in MB of the child, exit code, its stderr)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        peak, done = [0, 0], threading.Event()  # bench_scan._sample_tree: tree RSS, VmHWM
        sampler = threading.Thread(target=_sample_tree, args=(child.pid, peak, done), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        done.set()
        sampler.join()
        err.seek(0)
        message = err.read().decode("utf-8", "replace").strip()
    return time.perf_counter() - start, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status), message


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1, help="redact this many times; the best time is kept")
    ap.add_argument("--dir", default=None, help="where the generated capture goes (default: a temporary directory)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="icecheck-bench-redact-", dir=args.dir) as tmp:
        src, out = Path(tmp) / "capture.pcap", Path(tmp) / "redacted.pcap"
        planted = generate(src, args.size_mb, args.seed)
        size = src.stat().st_size
        cmd = [sys.executable, "-m", "icecheck", "redact", str(src), "-o", str(out)]
        best = None
        for _ in range(args.runs):
            load = os.getloadavg()
            seconds, rss, code, message = run(cmd)
            print(f"redact {size / 2**20:.0f} MiB: {seconds:.1f} s, peak RSS {rss} MB, exit {code} "
                  f"(load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")  # fmt: skip
            best = seconds if best is None else min(best, seconds)
        print(f"  {message}")
        print(f"  command: {' '.join(cmd)}; best of {args.runs}: {best:.1f} s")
        if code != 0:
            return 1
        from icecheck.inputs.scanner import scan_file

        before, after = scan_file(str(src)).document, scan_file(str(out)).document
        found = {c.candidate.address for c in after.candidates} | {a.address for a in after.addresses}
        originals = {line.split()[4] for line in planted["candidates"]}
        originals |= {m.rsplit(":", 1)[0] for m in planted["mapped"]}
        left = found & originals
        print(f"scan: input {len(before.candidates)} candidates, output {len(after.candidates)}; "
              f"planted originals left: {len(left)}")  # fmt: skip
        return 1 if left or len(before.candidates) != len(after.candidates) else 0


if __name__ == "__main__":
    sys.exit(main())
