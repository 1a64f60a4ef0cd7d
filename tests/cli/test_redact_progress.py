"""``icecheck redact`` shows each pass over its input and its output on a terminal, and only there."""

from __future__ import annotations

import gzip
import os
import pty
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, drain

CAPTURE = REPO / "samples" / "captures" / "sip-tcp-sll.pcap"
SIP_LOG = REPO / "samples" / "captures" / "baresip-sip-trace.log"
_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _redact(*args: str, tty: bool, stdin: bytes | None = None) -> tuple[int, bytes, str]:
    """(exit code, stdout, what stderr showed) of ``icecheck redact ARGS``, stderr a terminal or a pipe."""
    command = [sys.executable, "-m", "icecheck", "redact", *args]
    env = {**os.environ, "COLUMNS": "80"}
    if not tty:
        proc = subprocess.run(command, input=stdin, capture_output=True, timeout=120, cwd=REPO, env=env, check=False)
        return proc.returncode, proc.stdout, proc.stderr.decode()
    main, child = pty.openpty()
    try:
        run = subprocess.run(
            command, input=stdin, stdout=subprocess.PIPE, stderr=child, timeout=120, cwd=REPO, env=env, check=False
        )
        os.close(child)
        seen = drain(main)
    finally:
        os.close(main)
    return run.returncode, run.stdout, seen


def _lines(seen: str) -> list[str]:
    """The lines drawn on the terminal, escapes taken out (each redraw is a line of its own)."""
    return [line for line in _ESCAPE.sub("", seen).replace("\r", "\n").split("\n") if line.strip()]


def _stages(seen: str) -> list[str]:
    """What the progress line said it was doing, in order, each once."""
    stages: list[str] = []
    for line in _lines(seen):
        words = re.match(r"([a-z][a-z :0-9]*?)\s*━", line)
        if words and (not stages or stages[-1] != words.group(1)):
            stages.append(words.group(1))
    return stages


def test_a_capture_shows_each_pass_with_its_bytes(tmp_path: Path) -> None:
    out, quiet = tmp_path / "tty.pcap", tmp_path / "pipe.pcap"
    code, stdout, seen = _redact(str(CAPTURE), "-o", str(out), tty=True)
    assert code == 0 and stdout == b""
    stages = _stages(seen)
    assert stages[-3:] == ["listing originals", "rewriting", "checking the output"], stages
    size = CAPTURE.stat().st_size
    assert f"/{size / 1000:.1f} kB" in seen  # each pass counts against the file's size
    assert _lines(seen)[-1].startswith("icecheck: redacted pcap:")  # the summary, after the line is gone
    assert all(len(line) <= 80 for line in _lines(seen) if "━" in line)  # the progress line fits 80 cells
    code, _, said = _redact(str(CAPTURE), "-o", str(quiet), tty=False)
    assert code == 0 and said == _lines(seen)[-1] + "\n"  # piped: the same summary, alone
    assert out.stat().st_size == quiet.stat().st_size  # the same output (its mDNS names are drawn at random)


def test_a_compressed_input_counts_its_stored_bytes(tmp_path: Path) -> None:
    packed = tmp_path / "call.pcap.gz"
    packed.write_bytes(gzip.compress(CAPTURE.read_bytes(), 9))
    code, _, seen = _redact(str(packed), "-o", str(tmp_path / "out.pcap.gz"), tty=True)
    assert code == 0
    total = f"/{packed.stat().st_size / 1000:.1f} kB"
    assert total in seen and f"/{CAPTURE.stat().st_size / 1000:.1f} kB" not in seen


def test_a_zip_names_its_members_by_number_and_a_document_read_from_stdin(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(CAPTURE, "\u202ecall.pcap")  # a hostile name is not shown: members are numbered
        z.write(SIP_LOG, "trace.log")
    code, _, seen = _redact(str(archive), "-o", str(tmp_path / "out.zip"), tty=True)
    assert code == 0
    stages = _stages(seen)
    assert "listing originals: member 2 of 2" in stages and stages[-1] == "checking the output", stages
    assert "\u202e" not in seen
    code, stdout, seen = _redact("-", tty=True, stdin=SIP_LOG.read_bytes())
    assert code == 0 and b"INVITE" in stdout
    assert _stages(seen)[:3] == ["redacting", "reading standard input", "listing originals"], _stages(seen)


def test_a_failure_is_said_after_the_line_is_gone(tmp_path: Path) -> None:
    damaged = tmp_path / "cut.pcap.gz"
    damaged.write_bytes(gzip.compress(CAPTURE.read_bytes())[:-200])
    out = tmp_path / "out.pcap.gz"
    code, _, seen = _redact(str(damaged), "-o", str(out), tty=True)
    assert code == 2 and not out.exists()
    last = _lines(seen)[-1]
    assert last.startswith("icecheck: ") and "cannot redact" in last and last.endswith("nothing written"), last


@pytest.mark.parametrize("tty", [True, False])
def test_standard_output_holds_the_redacted_file_alone(tty: bool) -> None:
    code, stdout, _ = _redact(str(SIP_LOG), tty=tty)
    assert code == 0 and stdout.startswith(SIP_LOG.read_bytes()[:10]) and b"\x1b" not in stdout
