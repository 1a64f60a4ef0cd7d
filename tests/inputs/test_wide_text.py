"""Text saved in UTF-16 or UTF-32 (PowerShell 5's ``Out-File``, Notepad's "Unicode") is read as the same
text in UTF-8: ``scan``, ``sdp`` and ``diff`` give the same report, and ``redact`` rewrites it and writes it
back in its own encoding. Before, ``scan`` called such a file "unrecognised content" (with a byte-order
mark) and ``redact`` of UTF-16 without one said "0 addresses replaced; output checked" and wrote the
addresses back unchanged."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path

import pytest

from icecheck.inputs.textenc import Wide, decode_head, utf8_stream, wide
from tests.conftest import REPO, run_cli

SAMPLES = REPO / "samples" / "captures"
ENCODINGS = [
    ("utf-16", "bom"),  # this machine's order (little-endian) with its mark, as Python and PowerShell write it
    ("utf-16-be", "bom"),
    ("utf-16-le", ""),
    ("utf-16-be", ""),
    ("utf-32", "bom"),
]


def encode(text: str, encoding: str, mark: str) -> bytes:
    if encoding in ("utf-16", "utf-32"):
        return text.encode(encoding)  # Python writes the mark itself
    return (codecs.BOM_UTF16_BE if mark else b"") + text.encode(encoding)


def report(*args: str) -> dict[str, object]:
    proc = run_cli(*args, "--offline", "--no-config", "-f", "json")
    assert proc.returncode in (0, 1), proc.stderr
    doc: dict[str, object] = json.loads(proc.stdout)
    return doc


def facts(doc: dict[str, object]) -> tuple[object, ...]:
    """What the audit found, without the input's name."""
    cands = [(c["address"], c["port"], c["type"]) for c in doc["candidates"]]  # type: ignore[attr-defined]
    addrs = [(a["address"], a.get("role")) for a in doc.get("addresses", [])]  # type: ignore[attr-defined]
    statuses = [i["status"] for i in doc["inputs"]]  # type: ignore[attr-defined]
    return tuple(sorted(map(str, cands))), tuple(sorted(map(str, addrs))), tuple(statuses)


@pytest.mark.parametrize(("encoding", "mark"), ENCODINGS)
@pytest.mark.parametrize(
    "sample", ["chromium-webrtc-internals-dump.txt", "baresip-sip-trace.log", "browser-websocket.har"]
)
def test_scan_reads_wide_text_as_its_utf8(tmp_path: Path, sample: str, encoding: str, mark: str) -> None:
    text = (SAMPLES / sample).read_bytes().decode("utf-8")
    wide_file = tmp_path / sample
    wide_file.write_bytes(encode(text, encoding, mark))
    expected = facts(report("scan", str(SAMPLES / sample)))
    assert expected[0], "the sample holds candidates"
    assert facts(report("scan", str(wide_file))) == expected


