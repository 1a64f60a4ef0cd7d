"""A ``\\ud800`` escape (a lone surrogate) in a JSON string that redaction rewrites: it crashed the
run ("internal error: UnicodeEncodeError", exit 3) when the file's style wrote non-ASCII as it is."""

from __future__ import annotations

import json
from pathlib import Path

from icecheck.redact.formats import json_string
from tests.conftest import run_cli


def test_a_lone_surrogate_escape_is_escaped_again(tmp_path: Path) -> None:
    src = tmp_path / "log.json"
    src.write_bytes('{"line": "café \\ud800 from 10.1.2.3 \\udfff"}\n'.encode())
    out = tmp_path / "out.json"
    proc = run_cli("redact", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_bytes().decode("utf-8")  # valid UTF-8: the surrogates are escapes again
    assert "10.1.2.3" not in text and "\\ud800" in text and "\\udfff" in text
    assert json.loads(text)["line"].startswith("café \ud800 from ")


def test_json_string_keeps_the_style_and_the_undecodable_bytes() -> None:
    assert json_string("café", False) == '"café"' and json_string("café", True) == '"caf\\u00e9"'
    assert json_string("é\ud800", False) == '"\\u00e9\\ud800"'  # cannot be written as it is
    undecodable = b"\xff".decode("utf-8", "surrogateescape")  # U+DCFF: stands for the byte
    assert json_string("é" + undecodable, False).encode("utf-8", "surrogateescape") == b'"\xc3\xa9\xff"'
