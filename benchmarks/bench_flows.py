#!/usr/bin/env python3
"""Benchmark ``icecheck scan`` on a capture of millions of distinct UDP flows: time and peak RSS.

usage: python benchmarks/bench_flows.py [--dir /tmp/icecheck-flows] [--flows 2200000]
                                        [--kind stun|sip|mix] [--packets 1] [--keep] [--reuse]

The hostile shape of issue 11 item 5 for captures: ``--flows`` distinct UDP flows (a distinct client
address and port each), each of ``--packets`` datagrams, under 200 MB for the defaults:

- ``stun``: a Binding success response from a STUN server to the client, its XOR-MAPPED-ADDRESS
  a distinct public address (one address item per flow, its party the client);
- ``sip``: a SIP OPTIONS request from the client, with its own Call-ID and From tag (a distinct
  call and dialog side per flow, a Via and Contact address per flow);
- ``mix``: the two alternating;
- ``frag``: the first IPv4 fragment of a SIP datagram, the rest never sent (a reassembly each).

Written as a pcap (Ethernet, IPv4), then scanned as
``/usr/bin/time -f '%e s %M KB' python -m icecheck scan FILE --offline --format json`` from this
checkout; printed: size, wall seconds, peak RSS, exit code, the input's status and its items.
The load average is printed before and after: the machine is shared.

Figures (2026-12-07, 2 cores shared, load average 4.5-6; ``%M`` of the whole command):

- ``--kind frag --rate 1000000`` (2,200,000 first fragments, 145 MB): main 8cad00c held every one
  within the 8 MiB byte bound (a reassembly each, ~800 bytes) and looked for the oldest among
  them at each new one: killed by ``timeout 300`` at 410 MB and growing (87 s CPU); with
  ``fragments.MAX_PENDING`` 152 s (93 s CPU), 48 MB, exit 2 (partial: datagrams given up);
- ``--kind stun`` (2,200,000 flows, 189 MB): the read holds no per-flow state (the STUN memo,
  the dispatcher's tables and the TCP table were bounded; each flow's mapped address goes to
  disk past ``limits.IN_MEMORY``): 109 MB at the end of the read (main and this branch alike;
  ``scanner.scan_paths`` alone). The whole command is over budget after the read, in code
  that is not the reader's: 300,000 flows (26 MB) peak at 109 MB read, 290 MB after
  ``grouping.group``, 367 MB after ``grouping.notes``, 473 MB after the JSON report was
  written; 2,200,000 flows reached 2.5 GB (main, 665 s, killed while writing the report).
- ``--kind stun`` again after ``partystore`` numbered the parties on disk past 50,000 (the audit's
  ``party_groups`` and the JSON report's ``party_ids`` held an entry per party: a party per client):
  2,200,000 flows 1,305 MB (cba0caa, 497 s, load 1-4) -> 136 MB (835 s, 515 s CPU, load 6-7);
  600,000 flows 134 MB, the JSON report byte-identical to cba0caa's (``cmp``).
"""

from __future__ import annotations

import argparse
import json
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
PROXY = ("192.0.2.2", 5060)


def _client(n: int) -> tuple[str, int]:
    """Flow ``n``'s client endpoint: a distinct address and port."""
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", 1024 + n % 60000


def _public(n: int) -> str:
    return f"198.{18 + (n >> 24 & 1)}.{n >> 8 & 255}.{n & 255}" if n < 1 << 25 else f"203.0.{n >> 8 & 255}.{n & 255}"


def stun_flow(n: int, i: int) -> bytes:
    """Packet ``i`` of flow ``n``: a Binding success response server → client."""
    addr, port = _client(n)
    txid = struct.pack("!IIHH", n, i, 0, 7)
    attrs = [(0x0020, synth.xor_address(_public(n), port, txid))]
    msg = synth.stun_message(0x0101, txid, attrs)
    return synth.udp(*SERVER, addr, port, msg)[3]


