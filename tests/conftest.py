"""Shared test helpers: where the test data lives, and running the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"  # data from other projects, with provenance: tests/data/README.md
SAMPLES = REPO / "samples"


def unavailable(reason: str) -> None:
    """A test's real component is missing: the test fails (never skips), naming it.
    ``./scripts/run-tests`` installs the Debian packages the suite needs, and .ci/run installs and
    starts everything, so a missing component is a broken set-up, not a test to pass over."""
    pytest.fail(f"{reason} (./scripts/run-tests installs what the suite needs)")


def run_cli(
    *args: str, stdin: bytes | None = None, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m icecheck`` as a user would; never through the network."""
    proc = subprocess.run(
        [sys.executable, "-m", "icecheck", *args],
        input=stdin.decode("utf-8", "surrogateescape") if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        # Tests never look anything up unless they say so: ICECHECK_OFFLINE keeps packets home, and a
        # private cache directory keeps a developer's cache out of the results, as reading no GeoIP
        # database from the standard folders keeps a developer's databases out.
        env={
            "ICECHECK_OFFLINE": "1",
            **os.environ,
            "COLUMNS": "200",
            "NO_COLOR": "1",
            "XDG_CACHE_HOME": str(Path(tempfile.gettempdir()) / "icecheck-test-cache"),
            "ICECHECK_NO_GEOIP_DISCOVERY": "1",
            **(env or {}),
        },
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def run_json(*args: str) -> tuple[int, dict[str, Any]]:
    proc = run_cli(*args, "--format", "json")
    return proc.returncode, json.loads(proc.stdout)


def drain(fd: int) -> str:
    """Everything the other end of a pseudo-terminal wrote, until it closed."""
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode(errors="replace")
