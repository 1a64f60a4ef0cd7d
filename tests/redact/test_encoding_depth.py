"""Encodings inside encodings: the redactor rewrites ``selfcheck.B64_DEPTH`` layers of base64 and
percent escapes as deep as the check reads them (``selfcheck.VIEW_LAYERS``), and the output check reads every
layer of base64 and that many of each kind of escape (``\\u`` escapes and HTML references too), so an
address encoded deeper than the redactor rewrites is refused (exit 3, named), never passed on unread
(issue 11, item 5: no silent caps). It went out "output checked" when the check stopped where the
redactor did (base64 and percent escapes two layers deep, the others one). Past ``VIEW_LAYERS``
layers of escapes the input is refused (exit 2)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from icecheck.redact.archive import RedactError
from icecheck.redact.files import Incomplete, redact_file
from icecheck.redact.selfcheck import B64_DEPTH, VIEW_LAYERS
from icecheck.redact.standins import StandIns

TEXT = b"host 10.9.8.7 here and fe80::1234:5678:9abc:def0"


def _encoded(times: int) -> bytes:
    data = TEXT
    for _ in range(times):
        data = base64.b64encode(data)
    return data


def _decoded(data: bytes, times: int) -> bytes:
    for _ in range(times):
        data = base64.b64decode(data + b"=" * (-len(data) % 4))
    return data


@pytest.mark.parametrize("times", range(B64_DEPTH + 1))
def test_an_address_the_redactor_reaches_is_replaced(tmp_path: Path, times: int) -> None:
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_bytes(b"blob: " + _encoded(times) + b"\n")
    redact_file(str(src), str(out), StandIns(), scrub=False)
    inner = _decoded(out.read_bytes().split(b": ", 1)[1].strip(), times)
    assert b"10.9.8.7" not in inner and b"fe80::1234" not in inner and b"192.0.2." in inner


@pytest.mark.parametrize("times", [B64_DEPTH + 1, B64_DEPTH + 2, 12])
def test_an_address_encoded_deeper_is_refused(tmp_path: Path, times: int) -> None:
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_bytes(b"blob: " + _encoded(times) + b"\n")
    with pytest.raises(Incomplete) as caught:
        redact_file(str(src), str(out), StandIns(), scrub=False)
    assert "10.9.8.7" in caught.value.left and not out.exists()


def _percent(text: str, times: int) -> str:
    for _ in range(times):
        text = text.replace("%", "%25").replace(".", "%2E").replace(":", "%3A")
    return text


@pytest.mark.parametrize("times", [1, 2, 3, 5])
def test_percent_escapes_the_redactor_reaches_are_replaced(tmp_path: Path, times: int) -> None:
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text(f"u={_percent('10.9.8.7', times)} x\n")
    redact_file(str(src), str(out), StandIns(), scrub=False)
    assert "9%" not in out.read_text() and "192" in out.read_text()


@pytest.mark.parametrize(
    "text",
    [
        "10\\u005cu002e9\\u005cu002e8\\u005cu002e7",  # ``\\u002e`` written with its backslash escaped
        "10&amp;#46;9&amp;#46;8&amp;#46;7",
    ],
)
def test_escapes_deeper_than_the_redactor_reads_are_refused(tmp_path: Path, text: str) -> None:
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text(f"u={text} x\n")
    with pytest.raises(Incomplete):
        redact_file(str(src), str(out), StandIns(), scrub=False)
    assert not out.exists()


def test_escapes_past_the_layers_read_are_refused(tmp_path: Path) -> None:
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("u=%" + "25" * (VIEW_LAYERS + 1) + "41 and 10.1.2.3\n")
    with pytest.raises(RedactError, match="more than 16 layers"):
        redact_file(str(src), str(out), StandIns(), scrub=False)
    src.write_text("u=%" + "25" * (VIEW_LAYERS - 1) + "41 and 10.1.2.3\n")  # within: read, and redacted
    redact_file(str(src), str(out), StandIns(), scrub=False)
    assert "10.1.2.3" not in out.read_text()
