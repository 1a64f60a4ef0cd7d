"""The NAT lab (CONTRIBUTING.md, "The lab") as plain Python (a context manager; needs root).

    client ns                          router ns                         public ns
    c-lan 192.168.77.10/24  ────────── r-lan 192.168.77.1/24             p-wan 203.0.113.10/24
          fd77:77::10/64                     fd77:77::1/64, 2001:db8:77::1/64   203.0.113.11/24
          2001:db8:77::11:22ff:fe33:4455 (EUI-64 of MAC 02:11:22:33:44:55)       203.0.113.20, .53/24
    c-cgn 100.64.10.10/24   ────────── r-cgn 100.64.10.1/24                     2001:db8:113::10/64
                                       r-wan 203.0.113.1/24 ──────────── (nft masquerade on r-wan)

The router masquerades IPv4 leaving r-wan: ``cone`` (port kept, endpoint-independent mapping),
``fully-random`` (new port per 5-tuple) or ``random``; IPv6 is routed. No link leads out of the
lab, so nothing sent inside it can leave the machine. Namespace names are unique per run
(``icl<pid>-<hex>-{c,r,p}``); processes started with ``spawn`` are recorded and stopped by PID
at teardown, and ``sweep_stale`` removes namespaces whose creating process has died.

``call(ns, fn, *args)`` runs ``fn`` (a module-level function, async or not) in a fresh Python
inside a namespace and returns ``(result, seconds)`` through pickle: the code under test then
sees that namespace's interfaces, routes and /sys/class/net, as it would on a real machine.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CLIENT_LAN, CLIENT_CGN = "192.168.77.10", "100.64.10.10"
CLIENT_ULA, CLIENT_EUI64, CLIENT_MAC = "fd77:77::10", "2001:db8:77::11:22ff:fe33:4455", "02:11:22:33:44:55"
ROUTER_WAN = "203.0.113.1"
PUBLIC_A, PUBLIC_B, PUBLIC_C = "203.0.113.10", "203.0.113.11", "203.0.113.20"
PUBLIC_DNS = "203.0.113.53"  # for a DNS server a test starts in the public namespace
NAT_MODES = {"cone": "masquerade", "fully-random": "masquerade fully-random", "random": "masquerade random"}
_NAME = re.compile(r"icl(\d+)-[0-9a-f]{4}-[crp]$")
# Kernel link upkeep (neighbour discovery, MLD) is not traffic of the code under test.
_EGRESS_RULES = """table inet iclab_count {
  counter egress { }
  chain out {
    type filter hook output priority 0; policy accept;
    icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report,
                  mld2-listener-report } accept
    oifname { "c-lan", "c-cgn" } counter name egress
  }
}
"""
_RUNNER = """import asyncio, importlib, inspect, pickle, sys, time
mod, name, args, kwargs = pickle.loads(sys.stdin.buffer.read())
fn = getattr(importlib.import_module(mod), name)
start = time.perf_counter()
out = asyncio.run(fn(*args, **kwargs)) if inspect.iscoroutinefunction(fn) else fn(*args, **kwargs)
sys.stdout.buffer.write(pickle.dumps((out, time.perf_counter() - start)))
"""


def lab_problem() -> str | None:
    """Why the lab cannot run here (not root, a tool missing), or None when it can."""
    if os.geteuid() != 0:
        return "the network-namespace lab needs root"
    missing = [tool for tool in ("ip", "nft", "turnserver") if shutil.which(tool) is None]
    return f"missing {', '.join(missing)} (Debian: iproute2, nftables, coturn)" if missing else None


def require_lab() -> None:
    """Skip a lab test on a machine that cannot run the lab; under CI (CI set) fail instead."""
    from tests.conftest import unavailable

    problem = lab_problem()
    if problem:
        unavailable(f"the lab tests need: {problem}")


def run(
    *argv: str, input: bytes | None = None, timeout: float = 30, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Run a command; on failure raise with its stderr."""
    proc = subprocess.run(argv, input=input, capture_output=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    return proc


def alive(pid: int) -> bool:
    """True when ``pid`` runs and is not a zombie (``kill -0`` is true for zombies)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = re.search(r"^State:\s+(\S)", status, re.M)
    return state is not None and state.group(1) != "Z"


def stop(proc: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    """SIGTERM ``proc`` by its PID, SIGKILL after ``grace`` seconds, and reap it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(grace)


def delete_namespace(ns: str) -> None:
    """Kill what still runs in ``ns`` (a namespace this suite created), then delete it."""
    pids = run("ip", "netns", "pids", ns, check=False).stdout.split()
    for pid in (int(p) for p in pids):
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    run("ip", "netns", "del", ns, check=False)
    shutil.rmtree(f"/etc/netns/{ns}", ignore_errors=True)


def sweep_stale() -> list[str]:
    """Delete lab namespaces whose creating process is gone (an interrupted run); returns them."""
    names = [line.split()[0] for line in run("ip", "netns", "list").stdout.decode().splitlines() if line.strip()]
    stale = [n for n in names if (m := _NAME.match(n)) and not alive(int(m.group(1)))]
    for ns in stale:
        delete_namespace(ns)
    return stale


class NatLab:
    """Client, router and public namespaces wired as in the module docstring."""

    def __init__(self, nat: str = "cone") -> None:
        tag = f"icl{os.getpid()}-{secrets.token_hex(2)}"
        self.client, self.router, self.public = f"{tag}-c", f"{tag}-r", f"{tag}-p"
        self.nat = nat
        self._procs: list[subprocess.Popen[bytes]] = []
        self._namespaces: list[str] = []

    def __enter__(self) -> NatLab:
        try:
            self.setup()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.teardown()

    def setup(self) -> None:
        sweep_stale()
        for ns in (self.client, self.router, self.public):
            run("ip", "netns", "add", ns)
            self._namespaces.append(ns)
            self.ip(ns, "link", "set", "lo", "up")
        # A resolver that answers nothing: a stray lookup in the client fails instead of leaving.
        Path(f"/etc/netns/{self.client}").mkdir(parents=True, exist_ok=True)
        Path(f"/etc/netns/{self.client}/resolv.conf").write_text("nameserver 127.0.0.1\n")
        self._links()
        self._addresses()
        self._routes()
        self.set_nat(self.nat)

    def _links(self) -> None:
        """veth pairs are created inside the namespaces: no interface ever appears outside."""
        c, r, p = self.client, self.router, self.public
        self.ip(c, "link", "add", "c-lan", "address", CLIENT_MAC, "type", "veth", "peer", "name", "r-lan", "netns", r)
        self.ip(c, "link", "add", "c-cgn", "type", "veth", "peer", "name", "r-cgn", "netns", r)
        self.ip(r, "link", "add", "r-wan", "type", "veth", "peer", "name", "p-wan", "netns", p)
        self.sysctl(c, "net.ipv6.conf.all.accept_ra=0", "net.ipv6.conf.default.accept_ra=0")
        self.sysctl(r, "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")

    def _addresses(self) -> None:
        plan = {
            self.client: [("c-lan", f"{CLIENT_LAN}/24"), ("c-lan", f"{CLIENT_ULA}/64"),
                          ("c-lan", f"{CLIENT_EUI64}/64"), ("c-cgn", f"{CLIENT_CGN}/24")],
            self.router: [("r-lan", "192.168.77.1/24"), ("r-lan", "fd77:77::1/64"), ("r-lan", "2001:db8:77::1/64"),
                          ("r-cgn", "100.64.10.1/24"), ("r-wan", f"{ROUTER_WAN}/24"), ("r-wan", "2001:db8:113::1/64")],
            self.public: [("p-wan", f"{a}/24") for a in (PUBLIC_A, PUBLIC_B, PUBLIC_C, PUBLIC_DNS)]
                         + [("p-wan", "2001:db8:113::10/64")],
        }  # fmt: skip
        for ns, entries in plan.items():
            for dev, cidr in entries:
                self.ip(ns, "addr", "add", cidr, "dev", dev, *(["nodad"] if ":" in cidr else []))
            for dev in dict.fromkeys(dev for dev, _ in entries):
                self.ip(ns, "link", "set", dev, "up")

    def _routes(self) -> None:
        c, p = self.client, self.public
        self.ip(c, "route", "add", "default", "via", "192.168.77.1", "dev", "c-lan")
        self.ip(c, "-6", "route", "add", "default", "via", "fd77:77::1", "dev", "c-lan")
        # Traffic from the CGN address leaves by its own link (as on a two-homed laptop).
        self.ip(c, "rule", "add", "from", CLIENT_CGN, "table", "100")
        self.ip(c, "route", "add", "default", "via", "100.64.10.1", "dev", "c-cgn", "table", "100")
        self.ip(p, "-6", "route", "add", "2001:db8:77::/64", "via", "2001:db8:113::1")
        self.ip(p, "-6", "route", "add", "fd77:77::/64", "via", "2001:db8:113::1")

    def set_nat(self, mode: str) -> None:
        """Switch the router's masquerade (``NAT_MODES``); it applies to new flows."""
        self.nft(self.router, "flush ruleset\n" + "table ip iclab_nat {\n  chain postrouting {\n"
                 "    type nat hook postrouting priority srcnat; policy accept;\n"
                 f'    oifname "r-wan" {NAT_MODES[mode]}\n  }}\n}}\n')  # fmt: skip
        self.nat = mode

    def teardown(self) -> None:
        """Stop recorded processes by PID, then delete the namespaces; safe to call twice."""
        for proc in reversed(self._procs):
            stop(proc)
        self._procs.clear()
        for ns in reversed(self._namespaces):
            delete_namespace(ns)
        self._namespaces.clear()

    # -- running things -------------------------------------------------------------------------

    def ip(self, ns: str, *args: str) -> None:
        run("ip", "-n", ns, *args)

    def sysctl(self, ns: str, *settings: str) -> None:
        self.exec(ns, "sysctl", "-qw", *settings)

    def nft(self, ns: str, ruleset: str) -> None:
        self.exec(ns, "nft", "-f", "-", input=ruleset.encode())

    def exec(
        self, ns: str, *argv: str, input: bytes | None = None, timeout: float = 60, check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        return run("ip", "netns", "exec", ns, *argv, input=input, timeout=timeout, check=check)

    def spawn(self, ns: str, argv: list[str], log: Path | None = None) -> subprocess.Popen[bytes]:
        """Start a long-running process in ``ns``; it is recorded and stopped at teardown."""
        out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
        proc = subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)  # fmt: skip
        if log:
            out.close()  # type: ignore[union-attr]
        self._procs.append(proc)
        return proc

    def forget(self, proc: subprocess.Popen[bytes]) -> None:
        """Stop a spawned process now (by PID) and drop it from the record."""
        stop(proc)
        if proc in self._procs:
            self._procs.remove(proc)

    def call(
        self, ns: str, fn: Callable[..., Any], *args: Any, timeout: float = 60, **kwargs: Any
    ) -> tuple[Any, float]:
        """Run ``fn(*args, **kwargs)`` in a new Python inside ``ns``: ``(result, seconds it took)``."""
        payload = pickle.dumps((fn.__module__, fn.__qualname__, args, kwargs))
        env_py = ["env", f"PYTHONPATH={REPO}", sys.executable, "-c", _RUNNER]
        proc = self.exec(ns, *env_py, input=payload, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{fn.__qualname__} failed in {ns}:\n{proc.stderr.decode(errors='replace')}")
        result, seconds = pickle.loads(proc.stdout)
        return result, seconds

    # -- counting what leaves the client ---------------------------------------------------------

    def count_client_egress(self) -> None:
        """Count packets the client sends on c-lan/c-cgn (ND/MLD upkeep excluded), from zero."""
        self.exec(self.client, "nft", "delete", "table", "inet", "iclab_count", check=False)
        self.nft(self.client, _EGRESS_RULES)

    def client_egress(self) -> int:
        """Packets counted since ``count_client_egress``."""
        out = self.exec(self.client, "nft", "-j", "list", "counter", "inet", "iclab_count", "egress").stdout
        return next(int(o["counter"]["packets"]) for o in json.loads(out)["nftables"] if "counter" in o)


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.01) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