def sip_flow(n: int, i: int) -> bytes:
    """Packet ``i`` of flow ``n``: an OPTIONS request client → proxy, with its own Call-ID."""
    addr, port = _client(n)
    msg = (
        f"OPTIONS sip:p@{PROXY[0]} SIP/2.0\r\nVia: SIP/2.0/UDP {addr}:{port};branch=z9hG4bK{n}x{i}\r\n"
        f"From: <sip:u{n}@{addr}>;tag={n}\r\nTo: <sip:p@{PROXY[0]}>\r\nCall-ID: {n}@b\r\nCSeq: {i + 1} OPTIONS\r\n"
        f"Contact: <sip:u@{addr}:{port}>\r\nContent-Length: 0\r\n\r\n"
    ).encode()
    return synth.udp(addr, port, *PROXY, msg)[3]


def frag_flow(n: int, i: int) -> bytes:
    """Packet ``i`` of flow ``n``: a first IPv4 fragment (More Fragments set) of a SIP datagram
    client → proxy, its other fragments never sent (its own source, so its own reassembly)."""
    addr, port = _client(n)
    head = synth.udp(addr, port, *PROXY, b"OPTIONS sip:p@192.0.2.2 SIP/2.0\r\n" * 4)[3]
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 16, (n + i) & 0xFFFF, 0x2000, 64, 17, 0,
                       bytes(int(b) for b in addr.split(".")), bytes([192, 0, 2, 2])) + head[:16]  # fmt: skip


def generate(path: Path, flows: int, kind: str, packets: int, rate: int = 10_000) -> None:
    """Write the capture: flow after flow, each of ``packets`` datagrams, ``rate`` flows a second."""
    mac = synth.MAC_A + synth.MAC_B + b"\x08\x00"
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = 1_700_000_000
        for n in range(flows):
            sip = kind == "sip" or (kind == "mix" and n % 2)
            addr = _client(n)[0]
            for i in range(packets):
                if kind == "frag":
                    packet = frag_flow(n, i)
                else:
                    udp = sip_flow(n, i) if sip else stun_flow(n, i)
                    src, dst = (addr, PROXY[0]) if sip else (SERVER[0], addr)
                    (packet,) = synth.ip((src, dst, 17, udp), ident=n & 0xFFFF)
                frame = mac + packet
                usec = n % rate * 1_000_000 // rate
                f.write(struct.pack("<IIII", t + n // rate, usec, len(frame), len(frame)) + frame)


def measure(path: Path) -> tuple[str, int, str]:
    """(the time line, exit code, a summary of the JSON report)."""
    with tempfile.NamedTemporaryFile("w+", suffix=".json") as out, tempfile.NamedTemporaryFile("w+") as tm:
        cmd = ["/usr/bin/time", "-o", tm.name, "-f", "%e s %M KB", sys.executable, "-m", "icecheck"]
        cmd += ["scan", str(path), "--offline", "--format", "json"]
        proc = subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.PIPE, text=True)
        out.seek(0)
        try:
            report = json.load(out)
            inputs = report.get("inputs", [])
            summary = ", ".join(f"{i.get('status')}" for i in inputs)
            summary += f"; {len(report.get('addresses', []))} addresses, {len(report.get('candidates', []))} candidates"
        except (ValueError, AttributeError):
            summary = proc.stderr.strip()[-300:]
        return tm.read().strip().splitlines()[-1], proc.returncode, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default="/tmp/icecheck-flows")
    ap.add_argument("--flows", type=int, default=2_200_000)
    ap.add_argument("--kind", choices=("stun", "sip", "mix", "frag"), default="stun")
    ap.add_argument("--rate", type=int, default=10_000, help="flows per second of capture time")
    ap.add_argument("--packets", type=int, default=1, help="datagrams per flow")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--reuse", action="store_true", help="scan the capture an earlier --keep run wrote")
    args = ap.parse_args()
    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"flows-{args.kind}-{args.flows}x{args.packets}.pcap"
    if not (args.reuse and path.exists()):
        generate(path, args.flows, args.kind, args.packets, args.rate)
    print(f"load average before: {os.getloadavg()}")
    line, rc, summary = measure(path)
    print(f"{path.name}: {path.stat().st_size / (1 << 20):.1f} MB  {line}  exit {rc}  {summary}")
    print(f"load average after: {os.getloadavg()}")
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()
