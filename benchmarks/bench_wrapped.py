#!/usr/bin/env python3
"""Peak RSS and time of ``icecheck redact`` on one long run of base64 wrapped over lines.

    python benchmarks/bench_wrapped.py --document text --run-mb 15 --dir /tmp/me
    python benchmarks/bench_wrapped.py --document json --run-mb 150 --urlsafe --keep
    python benchmarks/bench_wrapped.py --document tokens --token uuid --run-mb 18 [--crlf]
    python benchmarks/bench_wrapped.py --document sip-nolength --run-mb 150   # or sip-sdp, json-solidus

The run encodes a text log of SDP candidate lines (``--distinct`` different IPv4 and IPv6 addresses, a
MAC on every eighth line; no mDNS name: a line decoded alone may start inside one, ``5.local`` of
``host-5.local``, and a stand-in, ``<uuid4>.local``, may end so too, which the output check refuses,
exit 3, on main as well), wrapped at ``--width`` columns. Documents:
``text`` a log with the run as a MIME part (CRLF); ``json`` JSON lines, one of whose string values is the
run with ``\\n`` escapes; ``sip`` a SIP log with one INVITE whose body (Content-Transfer-Encoding:
base64) is the run; ``sip-nolength`` the same INVITE with no Content-Length (its body runs to the next
start line, the BYE), ``sip-sdp`` that INVITE's body the decoded text itself (SDP candidate lines, no
base64); ``json-solidus`` the ``json`` document with each ``/`` written ``\\/`` (PHP's and Go's escaping).
``--urlsafe`` writes it in the URL-safe alphabet (RFC 4648 §5). ``tokens`` is no
base64 at all: a log of ``--run-mb`` MB of tokens one to a line (``--token``: UUIDs, 43-character
base64url tokens, SHA-256 hex digests, 40-digit hex, 20-character ids, hex and UUIDs mixed; LF, or CRLF
with ``--crlf``) between two lines holding an address, which reads as one long wrapped run that cannot
be planned (the tokens must be kept, the two addresses replaced). Each is run as
``/usr/bin/time -f '%e s %U u %M KB' python -m icecheck redact --offline IN -o OUT`` from the checkout;
the script prints that line, the exit code, the load average, and whether the output's run decodes to
text holding none of the planted addresses (checked by decoding it here, apart from icecheck).
Budget (issue 11): any input of 200 MB or less under 300 MB RSS.

Figures of branch rlong2 (2026-12-07, 2 cores shared, load average 1.4-6.5: compare RSS and user CPU;
main is b935f3b):
- sip-nolength, 20 MB run (19.7 MiB): main exit 2 ("a SIP message at byte 56 runs more than 16 MiB
  characters ... (one message is redacted whole: its body's length is in its head)"), 66,372 KB, 19.6 s
  user; branch exit 0, 126,516 KB, 41.0 s user, planted addresses left: 0. 150 MB run (147.8 MiB):
  branch exit 0, 137,312 KB, 253.6 s user (736 s wall), planted addresses left: 0.
- sip-sdp, 20 MB body (19.2 MiB): main exit 2 (the same message), 72,208 KB, 16.8 s user; branch exit 0,
  118,112 KB, 33.3 s user, 263,737 candidate lines, planted addresses left: 0. 150 MB
  body (144.0 MiB): branch exit 0, 126,084 KB, 229.4 s user (838 s wall), 1,958,227 candidate lines,
  planted addresses left: 0.
- json-solidus, 20 MB run (19.7 MiB): main exit 2 ("a JSON string at byte 78 runs more than 16 MiB
  characters"), 113,008 KB, 32.7 s user; branch exit 0, 125,960 KB, 45.5 s user, planted addresses
  left: 0, every ``/`` of the output written ``\\/``. 150 MB run (148.0 MiB): branch exit 0, 138,924 KB,
  300.9 s user (734 s wall), planted addresses left: 0, 243,248 ``\\/`` and no bare ``/``.

Figures of branch rlong (2026-12-07, 2 cores shared, load average 2.5-6.5: compare RSS and user CPU;
main is 1903642, 7ce40db^ the last commit before long runs were spooled):
- tokens, uuid, 18 MB (17.3 MiB): main exit 2 ("a line at byte 27 runs more than 16 MiB characters"),
  81,568 KB, 12.9 s user; branch exit 0, 82,368 KB, 25.6 s user, 490,000 token lines unchanged, both
  addresses replaced. The same shapes (17.8 MB, made by a script like ``write_tokens``) through the CLI,
  7ce40db^ -> branch, output byte-identical (cmp): uuid 50,072 -> 77,640 KB, 25.8 -> 25.4 s user;
  uuid CRLF 115,472 -> 91,336 KB, 22.5 -> 25.6 s; jwt 58,140 -> 76,760 KB, 32.1 -> 35.1 s; sha256
  259,256 -> 62,576 KB, 20.6 -> 19.0 s; hex40 299,884 -> 73,068 KB, 24.3 -> 21.8 s; id20 61,288 ->
  119,976 KB, 39.1 -> 43.6 s; mixed 50,284 -> 80,856 KB, 25.7 -> 28.1 s.
- json, 20 MB run: main exit 2 ("a line at byte 49 runs more than 16 MiB"), 79,536 KB, 11.5 s user;
  branch exit 0, 128,084 KB, 38.3 s user, planted addresses left: 0.
- json, 150 MB run (147.8 MiB): branch exit 0, 148,424 KB, 244.8 s user (548 s wall), planted
  addresses left: 0 (main refused it: see below).
- sip, 20 MB run (one INVITE's body): main exit 2 ("a SIP message at byte 75 runs more than 16 MiB"),
  114,100 KB, 21.5 s user; branch exit 0, 125,740 KB, 48.1 s user, planted addresses left: 0.
- sip, 150 MB run (147.8 MiB): branch exit 0, 141,680 KB, 302.9 s user (953 s wall), planted
  addresses left: 0, the INVITE's new Content-Length (155,071,394) ending right before the BYE.

Figures (2026-12-07, 2 cores shared with other agents, load average 2-7: compare RSS and user CPU;
main is cba0caa, the branch rb64b at f62a9a6 unless said):
- text, 15 MB run (14.8 MiB document, redacted in memory): main 312,904 KB, 50.6 s user; branch
  209,380 KB, 46.2 s user (190,380 KB at 8a9ad3a, whose long runs in memory had their decoded text cut
  by docstream: an import cycle, undone). The output check's listing of the document had held the
  run's lines, its decoding and the decoding's printable runs at once (230 MB alone): now in pieces.
- json, 15 MB run: main 315,996 KB, 42.0 s user; branch 236,764 KB, 35.7 s user.
- sip, 15 MB run (one INVITE's body): main 326,888 KB, 59.9 s user; branch 225,612 KB, 46.9 s user.
- text, 150 MB run (147.8 MiB document, streamed): main exit 2 ("a line at byte 92 runs more than 16
  MiB characters"), 92,920 KB, 159.6 s user; branch (7ce40db, the same streamed long-run code) exit 0,
  133,396 KB, 393.8 s user, the output's run decoded here holding none of the planted addresses.
- json, 150 MB run: exit 2 on both (a JSON string literal is still held up to ``docstream.MAX_WHOLE``):
  main 315,600 KB, 120.9 s user; branch (8a9ad3a) 84,644 KB, 75.1 s user.
- text, 15 MB URL-safe run: branch (8a9ad3a) exit 0, 183,808 KB, 59.3 s user, rewritten in the URL-safe
  alphabet; main refuses such a run (a 1 MB one: exit 2, "lines of mixed widths", its standard parts
  read apart).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def _v4(b: int) -> str:
    return f"10.{b >> 16 & 255}.{b >> 8 & 255}.{b & 255}"


def _v6(b: int) -> str:
    return f"2a00:1450:4001:{b >> 16:x}::{b & 0xFFFF:x}"


def decoded_line(i: int, distinct: int) -> str:
    a = i % distinct + 1
    extra = f" hw 02:00:5f:{a >> 16 & 255:02x}:{a >> 8 & 255:02x}:{a & 255:02x}" if i % 8 == 0 else ""
    return (f"a=candidate:{i} 1 udp 2122260223 {_v4(a)} {50000 + i % 1000} typ host{extra} rtt ~{i % 97}µs?>\r\n"
            f"a=candidate:{i} 2 udp 2122260223 {_v6(a)} {50000 + i % 1000} typ host\r\n")  # fmt: skip


def payload(size: int, distinct: int) -> bytes:
    """About ``size`` bytes of decoded text (a multiple of 3 plus one: the encoding ends in ``==``)."""
    parts, total, i = [], 0, 0
    while total < size:
        text = decoded_line(i, distinct)
        parts.append(text)
        total += len(text)
        i += 1
    raw = "".join(parts).encode()
    return raw[: len(raw) // 3 * 3 - 2]


def wrapped(raw: bytes, width: int, sep: str, urlsafe: bool) -> str:
    encoded = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()
    return sep.join(encoded[i : i + width] for i in range(0, len(encoded), width))


def write(document: str, path: Path, run_bytes: int, width: int, urlsafe: bool, distinct: int) -> None:
    raw = payload(run_bytes if document == "sip-sdp" else run_bytes * 3 // 4, distinct)
    with path.open("w", newline="") as fh:
        if document == "text":
            fh.write("2026-12-06 12:00:00 peer 10.200.0.1 sent a trace\r\n--b1\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n")  # fmt: skip
            fh.write(wrapped(raw, width, "\r\n", urlsafe))
            fh.write("\r\n--b1--\r\n2026-12-06 12:00:01 peer 10.200.0.2 done\r\n")
        elif document == "json":
            fh.write(json.dumps({"t": 0, "msg": "offer from 10.200.0.1"}) + "\n")
            fh.write(json.dumps({"t": 1, "trace_b64": wrapped(raw, width, "\n", urlsafe)}) + "\n")
            fh.write(json.dumps({"t": 2, "msg": "answer from 10.200.0.2"}) + "\n")
        elif document == "json-solidus":  # as PHP and Go's encoders write it: ``/`` escaped as ``\\/``
            fh.write(json.dumps({"t": 0, "msg": "offer from 10.200.0.1 via /v1/call"}).replace("/", "\\/") + "\n")
            fh.write(json.dumps({"t": 1, "trace_b64": wrapped(raw, width, "\n", urlsafe)}).replace("/", "\\/") + "\n")
            fh.write(json.dumps({"t": 2, "msg": "answer from 10.200.0.2"}) + "\n")
        elif document in ("sip-nolength", "sip-sdp"):  # no Content-Length: the body runs to the next start line
            if document == "sip-nolength":
                head, body = "Content-Transfer-Encoding: base64\r\n", wrapped(raw, width, "\r\n", urlsafe) + "\r\n"
            else:
                text = raw.decode(errors="ignore")
                head, body = "", text[: text.rfind("\r\n") + 2]
            fh.write("SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 10.200.0.1:5060\r\n\r\n")
            fh.write(f"INVITE sip:bob@10.200.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.200.0.1:5060\r\n"
                     f"Content-Type: application/sdp\r\n{head}\r\n")  # fmt: skip
            fh.write(body)
            fh.write("BYE sip:bob@10.200.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.200.0.1:5060\r\n\r\n")
            fh.write("softphone: call ended with 10.200.0.3\r\n")
        else:
            body = wrapped(raw, width, "\r\n", urlsafe) + "\r\n"
            fh.write("SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 10.200.0.1:5060\r\nContent-Length: 0\r\n\r\n")
            fh.write(f"INVITE sip:bob@10.200.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.200.0.1:5060\r\n"
                     f"Content-Type: application/sdp\r\nContent-Transfer-Encoding: base64\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n")  # fmt: skip
            fh.write(body)
            fh.write("BYE sip:bob@10.200.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.200.0.1:5060\r\nContent-Length: 0\r\n\r\n")


TOKEN_ADDRESSES = ("192.168.1.20", "10.1.2.3")


def token(kind: str, rng: random.Random) -> str:
    """One token of ``kind`` (``--token``)."""
    if kind == "mixed":
        kind = "hex40" if rng.random() < 0.5 else "uuid"
    if kind == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if kind == "jwt":
        return base64.urlsafe_b64encode(rng.randbytes(32)).rstrip(b"=").decode()
    if kind == "sha256":
        return hashlib.sha256(rng.randbytes(8)).hexdigest()
    if kind == "hex40":
        return rng.randbytes(20).hex()
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") for _ in range(20))


def write_tokens(path: Path, size: int, kind: str, sep: str) -> None:
    rng = random.Random(7)
    with path.open("w", newline="") as fh:
        fh.write(f"session start {TOKEN_ADDRESSES[0]}{sep}")
        done = 0
        while done < size:
            block = "".join(token(kind, rng) + sep for _ in range(10000))
            fh.write(block)
            done += len(block)
        fh.write(f"peer {TOKEN_ADDRESSES[1]} end{sep}")


def verify_tokens(src: Path, out: Path) -> str:
    """Every token line kept in place, the first and last lines' addresses replaced."""
    with src.open(newline="") as a, out.open(newline="", errors="surrogateescape") as b:
        first_in, first_out = a.readline(), b.readline()
        lines, changed, last = 0, 0, ("", "")
        for old, new in zip(a, b, strict=True):
            if last[0]:
                lines += 1
                changed += last[0] != last[1]
            last = (old, new)
    left = [x for x in TOKEN_ADDRESSES if x in first_out + last[1]]
    return (f"{lines} token lines, {changed} changed; first line {first_in.strip()!r} -> {first_out.strip()!r},"
            f" last {last[0].strip()!r} -> {last[1].strip()!r}; addresses left: {left}")  # fmt: skip


