"""A local HTTPS CONNECT proxy that plays the five RIR RDAP services from recorded documents.

Clients reach it the way a user reaches a corporate proxy: ``https_proxy=http://127.0.0.1:PORT``
and a CA bundle (``SSL_CERT_FILE``), or the same values passed explicitly. It answers ``CONNECT``
for any host, terminates TLS with a certificate from a throw-away test CA (made with the openssl
CLI, SANs for the RIR RDAP hosts) and serves ``/ip/<addr>`` and ``/entity/<handle>`` from
tests/data/rdap-fixtures (recorded by ipwhois; tests/data/README.md). Nothing is forwarded: no packet leaves loopback.

Plain (non-CONNECT) requests control it: ``GET /_lab/stats``, ``POST /_lab/config`` (JSON:
``delay``, ``stall``, ``refuse``, ``ratelimit``, ``errors``, ``retry_after``, ``template``),
``POST /_lab/reset``. It runs as a separate process (``python rdap_proxy.py``), so a benchmark
measures the client, not a shared GIL; ``RdapProxy`` starts and drives it.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import http.client
import ipaddress
import json
import re
import signal
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

RDAP_HOSTS = ("rdap.arin.net", "rdap.db.ripe.net", "rdap.apnic.net", "rdap.lacnic.net", "rdap.afrinic.net")
_PATH = re.compile(r"/(ip|entity)/([^/?#]+)")
_DEFAULTS: dict[str, Any] = {
    "delay": 0.0,
    "stall": False,
    "refuse": False,
    "ratelimit": 0,
    "errors": 0,
    "retry_after": 0,
    "template": False,
}


FIXTURES = Path(__file__).resolve().parents[1] / "data" / "rdap-fixtures"
"""The recorded RDAP and ASN documents (tests/data/README.md says where they come from)."""


def make_certificates(workdir: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for the RIR RDAP hosts: (ca.pem, cert.pem, key.pem)."""
    workdir.mkdir(parents=True, exist_ok=True)
    ca, ca_key = workdir / "ca.pem", workdir / "ca.key"
    cert, key, csr, ext = (workdir / n for n in ("server.pem", "server.key", "server.csr", "server.ext"))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        ca_key,
        "-out",
        ca,
        "-days",
        "2",
        "-subj",
        "/CN=icecheck lab test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    _openssl("req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=rdap.lab.test")
    sans = ",".join(f"DNS:{h}" for h in RDAP_HOSTS)
    ext.write_text(
        f"subjectAltName={sans}\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        ca,
        "-CAkey",
        ca_key,
        "-CAcreateserial",
        "-out",
        cert,
        "-days",
        "2",
        "-extfile",
        ext,
    )
    return ca, cert, key


def _openssl(*args: object) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


class Documents:
    """Recorded RDAP documents by address and entity handle, plus a template for any address."""

    def __init__(self, folder: Path) -> None:
        recorded = json.loads((folder / "ipwhois-rdap.json").read_text())
        self.ips = {_canonical(a): e["response"] for a, e in recorded.items()}
        entity = json.loads((folder / "ipwhois-entity.json").read_text())
        self.entities = {entity["handle"]: entity}
        self._v4, self._v6 = self.ips["62.239.237.1"], self.ips["2a00:2381:ffff::1"]

    def ip(self, address: str, template: bool) -> dict[str, Any] | None:
        """The recorded document, or (``template``) the BT one rewritten for ``address``."""
        key = _canonical(address)
        if key in self.ips or not template or key is None:
            return self.ips.get(key or "")
        doc: dict[str, Any] = copy.deepcopy(self._v4 if ":" not in key else self._v6)
        doc.update(handle=f"LAB-{key}", name="LAB-TEMPLATE-NET", startAddress=key, endAddress=key)
        return doc


