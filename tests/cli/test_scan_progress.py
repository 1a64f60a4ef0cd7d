"""``icecheck scan`` shows its progress (bytes, packets, items found, time left) on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.mediamix import write_media_mix
from icecheck.inputs import jobs
from tests.conftest import REPO, drain


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "calls.pcap"
    with open(path, "wb") as f:  # above jobs.SPLIT_FROM: --jobs 2 splits it
        write_media_mix(f, jobs.SPLIT_FROM + 300_000, seed=3, rtp_per_call=40)
    return path


def _scan(path: Path, *args: str, tty: bool) -> tuple[str, str]:
    """(stdout, stderr) of a scan whose stderr is a terminal, or a pipe."""
    return _run([str(path), "--offline", "--format", "json", *args], tty=tty)


def _run(args: list[str], tty: bool, command: str = "scan", columns: str = "160") -> tuple[str, str]:
    """(stdout, stderr) of ``icecheck COMMAND ARGS`` whose stderr is a terminal, or a pipe."""
    command_line = [sys.executable, "-m", "icecheck", command, *args]
    env = {**os.environ, "ICECHECK_OFFLINE": "1", "COLUMNS": columns}
    if not tty:
        proc = subprocess.run(command_line, capture_output=True, text=True, timeout=120, cwd=REPO, env=env, check=False)
        return proc.stdout, proc.stderr
    main, child = pty.openpty()
    try:
        run = subprocess.run(
            command_line, stdout=subprocess.PIPE, stderr=child, timeout=120, cwd=REPO, env=env, check=False
        )
        os.close(child)
        seen = drain(main)
    finally:
        os.close(main)
    return run.stdout.decode(), seen


@pytest.mark.parametrize("jobs_", ["1", "2"])
def test_progress_counts_bytes_packets_and_items_on_a_terminal(capture: Path, jobs_: str) -> None:
    out, err = _scan(capture, "--jobs", jobs_, tty=True)
    report = json.loads(out)  # the report on stdout, untouched
    held = len(report["candidates"]) + len(report["addresses"])
    assert "scanning" in err and "MB" in err
    packets = [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) packets", err)]
    items = [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) items", err)]
    summary = next(n for n in report["notes"] if " packets, " in n)
    assert max(packets) == int(re.search(r": (\d+) packets", summary).group(1))  # type: ignore[union-attr]
    if jobs_ == "1":
        assert max(items) == held  # every distinct item, once
    else:  # each process counts the items it found: one that two found counts twice
        assert max(items) >= held


def test_no_progress_when_stderr_is_not_a_terminal(capture: Path) -> None:
    out, err = _scan(capture, "--jobs", "2", tty=False)
    assert json.loads(out)["candidates"] and err == ""


def test_diff_shows_the_progress_of_each_side_it_scans(capture: Path) -> None:
    args = [str(capture), str(capture), "--format", "json"]
    out, seen = _run(args, tty=True, command="diff", columns="80")
    json.loads(out)  # the diff on stdout, untouched
    size = f"{capture.stat().st_size / 1e6:.1f}/{capture.stat().st_size / 1e6:.1f} MB"
    assert seen.count(size) >= 2, seen[-400:]  # each side read to its end, counted against its size
    assert _run(args, tty=False, command="diff") == (out, "")  # piped: the same diff, nothing on stderr


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A candidate list of ``progress.BUSY_FROM`` host candidates (10.x addresses, all different)."""
    from icecheck.inputs.progress import BUSY_FROM

    path = tmp_path_factory.mktemp("audit") / "candidates.txt"
    line = "a=candidate:{n} 1 udp 2130706431 10.0.{a}.{b} {port} typ host\n"
    lines = (line.format(n=n, a=n >> 8, b=n & 255, port=1024 + n) for n in range(BUSY_FROM))
    path.write_text("".join(lines))
    return path


@pytest.mark.parametrize("command", ["scan", "sdp"])
def test_the_audit_of_many_candidates_says_it_is_going_on(many: Path, tmp_path: Path, command: str) -> None:
    out, seen = _run([str(many), "--format", "json"], tty=True, command=command, columns="80")
    assert len(json.loads(out)["candidates"]) == 10_000
    assert "auditing 10,000 candidates and addresses" in seen
    fewer = tmp_path / "fewer.txt"
    fewer.write_text("".join(many.read_text().splitlines(keepends=True)[:-1]))
    assert "auditing" not in _run([str(fewer), "--format", "json"], tty=True, command=command)[1]  # under BUSY_FROM
    assert _run([str(many), "--format", "json"], tty=False, command=command)[1] == ""  # piped: nothing
