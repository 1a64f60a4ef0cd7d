"""``icecheck browser`` end to end: servers → icecheck's own gathering → each browser x scenario → audits.

``run_all`` resolves the STUN/TURN names the user gave (browsers get IP literals, so a name is
looked up only through ``--resolver`` or the system resolver, as for ``gather``), gathers with
icecheck's own gatherer for the comparison, then launches each browser for each scenario in turn,
against one page server on 127.0.0.1 (``Session``). Every run ends as a ``BrowserRun``: a browser
that is missing, does not start or sends nothing in time is an outcome, never an exception.
``deadline`` (monotonic seconds) bounds the whole command: a run that would start after it is a
timeout without a launch.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from icecheck.live.browser_audit import Posted, audit_posted, compare, posted_document, preference_effect, read_posted
from icecheck.live.browser_run import Inbox, Launch
from icecheck.live.browser_settings import Setting, managed_policies
from icecheck.live.browsers import Browser, Missing
from icecheck.live.page import Scenario, ice_servers, page_config, page_html, page_script
from icecheck.live.pageserver import PageServer
from icecheck.live.runner import Choice, run
from icecheck.live.stun import StunError
from icecheck.live.urls import TurnServer, hostport
from icecheck.model import Attempt, AttemptStatus, AuditResult, BrowserRun, InputDocument

__all__ = ["Launched", "Servers", "Session", "resolve_servers", "run_all"]

RUN_LIMIT = 30.0  # seconds one launch may take at most, browser start included
GATHER_TIMEOUT = 3.0  # icecheck's own gathering, for the comparison


@dataclass(frozen=True, slots=True)
class Servers:
    """The servers as the page gets them (IP literals), their URLs as attempts name them, and lookups that failed."""

    stun: tuple[tuple[str, int], ...] = ()
    turn: tuple[TurnServer, ...] = ()
    failed: tuple[Attempt, ...] = ()

    @property
    def urls(self) -> list[str]:
        return [f"stun:{hostport(*s)}" for s in self.stun] + [t.url for t in self.turn]

    def config(self) -> list[dict[str, Any]]:
        return ice_servers(self.stun, self.turn)


@dataclass(frozen=True, slots=True)
class Launched:
    """How one launch ended: ``posted`` is the page's JSON (ok only)."""

    outcome: str  # ok, failed, timeout
    detail: str
    duration: float
    posted: dict[str, Any] | None = None


async def resolve_servers(choice: Choice, timeout: float) -> Servers:
    """Names → addresses through the chosen resolver; an unresolvable server is left out, as an attempt."""
    from icecheck.live.resolve import resolve_host

    stun, turn, failed = [], [], []
    for url in choice.stun:
        try:
            stun.append((await resolve_host(url.host, choice.resolver, True, timeout), url.port))
        except StunError as exc:
            failed.append(Attempt("stun", f"stun:{hostport(url.host, url.port)}", exc.status, exc.detail))
    for server in choice.turn:
        try:
            address = await resolve_host(server.host, choice.resolver, True, timeout)
        except StunError as exc:
            failed.append(Attempt("turn", server.url, exc.status, exc.detail))
            continue
        turn.append(TurnServer(address, server.port, server.transport, server.username, server.password))
    return Servers(tuple(stun), tuple(turn), tuple(failed))


class Session:
    """One page server on 127.0.0.1 (any free port) for the runs of one command."""

    def __init__(self, servers: Servers, style: str) -> None:
        self.servers, self.inbox = servers, Inbox()
        self._pages: dict[str, str] = {}
        self.server = PageServer(("127.0.0.1", 0), self._page, page_script(), style, self._answer, self.inbox.post)

    def _page(self, run: str | None) -> str | None:
        return self._pages.get(run) if run else None

    def _answer(self, payload: dict[str, Any]) -> None:
        """Nothing for the page to show: the run's result is audited once the browser is stopped."""

    def __enter__(self) -> Session:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.close()

    def launch(self, browser: Browser, scenario: Scenario, prefs: Sequence[Setting], budget: float) -> Launched:
        """Open the page for ``scenario`` in ``browser``; wait at most ``budget`` s for its result."""
        run_id = secrets.token_hex(8)
        config = page_config(self.server.base, self.servers.config(), [scenario], scenario.name, run_id)
        self._pages[run_id] = page_html(config)
        start = time.monotonic()
        try:
            with Launch(browser, scenario, self.server.url(run=run_id), prefs) as launch:
                posted = self.inbox.wait(run_id, budget, launch.alive)
                exited = not launch.alive()
                code = launch.proc.returncode if launch.proc is not None else None
        except OSError as exc:
            return Launched("failed", f"cannot start {browser.executable}: {exc.strerror or exc}", 0.0)
        elapsed = time.monotonic() - start
        if posted is not None:
            return Launched("ok", f"gathering {posted.get('finished', '')}", elapsed, posted)
        if exited:
            words = launch.last_words()
            return Launched(
                "failed",
                f"exited (code {code}) before the page sent a result" + (f": {words}" if words else ""),
                elapsed,
            )
        return Launched("timeout", f"no result within {budget:.1f} s", elapsed)


