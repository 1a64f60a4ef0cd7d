#!/usr/bin/env python3
"""Redaction of a large capture: wall time, peak RSS and the output check's verdict.

    python benchmarks/bench_redact.py                 # a 1 GiB capture (bench_scan's mix)
    python benchmarks/bench_redact.py --size-mb 100

The capture is bench_scan's synthetic mix (SIP over UDP, TCP and WebSocket, STUN, media noise). The
command is ``icecheck redact FILE -o OUT`` as a user runs it, output check included; the output is then
scanned and every candidate address the generator planted must be gone from it. Redaction holds the
whole file in memory today (issue 12 asks for streaming): the peak RSS says how much.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_scan import generate, timed  # a sibling script


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="icecheck-bench-redact-") as tmp:
        src, out = Path(tmp) / "capture.pcap", Path(tmp) / "redacted.pcap"
        planted = generate(src, args.size_mb, args.seed)
        size = src.stat().st_size
        seconds, rss, code = timed([sys.executable, "-m", "icecheck", "redact", str(src), "-o", str(out)])
        print(f"redact {size / 2**20:.0f} MiB: {seconds:.1f} s, peak RSS {rss} MB, exit {code}")
        if code != 0:
            return 1
        from icecheck.inputs.scanner import scan_file

        doc = scan_file(str(out)).document
        found = {c.candidate.address for c in doc.candidates} | {a.address for a in doc.addresses}
        originals = {line.split()[4] for line in planted["candidates"]}
        originals |= {m.rsplit(":", 1)[0] for m in planted["mapped"]}
        left = found & originals
        print(f"scan of the output: {len(doc.candidates)} candidates; planted originals left: {len(left)}")
        return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
