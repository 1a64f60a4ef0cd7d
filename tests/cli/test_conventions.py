"""The conventions users know from ruff, bandit and pip-audit: short flags, any-case values, -q/-v,
--exit-zero, --select/--ignore, "did you mean", examples in every help, options checked by name,
conflicts refused, settings shown with their origin, completion, the rule's sample inline."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from icecheck.analysis.rules import CATALOGUE
from icecheck.commands import COMMANDS
from tests.conftest import REPO, SAMPLES, run_cli
from tests.schemas import errors

ICE001 = str(SAMPLES / "rules" / "ICE001.sdp")  # one medium finding (ICE001)
CHROMIUM = str(SAMPLES / "real" / "chromium-default-mdns.sdp")  # ICE005 (medium) and ICE006 (high)


def test_format_takes_short_flag_and_any_case() -> None:
    for args in (("sdp", ICE001), ("scan", ICE001), ("diff", ICE001, CHROMIUM), ("rules",), ("config",)):
        proc = run_cli(*args, "-f", "JSON")
        assert proc.stdout.startswith(("{", "[")), (args, proc.stderr)
        json.loads(proc.stdout)


def test_every_command_has_examples_a_whole_summary_and_one_metavar_per_meaning() -> None:
    listing = run_cli("--help").stdout
    rows = listing[listing.index("Commands:") :].splitlines()[1:]
    assert [row.split()[0] for row in rows if row.strip()] == list(COMMANDS)
    for row in rows:
        assert "..." not in row and row.rstrip().endswith("."), row  # summaries read whole
    for name in COMMANDS:
        text = run_cli(name, "--help").stdout
        assert re.search(r"^  Examples:\n    .*icecheck ", text, re.M), name
        for flag, metavar in (
            ("-o, --output", "FILE"),
            ("--config", "FILE"),
            ("--resolver", "IP[:PORT]"),
            ("--fail-on", "SEVERITY"),
            ("--timeout", "SECONDS"),
            ("--lookup-timeout", "SECONDS"),
        ):
            m = re.search(rf"^  {re.escape(flag)} (\S+)", text[text.index("Options:") :], re.M)
            assert m is None or m.group(1) == metavar, (name, flag, m.group(1) if m else None)


def test_did_you_mean_for_commands_options_and_rules() -> None:
    proc = run_cli("scna", ICE001)
    assert proc.returncode == 2 and "No such command 'scna'. Did you mean 'scan'?" in proc.stderr
    proc = run_cli("sdp", ICE001, "--fromat", "json")
    assert proc.returncode == 2 and "Did you mean '--format'?" in proc.stderr
    proc = run_cli("sdp", ICE001, "--ignore", "relay-raddr-lek")
    assert proc.returncode == 2 and "'--ignore'" in proc.stderr and "did you mean relay-raddr-leak?" in proc.stderr
    assert run_cli("explain", "ice6").stdout.startswith("ICE006 relay-raddr-leak")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--max-lookups", "-1"), "'--max-lookups'"),
        (("--lookup-timeout", "0"), "'--lookup-timeout'"),
        (("--lookup-timeout", "-5"), "'--lookup-timeout'"),
        (("--resolver", "notanip"), "'--resolver'"),
        (("--fail-on", "severe"), "'--fail-on'"),
        (("--select", "ICE999"), "'--select'"),
        (("--offline", "--refresh"), "--refresh with --offline"),
        (("--offline", "--resolver", "127.0.0.1"), "--resolver with --offline"),
        (("--no-cache", "--refresh"), "--refresh with --no-cache"),
        (("--no-config", "--config", "bad.toml"), "--config with --no-config"),
        (("-q", "-v"), "--verbose with --quiet"),
        (("-q", "-f", "json"), "-q shapes the text report"),
    ],
)
def test_bad_values_name_their_option_and_conflicts_are_refused(args: tuple[str, ...], named: str) -> None:
    proc = run_cli("sdp", ICE001, *args)
    assert proc.returncode == 2 and named in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == ""


def test_gather_refuses_turn_credentials_without_a_turn_server() -> None:
    proc = run_cli("gather", "--offline", "--turn-user", "alice")
    assert proc.returncode == 2 and "--turn-user does nothing without --turn" in proc.stderr


def test_quiet_verbose_and_exit_zero() -> None:
    full = run_cli("sdp", CHROMIUM, "--no-config").stdout
    quiet = run_cli("sdp", CHROMIUM, "--no-config", "-q")
    assert quiet.returncode == 1 and full.startswith(quiet.stdout.rstrip("\n"))
    assert "Findings" in quiet.stdout and "What an attacker learns" not in quiet.stdout
    verbose = run_cli("sdp", CHROMIUM, "--no-config", "-v").stdout
    assert "[c" in verbose[verbose.index("Findings") : verbose.index("What an attacker learns")]
    zero = run_cli("sdp", CHROMIUM, "--no-config", "--exit-zero", "-f", "json")
    assert zero.returncode == 0 and json.loads(zero.stdout)["exit_code"] == 0
    assert run_cli("sdp", str(SAMPLES / "missing.sdp"), "--exit-zero").returncode == 2  # 2 stays


def test_select_and_ignore_narrow_the_policy_file(tmp_path: Path) -> None:
    policy = tmp_path / ".icecheck.toml"
    policy.write_text('[rules]\nICE005 = "off"\n')

    def rules(*args: str) -> set[str]:
        proc = run_cli("sdp", CHROMIUM, "--config", str(policy), "-f", "json", *args)
        return {f["rule"] for f in json.loads(proc.stdout)["findings"]}

    assert rules() == {"ICE006"}  # the file turned ICE005 off
    assert rules("--ignore", "ICE006") == set()  # merged: both off
    assert rules("--select", "ICE005,ICE006") == {"ICE006"}  # select narrows, the file's "off" stays
    assert rules("--select", "relay-raddr-leak", "--select", "ICE001") == {"ICE006"}


def test_the_verdict_and_icecheck_config_name_the_policy_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.icecheck]\npreset = "relay-only"\nfail-on = "medium"\n')
    (tmp_path / "sub").mkdir()
    env = {"PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "icecheck"]
    proc = subprocess.run([*argv, "sdp", ICE001, "--offline"], cwd=tmp_path / "sub", capture_output=True, text=True,
                          env={**_env(), **env}, check=False)  # fmt: skip
    first = " ".join(proc.stdout.split("\n\n")[0].split())
    assert first.startswith("icecheck: FAIL") and "(policy relay-only from ../pyproject.toml)" in first
    proc = subprocess.run([*argv, "config", "-f", "json", "--fail-on", "low", "--offline"], cwd=tmp_path / "sub",
                          capture_output=True, text=True, env={**_env(), **env}, check=False)  # fmt: skip
    doc = json.loads(proc.stdout)
    assert errors("config", doc) == []
    where = {s["name"]: (s["value"], s["source"]) for s in doc["settings"]}
    assert where["policy"] == ("relay-only", "policy file ../pyproject.toml")
    assert where["fail-on"] == ("low", "command line (--fail-on)")
    assert where["lookups"] == ("offline (cache only)", "command line (--offline)")
    assert where["max lookups"] == ("256", "default")
    text = subprocess.run([*argv, "config"], cwd=tmp_path / "sub", capture_output=True, text=True,
                          env={**_env(), **env, "ICECHECK_OFFLINE": "1"}, check=False).stdout  # fmt: skip
    assert re.search(r"^lookups +offline \(cache only\) +environment \(ICECHECK_OFFLINE\)$", text, re.M), text


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in ("ICECHECK_OFFLINE", "COLUMNS")}


def test_output_never_overwrites_an_input_and_write_errors_are_one_line(tmp_path: Path) -> None:
    offer = tmp_path / "offer.sdp"
    offer.write_bytes(Path(ICE001).read_bytes())
    for command in ("sdp", "scan"):
        proc = run_cli(command, str(offer), "-o", str(offer))
        assert proc.returncode == 2 and proc.stderr.startswith("icecheck: -o ") and "is an input" in proc.stderr
        assert offer.read_bytes() == Path(ICE001).read_bytes()  # untouched
    proc = run_cli("scan", str(tmp_path), "-o", str(offer))  # inside a folder given
    assert proc.returncode == 2 and offer.read_bytes() == Path(ICE001).read_bytes()
    proc = run_cli("diff", str(offer), CHROMIUM, "-o", str(offer))
    assert proc.returncode == 2 and "is an input" in proc.stderr
    if Path("/dev/full").exists():
        proc = run_cli("sdp", str(offer), "-o", "/dev/full")
        assert proc.returncode == 2 and proc.stderr.splitlines() == [
            "icecheck: cannot write the report to /dev/full: No space left on device"
        ]


def test_a_file_gets_no_styles_whatever_force_color_says(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    proc = run_cli("sdp", CHROMIUM, "-o", str(out), env={"FORCE_COLOR": "1", "TERM": "xterm-256color"})
    assert proc.returncode == 1 and "\x1b" not in out.read_text() and out.read_text().startswith("icecheck: FAIL")
    assert "\x1b[" in run_cli("sdp", CHROMIUM, env={"FORCE_COLOR": "1", "TERM": "xterm-256color"}).stdout


def test_completion_scripts_complete_commands_and_values() -> None:
    for shell in ("bash", "zsh", "fish", "BASH"):
        proc = run_cli("completion", shell)
        assert proc.returncode == 0 and "_ICECHECK_COMPLETE" in proc.stdout, shell
    env = {"_ICECHECK_COMPLETE": "bash_complete", "COMP_WORDS": "icecheck sc", "COMP_CWORD": "1"}
    assert run_cli(env=env).stdout.split() == ["plain,scan"]
    env = {"_ICECHECK_COMPLETE": "bash_complete", "COMP_WORDS": "icecheck sdp --fail-on ", "COMP_CWORD": "3"}
    assert run_cli(env=env).stdout.split() == [f"plain,{s}" for s in ("info", "low", "medium", "high")]
    assert run_cli("completion", "powershell").returncode == 2


def test_explain_prints_the_fix_and_the_sample_inline(tmp_path: Path) -> None:
    text = run_cli("explain", "ICE006").stdout
    rule = CATALOGUE["ICE006"]
    assert rule.title in text and f"Fix: {rule.fix}" in text and "samples/" not in text
    sample = "\n".join(line[4:] for line in text.splitlines() if line.startswith("    ")) + "\n"
    (tmp_path / "sample.sdp").write_text(sample)
    report = json.loads(run_cli("sdp", str(tmp_path / "sample.sdp"), "-f", "json").stdout)
    assert "ICE006" in {f["rule"] for f in report["findings"]}  # the sample shown triggers the rule


def test_no_click_api_that_the_newest_click_deprecates_or_types_final() -> None:
    """A fresh clone installs the newest click, and its tests start with mypy --strict: click 8.5
    deprecates get_binary_stream (mypy: '"object" not callable') and types ClickException.message
    Final (mypy: 'Cannot assign to final attribute'), so ./scripts/run-tests failed there."""
    for path in sorted((REPO / "icecheck").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bget_(binary|text)_stream\b", text), path
        assert not re.search(r"\bexc\.message\s*=", text), path


def test_offline_is_accepted_by_every_command_and_means_what_the_variable_means(tmp_path: Path) -> None:
    """``--offline`` and ICECHECK_OFFLINE=1 mean the same on every command (issue 11, item 2): on those
    that never send a packet the flag is accepted (it was "No such option") and changes nothing."""
    runs = {
        "diff": ["diff", ICE001, CHROMIUM],
        "redact": ["redact", ICE001, "-o", str(tmp_path / "out.sdp")],
        "rules": ["rules"],
        "explain": ["explain", "ICE001"],
        "completion": ["completion", "bash"],
    }
    assert set(runs) | {"sdp", "scan", "gather", "nat", "browser", "serve", "config"} == set(COMMANDS)
    for name, args in runs.items():
        by_variable = run_cli(*args)  # run_cli sets ICECHECK_OFFLINE=1
        by_flag = run_cli(*args, "--offline", env={"ICECHECK_OFFLINE": ""})
        assert (by_flag.returncode, by_flag.stdout) == (by_variable.returncode, by_variable.stdout), name
        assert by_flag.returncode in (0, 1) and "--offline" in run_cli(name, "--help").stdout, by_flag.stderr
