"""Policy as code: discovery, validation with file:line errors, flags over the file, allowlists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from icecheck.config import ConfigError, find_config, load_policy
from icecheck.model import Severity
from tests.conftest import REPO, SAMPLES, run_cli

CHROMIUM = str(SAMPLES / "real" / "chromium-default-mdns.sdp")  # srflx 203.0.113.1, relay .10 raddr .1
RELAY_ONLY = str(SAMPLES / "real" / "chromium-relay-only.sdp")


def icecheck_in(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with ``cwd`` as working directory (policy files are searched from there)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "icecheck", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=60)  # fmt: skip
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def report_in(cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = icecheck_in(cwd, *args, "--format", "json")
    return proc.returncode, json.loads(proc.stdout)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_full_file_becomes_a_policy(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / ".icecheck.toml",
        """
preset = "relay-only"
fail-on = "medium"
[rules]
ICE011 = "off"
ICE010 = false
ICE012 = true
ICE005 = "high"
[allow]
relays = ["203.0.113.10"]
addresses = ["198.51.100.0/24", "2001:db8::/32"]
""",
    )
    policy = load_policy(cfg)
    assert policy.preset == policy.name == "relay-only" and policy.fail_on is Severity.MEDIUM
    assert policy.disabled == {"ICE010", "ICE011"} and policy.severities == {"ICE005": Severity.HIGH}
    assert policy.relays == ("203.0.113.10/32",) and policy.allow == ("198.51.100.0/24", "2001:db8::/32")
    assert policy.source == str(cfg)


def test_search_upward_and_pyproject_table(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) is None or not str(find_config(deep)).startswith(str(tmp_path))
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")  # no [tool.icecheck]: not ours
    assert find_config(deep) is None or not str(find_config(deep)).startswith(str(tmp_path))
    write(tmp_path / "a" / "pyproject.toml", '[tool.icecheck]\npreset = "no-host-ip"\n')
    assert find_config(deep) == tmp_path / "a" / "pyproject.toml"
    assert load_policy(tmp_path / "a" / "pyproject.toml").preset == "no-host-ip"
    write(deep / ".icecheck.toml", 'fail-on = "low"\n')
    assert find_config(deep) == deep / ".icecheck.toml"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ('preset = "relay-only"\nfail-on = "medum"\n', 2, "fail-on must be one of"),
        ('preset = "everything"\n', 1, "preset must be one of"),
        ('[rules]\nICE099 = "off"\n', 2, "unknown rule 'ICE099'"),
        ('[rules]\nICE001 = "loud"\n', 2, "ICE001 must be one of"),
        ('colour = "red"\n', 1, "unknown key 'colour'"),
        ('[allow]\nrelays = ["turn.example.com"]\n', 2, "not an IP address"),
        ("[allow]\nnets = []\n", 2, "unknown key 'nets' in [allow]"),
        ('preset = "relay-only\n', 1, "invalid TOML"),
        ("[rules]\nICE001 = 'off'\n[rules]\n", 3, "invalid TOML"),
    ],
)
def test_bad_config_is_one_line_with_file_and_line(tmp_path: Path, text: str, line: int, needle: str) -> None:
    cfg = write(tmp_path / ".icecheck.toml", text)
    with pytest.raises(ConfigError) as info:
        load_policy(cfg)
    assert info.value.line == line and needle in info.value.message
    proc = icecheck_in(tmp_path, "sdp", CHROMIUM)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith(f"icecheck: {cfg}:{line}: ") and needle in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_missing_explicit_config_exits_2() -> None:
    proc = run_cli("sdp", CHROMIUM, "--config", "/nonexistent/icecheck.toml")
    assert proc.returncode == 2 and "cannot read the policy file" in proc.stderr


def test_file_policy_applies_and_flags_override(tmp_path: Path) -> None:
    write(tmp_path / ".icecheck.toml", 'preset = "relay-only"\nfail-on = "info"\n[rules]\nICE005 = "off"\n')
    code, report = report_in(tmp_path, "sdp", CHROMIUM)
    rules = {f["rule"] for f in report["findings"]}
    assert code == 1 and report["policy"] == "relay-only" and report["fail_on"] == "info"
    assert "ICE014" in rules and "ICE005" not in rules
    code, report = report_in(tmp_path, "sdp", CHROMIUM, "--policy", "default", "--fail-on", "high")
    assert report["policy"] == "default" and report["fail_on"] == "high"
    assert {f["rule"] for f in report["findings"]} == {"ICE006"}  # ICE005 still off: the file's rules stay
    code, report = report_in(tmp_path, "sdp", CHROMIUM, "--no-config")
    assert {f["rule"] for f in report["findings"]} == {"ICE005", "ICE006"}


def test_explicit_config_beats_discovery(tmp_path: Path) -> None:
    write(tmp_path / ".icecheck.toml", 'preset = "relay-only"\n')
    other = write(tmp_path / "ci" / "strict.toml", 'preset = "no-host-ip"\nfail-on = "low"\n')
    _, report = report_in(tmp_path, "sdp", CHROMIUM, "--config", str(other))
    assert report["policy"] == "no-host-ip" and report["fail_on"] == "low"


def test_allowlisted_addresses_drop_findings(tmp_path: Path) -> None:
    # The public address 203.0.113.1 is the office's own egress: its ICE005 finding goes.
    write(tmp_path / ".icecheck.toml", '[allow]\naddresses = ["203.0.113.0/28"]\n')
    _, report = report_in(tmp_path, "sdp", CHROMIUM)
    assert {f["rule"] for f in report["findings"]} == set()
    # Only the relay allowed: the relay's raddr (203.0.113.1) still leaks, ICE005 still shows.
    write(tmp_path / ".icecheck.toml", '[allow]\nrelays = ["203.0.113.10"]\n')
    _, report = report_in(tmp_path, "sdp", CHROMIUM)
    assert {f["rule"] for f in report["findings"]} == {"ICE005", "ICE006"}


def test_relay_allowlist_under_relay_only(tmp_path: Path) -> None:
    write(tmp_path / ".icecheck.toml", 'preset = "relay-only"\n[allow]\nrelays = ["203.0.113.10"]\n')
    code, report = report_in(tmp_path, "sdp", RELAY_ONLY)
    assert code == 0 and report["findings"] == []
    write(tmp_path / ".icecheck.toml", 'preset = "relay-only"\n[allow]\nrelays = ["198.51.100.7"]\n')
    code, report = report_in(tmp_path, "sdp", RELAY_ONLY)
    messages = [f["message"] for f in report["findings"] if f["rule"] == "ICE014"]
    assert code == 1 and messages and "not on an allowed TURN relay" in messages[0]


def test_rules_and_explain() -> None:
    proc = run_cli("rules")
    assert proc.returncode == 0 and "ICE006" in proc.stdout and "relay-raddr-leak" in proc.stdout
    rows = json.loads(run_cli("rules", "--format", "json").stdout)
    assert [r["id"] for r in rows] == [f"ICE{n:03d}" for n in range(1, 21)]
    assert all(r["help_uri"].endswith("#" + r["id"].lower()) for r in rows)
    proc = run_cli("explain", "ICE006")
    assert proc.returncode == 0 and "severity: high" in proc.stdout and "typ relay raddr 203.0.113.77" in proc.stdout
    assert "docs/rules.md#ice006" in proc.stdout and "libwebrtc zeroes it" in proc.stdout
    assert run_cli("explain", "relay-raddr-leak").stdout == proc.stdout
    bad = run_cli("explain", "ICE999")
    assert bad.returncode == 2 and "unknown rule" in bad.stderr
