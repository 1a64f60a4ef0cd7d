"""Dotted MACs and dotted quads inside a colon-hex token.

The output check reads a dotted MAC (``0466.5111.176D``) and a dotted quad wherever they stand, also
inside a colon-hex token that names no IPv6 address (``::0466.5111.176D``, ``:::9.104.91.36:.``): the
redactor left such tokens whole and refused the file (exit 3). Found by the percent-escape fuzzing of
``test_double_percent.py`` (its inputs with no escape at all).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from icecheck.redact.files import redact_file
from icecheck.redact.selfcheck import identifiers
from icecheck.redact.standins import StandIns


@pytest.mark.parametrize(
    ("text", "original"),
    [
        ("x ::0466.5111.176D y", "mac 04665111176d"),
        ("x ::7a7b.1E5f.f73C y", "mac 7a7b1e5ff73c"),
        ("x :::9.104.91.36:. y", "9.104.91.36"),
        (":23b:42.212.122.130cu", "42.212.122.130"),
    ],
)
def test_the_original_is_replaced(tmp_path: Path, text: str, original: str) -> None:
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text(text + "\n")
    assert original in identifiers(src.read_bytes())
    redact_file(str(src), str(out), StandIns(), scrub=False)  # raises ``Incomplete`` if one survives
    assert original not in identifiers(out.read_bytes())
    assert out.read_text().count(":") == src.read_text().count(":")  # the token's shape is kept


def test_a_group_mac_inside_stays(tmp_path: Path) -> None:
    """A group (multicast) MAC names no device: kept, as anywhere else."""
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("x ::0100.5e00.0001 y\n")
    redact_file(str(src), str(out), StandIns(), scrub=False)
    assert out.read_text() == src.read_text()
