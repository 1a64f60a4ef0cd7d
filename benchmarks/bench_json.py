#!/usr/bin/env python3
"""Benchmark ``icecheck scan`` on large JSON inputs: time, peak RSS and recovery per input.

usage: python benchmarks/bench_json.py [--dir /tmp/icecheck-json] [--size-mb 200] [--entries 1000000]
                                       [--pcs 1000000] [--stats-every 10]
                                       [--runs 1] [--only NAME ...] [--keep] [--reuse]

Five deterministic inputs (the hostile shapes of issue 11 item 5, and two variants), each with its
ground truth (the address:port of every distinct candidate written):

- ``string.json``: ``{"log": "<size-mb of log text>"}``, one huge JSON string whose lines are log
  noise with an ``a=candidate:`` line every ~25 KB;
- ``entries.har``: a HAR whose ``log.entries`` holds ``--entries`` tiny entries, every 1,000th a
  POST with a JSON trickle body carrying a candidate;
- ``trickle.jsonl``: JSON lines, ``--entries`` small messages (every 100th a trickle candidate) and
  one line of ~40 MB holding a log string with candidate lines;
- ``internals.json``: a webrtc-internals dump, two PeerConnections whose updateLog hold
  ``--entries`` events in all (every 200th an ``icecandidate`` event) and candidate stats series;
- ``pcs.json`` (not run unless named with ``--only``): a webrtc-internals dump of ``--pcs``
  PeerConnections (issue 11 item 5, the second hostile shape), each with an mDNS host candidate
  and a srflx one in its updateLog and, every ``--stats-every``-th, candidate stats: the host's
  without an address (its twin the mDNS one, which takes its network type) and the srflx one's.

Each input is scanned with ``/usr/bin/time -f '%e %M' python -m icecheck scan --offline --format
json`` (from this checkout); printed: wall time, peak RSS, candidates expected and found (by
address and port), exit code. The load average is printed before and after: the machine is
shared, so take the best of several runs (``--runs``).

``pcs.json`` figures (2026-12-07, 700,000 PeerConnections, ``--stats-every 10``, 194 MB, 2 cores
shared, load average 5-6): main 8cad00c held every item of the dump to match stats candidates
with signalled ones (``Sink.hold_all`` for the whole input): 2.7 GB at the end of the read
(``scanner.scan_paths`` alone, 54 s CPU). Matched per PeerConnection, the sink spilling between
them: 134 MB read (130 s CPU: the items go to disk and back); the whole command
(``--format json``) 863 s (555 s CPU), 582 MB, the rest in the audit of 1.4 million candidates
in 700,000 calls (100,000 PeerConnections: 124 MB read, 165 MB after the audit).
With the parties numbered on disk past 50,000 (``analysis.partystore``): 568 MB (cba0caa, 1,013 s,
load 4-7) -> 155 MB (772 s, 590 s CPU, load 6).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOISE = "2026-12-06T04:00:00.000Z INFO [pc-{n}] stats tick bytesSent={b} packetsLost=0 jitter=0.002 rtt=0.031\n"


def _cand(i: int, prefix: str = "a=") -> tuple[str, str]:
    addr = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
    port = 10000 + i % 50000
    return f"{prefix}candidate:{i} 1 udp 2122260223 {addr} {port} typ host generation 0", f"{addr}:{port}"


def gen_string(path: Path, size: int, rng: random.Random) -> set[str]:
    """``{"log": "<size bytes of text>"}`` with a candidate line every ~25 KB (escaped newlines)."""
    truth: set[str] = set()
    with open(path, "w", encoding="ascii") as f:
        f.write('{"log": "')
        written, n = 0, 0
        block = "".join(NOISE.format(n=k, b=k * 1000) for k in range(256)).replace("\n", "\\n")
        while written < size:
            f.write(block)
            written += len(block)
            line, key = _cand(n)
            f.write(f"onicecandidate {line}\\r\\n")
            truth.add(key)
            n += 1
        f.write('"}\n')
    return truth


def gen_har(path: Path, entries: int, rng: random.Random) -> set[str]:
    truth: set[str] = set()
    with open(path, "w", encoding="ascii") as f:
        f.write('{"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "entries": [')
        for i in range(entries):
            if i:
                f.write(",")
            if i % 1000 == 0:
                line, key = _cand(i, "")
                body = json.dumps({"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0})
                entry = {"request": {"method": "POST", "url": "https://sfu.example/t",
                                     "postData": {"mimeType": "application/json", "text": body}}}  # fmt: skip
                f.write(json.dumps(entry))
                truth.add(key)
            else:
                f.write(f'{{"request":{{"url":"/{i % 1000}"}}}}')
        f.write("]}}\n")
    return truth


def gen_jsonl(path: Path, entries: int, rng: random.Random) -> set[str]:
    truth: set[str] = set()
    with open(path, "w", encoding="ascii") as f:
        for i in range(entries):
            if i % 100 == 0:
                line, key = _cand(i, "")
                f.write(json.dumps({"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0}) + "\n")
                truth.add(key)
            else:
                f.write(f'{{"type":"ping","seq":{i}}}\n')
            if i == entries // 2:
                tmp = path.with_suffix(".part")
                truth |= gen_string(tmp, 40 << 20, rng)  # one long line: a log string
                f.write(tmp.read_text().rstrip("\n") + "\n")
                tmp.unlink()
    return truth


def gen_internals(path: Path, entries: int, rng: random.Random) -> set[str]:
    truth: set[str] = set()
    with open(path, "w", encoding="ascii") as f:
        f.write('{"getUserMedia": [], "PeerConnections": {')
        for pc in range(2):
            if pc:
                f.write(", ")
            f.write(f'"1-{pc}": {{"rtcConfiguration": "{{}}", "stats": {{')
            for s in range(50):
                sid = f"I{pc}x{s}"
                _, key = _cand(900_000 + pc * 100 + s)
                addr, port = key.split(":")
                series = {
                    f"{sid}-address": {"statsType": "local-candidate", "values": json.dumps([addr])},
                    f"{sid}-port": {"statsType": "local-candidate", "values": json.dumps([int(port)])},
                    f"{sid}-candidateType": {"statsType": "local-candidate", "values": '["host"]'},
                    f"{sid}-networkType": {"statsType": "local-candidate", "values": '["wifi"]'},
                }
                f.write(("" if s == 0 else ", ") + json.dumps(series)[1:-1])
                truth.add(key)
            f.write('}, "updateLog": [')
            for i in range(entries // 2):
                if i:
                    f.write(", ")
                if i % 200 == 0:
                    line, key = _cand(pc * entries + i, "")
                    value = f"sdpMid: 0, sdpMLineIndex: 0, candidate: {line}"
                    f.write(json.dumps({"time": "4:00:00 AM", "type": "icecandidate", "value": value}))
                    truth.add(key)
                else:
                    f.write('{"time": "4:00:00 AM", "type": "iceconnectionstatechange", "value": "checking"}')
            f.write('], "url": "https://meet.example/"}')
        f.write('}, "UserAgent": "bench"}\n')
    return truth


def gen_pcs(path: Path, pcs: int, stats_every: int) -> set[str]:
    """``--pcs`` small PeerConnections, each with two candidates (``pcs.json`` in the docstring)."""
    truth: set[str] = set()
    with open(path, "w", encoding="ascii") as f:
        f.write('{"getUserMedia": [], "PeerConnections": {')
        for n in range(pcs):
            addr, port = f"198.51.{n >> 8 & 255}.{n & 255}", 1024 + n % 60000
            host = f"candidate:1 1 udp 2122260223 {n:x}-0.local {port} typ host"
            srflx = f"candidate:2 1 udp 1686052607 {addr} {port} typ srflx"
            truth |= {f"{n:x}-0.local:{port}", f"{addr}:{port}"}
            log = [{"type": "icecandidate", "value": host}, {"type": "icecandidate", "value": srflx}]
            stats: dict[str, dict[str, str]] = {}
            if n % stats_every == 0:
                for sid, attrs in (
                    ("H", {"address": "", "port": port, "candidateType": "host", "networkType": "wifi"}),
                    ("S", {"address": addr, "port": port, "candidateType": "srflx", "networkType": "wifi"}),
                ):
                    for k, v in attrs.items():
                        stats[f"{sid}-{k}"] = {"statsType": "local-candidate", "values": json.dumps([v])}
            pc = json.dumps({"updateLog": log, "stats": stats}, separators=(",", ":"))
            f.write(("," if n else "") + json.dumps(f"{n}-1") + ":" + pc)
        f.write('}, "UserAgent": "bench"}\n')
    return truth


GENERATORS: dict[str, Callable[[Path, argparse.Namespace, random.Random], set[str]]] = {
    "string.json": lambda p, a, r: gen_string(p, a.size_mb << 20, r),
    "entries.har": lambda p, a, r: gen_har(p, a.entries, r),
    "trickle.jsonl": lambda p, a, r: gen_jsonl(p, a.entries, r),
    "internals.json": lambda p, a, r: gen_internals(p, a.entries, r),
    "pcs.json": lambda p, a, r: gen_pcs(p, a.pcs, a.stats_every),
}
DEFAULT = ["string.json", "entries.har", "trickle.jsonl", "internals.json"]


def measure(path: Path) -> tuple[float, int, int, set[str]]:
    """(seconds, peak RSS KB, exit code, address:port of each candidate reported)."""
    with tempfile.NamedTemporaryFile("w+", suffix=".json") as out, tempfile.NamedTemporaryFile("w+") as tm:
        cmd = ["/usr/bin/time", "-o", tm.name, "-f", "%e %M", sys.executable, "-m", "icecheck"]
        cmd += ["scan", "--offline", "--format", "json", str(path)]
        proc = subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.PIPE, text=True)
        secs, kb = tm.read().split()[-2:]
        out.seek(0)
        try:
            report = json.load(out)
            found = {f"{c['address']}:{c['port']}" for c in report["candidates"]}
        except (ValueError, KeyError):
            found = set()
        return float(secs), int(kb), proc.returncode, found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default="/tmp/icecheck-json")
    ap.add_argument("--size-mb", type=int, default=200)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--pcs", type=int, default=700_000, help="PeerConnections of pcs.json")
    ap.add_argument("--stats-every", type=int, default=10, help="pcs.json: every Nth PeerConnection has stats")
    ap.add_argument("--only", nargs="*", default=DEFAULT, choices=list(GENERATORS))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--reuse", action="store_true", help="keep inputs and truths from an earlier --keep run")
    args = ap.parse_args()
    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {os.getloadavg()}")
    for name in args.only:
        path, truth_file = d / name, d / f"{name}.truth"
        if args.reuse and path.exists() and truth_file.exists():
            truth = set(truth_file.read_text().split())
        else:
            truth = GENERATORS[name](path, args, random.Random(1))
            truth_file.write_text("\n".join(sorted(truth)))
        best: tuple[float, int, int, set[str]] | None = None
        for _ in range(args.runs):
            got = measure(path)
            best = got if best is None or got[1] < best[1] else best
        assert best is not None
        secs, kb, rc, found = best
        size = path.stat().st_size / (1 << 20)
        print(
            f"{name:15} {size:7.1f} MB  {secs:6.2f} s  {kb / 1024:7.1f} MB RSS  exit {rc}  "
            f"candidates expected {len(truth)} found {len(found & truth)} (extra {len(found - truth)})"
        )
        if not args.keep:
            path.unlink()
            truth_file.unlink()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
