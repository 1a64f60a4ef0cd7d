#!/usr/bin/env python3
"""Benchmark ``icecheck scan`` of one party with many distinct candidates: time and peak RSS.

usage: python benchmarks/bench_party.py [--dir /tmp/icecheck-party] [--candidates 277631]
                                        [--shape host|srflx|relay|relay-bare]
                                        [--json-candidates 95029] [--filler 2000]
                                        [--formats json text] [--runs 1] [--keep] [--reuse]

Two deterministic inputs, each a single party (one file, no call, no party name) whose every
candidate line is distinct (issue 11 item 5: the party's items are inferred together):

- ``party.log``: a text log of ``--candidates`` lines ``a=candidate:N 1 udp 2122260223 10.x.y.z
  PORT typ host generation 0`` (distinct private addresses);
- ``party.json``: ``{"log": "..."}``, one JSON string holding ``--json-candidates`` such lines,
  each followed by ``--filler`` bytes of log noise (about 200 MB with the defaults).

``--shape`` chooses the lines (``party.SHAPE.log``/``.json`` unless ``host``): ``host`` as above;
``srflx``: ``a=candidate:N 1 udp 1686052607 A.B.C.7 PORT typ srflx raddr 10.0.0.1 rport 5000
generation 0``, a distinct public address per line (A = 11 to 110), one private related address for
all (so one ``local-address`` exposure names every candidate, and a ``public-address`` exposure and
an ICE005 finding per line); ``relay``: ``... 41885439 A.B.C.9 PORT typ relay raddr 0.0.0.0 rport 0
generation 0``, a distinct relay address per line; ``relay-bare``: the same without raddr.

Each is scanned with ``/usr/bin/time -f '%e %U %S %M' python -m icecheck scan --offline
--jobs 1 -f FORMAT`` from this checkout, for each format of ``--formats``; printed: wall time,
CPU time (user + system), peak RSS, exit code, and the number of candidates in the JSON report.
The load average is printed before and after: the machine is shared, so take the best of several
runs (``--runs``); RSS and CPU time vary less than wall time. ``--size-mb 200`` makes ``party.log``
about that size (2,597,402 candidates); ``--candidates 1000000`` the million-candidate case (76 MB);
``--json-candidates 1000000 --filler 100`` a JSON string of a million (about 180 MB); ``--jobs``
passes scan's ``--jobs`` (``/usr/bin/time`` gives the largest process's peak, not the tree's sum).

Figures (2026-12-06, one run each, load average 5.6 to 9.2 on 2 shared cores: wall time is noise;
``/usr/bin/time -f '%e s %U u %S s %M KB' python -m icecheck scan --offline --jobs 1 -f FMT``):

- 1,000,000 candidates (``--candidates 1000000``), -f json: 363dc0c 528 MB peak RSS (197 s user);
  aaa34bf+9f226da (groups spilled to SQLite, ids packed, one shared evidence tuple) 343 MB (189 s
  user). Where the rest goes (an in-process RSS sampler): about 190 MB while the party is read;
  the peak is when the audit closes its exposure and finding spools and pickles the last batch,
  whose exposures and ICE010 finding carry a million refs each (the pickler's memo of a million
  strings, and the bytes). -f text: 767 MB at 363dc0c, 775 MB after: the network map holds a
  ``_Seen`` per candidate and builds a ``MapNode`` per host address (``netmap.device_map``) before
  drawing 300 of them (changed below). -f sarif after: 403 MB (190 s user; not measured before).
- The same million (map4 branch, 2026-12-06; one run each, load average 0.6 to 8 on the 2 shared
  cores: wall time is noise; ``/usr/bin/time -f '%e s %U u %S s %M KB' python -m icecheck scan
  --offline --jobs 1 -f FMT /tmp/map4/party.log > out``), every report ``cmp``-identical to main's
  (8b2e819), main → map4: -f text 781 → 279 MB (191 → 193 s user) with the map's candidates
  projected to SQLite past ``limits.IN_MEMORY`` and its boxes built as they are drawn
  (``netmap.Branches``), a finding's places and subjects read in bounded memory (``locate``); 248 MB
  (188 s user) with the audit's spools pickled without a memo too. -f sarif 398 → 248 MB (210 →
  216 s user) then (a finding's origins deduplicated in a spilling ``TextSet``); without a memo
  -f json went 312 → 354 MB (a million-ref evidence read back once per item, unshared), so the
  long evidence is now pickled packed (``audit._dumps``, ``groups.RefList``, shared tuples kept
  shared): -f json 312 → 252 MB (217 → 195 s user; an exposure's evidence and a party's ids also
  written ref by ref), -f sarif 398 → 250 MB (210 → 180 s user).
- The same million (map5 branch, 2026-12-06, ``/usr/bin/time -f '%e s %U u %S s %M KB' python -m
  icecheck scan --offline --jobs 1 -f FMT /tmp/map5/party.log > out``, one run each, one at a time,
  load average 0.9 to 3.1 on the 2 shared cores): -f junit, main (dd42158) → map5 (9fc54f0),
  ``cmp``-identical: 595 → 253 MB (152 → 151 s user; 131 MB of XML): the findings' lines (a million
  ICE001 findings, and ICE010's million locations) written into an ElementTree skeleton as they are
  read (``junit.write_junit``), the cases' findings kept as indices in arrays. -f github, main
  (dd42158, run from /work/main) → map5 (a692452), ``cmp``-identical: 1,886 → 276 MB (118 → 119 s
  user; 324 MB of annotations): written a line at a time, the findings in ``locate.ordered``'s
  order read from their indices grouped by severity and rule (``github.write_github``), not sorted
  and joined whole. Unchanged from main, bounded already: -f markdown 251 MB (136 s user), -f html
  256 MB (148 s user), at 9fc54f0; -f mermaid 249 MB (138 s user) at a692452. The text report with
  -v is not bounded: 666 MB at 100,000 candidates on main (dd42158; 27 s user, load 2.7 to 3.0),
  so some GB at a million: it sorts and holds every finding, builds every row of the candidate
  table before laying it out (``layout.columns``), every map line (``layout.tree_head``), and joins
  the whole report into one ``Text`` before printing (``report.show``).
- The text report with -v (verbose branch, 2026-12-06, ``/usr/bin/time -f '%e s %U u %S s %M KB' python -m
  icecheck scan --offline --jobs 1 -v FILE > out``, one run each, load average 1.8 to 6.2 on the 2 shared
  cores), main (d2673f5) → verbose (328dbeb), ``cmp``-identical: 100,000 candidates 666 → 148 MB (31.2 →
  33.6 s CPU, run back to back at load 4); 1,000,000 candidates 5,863 → 287 MB (325 → 370 s CPU; 304 MB of
  text): lines written as they are made (``report.show_lines``), tables laid out in two passes over their
  rows (``layout.column_lines``), findings read in order by index (``locate.in_order``), the map's tree
  walked as its boxes are built (``layout.tree_lines``). Without -v, 1,000,000: 251 MB (210 s CPU).
- One party of 1,000,000 server-reflexive candidates, each with its own public address (``--shape
  srflx``, 103 MB; srflx branch, 2026-12-06, ``/usr/bin/time -f '%e s %U u %S s %M KB' python -m
  icecheck scan --offline --jobs 1 -f FMT /tmp/srflx/srflx1000000.log > out``, load average 1 to 5
  on the 2 shared cores, one run each), main (d2673f5) → srflx (ed88af5/eed8f39, before its rebase),
  every report ``cmp``-identical: -f text 1,557 → 218 MB (215 → 223 s user), json 1,557 → 218 MB
  (248 → 254 s), sarif 1,557 → 220 MB (240 → 229 s), markdown 1,557 → 219 MB (204 → 205 s), junit
  1,557 → 220 MB (229 → 216 s), github 1,557 → 277 MB (177 → 182 s). Where it went: the ISP step
  grouped the candidates by party with ``parties.split``, holding every one of them as objects
  whenever a public address was looked for (offline too: the first 256 get an empty
  ``NetworkInfo``); now ``isp._Seen`` reads them once, keeping ids. The addresses to look up were a
  list of a million (now the first ``--max-lookups`` and a count,
  ``enrich.targets.first_public_addresses``); the ``local-address`` exposure of the shared raddr and
  its finding named every candidate with a second million strings (now the party's ``every``
  tuple, ``groups.Groups.items(known)``). At 10k/100k/300k lines, -f json: main 58/216/515 MB,
  srflx 59/129/148 MB. A million relay candidates, each with its own relay address, -f json,
  identical: ``--shape relay`` 1,556 → 207 MB (167 → 191 s user), ``--shape relay-bare`` 1,427 →
  207 MB (171 → 175 s user). As text, ``--shape relay`` was 804-813 MB
  at 1,000,000 (the network map's relay branch built a box per relay address and grouped them all,
  ``netmap._relays``): relaymap branch (8faa0f5 against main 7fafceb, load 0.5 to 4.8, identical
  bytes), text 813 → 209 MB (191 → 188 s user), markdown 806 → 208 MB, -v 208 MB; at 100,000 text
  160 → 125 MB, -v 161 → 126 MB: a spilled party's relays are grouped in SQLite and built as drawn
  (``netmap.Relays``).
- One party of 2,597,402 host candidates (``--size-mb 200``, 201 MB; onemil branch, 2026-12-06,
  ``/usr/bin/time -f '%e s %U u %S s %M KB' python -m icecheck scan --offline --jobs 1 [-f FMT | -v]
  /tmp/onemil/host200.log > out``, several at once, load average 4 to 12 on the 2 shared cores: wall time
  is noise): main (e5ff539) text 483 MB (lead's figure) → onemil (0f9d885) 149 MB (542 s user); -f github
  153 MB (516 s user); -f json 128 MB (723 s user, 5.6 GB of report), -f sarif 128 MB (686 s user,
  2.5 GB), -v 147 MB (1,163 s user, 0.8 GB). Where it went (an in-process sampler of RSS and the main thread's stack):
  ``Inference.every``, the party's every candidate id as a tuple of strings (about 190 MB), and each
  evidence naming them all rebuilt as one at each reading of the spools, are now ``groups.PackedRefs``
  (a run of consecutive ids is two numbers); ``grouping.group`` held every address of the party (scan's
  notes: now a count in a spilling ``TextSet`` and the first four), ``wire.wire_exposures`` a set of
  every candidate address (370 MB peak at 2.6 M on main; now the STUN addresses only). At 1,000,000:
  text 272 → 149 MB, identical bytes. ``--shape srflx --size-mb 200`` (1,941,747 candidates): text
  136 MB (554 s user).
- ``--matrix`` (measure11 branch, 2026-12-06, one run each, one at a time, load average 4.5 to 11 on
  the 2 shared cores: wall time is noise; ``python benchmarks/bench_party.py --matrix --size-mb 5`` at
  0726fb1 (main c742572), i.e. ``/usr/bin/time python -m icecheck ARGS --offline [--jobs 1] FILE``,
  stdout counted and hashed).
  Peak RSS of every case at 5 MB (host 64,935 lines, srflx 48,543 held in memory, relay and
  relay-bare about 51,000): host, every format, -v, --policy relay-only and no-host-ip in every
  format and -v, --fail-on info, --exit-zero -q, sdp (text, json): 110 to 134 MB; srflx: 137 to
  172 MB (text the most: its 48,543 items held as objects, under limits.IN_MEMORY); relay 102 to
  109 MB; relay-bare 110 to 116 MB; redact 71 to 79 MB. At 20 MB host text 143 MB, json 119 MB,
  sarif 119 MB, relay-only text 146 MB: flat. At 200 MB (2,597,402 host candidates), --policy
  relay-only -f json (2,597,402 ICE014 findings): 125 MB, 807 s CPU, exit 1, 7.3 GB of JSON.
  Long candidate lines: 24,500 lines with a 4 KB extension (100 MB) peaked at 296 MB (text) on
  main, 100 lines of a megabyte (100 MB) at 231 MB (-f json 237 MB): each held candidate keeps its
  text twice (``raw``, ``extensions``); now a candidate is at most ``candidate.MAX_LENGTH`` (640)
  characters. ``--shape wide`` (lines of exactly that) at 48,000 lines (31 MB at 640): -f text
  235 MB with --jobs 1, 254 MB with the default --jobs (every format the same: the peak is the
  worker's items shipped pickled); at 1,024 characters it was 268 and 338 MB. At 200 MB (312,012
  lines of 640, spilled): -f text 196 MB (107 s CPU), -f json 195 MB (112 s CPU, 1.1 GB). ``--shape overlong``,
  200 lines of a megabyte (200 MB): main (0e441ef) -f text 431 MB (810 MB with the default --jobs),
  -f json 438 MB (400 MB of report), exit 0; now 31 MB, exit 2, one line naming line 1 as a
  malformed candidate. ``icecheck redact`` of the 200 MB host log: 54 MB, 329 s CPU, exit 0.
- 277,631 candidates, same command, main (8b2e819) → map4, identical bytes: -f text 295 → 156 MB,
  -f markdown 293 → 154 MB, -f html 288 → 153 MB, -f json 159 → 143 MB, -f sarif 186 → 143 MB
  (before the packing); packed: -f json 143 MB, -f sarif 144 MB.
- 277,631 candidates (the default), reports ``cmp``-identical to main (b0b58aa) before the change,
  main → after: -f json 195 → 157 MB (52 → 58 s user); -f text 305 → 290 MB (41 → 47 s user);
  -f markdown 276 → 287 MB (40 → 43 s user).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from icecheck.inputs.candidate import MAX_LENGTH  # noqa: E402

NOISE = "2026-12-06T04:00:00.000Z INFO [pc-1] stats tick bytesSent=1000 packetsLost=0 jitter=0.002 rtt=0.031 "


def line(i: int, shape: str = "host") -> str:
    """The ``i``-th distinct candidate line of ``shape`` (``SHAPES``)."""
    if shape == "host":
        addr = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        return f"a=candidate:{i} 1 udp 2122260223 {addr} {10000 + i % 50000} typ host generation 0"
    public = f"{11 + (i >> 16) % 100}.{(i >> 8) & 255}.{i & 255}"  # distinct up to 6,553,600 lines
    if shape == "srflx":
        return (
            f"a=candidate:{i} 1 udp 1686052607 {public}.7 {10000 + i % 50000} typ srflx raddr 10.0.0.1 rport 5000"
            " generation 0"
        )
    if shape in ("wide", "overlong"):  # srflx padded by an extension to the longest read, or to a megabyte
        port = 10000 + i % 50000
        head = f"a=candidate:{i} 1 udp 1686052607 {public}.7 {port} typ srflx raddr 10.0.0.1 rport 5000 x-pad "
        return head + "Q" * ((MAX_LENGTH if shape == "wide" else 1_000_000) - len(head))
    related = " raddr 0.0.0.0 rport 0" if shape == "relay" else ""
    return f"a=candidate:{i} 1 udp 41885439 {public}.9 {10000 + i % 50000} typ relay{related} generation 0"


SHAPES = ("host", "srflx", "relay", "relay-bare", "wide", "overlong")
VERBOSE = "text-v"  # in --formats: the text report with -v


def gen_log(path: Path, n: int, shape: str = "host") -> None:
    with open(path, "w", encoding="ascii") as f:
        for i in range(n):
            f.write(line(i, shape) + "\n")


def gen_json(path: Path, n: int, filler: int, shape: str = "host") -> None:
    noise = (NOISE * (filler // len(NOISE) + 1))[:filler]
    with open(path, "w", encoding="ascii") as f:
        f.write('{"log": "')
        for i in range(n):
            f.write(line(i, shape) + "\\n" + noise + "\\n")
        f.write('"}\n')


def fitting(size_mb: float, shape: str = "host") -> int:
    """How many candidate lines of ``gen_log`` fill about ``size_mb`` MB."""
    average = len(line(5_000_000, shape)) + 1
    return int(size_mb * 1e6) // average


def run(path: Path, fmt: str, out: Path, jobs: str = "1") -> tuple[float, float, int, int]:
    """(wall s, CPU s, peak RSS KB, exit code) of one scan; the report goes to ``out``."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as times, open(out, "w") as report:
        cmd = ["/usr/bin/time", "-o", times.name, "-f", "%e %U %S %M"]
        chosen = ["-v"] if fmt == VERBOSE else ["-f", fmt]
        cmd += [sys.executable, "-m", "icecheck", "scan", "--offline", "--jobs", jobs, *chosen, str(path)]
        code = subprocess.run(cmd, cwd=ROOT, stdout=report, check=False).returncode
        wall, user, system, rss = times.read().split()[-4:]
    return float(wall), float(user) + float(system), int(rss), code


