"""What a command imports before it does anything: ``--help`` lists every command without the model."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

# Runs ``icecheck --help`` in this process, then prints the icecheck modules it imported and the
# record classes (dataclasses and NamedTuples) those modules define. (bench_sdp.py times start-up.)
_PROBE = """
import dataclasses, runpy, sys
sys.argv = ["icecheck", "--help"]
try:
    runpy.run_module("icecheck", run_name="__main__")
except SystemExit:
    pass
modules = sorted(name for name in sys.modules if name.startswith("icecheck"))
records = [
    f"{name}.{value.__name__}"
    for name in modules
    for value in vars(sys.modules[name]).values()
    if isinstance(value, type) and (dataclasses.is_dataclass(value) or hasattr(value, "_fields"))
]
print(" ".join(modules))
print(" ".join(records))
"""


def test_help_loads_no_record_class() -> None:
    """The commands' own option settings aside (``commands.common.ReportSettings``)."""
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, cwd=REPO, check=True)
    *_, modules, records = proc.stdout.split("\n")[:-1]
    assert "icecheck.commands.sdp" in modules.split()  # every command was listed
    assert "icecheck.model" not in modules.split()
    assert [r for r in records.split() if not r.startswith("icecheck.commands.")] == []


_SCAN_PROBE = """
import runpy, sys
sys.argv = ["icecheck", "scan", "--offline", "--jobs", "2", *sys.argv[1:]]
try:
    runpy.run_module("icecheck", run_name="__main__")
except SystemExit:
    pass
print(" ".join(sorted(name for name in sys.modules if name.startswith(("icecheck.inputs", "multiprocessing")))))
"""


def test_a_small_scan_loads_no_process_pool() -> None:
    """Files too small to split are read here whatever --jobs says (``parallel.SPLIT_FROM``):
    without the pool's modules, which a scan of a large capture does load."""
    small = str(REPO / "samples" / "captures" / "sip-tcp-sll.pcap")
    proc = subprocess.run([sys.executable, "-c", _SCAN_PROBE, small], capture_output=True, text=True, cwd=REPO)
    modules = proc.stdout.split("\n")[-2].split()
    assert "icecheck.inputs.capture" in modules  # it was read
    assert "icecheck.inputs.jobs" not in modules and "multiprocessing" not in modules
