"""Nested compression and zip archives redacted in bounded memory (issue 11, item 5).

A gzip inside a gzip, xz inside gzip, a zip inside a zip and a gzipped capture inside a zip are each
redacted with the limits lowered (``files.STREAM_DOCUMENT``, ``limits.IN_MEMORY``, ``table.BATCH``) and
the in-memory paths forbidden (``files._in_memory``, ``archive.inflate``, ``archive.redact_zip``): they
are inflated layer by layer into temporary files and streamed, and give the same redacted content as
the run at the usual limits (the in-memory path), pass the run's own output check and, read by
``icecheck scan --offline``, show no original. The zip check reads nested members through every layer
and still refuses a survivor; a zip of zips that inflates past ``formats.MAX_INFLATED`` in all is
refused (exit 2) from its headers.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import lzma
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from icecheck.inputs import limits, synth, table
from icecheck.inputs.table import TextSet
from icecheck.redact import archive, files, formats
from icecheck.redact.standins import StandIns
from tests.conftest import run_cli

CANDIDATES = 240  # two candidate lines each (IPv4 and IPv6): about 17 KB of SDP
ORIGINALS = ("10.1.0.1", "10.1.0.240", "2a00:1450::1", "2a00:1450::f0", "zip-10.9.8.7.sdp")


def _sdp(n: int = CANDIDATES) -> bytes:
    lines = []
    for i in range(1, n + 1):
        lines.append(f"a=candidate:{i} 1 udp 2122260223 10.1.{i // 250}.{i % 250} 5000 typ host")
        lines.append(f"a=candidate:{i} 1 udp 2122260223 2a00:1450::{i:x} 5001 typ host")
    return ("\n".join(lines) + "\n").encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buf.getvalue()


def _pcap() -> bytes:
    buf = io.BytesIO()
    writer = synth.PcapWriter(buf)
    for i in range(1, 41):
        offer = f"v=0\r\na=candidate:1 1 udp 2122260223 10.1.0.{i} 5000 typ host\r\n".encode()
        for packet in synth.ip(synth.udp("10.1.0.240", 5060, "192.0.2.50", 5060, offer), ident=i):
            writer.write(synth.link(packet), 1_700_000_000 + i / 10)
    return buf.getvalue()


def _leaves(data: bytes, name: str = "") -> Iterator[tuple[str, bytes]]:
    """Every innermost piece of ``data`` (through gzip, xz and zip layers), named by its path."""
    if data[:2] == b"\x1f\x8b":
        yield from _leaves(gzip.decompress(data), name + "|gzip")
    elif data[:6] == b"\xfd7zXZ\x00":
        yield from _leaves(lzma.decompress(data), name + "|xz")
    elif data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert z.testzip() is None
            for info in z.infolist():
                yield from _leaves(z.read(info), f"{name}/{info.filename}")
    else:
        yield name, data


def _content(data: bytes) -> list[tuple[str, str]]:
    return [(name, hashlib.sha256(leaf).hexdigest()) for name, leaf in _leaves(data)]


SHAPES = {
    "gz.gz": lambda: gzip.compress(gzip.compress(_sdp(), mtime=0), mtime=0),
    "xz.gz": lambda: gzip.compress(lzma.compress(_sdp()), mtime=0),
    "zip-in-zip": lambda: _zip({"inner.zip": _zip({"zip-10.9.8.7.sdp": _sdp(), "b.sdp": _sdp(30)})}),
    "pcap.gz-in-zip": lambda: _zip({"call.pcap.gz": gzip.compress(_pcap(), mtime=0), "notes.sdp": _sdp(40)}),
    "zip.gz": lambda: gzip.compress(_zip({"a.sdp.gz": gzip.compress(_sdp(), mtime=0)}), mtime=0),
}


def _forbid(*_args: object, **_kwargs: object) -> bytes:
    raise AssertionError("held in memory whole")


def _bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Limits lowered so that every path that streams is taken; the in-memory paths refused."""
    monkeypatch.setattr(files, "STREAM_DOCUMENT", 2048)
    monkeypatch.setattr(limits, "IN_MEMORY", 64)
    monkeypatch.setattr(table, "BATCH", 16)
    monkeypatch.setattr(files, "_in_memory", _forbid)
    monkeypatch.setattr(archive, "inflate", _forbid)
    monkeypatch.setattr(archive, "redact_zip", _forbid)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_nested_layers_are_streamed_with_the_same_content(
    shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, usual, bounded = tmp_path / "in", tmp_path / "usual", tmp_path / "bounded"
    src.write_bytes(SHAPES[shape]())
    kind = files.redact_file(str(src), str(usual), StandIns(), False)
    with monkeypatch.context() as patch:
        _bounded(patch)
        assert files.redact_file(str(src), str(bounded), StandIns(), False) == kind
    out = bounded.read_bytes()
    assert _content(out) == _content(usual.read_bytes())
    leaves = list(_leaves(out))
    assert len(leaves) == len(list(_leaves(src.read_bytes())))
    for name, leaf in leaves:
        for original in ORIGINALS:
            assert original.encode() not in leaf and original not in name
    # what icecheck scan reads of the innermost files: the candidates are there, no original is
    scan_dir = tmp_path / "leaves"
    scan_dir.mkdir()
    for n, (_name, leaf) in enumerate(leaves):
        (scan_dir / f"leaf{n}.{'pcap' if leaf[:4] == bytes.fromhex('d4c3b2a1') else 'sdp'}").write_bytes(leaf)
    proc = run_cli("scan", str(scan_dir), "--offline")
    assert proc.returncode in (0, 1), proc.stderr  # 1: findings about the stand-ins
    assert " 0 candidates" not in proc.stdout and "candidates" in proc.stdout
    for original in ORIGINALS:
        assert original not in proc.stdout


def test_the_usual_run_keeps_the_bytes_of_the_in_memory_path(tmp_path: Path) -> None:
    """At the usual limits a small gzip in a gzip, and a small gzip member of a zip, come out as
    ``formats.redact_document`` (the in-memory path) makes them, byte for byte."""
    src, out = tmp_path / "in.gz.gz", tmp_path / "out.gz.gz"
    src.write_bytes(SHAPES["gz.gz"]())
    files.redact_file(str(src), str(out), StandIns(), False)
    assert out.read_bytes() == formats.redact_document(src.read_bytes(), StandIns(), False)[0]
    member = gzip.compress(_sdp())
    src.write_bytes(_zip({"a.sdp.gz": member}))
    files.redact_file(str(src), str(out), StandIns(), False)
    with zipfile.ZipFile(out) as z:
        assert z.read("a.sdp.gz") == formats.redact_document(member, StandIns(), False)[0]


def test_the_zip_check_reads_nested_members_through_every_layer(tmp_path: Path) -> None:
    """A survivor deflated inside a member that is itself a zip, or xz inside gzip, is found
    (the check had read such a member's bytes as they are)."""
    path = tmp_path / "out.zip"
    path.write_bytes(
        _zip(
            {
                "inner.zip": _zip({"a.txt": b"left here: 10.20.30.40 " * 20}),
                "b.log.gz": gzip.compress(lzma.compress(b"and here 2a00:1450::77\n" * 20)),
            }
        )
    )
    for secret in ({"10.20.30.40", "2a00:1450::77", "172.16.99.7"}, TextSet(["10.20.30.40", "2a00:1450::77"])):
        with pytest.raises(files.Incomplete) as caught:
            files._check_zip(str(path), secret)
        assert caught.value.left == ["10.20.30.40", "2a00:1450::77"]


def test_a_survivor_in_a_nested_member_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The redaction of a nested member's text left as it was (sabotaged): the run fails closed
    (``Incomplete``, exit 3) and writes nothing, with the nested path taken."""
    src, out = tmp_path / "in.zip", tmp_path / "out.zip"
    src.write_bytes(SHAPES["zip-in-zip"]())
    _bounded(monkeypatch)
    spools = tmp_path / "spools"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))  # the layers' temporary files go here
    monkeypatch.setattr(files, "redact_document_stream", lambda open_input, kind, write, *_: write(open_input().read()))
    with pytest.raises(files.Incomplete) as caught:
        files.redact_file(str(src), str(out), StandIns(), False)
    assert "10.1.0.1" in caught.value.left
    assert not out.exists() and sorted(tmp_path.iterdir()) == [src, spools]
    assert not list(spools.iterdir())  # every temporary file removed


def _nested_bomb() -> bytes:
    """A zip of four zips, each of four members of 200 KB of text (about 3 MiB inflated in all, each
    inner zip 800 KB: under the limit alone)."""
    inner = _zip({f"m{i}.sdp": _sdp(40) + b"\n" * (200 << 10) for i in range(4)})
    return _zip({f"z{i}.zip": inner for i in range(4)})


def test_a_zip_of_zips_past_the_limit_in_all_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src, out = tmp_path / "bomb.zip", tmp_path / "out.zip"
    src.write_bytes(_nested_bomb())
    spools = tmp_path / "spools"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    monkeypatch.setattr(formats, "MAX_INFLATED", 1 << 20)
    monkeypatch.setattr(files, "redact_document_stream", _forbid)  # refused before anything is redacted
    with pytest.raises(archive.RedactError, match=r"more than 1 MiB in all .*redact what is inside"):
        files.redact_file(str(src), str(out), StandIns(), False)
    assert not out.exists() and sorted(tmp_path.iterdir()) == [src, spools]
    assert not list(spools.iterdir())


def test_a_nested_member_past_the_limit_is_refused_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One line, exit 2, naming the member and saying what to do; nothing written."""
    from click.testing import CliRunner

    from icecheck.cli import cli

    src, out = tmp_path / "big.zip", tmp_path / "out.zip"
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as z:
        z.writestr("x.sdp", _sdp() * 50)  # about 1.3 MB stored
    src.write_bytes(_zip({"a.sdp": _sdp(5), "b.zip": stored.getvalue()}))
    monkeypatch.setattr(formats, "MAX_INFLATED", 1 << 20)
    result = CliRunner().invoke(cli, ["redact", str(src), "-o", str(out), "--offline"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(src) in lines[0], result.output
    assert "zip member 'b.zip'" in lines[0] and "more than 1 MiB in all" in lines[0], result.output
    assert not out.exists()


def test_layers_up_to_the_limit_inside_a_zip_are_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _bounded(monkeypatch)
    data = _sdp(30)
    for _ in range(archive.MAX_LAYERS - 1):
        data = gzip.compress(data, mtime=0)
    ok, deep = tmp_path / "ok.zip", tmp_path / "deep.zip"
    ok.write_bytes(_zip({"a.gz": data}))  # the zip and three gzip layers: four
    deep.write_bytes(_zip({"a.gz": gzip.compress(data, mtime=0)}))
    assert files.redact_file(str(ok), str(tmp_path / "out1"), StandIns(), False) == "zip"
    with pytest.raises(archive.TooDeep):
        files.redact_file(str(deep), str(tmp_path / "out2"), StandIns(), False)