FORMATS = ("text", "json", "sarif", "markdown", "github", "junit", "mermaid", "html")


def matrix_cases(shapes: list[str]) -> list[tuple[str, str, list[str]]]:
    """(shape, label, icecheck arguments before the input) of ``--matrix``: every scan format and -v
    per shape; on ``host`` every policy preset, the exit-code options, ``sdp``; ``redact`` per shape."""
    cases: list[tuple[str, str, list[str]]] = []
    for shape in shapes:
        for fmt in FORMATS:
            cases.append((shape, f"scan -f {fmt}", ["scan", "-f", fmt]))
        cases.append((shape, "scan -v", ["scan", "-v"]))
        if shape == "host":
            for preset in ("relay-only", "no-host-ip"):
                for fmt in FORMATS:
                    cases.append((shape, f"scan --policy {preset} -f {fmt}", ["scan", "--policy", preset, "-f", fmt]))
                cases.append((shape, f"scan --policy {preset} -v", ["scan", "--policy", preset, "-v"]))
            cases.append((shape, "scan --fail-on info", ["scan", "--fail-on", "info"]))
            cases.append((shape, "scan --exit-zero -q", ["scan", "--exit-zero", "-q"]))
            cases.append((shape, "sdp", ["sdp"]))
            cases.append((shape, "sdp -f json", ["sdp", "-f", "json"]))
        cases.append((shape, "redact", ["redact"]))
    return cases


