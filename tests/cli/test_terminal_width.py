"""At 80 columns every command's words fit: ``--help``, and ``diff`` and ``explain`` on a terminal
(issue 11: tried as a new user would, at 80 columns). Piped, ``diff`` keeps one line per change.

The one exception, by design: a rule's sample candidate lines (``explain``) stay whole, so that
they can be copied into a file as they are, and so does any single token wider than the line.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest

from icecheck.analysis.rules import CATALOGUE
from icecheck.commands import COMMANDS
from icecheck.render.layout import fold, width_of
from tests.conftest import REPO, SAMPLES, run_cli

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
RELAY_ONLY = str(SAMPLES / "real" / "chromium-relay-only.sdp")
CHROMIUM = str(SAMPLES / "real" / "chromium-default-mdns.sdp")


def tty(*args: str, columns: int = 80) -> tuple[str, int]:
    """(what a terminal of ``columns`` cells shows for ``python -m icecheck ARGS``, exit code)."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    try:
        proc = subprocess.Popen([sys.executable, "-m", "icecheck", *args], stdout=child, stderr=subprocess.DEVNULL,
                                cwd=REPO, env={**env, "TERM": "xterm-256color", "ICECHECK_OFFLINE": "1"})  # fmt: skip
        os.close(child)
        chunks = []
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
    finally:
        os.close(main)
    return ANSI.sub("", b"".join(chunks).decode()).replace("\r\n", "\n"), proc.returncode


def wide(text: str, columns: int = 80) -> list[str]:
    return [line for line in text.splitlines() if width_of(line) > columns]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_help_fits_80_columns(command: str) -> None:
    proc = run_cli(*([command] if command else []), "--help", env={"COLUMNS": "80"})
    assert proc.returncode == 0 and "Usage:" in proc.stdout
    assert wide(proc.stdout) == []


def test_diff_on_a_terminal_fits_it_and_piped_keeps_one_line_per_change() -> None:
    shown, code = tty("diff", RELAY_ONLY, CHROMIUM)
    assert code == 1 and wide(shown) == [], wide(shown)
    assert "  + [relay-raddr-leak] The relay candidate 203.0.113.10 names your own address" in shown
    piped = run_cli("diff", RELAY_ONLY, CHROMIUM, env={"COLUMNS": "80"}).stdout
    assert wide(piped) != []  # a pipe or a file gets each change whole, for grep
    assert " ".join(shown.split()) == " ".join(piped.split())  # the same words, only folded


def test_explain_on_a_terminal_fits_it_but_for_the_sample_lines() -> None:
    for rule in CATALOGUE:
        shown, code = tty("explain", rule)
        assert code == 0 and "Fix: " in shown
        assert [line for line in wide(shown) if not line.startswith("    a=")] == [], (rule, wide(shown))


def test_fold_breaks_at_spaces_under_the_sign_and_keeps_tokens_whole() -> None:
    long = "x" * 30
    assert fold(f"  + a b {long} c", 20) == f"  + a b\n    {long}\n    c"
    assert fold("title: one two three", 12) == "title: one\n  two three"
    assert fold("short\n\n  - y", 80) == "short\n\n  - y"
