"""The HTTP server behind ``icecheck browser`` and ``icecheck serve``: icecheck's page, and results posted back.

Every path starts with a random one-time token (``/TOKEN/``); any request without it is answered
403 and nothing else. ``GET /TOKEN/`` is the page for a person (``serve`` mode), ``GET
/TOKEN/run/ID`` the page for one automated run; ``/TOKEN/page.js`` and ``/TOKEN/page.css`` its
script and style. ``POST /TOKEN/result`` takes the page's JSON (``Content-Type: application/json``,
a ``Content-Length`` of at most ``MAX_BODY`` bytes: a larger body is refused unread) and hands it
to ``on_result``, whose HTML fragment (or None) goes back to the page. Every answer carries a
strict Content-Security-Policy (same-origin script, style and fetch only), ``nosniff``,
``no-referrer`` and ``no-store``; no CORS header is ever sent, so no other site can read an answer.
Requests are handled one at a time per connection in threads; a slow client times out.
"""

from __future__ import annotations

import hmac
import json
import secrets
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from icecheck.inputs.numbers import decimal
from icecheck.live.urls import hostport

__all__ = ["CSP", "MAX_BODY", "PageServer"]

MAX_BODY = 1 << 20  # 1 MB: a page's result is a few kilobytes
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)
OnResult = Callable[[dict[str, Any]], str | None]  # the posted JSON → an HTML fragment for the page, or None


class PageServer:
    """Serves the page on ``listen`` (port 0: any free one) until ``close``; thread-safe."""

    def __init__(
        self,
        listen: tuple[str, int],
        page: Callable[[str | None], str | None],
        script: str,
        style: str,
        on_result: OnResult,
        after_answer: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """``page(run)`` is the HTML for ``/TOKEN/`` (run None) or ``/TOKEN/run/RUN``, None if unknown;
        ``after_answer`` hears of each result once the page has its reply (so stopping the browser
        then cuts no answer short)."""
        self.token = secrets.token_urlsafe(18)
        self.page, self.script, self.style, self.on_result = page, script, style, on_result
        self.after_answer = after_answer
        self._httpd = _Server(listen, _Handler)
        self._httpd.owner = self
        self._thread: threading.Thread | None = None
        self.answered = threading.Condition()  # notified after each result was answered
        self.results = 0

    def wait_results(self, count: int, timeout: float) -> bool:
        """True once ``count`` results have been answered (the page got its reply); False after ``timeout``."""
        with self.answered:
            return self.answered.wait_for(lambda: self.results >= count, timeout)

    @property
    def base(self) -> str:
        """``/TOKEN/``: the path every request must start with."""
        return f"/{self.token}/"

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    def url(self, host: str | None = None, run: str | None = None) -> str:
        """The page's URL (``host`` for a listening address such as 0.0.0.0 that is no destination)."""
        where = hostport(host or self.address[0], self.address[1])
        return f"http://{where}{self.base}" + (f"run/{run}" if run else "")

    def start(self) -> PageServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="icecheck-page", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and close the socket (safe to call twice)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> PageServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: PageServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a browser stopped as its run ended) is no error; anything else is
        one line on stderr, never a traceback."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        sys.stderr.write(f"icecheck: page server: {type(exc).__name__}: {exc}\n")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "icecheck"
    sys_version = ""
    timeout = 10  # seconds a client may take to send its request

    def do_GET(self) -> None:
        rest = self._after_token()
        if rest is None:
            return
        owner = self.server.owner
        if rest == "page.js":
            self._send(200, owner.script, "text/javascript")
        elif rest == "page.css":
            self._send(200, owner.style, "text/css")
        elif rest == "" or rest.startswith("run/"):
            page = owner.page(rest[4:] or None if rest else None)
            self._send(200, page, "text/html") if page is not None else self._send(404, "unknown run\n")
        else:
            self._send(404, "not found\n")

    def do_POST(self) -> None:
        rest = self._after_token()
        if rest is None:
            return
        if rest != "result":
            self._send(404, "not found\n")
            return
        if self.headers.get_content_type() != "application/json":
            self._send(415, "expected application/json\n")
            return
        length = self.headers.get("Content-Length")
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "")
        size = decimal(length) if length is not None and length.isascii() else None  # (not int(): 5,000 digits)
        if size is None or chunked:
            self._send(411, "a Content-Length is required\n")
            return
        if size > MAX_BODY:
            self.close_connection = True  # the body is never read
            self._send(413, f"at most {MAX_BODY} bytes\n")
            return
        try:
            payload = json.loads(self.rfile.read(size))
        except (ValueError, UnicodeDecodeError, RecursionError):  # (nested too deep to decode: refused too)
            self._send(400, "not JSON\n")
            return
        if not isinstance(payload, dict):
            self._send(400, "expected a JSON object\n")
            return
        owner = self.server.owner
        fragment = owner.on_result(payload)
        try:
            self._send(200, json.dumps({"ok": True, "html": fragment}), "application/json")
        finally:  # answered, or the page went away first: the result counts either way
            with owner.answered:
                owner.results += 1
                owner.answered.notify_all()
            if owner.after_answer is not None:
                owner.after_answer(payload)

    def do_PUT(self) -> None:
        self._refuse()

    def do_DELETE(self) -> None:
        self._refuse()

    def do_OPTIONS(self) -> None:  # no CORS preflight ever succeeds
        self._refuse()

    def do_HEAD(self) -> None:
        self._refuse()

    def _refuse(self) -> None:
        if self._after_token() is not None:
            self._send(405, "method not allowed\n")

    def _after_token(self) -> str | None:
        """The path after ``/TOKEN/`` (query dropped); None after answering 403 when the token is wrong."""
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        token = self.server.owner.token
        given, slash, rest = path[1:].partition("/")
        if not (path.startswith("/") and slash and hmac.compare_digest(given.encode(), token.encode())):
            self._send(403, "forbidden\n")
            return None
        return rest

    def _send(self, code: int, body: str, content_type: str = "text/plain") -> None:
        data = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in _HEADERS:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the command reports what matters."""
