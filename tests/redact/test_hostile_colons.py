"""False refusals of colon-hex text (``benchmarks/bench_hostile.py``'s ``cand-colons``: one line of
``::1%fe80:fe80:fe80:fe80:fe80:fe80:`` repeated): the output check read an address the redactor left.

The check reads every colon-hex run whole, else less a trailing group or port, else less a leading
label (``selfcheck.v6_reading``), after a dot too, in the raw text and in its percent decoding. The
redactor now replaces what the check reads where it read nothing itself: ``fe80:1:::1`` is read as
``fe80:1::``; ``12:::28a:29`` as ``::28a:29``; ``host.2001:db8::1`` after the dot; and in
``::1%fe80:…:::1``, whose ``%fe`` is also a percent escape, the raw text's ``fe80:…::`` (its decoding
``::1þ80:…`` reads as an address of 0000::/8, which names nothing). Each was refused (exit 3) before.
The check itself is unchanged, and so is the output wherever it was not refused before. Every case
is run through ``icecheck redact`` and its output check, and the test looks again for the original in
every view of the output (``selfcheck.identifiers``).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from icecheck.redact.files import Incomplete, redact_file
from icecheck.redact.selfcheck import identifiers
from icecheck.redact.standins import StandIns
from tests.conftest import run_cli


def cand_colons(units: int) -> bytes:
    """``bench_hostile.cand_colons``, ``units`` pieces long (the benchmark's is 1 MB)."""
    return "".join("fe80:" if n % 7 else "::1%" for n in range(units)).encode() + b"\n"


def test_the_hostile_colon_line_is_redacted_not_refused(tmp_path: Path) -> None:
    src, out = tmp_path / "colons", tmp_path / "out"
    src.write_bytes(cand_colons(7 * 500))
    proc = run_cli("redact", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert "fe80:fe80:fe80:fe80:fe80:fe80::" in identifiers(src.read_bytes())
    assert "fe80:fe80:fe80:fe80:fe80:fe80::" not in identifiers(data)
    # the rest is as it was: ``::1`` (loopback), the separators and the last run (``fe80:`` six times,
    # no address); one stand-in for the one original
    pieces = data.decode().rstrip("\n").split("%")
    assert pieces[0] == "::1" and len(set(pieces[1:-1])) == 1 and pieces[-1] == "fe80:" * 6
    standin = pieces[1].removesuffix(":1")
    assert ipaddress.IPv6Address(standin) in ipaddress.IPv6Network("2001:db8::/32")


def redacted(tmp_path: Path, text: str) -> str:
    """``text`` through ``redact_file`` (the output check included: ``Incomplete`` if it refuses)."""
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text(text)
    redact_file(str(src), str(out), StandIns(), False)
    return out.read_text()


@pytest.mark.parametrize(
    ("text", "original"),
    [
        ("x fe80:1:::1 y\n", "fe80:1::"),  # less a trailing group
        ("v=1.2.3.4.2a00:1450::1 y\n", "2a00:1450::1"),  # after a dotted quad
        ("x 12:::28a:29 y\n", "::28a:29"),  # less a leading label (IPv4-compatible: not reserved)
        ("cafe:2001:db8:1:2:3:4::5\n", "2001:db8:1:2:3:4:0:5"),
        ("host.2a00:1450::1 y\n", "2a00:1450::1"),  # after a dot
        ("x 0a..75c::68dd. y\n", "75c::68dd"),
        ("x ::1a.fda:: y\n", "fda::"),  # after the address before a dot
        ("x 1%fe80:fe80:fe80:fe80:fe80:fe80:::1 y\n", "fe80:fe80:fe80:fe80:fe80:fe80::"),  # under an escape
    ],
)
def test_what_the_check_reads_in_a_run_is_replaced(tmp_path: Path, text: str, original: str) -> None:
    assert original in identifiers(text.encode())
    try:
        out = redacted(tmp_path, text)
    except Incomplete as exc:
        pytest.fail(f"refused: {exc.left}")
    assert original not in identifiers(out.encode())
    assert out != text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a run after a dot holding a second ``::``: read in parts by both (``selfcheck.v6_reading_spans``),
        # ``22E::2b2:b:71`` first (the check read no address in it before, and ``2b2:b:71::2b`` was replaced)
        ("x d.22E::2b2:b:71::2b.82 y\n", "x d.2001:db8::001::2b.82 y\n"),
        ("lib.so.6:2a00::1:2 y\n", "lib.so.6:2a00::1:2 y\n"),  # 6:2a00::1:2, of 0000::/8: kept by both
        ("sip:alice@[2001:db8::9]:5060\n", "sip:alice@[2001:db8::1]:5060\n"),
    ],
)
def test_runs_redacted_before_are_redacted_the_same(tmp_path: Path, text: str, expected: str) -> None:
    assert redacted(tmp_path, text) == expected
