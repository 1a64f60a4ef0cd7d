"""Blocking calls that may never return in time, run so that a deadline can walk away from them.

Some network calls cannot be cancelled: the system resolver's ``getaddrinfo`` waits out the
timeouts of resolv.conf (5 s per try, by default two tries), and ipwhois is synchronous. Run in
asyncio's default executor or a ``ThreadPoolExecutor`` they also hold the process at its end:
``asyncio.run`` and the interpreter's exit join those threads, so a silent DNS server made a
run with ``--timeout 1`` last 6 to 15 s. ``in_daemon_thread`` runs the call in a daemon thread
of its own and hands back an asyncio future: wait on it with a timeout and, when time is up,
abandon it; the thread ends whenever the call does, and never delays the process's exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["in_daemon_thread"]

T = TypeVar("T")


def in_daemon_thread(func: Callable[[], T], name: str = "icecheck-blocking") -> asyncio.Future[T]:
    """Start ``func()`` in a new daemon thread; the future holds its result or its exception.

    Cancelling the future (``asyncio.wait_for`` does at its timeout) stops nothing: the call
    runs on unseen and its outcome is dropped, also when the event loop has closed meanwhile.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def settle(outcome: tuple[bool, T | BaseException]) -> None:
        if future.done():  # abandoned (cancelled) while the call ran
            return
        ok, value = outcome
        if ok:
            future.set_result(value)  # type: ignore[arg-type]
        else:
            future.set_exception(value)  # type: ignore[arg-type]

    def work() -> None:
        outcome: tuple[bool, T | BaseException]
        try:
            outcome = (True, context.run(func))
        except BaseException as exc:  # handed to the waiter, whatever it is
            outcome = (False, exc)
        with contextlib.suppress(RuntimeError):  # raised when the loop has closed: nobody waits any more
            loop.call_soon_threadsafe(settle, outcome)

    threading.Thread(target=work, name=name, daemon=True).start()
    return future
