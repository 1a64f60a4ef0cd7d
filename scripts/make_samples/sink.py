#!/usr/bin/env python3
"""Tiny HTTP server for the sample lab: serves page.html and receives results.

Runs inside the client network namespace, bound to 127.0.0.1 only.
GET  /page.html?...            -> the capture page (static files of this folder)
POST /result?name=N&kind=K     -> body stored verbatim as OUT/N.K (K in sdp, json, err)

The request body is written byte for byte: the SDP stays exactly as the
browser's RTCPeerConnection.localDescription.sdp produced it.
"""
import http.server
import os
import re
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
KINDS = {"sdp", "json", "err"}


class Handler(http.server.SimpleHTTPRequestHandler):
    out_dir = "."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=HERE, **kwargs)

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        name = q.get("name", [""])[0]
        kind = q.get("kind", [""])[0]
        if url.path != "/result" or not NAME_RE.match(name) or kind not in KINDS:
            self.send_error(400, "bad result path")
            return
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        tmp = os.path.join(self.out_dir, f".{name}.{kind}.tmp")
        with open(tmp, "wb") as f:
            f.write(body)
        os.replace(tmp, os.path.join(self.out_dir, f"{name}.{kind}"))
        self.send_response(204)
        self.end_headers()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, fmt: str, *args: object) -> None:
        sys.stderr.write("sink: " + (fmt % args) + "\n")


def main() -> None:
    port = int(sys.argv[1])
    Handler.out_dir = sys.argv[2]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"sink: listening on 127.0.0.1:{port}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
