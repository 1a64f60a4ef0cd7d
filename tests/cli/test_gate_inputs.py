"""A gate never passes on nothing: every input named on the command line that cannot be read
(missing, unreadable, unrecognised, nothing to audit) makes the run exit 2 after the report of the
others is written, and the verdict line names it. Files met while walking a folder that hold no
signalling are skipped and counted, not errors. An input read only in part is named too.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES, run_cli

CLEAN = SAMPLES / "rules" / "clean-relay-only.sdp"  # audits to no finding: exit 0 on its own
CAPTURE = SAMPLES / "captures" / "sip-tcp-sll.pcap"
BAD_LINE = "a=candidate:1 1 udp notanumber 192.168.1.9 5000 typ host\n"


def _verdict(stdout: str) -> str:
    """The terminal report's last line (the verdict), unwrapped."""
    paragraphs = stdout.strip().split("\n\n")
    return " ".join(paragraphs[-1].split())


def _json(*args: str) -> tuple[int, dict[str, Any], str]:
    proc = run_cli(*args, "--offline", "--format", "json")
    return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.fixture
def partial(tmp_path: Path) -> Path:
    """A clean SDP plus one malformed candidate line: read in part."""
    path = tmp_path / "partial.sdp"
    path.write_text(CLEAN.read_text() + BAD_LINE)
    return path


def test_sanity_the_clean_input_passes_alone() -> None:
    proc = run_cli("sdp", str(CLEAN), "--offline")
    assert proc.returncode == 0 and _verdict(proc.stdout).endswith("(policy default) → exit 0")


