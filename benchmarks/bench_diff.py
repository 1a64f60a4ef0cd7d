#!/usr/bin/env python3
"""Benchmark ``icecheck diff`` on two large captures and on their JSON reports: time and peak RSS.

usage: python benchmarks/bench_diff.py [--dir /tmp/icecheck-diff] [--flows 150000] [--shift 5000]
                                       [--checkout DIR ...] [--formats text,json] [--no-reports]
                                       [--keep] [--reuse]

Capture A holds ``--flows`` STUN flows (a Binding success response to a distinct client each, its
XOR-MAPPED-ADDRESS a distinct public address: one address item per flow, as ``bench_flows.py --kind
stun`` but with an address per flow instead of one per 65,536); capture B the same number of flows
shifted by ``--shift`` (``--shift`` of A's clients gone, as many new ones): ``--shift`` addresses
gained and as many lost. Unless ``--no-reports``, both are scanned to JSON reports
(``icecheck scan X.pcap --offline -f json``, with the first checkout) and the reports are compared
too. Each ``--checkout`` (default: this one) runs
``/usr/bin/time -f '%e s %U u %M KB' python -m icecheck diff A B --offline -f FORMAT`` from its root
(so its own package is imported); printed per run: the time line, the exit code, the output's size
and SHA-256 (equal outputs of two checkouts show as equal hashes). The load average is printed
before and after: the machine is shared.

Figures (2026-12-07, 2 cores shared, load average 3-6; ``%M`` of the whole command; main 1903642
against this change, the outputs byte-identical, text and JSON):

- 150,000 flows, ``--shift 5000``: captures 272 -> 134 MB (33.9 -> 34.8 s CPU); their reports
  (159 and 75 MB) 1,406 -> 86 MB (2.0 -> 6.7 s CPU: read in parts, not by ``json.loads``);
- 190,000 flows: captures 322 -> 134 MB (44.0 -> 45.1 s CPU); reports (201 and 203 MB)
  1,776 -> 85 MB (2.7 -> 8.6 s CPU); 77 MB, 7.4 s CPU once the report's lists were read item by item
  from the start (load 2); their lists decoded in runs (``jsonstream.JsonReader.runs``) and the
  spilled keys appended, indexed once (``diffstore``): main b935f3b 8.15 s CPU, 77 MB -> 5.4-6.2 s
  CPU, 50 MB (three runs each, interleaved, load 5-7; -f json, the same bytes); 14.10 -> 9.73 G
  instructions on 30,000 flows (31 MB reports, ``valgrind --tool=cachegrind``); the captures
  unchanged (139 MB, 65 -> 66 s CPU at load 7, the same bytes);
- 600,000 flows, ``--shift 20000``, text: 820 -> 135 MB (137.8 -> 150.0 s CPU);
- 2,200,000 flows (189 MB each), ``--shift 50000``, text, this change only: 139 MB, 526 s CPU,
  748 s wall.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from icecheck.inputs import synth  # noqa: E402

SERVER = ("192.0.2.1", 3478)


def _client(n: int) -> tuple[str, int]:
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", 1024 + n % 60000


def _public(n: int) -> str:
    """Flow ``n``'s mapped address: distinct for 16 million flows."""
    return f"11.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def generate(path: Path, first: int, flows: int) -> None:
    """A pcap of flows ``first`` .. ``first + flows - 1``, a Binding success response each."""
    mac = synth.MAC_A + synth.MAC_B + b"\x08\x00"
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n in range(first, first + flows):
            addr, port = _client(n)
            txid = struct.pack("!IIHH", n, 0, 0, 7)
            msg = synth.stun_message(0x0101, txid, [(0x0020, synth.xor_address(_public(n), port, txid))])
            udp = synth.udp(*SERVER, addr, port, msg)[3]
            (packet,) = synth.ip((SERVER[0], addr, 17, udp), ident=n & 0xFFFF)
            frame = mac + packet
            f.write(struct.pack("<IIII", 1_700_000_000 + n // 10_000, n % 10_000 * 100, len(frame), len(frame)))
            f.write(frame)


def run(checkout: Path, args: list[str], out: Path) -> tuple[str, int]:
    """(the time line, exit code) of ``python -m icecheck ARGS`` run from ``checkout``, stdout to ``out``."""
    with open(out, "wb") as stdout, tempfile.NamedTemporaryFile("w+") as tm:
        cmd = ["/usr/bin/time", "-o", tm.name, "-f", "%e s %U u %M KB", sys.executable, "-m", "icecheck", *args]
        proc = subprocess.run(cmd, cwd=checkout, stdout=stdout, stderr=subprocess.PIPE)
        lines = tm.read().strip().splitlines()
        return (lines[-1] if lines else proc.stderr.decode()[-300:]), proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default="/tmp/icecheck-diff")
    ap.add_argument("--flows", type=int, default=150_000)
    ap.add_argument("--shift", type=int, default=5_000)
    ap.add_argument("--checkout", action="append", type=Path, help="a checkout to run (repeatable; default: this one)")
    ap.add_argument("--formats", default="text,json")
    ap.add_argument("--no-reports", action="store_true", help="compare the captures only")
    ap.add_argument("--keep", action="store_true", help="keep the captures, reports and outputs")
    ap.add_argument("--reuse", action="store_true", help="use the captures and reports a --keep run wrote")
    args = ap.parse_args()
    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    checkouts = args.checkout or [ROOT]
    a, b = d / f"a-{args.flows}.pcap", d / f"b-{args.flows}-{args.shift}.pcap"
    made = [a, b]
    for path, first in ((a, 0), (b, args.shift)):
        if not (args.reuse and path.exists()):
            generate(path, first, args.flows)
    pairs = [(a, b)]
    if not args.no_reports:
        reports = [p.with_suffix(".json") for p in (a, b)]
        made += reports
        for capture, report in zip((a, b), reports, strict=True):
            if not (args.reuse and report.exists()):
                line, rc = run(checkouts[0], ["scan", str(capture), "--offline", "-f", "json"], report)
                print(f"scan {capture.name}: {line} exit {rc}")
        pairs.append((reports[0], reports[1]))
    print(f"load average before: {os.getloadavg()}")
    for left, right in pairs:
        mb = (left.stat().st_size + right.stat().st_size) / 2 / (1 << 20)
        for fmt in args.formats.split(","):
            for checkout in checkouts:
                out = d / f"out-{checkout.name}-{left.suffix[1:]}-{fmt}"
                made.append(out)
                line, rc = run(checkout, ["diff", str(left), str(right), "--offline", "-f", fmt], out)
                digest = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
                size = out.stat().st_size
                print(f"{checkout}: {left.name} ({mb:.0f} MB) vs {right.name} -f {fmt}: {line}  exit {rc}  "
                      f"output {size:,} bytes sha256 {digest}")  # fmt: skip
    print(f"load average after: {os.getloadavg()}")
    if not args.keep:
        for path in made:
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
