#!/usr/bin/env python3
"""Redaction of a large text document: wall time, CPU and peak RSS of ``icecheck redact``.

    python benchmarks/bench_redact_document.py --document json --size-mb 100 --dir /tmp/me
    python benchmarks/bench_redact_document.py --document sip --size-mb 200 --distinct 1000

Documents: ``json`` is ``{"log": "<one long string of log lines holding candidate lines>"}`` (the
shape of a console dump); ``sip`` a SIP message log (INVITEs with SDP bodies, Content-Length set);
``text`` a plain log of candidate lines. ``--distinct`` bounds how many different addresses the
document holds (the stand-in table and the output check's set grow with it, not with the size).
Large documents are redacted as a stream (``redact.docstream``). The load average is printed beside
the figures: on a shared machine take the best of a few runs. ``--mix all`` plants IPv4 and IPv6
addresses, all different, and a MAC on every eighth line (``--mix v4``, the default: at most 62,500).

Figures (2026-12-06, load average 8-13 on 2 shared cores; ``/usr/bin/time -f '%e s %U u %M KB'
python -m icecheck redact IN -o OUT`` on a file this script generated):
- 200 MB JSON, ``--mix all --distinct 1000000`` (1,000,000 addresses and 125,000 MACs): 247 MB peak
  RSS, 587 s user (2,420 s wall under that load); the stand-in tables and the output check's
  identifiers are spilled to temporary SQLite files past ``limits.IN_MEMORY`` (``inputs.table``).
  What remains of the peak is the output check's pieces of one long printable run (``MAX_CARRY``).
  The same on 9d50061 (2026-12-07, load 2.5-3.5, a helper's runs beside): 158 MB peak RSS, 608 s wall,
  exit 0, 1,000,000 addresses and 125,000 MACs replaced, output checked (the stand-in tables share one
  in-memory limit since f216042, ``table.Budget``).
- 20 MB JSON, ``--mix all --distinct 200000`` (154,363 addresses, 19,296 MACs): 287 MB, 61 s user
  before the tables spilled (eeedb2d); 196 MB after, byte-identical output. 20 MB SIP log: 77 → 65 MB,
  byte-identical.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_redact import run  # a sibling script


def _line(i: int, distinct: int, mix: str = "v4") -> str:
    a = i % distinct
    if mix == "v4":  # 10.x.y.1: at most 62,500 different addresses
        addr, extra = f"10.{a % 250}.{a // 250 % 250}.1", ""
    else:  # IPv4 (even) and IPv6 (odd) addresses, all different; a MAC on every eighth line
        b = a // 2 + 1
        v6 = f"2a00:1450:4001:{b >> 16:x}::{b & 0xFFFF:x}"
        addr = f"10.{b >> 16 & 255}.{b >> 8 & 255}.{b & 255}" if a % 2 == 0 else v6
        m = a // 8 + 1
        extra = f" hwaddr 02:00:5f:{m >> 16 & 255:02x}:{m >> 8 & 255:02x}:{m & 255:02x}" if a % 8 == 0 else ""
    return (f"2026-12-06 12:00:{i % 60:02d} peer {i} a=candidate:1 1 udp 2122260223 {addr} "
            f"{50000 + i % 1000} typ host generation 0 ufrag abcd network-id 1{extra}\n")  # fmt: skip


def generate(path: Path, document: str, size: int, distinct: int, mix: str = "v4") -> None:
    with path.open("w") as fh:
        if document == "json":
            fh.write('{"log": "')
        written, i = 0, 0
        while written < size:
            if document == "sip":
                body = "v=0\r\no=- 1 1 IN IP4 10.1.0.1\r\nc=IN IP4 10.1.0.2\r\n" + _line(i, distinct, mix).replace(
                    "\n", "\r\n"
                )
                text = (f"INVITE sip:bob@10.0.{i % distinct % 250}.1 SIP/2.0\r\n"
                        f"Via: SIP/2.0/UDP 192.168.1.{i % 250}:5060\r\nContent-Type: application/sdp\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n{body}")  # fmt: skip
            else:
                text = _line(i, distinct, mix)
                text = json.dumps(text)[1:-1] if document == "json" else text
            fh.write(text)
            written, i = written + len(text), i + 1
        if document == "json":
            fh.write('"}\n')


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--document", choices=("json", "sip", "text"), default="json")
    ap.add_argument("--size-mb", type=int, default=100)
    ap.add_argument("--distinct", type=int, default=50000, help="different addresses in the document")
    ap.add_argument(
        "--mix",
        choices=("v4", "all"),
        default="v4",
        help="v4: 10.x.y.1 addresses (at most 62,500 different); all: IPv4, IPv6 and MACs, all different",
    )
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="icecheck-bench-redact-doc-", dir=args.dir) as tmp:
        src, out = Path(tmp) / f"doc.{args.document}", Path(tmp) / f"out.{args.document}"
        generate(src, args.document, args.size_mb << 20, args.distinct, args.mix)
        cmd = [sys.executable, "-m", "icecheck", "redact", str(src), "-o", str(out)]  # run from the checkout
        code = 0
        for _ in range(args.runs):
            load = os.getloadavg()
            seconds, rss, code, message = run(cmd)
            print(f"redact {args.document} {src.stat().st_size / 2**20:.0f} MiB: {seconds:.1f} s, peak RSS {rss} MB, "
                  f"exit {code} (load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")  # fmt: skip
            print(f"  {message}")
        return code


if __name__ == "__main__":
    sys.exit(main())
