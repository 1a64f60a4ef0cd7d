"""Long colon-hex runs through ``icecheck redact``: one line of about 1 MB each, and the same address alone
on the next line (an original, so the windows of the run are looked up and the one holding it replaced).

    python benchmarks/bench_colon_runs.py [--dir /tmp/bench-colons] [--timeout 60] [--only NAME ...] [--keep]

Cases: ``dump`` (random groups joined by single colons: an ``openssl`` dump, no window is an original),
``pairs`` (upper-case hex pairs, a fingerprint's shape), ``sprinkled`` (a ``::`` after one group in 20),
``dense`` (after one in 3 or 4: every part reads as an address, tens of thousands of originals), ``with``
(``dump`` holding the original ``2a00:1450:4001:82b::200e`` in its middle). Each is run as

    /usr/bin/time -f '%e s %U u %M KB' timeout 60 python -m icecheck redact IN -o OUT --offline

and the table gives size, wall and user seconds, peak RSS and exit code, with the load average (the
machine is shared: user seconds are the steadier figure). Budget: < 5 s for any input under 1 MB.

Figures (2026-12-07, user seconds, load average 4.9-5.6, main 1903642 -> rcolons3 9e8f2b8; main reads no
run past 65 groups, nor an original inside a run that reads as no address: it wrote ``with`` with the
original in it, exit 0): dump 0.72 -> 1.38 s, pairs 0.76 -> 1.85 s, sprinkled 0.78 -> 2.17 s (3,090
addresses its parts read now replaced), with 0.75 -> 1.40 s (replaced), dense 1.10 -> 9.70 s (42,828
addresses replaced: over budget; about a third is their stand-ins, ``standins.ip_text`` at some 70 us
each, the rest the parts read in the input and windows looked up; the same line cut into runs of 50
groups is refused by main, 39,439 survivors, 2.9 s). RSS 30-38 MB, dense 82 MB. ``bench_hostile``
(redact, load 4.5-5.2, main 6833563 -> this branch merged with it): cand-colons 2.65 -> 2.83 s,
sdp-connections 2.49 -> 2.67 s, cand-one-line 1.29 -> 1.39 s.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

SIZE = 1 << 20
ADDRESS = "2a00:1450:4001:82b::200e"


def _line(group: Callable[[random.Random], str], site: float, seed: int) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < SIZE:
        piece = group(rng) + ("::" if rng.random() < site else ":")
        out.append(piece)
        size += len(piece)
    return "".join(out).rstrip(":")


def _hex(rng: random.Random) -> str:
    return format(rng.randrange(65536), "x")


def _pair(rng: random.Random) -> str:
    return format(rng.randrange(256), "02X")


def cases() -> dict[str, str]:
    dump = _line(_hex, 0.0, 1)
    middle = dump.index(":", len(dump) // 2)
    return {
        "dump": dump,
        "pairs": _line(_pair, 0.0, 2),
        "sprinkled": _line(_hex, 0.05, 3),
        "dense": _line(_hex, 0.3, 4),
        "with": dump[:middle] + ":" + ADDRESS + dump[middle:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--timeout", type=int, default=60)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    where = args.dir or Path(tempfile.mkdtemp(prefix="bench-colons-"))
    where.mkdir(parents=True, exist_ok=True)
    print("load average", *(f"{x:.2f}" for x in os.getloadavg()[:2]))
    try:
        for name, run in cases().items():
            if args.only and name not in args.only:
                continue
            src, out = where / f"{name}.txt", where / f"{name}.out"
            src.write_text(f"x {run} y\nhost {ADDRESS}\n")
            cmd = ["/usr/bin/time", "-f", "%e s %U u %M KB", "timeout", str(args.timeout)]
            cmd += [sys.executable, "-m", "icecheck", "redact", str(src), "-o", str(out), "--offline"]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            lines = proc.stderr.strip().splitlines()
            timing = lines[-1] if lines else ""
            note = lines[-2][:100] if len(lines) > 1 else ""
            left = out.exists() and ADDRESS in out.read_text()
            print(f"{name:10} {src.stat().st_size:8} B  {timing:28} exit {proc.returncode}  "
                  f"{'ORIGINAL LEFT  ' if left else ''}{note}")  # fmt: skip
    finally:
        if not args.keep:
            shutil.rmtree(where, ignore_errors=True)
    print("load average", *(f"{x:.2f}" for x in os.getloadavg()[:2]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
