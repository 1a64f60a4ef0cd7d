"""Folders and streams: scan DIR skips files without signalling quietly, scan - reads stdin."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs.scanner import scan_inputs
from icecheck.model import InputDocument, InputKind, InputStatus
from icecheck.render.terminal import Detail, render
from tests.conftest import REPO, SAMPLES, run_cli

OFFER = (SAMPLES / "rules" / "ICE001.sdp").read_bytes()


def _tree(root: Path) -> Path:
    """A source tree with one offer among files that hold no signalling (and one broken capture)."""
    (root / "src").mkdir(parents=True)
    (root / "offer.sdp").write_bytes(OFFER)
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (root / "README.md").write_text("# x\n\nNothing here.\n")
    (root / "src" / "app.py").write_text('import sys\n\nprint("hello", file=sys.stderr)\n')
    (root / "src" / "settings.json").write_text('{"debug": true}\n')
    (root / "empty.txt").write_text("")
    return root


def test_a_folder_skips_files_without_signalling_quietly(tmp_path: Path) -> None:
    root = _tree(tmp_path / "tree")
    proc = run_cli("scan", "--offline", "--no-config", str(root))
    assert proc.returncode == 0 and proc.stderr == ""
    assert "error:" not in proc.stdout and "warning:" not in proc.stdout and "Input problems" not in proc.stdout
    assert "from 1 input; 5 files without signalling skipped" in " ".join(proc.stdout.split())
    report = json.loads(run_cli("scan", "--offline", "--no-config", str(root), "--format", "json").stdout)
    statuses = {Path(d["path"]).name: d["status"] for d in report["inputs"]}
    assert statuses == {"offer.sdp": "ok", "pyproject.toml": "skipped", "README.md": "skipped", "app.py": "skipped",
                        "settings.json": "skipped", "empty.txt": "skipped"}  # fmt: skip
    run = scan_inputs([str(root)])
    skipped = [InputDocument(p, InputKind.UNKNOWN, InputStatus.SKIPPED) for p in run.skipped]
    docs = [o.document for o in run.outputs] + skipped
    verbose = render(audit(docs, AuditSettings(preset("default"))), 0, 100, Detail.VERBOSE).plain
    assert "Skipped: no signalling found" in verbose and str(root / "pyproject.toml") in verbose  # -v lists them


def test_a_file_named_is_still_reported_and_a_folder_without_signalling_exits_2(tmp_path: Path) -> None:
    root = _tree(tmp_path / "tree")
    proc = run_cli("scan", "--offline", "--no-config", str(root / "pyproject.toml"))
    assert proc.returncode == 2 and "pyproject.toml" in proc.stderr
    (root / "offer.sdp").unlink()
    broken = root / "call.pcap"
    broken.write_bytes(b"\xd4\xc3\xb2\xa1\x02\x00")  # a capture cut short: meant to be read, so reported
    proc = run_cli("scan", "--offline", "--no-config", str(root))
    assert proc.returncode == 2 and "call.pcap" in proc.stderr and "pyproject.toml" not in proc.stdout + proc.stderr


def test_scan_dash_reads_standard_input() -> None:
    capture = (SAMPLES / "captures" / "sip-tcp-sll.pcap").read_bytes()
    argv = [sys.executable, "-m", "icecheck", "scan", "--offline", "--no-config", "-", "--format", "json"]
    proc = subprocess.run(argv, input=capture, capture_output=True, cwd=REPO, timeout=120, check=False)
    report = json.loads(proc.stdout)
    assert [d["path"] for d in report["inputs"]] == ["<stdin>"] and report["inputs"][0]["kind"] == "pcap"
    assert report["candidates"] and all(c["origin"]["path"] == "<stdin>" for c in report["candidates"])
    text = run_cli("scan", "--offline", "--no-config", "-", stdin=OFFER).stdout
    assert "<stdin>:" in text and text.startswith("icecheck: PASS")


def test_standard_input_is_copied_to_a_file_and_the_copy_removed(tmp_path: Path) -> None:
    """stdin was read whole into memory (74 MB of it peaked at 140 MB, a file of it at 60 MB): it is
    now copied to a temporary file as it is read, and that file is gone when the run ends."""
    capture = gzip.compress((SAMPLES / "captures" / "sip-tcp-sll.pcap").read_bytes())
    argv = [sys.executable, "-m", "icecheck", "scan", "--offline", "--no-config", "-", "--format", "json"]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run(argv, input=capture, capture_output=True, cwd=REPO, timeout=120, check=False, env=env)
    report = json.loads(proc.stdout)
    assert report["inputs"][0]["path"] == "<stdin>" and report["candidates"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("icecheck-input-")]
