"""``scan --dask``: the reading tasks on a real Dask cluster (scheduler and worker processes on
loopback, ``distributed.LocalCluster``) give the report one process gives (issue 13)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.mediamix import write_media_mix
from icecheck.inputs import jobs
from icecheck.inputs.scanner import scan_file
from tests.conftest import SAMPLES, run_cli, unavailable
from tests.inputs.test_scan_jobs import _report

try:
    from distributed import LocalCluster
except ImportError:  # pragma: no cover - the test extra installs it
    LocalCluster = None


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    if LocalCluster is None:
        unavailable("distributed is not installed (pip install -e '.[test]')")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as local:
        yield local


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dask") / "calls.pcap"
    with open(path, "wb") as f:  # above jobs.SPLIT_FROM: split into one part per worker
        write_media_mix(f, jobs.SPLIT_FROM + 200_000, seed=5, rtp_per_call=30)
    return path


def test_a_capture_split_over_the_cluster_gives_the_same_report(cluster: Any, capture: Path) -> None:
    from icecheck.inputs.cluster import scan_on_dask

    files = [str(capture), *(str(p) for p in sorted((SAMPLES / "captures").glob("*.pcap*")))]
    whole = _report([scan_file(f) for f in files])
    split = [out for out, _ in scan_on_dask(files, None, cluster.scheduler_address, parts=2, split_from=0)]
    assert _report(split) == whole


def test_the_cli_on_the_cluster_prints_the_same_json(cluster: Any, capture: Path) -> None:
    local = run_cli("scan", str(capture), "--format", "json", "--jobs", "1")
    remote = run_cli("scan", str(capture), "--format", "json", "--dask", cluster.scheduler_address)
    assert remote.returncode == local.returncode and remote.stdout == local.stdout
    assert json.loads(remote.stdout)["candidates"]


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path: Path) -> None:
    if LocalCluster is None:
        unavailable("distributed is not installed (pip install -e '.[test]')")
    proc = run_cli("scan", str(SAMPLES / "captures" / "sip-tcp-sll.pcap"), "--dask", "tcp://127.0.0.1:9")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("icecheck: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert proc.stderr.count("\n") == 1


def test_progress_on_a_terminal_counts_what_the_workers_read(cluster: Any, capture: Path) -> None:
    from tests.cli.test_scan_progress import _scan

    out, err = _scan(capture, "--dask", cluster.scheduler_address, tty=True)
    report = json.loads(out)
    summary = next(n for n in report["notes"] if " packets, " in n)
    packets = max(int(n.replace(",", "")) for n in re.findall(r"([\d,]+) packets", err))
    items = max(int(n.replace(",", "")) for n in re.findall(r"([\d,]+) items", err))
    assert packets == int(re.search(r": (\d+) packets", summary).group(1))  # type: ignore[union-attr]
    assert items >= len(report["candidates"]) + len(report["addresses"])
