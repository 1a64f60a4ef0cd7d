#!/usr/bin/env python3
"""Benchmark ``icecheck scan`` on a large generated capture, beside tshark and a plain dpkt loop.

usage: python benchmarks/bench_scan.py [--mix default|media] [--size-mb 1024] [--format pcap|pcapng]
                                       [--jobs N ...] [--dir /tmp/icecheck-bench] [--seed 1]
                                       [--skip-tshark] [--skip-dpkt] [--keep] [--reuse] [--repeat N]
                                       [--baseline DIR]

Two deterministic mixes (``random.Random(seed)``), each with its ground truth (every candidate
line and every STUN mapped address written):

- ``default``: RTP noise (audio ~200 B and video ~1200 B packets, 90 % of the bytes), SIP INVITEs
  over UDP, SIP over one TCP connection with messages split across segments and several
  messages per segment, SIP over a WebSocket connection (HTTP Upgrade, client frames masked,
  some messages fragmented), and STUN Binding responses with XOR-MAPPED-ADDRESS.
- ``media`` (benchmarks/mediamix.py): calls as a call server's tap records them, about 87 % of
  the packets RTP of 170-220 bytes; SIP over UDP (large INVITEs IP-fragmented), over TCP (split
  messages) and WebSocket (masked frames); STUN with mapped addresses repeated by consent
  refreshes; some media relayed through TURN ChannelData; re-INVITEs repeating offers.

Measured, side by side in one run, for each ``--jobs`` value given (none: the default, the
machine's CPUs): the wall time of the default command, ``icecheck scan FILE --offline`` with its
text report written to a pipe, as a user runs it — the time compared with tshark's (the best of
the ``--jobs`` runs); then, separately, a run with ``--format json`` written to a file: its wall
time, throughput, peak RSS of its own process and the peak of the sum over its process tree,
and recovery (ground-truth candidates and STUN addresses found in that JSON report). Beside them:
tshark ``-Y sdp -T fields -e sdp.media_attr`` wall time; a dpkt loop that decodes every
packet's Ethernet/IP/transport headers (dpkt is only used here, never by icecheck). The
machine's load average is printed before and after: the figures mean little on a busy machine.
``--repeat N`` runs each timed command N times and keeps the best; the text runs and tshark's
take turns (one round of each, N rounds), so that a load that comes and goes weighs on all of
them alike. Beside the wall-time ratio, the CPU-time ratio (tshark's user+sys over icecheck's,
its whole process tree's): steadier on a shared machine, and a bound on what the wall-time
ratio would be on an idle one for ``--jobs 1``. ``--baseline DIR`` also times the text runs
of the ``icecheck`` in DIR (another checkout, e.g. ``git worktree add /tmp/base main``) in the
same rounds: a change's effect, measured under the same load.

Before timing, the ``icecheck`` package each run imports (this checkout's, or what ``import
icecheck`` finds from the current folder, and ``--baseline``'s) is byte-compiled
(``python -m compileall``), as ``pip install`` leaves it: with ``PYTHONDONTWRITEBYTECODE`` set
(this lab machine sets it) every run would otherwise compile its ~60 modules again (~0.08 s per
process). The output says which folders were compiled.

Figures (2026-12-06, the 2-CPU lab machine shared with three other sessions: load average 4.6-5.1
throughout, so wall times follow CPU times; ``--mix media``, pcap):

- Eighth session (three helpers on the 2 CPUs, load average 3.5-6.3: wall and CPU times are
  noise; instructions count the same however busy the machine), branch tail against main at
  e5ff539, ``--mix media --size-mb 100``, ``valgrind --tool=cachegrind --cache-sim=no python -m
  icecheck scan FILE --offline --jobs N``: --jobs 1 22.10 -> 21.99 G; --jobs 2 the merging
  process 18.25 -> 17.62 G (-3.5 %), the reading one 10.55 -> 11.06 G (+0.5 G: it now builds
  what the merging one built after the wait). What changed: a part that never spilled builds
  its repeats' last origins and folds its repeated records before the merge (``merge.settle``:
  the reading process before it ships its part, the merging process on its own part before it
  waits), the merge of such parts is one sort of their entries (no k-way merge of generators)
  and keeps the records folded, so the merged sink's document builds nothing: load, merge and
  document of the two parts 1.35 G -> 0.45 G in the merging process (in-process CPU, load 4-5:
  merge 0.13-0.15 -> 0.07-0.09 s, document 0.07-0.08 -> 0.01-0.02 s); peak RSS of that process
  110 -> 99 MB, of the process tree 183 -> 171 MB; the rules' per-party findings walk only
  the rules that found something and ``rules.Facts`` is a NamedTuple (the audit and text report
  alone, from the pickled documents: 7.97 -> 7.84 G). Start-up of a small capture's scan at the
  default --jobs 794 -> 748 M instructions: files too small to split no longer import the pool's
  modules (``parallel``), ``difflib`` only for a mistyped command. The runs now byte-compile
  the timed packages first (see above). Where the serial tail of --jobs 2 goes now (CPU, best of
  2 in-process, load 4-5): load the other part 0.07 s, merge 0.09 s, document 0.01 s, audit
  0.47 s (per party, spread over the inference and the rules: 9,545 parties of a few items), text
  report 0.22 s, of which 0.16 s the network map, which builds every party's map to count the
  lines past the 300 it prints (``analysis.netmap``, ``render.layout``). Not changed: the
  classification (650 distinct addresses: 0.02 s), the lookups step (no public address in this
  mix). The reports are byte for byte main's (the capture with --jobs 1 and 2 and every sample
  and folder of samples/, as text, -v, JSON and SARIF).

- Seventh session (three helpers on the 2 CPUs, load average 4.5-6.2), branch speed5 at 676c617
  against main at d2673f5 (``--baseline``) in the same rounds, ``--mix media --size-mb 100
  --jobs 1 2 --skip-dpkt --reuse --repeat 3 --baseline``, two runs: --jobs 1 CPU 3.95 s (main
  3.88 s; the first run 3.69 / 3.48 s: noise), wall 5.78 s against tshark 9.90 s (CPU 6.91 s):
  1.71x in wall, 1.75x in CPU; --jobs 2 CPU 4.61 s over the process tree (main 4.86 s; first run
  4.29 / 4.48 s), wall 7.13 s (main 7.54 s): 1.39x in wall (on this busy machine --jobs 2 is
  slower in wall than --jobs 1). Instructions (``valgrind --tool=cachegrind --cache-sim=no``,
  which counts the same however busy the machine): --jobs 1 22.79 -> 22.67 G (-0.5 %); --jobs 2
  the reading process 11.98 -> 11.14 G (-7 %), the merging one 19.00 -> 18.87 G. What changed:
  a part of a capture is pickled without the ``persistent_id`` hook that looks for spools (it
  ran for each of the 936,696 objects of a part; a part holds no spool) and without its memo of
  shared strings: ``_ship`` 0.20 -> 0.12 s CPU in the reading process; the merge takes each
  item's key from its part instead of building it again (-6 % of the merge's instructions);
  ``Sink.address_at`` folds a repeat of an item seen twice already in one look-up (-2 % of the
  SIP dispatch's instructions). Reports byte for byte main's (the capture's text, -v and JSON
  with --jobs 1 and 2; every sample as text, -v, JSON and SARIF; the three folders with --jobs 2).
  Where the CPU goes (in-process, best of 3, load 4-5): --jobs 1 reading 2.23 s = the record walk
  and media checks 0.24 s, transport (IP, UDP, TCP, WebSocket, framing) 0.54 s, dispatch 1.45 s
  (SIP 1.15 s: ``parse_sip`` 0.15 s, ``header_addresses`` 0.16 s, folding the header addresses
  0.15 s, SDP bodies 0.29 s of which parsing the 4,772 distinct ones 0.12 s; the rest STUN and
  the per-message glue); then the document 0.07 s, audit 0.54 s, text report 0.24 s, start-up
  0.27 s. --jobs 2: each process prefilters half the bytes (0.24 s) and reads its part (1.3 s:
  the TCP/WebSocket transport of every message, half the dispatch), the reading one ships its
  part (0.12 s), then the merging one alone loads it (0.07 s), merges (0.13 s), makes the
  document (0.07 s), audits (0.54 s) and writes the report (0.24 s). 5x tshark (CPU 5.9-6.9 s)
  is 1.2-1.4 s: start-up, walk, document, audit and report alone take about 1.35 s at --jobs
  1, and at --jobs 2 start-up and the work after the merge (one process) about 1.3 s, so no
  change to the reading alone reaches it. Tried and not kept (no change in instructions): a
  header index in ``SipMessage`` (name -> first value) for the nine look-ups a message gets;
  ``header_addresses`` in one pass over the headers (slower: it builds per-name lists).

- Sixth session (three helpers on the 2 CPUs: load average 6.4-7.6, wall times 1.5 times the
  CPU times: CPU figures first), branch speed4 at 835c14e (these changes before their rebase
  onto later redaction commits) against main at 5e74d16 in the same rounds, ``--mix media
  --size-mb 100 --jobs 1 2 --skip-dpkt --reuse --repeat 3 --baseline``:
  --jobs 1 CPU 3.36 s (main 3.61 s), wall 5.02 s (main 5.70 s), peak RSS 105 MB (main 106 MB);
  --jobs 2 CPU 4.25 s over the process tree (main 4.45 s); tshark CPU 5.87 s, wall 8.86 s:
  1.75x in CPU, 1.77x in wall. Text (also -v) and JSON reports byte for byte main's (the
  capture, every file of samples/ and the folder, either --jobs). In-process phase
  timings (CPU, three runs alternated with main at 8b2e819, load 7.6): the audit 0.53-0.55 s
  (main 0.72-0.78 s): a party's empty tables cost nothing (``groups.Groups`` makes its tables
  at the first item: an empty party's ``Inference`` 24 us -> 6.5 us), the rules run over a party's items together
  (``Evaluation.candidates``/``addresses``) instead of one ``Facts`` and one call per check per
  item, and the exposures and findings stay objects up to ``limits.IN_MEMORY`` (``HeldWriter``)
  instead of being pickled to a spool and read back into a tuple (0.08 s); start-up of a small
  capture's scan (CPU, best of 15 alternated) --jobs 1 0.30 -> 0.27 s, default --jobs
  0.31 -> 0.30 s (the readers of other formats, and with --jobs 1 the pool and cluster
  modules, are imported only when used). What is left at --jobs 1 (CPU 3.6 s): the reading
  2.4-2.5 s (dispatch, transport; unchanged), the audit 0.54 s (per party: grouping 0.04 s,
  feeding 36,095 items to the inference and rules 0.28 s, exposures and findings 0.14 s), the
  text report 0.25 s, about half of it the network map, which builds and lays out all 4,772
  parties' maps to count the lines past the 300 it prints (``render``, ``analysis.netmap``:
  another helper's files this session), start-up 0.27 s (Python and site alone 0.08 s; the
  package's imports are spread over some 80 modules, ``model``'s dataclasses the largest at
  about 20 ms). Not done: the audit split by party across the --jobs processes after the
  merge: pickling the audited items and reading them back takes 0.46 s for all 36,095 (so
  about 0.23 s for half), as much as the half of the audit it would move (0.27 s); a split
  that pays would audit each part's parties in the process that read them, which needs the
  ids (``c1``, ``a1``...) known before the merge.

- Fifth session (load average 4.2-5.6 throughout: CPU figures only), main at 363dc0c,
  ``--mix media --size-mb 100 --jobs 1 2 --skip-dpkt --reuse --repeat 3 --baseline``: --jobs 1
  CPU 3.59 s, --jobs 2 CPU 4.82 s over the process tree, tshark CPU 6.58 s: 1.83x and 1.37x in
  CPU (idle machine, the lead: --jobs 1 3.74 s wall against tshark 6.34 s, 1.70x). Where the
  --jobs 1 CPU goes (in-process phase timings, best of 3; ``py-spy`` samples for the shares):
  reading the capture 2.42 s = the record walk and media checks 0.24 s, IP/UDP/TCP/WebSocket
  transport and framing 0.53 s, dispatch and folding 1.65 s (SIP 34 % of the run: SDP bodies
  13 % (parsing the 4,772 distinct ones 7 %, placing all 9,544 5 %), header addresses 7 %,
  folding the 133,616 address sightings 6 %, ``parse_sip`` 4 %; STUN 6 %); the capture's
  document 0.16 s; audit 0.68 s (per party: 9,545 parties); text report 0.28 s; start-up and
  the rest 0.30 s (imports 0.23 s). 5x tshark is about 1.27 s: start-up, walk, document, audit
  and report alone take 1.66 s, so no change to dispatch and transport reaches it; the audit
  and the report (``analysis``, ``render``) must shrink too. Tried and not kept, each below
  the noise of these rounds: header addresses read as (owner, addresses) groups with a repeat
  of a repeated address folded in one look-up (-2 % of the dispatch's instructions under
  ``valgrind --tool=cachegrind``, which counts the same on a busy machine), headers indexed
  by name (0 %), one pass over the headers and the start line matched without re-encoding
  (timed alone: no change); in the audit, exposures and findings held in a list below ``limits.IN_MEMORY``
  instead of pickled to a spool and read back (the audit phase unchanged within the noise).
  Garbage collection is off already (``cli.main``) and shutdown costs nothing. Then at e089ba3
  (load average 5.6-7.6), the same command with ``--baseline`` 363dc0c: --jobs 1 CPU 3.42 s
  (363dc0c 3.45 s), --jobs 2 CPU 4.46 s (4.25 s), tshark CPU 5.80 s; the JSON report of either
  --jobs is byte for byte 363dc0c's.

- Later, with six sessions (load average 10-12, wall times three times the CPU times: only CPU
  is worth quoting), ``--size-mb 100 --jobs 1 2 --skip-dpkt --repeat 3 --baseline`` (main at
  eeedb2d) in the same rounds, a branch at 69a1554 (whose exit shortcut and unequal shares of
  keys were not merged): --jobs 1 CPU 3.78 s (eeedb2d 3.86 s), --jobs 2 CPU 4.72 s over
  the process tree (eeedb2d 4.96 s); tshark CPU 6.69 s. The merging process of --jobs 2 (CPU,
  in-process phase timings): start-up 0.16 s, its byte range 0.28 s, its part 1.49 s, merge
  0.09 s, document 0.15 s, audit 0.62 s, text report 0.25 s; the other process 1.77 s (it
  starts after the start-up), so on an idle machine the wall time is about that 3.0 s: about
  2.2x tshark. 5x (about 1.3 s) needs the audit and the report (0.9 s after the merge, in one
  process), the SIP dispatch (parse, header addresses, folding: about 1.5 s in all) and the
  transport every part repeats (0.4 s per part: TCP, WebSocket, IP fragments, routing) to shrink
  several times, not the reading (0.13 s per part).

- ``--size-mb 100 --jobs 1 2 --skip-dpkt --repeat 3``: --jobs 1 5.17 s (CPU 3.49 s), --jobs 2
  5.12 s (CPU 4.26 s; 107 MB RSS, 170 MB over the process tree); tshark 7.15 s (CPU 6.31 s,
  304 MB): 1.4x. JSON: 100 % of candidates and STUN mapped addresses, either --jobs.
  On a quiet machine (load 0.1) before the byte-range split: --jobs 1 3.60 s, tshark 10.74 s.
- ``--size-mb 1024 --jobs 1 2 --skip-dpkt --repeat 1``: --jobs 1 50.5 s (CPU 34.7 s, 599 MB),
  --jobs 2 71.0 s (CPU 44.6 s, 663 MB, 939 MB over the tree); tshark 87.5 s (CPU 68.7 s,
  1661 MB): 1.7x; 100 % recovered.

Per 100 MB in one process (CPU, ``cProfile`` and phase timings): reading and media checks 0.24 s,
transport of the rest 0.46 s, dispatch and fold 1.5 s, the capture's document 0.18 s, audit
0.55 s, text report 0.26 s, start-up 0.2 s. With --jobs 2 each part reads half the bytes
(``inputs/ranges``) but every part still does the TCP/WebSocket transport, and the audit and
the report run after the merge in one process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from icecheck.inputs import synth

ALICE, PROXY = "192.168.50.10", "203.0.113.10"


class Generator:
    """Writes the capture and remembers the ground truth."""

    def __init__(self, path: Path, seed: int) -> None:
        self.rng = random.Random(seed)
        self.f = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.w = synth.PcapWriter(self.f)
        self.t = 1_700_000_000.0
        self.candidates: set[str] = set()
        self.mapped: set[str] = set()
        self.n = 0
        self.tcp_seq = 1000
        self.ws_seq = 5000
        self.rtp = [
            self._frame(synth.udp(ALICE, 40000, "198.51.100.20", 40002, bytes([0x80, 111]) + self.rng.randbytes(size)))
            for size in (160, 200, 1100, 1200, 1250)
        ]

    def _frame(self, segment: tuple[str, str, int, bytes], ident: int = 1, mtu: int | None = None) -> bytes:
        return synth.link(synth.ip(segment, ident, mtu)[0])

    def _write(self, frame: bytes) -> None:
        self.t += 0.0001
        self.w.write(frame, self.t)

    def sip(self) -> bytes:
        self.n += 1
        n = self.n
        cands = [
            f"candidate:{n} 1 udp 2130706431 10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255} {10000 + n % 50000} typ host",
            f"candidate:{n}s 1 udp 1694498815 198.51.100.{n % 250 + 1} {n % 60000 + 1024} typ srflx "
            f"raddr 10.0.0.1 rport 9",
        ]
        self.candidates.update(cands)
        body = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n" + "".join(
            f"a={c}\r\n" for c in cands
        )
        return (
            f"INVITE sip:bob@{PROXY} SIP/2.0\r\nVia: SIP/2.0/UDP {ALICE}:5060;branch=z9hG4bK{n}\r\n"
            f"From: <sip:alice@{PROXY}>;tag={n}\r\nTo: <sip:bob@{PROXY}>\r\nCall-ID: bench-{n}\r\n"
            f"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        ).encode()

    def noise(self, nbytes: int) -> None:
        written = 0
        while written < nbytes:
            frame = self.rtp[self.rng.randrange(5)]
            self._write(frame)
            written += len(frame) + 16

    def udp_sip(self) -> None:
        self._write(self._frame(synth.udp(ALICE, 5060, PROXY, 5060, self.sip())))

    def tcp_sip(self) -> None:
        data = self.sip() + (self.sip() if self.rng.random() < 0.5 else b"")
        pos = 0
        while pos < len(data):
            step = self.rng.randint(1, 700)
            seg = synth.tcp(ALICE, 40001, PROXY, 5060, self.tcp_seq + pos, data[pos : pos + step])
            self._write(self._frame(seg))
            pos += step
        self.tcp_seq += len(data)

    def ws_start(self) -> None:
        req = (
            b"GET / HTTP/1.1\r\nHost: p\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Protocol: sip\r\n\r\n"
        )
        resp = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        self._write(self._frame(synth.tcp(ALICE, 40002, PROXY, 8080, self.ws_seq, req)))
        self._write(self._frame(synth.tcp(PROXY, 8080, ALICE, 40002, 1, resp)))
        self.ws_seq += len(req)

    def ws_sip(self) -> None:
        msg = self.sip()
        mask = self.rng.randbytes(4)
        if self.rng.random() < 0.3:
            cut = len(msg) // 2
            data = synth.ws_frame(msg[:cut], 1, False, mask) + synth.ws_frame(msg[cut:], 0, True, mask)
        else:
            data = synth.ws_frame(msg, 1, True, mask)
        self._write(self._frame(synth.tcp(ALICE, 40002, PROXY, 8080, self.ws_seq, data)))
        self.ws_seq += len(data)

    def stun(self) -> None:
        n = self.n + len(self.mapped)
        addr = f"203.0.{113 if n % 2 else 114}.{n % 250 + 1}"
        port = 1024 + n % 60000
        self.mapped.add(f"{addr}:{port}")
        tx = self.rng.randbytes(12)
        msg = synth.stun_message(0x0101, tx, [(0x0020, synth.xor_address(addr, port, tx))])
        self._write(self._frame(synth.udp(PROXY, 3478, ALICE, 50000 + n % 1000, msg)))

    def close(self) -> None:
        self.f.close()


def generate(path: Path, size_mb: int, seed: int) -> dict[str, list[str]]:
    gen = Generator(path, seed)
    gen.ws_start()
    target = size_mb << 20
    rounds = 0
    while gen.f.tell() < target:
        gen.noise(500_000)
        for step in (gen.udp_sip, gen.tcp_sip, gen.ws_sip, gen.stun):
            step()
        rounds += 1
    gen.close()
    return {"candidates": sorted(gen.candidates), "mapped": sorted(gen.mapped)}


def timed(
    cmd: list[str], out: Path | None = None, pipe: bool = False, cwd: str | None = None
) -> tuple[float, int, int, int, float]:
    """(seconds, peak RSS in MB of this child alone, peak of the summed RSS of the child and its
    descendants in MB (both sampled every 20 ms), exit code, CPU seconds (user + system, the
    child's and its descendants')). Standard output goes to ``out``, else to a pipe read to its
    end (``pipe``: as ``icecheck scan FILE | less`` would), else /dev/null. The child's own peak
    is its VmHWM, not ``ru_maxrss``: that counts the RSS this (large) process had when it
    forked the child, before the child's exec. ``cwd``: where the child runs (``python -m
    icecheck`` imports the package found there)."""
    start = time.perf_counter()
    with open(out, "wb") if out else open(os.devnull, "wb") as sink:
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE if pipe else sink, stderr=subprocess.DEVNULL, cwd=cwd)
        drain = threading.Thread(target=_drain, args=(child,), daemon=True)
        if pipe:
            drain.start()
        peak = [0, 0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample_tree, args=(child.pid, peak, done), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not the maximum of all
        done.set()
        sampler.join()
        if pipe:
            drain.join()
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    return seconds, peak[1] // 1024, peak[0] // 1024, child.returncode, usage.ru_utime + usage.ru_stime


def _drain(child: subprocess.Popen[bytes]) -> None:
    assert child.stdout is not None
    while child.stdout.read(1 << 16):
        pass


def best_of(
    repeat: int, cmd: list[str], out: Path | None = None, pipe: bool = False
) -> tuple[float, int, int, int, float]:
    """``timed`` ``repeat`` times: the fastest run's figures."""
    return min((timed(cmd, out, pipe) for _ in range(max(repeat, 1))), key=lambda r: r[0])


