"""Fuzzing helpers shared by the test suite's short runs and ``scripts/fuzz.py``'s long ones.

A case is a seed file from samples/ (or a capture built by ``icecheck.inputs.synth``) and a list of
mutations: byte flips, cuts, insertions of bytes that parsers treat specially (huge lengths, zero
lengths, NULs, bidi overrides), duplicated slices. ``run_target`` runs one icecheck command
in-process on the mutated bytes and returns what went wrong, if anything: an exception that
escaped (an internal error), or a report that wrote a control or bidi character raw.
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
OPS = ("flip", "cut", "insert", "special", "duplicate", "delete")
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
    return bytes(buf)


def run_target(command: str, data: bytes, workdir: Path) -> str | None:
    """Run ``icecheck COMMAND`` on ``data``; a one-line problem, or None when it held."""
    src = workdir / "input.bin"
    src.write_bytes(data)
    if command == "redact":
        args = ["redact", str(src), "-o", str(workdir / "out.bin")]
    else:
        args = [command, "--offline", "--no-config", "--format", "json", str(src)]
    result = CliRunner().invoke(cli, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        exc = result.exception
        return f"{command}: {type(exc).__name__}: {exc}"
    refused = command == "redact" and result.exit_code == 3 and "redaction incomplete" in result.output
    if result.exit_code not in (0, 1, 2) and not refused:  # redact's self-check refusing is failing closed
        return f"{command}: exit {result.exit_code}"
    bad = UNSAFE.search(result.stdout) if command != "redact" else None
    if bad:
        return f"{command}: raw U+{ord(bad.group()):04X} in the report"
    return None
