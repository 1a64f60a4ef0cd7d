"""Running ``python -m icecheck`` inside a lab namespace, as a user runs it there.

The CLI is this worktree's (``PYTHONPATH``), with a clean environment for the TURN password and
a fixed terminal width; ``icecheck`` returns the process with text output and its wall time.

Wall-time bounds in the lab tests are behaviour checks, not benchmarks: a run that waits for a
silent server costs seconds more than one that does not. ``startup`` measures, under the load of
the moment, what a run costs that waits for nothing (interpreter start, imports, host gathering),
and a bound is that plus the timeout plus ``SLACK``: the check holds on a loaded machine and
still fails when the deadline is not kept.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from tests.lab.netns import REPO, NatLab


def argv(*args: str, password: str | None = None) -> list[str]:
    """``python -m icecheck ARGS`` with a clean environment for the password, offline, GeoIP discovery and the
    terminal width."""
    env = ["env", "-u", "ICECHECK_TURN_PASSWORD", "-u", "ICECHECK_OFFLINE", f"PYTHONPATH={REPO}", "COLUMNS=200",
           "NO_COLOR=1", "ICECHECK_NO_GEOIP_DISCOVERY=1"]  # fmt: skip
    if password is not None:
        env.append(f"ICECHECK_TURN_PASSWORD={password}")
    return [*env, sys.executable, "-m", "icecheck", *args]


def icecheck(
    lab: NatLab, *args: str, password: str | None = None, timeout: float = 60
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the CLI in the client namespace: (process with text output, wall seconds)."""
    start = time.perf_counter()
    proc = lab.exec(lab.client, *argv(*args, password=password), check=False, timeout=timeout)
    seconds = time.perf_counter() - start
    out = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    assert "Traceback" not in out.stderr, out.stderr
    return out, seconds


SLACK = 1.0  # seconds beyond startup + timeout; a run that waited for a silent DNS server is 5 s late


def startup(lab: NatLab) -> float:
    """Wall seconds of ``gather --offline`` in the client namespace now: a run that waits for nothing."""
    proc, seconds = icecheck(lab, "gather", "--offline", "--no-ipv6", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    return seconds


def report(
    lab: NatLab, *args: str, password: str | None = None, timeout: float = 60
) -> tuple[int, dict[str, Any], str]:
    """The CLI's ``--format json`` report (its exit code checked against the report's), and stderr."""
    proc, _ = icecheck(lab, *args, "--format", "json", password=password, timeout=timeout)
    data = json.loads(proc.stdout)
    assert data["exit_code"] == proc.returncode
    return proc.returncode, data, proc.stderr
