"""Base64 wrapped over lines (a MIME body at 76 columns): an address whose encoding crosses a line
break was seen neither by the redactor nor by the output check, each decoding a line alone, so
``redact`` wrote it out as checked (exit 0). The check now also decodes the lines joined, and the
redactor rewrites the run whole (``redact.wrapped``; more in ``test_redact_wrapped_base64``)."""

from __future__ import annotations

import base64
from pathlib import Path

from icecheck.redact.selfcheck import identifiers
from tests.conftest import run_cli


def _mime(payload: bytes) -> bytes:
    body = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    return b"--b\r\nContent-Transfer-Encoding: base64\r\n\r\n" + body + b"--b--\r\n"


def test_an_address_across_a_line_break_of_base64_is_rewritten(tmp_path: Path) -> None:
    data = _mime(b"X" * 50 + b"a@203.0.113.77:5060\r\n" + b"Y" * 80)  # bytes 52-63: across line 1's end (57)
    lines = [base64.b64decode(line) for line in data.split(b"\r\n") if len(line) >= 16 and b":" not in line]
    assert not any(b"203.0.113.77" in line for line in lines)  # no line alone holds it
    assert "203.0.113.77" in identifiers(data)
    src, out = tmp_path / "mime.txt", tmp_path / "out.txt"
    src.write_bytes(data)
    proc = run_cli("redact", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "203.0.113.77" not in identifiers(out.read_bytes())


def test_wrapped_base64_with_nothing_to_hide_is_redacted(tmp_path: Path) -> None:
    src, out = tmp_path / "mime.txt", tmp_path / "out.txt"
    src.write_bytes(_mime(b"nothing here " * 40))
    proc = run_cli("redact", str(src), "-o", str(out))
    assert proc.returncode == 0 and out.read_bytes() == src.read_bytes()
