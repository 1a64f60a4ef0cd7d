"""Peak RSS and time of ``icecheck redact`` on the document shapes that used to be held whole.

    python benchmarks/bench_redact_shapes.py [--mb 200] [--dir /tmp/bench-shapes] [SHAPE ...]

Shapes (each about ``--mb`` MB of input, written under ``--dir`` and deleted afterwards):
  line     one line of log text with no line feed (words, commas, addresses)
  literal  a JSON document whose one string literal holds that line (no ``\\n`` escape)
  base64   a HAR whose one response body is base64 of a text log (decoded, redacted, re-encoded)
  har-big-base64-body  a HAR saved with content: one response body of random bytes (a wasm file) in
           base64, then an SDP offer posted with 10.1.2.3 (the body kept, the offer redacted)
  sip      one SIP message with a body of that size (refused past docstream.MAX_WHOLE: fail closed)
  gzip     a gzip-compressed JSON-lines log (streamed through the decompressor)
  zip      a zip archive with one text member (streamed member)
  bomb     a gzip bomb: 1 GB of white space around two addresses (about 1 MB compressed)
  onelog   one line of log text holding 500,000 IPv4 and 500,000 IPv6 addresses, all different
  onejson  a JSON array of small records on one line, as many different addresses
  sipmany  a SIP message log: 500,000 INVITEs, each with its own IPv4 and IPv6 candidates
  har      a HAR, pretty-printed, of entries with SDP bodies, URLs and headers holding addresses
  mdns     candidate lines whose mDNS names are all different (about 2.7 million)
  v6lines  IPv6 addresses one a line, all different (run with ``--mb 12``: a document under 16 MiB)
Each is run as ``/usr/bin/time -f '%e s %U u %M KB' python -m icecheck redact IN -o OUT``; the script
prints that line, the exit code and the load average. Budget (issue 11 item 5): < 300 MB RSS.

Figures (2026-12-06; 2 cores shared with two other engineers' runs, load average 5-9 during every run
but the first, so wall times are long and noisy: compare peak RSS and user CPU). Each is
``/usr/bin/time -f '%e s %U u %S s %M KB' python -m icecheck redact IN -o OUT`` on a file of the shape
above (written by an equivalent script: the same records; its SIP log repeats its first 500,000
messages to fill 200 MB). 363dc0c is main before this work, a066bbf the branch redact3:
- onelog, 200 MB on one line, 1,000,000 different addresses: 363dc0c 304,828 KB, 556 s user (load 1.1
  at the start, 5-7 later); a066bbf 113,956 KB, 566 s user, 1,000,000 addresses and 1,000 names
  replaced, output checked. The output check had carried the one printable run up to 32 MiB and held
  five copies of it (``selfcheck.pieces``); it now cuts a long run before a separator (exactly, no
  overlap) and, with none, after a byte outside base64 (``MAX_CARRY`` 18 MiB, with an overlap).
- onejson, 200 MB on one line (``i % 5000``: 10,000 different addresses, so that it runs in minutes):
  a066bbf 57,792 KB, 267 s user. The same shape with 1,000,000 addresses on 363dc0c had reached
  240,260 KB when stopped during its second pass (before its output check).
- sipmany, 200 MB, 1,000,000 different candidate addresses: a066bbf 66,248 KB, 424 s user. A 20 MB
  file of this shape (streamed: over ``files.STREAM_DOCUMENT``) redacts to the same bytes on 363dc0c
  and a066bbf (``cmp``).
- mdns, 40 MB, 476,626 different names: 363dc0c 147,688 KB, 27.8 s user; a066bbf 52,352 KB, 29.8 s
  user (names and secrets now live in spilling ``table.Table``s). 200 MB (about 2.4 million names):
  not measured to the end (stopped after 49 s user at 42,476 KB; 363dc0c grows with the names, about
  200 bytes each). Measured to the end on the branch redact4 at 7dd4a1b: 2,383,128 names replaced,
  53,536 KB, 150.5 s user, 430 s wall (load 6.4). It is linear: 20 MB (238,313 names) 14.6 s user
  (5769c79, before 7dd4a1b: 16.5 s; 52,576 KB). The time goes to the regular expressions of the two
  passes and of the output check over 4.8 million short lines (searched once per line before 7dd4a1b,
  once per piece since) and to the SQLite tables of names; nothing grows faster than the input.
- har, pretty-printed: 200 MB (400,006 different addresses) a066bbf 59,500 KB, 288 s user, 290 s wall
  (load 1.0 → 1.7); 40 MB (190,292) 58,528 KB, 75.9 s user (load 5).
- base64 bodies past ``docstream.MAX_WHOLE`` (branch bigbody; 56f5e47, the same code as its last commit
  but for how formats and docstream call each other; each run once, loads 6-8 from other engineers'
  runs, so wall times are long): 5e74d16 refused both shapes at every size ("a line at byte N runs
  more than 16 MiB characters ...", exit 2; 20 MB binary: 10.8 s, 139 MB RSS).
  har-big-base64-body 20 MB: exit 0, 94,972 KB, 21.1 s user, 69 s wall (load 6.9); 200 MB: exit 0,
  101,308 KB, 138.3 s user, 362 s wall (load 7.6): the body kept byte for byte, 10.1.2.3 replaced.
  base64 (a text body, 125,000 addresses, 62,500 MACs, 250 names) 20 MB: exit 0, 181,660 KB, 78.5 s
  user, 216 s wall (load 6.8); 200 MB: exit 0, 181,444 KB, 611.7 s user, 1,230 s wall (load 7 → 3.3).
  The lead's file (15 MiB of random bytes as a wasm body and an offer, 20 MB; 77ef360): exit 0,
  94,920 KB, 17.8 s user, 53.6 s wall (load 6.1-6.7), the output the input with 10.1.2.3 → 192.0.2.1.
  Memory per 18 MiB piece of the output check (``selfcheck.MAX_CARRY``) was 185 MB listing the 20 MB
  text body (the piece held twice, its run copied three times to decode it) and is 96 MB since 72d6de3.
- v6lines, 12 MB (1,151,048 addresses; 2026-12-07, load 1-2): 60eaede held it in memory (documents up
  to 16 MiB were, and the output check listed both sides into sets): 302,960 KB, 70.0 s user; since
  ``files.STREAM_DOCUMENT`` is 4 MiB it is streamed: 104,952 KB, 76.4 s user, the same bytes (``cmp``).
  16 MB had peaked at 426,104 KB (103 s user); 17 MB, streamed already, 79,752 KB.
- Branch rrate against a97c1ec, 2026-12-07, run for run (interleaved, min of 3 user seconds; load
  1.4-3.9 from other agents' runs, and the VM's speed drifted some 20 % between sessions), the same
  bytes each time (``cmp``). 1522beb: v6lines 1 MB (held in memory) 3.74 -> 3.24 s (cachegrind:
  32.64 G -> 29.03 G instructions); v6lines 12 MB 67.5 -> 54.4 s, 103,200 -> 119,008 KB; sipmany
  20 MB 32.1 -> 29.2 s, 83-85 MB both; har 20 MB 44.7 -> 33.4 s, 90 MB both. (a12066d, before names
  were searched only where ``.local`` is, in an earlier session: v6lines 12 MB 60.1 -> 47.3 s, sipmany
  28.7 -> 25.6 s.) Why 12 MB cost 1.5-1.8 times as much a MB as 1 MB (py-spy): past 4 MiB the document
  is streamed, and its identifiers and the stand-ins' tables spill to SQLite (1 MB fits in memory); a
  distinct address was filed five times (the listing's ``TextSet``, ``reserve`` from it, ``reserve``
  again by ``scan_originals``, the check's copy less the kept ones, ``StandIns._ip``), one ``INSERT``
  each by ``executemany``: 19 % of the time in ``Table._flush`` alone, and ``unkept`` 12 %. Now rows go
  256 to a statement (``table._insert``: half the cost a key), the check's copy of the listing is
  SQLite's backup less its few kept identifiers (``TextSet.without``), ``TextSet`` adds in one loop;
  ``text.TOKENS`` tries its address alternatives only where a digit or colon begins (30 % of a pass
  over a SIP log went to letters past ``f``), and neither it nor the check's ``_NAME`` looks for names
  in text holding no ``.local`` (each word was read to its end and back); ``selfcheck.v6_readings``
  reads a plain colon-hex run by value (no address object). Left (py-spy of sipmany 20 MB on 1522beb):
  the regular expressions of the passes (``text._tokens_in`` 17 %; the check's ``_V4``, ``_V6``,
  ``LONG_V6_RUN`` and ``_MAC`` 22 %, ``_B64`` 6 %), a parse of each identifier per pass, and the SQLite
  ``INSERT``s (8 % of v6lines 6 MB); the extra 15 MB of RSS came with the multi-row ``INSERT``s
  (``executemany`` with the rest of the branch: 105 MB; 64 rows a statement: the same 120 MB).
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


def _v4(b: int) -> str:
    return f"10.{b >> 16 & 255}.{b >> 8 & 255}.{b & 255}"


def _v6(b: int) -> str:
    return f"2a00:1450:4001:{b >> 16:x}::{b & 0xFFFF:x}"


def _many(shape: str, i: int) -> str:
    """The ``i``-th record of a shape holding many different identifiers."""
    a = i % 500_000 + 1
    if shape == "onelog":
        return f"peer {_v4(a)} via {_v6(a)}; host-{i % 1000}.local (ok), "
    if shape == "onejson":
        record = {"ip": _v4(a), "msg": f"a=candidate:1 1 udp 2122260223 {_v6(a)} 5000 typ host", "n": i}
        return ("," if i else "[") + json.dumps(record)
    if shape == "sipmany":
        body = (f"v=0\r\no=- {i} 1 IN IP4 {_v4(a)}\r\nc=IN IP4 {_v4(a)}\r\n"
                f"a=candidate:1 1 udp 2122260223 {_v4(a)} 5000 typ host\r\n"
                f"a=candidate:2 1 udp 2122260223 {_v6(a)} 5002 typ host\r\n")  # fmt: skip
        return (f"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP {_v4(a)}:5060\r\n"
                f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}")  # fmt: skip
    if shape == "har":
        b = i % 200_000 + 1
        sdp = f"v=0\r\no=- 1 1 IN IP4 {_v4(b)}\r\na=candidate:1 1 udp 2122260223 {_v6(b)} 5000 typ host\r\n"
        entry = {"request": {"method": "POST", "url": f"https://sig.example.com/peer/{_v4(b + 6)}/offer?x=1",
                             "headers": [{"name": "X-Forwarded-For", "value": _v4(b + 2)}]},
                 "response": {"status": 200, "content": {"mimeType": "application/sdp", "text": sdp}}}  # fmt: skip
        return (
            ("" if i else '{"log": {"version": "1.2", "entries": [\n')
            + ("," if i else "")
            + json.dumps(entry, indent=2)
            + "\n"
        )
    if shape == "v6lines":
        return f"{0x2A00 + (i >> 16):x}::{i & 0xFFFF:x}\n"
    name = f"{(i * 0x9E3779B97F4A7C15) % (1 << 128):032x}"  # mdns: a different name on every line
    name = f"{name[:8]}-{name[8:12]}-{name[12:16]}-{name[16:20]}-{name[20:]}.local"
    return f"a=candidate:1 1 udp 2122260223 {name} 5000 typ host\n"


def write_many(shape: str, path: Path, size: int) -> None:
    with path.open("w") as fh:
        written, i = 0, 0
        while written < size:
            text = _many(shape, i)
            fh.write(text)
            written, i = written + len(text), i + 1
        fh.write({"onejson": "]", "har": "]}}\n"}.get(shape, ""))


def write(shape: str, path: Path, size: int) -> None:
    if shape in ("onelog", "onejson", "sipmany", "har", "mdns", "v6lines"):
        write_many(shape, path, size)
    elif shape == "line":
        path.write_bytes(line(size))
    elif shape == "literal":
        path.write_bytes(b'{"log": "' + line(size) + b'", "n": 1}')
    elif shape == "base64":
        body = base64.b64encode(line(size * 3 // 4)).decode()
        path.write_text(
            json.dumps({"log": {"entries": [{"response": {"content": {"encoding": "base64", "text": body}}}]}})
        )
    elif shape == "har-big-base64-body":
        write_big_body(path, os.urandom(size * 3 // 4))
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


def write_big_body(path: Path, body: bytes) -> None:
    """A HAR as Chrome's "Save all as HAR with content" writes it: a large base64 body, then an offer."""
    sdp = "v=0\r\no=- 1 2 IN IP4 10.1.2.3\r\na=candidate:1 1 udp 2122260223 10.1.2.3 5000 typ host\r\n"
    entries = [
        {"response": {"content": {"size": len(body), "mimeType": "application/wasm", "encoding": "base64",
                                  "text": base64.b64encode(body).decode()}}},
        {"request": {"method": "POST", "postData": {"text": json.dumps({"type": "offer", "sdp": sdp})}}},
    ]  # fmt: skip
    path.write_text(json.dumps({"log": {"entries": entries}}))


SUFFIX = {"line": "log", "literal": "json", "base64": "har", "sip": "sip", "gzip": "json.gz", "zip": "zip",
          "bomb": "json.gz", "onelog": "log", "onejson": "json", "sipmany": "sip", "har": "har",
          "mdns": "log", "har-big-base64-body": "har", "v6lines": "log"}  # fmt: skip


def timed(shape: str, src: Path, out: Path, cwd: str | None = None) -> None:
    """``icecheck redact --offline src -o out`` under ``/usr/bin/time`` (from ``cwd``): prints the shape,
    the input's size, the exit code, the figures and the load average; then removes both files."""
    cmd = ["/usr/bin/time", "-f", "%e s %U u %M KB", sys.executable, "-m", "icecheck", "redact", "--offline",
           str(src), "-o", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    figures = proc.stderr.strip().splitlines() or [""]
    print(f"{shape:8} in {src.stat().st_size >> 10} KB exit {proc.returncode}: {figures[-1]}"
          f" | load {os.getloadavg()[0]:.1f} | {figures[0][:160] if len(figures) > 1 else ''}", flush=True)  # fmt: skip
    src.unlink()
    out.unlink(missing_ok=True)


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
            timed(shape, src, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