@pytest.mark.parametrize(("encoding", "mark"), ENCODINGS)
def test_sdp_and_its_standard_input_read_wide_sdp(tmp_path: Path, encoding: str, mark: str) -> None:
    offer = (REPO / "samples" / "real" / "firefox-esr-default.sdp").read_bytes().decode("utf-8")
    path = tmp_path / "offer.sdp"
    path.write_bytes(encode(offer, encoding, mark))
    expected = facts(report("sdp", str(REPO / "samples" / "real" / "firefox-esr-default.sdp")))
    assert facts(report("sdp", str(path))) == expected
    piped = subprocess.run(
        [sys.executable, "-m", "icecheck", "sdp", "-", "--offline", "--no-config", "-f", "json"],
        input=path.read_bytes(),
        capture_output=True,
        cwd=REPO,
        env={"ICECHECK_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=60,
    )
    assert piped.returncode in (0, 1), piped.stderr
    assert facts(json.loads(piped.stdout)) == expected


def test_sdp_reads_a_json_offer_from_standard_input() -> None:
    """``pbpaste | icecheck sdp -`` with ``JSON.stringify(pc.localDescription)``: read as for a file
    (before: "no SDP or ICE candidate lines found", exit 2)."""
    offer = (REPO / "samples" / "real" / "aiortc-offer.sdp").read_text(encoding="utf-8")
    described = json.dumps({"type": "offer", "sdp": offer}).encode()
    proc = run_cli("sdp", "-", "--offline", "--no-config", "-f", "json", stdin=described)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert len(doc["candidates"]) == 7
    assert doc["inputs"][0]["path"] == "<stdin>"
    none = run_cli("sdp", "-", "--offline", "--no-config", stdin=b'{"type": "offer"}')
    assert none.returncode == 2
    assert "<stdin>" in none.stderr


@pytest.mark.parametrize(
    ("encoding", "mark"), [("utf-16", "bom"), ("utf-16-le", ""), ("utf-16-be", ""), ("utf-32", "")]
)
def test_redact_rewrites_wide_text_in_its_own_encoding(tmp_path: Path, encoding: str, mark: str) -> None:
    text = (SAMPLES / "baresip-sip-trace.log").read_bytes().decode("utf-8")
    plain_out = tmp_path / "plain.log"
    assert run_cli("redact", str(SAMPLES / "baresip-sip-trace.log"), "-o", str(plain_out)).returncode == 0
    src, out = tmp_path / "wide.log", tmp_path / "out.log"
    src.write_bytes(encode(text, encoding, mark))
    proc = run_cli("redact", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    found = wide(out.read_bytes())
    assert found is not None and found.mark == wide(src.read_bytes()).mark  # type: ignore[union-attr]
    assert out.read_bytes()[len(found.mark) :].decode(found.encoding) == plain_out.read_bytes().decode("utf-8")
    assert "192.168." not in out.read_bytes()[len(found.mark) :].decode(found.encoding)


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (codecs.BOM_UTF16_LE + "1.2.3.4 ".encode("utf-16-le") + b"\x00\xd8" + "x".encode("utf-16-le"), "at byte 18"),
        (codecs.BOM_UTF16_LE + "10.0.0.1\0x".encode("utf-16-le"), "NUL character"),
    ],
)
def test_redact_refuses_wide_text_it_cannot_decode(tmp_path: Path, data: bytes, said: str) -> None:
    src, out = tmp_path / "bad.txt", tmp_path / "out.txt"
    src.write_bytes(data)
    proc = run_cli("redact", str(src), "-o", str(out))
    assert proc.returncode == 2
    assert said in proc.stderr and "nothing written" in proc.stderr
    assert not out.exists()


def test_redact_refuses_wide_text_inside_compression(tmp_path: Path) -> None:
    import gzip

    src, out = tmp_path / "a.json.gz", tmp_path / "out.gz"
    src.write_bytes(gzip.compress('{"candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host"}'.encode("utf-16")))
    proc = run_cli("redact", str(src), "-o", str(out))
    assert proc.returncode == 2 and "UTF-16-LE text inside gzip" in proc.stderr
    assert not out.exists()


def test_wide_is_told_by_mark_or_by_nul_bytes() -> None:
    assert wide(b"\xff\xfe\x00\x00{\x00\x00\x00") == Wide("utf-32-le", codecs.BOM_UTF32_LE)
    assert wide("{ 'a': 1 }".encode("utf-16-le")) == Wide("utf-16-le", b"")
    assert wide("v=0\r\no=".encode("utf-16-be")) == Wide("utf-16-be", b"")
    assert wide(b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + bytes(16)) is None  # pcap
    assert wide(b"\x0a\x0d\x0d\x0a" + bytes(28)) is None  # pcapng
    assert wide(b"v=0\r\n") is None
    assert decode_head("héllo".encode("utf-16")[:7], Wide("utf-16-le", codecs.BOM_UTF16_LE)) == "hé".encode()


def test_utf8_stream_reads_across_cut_characters() -> None:
    import io

    text = "a=candidate:1 1 udp 1 10.0.0.1 9 typ host 😀\n" * 5000
    stream = utf8_stream(io.BufferedReader(io.BytesIO(text.encode("utf-16"))), Wide("utf-16-le", codecs.BOM_UTF16_LE))
    stream_small = utf8_stream(io.BufferedReader(io.BytesIO(text.encode("utf-16-be"))), Wide("utf-16-be", b""))
    assert stream.read() == text.encode()
    assert stream_small.read() == text.encode()