def run_all(
    choice: Choice,
    plans: Sequence[tuple[Browser | Missing, Scenario]],
    prefs: Sequence[Setting],
    deadline: float,
    style: str,
    auditor: Callable[..., AuditResult],
    say: Callable[[str], object] | None = None,
) -> tuple[list[BrowserRun], InputDocument]:
    """Every browser x scenario in ``plans``, audited; and icecheck's own gathering they are compared with.

    ``prefs`` (Firefox prefs from --profile) apply to Firefox runs, each of which is then run once
    more without them to say what they changed. ``auditor`` is the audit step with its settings
    bound (``browser_audit.audit_posted`` says how it is called). ``say`` hears what is being done
    (icecheck's own gathering, then each run: ``Chromium (relay-only): run 3 of 6``).
    """
    tell = say or (lambda _text: None)
    left = max(0.1, deadline - time.monotonic())
    tell("gathering icecheck's own candidates")
    servers = asyncio.run(resolve_servers(choice, min(left, GATHER_TIMEOUT)))
    gathered, _, _ = asyncio.run(run(choice, True, min(left, GATHER_TIMEOUT), False, False))
    with Session(servers, style) as session:
        runs = _Runs(session, gathered, tuple(prefs), deadline, auditor)
        done = []
        for n, (browser, scenario) in enumerate(plans, 1):
            tell(f"{browser.name} ({scenario.name}): run {n} of {len(plans)}")
            done.append(runs.one(browser, scenario))
        return done, gathered


class _Runs:
    """What the runs of one command share: the page server, icecheck's gathering, the audit step."""

    def __init__(self, session: Session, gathered: InputDocument, prefs: tuple[Setting, ...], deadline: float,
                 auditor: Callable[..., AuditResult]) -> None:  # fmt: skip
        self.session, self.servers, self.gathered, self.prefs = session, session.servers, gathered, prefs
        self.deadline, self.auditor = deadline, auditor

    def one(self, browser: Browser | Missing, scenario: Scenario) -> BrowserRun:
        """Launch ``browser`` for ``scenario`` and audit what it sent; a missing browser or a failed
        launch is the run's outcome."""
        if isinstance(browser, Missing):
            where = ", ".join(browser.looked_at) or "nowhere known on this platform"
            return BrowserRun(
                browser.name, None, None, scenario.name, "missing", 0.0, f"not installed (looked at {where})"
            )
        prefs = self.prefs if browser.family == "firefox" else ()
        policies = managed_policies(browser.key)[0] if browser.family == "chromium" else []
        run_ = BrowserRun(browser.name, browser.version, browser.executable, scenario.name, "skipped", 0.0,
                          policies=_pairs(policies), preferences=_pairs(prefs))  # fmt: skip
        if scenario.needs_turn and not self.servers.turn:
            return replace(run_, detail="needs a TURN server: give --turn, --turn-user and a password")
        launched = self._launch(browser, scenario, prefs)
        run_ = replace(run_, outcome=launched.outcome, detail=launched.detail, duration=launched.duration)
        if launched.posted is None:
            return run_
        try:
            posted = read_posted(launched.posted)
        except ValueError as exc:
            return replace(run_, outcome="failed", detail=f"the page's result was not understood: {exc}")
        return self._audited(run_, browser, scenario, posted, prefs)

    def _audited(
        self, run_: BrowserRun, browser: Browser, scenario: Scenario, posted: Posted, prefs: Sequence[Setting]
    ) -> BrowserRun:
        path = f"{browser.title} ({scenario.name})"
        asked = (
            [u for u in self.servers.urls if u.startswith("turn:")] if scenario.policy == "relay" else self.servers.urls
        )
        doc = posted_document(posted, path, self.gathered, asked)
        effect = self._effect(doc, browser, scenario, path) if prefs else ""
        attempt = Attempt("browser", path, AttemptStatus.OK, run_.detail, run_.duration)
        notes = [f"{browser.title} gathered for {posted.elapsed_ms} ms ({posted.finished})."]
        result = audit_posted(doc, self.auditor, notes, (attempt, *self.servers.failed))
        compared = compare(doc, self.gathered)
        return replace(run_, user_agent=posted.user_agent, preference_effect=effect, comparison=compared, result=result)

    def _effect(self, doc: InputDocument, browser: Browser, scenario: Scenario, path: str) -> str:
        """What the profile's prefs changed: the same scenario once more without them."""
        plain = self._launch(browser, scenario, ())
        without = posted_document(read_posted(plain.posted), path) if plain.posted else None
        return preference_effect(doc, without)

    def _launch(self, browser: Browser, scenario: Scenario, prefs: Sequence[Setting]) -> Launched:
        budget = min(RUN_LIMIT, self.deadline - time.monotonic())
        if budget <= 0:
            return Launched("timeout", "not started: the --timeout was used up", 0.0)
        return self.session.launch(browser, scenario, prefs, budget)


def _pairs(settings: Sequence[Setting]) -> tuple[tuple[str, str], ...]:
    return tuple((s.name, s.value) for s in settings)