Timed = tuple[float, int, int, int, float]  # ``timed``'s figures


def rounds(repeat: int, runs: dict[str, tuple[list[str], str | None]]) -> dict[str, Timed]:
    """Each run (name → (command, cwd), output to a pipe) ``repeat`` times, taking turns: the
    fastest of each run's figures."""
    best: dict[str, Timed] = {}
    for _ in range(max(repeat, 1)):
        for name, (cmd, cwd) in runs.items():
            got = timed(cmd, pipe=True, cwd=cwd)
            if name not in best or got[0] < best[name][0]:
                best[name] = got
    return best


def _sample_tree(pid: int, peak: list[int], done: threading.Event) -> None:
    while not done.wait(0.02):
        peak[0] = max(peak[0], sum(_rss_kb(p) for p in _tree(pid)))
        peak[1] = max(peak[1], _rss_kb(pid, "VmHWM:"))


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def _rss_kb(pid: int, field: str = "VmRSS:") -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def compile_package(cwd: str | None) -> str:
    """Byte-compile the ``icecheck`` package that ``python -m icecheck`` run in ``cwd`` imports
    (writing its ``__pycache__``, as ``pip install`` does) and return its folder."""
    where = subprocess.run(
        [sys.executable, "-c", "import icecheck, os; print(os.path.dirname(icecheck.__file__))"],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", where], check=True)
    return where


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


DPKT_LOOP = """
import sys, dpkt
n = 0
with open(sys.argv[1], 'rb') as f:
    for ts, buf in dpkt.pcap.Reader(f):
        eth = dpkt.ethernet.Ethernet(buf)
        ip = eth.data
        if isinstance(ip, dpkt.ip.IP) and isinstance(ip.data, (dpkt.udp.UDP, dpkt.tcp.TCP)):
            n += len(ip.data.data)
print(n)
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mix", choices=["default", "media"], default="default")
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--format", choices=["pcap", "pcapng"], default="pcap", help="media mix only")
    ap.add_argument("--jobs", type=int, nargs="*", default=[], help="icecheck scan --jobs values to run")
    ap.add_argument("--dir", default="/tmp/icecheck-bench")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-tshark", action="store_true")
    ap.add_argument("--skip-dpkt", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="run each timed command N times, keep the best")
    ap.add_argument("--reuse", action="store_true", help="reuse a capture (and its truth) kept by --keep")
    ap.add_argument("--baseline", metavar="DIR", help="also time the icecheck of this checkout, in the same rounds")
    args = ap.parse_args()
    work = Path(args.dir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    suffix = args.format if args.mix == "media" else "pcap"
    cap = work / f"bench-{args.mix}-{args.size_mb}mb-seed{args.seed}.{suffix}"
    truth_file = cap.with_suffix(".truth.json")
    print(f"load average before: {load()} ({os.cpu_count()} CPUs)")
    t0 = time.perf_counter()
    if args.reuse and cap.exists() and truth_file.exists():
        truth = json.loads(truth_file.read_text())
    else:
        truth = generate(cap, args.size_mb, args.seed) if args.mix == "default" else media(cap, args, truth_file)
        truth_file.write_text(json.dumps(truth))
    size = cap.stat().st_size
    print(
        f"capture {cap} {size / 1e6:.0f} MB ({time.perf_counter() - t0:.1f} s): {truth.get('note', '')}"
        f"{len(truth['candidates'])} candidates, {len(truth['mapped'])} STUN mapped addresses"
    )
    ok = True
    trees = {"": None, "baseline ": str(Path(args.baseline).resolve())} if args.baseline else {"": None}
    runs: dict[str, tuple[list[str], str | None]] = {}
    for jobs in args.jobs or [None]:
        # The default command: text report to a pipe (--offline: no lookup leaves the machine).
        cmd = [sys.executable, "-m", "icecheck", "scan", str(cap), "--offline"]
        if jobs is not None:
            cmd += ["--jobs", str(jobs)]
        for tree, cwd in trees.items():
            runs[f"{tree}icecheck scan --jobs {jobs or 'default'}"] = (cmd, cwd)
    if not args.skip_tshark:
        runs["tshark"] = (["tshark", "-r", str(cap), "-Y", "sdp", "-T", "fields", "-e", "sdp.media_attr"], None)
    compiled = [compile_package(cwd) for cwd in trees.values()]
    print(f"byte-compiled (compileall, as pip install leaves a package): {', '.join(compiled)}")
    timings = rounds(args.repeat, runs)
    tshark = timings.pop("tshark", None)
    for name, (secs, rss, tree_rss, rc, cpu) in timings.items():
        vs = f", tshark/this: wall {tshark[0] / secs:.2f}x, CPU {tshark[4] / cpu:.2f}x" if tshark else ""
        print(
            f"{name} (text to a pipe): {secs:.2f} s (CPU {cpu:.2f} s), {size / 1e6 / secs:.0f} MB/s, "
            f"peak RSS {rss} MB (process tree {tree_rss} MB), exit {rc}{vs}"
        )
    if tshark is not None:
        best = min(t[0] for name, t in timings.items() if not name.startswith("baseline"))
        print(
            f"tshark -Y sdp: {tshark[0]:.2f} s (CPU {tshark[4]:.2f} s), {size / 1e6 / tshark[0]:.1f} MB/s, "
            f"peak RSS {tshark[1]} MB → icecheck scan (text) is {tshark[0] / best:.1f}x faster"
        )
    for jobs in args.jobs or [None]:
        # The same with --format json to a file: recovery is measured in that report.
        cmd = [sys.executable, "-m", "icecheck", "scan", str(cap), "--offline"]
        if jobs is not None:
            cmd += ["--jobs", str(jobs)]
        report = work / "report.json"
        j_secs, j_rss, j_tree, j_rc, j_cpu = best_of(
            args.repeat, [*cmd, "--format", "json", "--fail-on", "high"], report
        )
        data = json.loads(report.read_text())
        found = {c["raw"].removeprefix("a=") for c in data["candidates"]}
        mapped = {f"{a['address']}:{a['port']}" for a in data["addresses"] if a["role"] == "stun-mapped"}
        rec_c = len(found & set(truth["candidates"])) / len(truth["candidates"])
        rec_m = len(mapped & set(truth["mapped"])) / len(truth["mapped"])
        ok = ok and rec_c == 1.0 and rec_m == 1.0
        status = data["inputs"][0]["status"]
        del data, found, mapped  # this process forks the next runs: keep it small
        print(
            f"icecheck scan --jobs {jobs or 'default'} --format json ({report.stat().st_size / 1e6:.0f} MB): "
            f"{j_secs:.2f} s (CPU {j_cpu:.2f} s), {size / 1e6 / j_secs:.0f} MB/s, "
            f"peak RSS {j_rss} MB (process tree {j_tree} MB), exit {j_rc}, candidates recovered {rec_c:.2%}, "
            f"STUN mapped recovered {rec_m:.2%}, status {status}"
        )
    if not args.skip_dpkt:
        d_secs, d_rss, _, _, _ = best_of(args.repeat, [sys.executable, "-c", DPKT_LOOP, str(cap)])
        print(f"dpkt loop: {d_secs:.1f} s, {size / 1e6 / d_secs:.0f} MB/s, peak RSS {d_rss} MB")
    print(f"load average after: {load()}")
    if not args.keep:
        cap.unlink()
        truth_file.unlink()
    return 0 if ok else 1


def media(cap: Path, args: argparse.Namespace, truth_file: Path) -> dict[str, object]:
    from benchmarks.mediamix import write_media_mix

    with open(cap, "wb") as f:
        t = write_media_mix(f, args.size_mb << 20, args.seed, pcapng=args.format == "pcapng")
    note = f"{t.packets} packets, {t.rtp / t.packets:.1%} RTP of 170-220 bytes, {t.calls} calls, "
    return {"candidates": sorted(t.candidates), "mapped": sorted(t.mapped), "note": note}


if __name__ == "__main__":
    sys.exit(main())
