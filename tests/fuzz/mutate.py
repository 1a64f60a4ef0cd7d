"""Fuzzing helpers shared by the test suite's short runs and ``scripts/fuzz.py``'s long ones.

A case is a seed file from samples/ (or a capture built by ``icecheck.inputs.synth``, or an input
built afresh by ``tests.fuzz.shapes``) and a list of mutations: byte flips, cuts, insertions of
bytes that parsers treat specially (huge lengths, zero lengths, NULs, bidi overrides), duplicated
slices, and structure-aware ones: a token from ``TOKENS``
(digits ``int()`` refuses, huge numbers, NaN, empty values, invalid UTF-8, bidi/ESC/C1, rich
markup, scoped and mapped addresses, ``.local`` names, deep nesting, overlong lines) put in place of,
or before, the token that follows a boundary of the text (``:``, ``=``, a space, a quote, a bracket,
a comma, a line start): a header or attribute value, a JSON value, a candidate field.
``run_target`` runs one icecheck command in-process on the mutated bytes and returns what went
wrong, if anything: an exception that escaped (an internal error), one a reader caught and reported
as "reading stopped: <exception>" (an internal error all the same), or a report that wrote a control
or bidi character raw.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from icecheck.cli import cli
from icecheck.inputs import synth

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
REGRESSIONS = Path(__file__).resolve().parent / "regressions"

# Byte strings that readers treat specially: lengths at their limits, NULs, CR/LF, bidi, C1, JSON
# and SDP punctuation, a STUN magic cookie, a WebSocket 64-bit length.
SPECIAL = (
    b"\xff\xff\xff\xff",
    b"\x00\x00\x00\x00",
    b"\x7f\xff\xff\xff",
    b"\r\n\r\n",
    b"\xe2\x80\xae",
    b"\xc2\x9b",
    b'"\\ud800"',
    b"a=candidate:",
    b"\x21\x12\xa4\x42",
    b"\x81\xff\xff\xff\xff\xff\xff\xff\xff\xff",
    b"Content-Length: 99999999\r\n",
    b"[[[[[[[[[[[[[[[[",
)
# Tokens spliced at token boundaries of the text (op "token"): values a field parser may mishandle.
TOKENS = (
    "\u00b2", "\u00b9", "\u00b3", "1\u00b2", "\u0663", "\uff13", "\u0663\u0664", "\u2460", "\u00bd",
    str(2**64), "1" + "0" * 400, "-1", "-0", "+5", "0x10", " 7", "1_000", "1e999", "NaN", "Infinity", "-Infinity",
    "", '""', "null", "true", "[]", "{}", "\\ud800", "\\udfff", "\udcff",
    "\u202e", "\u2066", "\x1b[31m", "\x1b]8;;x\x07", "\x9b", "\x85", "\x00", "\r", "\t",
    "[bold]", "[/]", "[link=x]", "]", "[",
    "fe80::1%eth0", "[fe80::1%25eth0]", "::ffff:192.0.2.1", "::ffff:10.0.0.1", "64:ff9b::192.0.2.1", "0.0.0.0",
    "::", "[::1]:5060", "192.0.2.1:", "256.1.1.1", "1.2.3", "a.local", ".local", "x" * 300 + ".local",
    "\u0430.local", "[" * 3000, "{\"a\":" * 2000, "x" * 70000, ":" * 500, "=" * 500,
    "sip:a@[fe80::1%eth0]:5060", "Content-Length: 0", "Content-Length: 99999",
)  # fmt: skip
# Bytes that are not UTF-8 at all, spliced the same way.
RAW_TOKENS = (b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x80")
_BOUNDARY = re.compile(rb"(?:[:=,;\[{ \"/]|\r?\n)")
_TOKEN_END = re.compile(rb"[\s:=,;\]}\"/]")
# What a reader that raised leaves in the report (``inputs.scanner``): "reading stopped: ValueError: …".
_STOPPED = re.compile(r"reading stopped: (\w+): ([^\n\"]*)")
OPS = ("flip", "cut", "insert", "special", "duplicate", "delete", "token", "token", "line")
# What must never reach a report raw: C0 (but tab, LF, CR), DEL, C1, bidi controls, separators.
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class Mutation:
    """One edit at ``where`` (taken modulo the data's length)."""

    op: str
    where: int
    data: bytes


def seeds() -> dict[str, bytes]:
    """Seed inputs by name: every sample (gzip ones also inflated) and synthetic captures."""
    out: dict[str, bytes] = {}
    for path in sorted(SAMPLES.rglob("*")):
        if path.is_file() and path.suffix != ".md":
            data = path.read_bytes()
            out[f"{path.parent.name}/{path.name}"] = data
            if data[:2] == b"\x1f\x8b":
                out[f"{path.parent.name}/{path.name}(inflated)"] = gzip.decompress(data)
    out["synth/stun-ws-fragments.pcap"] = _synthetic_capture()
    out["synth/ms-turn-tcp.pcap"] = _ms_turn_capture()
    return out


def _ms_turn_capture() -> bytes:
    """[MS-TURN] over TCP, every frame split across 33-byte segments (tests/inputs/test_ms_turn_tcp.py)."""
    from tests.inputs.test_ms_turn_tcp import CLIENT, SERVER, conversation

    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    for n, segment in enumerate(synth.tcp_session(CLIENT, SERVER, conversation(), mss=33)):
        for frame in synth.ip(segment):
            writer.write(synth.link(frame), 1.0 + n)
    return buf.getvalue()


def _synthetic_capture() -> bytes:
    """SIP over UDP in IPv4 fragments, a STUN answer and a masked WebSocket SIP message over TCP."""
    sdp = b"v=0\r\nm=audio 9 RTP/AVP 0\r\na=candidate:1 1 udp 2122260223 192.168.7.5 5000 typ host\r\n"
    sip = b"INVITE sip:b@x SIP/2.0\r\nCall-ID: c1\r\nContent-Length: %d\r\n\r\n%s" % (len(sdp), sdp)
    txid = bytes(12)
    stun = synth.stun_message(0x0101, txid, [(0x0020, synth.xor_address("203.0.113.7", 4000, txid))])
    frames = synth.ip(synth.udp("192.168.7.5", 5060, "198.51.100.1", 5060, sip), mtu=200)
    frames += synth.ip(synth.udp("198.51.100.9", 3478, "192.168.7.5", 4000, stun))
    ws = synth.ws_frame(sip, mask=b"\x01\x02\x03\x04")
    frames += synth.ip(synth.tcp("192.168.7.5", 40000, "198.51.100.2", 443, 1, ws))
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    for n, frame in enumerate(frames):
        writer.write(synth.link(frame), 1.0 + n)
    return buf.getvalue()


def mutate(data: bytes, mutations: Sequence[Mutation]) -> bytes:
    """``data`` with every mutation applied in order."""
    buf = bytearray(data)
    for m in mutations:
        at = m.where % (len(buf) + 1)
        if m.op == "flip" and buf:
            buf[at % len(buf)] ^= m.data[0] if m.data else 0xFF
        elif m.op == "cut":
            del buf[at:]
        elif m.op == "insert":
            buf[at:at] = m.data
        elif m.op == "special":
            buf[at : at + len(SPECIAL[m.where % len(SPECIAL)])] = SPECIAL[m.where % len(SPECIAL)]
        elif m.op == "duplicate":
            piece = bytes(buf[at : at + 64 + len(m.data) * 32])
            buf[at:at] = piece * (1 + len(m.data) % 4)
        elif m.op == "delete":
            del buf[at : at + 1 + len(m.data) * 8]
        elif m.op == "token":
            _splice_token(buf, m)
        elif m.op == "line":
            _repeat_line(buf, m)
    return bytes(buf)


def _hostile(pick: int) -> bytes:
    """The hostile token numbered ``pick`` (modulo), as bytes."""
    every = len(TOKENS) + len(RAW_TOKENS)
    pick %= every
    return TOKENS[pick].encode("utf-8", "surrogatepass") if pick < len(TOKENS) else RAW_TOKENS[pick - len(TOKENS)]


def _splice_token(buf: bytearray, m: Mutation) -> None:
    """Replace (or, when ``data[1]`` is odd, precede) the token after a boundary with a hostile token."""
    bounds = [b.end() for b in _BOUNDARY.finditer(buf)]
    if not bounds:
        buf[0:0] = _hostile(m.data[0] if m.data else m.where)
        return
    start = bounds[m.where % len(bounds)]
    end = start
    if len(m.data) < 2 or not m.data[1] & 1:
        found = _TOKEN_END.search(buf, start)
        end = found.start() if found else len(buf)
    buf[start:end] = _hostile((m.data[0] if m.data else 0) + (m.data[2] << 8 if len(m.data) > 2 else 0))


def _repeat_line(buf: bytearray, m: Mutation) -> None:
    """Repeat one line (a header, an attribute) in place: duplicated headers, many candidates."""
    starts = [0] + [n.end() for n in re.finditer(rb"\n", buf)]
    first = starts[m.where % len(starts)]
    nl = buf.find(b"\n", first)
    line = bytes(buf[first : nl + 1 if nl >= 0 else len(buf)])
    buf[first:first] = line * (1 + (m.data[0] if m.data else 1) % 3)


FORMATS = ("text", "json", "sarif", "markdown", "github", "junit", "mermaid", "html")


def run_target(command: str, data: bytes, workdir: Path, fmt: str = "json", verbose: bool = False) -> str | None:
    """Run ``icecheck COMMAND`` on ``data`` (a report in ``fmt``, one of ``FORMATS``, with ``-v`` when
    ``verbose``); a one-line problem, or None when it held."""
    src = workdir / "input.bin"
    src.write_bytes(data)
    if command == "redact":
        args = ["redact", str(src), "-o", str(workdir / "out.bin")]
    else:
        args = [command, "--offline", "--no-config", "--format", fmt, *(["-v"] if verbose else []), str(src)]
    result = CliRunner().invoke(cli, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        exc = result.exception
        return f"{command}: {type(exc).__name__}: {exc}"
    refused = command == "redact" and result.exit_code == 3 and "redaction incomplete" in result.output
    if result.exit_code not in (0, 1, 2) and not refused:  # redact's self-check refusing is failing closed
        return f"{command}: exit {result.exit_code}"
    stopped = _STOPPED.search(result.output)
    if stopped:  # an exception a reader caught as data: an internal error all the same
        return f"{command}: reading stopped by {stopped.group(1)}: {stopped.group(2)[:120]}"
    bad = UNSAFE.search(result.stdout) if command != "redact" else None
    if bad:
        return f"{command}: raw U+{ord(bad.group()):04X} in the {fmt} report"
    return None