_STANDARD = re.compile(r"(?:[A-Za-z0-9+/]{16,}(?:\r?\n|\\n))+[A-Za-z0-9+/]+=*")
_URLSAFE = re.compile(r"(?:[A-Za-z0-9_-]{16,}(?:\r?\n|\\n))+[A-Za-z0-9_-]+=*")


def _planted(distinct: int) -> set[str]:
    return {_v4(a + 1) for a in range(distinct)} | {_v6(a + 1) for a in range(distinct)}


_PLANTED = re.compile(r"(?<![\w.:])(?:10\.[\d.]+|2a00:[\da-f:]+)(?![\w.:])")


def verify_plain(out: Path, distinct: int) -> str:
    """A body of SDP lines: how many candidate lines the output holds and whether a planted address is left."""
    text = out.read_text(errors="surrogateescape")
    left = len(_planted(distinct) & set(_PLANTED.findall(text)))
    return f"{text.count('a=candidate:')} candidate lines, planted addresses left: {left}"


def verify(out: Path, urlsafe: bool, distinct: int) -> str:
    """The output's longest run decoded here: its alphabet and whether a planted address is left (a run
    in a JSON string with ``\\/`` escapes: read with them undone, and how many of its ``/`` are escaped)."""
    text = out.read_text(errors="surrogateescape")
    escaped = text.count("\\/")
    raw_slashes = text.count("/") - escaped
    text = text.replace("\\/", "/")
    run = max((_URLSAFE if urlsafe else _STANDARD).findall(text), key=len, default="")
    joined = re.sub(r"\r|\n|\\n", "", run)
    if not joined:
        return "no run in the output"
    alphabet = "urlsafe" if re.search(r"[-_]", joined) else "standard" if re.search(r"[+/]", joined) else "either"
    widths = Counter(len(line) for line in re.split(r"\r?\n|\\n", run)).most_common(2)
    decode = base64.urlsafe_b64decode if urlsafe else base64.b64decode
    inner = decode(joined + "=" * (-len(joined) % 4)).decode("utf-8", "replace")
    left = len(_planted(distinct) & set(_PLANTED.findall(inner)))
    return (f"run {len(run) / 2**20:.1f} MiB, alphabet {alphabet}, widths {widths}, planted addresses left: {left}"
            f"; in the output {escaped} ``\\/`` and {raw_slashes} ``/`` (the run: {run.count('/')})")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    kinds = ("text", "json", "json-solidus", "sip", "sip-nolength", "sip-sdp", "tokens")
    ap.add_argument("--document", choices=kinds, default="text")
    ap.add_argument("--token", choices=("uuid", "jwt", "sha256", "hex40", "id20", "mixed"), default="uuid")
    ap.add_argument("--crlf", action="store_true", help="tokens: CRLF line breaks")
    ap.add_argument("--run-mb", type=int, default=15, help="size of the wrapped run in MB (of base64)")
    ap.add_argument("--width", type=int, default=76)
    ap.add_argument("--urlsafe", action="store_true")
    ap.add_argument("--distinct", type=int, default=50000)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the input and output (printed)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="icecheck-bench-wrapped-", dir=args.dir)
    try:
        src = Path(tmp) / f"in.{args.document}"
        out = Path(tmp) / f"out.{args.document}"
        if args.document == "tokens":
            write_tokens(src, args.run_mb * 1_000_000, args.token, "\r\n" if args.crlf else "\n")
        else:
            write(args.document, src, args.run_mb * 1_000_000, args.width, args.urlsafe, args.distinct)
        load = os.getloadavg()
        cmd = ["/usr/bin/time", "-f", "%e s %U u %M KB", sys.executable, "-m", "icecheck", "redact", "--offline",
               str(src), "-o", str(out)]  # fmt: skip
        proc = subprocess.run(cmd, cwd=CHECKOUT, capture_output=True, text=True, check=False)
        what = f"{args.token}{' crlf' if args.crlf else ''}" if args.document == "tokens" else "run"
        print(f"{args.document} {what} {args.run_mb} MB{' urlsafe' if args.urlsafe else ''}, input "
              f"{src.stat().st_size / 2**20:.1f} MiB: exit {proc.returncode}; {proc.stderr.strip().splitlines()[-1]}"
              f" (load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")  # fmt: skip
        for line in proc.stderr.strip().splitlines()[:-1]:
            print(f"  {line[:300]}")
        if out.exists():
            if args.document == "tokens":
                done = verify_tokens(src, out)
            elif args.document == "sip-sdp":
                done = verify_plain(out, args.distinct)
            else:
                done = verify(out, args.urlsafe, args.distinct)
            print(f"  {done}")
        if args.keep:
            print(f"  kept: {src} {out}")
        return proc.returncode
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