@pytest.mark.parametrize("command", ["sdp", "scan"])
def test_a_missing_input_fails_after_the_others_are_reported(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "typo.sdp"
    proc = run_cli(command, str(CLEAN), str(missing), "--offline")
    assert proc.returncode == 2
    assert "198.51.100.200" in proc.stdout  # the clean input's report is written
    assert _verdict(proc.stdout) == (
        f"icecheck: INCOMPLETE — no findings at or above fail-on high (policy default); 1 input not read: {missing}"
        " → exit 2"
    )
    assert f"icecheck: {missing}: No such file or directory" in proc.stderr
    code, report, _ = _json(command, str(CLEAN), str(missing))
    assert code == report["exit_code"] == 2 and len(report["candidates"]) == 1
    assert [(Path(i["path"]).name, i["status"]) for i in report["inputs"]] == [
        ("clean-relay-only.sdp", "ok"),
        ("typo.sdp", "unreadable"),
    ]


@pytest.mark.parametrize(
    ("command", "content", "why"),
    [
        ("sdp", b"", "the file is empty"),  # nothing to audit
        ("sdp", bytes(range(256)) * 8, "binary data, not SDP text"),  # unreadable as SDP
        ("sdp", b"v=0\ns=-\nt=0 0\n", "nothing to audit"),  # SDP without a candidate or an address
        ("scan", b"", "empty file"),
        ("scan", b"\x89PNG\r\n\x1a\n" + bytes(100), "unrecognised content"),
        ("scan", b'{"x": 1}', "not signalling"),
    ],
    ids=["sdp-empty", "sdp-binary", "sdp-no-candidate", "scan-empty", "scan-unrecognised", "scan-json-not-signalling"],
)
def test_a_named_input_that_gives_nothing_fails(tmp_path: Path, command: str, content: bytes, why: str) -> None:
    bad = tmp_path / "bad.input"
    bad.write_bytes(content)
    proc = run_cli(command, str(CLEAN), str(bad), "--offline")
    assert proc.returncode == 2 and "198.51.100.200" in proc.stdout
    assert _verdict(proc.stdout).endswith(f"1 input not read: {bad} → exit 2")
    assert why in proc.stderr and str(bad) in proc.stderr


def test_only_bad_inputs_write_no_text_report_but_json_still_says_why(tmp_path: Path) -> None:
    proc = run_cli("sdp", str(tmp_path / "a.sdp"), str(tmp_path / "b.sdp"), "--offline")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("No such file or directory") == 2
    code, report, _ = _json("sdp", str(tmp_path / "a.sdp"))
    assert code == report["exit_code"] == 2 and report["inputs"][0]["status"] == "unreadable"


def test_a_partly_read_input_fails_closed_unless_allowed(partial: Path) -> None:
    proc = run_cli("sdp", str(partial), "--offline")
    assert proc.returncode == 2  # what could not be read may hold the leak: the gate does not pass on it
    assert _verdict(proc.stdout) == (
        "icecheck: INCOMPLETE — no findings at or above fail-on high (policy default); 1 input partly read: "
        f"{partial} (not allowed without --allow-partial) → exit 2"
    )
    assert proc.stderr.startswith(f"icecheck: {partial}:") and "exit 2 without --allow-partial" in proc.stderr
    allowed = run_cli("sdp", str(partial), "--offline", "--allow-partial")
    assert allowed.returncode == 0  # what was read is clean: the gate judges it
    assert _verdict(allowed.stdout) == (
        f"icecheck: PASS — no findings at or above fail-on high (policy default); 1 input partly read: {partial}"
        " (allowed by --allow-partial) → exit 0"
    )
    assert allowed.stderr == ""


def test_the_verdict_names_both_kinds(tmp_path: Path, partial: Path) -> None:
    missing = tmp_path / "gone.sdp"
    proc = run_cli("sdp", str(partial), str(missing), "--offline")
    assert proc.returncode == 2
    assert _verdict(proc.stdout).endswith(
        f"1 input not read: {missing}; 1 input partly read: {partial} (not allowed without --allow-partial) → exit 2"
    )


def test_github_and_markdown_verdicts_name_the_input(tmp_path: Path) -> None:
    missing = tmp_path / "typo.sdp"
    github = run_cli("sdp", str(CLEAN), str(missing), "--offline", "--format", "github")
    assert github.returncode == 2
    assert github.stdout.splitlines()[-1] == (
        f"icecheck: no findings; policy default, fail-on high; 1 input not read: {missing} → exit 2"
    )
    markdown = run_cli("sdp", str(CLEAN), str(missing), "--offline", "--format", "markdown")
    assert markdown.returncode == 2
    assert markdown.stdout.startswith("## icecheck: ⚠️ inputs not read")
    assert "1 input not read: " in markdown.stdout and "typo.sdp" in markdown.stdout


def test_a_hostile_name_is_escaped_in_the_verdict(tmp_path: Path) -> None:
    missing = tmp_path / "x\x1b]8;;http://e.test\x07y\u202e.sdp"
    proc = run_cli("sdp", str(CLEAN), str(missing), "--offline")
    assert proc.returncode == 2
    verdict = _verdict(proc.stdout)
    assert "\x1b" not in verdict and "\u202e" not in verdict and "\x07" not in verdict


def _folder(tmp_path: Path) -> Path:
    """A folder as users have them: signalling beside notes, a binary blob and an unrelated JSON file."""
    folder = tmp_path / "bug-report"
    folder.mkdir()
    shutil.copy(CAPTURE, folder / "call.pcap")
    (folder / "notes.txt").write_text("the call dropped after 3 s\n")
    (folder / "blob.bin").write_bytes(b"\x00\x01binary junk" * 10)
    (folder / "package.json").write_text('{"name": "app", "version": "1.0.0"}')
    return folder


def test_files_without_signalling_in_a_folder_are_skipped_and_counted(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    code, report, stderr = _json("scan", str(folder), "--fail-on", "info")
    assert [Path(i["path"]).name for i in report["inputs"] if i["status"] != "skipped"] == ["call.pcap"]
    assert sorted(Path(i["path"]).name for i in report["inputs"] if i["status"] == "skipped") == [
        "blob.bin",
        "notes.txt",
        "package.json",
    ]
    assert code == report["exit_code"] == 1  # the capture's findings decide, not the skipped files
    assert "notes.txt" not in stderr and "blob.bin" not in stderr
    proc = run_cli("scan", str(folder), "--offline")
    assert "not read" not in _verdict(proc.stdout)
    assert "3 files without signalling skipped" in " ".join(proc.stdout.split())


def test_a_named_file_is_never_skipped(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    code, report, _ = _json("scan", str(folder), str(folder / "notes.txt"))
    assert code == 2
    assert [(Path(i["path"]).name, i["status"]) for i in report["inputs"] if i["status"] != "skipped"] == [
        ("call.pcap", "ok"),
        ("notes.txt", "unreadable"),
    ]


@pytest.mark.parametrize("files", [[], ["notes.txt", "blob.bin"]], ids=["empty", "no-signalling"])
def test_a_folder_with_nothing_to_audit_fails(tmp_path: Path, files: list[str]) -> None:
    folder = tmp_path / "captures"
    folder.mkdir()
    for name in files:
        (folder / name).write_text("not signalling\n")
    proc = run_cli("scan", str(CLEAN), str(folder), "--offline")
    assert proc.returncode == 2
    assert _verdict(proc.stdout).endswith(f"1 input not read: {folder} → exit 2")
    assert f"icecheck: {folder}: no file in this folder" in proc.stderr
    code, report, _ = _json("scan", str(folder))
    shown = [(i["kind"], i["status"]) for i in report["inputs"] if i["status"] != "skipped"]
    assert code == 2 and shown == [("folder", "empty")]


def test_a_folder_file_that_cannot_be_read_fails_closed(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "moved.pcap").symlink_to(tmp_path / "nowhere.pcap")  # listed in the folder, unreadable
    proc = run_cli("scan", str(folder), "--offline")
    assert proc.returncode == 2  # it might have held signalling: never skipped
    assert _verdict(proc.stdout).endswith(f"1 input not read: {folder / 'moved.pcap'} → exit 2")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_fifo_in_a_folder_is_passed_over(tmp_path: Path, jobs: str) -> None:
    """Walking a folder never opens a FIFO (nothing may ever write to it: the run hung), a socket or a
    device; a dangling link is still read, and fails closed (the test above)."""
    folder = tmp_path / "bug-report"
    folder.mkdir()
    shutil.copy(CLEAN, folder / "offer.sdp")
    os.mkfifo(folder / "pipe")
    proc = run_cli("scan", str(folder), "--offline", "--jobs", jobs, timeout=60)
    assert proc.returncode == 0 and "198.51.100.200" in proc.stdout, proc.stderr


def test_diff_names_an_unread_input_of_a_report_side(tmp_path: Path) -> None:
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(run_cli("sdp", str(CLEAN), "--offline", "--format", "json").stdout)
    after.write_text(run_cli("sdp", str(CLEAN), str(tmp_path / "typo.sdp"), "--offline", "--format", "json").stdout)
    proc = run_cli("diff", str(before), str(after))
    assert proc.returncode == 2  # B's audit is incomplete: "nothing gained" would claim too much
    assert proc.stdout.splitlines()[-1].endswith(f"1 input not read: {after}: {tmp_path / 'typo.sdp'} → exit 2")
    assert json.loads(run_cli("diff", str(before), str(after), "--format", "json").stdout)["exit_code"] == 2
    assert run_cli("diff", str(before), str(before)).returncode == 0


def test_diff_with_a_partly_read_side_fails_closed_unless_allowed(partial: Path) -> None:
    """What was not read may hold what B gained: exit 2, as sdp and scan, unless --allow-partial."""
    proc = run_cli("diff", str(CLEAN), str(partial))
    assert proc.returncode == 2
    tail = f"1 input partly read: {partial} (not allowed without --allow-partial) → exit 2"
    assert proc.stdout.splitlines()[-1].endswith(tail)
    allowed = run_cli("diff", str(CLEAN), str(partial), "--allow-partial")
    assert allowed.returncode == 0
    assert allowed.stdout.splitlines()[-1].endswith(
        f"1 input partly read: {partial} (allowed by --allow-partial) → exit 0"
    )
    assert json.loads(run_cli("diff", str(CLEAN), str(partial), "--format", "json").stdout)["exit_code"] == 2


@pytest.mark.parametrize("command", ["diff", "redact"])
def test_diff_and_redact_fail_on_a_missing_input(tmp_path: Path, command: str) -> None:
    args = [str(CLEAN), str(tmp_path / "typo.sdp")] if command == "diff" else [str(tmp_path / "typo.sdp")]
    proc = run_cli(command, *args)
    assert proc.returncode == 2 and f"{tmp_path / 'typo.sdp'}: No such file or directory" in proc.stderr
