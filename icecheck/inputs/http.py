"""HTTP/1.x message framing for captured streams (RFC 9112), pure.

Only what signalling needs: the start line, headers, and the body delimited by
Content-Length (§6.2) or chunked transfer coding (§7.1). A response without either is
read until the connection closes (§6.3 rule 8). ``Upgrade: websocket`` requests and
``101`` responses (RFC 6455 §4) are recognised by the caller from ``HttpHead``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from icecheck.inputs.numbers import decimal

START = re.compile(rb"^(?:([A-Z]+) (\S+) HTTP/1\.[01]|HTTP/1\.[01] (\d{3})(?: .*)?)\r?$")
MAX_HEAD = 65536
MAX_BODY = 16 << 20


@dataclass(frozen=True, slots=True)
class HttpHead:
    """The start line and headers of one HTTP message (request or response)."""

    method: str | None
    target: str | None
    status: int | None
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    length: int  # bytes of the head including the blank line

    def get(self, name: str) -> str:
        return self.headers.get(name, "")

    @property
    def summary(self) -> str:
        return f"{self.method} {self.target}" if self.method else f"HTTP {self.status}"

    def has_token(self, name: str, token: str) -> bool:
        return token in [t.strip().lower() for t in self.get(name).split(",")]


def is_http_start(data: bytes | bytearray) -> bool:
    end = data.find(b"\n", 0, 8192)
    return end >= 0 and START.match(bytes(data[:end])) is not None


def parse_head(buf: bytes | bytearray) -> HttpHead | str | None:
    """The head at the start of ``buf``; None if incomplete, a reason string if unusable."""
    end = buf.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
    if end < 0:
        return "HTTP header section longer than 64 KiB" if len(buf) > MAX_HEAD else None
    lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
    m = START.match(lines[0].encode("latin-1"))
    if m is None:
        return "not an HTTP start line"
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    method = m.group(1).decode() if m.group(1) else None
    target = m.group(2).decode("latin-1") if m.group(2) else None
    status = int(m.group(3)) if m.group(3) else None
    return HttpHead(method, target, status, headers, end + 4)


def body_length(head: HttpHead, request_method: str | None = None) -> int | str | None:
    """Bytes of body after the head: an int, "chunked", "close" (until EOF), or None when the
    message has no body (a request without Content-Length, 1xx/204/304, a HEAD response)."""
    if head.status is not None and (head.status < 200 or head.status in (204, 304) or request_method == "HEAD"):
        return None
    if "chunked" in head.get("transfer-encoding").lower():
        return "chunked"
    cl = head.get("content-length").split(",")[0].strip()
    length = decimal(cl)  # (not int(): "²", 5,000 digits)
    if length is not None:
        return length
    return "close" if head.status is not None else None


def dechunk(buf: bytes | bytearray, start: int) -> tuple[int, bytes] | str | None:
    """Decode a chunked body starting at ``start``: (end offset, body), None if incomplete,
    or a reason string for a malformed chunk size (§7.1)."""
    pos, parts = start, list[bytes]()
    while True:
        eol = buf.find(b"\r\n", pos, pos + 1024)
        if eol < 0:
            return None if len(buf) - pos < 1024 else "malformed chunk size line"
        size_text = bytes(buf[pos:eol]).split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return f"malformed chunk size {size_text[:20]!r}"
        if size == 0:
            trailer = buf.find(b"\r\n\r\n", eol)
            if trailer < 0:
                return None
            return trailer + 4, b"".join(parts)
        if len(buf) < eol + 2 + size + 2:
            return None
        parts.append(bytes(buf[eol + 2 : eol + 2 + size]))
        pos = eol + 2 + size + 2
        if pos - start > MAX_BODY:
            return "chunked body larger than 16 MiB"
