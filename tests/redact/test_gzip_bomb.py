"""Compressed inputs that would blow the time budget (issue 11 item 5): a gzip stream inflating like a
decompression bomb (``icecheck scan``'s rule: past 4 MiB at more than 100 times the compressed bytes)
and compression nested more than ``archive.MAX_LAYERS`` deep are refused (exit 2, one line naming the
file, nothing written); ordinary gzip at the same sizes is still redacted."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from icecheck.redact.archive import MAX_LAYERS, RedactError, inflate, open_gzip
from icecheck.redact.formats import redact_document
from icecheck.redact.standins import StandIns
from tests.conftest import run_cli

CAND = b"a=candidate:1 1 udp 2122260223 192.0.2.10 54321 typ host\n"
PCAP_HEADER = bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000")  # LE, Ethernet


def _redact(src: Path, tmp_path: Path) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    proc = run_cli("redact", str(src), "-o", str(out))
    return proc.returncode, proc.stderr, out


def _refused_as_bomb(src: Path, tmp_path: Path) -> None:
    code, err, out = _redact(src, tmp_path)
    assert code == 2, err
    assert "decompression bomb" in err and str(src) in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_a_text_bomb_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "bomb.sdp.gz"
    src.write_bytes(gzip.compress(CAND + b"\n" * (12 << 20), 6))  # ~12 KB: 1,000 times
    _refused_as_bomb(src, tmp_path)


def test_a_capture_bomb_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "bomb.pcap.gz"
    src.write_bytes(gzip.compress(PCAP_HEADER + bytes(8 << 20), 6))  # empty records, streamed
    _refused_as_bomb(src, tmp_path)


def test_a_bomb_inside_a_gzip_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "nested.gz"
    src.write_bytes(gzip.compress(gzip.compress(PCAP_HEADER + bytes(16 << 20), 9), 9))
    _refused_as_bomb(src, tmp_path)


def _layers(n: int) -> bytes:
    data = CAND
    for _ in range(n):
        data = gzip.compress(data, mtime=0)
    return data


def test_layers_up_to_the_limit_are_redacted(tmp_path: Path) -> None:
    src = tmp_path / "layers.gz"
    src.write_bytes(_layers(MAX_LAYERS))
    code, err, out = _redact(src, tmp_path)
    assert code == 0, err
    inner = out.read_bytes()
    for _ in range(MAX_LAYERS):
        inner = gzip.decompress(inner)
    assert inner.startswith(b"a=candidate:") and b"192.0.2.10" not in inner


def test_deeper_layers_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "layers.gz"
    src.write_bytes(_layers(MAX_LAYERS + 1))
    code, err, out = _redact(src, tmp_path)
    assert code == 2, err
    assert f"more than {MAX_LAYERS} layers" in err and str(src) in err, err
    assert not out.exists()


def test_redact_document_refuses_deeper_layers() -> None:
    with pytest.raises(RedactError, match="layers"):
        redact_document(_layers(MAX_LAYERS + 1), StandIns())
    assert b"192.0.2.10" not in gzip.decompress(redact_document(_layers(1), StandIns())[0])


def test_inflate_refuses_a_bomb_and_keeps_ordinary_data() -> None:
    with pytest.raises(RedactError, match="decompression bomb"):
        inflate("gzip", gzip.compress(bytes(8 << 20), 1), 256 << 20)
    ordinary = os.urandom(3 << 20).hex().encode()  # 6 MiB at about twice: past 4 MiB, far below 100 times
    assert inflate("gzip", gzip.compress(ordinary, 1), 256 << 20) == ordinary


def test_open_gzip_streams_ordinary_data_and_stops_a_bomb(tmp_path: Path) -> None:
    ordinary, bomb = tmp_path / "ordinary.gz", tmp_path / "bomb.gz"
    data = os.urandom(3 << 20).hex().encode()
    ordinary.write_bytes(gzip.compress(data, 1))
    bomb.write_bytes(gzip.compress(bytes(8 << 20), 1))
    with open_gzip(ordinary) as fh:
        assert fh.read() == data
    with open_gzip(bomb) as fh, pytest.raises(RedactError, match="decompression bomb"):
        fh.read()


@pytest.mark.parametrize("kind", ["xz", "bz2"])
def test_an_xz_or_bzip2_bomb_is_refused_as_gzip_is(tmp_path: Path, kind: str) -> None:
    """A streamed xz or bzip2 input had no bound (31 KB of xz inflating to 200 MB of text: over two
    minutes, then killed); the gzip rule now holds for the three."""
    import bz2
    import lzma

    text = b"hello world line\n" * ((6 << 20) // 17)
    packed = lzma.compress(text) if kind == "xz" else bz2.compress(text)
    src = tmp_path / f"bomb.{kind}"
    src.write_bytes(packed)
    proc = run_cli("redact", str(src), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2 and "inflates more than 100 times" in proc.stderr
    assert not (tmp_path / "out").exists()
    ordinary = tmp_path / f"ok.{kind}"
    sdp = b"v=0\r\na=candidate:1 1 udp 2130706431 192.168.1.10 4000 typ host\r\n"
    ordinary.write_bytes(lzma.compress(sdp) if kind == "xz" else bz2.compress(sdp))
    assert run_cli("redact", str(ordinary), "-o", str(tmp_path / "ok.out")).returncode == 0


@pytest.mark.parametrize("kind", ["xz", "bz2"])
def test_inflate_in_memory_refuses_an_xz_or_bzip2_bomb(kind: str) -> None:
    """The in-memory path (a layer inside a document) applied the ratio to gzip only: 6 KB of xz
    inflated to 40 MB, and up to 256 MiB."""
    import bz2
    import lzma

    pack = lzma.compress if kind == "xz" else bz2.compress
    with pytest.raises(RedactError, match="inflates more than 100 times"):
        inflate(kind, pack(b"hello world line\n" * ((40 << 20) // 17)), 256 << 20)
    assert inflate(kind, pack(b"v=0\r\n" * 1000), 256 << 20) == b"v=0\r\n" * 1000
