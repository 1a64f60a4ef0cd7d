"""Pinned JSON reports for every sample.

Regenerate on purpose: ``ICECHECK_UPDATE_GOLDEN=1 python -m pytest tests/render/test_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLES, run_json

GOLDEN = REPO / "tests" / "golden"
CASES = sorted(p.relative_to(REPO) for p in [*SAMPLES.glob("real/*.sdp"), *SAMPLES.glob("rules/*.sdp")])


@pytest.mark.parametrize("sample", CASES, ids=str)
def test_sample_report_is_pinned(sample: Path) -> None:
    _, report = run_json("sdp", str(sample), "--fail-on", "info")
    report["tool"].pop("version")
    golden = GOLDEN / f"{sample.parent.name}__{sample.stem}.json"
    if os.environ.get("ICECHECK_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    assert golden.is_file(), f"no golden file {golden}; run with ICECHECK_UPDATE_GOLDEN=1"
    assert report == json.loads(golden.read_text())
