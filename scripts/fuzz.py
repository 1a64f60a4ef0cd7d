#!/usr/bin/env python3
"""The long fuzz run: mutated samples through ``scan``, ``sdp`` and ``redact`` until a time or count runs out.

    python scripts/fuzz.py --minutes 30            # every target, random mutations, fresh seed
    python scripts/fuzz.py --runs 20000 --seed 7   # reproducible

Half the cases (--generated) start from an input built afresh by tests/fuzz/shapes.py (every
address notation, candidate extension, link type, fragment and TCP oddity, encoding, nesting),
the others from a sample; either is then mutated by tests/fuzz/mutate.py. Reports are JSON, or
(three cases in ten) any other format, with -v or not.

Each case must hold as in tests/fuzz (no escaped exception, exit 0/1/2, no raw control or bidi
character in the report) and finish within --slow seconds of CPU time (5 by default: the budget
for any input under 1 MB). A case that fails is kept in tests/fuzz/regressions/ (replayed by the test suite from
then on) and named on stdout; the summary gives executions, failures and the slowest case per target.
A case that has not returned after --hang seconds (a loop) stops the run with the stack of every
thread; the case is then in --current. Runs in-process and offline: nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import faulthandler
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.mutate import FORMATS, OPS, REGRESSIONS, Mutation, mutate, run_target, seeds
from tests.fuzz.shapes import generate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=0.0, help="stop after this long (0: no time bound)")
    ap.add_argument("--runs", type=int, default=1000, help="stop after this many cases (0: no count bound)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument(
        "--generated", type=float, default=0.5, help="share of cases built by tests/fuzz/shapes.py (0 to 1)"
    )
    ap.add_argument("--slow", type=float, default=5.0, help="CPU seconds after which a case counts as a hang")
    ap.add_argument(
        "--hang", type=float, default=120.0, help="wall seconds after which the run stops, the case kept as --current"
    )
    ap.add_argument("--current", type=Path, default=Path(tempfile.gettempdir()) / "icecheck-fuzz-current.bin")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    corpus = seeds()
    names = sorted(corpus)
    deadline = time.monotonic() + args.minutes * 60 if args.minutes else float("inf")
    runs, failures, slowest = 0, 0, {c: (0.0, "") for c in ("scan", "sdp", "redact")}
    with tempfile.TemporaryDirectory() as tmp:
        while time.monotonic() < deadline and (not args.runs or runs < args.runs):
            command = rng.choice(("scan", "sdp", "redact"))
            if rng.random() < args.generated:  # a fresh structured input, mutated or not
                name, base = generate(rng, sdp_only=command == "sdp")
                count = rng.choice((0, 0, 1, 2, 4))
            else:
                name = rng.choice([n for n in names if n.endswith(".sdp")] if command == "sdp" else names)
                base, count = corpus[name], rng.randint(1, 6)
            muts = [
                Mutation(rng.choice(OPS), rng.randrange(1 << 24), rng.randbytes(rng.randint(1, 12)))
                for _ in range(count)
            ]
            data = mutate(base, muts)
            args.current.write_bytes(data)  # what a hang that never returns leaves behind
            faulthandler.dump_traceback_later(args.hang, exit=True)
            start = time.process_time()  # CPU time: the machine is shared, wall time is noise
            fmt = rng.choice(FORMATS) if rng.random() < 0.3 else "json"
            problem = run_target(command, data, Path(tmp), fmt, verbose=rng.random() < 0.3)
            took = time.process_time() - start
            faulthandler.cancel_dump_traceback_later()
            runs += 1
            if took > slowest[command][0]:
                slowest[command] = (took, name)
            if problem is None and took > args.slow:
                problem = f"{command}: took {took:.1f} s of CPU on {len(data)} bytes"
            if problem:
                failures += 1
                kept = REGRESSIONS / f"new-{command}-{name.replace('/', '-')}-{runs}-{rng.randrange(10**6)}.bin"
                kept.write_bytes(data)
                print(f"FAIL {problem} (seed {name}; kept as {kept})", flush=True)
    print(f"{runs} executions, {failures} failures")
    for command, (took, name) in slowest.items():
        print(f"  slowest {command}: {took * 1000:.0f} ms ({name})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
