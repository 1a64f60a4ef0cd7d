"""Ctrl-C: one line, exit 130 (128 + SIGINT), no traceback, and ``redact`` leaves its target as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO


def _interrupted_while_reading(*args: str) -> subprocess.CompletedProcess[bytes]:
    """``icecheck ARGS`` reading standard input from a pipe that stays open, sent SIGINT once it waits
    on that pipe (so inside the command, not during the interpreter's start)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "icecheck", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "ICECHECK_OFFLINE": "1"},
    )
    assert proc.stdin is not None
    proc.stdin.write(b"v=0\r\n")  # a first line read; the rest never comes
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while "pipe" not in Path(f"/proc/{proc.pid}/wchan").read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("command", [["sdp", "-"], ["scan", "-"], ["diff", "-", "-"]])
def test_an_interrupted_audit_says_so_and_exits_130(command: list[str]) -> None:
    done = _interrupted_while_reading(*command)
    assert done.returncode == 130, done.stderr
    assert done.stderr.decode().strip() == "icecheck: interrupted" and done.stdout == b""


def test_an_interrupted_redaction_leaves_the_target_alone(tmp_path: Path) -> None:
    target = tmp_path / "shared.txt"
    target.write_bytes(b"the previous copy\n")
    done = _interrupted_while_reading("redact", "-", "-o", str(target))
    assert done.returncode == 130 and done.stderr.decode().strip() == "icecheck: interrupted"
    assert target.read_bytes() == b"the previous copy\n" and os.listdir(tmp_path) == ["shared.txt"]
