"""Base64 bodies inside base64 bodies (a HAR whose body is a gzipped HAR ...) are read ``archive.MAX_LAYERS``
deep, and refused past it: each level restarted the count of compressed layers, so 400 levels (540 KB)
ran 10 s into "internal error: RecursionError" (exit 3), and a level deeper than the output check reads
would have been kept unread."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

from icecheck.redact.archive import MAX_LAYERS
from tests.conftest import run_cli

INNER = json.dumps({"candidate": "candidate:1 1 udp 1 10.1.2.3 9 typ host"}).encode()


def nested(levels: int) -> bytes:
    data = INNER
    for _ in range(levels):
        body = base64.b64encode(gzip.compress(data, mtime=0)).decode()
        data = json.dumps({"content": {"text": body, "encoding": "base64"}}).encode()
    return data


def unwrap(data: bytes, levels: int) -> bytes:
    for _ in range(levels):
        data = gzip.decompress(base64.b64decode(json.loads(data)["content"]["text"]))
    return data


@pytest.mark.parametrize("levels", [1, MAX_LAYERS])
def test_bodies_within_the_bound_are_redacted_inside(tmp_path: Path, levels: int) -> None:
    src, out = tmp_path / "in.json", tmp_path / "out.json"
    src.write_bytes(nested(levels))
    proc = run_cli("redact", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    inner = unwrap(out.read_bytes(), levels)
    assert b"10.1.2.3" not in inner and b"candidate:1 1 udp 1 192.0.2.1 9 typ host" in inner


@pytest.mark.parametrize("levels", [MAX_LAYERS + 1, 400])
def test_bodies_past_the_bound_are_refused(tmp_path: Path, levels: int) -> None:
    src, out = tmp_path / "in.json", tmp_path / "out.json"
    src.write_bytes(nested(levels))
    proc = run_cli("redact", str(src), "-o", str(out))
    assert proc.returncode == 2, proc.stderr
    assert f"base64 bodies nest in one another more than {MAX_LAYERS} layers deep" in proc.stderr
    assert "internal error" not in proc.stderr
    assert not out.exists()
