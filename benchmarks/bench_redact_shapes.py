"""Peak RSS and time of ``icecheck redact`` on the document shapes that used to be held whole.

    python benchmarks/bench_redact_shapes.py [--mb 200] [--dir /tmp/bench-shapes] [SHAPE ...]

Shapes (each about ``--mb`` MB of input, written under ``--dir`` and deleted afterwards):
  line     one line of log text with no line feed (words, commas, addresses)
  literal  a JSON document whose one string literal holds that line (no ``\\n`` escape)
  base64   a HAR whose one response body is base64 of a text log (decoded, redacted, re-encoded)
  sip      one SIP message with a body of that size (refused past docstream.MAX_WHOLE: fail closed)
  gzip     a gzip-compressed JSON-lines log (streamed through the decompressor)
  zip      a zip archive with one text member (streamed member)
  bomb     a gzip bomb: 1 GB of white space around two addresses (about 1 MB compressed)
Each is run as ``/usr/bin/time -f '%e s %U u %M KB' python -m icecheck redact IN -o OUT``; the script
prints that line, the exit code and the load average. Budget (issue 11 item 5): < 300 MB RSS.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

WORDS = "peer 10.{a}.{b}.7, via fe80::{a:x}:{b:x}%eth0; host-{a}.local (ok) mac 02:11:22:33:{a:02x}:{b:02x} | "


def line(size: int) -> bytes:
    parts, total, i = [], 0, 0
    while total < size:
        text = WORDS.format(a=i % 250 + 1, b=i // 250 % 250 + 1)
        parts.append(text)
        total += len(text)
        i += 1
    return "".join(parts).encode()


def write(shape: str, path: Path, size: int) -> None:
    if shape == "line":
        path.write_bytes(line(size))
    elif shape == "literal":
        path.write_bytes(b'{"log": "' + line(size) + b'", "n": 1}')
    elif shape == "base64":
        body = base64.b64encode(line(size * 3 // 4)).decode()
        path.write_text(
            json.dumps({"log": {"entries": [{"response": {"content": {"encoding": "base64", "text": body}}}]}})
        )
    elif shape == "sip":
        body = line(size)
        head = f"INVITE sip:b@10.0.0.1 SIP/2.0\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        path.write_bytes(head + body)
    elif shape == "gzip":
        with gzip.open(path, "wb") as fh:
            chunk = b"".join(
                json.dumps({"m": WORDS.format(a=i % 250 + 1, b=i % 7 + 1)}).encode() + b"\n" for i in range(5000)
            )
            for _ in range(size // len(chunk) + 1):
                fh.write(chunk)
    elif shape == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, z.open("call.log", "w") as fh:
            block = line(1 << 20).replace(b"| ", b"|\n")
            for _ in range(size >> 20):
                fh.write(block)
    elif shape == "bomb":
        with gzip.open(path, "wb", compresslevel=9) as fh:
            fh.write(b'{"a": "10.1.2.3"}\n')
            for _ in range(1024):
                fh.write(b" " * (1 << 20))
            fh.write(b'{"b": "10.1.2.4"}\n')


SUFFIX = {"line": "log", "literal": "json", "base64": "har", "sip": "sip", "gzip": "json.gz", "zip": "zip",
          "bomb": "json.gz"}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--dir", default="/tmp/bench-shapes")
    parser.add_argument("shapes", nargs="*", default=list(SUFFIX))
    args = parser.parse_args()
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    try:
        for shape in args.shapes:
            src, out = work / f"in.{SUFFIX[shape]}", work / f"out.{SUFFIX[shape]}"
            write(shape, src, args.mb << 20)
            cmd = ["/usr/bin/time", "-f", "%e s %U u %M KB", sys.executable, "-m", "icecheck", "redact", str(src),
                   "-o", str(out)]  # fmt: skip
            proc = subprocess.run(cmd, capture_output=True, text=True)
            figures = proc.stderr.strip().splitlines()
            print(f"{shape:8} in {src.stat().st_size >> 20} MB exit {proc.returncode}: {figures[-1]}"
                  f" | load {os.getloadavg()[0]:.1f} | {figures[0][:160] if len(figures) > 1 else ''}")  # fmt: skip
            src.unlink()
            out.unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