def _canonical(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class Lab:
    """Counters and failure modes, shared by all connections of the proxy process."""

    def __init__(self, docs: Documents, context: ssl.SSLContext) -> None:
        self.docs, self.context = docs, context
        self.mode: dict[str, Any] = dict(_DEFAULTS)
        self.stats: dict[str, Any] = _fresh_stats()
        self.inflight = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            method, target, body = await _read_request(reader)
            if method == "CONNECT":
                await self._tunnel(reader, writer)
            else:
                _respond(writer, 200, self._control(method, target, body))
            await writer.drain()
        except (OSError, ValueError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats["connects"] += 1
        if self.mode["refuse"]:
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await writer.start_tls(self.context)
        _, path, _ = await _read_request(reader)
        await self._serve(path, reader, writer)

    async def _serve(self, path: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.inflight += 1
        self.stats["max_inflight"] = max(self.stats["max_inflight"], self.inflight)
        try:
            await self._answer(path, reader, writer)
        finally:
            self.inflight -= 1

    async def _answer(self, path: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats["requests"] += 1
        self.stats["paths"][path] = self.stats["paths"].get(path, 0) + 1
        if self.mode["stall"]:
            await asyncio.wait_for(reader.read(), 120)  # until the client gives up
            return
        await asyncio.sleep(float(self.mode["delay"]))
        for budget, code in (("ratelimit", 429), ("errors", 503)):
            if self.mode[budget] > 0:
                self.mode[budget] -= 1
                _respond(writer, code, {"errorCode": code}, {"Retry-After": str(self.mode["retry_after"])})
                return
        doc = self._document(path)
        _respond(writer, 200 if doc else 404, doc or {"errorCode": 404, "title": "Not Found"})

    def _document(self, path: str) -> dict[str, Any] | None:
        match = _PATH.search(path)
        if match is None:
            return None
        if match.group(1) == "entity":
            return self.docs.entities.get(match.group(2))
        return self.docs.ip(match.group(2), bool(self.mode["template"]))

    def _control(self, method: str, target: str, body: bytes) -> dict[str, Any]:
        if method == "POST" and target == "/_lab/config":
            self.mode.update(json.loads(body or b"{}"))
        elif method == "POST" and target == "/_lab/reset":
            self.mode = dict(_DEFAULTS)
            self.stats = _fresh_stats()
        return {"mode": self.mode, "stats": self.stats}


def _fresh_stats() -> dict[str, Any]:
    """Counters: tunnels opened, RDAP requests (and per path), most requests served at once."""
    return {"connects": 0, "requests": 0, "paths": {}, "max_inflight": 0}


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes]:
    """Request line, target and body (by Content-Length) of one HTTP/1.1 request."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    method, target, _ = head.split("\r\n", 1)[0].split(" ", 2)
    length = re.search(r"(?im)^content-length:\s*(\d+)", head)
    body = await reader.readexactly(int(length.group(1))) if length else b""
    return method, target, body


def _respond(writer: asyncio.StreamWriter, code: int, doc: dict[str, Any], extra: dict[str, str] | None = None) -> None:
    body = json.dumps(doc).encode()
    reason = http.client.responses.get(code, "Status")
    headers = {
        "Content-Type": "application/rdap+json",
        "Content-Length": str(len(body)),
        "Connection": "close",
        **(extra or {}),
    }
    lines = [f"HTTP/1.1 {code} {reason}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    writer.write("\r\n".join(lines).encode() + body)


async def _serve_forever(args: argparse.Namespace) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    lab = Lab(Documents(Path(args.fixtures)), context)
    server = await asyncio.start_server(lab.handle, "127.0.0.1", args.port, backlog=1024)
    print("READY", server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


class RdapProxy:
    """Starts the proxy process on a free loopback port; ``url``, ``ca_file``, stats and modes."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.workdir / "ca.pem"

    def start(self) -> RdapProxy:
        if not self.ca_file.exists():
            make_certificates(self.workdir)
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--cert",
            str(self.workdir / "server.pem"),
            "--key",
            str(self.workdir / "server.key"),
            "--fixtures",
            str(FIXTURES),
        ]
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        ready = self._proc.stdout.readline().split()
        if len(ready) != 2 or ready[0] != "READY":
            self.stop()
            raise RuntimeError("RDAP proxy did not start")
        self.port = int(ready[1])
        return self

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            self._proc.wait(timeout=5)
        self._proc = None

    def stats(self) -> dict[str, Any]:
        return dict(self._call("GET", "/_lab/stats")["stats"])

    def configure(self, **mode: Any) -> None:
        self._call("POST", "/_lab/config", mode)

    def reset(self) -> None:
        self._call("POST", "/_lab/reset")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)  # direct: never a proxy
        try:
            conn.request(method, path, body=json.dumps(body or {}).encode())
            return dict(json.loads(conn.getresponse().read()))
        finally:
            conn.close()

    def __enter__(self) -> RdapProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--fixtures", default=str(FIXTURES))
    asyncio.run(_serve_forever(parser.parse_args()))


if __name__ == "__main__":
    main()
