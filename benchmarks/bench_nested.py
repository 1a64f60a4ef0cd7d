"""Peak RSS and user CPU of ``icecheck redact`` on nested compression and zip archives.

    python benchmarks/bench_nested.py [--mb 12] [--dir /tmp/bench-nested] [--cwd TREE] [SHAPE ...]

Every shape holds the same text inside: ``--mb`` MB of distinct IPv6 addresses, one a line
(``f"{0x2A00 + (n >> 16):x}::{n & 0xFFFF:x}"``), written under ``--dir`` and deleted afterwards:
  gzgz     gzip(gzip(text)) at top level
  zipgz    a zip archive whose one member is ``big.log.gz`` (the text gzipped)
  ziptext  a zip archive whose one member is ``big.log`` (the text itself)
  zipzip   a zip archive holding ``inner.zip``, which holds ``big.log.gz``
Each is run as ``/usr/bin/time -f '%e s %U u %M KB' python -m icecheck redact --offline IN -o OUT`` from
``--cwd`` (default: this tree; give ``/work/main`` to measure main); the script prints that line, the
exit code and the load average. Budget (issue 11 item 5): < 300 MB RSS, no internal error.

Figures (2026-12-07, 2 cores shared with other agents, load average beside each; compare peak RSS
and user CPU). b79d36b is main before this work (its figures for gzgz and zipgz are the lead's, from a
12 MB text of the same lines: inputs of 77 KB and 2.4 MB), rzip the branch (``files._redact``: nested
layers spooled to temporary files and streamed; zip listings in ``TextSet``s):
  12 MB inside (1,097,660 addresses)   b79d36b                       rzip
  gzgz     90 KB                       504 MB, 60 s user             105,188 KB, 66.1 s user (load 2.0)
  zipgz    96 KB                       645 MB                        109,576 KB, 109.5 s user (load 2.9)
  ziptext  2.3 MB                      403,296 KB, 71.7 s (load 1.4) 106,732 KB, 74.6 s user (load 3.1)
  zipzip   78 KB                       (not run: in memory as zipgz) 112,972 KB, 178.4 s user (load 3.5)
  ziptext  19 MB, 100 MB inside        (not run)                     106,312 KB, 689.3 s user (load 2.5)
Every output passed the run's own check (exit 0, "output checked"). The user CPU of a nested member
grows with its depth: each layer's run lists it again (the zip's first pass lists every layer, to
reserve every original before any stand-in is chosen; the member's own run lists and checks it; the
zip's check lists the output again, through every layer).
"""

from __future__ import annotations

import argparse
import gzip
import io
import shutil
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_redact_shapes import timed  # a sibling script

SHAPES = ("gzgz", "zipgz", "ziptext", "zipzip")
SUFFIX = {"gzgz": "log.gz.gz", "zipgz": "zip", "ziptext": "zip", "zipzip": "zip"}


def text(size: int) -> bytes:
    """``size`` bytes or a little more of distinct IPv6 addresses, one a line."""
    out = io.StringIO()
    n = written = 0
    while written < size:
        line = f"{0x2A00 + (n >> 16):x}::{n & 0xFFFF:x}\n"
        out.write(line)
        written += len(line)
        n += 1
    return out.getvalue().encode()


def write(shape: str, path: Path, size: int) -> None:
    body = text(size)
    if shape == "gzgz":
        path.write_bytes(gzip.compress(gzip.compress(body, mtime=0), mtime=0))
        return
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        if shape == "zipgz":
            z.writestr("big.log.gz", gzip.compress(body, mtime=0))
        elif shape == "ziptext":
            z.writestr("big.log", body)
        else:
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as y:
                y.writestr("big.log.gz", gzip.compress(body, mtime=0))
            z.writestr("inner.zip", inner.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=12)
    parser.add_argument("--dir", default="/tmp/bench-nested")
    parser.add_argument("--cwd", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("shapes", nargs="*", default=list(SHAPES))
    args = parser.parse_args()
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    try:
        for shape in args.shapes:
            src, out = work / f"in.{SUFFIX[shape]}", work / f"out.{SUFFIX[shape]}"
            write(shape, src, args.mb * 1_000_000)
            timed(shape, src, out, args.cwd)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
