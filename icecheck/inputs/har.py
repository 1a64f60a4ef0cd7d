"""HAR 1.2 archives (browser DevTools "Save all as HAR"): signalling in HTTP and WebSocket.

Per entry: the request's ``postData`` (WHIP offers are ``application/sdp``; JSON bodies are
searched for SDP/candidates), the response's ``content`` (``encoding: "base64"`` decoded),
and Chromium's ``_webSocketMessages`` (``{type: send|receive, time, opcode, data}``; opcode 1
text, 2 binary as base64). Each WebSocket entry is one connection: its messages share the
``call`` key ``ws <url>`` and are numbered from 1; the browser's messages have party
``browser``, the server's ``server`` (the offer/answer roles replace these once known).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from icecheck.inputs.numbers import finite
from icecheck.inputs.payload import Dispatcher
from icecheck.model import DiagnosticLevel, Origin


def read_har(value: dict[str, Any], disp: Dispatcher) -> None:
    """Read every entry of a decoded HAR; malformed entries become diagnostics."""
    for i, entry in enumerate(value["log"]["entries"]):
        read_entry(i, entry, disp)


def read_entry(i: int, entry: Any, disp: Dispatcher) -> None:
    """Read entry ``i`` of ``log.entries`` (decoded); a malformed entry becomes a diagnostic."""
    if not isinstance(entry, dict):
        where = Origin(disp.sink.path, detail=f"$.log.entries[{i}]")
        disp.sink.problem(where, "HAR entry is not an object", DiagnosticLevel.WARNING)
        return
    request: dict[str, Any] = entry["request"] if isinstance(entry.get("request"), dict) else {}
    label, url = entry_label(i, entry)
    _post_data(
        request.get("postData"),
        disp,
        Origin(disp.sink.path, detail=f"{label}, request body", call=f"http {url}", party="browser"),
    )
    response = entry.get("response")
    if isinstance(response, dict):
        _content(
            response.get("content"),
            disp,
            Origin(disp.sink.path, detail=f"{label}, response body", call=f"http {url}", party="server"),
        )
    messages = entry.get("_webSocketMessages")
    if isinstance(messages, list):
        for j, msg in enumerate(messages, 1):
            websocket_message(j, msg, disp, label, f"ws {url} (entry {i})")


def entry_label(i: int, entry: dict[str, Any]) -> tuple[str, str]:
    """(``entry <i> <method> <url>``, the url) of entry ``i``, from its request."""
    request = entry["request"] if isinstance(entry.get("request"), dict) else {}
    url = str(request.get("url", "?"))
    return f"entry {i} {request.get('method', '?')} {url}", url


def _post_data(post: Any, disp: Dispatcher, where: Origin) -> None:
    if isinstance(post, dict) and isinstance(post.get("text"), str):
        body = _decode(post["text"], post.get("encoding"), disp, where)
        _body(body, str(post.get("mimeType", "")), disp, where)


def _content(content: Any, disp: Dispatcher, where: Origin) -> None:
    if isinstance(content, dict) and isinstance(content.get("text"), str):
        body = _decode(content["text"], content.get("encoding"), disp, where)
        _body(body, str(content.get("mimeType", "")), disp, where)


def _body(body: bytes | None, mime: str, disp: Dispatcher, where: Origin) -> None:
    if not body or not body.strip():
        return
    if "sdp" in mime.lower():  # application/sdp, application/trickle-ice-sdpfrag (RFC 8840)
        disp.sink.sdp(body.decode("utf-8", "replace"), where)
    elif "json" in mime.lower() or body.lstrip()[:1] in (b"{", b"["):
        disp.json_text(body, where)
    else:
        disp.text(body, where)


def websocket_message(j: int, msg: Any, disp: Dispatcher, label: str, call: str) -> None:
    """Message ``j`` (from 1) of an entry's ``_webSocketMessages``."""
    if not isinstance(msg, dict) or not isinstance(msg.get("data"), str):
        return
    direction = "browser" if msg.get("type") == "send" else "server"
    time = msg.get("time")
    where = Origin(
        disp.sink.path,
        time=finite(time),  # (float() of 10**400 raised OverflowError)
        detail=f"{label}, WebSocket message {j} ({msg.get('type')})",
        call=call,
        party=direction,
    )
    binary = msg.get("opcode") == 2
    data = _decode(msg["data"], "base64" if binary else None, disp, where)
    if data:
        disp.text(data, where, "server" if direction == "browser" else "browser")


def _decode(text: str, encoding: Any, disp: Dispatcher, where: Origin) -> bytes | None:
    if encoding != "base64":
        return text.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError) as exc:
        disp.sink.problem(where, f"bad base64 data: {exc}", DiagnosticLevel.WARNING)
        return None