def run_case(args: list[str], path: Path, jobs: str) -> tuple[float, float, int, int, int, str, str]:
    """(wall s, CPU s, peak RSS KB, exit code, stdout bytes, stdout sha256, last stderr line) of
    ``python -m icecheck ARGS [--offline --jobs J] PATH``; stdout is counted and hashed, not kept."""
    extra = ["--offline", "--jobs", jobs] if args[0] == "scan" else ["--offline"] if args[0] == "sdp" else []
    with tempfile.NamedTemporaryFile("r", suffix=".time") as times, tempfile.TemporaryFile("w+") as err:
        cmd = ["/usr/bin/time", "-o", times.name, "-f", "%e %U %S %M"]
        cmd += [sys.executable, "-m", "icecheck", *args, *extra, str(path)]
        digest = hashlib.sha256()
        size = 0
        with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=err) as proc:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        code = proc.returncode
        wall, user, system, rss = times.read().split()[-4:]
        err.seek(0)
        lines = [x for x in err.read().splitlines() if x.strip() and "exited with non-zero" not in x]
    return float(wall), float(user) + float(system), int(rss), code, size, digest.hexdigest()[:12], (lines or [""])[-1]


def matrix(args: argparse.Namespace) -> None:
    """``--matrix``: every case of ``matrix_cases`` on a log of ``--size-mb`` per shape; a table row each."""
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {os.getloadavg()}", flush=True)
    for shape, label, icargs in matrix_cases(args.shapes):
        if args.grep and not any(g in f"{shape} {label}" for g in args.grep):
            continue
        n = args.candidates if args.candidates_given else fitting(args.size_mb, shape)
        path = args.dir / f"{shape}.{n}.log"
        if not path.exists():
            gen_log(path, n, shape)
        wall, cpu, rss, code, size, digest, last = run_case(icargs, path, args.jobs)
        load = os.getloadavg()[0]
        print(
            f"{shape}\t{label}\t{path.stat().st_size / 1e6:.1f} MB\t{rss / 1024:.0f} MB\t{cpu:.1f} s CPU\t"
            f"{wall:.1f} s\texit {code}\t{size / 1e6:.1f} MB out\t{digest}\tload {load:.1f}\t{last[:100]}",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/icecheck-party"))
    ap.add_argument("--candidates", type=int, default=277_631)
    ap.add_argument("--size-mb", type=float, help="make party.log about this size instead (sets --candidates)")
    ap.add_argument("--jobs", default="1", help="scan --jobs (default 1)")
    ap.add_argument("--json-candidates", type=int, default=95_029)
    ap.add_argument("--filler", type=int, default=2000)
    ap.add_argument("--formats", nargs="+", default=["json", "text"], help=f"scan -f values; {VERBOSE}: -v")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--only", nargs="+", choices=["log", "json"], default=["log", "json"])
    ap.add_argument("--shape", choices=SHAPES, default="host", help="the candidate lines (module docstring)")
    ap.add_argument("--keep", action="store_true", help="keep the generated inputs")
    ap.add_argument("--reuse", action="store_true", help="reuse inputs already generated")
    ap.add_argument("--matrix", action="store_true", help="every format, preset, exit option, sdp and redact")
    ap.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES), help="--matrix: these shapes")
    ap.add_argument("--grep", nargs="+", help="--matrix: only the cases whose 'shape label' holds one of these")
    args = ap.parse_args()
    args.candidates_given = any(a.startswith("--candidates") for a in sys.argv[1:])
    if args.matrix:
        args.size_mb = args.size_mb or 20
        matrix(args)
        return
    if args.size_mb:
        args.candidates = fitting(args.size_mb, args.shape)
    args.dir.mkdir(parents=True, exist_ok=True)
    stem = "party" if args.shape == "host" else f"party.{args.shape}"
    inputs = {
        "log": (args.dir / f"{stem}.log", lambda p: gen_log(p, args.candidates, args.shape), args.candidates),
        "json": (
            args.dir / f"{stem}.json",
            lambda p: gen_json(p, args.json_candidates, args.filler, args.shape),
            args.json_candidates,
        ),
    }
    print(f"load average before: {os.getloadavg()}")
    for name in args.only:
        path, make, expected = inputs[name]
        if not (args.reuse and path.exists()):
            make(path)
        size = path.stat().st_size / 1e6
        for fmt in args.formats:
            best: tuple[float, float, int, int] | None = None
            out = args.dir / f"report.{name}.{fmt}"
            for _ in range(args.runs):
                got = run(path, fmt, out, args.jobs)
                best = got if best is None or got[1] < best[1] else best
            assert best is not None
            wall, cpu, rss, code = best
            found = ""
            if fmt == "json":
                found = f", {len(json.loads(out.read_text())['candidates'])} of {expected} candidates"
            figures = f"{wall:.1f} s wall, {cpu:.1f} s CPU, {rss / 1024:.0f} MB peak RSS, exit {code}{found}"
            print(f"{name} ({size:.1f} MB) {'-v' if fmt == VERBOSE else '-f ' + fmt}: {figures}")
            out.unlink()
        if not args.keep:
            path.unlink()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
