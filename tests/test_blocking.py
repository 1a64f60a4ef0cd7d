"""``blocking.in_daemon_thread``: a blocking call a deadline can walk away from, even at the process's exit."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

import pytest

from icecheck.blocking import in_daemon_thread
from tests.conftest import REPO

# A call that never returns, abandoned after 0.1 s; then the process should end. Run in a
# ThreadPoolExecutor (asyncio's default, or the one enrichment used) the exit would join it forever.
_NEVER = """import asyncio, threading
from icecheck.blocking import in_daemon_thread
async def main():
    try:
        await asyncio.wait_for(in_daemon_thread(threading.Event().wait), 0.1)
    except TimeoutError:
        print("abandoned")
asyncio.run(main())
"""


def test_result_and_exception_come_back() -> None:
    async def main() -> tuple[int, str]:
        value = await in_daemon_thread(lambda: 6 * 7)
        with pytest.raises(ValueError, match="bad") as info:
            await in_daemon_thread(lambda: int("bad"))
        return value, str(info.value)

    value, error = asyncio.run(main())
    assert value == 42 and "bad" in error


def test_the_call_runs_in_another_thread() -> None:
    async def main() -> int | None:
        return await in_daemon_thread(threading.get_ident)

    assert asyncio.run(main()) != threading.get_ident()


def test_an_abandoned_call_holds_neither_the_loop_nor_the_process() -> None:
    """The subprocess must end although its call never returns (the timeout is a hang guard, not a measure)."""
    proc = subprocess.run([sys.executable, "-c", _NEVER], capture_output=True, text=True, timeout=30, cwd=REPO,
                          check=False)  # fmt: skip
    assert proc.returncode == 0 and proc.stdout == "abandoned\n", proc.stderr


def test_an_outcome_after_the_loop_closed_is_dropped_quietly() -> None:
    release, finished = threading.Event(), threading.Event()

    def late() -> None:
        release.wait()
        finished.set()

    async def main() -> None:
        in_daemon_thread(late)

    asyncio.run(main())  # the loop closes with the call still running
    release.set()
    assert finished.wait(10)
