"""Launching a browser headless with a throw-away profile, and waiting for its page's result.

``argv`` and ``environment`` are pure: the flags that keep a headless browser from any network
service of its own (Chromium: no sync, component updates, background networking; Firefox: the
prefs of ``icecheck/data/firefox-user.js``), and the scenario's (Chromium's fake media UI and
devices; Firefox's permission prefs). ``Launch`` starts the browser in a process group of its
own, in a fresh temporary profile (also its HOME), and on leaving kills the whole group and
removes the profile. ``Inbox`` hands results posted to the page server to the waiting run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from importlib.resources import files
from typing import IO, Any

from icecheck.live.browser_settings import Setting, user_js
from icecheck.live.browsers import Browser
from icecheck.live.page import Scenario

__all__ = ["Inbox", "Launch", "argv", "environment", "firefox_prefs"]

_CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-pings",
    "--disable-breakpad",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--metrics-recording-only",
    "--disable-features=MediaRouter,OptimizationHints,Translate,AutofillServerCommunication",
)
_CHROMIUM_PERMISSION = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
# Firefox keeps to mDNS names unless a live capture is held AND these allow it without a prompt.
_FIREFOX_PERMISSION = (
    ("media.navigator.permission.disabled", "true"),
    ("media.navigator.streams.fake", "true"),
    ("media.navigator.permission.fake", "true"),
)


def argv(browser: Browser, scenario: Scenario, profile: str, url: str, as_root: bool = False) -> list[str]:
    """The command line that opens ``url`` headless in ``profile`` for ``scenario``."""
    if browser.family == "firefox":
        return [browser.executable, "--headless", "--no-remote", "--profile", profile, url]
    flags = [*_CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    if as_root:  # Chromium refuses to start as root with its sandbox
        flags.append("--no-sandbox")
    if scenario.gum:
        flags += _CHROMIUM_PERMISSION
    return [browser.executable, *flags, url]


def environment(browser: Browser, profile: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The browser's environment: HOME and caches inside the throw-away profile, crash reports off."""
    env = dict(os.environ if base is None else base)
    env.update(
        HOME=profile, XDG_CONFIG_HOME=os.path.join(profile, ".config"), XDG_CACHE_HOME=os.path.join(profile, ".cache")
    )
    if browser.family == "firefox":
        env.update(MOZ_CRASHREPORTER_DISABLE="1", MOZ_DISABLE_AUTO_SAFE_MODE="1")
    return env


def firefox_prefs(scenario: Scenario, user: Sequence[Setting] = ()) -> str:
    """The throw-away profile's user.js: icecheck's base prefs, the user's WebRTC prefs, the scenario's."""
    base = files("icecheck").joinpath("data/firefox-user.js").read_text(encoding="utf-8")
    text = user_js(base, user, "WebRTC prefs read from --profile") if user else base
    if scenario.gum:
        text = user_js(text, [Setting(n, v, "icecheck") for n, v in _FIREFOX_PERMISSION], "scenario: permission")
    return text


class Launch:
    """A headless browser in its own process group and temporary profile; a context manager."""

    def __init__(self, browser: Browser, scenario: Scenario, url: str, prefs: Sequence[Setting] = ()) -> None:
        self.browser, self.scenario, self.url, self.prefs = browser, scenario, url, prefs
        self.profile = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = b""  # the end of the browser's stderr, once stopped
        self._err: IO[bytes] | None = None

    def __enter__(self) -> Launch:
        self.profile = tempfile.mkdtemp(prefix=f"icecheck-{self.browser.key}-")
        if self.browser.family == "firefox":
            with open(os.path.join(self.profile, "user.js"), "w", encoding="utf-8") as f:
                f.write(firefox_prefs(self.scenario, self.prefs))
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        command = argv(self.browser, self.scenario, self.profile, self.url, as_root)
        self._err = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._err,
                env=environment(self.browser, self.profile),
                **_new_group(),
            )
        except OSError:
            self._cleanup()
            raise
        return self

    def alive(self) -> bool:
        """True while the browser runs: any process of its group (a browser may restart itself)."""
        return self.proc is not None and _group_alive(self.proc)

    def __exit__(self, *exc: object) -> None:
        self._cleanup()

    def _cleanup(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)
        if self._err is not None:
            self._err.seek(0)
            self.log = self._err.read()[-4000:]
            self._err.close()
            self._err = None
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)

    def last_words(self) -> str:
        """The end of what the browser wrote to stderr (for a failed start), on one line."""
        lines = [line.strip() for line in self.log.decode("utf-8", "replace").splitlines() if line.strip()]
        return lines[-1][:300] if lines else ""


def _new_group() -> dict[str, Any]:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined,unused-ignore]
    return {"start_new_session": True}


def stop_group(proc: subprocess.Popen[bytes], grace: float = 2.0) -> None:
    """SIGTERM the browser's process group (helpers included), SIGKILL what is left after ``grace``; reap."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        proc.kill()
        proc.wait(grace)
        return
    _signal_group(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _group_alive(proc):
        time.sleep(0.02)
    _signal_group(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(grace)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(proc: subprocess.Popen[bytes]) -> bool:
    """True while a process of the group lives (the leader is reaped here as soon as it exits)."""
    proc.poll()
    try:
        os.killpg(proc.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return _members(proc.pid)


def _members(pgid: int) -> bool:
    """Some process of group ``pgid`` is not a zombie (Linux /proc; elsewhere: assume so)."""
    if not os.path.isdir("/proc"):
        return True
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


class Inbox:
    """Results posted by pages, by run id; ``wait`` returns one as soon as it arrives."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._got: dict[str, dict[str, Any]] = {}

    def post(self, payload: dict[str, Any]) -> None:
        run = payload.get("run")
        if isinstance(run, str):
            with self._cond:
                self._got.setdefault(run, payload)
                self._cond.notify_all()

    def wait(self, run: str, timeout: float, alive: Callable[[], bool]) -> dict[str, Any] | None:
        """The result for ``run``; None when ``timeout`` passed or ``alive()`` became false first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while run not in self._got:
                left = deadline - time.monotonic()
                if left <= 0 or not alive():
                    break
                self._cond.wait(min(left, 0.1))
            return self._got.get(run)
