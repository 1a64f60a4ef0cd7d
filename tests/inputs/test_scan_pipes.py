"""``scan`` and a pipe named on the command line: read once.

A pipe named on the command line (``scan <(zcat x.gz)``, a FIFO) was opened twice, to sniff its
format and then to read it: the second open found it drained ("the file is empty") or waited for
a writer that never came. A pipe is now read whole once, as standard input is. (A FIFO met in a
folder is skipped: tests/cli/test_gate_inputs.py.)
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import REPO, run_cli

OFFER = REPO / "samples" / "real" / "aiortc-offer.sdp"


def test_a_pipe_named_on_the_command_line_is_read_once(tmp_path: Path) -> None:
    pipe = tmp_path / "offer.pipe"
    os.mkfifo(pipe)
    with open(OFFER, "rb") as src:
        writer = subprocess.Popen(["sh", "-c", f"cat > '{pipe}'"], stdin=src)
    try:
        proc = run_cli("scan", "--offline", "--no-config", str(pipe), timeout=60)
    finally:
        writer.kill()
        writer.wait()
    assert proc.returncode == 1, proc.stderr
    assert "7 candidates" in proc.stdout
    assert "empty" not in proc.stderr
