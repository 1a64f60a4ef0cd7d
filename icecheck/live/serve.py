"""``icecheck serve``: icecheck's page for any browser a person opens it in, each result audited as it comes.

``Service`` owns the page server (``pageserver``) in ``serve`` mode: the page gathers the
scenarios without permission at once and offers a button for the permission one. Each posted
result is checked (``browser_audit.read_posted``; a malformed one is answered, counted and
otherwise ignored), audited through ``audit`` and handed to ``report`` (the terminal or JSON
lines), and the page gets the HTML fragment of the same audit. ``run`` serves until Ctrl-C, or
after the first result with ``once``; it returns each result's exit code.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from typing import Any

from icecheck.live.browser_audit import Posted, posted_document, read_posted
from icecheck.live.browser_session import Servers
from icecheck.live.page import SCENARIOS, page_config, page_html, page_script
from icecheck.live.pageserver import PageServer
from icecheck.model import AuditResult, InputDocument

__all__ = ["Service", "exposed_warning"]

Audit = Callable[[InputDocument, Posted], tuple[AuditResult, int]]  # → the audit and its exit code
Report = Callable[[AuditResult, int, Posted, int], None]  # audit, exit code, what was posted, result number
Fragment = Callable[[AuditResult, int, str], str]  # the HTML the page shows


def exposed_warning(host: str, port: int) -> str | None:
    """A warning when ``host`` is not a loopback address: other machines can reach the page."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return None
    return (f"warning: listening on {host}:{port}: anyone on your network who can reach this machine can "
            "open the page and read the TURN credentials in it, if they learn the URL with its token")  # fmt: skip


class Service:
    """The page server of ``icecheck serve``; a context manager."""

    def __init__(
        self, listen: tuple[str, int], servers: Servers, audit: Audit, report: Report, fragment: Fragment, style: str
    ) -> None:
        self.servers, self._audit, self._report, self._fragment = servers, audit, report, fragment
        self.codes: list[int] = []
        self.rejected = 0
        self._lock = threading.Lock()
        self.server = PageServer(listen, self._page, page_script(), style, self._post)

    def _page(self, run: str | None) -> str | None:
        if run is not None:
            return None
        wanted = [s for s in SCENARIOS.values() if self.servers.turn or not s.needs_turn]
        return page_html(page_config(self.server.base, self.servers.config(), wanted))

    def _post(self, payload: dict[str, Any]) -> str | None:
        try:
            posted = read_posted(payload)
        except ValueError as exc:
            with self._lock:
                self.rejected += 1
            return f"<p>icecheck did not understand this result: {_escape(str(exc))}</p>"
        with self._lock:  # one audit at a time: results print whole, in order
            number = len(self.codes) + 1
            urls = self.servers.urls
            if SCENARIOS.get(posted.scenario, SCENARIOS["default"]).policy == "relay":
                urls = [u for u in urls if u.startswith("turn:")]
            doc = posted_document(posted, f"result {number} ({posted.scenario or 'unnamed'})", None, urls)
            result, code = self._audit(doc, posted)
            self.codes.append(code)
            self._report(result, code, posted, number)
            return self._fragment(result, code, f"Result {number}: {posted.scenario}")

    def url(self, host: str | None = None) -> str:
        return self.server.url(host)

    def run(self, once: bool, announce: Callable[[], None]) -> list[int]:
        """Serve, ``announce`` (print the URL), then wait until Ctrl-C (a KeyboardInterrupt from the
        start on ends it cleanly) or, with ``once``, until one result was answered; the exit codes."""
        try:
            self.server.start()
            announce()
            while not self.server.wait_results(1 if once else 1 << 30, 0.2):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.server.close()
        return list(self.codes)


def _escape(text: str) -> str:
    from icecheck.render.html import h

    return h(text)
