"""A gzip input that inflates like a decompression bomb stops being read (``inputs.source``).

1 MB of gzip can hold 1 GB of line feeds, minutes of reading for an input the budget gives 5 s
(issue 11 item 5). Past ``INFLATE_FROM`` inflated bytes at more than ``INFLATE_RATIO`` times the
compressed bytes taken, reading stops with one line saying so: the input is partly read (exit 2).
A gzip input of ordinary ratio is read whole, however large.
"""

from __future__ import annotations

import gzip
import io
import struct
from pathlib import Path

from icecheck.inputs import source, synth
from icecheck.inputs.scanner import read_file
from icecheck.model import InputStatus
from tests.conftest import run_cli

CAND = b"a=candidate:1 1 udp 2122260223 192.168.1.10 50000 typ host\n"


def _bomb(head: bytes, filler: bytes, size: int) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as z:
        z.write(head)
        for _ in range(size // len(filler)):
            z.write(filler)
    return out.getvalue()


def test_a_text_bomb_stops_early_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bomb.log.gz"
    path.write_bytes(_bomb(CAND, b"\n" * (1 << 20), 3 * source.INFLATE_FROM))  # 12 MiB of line feeds
    out, _ = read_file(str(path))
    assert out.document.status in (InputStatus.PARTIAL, InputStatus.UNREADABLE)  # as a truncated gzip
    assert any("decompression bomb" in d.message for d in out.document.diagnostics)
    proc = run_cli("scan", "--offline", "--no-config", str(path))
    assert proc.returncode == 2
    assert "inflates more than 100 times" in proc.stderr and "decompression bomb" in proc.stderr


def test_a_capture_bomb_stops_early(tmp_path: Path) -> None:
    """A pcap header and then zeros: empty records, 16 bytes each, four million a bomb's 64 MiB."""
    path = tmp_path / "bomb.pcap.gz"
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    txid = bytes(12)
    stun = synth.stun_message(0x0101, txid, [(0x0020, synth.xor_address("203.0.113.7", 4000, txid))])
    writer.write(synth.link(synth.ip(synth.udp("198.51.100.9", 3478, "192.168.7.5", 4000, stun))[0]), 1.0)
    path.write_bytes(_bomb(buf.getvalue(), bytes(1 << 20), 2 * source.INFLATE_FROM))
    out, _ = read_file(str(path))
    assert any("decompression bomb" in d.message for d in out.document.diagnostics)
    assert out.document.status is InputStatus.PARTIAL


def test_gzip_of_an_ordinary_ratio_is_read_whole(tmp_path: Path) -> None:
    """Past ``INFLATE_FROM`` (5 MiB of candidates, each its own address: about 8 times smaller gzipped)."""
    lines = [
        b"a=candidate:%d 1 udp 2122260223 10.%d.%d.%d %d typ host\n"
        % (n, n >> 16 & 255, n >> 8 & 255, n & 255, n % 60000)
        for n in range(96000)
    ]
    text = b"".join(lines)
    assert len(text) > 4 << 20  # INFLATE_FROM
    path = tmp_path / "many.txt.gz"
    path.write_bytes(gzip.compress(text))
    out, _ = read_file(str(path))
    assert out.document.status is InputStatus.OK
    assert len(out.document.candidates) == len(lines)
    assert not out.document.diagnostics


def test_the_stream_is_a_full_binary_reader(tmp_path: Path) -> None:
    """read, readline, readinto and peek through the bound, to the end of several gzip members."""
    path = tmp_path / "two.gz"
    path.write_bytes(gzip.compress(b"one\ntwo\n") + gzip.compress(struct.pack("!I", 7)))
    with source.Source(str(path)) as src:
        assert src.compressed
        assert src.stream.readline() == b"one\n"
        view = bytearray(4)
        assert src.stream.readinto(view) == 4 and bytes(view) == b"two\n"  # type: ignore[attr-defined]
        assert src.stream.read() == struct.pack("!I", 7)
