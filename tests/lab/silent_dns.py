"""A DNS server that never answers, and what goes with testing against it in the netns lab.

``SilentDns`` is a UDP socket in a lab namespace that reads queries and drops them.

Unlike a closed port (which answers with ICMP port unreachable, so a resolver gives up at once),
a socket that reads and stays silent makes every resolver wait for its own timeout: the case a
``--timeout`` must bound. Every datagram read is logged as one line, so a test can count the
queries that reached it. Started by ``NatLab.spawn`` (recorded, stopped by PID at teardown).

``use_as_system_resolver`` points a namespace's ``/etc/netns/<ns>/resolv.conf`` at it: the
system resolver (getaddrinfo, dnspython with ``configure=True``) of every process started in
that namespace afterwards asks it. ``add_public_address`` gives the client a public host address
to look up, and ``count_client_lookups``/``client_lookups`` count the lookup traffic (DNS, whois,
HTTP(S)) the client sends, beside ``NatLab.client_egress``, which counts every packet.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.lab.netns import CLIENT_LAN, NatLab, run, wait_until

_SERVER = """import socket, sys
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(65535)
    print("query", len(data), peer[0], flush=True)
"""


class SilentDns:
    """A never-answering DNS server on ``address:port`` in ``ns`` of ``lab``; a context manager."""

    def __init__(self, lab: NatLab, ns: str, address: str, log: Path, port: int = 53) -> None:
        self.lab, self.ns, self.address, self.port, self.log = lab, ns, address, port, log
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> SilentDns:
        self.log.unlink(missing_ok=True)
        self._proc = self.lab.spawn(self.ns, [sys.executable, "-u", "-c", _SERVER, self.address, str(self.port)],
                                    log=self.log)  # fmt: skip
        proc = self._proc
        if not wait_until(lambda: "ready" in self._read() or proc.poll() is not None, 10) or proc.poll() is not None:
            self.stop()
            raise RuntimeError(f"the silent DNS server did not start: {self._read()}")
        return self

    def stop(self) -> None:
        if self._proc is not None:
            self.lab.forget(self._proc)
            self._proc = None

    def queries(self) -> int:
        """Datagrams received so far."""
        return sum(1 for line in self._read().splitlines() if line.startswith("query "))

    def _read(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> SilentDns:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def use_as_system_resolver(ns: str, address: str) -> None:
    """Make ``address`` the only nameserver of processes started in ``ns`` from now on."""
    folder = Path(f"/etc/netns/{ns}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "resolv.conf").write_text(f"nameserver {address}\n")


def add_public_address(lab: NatLab, address: str) -> None:
    """Give the client the IPv4 ``address`` on c-lan, with the router's route back to it, so a
    gathering has a public host candidate (and a base whose STUN answers come back). Use a
    recorded address of rdap-fixtures: a lookup key only, no packet is ever sent to it."""
    run("ip", "-n", lab.client, "addr", "add", f"{address}/32", "dev", "c-lan")
    run("ip", "-n", lab.router, "route", "add", f"{address}/32", "via", CLIENT_LAN)


_LOOKUP_RULES = """table inet iclab_lookups {
  counter lookups { }
  chain out {
    type filter hook output priority 0; policy accept;
    oifname { "c-lan", "c-cgn" } udp dport 53 counter name lookups
    oifname { "c-lan", "c-cgn" } tcp dport { 43, 53, 80, 443 } counter name lookups
  }
}
"""


def count_client_lookups(lab: NatLab) -> None:
    """Count, from zero, the lookup packets the client sends: DNS, whois (43), HTTP and HTTPS."""
    lab.exec(lab.client, "nft", "delete", "table", "inet", "iclab_lookups", check=False)
    lab.nft(lab.client, _LOOKUP_RULES)


def client_lookups(lab: NatLab) -> int:
    """Lookup packets counted since ``count_client_lookups``."""
    out = lab.exec(lab.client, "nft", "-j", "list", "counter", "inet", "iclab_lookups", "lookups").stdout
    return next(int(o["counter"]["packets"]) for o in json.loads(out)["nftables"] if "counter" in o)
