"""Bad input: one clear line naming file and line, exit 2 when nothing was audited, no traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import run_cli

GOOD = "a=candidate:1 1 udp 2122260223 192.168.1.9 5000 typ host\n"


def _stderr_line(proc_stderr: str) -> str:
    lines = [ln for ln in proc_stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc_stderr
    return lines[0]


def test_missing_file() -> None:
    proc = run_cli("sdp", "/nonexistent/x.sdp")
    assert proc.returncode == 2
    assert _stderr_line(proc.stderr) == "icecheck: /nonexistent/x.sdp: No such file or directory"


def test_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "empty.sdp"
    f.write_bytes(b"")
    proc = run_cli("sdp", str(f))
    assert proc.returncode == 2 and "the file is empty" in _stderr_line(proc.stderr)


def test_directory(tmp_path: Path) -> None:
    proc = run_cli("sdp", str(tmp_path))
    assert proc.returncode == 2 and "is a directory" in _stderr_line(proc.stderr)


def test_binary_file(tmp_path: Path) -> None:
    f = tmp_path / "x.bin"
    f.write_bytes(bytes(range(256)) * 64)
    proc = run_cli("sdp", str(f))
    assert proc.returncode == 2 and "binary data" in _stderr_line(proc.stderr)


def test_text_that_is_no_sdp(tmp_path: Path) -> None:
    f = tmp_path / "poem.txt"
    f.write_text("Roses are red\nviolets are blue\n")
    proc = run_cli("sdp", str(f))
    assert proc.returncode == 2
    assert "no SDP or ICE candidate lines found" in proc.stderr


def test_invalid_utf8_and_nul_bytes_still_audit_the_rest(tmp_path: Path) -> None:
    f = tmp_path / "mixed.sdp"
    f.write_bytes(b"v=0\n" + b"s=caf\xe9\n" + b"a=candidate:\x001 1 udp 1 10.0.0.1 1 typ host\n" + GOOD.encode())
    proc = run_cli("sdp", str(f), "--format", "json")
    report = json.loads(proc.stdout)
    messages = {(d["line"], d["message"].split(";")[0]) for d in report["inputs"][0]["diagnostics"]}
    assert (2, "invalid UTF-8 at byte 6") in messages
    assert (3, "NUL byte in line") in messages
    assert [c["address"] for c in report["candidates"]] == ["192.168.1.9"]
    assert report["inputs"][0]["status"] == "partial"
    assert proc.returncode == report["exit_code"] == 2  # read in part: the gate fails closed
    allowed = run_cli("sdp", str(f), "--format", "json", "--allow-partial")
    assert allowed.returncode == json.loads(allowed.stdout)["exit_code"] == 0  # a medium finding; fail-on high


def test_huge_line_is_skipped_with_its_line_number(tmp_path: Path) -> None:
    f = tmp_path / "long.sdp"
    with f.open("wb") as out:
        out.write(GOOD.encode())
        out.write(b"a=x:" + b"A" * (5 << 20) + b"\n")
        out.write(GOOD.replace("192.168.1.9", "10.9.9.9").encode())
    proc = run_cli("sdp", str(f), "--format", "json")
    report = json.loads(proc.stdout)
    (diag,) = report["inputs"][0]["diagnostics"]
    assert diag["line"] == 2 and "longer than" in diag["message"]
    assert [c["address"] for c in report["candidates"]] == ["192.168.1.9", "10.9.9.9"]


def test_only_malformed_candidates_exit_2_with_token(tmp_path: Path) -> None:
    f = tmp_path / "bad.sdp"
    f.write_text("a=candidate:1 1 udp 1 10.0.0.1 70000 typ host\n")
    proc = run_cli("sdp", str(f))
    assert proc.returncode == 2
    line = _stderr_line(proc.stderr)
    assert line.startswith(f"icecheck: {f}:1: malformed candidate") and "70000" in line


def test_one_bad_file_does_not_hide_a_good_one(tmp_path: Path) -> None:
    """The good file is still audited and reported; the missing one fails the run (tests/cli/test_gate_inputs.py)."""
    good = tmp_path / "good.sdp"
    good.write_text(GOOD)
    proc = run_cli("sdp", str(tmp_path / "missing.sdp"), str(good), "--format", "json")
    report = json.loads(proc.stdout)
    assert [i["status"] for i in report["inputs"]] == ["unreadable", "ok"]
    assert len(report["candidates"]) == 1 and proc.returncode == report["exit_code"] == 2


def test_usage_error_exits_2() -> None:
    proc = run_cli("sdp", "--fail-on", "bogus", "x")
    assert proc.returncode == 2 and "Invalid value" in proc.stderr


def test_unreadable_permission(tmp_path: Path) -> None:
    f = tmp_path / "secret.sdp"
    f.write_text(GOOD)
    os.chmod(f, 0)
    if os.geteuid() == 0:  # root reads anything; use a FIFO-free alternative: a path under a file
        proc = run_cli("sdp", str(f / "child"))
        assert proc.returncode == 2 and "Not a directory" in proc.stderr
    else:
        proc = run_cli("sdp", str(f))
        assert proc.returncode == 2 and "Permission denied" in proc.stderr


def test_a_candidate_longer_than_the_bound_is_one_diagnostic_not_held(tmp_path: Path) -> None:
    """Issue 11's memory budget: a candidate is held with its text (twice), so one of a megabyte
    each would let 200 MB of input hold some 400 MB; past ``candidate.MAX_LENGTH`` characters it
    is a malformed candidate (named by line, its text not echoed) and the input is partial."""
    from icecheck.inputs.candidate import MAX_LENGTH

    head = "a=candidate:2 1 udp 2122260223 192.168.1.10 5000 typ host generation 0 x-pad "
    f = tmp_path / "long.sdp"
    f.write_text(GOOD + head + "Q" * (MAX_LENGTH + 1 - len(head)) + "\n")
    proc = run_cli("scan", str(f), "--offline", "--format", "json")
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    assert [c["address"] for c in report["candidates"]] == ["192.168.1.9"]
    (diagnostic,) = report["inputs"][0]["diagnostics"]
    assert diagnostic["line"] == 2
    assert diagnostic["message"].startswith(f"malformed candidate: candidate longer than {MAX_LENGTH} characters")
    assert "QQQQ" not in proc.stdout + proc.stderr
