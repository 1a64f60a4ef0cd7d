"""Chromium part of make_captures.py: page.html, a HAR through the DevTools protocol, the dump.

Chromium runs headless in alice's namespace with ``--remote-debugging-pipe`` (DevTools
protocol messages, NUL-terminated JSON, on file descriptors 3 and 4 — no debugging port is
opened). The Network domain's WebSocket events become HAR 1.2 entries with Chromium's
``_webSocketMessages`` (the layout DevTools' "Save all as HAR" writes); the page POSTs its
webrtc-internals-style dump to pagesink.py. A second tab holds chrome://webrtc-internals from
the start; when the page is done, its own download buttons are clicked (``#dump-click-target``,
uncompressed; ``#dump-click-target-rtcstats``, gzip) and Chromium's files are kept as they are.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/lib/chromium/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
         "--disable-domain-reliability", "--no-pings", "--disable-breakpad", "--disable-dev-shm-usage",
         "--disable-features=MediaRouter,OptimizationHints,Translate", "--remote-debugging-pipe"]


class Pipe:
    def __init__(self, write_fd: int, read_fd: int) -> None:
        self.w, self.r, self.buf, self.next_id = write_fd, read_fd, b"", 0

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> int:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def messages(self, timeout: float) -> list[dict[str, Any]]:
        out = []
        ready, _, _ = select.select([self.r], [], [], timeout)
        if ready:
            self.buf += os.read(self.r, 1 << 20)
        while b"\0" in self.buf:
            raw, self.buf = self.buf.split(b"\0", 1)
            out.append(json.loads(raw))
        return out


def browser_session(state: Path, out: Path, spawn: Callable[..., subprocess.Popen[bytes]]) -> None:
    sink = spawn("pagesink", "a", ["python3", str(HERE / "pagesink.py"), str(state), "8077"], state)
    time.sleep(0.5)
    to_chrome_r, to_chrome_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 20) for fd in os.pipe())
    from_chrome_r, from_chrome_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 20) for fd in os.pipe())

    def wire_fds() -> None:  # in the child: the DevTools pipe is fd 3 (commands) and fd 4 (replies)
        os.dup2(to_chrome_r, 3)
        os.dup2(from_chrome_w, 4)

    profile = state / "chromium-profile"
    chrome = spawn("chromium", "a", [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"], state,
                   env={"HOME": str(profile)}, pass_fds=(3, 4, to_chrome_r, from_chrome_w), preexec_fn=wire_fds)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    pipe = Pipe(to_chrome_w, from_chrome_r)
    events = drive(pipe, state)
    (out / "browser-websocket.har").write_text(json.dumps(har(events), indent=1) + "\n")
    dump = state / "dump.json"
    if dump.exists():
        (out / "webrtc-internals-dump.json").write_text(dump.read_text())
    for name, kept in (("webrtc_internals_dump.txt", "chromium-webrtc-internals-dump.txt"),
                       ("rtcstats_dump.gz", "chromium-rtcstats-dump.gz")):  # fmt: skip
        if (state / "downloads" / name).exists():
            (out / kept).write_bytes((state / "downloads" / name).read_bytes())
    chrome.terminate()
    sink.terminate()


def drive(pipe: Pipe, state: Path) -> list[dict[str, Any]]:
    pipe.send("Target.setDiscoverTargets", {"discover": True})
    session = internals = None
    enabled = created = -1
    events: list[dict[str, Any]] = []
    deadline = time.time() + 40
    while time.time() < deadline and not (state / "done").exists():
        for msg in pipe.messages(0.2):
            if msg.get("method") == "Target.targetCreated" and session is None:
                info = msg["params"]["targetInfo"]
                if info["type"] == "page":
                    pipe.send("Target.attachToTarget", {"targetId": info["targetId"], "flatten": True})
            elif msg.get("method") == "Target.attachedToTarget" and session is None:
                session = msg["params"]["sessionId"]
                enabled = pipe.send("Network.enable", {}, session)
            elif msg.get("method") == "Target.attachedToTarget":
                internals = msg["params"]["sessionId"]
            elif session is not None and msg.get("id") == enabled:  # chrome://webrtc-internals first
                created = pipe.send("Target.createTarget", {"url": "chrome://webrtc-internals"})
            elif msg.get("id") == created:  # then the page, which it then watches from its start
                pipe.send("Target.attachToTarget", {"targetId": msg["result"]["targetId"], "flatten": True})
                time.sleep(1)
                pipe.send("Page.navigate", {"url": "http://127.0.0.1:8077/page.html"}, session)
            elif msg.get("method", "").startswith("Network."):
                events.append(msg)
    for msg in pipe.messages(0.5):
        if msg.get("method", "").startswith("Network."):
            events.append(msg)
    if internals is not None:
        internals_downloads(pipe, internals, state / "downloads")
    return events


def internals_downloads(pipe: Pipe, session: str, folder: Path) -> None:
    """Click chrome://webrtc-internals' two download buttons; Chromium writes the files into ``folder``."""
    folder.mkdir(exist_ok=True)
    pipe.send("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    clicks = (("webrtc_internals_dump.txt", "document.getElementById('dump-checkbox').checked = false;"
               "document.getElementById('dump-click-target').click()"),
              ("rtcstats_dump.gz", "document.getElementById('dump-click-target-rtcstats').click()"))  # fmt: skip
    for name, script in clicks:
        pipe.send("Runtime.evaluate", {"expression": script}, session)
        deadline = time.time() + 10
        while time.time() < deadline and not (folder / name).exists():
            pipe.messages(0.2)


def har(events: list[dict[str, Any]]) -> dict[str, Any]:
    """HAR 1.2 with one entry per WebSocket (Chromium's ``_webSocketMessages``)."""
    sockets: dict[str, dict[str, Any]] = {}
    for e in events:
        p, method = e["params"], e["method"]
        if method == "Network.webSocketCreated":
            sockets[p["requestId"]] = {"url": p["url"], "messages": [], "status": 101, "headers": []}
        elif method in ("Network.webSocketFrameSent", "Network.webSocketFrameReceived") and p["requestId"] in sockets:
            r = p["response"]
            data = r["payloadData"] if r["opcode"] == 1 else base64.b64encode(r["payloadData"].encode()).decode()
            sockets[p["requestId"]]["messages"].append({
                "type": "send" if method.endswith("Sent") else "receive", "time": p["timestamp"],
                "opcode": r["opcode"], "data": data})
        elif method == "Network.webSocketHandshakeResponseReceived" and p["requestId"] in sockets:
            sockets[p["requestId"]]["headers"] = [{"name": k, "value": v} for k, v in p["response"]["headers"].items()]
    entries = [{
        "startedDateTime": "1970-01-01T00:00:00.000Z", "time": 0, "_resourceType": "websocket",
        "request": {"method": "GET", "url": s["url"], "httpVersion": "HTTP/1.1", "headers": [], "queryString": [],
                    "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1",
                     "headers": s["headers"], "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"},
                     "redirectURL": "", "headersSize": -1, "bodySize": 0},
        "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}, "_webSocketMessages": s["messages"],
    } for s in sockets.values()]
    return {"log": {"version": "1.2", "creator": {"name": "make_captures.py (DevTools protocol)", "version": "1"},
                    "pages": [], "entries": entries}}
