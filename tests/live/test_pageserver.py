"""The page server of ``icecheck browser``/``serve`` on 127.0.0.1: the token, body cap, headers, no CORS.

Real HTTP over loopback (no lab needed): every refusal is checked on the wire, as a browser or
another program on the network would meet it.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from icecheck.live.page import SCENARIOS, page_config, page_html, page_script
from icecheck.live.pageserver import CSP, MAX_BODY, PageServer
from icecheck.render.html import CSS


@pytest.fixture
def server() -> Iterator[tuple[PageServer, list[dict[str, Any]]]]:
    posted: list[dict[str, Any]] = []

    def page(run: str | None) -> str | None:
        return page_html(page_config(srv.base, [], list(SCENARIOS.values()))) if run is None else None

    def on_result(payload: dict[str, Any]) -> str:
        posted.append(payload)
        return "<p>audited</p>"

    srv = PageServer(("127.0.0.1", 0), page, page_script(), CSS, on_result)
    with srv:
        yield srv, posted


def request(srv: PageServer, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    conn = http.client.HTTPConnection(*srv.address, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


def test_every_path_without_the_token_is_forbidden(server: tuple[PageServer, list[dict[str, Any]]]) -> None:
    srv, posted = server
    wrong = "/" + "x" * len(srv.token) + "/"
    for method, path in (("GET", "/"), ("GET", "/favicon.ico"), ("GET", wrong), ("GET", wrong + "page.js"),
                         ("POST", "/result"), ("POST", wrong + "result"), ("GET", srv.base[:-1]),
                         ("OPTIONS", srv.base.upper()), ("GET", "/" + srv.token[:-1] + "/")):  # fmt: skip
        status, headers, body = request(srv, method, path, b"{}", {"Content-Type": "application/json"})
        assert status == 403 and body == b"forbidden\n", (method, path)
        assert headers["content-security-policy"] == CSP
    assert posted == []


def test_the_page_its_script_and_style_are_served_under_the_token(server: tuple[PageServer, list[Any]]) -> None:
    srv, _ = server
    status, headers, body = request(srv, "GET", srv.base)
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = body.decode()
    assert f'src="{srv.base}page.js"' in page and f'href="{srv.base}page.css"' in page
    assert "<script>" not in page and "http" not in page.replace("http://www.w3.org", "")  # nothing third-party
    assert request(srv, "GET", srv.base + "page.js")[2].decode() == page_script()
    assert request(srv, "GET", srv.base + "page.css")[2].decode() == CSS
    assert request(srv, "GET", srv.base + "run/unknown")[0] == 404
    assert request(srv, "GET", srv.base + "etc/passwd")[0] == 404


def test_strict_headers_and_never_a_cors_header(server: tuple[PageServer, list[Any]]) -> None:
    srv, _ = server
    origin = {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
    for method in ("GET", "OPTIONS"):
        _, headers, _ = request(srv, method, srv.base, headers=origin)
        assert not [h for h in headers if h.startswith("access-control-")]
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store" and "script-src 'self'" in headers["content-security-policy"]
    assert request(srv, "OPTIONS", srv.base, headers=origin)[0] == 405
    assert "unsafe-inline" not in CSP and "default-src 'none'" in CSP


def test_results_are_json_within_the_cap(server: tuple[PageServer, list[dict[str, Any]]]) -> None:
    srv, posted = server
    result = srv.base + "result"
    status, _, body = request(srv, "POST", result, b'{"candidates": []}', {"Content-Type": "application/json"})
    assert status == 200 and json.loads(body) == {"ok": True, "html": "<p>audited</p>"}
    assert posted == [{"candidates": []}] and srv.wait_results(1, 1)
    assert request(srv, "POST", result, b"{}", {"Content-Type": "text/plain"})[0] == 415
    assert request(srv, "POST", result, b"not json", {"Content-Type": "application/json"})[0] == 400
    assert request(srv, "POST", result, b"[1]", {"Content-Type": "application/json"})[0] == 400
    deep = b"[" * 100_000  # deeper than json recurses: refused as any bad body, the server goes on
    assert request(srv, "POST", result, deep, {"Content-Type": "application/json"})[0] == 400
    assert len(posted) == 1


def test_a_body_over_the_cap_is_refused_unread(server: tuple[PageServer, list[Any]]) -> None:
    srv, posted = server
    conn = http.client.HTTPConnection(*srv.address, timeout=5)
    try:
        conn.putrequest("POST", srv.base + "result")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(MAX_BODY + 1))
        conn.endheaders()  # the body is never sent: the answer comes first
        reply = conn.getresponse()
        assert reply.status == 413 and reply.read() == f"at most {MAX_BODY} bytes\n".encode()
    finally:
        conn.close()
    status, _, _ = request(srv, "POST", srv.base + "result", b"{}", {"Content-Type": "application/json",
                                                                    "Transfer-Encoding": "chunked"})  # fmt: skip
    assert status == 411 and posted == []
    for length in ("²", "1³"):  # digits to str.isdigit (headers read as Latin-1) that int() refuses
        conn = http.client.HTTPConnection(*srv.address, timeout=5)
        try:
            conn.putrequest("POST", srv.base + "result")
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", length.encode("latin-1"))
            conn.endheaders()
            reply = conn.getresponse()
            assert reply.status == 411 and reply.read() == b"a Content-Length is required\n"
        finally:
            conn.close()
    assert posted == []


def test_the_config_cannot_end_its_script_block() -> None:
    hostile = [{"urls": "stun:192.0.2.1", "username": "</script><script>alert(1)</script>&", "credential": "<!--"}]
    page = page_html(page_config("/tok/", hostile, [SCENARIOS["default"]], "default", "r1"))
    block = page.split('id="icecheck-config">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["iceServers"] == hostile
