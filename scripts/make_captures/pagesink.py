#!/usr/bin/env python3
"""Serve page.html on 127.0.0.1:PORT and store what the page POSTs (/dump, /done) in STATE.

usage: pagesink.py STATE PORT
"""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATE = Path(sys.argv[1])


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = (HERE / "page.html").read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        name = "dump.json" if self.path == "/dump" else "done"
        (STATE / name).write_bytes(data)
        self.send_response(204)
        self.end_headers()


HTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
