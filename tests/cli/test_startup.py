"""What a command imports before it does anything: ``--help`` lists every command without the model."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

# Runs ``icecheck --help`` in this process and prints the icecheck modules it imported and the
# dataclasses it made. (benchmarks/bench_sdp.py times the start-up; this only counts.)
_PROBE = """
import dataclasses, runpy, sys
made = []
process_class = dataclasses._process_class
def counting(cls, *args, **kwargs):
    made.append(cls.__qualname__)
    return process_class(cls, *args, **kwargs)
dataclasses._process_class = counting
sys.argv = ["icecheck", "--help"]
try:
    runpy.run_module("icecheck", run_name="__main__")
except SystemExit:
    pass
print(" ".join(sorted(m for m in sys.modules if m.startswith("icecheck"))))
print(" ".join(made))
"""


def test_help_loads_no_record_class() -> None:
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, cwd=REPO, check=True)
    *_, modules, made = proc.stdout.split("\n")[:-1]
    assert "icecheck.commands.sdp" in modules.split()  # every command was listed
    assert "icecheck.model" not in modules.split() and made == ""
