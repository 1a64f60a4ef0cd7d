"""An original address inside a colon-hex run that reads as no address whole (``colonrun``).

``x 44cb:…:e032:2a00:1450:4001:82b::200e:fddb:…:eb13 y`` (85 groups, one ``::``) went out as it came in,
exit 0 and "output checked", although the next line's ``2a00:1450:4001:82b::200e`` was replaced: the
check read nothing in a run past 65 groups, nor in shorter ones holding more than an address
(``a:b:2a00:1450:4001:82b::200e:c:d``; a group of five digits after it). Now the check looks for every
original in each window of a run (a stretch of its groups that parses as an address) and the redactor
replaces the windows that are originals; the rest of the run stays as it was, and a hex dump that holds no
original (a SHA-512 fingerprint, an ``openssl`` dump) is written unchanged, however long.
"""

from __future__ import annotations

import ipaddress
import random
from pathlib import Path

import pytest

from icecheck.redact.selfcheck import identifiers, left_in
from icecheck.redact.standins import StandIns
from tests.conftest import run_cli

ADDRESS = "2a00:1450:4001:82b::200e"


def groups(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [format(rng.randrange(65536), "x") for _ in range(count)]


def long_run(before: int, after: int, seed: int = 1) -> str:
    g = groups(before + after, seed)
    return ":".join(g[:before]) + ":" + ADDRESS + ":" + ":".join(g[before:])


def redact(tmp_path: Path, text: str) -> tuple[int, str, str]:
    """``icecheck redact`` of ``text``: exit status, stderr, output text ("" when none was written)."""
    src, out = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text(text)
    proc = run_cli("redact", str(src), "-o", str(out), "--offline")
    return proc.returncode, proc.stderr, out.read_text() if out.exists() else ""


@pytest.mark.parametrize(
    "run",
    [
        long_run(30, 50),  # 85 groups: past V6_RUN's 65
        long_run(300, 700),  # 1,005 groups
        long_run(20, 20),  # 45 groups: read, but as no address
        "a:b:" + ADDRESS + ":c:d",  # nine fields
        ADDRESS + ":12345",  # a group of five digits after it
        "1:2:3:" + ADDRESS + ":1:2:3:4:5:6:7::1",  # in a part of a run of two sites
    ],
)
def test_an_original_inside_a_run_is_replaced(tmp_path: Path, run: str) -> None:
    text = f"x {run} y\nhost {ADDRESS}\n"
    status, stderr, out = redact(tmp_path, text)
    assert status == 0, stderr
    assert "output checked" in stderr
    assert ADDRESS not in out and "2a00:1450" not in out
    line = out.splitlines()[0]
    head, _, tail = run.partition(ADDRESS)
    assert line.startswith("x " + head) and line.endswith(tail + " y")  # the rest of the run as it was
    standin = line[len("x " + head) : len(line) - len(tail + " y")]
    assert ipaddress.IPv6Address(standin) in ipaddress.IPv6Network("2001:db8::/32")
    assert out.splitlines()[1] == "host " + standin  # the same stand-in as alone


def test_the_check_finds_an_original_left_inside_a_long_run() -> None:
    """The output check alone: the run written back unchanged (as the redactor did) is a survivor."""
    original = f"x {long_run(30, 50)} y\nhost {ADDRESS}\n".encode()
    left = original.replace(f"host {ADDRESS}".encode(), b"host 2001:db8::1")
    assert left_in(identifiers(original), left, StandIns().kept) == [ADDRESS]
    assert left_in(identifiers(original), left, lambda addr: addr == ipaddress.ip_address(ADDRESS)) == []  # kept


def test_a_mapped_ipv4_original_in_a_run_is_replaced(tmp_path: Path) -> None:
    run = ":".join(groups(70, 2)) + "::ffff:a01:203:" + ":".join(groups(10, 3))
    status, stderr, out = redact(tmp_path, f"x {run} y\nhost 10.1.2.3\n")
    assert status == 0, stderr
    assert "ffff:a01:203" not in out and "10.1.2.3" not in identifiers(out.encode())


@pytest.mark.parametrize("length", [64, 2000])
def test_hex_dumps_without_originals_are_written_unchanged(tmp_path: Path, length: int) -> None:
    """A SHA-512 fingerprint (64 pairs) and a long dump: no window is an original, none is touched."""
    rng = random.Random(length)
    dump = ":".join(format(rng.randrange(256), "02X") for _ in range(length))
    dotted = ":".join(groups(length, 5)) + "::" + ":".join(groups(length, 6))
    text = f"a=fingerprint:sha-512 {dump}\nkey {dotted}\npeer {ADDRESS}\n"
    status, stderr, out = redact(tmp_path, text)
    assert status == 0, stderr
    assert out.splitlines()[:2] == text.splitlines()[:2]
    assert ADDRESS not in out
