"""Base64 inside base64: the redactor rewrites ``selfcheck.B64_DEPTH`` layers, and the output check reads
every layer, so an address encoded deeper is refused (exit 3, named), never passed on unread (issue 11,
item 5: no silent caps). It went out "output checked" when the check stopped where the redactor did."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from icecheck.redact.files import Incomplete, redact_file
from icecheck.redact.selfcheck import B64_DEPTH
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
