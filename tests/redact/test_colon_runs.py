"""Colon-hex runs holding a second ``::`` or a ``:::`` (``2a00:1450:4001:82b::200e:::1``): no address
holds two, so the whole run reads as nothing, and less a trailing group or a leading label as nothing
either. The output check read no address there and the redactor replaced none: the real address
``2a00:1450:4001:82b::200e`` went out as it came in, and the command said "output checked" (exit 0).

Both now read such a run in parts too (``selfcheck.v6_reading_spans``), cut where each such ``::``
starts: the check finds the address (an original left in the output is refused, exit 3) and the
redactor replaces it (exit 0, the address gone, a stand-in of 2001:db8::/32 in its place). A run of
more than 10 groups, which the check did not read at all, is read the same way. Every case goes
through ``python -m icecheck redact FILE -o OUT`` and the test looks again for the original in every
view of the output (``selfcheck.identifiers``).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from icecheck.redact.selfcheck import identifiers
from tests.conftest import run_cli

DOCUMENTATION = ipaddress.IPv6Network("2001:db8::/32")


@pytest.mark.parametrize(
    ("text", "original"),
    [
        ("peer 2a00:1450:4001:82b::200e:::1 x\n", "2a00:1450:4001:82b::200e"),  # the first part
        ("peer 2a00:1450:4001:82b::200e::1 x\n", "2a00:1450:4001:82b::200e"),
        ("a=x:2a00:1450:4001:82b::200e:::1;\n", "2a00:1450:4001:82b::200e"),  # after a ``name:`` label
        ("q ::1::2a00:1450::5 z\n", "2a00:1450::5"),  # the last part with the text before it
        ("r 1:::2a00:1450:4001:82b:0:0:0:1 s\n", "2a00:1450:4001:82b::1"),  # the last part bare
        ("t 2a00::2a01::1 and 2a00::2a01 u\n", "2a00::2a01"),  # the same address again, alone
        ("x 2a00:1450:4001:82b::200e::1:2:3:4:5:6 y\n", "2a00:1450:4001:82b::200e"),  # 12 groups
        ('{"peer": "2a00:1450:4001:82b::200e:::1"}\n', "2a00:1450:4001:82b::200e"),  # JSON
        ("u=2a00%3A1450%3A4001%3A82b%3A%3A200e%3A%3A%3A1&x\n", "2a00:1450:4001:82b::200e"),  # percent-escaped
        ("v [2a00:1450:4001:82b::200e:::1]:5060 w\n", "2a00:1450:4001:82b::200e"),  # in brackets
    ],
)
def test_an_address_in_a_run_of_two_double_colons_is_replaced(tmp_path: Path, text: str, original: str) -> None:
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text(text)
    proc = run_cli("redact", str(src), "-o", str(out), "--offline")
    assert proc.returncode == 0, proc.stderr
    assert "output checked" in proc.stderr
    data = out.read_bytes()
    assert original.encode() not in data
    assert original in identifiers(src.read_bytes())  # the check reads it in the input
    found = identifiers(data)
    assert original not in found
    addresses = [ipaddress.ip_address(f) for f in found if not f.startswith(("mac ", "name "))]
    assert any(a in DOCUMENTATION for a in addresses if a.version == 6)  # a stand-in in its place


def test_a_run_after_a_dot_is_replaced_whole(tmp_path: Path) -> None:
    """After a dot the redactor first reads a token as it did before (``text._after_dot``): it replaced
    ``200e::1`` and left ``2a00:1450:4001:82b::`` of the address in front of the stand-in."""
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("host.2a00:1450:4001:82b::200e::1.x\n")
    proc = run_cli("redact", str(src), "-o", str(out), "--offline")
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "2a00" not in text and "1450" not in text and "200e" not in text
    assert text.startswith("host.2001:db8:")


@pytest.mark.parametrize("ones", [40, 80])
def test_a_run_longer_than_a_token_is_rewritten(tmp_path: Path, ones: int) -> None:
    """A colon-hex run longer than the 64 characters the redactor reads as one token: the check reads
    the address at its start (in parts), and so does the redactor now (``text.in_runs``: the run's
    windows); it was refused (exit 3). Past 65 groups neither read it, and it went out, exit 0."""
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("x 2a00:1450:4001:82b::200e::" + "1:" * ones + "1 y\n")
    assert "2a00:1450:4001:82b::200e" in identifiers(src.read_bytes())
    proc = run_cli("redact", str(src), "-o", str(out), "--offline")
    assert proc.returncode == 0, proc.stderr
    assert "output checked" in proc.stderr
    text = out.read_text()
    assert "2a00:1450:4001:82b::200e" not in identifiers(out.read_bytes())
    assert "2a00" not in text and text.endswith("::" + "1:" * ones + "1 y\n")


def test_runs_of_one_double_colon_read_as_before(tmp_path: Path) -> None:
    """Ordinary addresses, a ``:::`` run the check read before (``fe80:1:::1``: ``fe80:1::``) and text
    that is no address are redacted as they were."""
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("a 2a00:1450::1 b fe80:1:::1 c SdpType::kOffer d 12:34:56 e\n")
    proc = run_cli("redact", str(src), "-o", str(out), "--offline")
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "2a00:1450::1" not in text and "fe80:1::" not in text
    assert "SdpType::kOffer d 12:34:56 e" in text
