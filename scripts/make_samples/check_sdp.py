#!/usr/bin/env python3
"""Summarise and check the ICE candidates of one SDP sample (lab sanity check).

usage: check_sdp.py FILE [--want host,srflx,relay] [--only relay] [--mdns yes|no]
                         [--srflx-prefix 203.0.113.] [--relay-addr 203.0.113.10]
                         [--relay-raddr zero|public]
Prints one summary line; exits 1 with the reasons when an expectation fails.
Deliberately independent of the icecheck package (which is still being built).
"""
import argparse
import collections
import sys


def candidates(text: str) -> list[dict[str, str]]:
    out = []
    for line in text.splitlines():
        if not line.startswith("a=candidate:"):
            continue
        f = line[len("a=candidate:"):].split()
        c = {"foundation": f[0], "component": f[1], "transport": f[2].lower(),
             "priority": f[3], "address": f[4], "port": f[5], "type": f[7].lower()}
        rest = f[8:]
        for k, v in zip(rest[::2], rest[1::2], strict=False):
            c.setdefault(k, v)
        out.append(c)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--want", default="")
    ap.add_argument("--only", default="")
    ap.add_argument("--mdns", choices=["yes", "no"])
    ap.add_argument("--srflx-prefix")
    ap.add_argument("--relay-addr")
    ap.add_argument("--relay-raddr", choices=["zero", "public"])
    a = ap.parse_args()
    with open(a.file, "rb") as fh:
        raw = fh.read()
    cands = candidates(raw.decode())
    counts = collections.Counter(c["type"] for c in cands)
    hosts = [c for c in cands if c["type"] == "host"]
    mdns = sum(c["address"].endswith(".local") for c in hosts)
    problems = []
    for t in filter(None, a.want.split(",")):
        if not counts[t]:
            problems.append(f"no {t} candidate")
    if a.only and set(counts) - {a.only}:
        problems.append(f"types other than {a.only}: {dict(counts)}")
    if a.mdns == "yes" and (not hosts or mdns != len(hosts)):
        problems.append(f"expected all host candidates as mDNS, {mdns}/{len(hosts)}")
    if a.mdns == "no" and mdns:
        problems.append(f"expected raw host addresses, {mdns} mDNS")
    for c in cands:
        if a.srflx_prefix and c["type"] == "srflx" and not c["address"].startswith(a.srflx_prefix):
            problems.append(f"srflx address {c['address']}")
        if c["type"] == "relay":
            if a.relay_addr and c["address"] != a.relay_addr:
                problems.append(f"relay address {c['address']}")
            zero = c.get("raddr") in ("0.0.0.0", "::")
            if a.relay_raddr == "zero" and not zero:
                problems.append(f"relay raddr {c.get('raddr')} (expected zeroed)")
            if a.relay_raddr == "public" and zero:
                problems.append(f"relay raddr {c.get('raddr')} (expected the public address)")
    crlf = raw.count(b"\r\n") == raw.count(b"\n")
    detail = " ".join(f"{t}={n}" for t, n in sorted(counts.items()))
    print(f"{a.file}: {len(cands)} candidates ({detail}; mdns-host={mdns}; "
          f"{'CRLF' if crlf else 'LF'})")
    for p in problems:
        print(f"  FAIL: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
