#!/usr/bin/env python3
"""Regenerate samples/captures/ from real SIP user agents, a real proxy and a real browser.

usage: sudo python3 scripts/make_captures/make_captures.py [--out DIR] [--keep] [--skip-browser]

Needs root and the Debian packages kamailio kamailio-websocket-modules baresip coturn tshark
nftables iproute2 chromium. Everything runs in four network namespaces created here; no link
leads out of them, so nothing sent can leave the machine:

  icmc-alice                  icmc-router                       icmc-public                icmc-bob
  a-lan 192.168.77.10/24 ──── r-lan 192.168.77.1/24             p-wan 203.0.113.10/24      b-lan 198.51.100.20/24
        (MTU 1000: big        r-wan 203.0.113.1/24 ──────────── kamailio udp/tcp :5060,    │
        INVITEs fragment)     (nft masquerade = cone NAT)       ws :8080; coturn :3478;    │
                                                                signalling.py ws :8188     │
                                                                p-bob 198.51.100.1/24 ─────┘

Calls: alice (baresip, UDP, ICE with STUN+TURN via coturn) → kamailio → bob (baresip,
registered over TCP, auto-answer): SIP over UDP with IP fragments on the LAN side, SIP over
TCP on bob's side, STUN/TURN on the wire. Then headless Chromium in alice's namespace opens
page.html, which sends its real offer as a SIP INVITE over WebSocket (RFC 7118) to kamailio
(bob answers), and the same offer and trickled candidates as JSON over a second WebSocket to
signalling.py; the DevTools protocol (``--remote-debugging-pipe``) records those messages
as a HAR, and the page saves a webrtc-internals-style dump of its PeerConnection; a second tab
on chrome://webrtc-internals gives Chromium's own two downloads of the same PeerConnection.
tshark records: alice's LAN (Ethernet, pcap), the public namespace on "any" (Linux cooked
v2, pcapng, gzipped) and bob's link (Linux cooked v1, pcap).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NS = {"a": "icmc-alice", "r": "icmc-router", "p": "icmc-public", "b": "icmc-bob"}
PROXY, TURN = "203.0.113.10", "203.0.113.10:3478"
PIDS: list[int] = []


def sh(*cmd: str, ns: str | None = None, check: bool = True) -> str:
    full = ["ip", "netns", "exec", NS[ns], *cmd] if ns else list(cmd)
    return subprocess.run(full, check=check, capture_output=True, text=True).stdout


def spawn(name: str, ns: str, cmd: list[str], state: Path, env: dict[str, str] | None = None,
          **kw: object) -> subprocess.Popen[bytes]:
    """Start a process in a namespace in its own session; its PID is recorded for teardown."""
    log = open(state / f"{name}.log", "wb")  # noqa: SIM115 - kept open for the child
    proc = subprocess.Popen(["ip", "netns", "exec", NS[ns], *cmd], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, **(env or {})}, **kw)  # type: ignore[call-overload]
    PIDS.append(proc.pid)
    return proc


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, wait: float = 5.0) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def teardown() -> None:
    for pid in PIDS:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    for name in NS.values():
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def setup() -> None:
    teardown()
    for name in NS.values():
        sh("ip", "netns", "add", name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
    sh("ip", "-n", NS["a"], "link", "add", "a-lan", "type", "veth", "peer", "name", "r-lan", "netns", NS["r"])
    sh("ip", "-n", NS["r"], "link", "add", "r-wan", "type", "veth", "peer", "name", "p-wan", "netns", NS["p"])
    sh("ip", "-n", NS["p"], "link", "add", "p-bob", "type", "veth", "peer", "name", "b-lan", "netns", NS["b"])
    for ns, dev, addr in (("a", "a-lan", "192.168.77.10/24"), ("r", "r-lan", "192.168.77.1/24"),
                          ("r", "r-wan", "203.0.113.1/24"), ("p", "p-wan", "203.0.113.10/24"),
                          ("p", "p-bob", "198.51.100.1/24"), ("b", "b-lan", "198.51.100.20/24")):
        sh("ip", "-n", NS[ns], "addr", "add", addr, "dev", dev)
        sh("ip", "-n", NS[ns], "link", "set", dev, "up")
    sh("ip", "-n", NS["a"], "link", "set", "a-lan", "mtu", "1000")
    sh("ip", "-n", NS["r"], "link", "set", "r-lan", "mtu", "1000")
    sh("ip", "-n", NS["a"], "route", "add", "default", "via", "192.168.77.1")
    sh("ip", "-n", NS["b"], "route", "add", "default", "via", "198.51.100.1")
    sh("ip", "-n", NS["r"], "route", "add", "default", "via", PROXY)
    sh("ip", "-n", NS["p"], "route", "add", "192.168.77.0/24", "via", "203.0.113.1")  # unused: NAT hides it
    for ns in ("r", "p"):
        sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=ns)
    nft = ('table ip icmc_nat {\n chain post {\n  type nat hook postrouting priority srcnat;\n'
           '  oifname "r-wan" masquerade\n }\n}\n')
    subprocess.run(["ip", "netns", "exec", NS["r"], "nft", "-f", "-"], input=nft, text=True, check=True)
    for ns in NS.values():
        Path(f"/etc/netns/{ns}").mkdir(parents=True, exist_ok=True)
        Path(f"/etc/netns/{ns}/resolv.conf").write_text("nameserver 127.0.0.1\n")


def baresip_home(state: Path, name: str, listen: str, account: str) -> Path:
    home = state / f"baresip-{name}"
    home.mkdir()
    (home / "config").write_text(
        f"sip_listen\t\t{listen}\n"
        "module_path\t\t/usr/lib/baresip/modules\n"
        "module\t\t\topus.so\nmodule\t\t\tg711.so\nmodule\t\t\tausine.so\nmodule\t\t\taufile.so\n"
        "module\t\t\tstun.so\nmodule\t\t\tturn.so\nmodule\t\t\tice.so\n"
        "module_app\t\taccount.so\nmodule_app\t\tmenu.so\n"
        "audio_player\t\taufile,/dev/null\naudio_source\t\tausine,440\naudio_alert\t\taufile,/dev/null\n"
        "audio_srate\t\t48000\n"
        "dns_server\t\t127.0.0.1:53\nnet_interface\t\t\n"
    )
    (home / "accounts").write_text(account + "\n")
    return home


def sip_calls(state: Path) -> subprocess.Popen[bytes]:
    """alice (UDP, ICE, behind NAT) calls bob (TCP) through kamailio; bob stays registered."""
    bob = baresip_home(state, "bob", "198.51.100.20:5060",
                       f"<sip:bob@{PROXY};transport=tcp>;regint=600;answermode=auto;"
                       f"medianat=ice;stunserver=stun:{TURN}")
    alice = baresip_home(state, "alice", "192.168.77.10:5060",
                         f"<sip:alice@{PROXY};transport=udp>;regint=600;medianat=ice;"
                         f"stunserver=turn:{TURN};stunuser=icetest;stunpass=icepass")
    b = spawn("baresip-bob", "b", ["baresip", "-f", str(bob), "-t", "120"], state)
    time.sleep(2)
    a = spawn("baresip-alice", "a", ["baresip", "-s", "-f", str(alice), "-t", "6",
                                     "-e", f"/dial sip:bob@{PROXY}"], state)
    a.wait(30)
    time.sleep(1)
    return b


def start_servers(state: Path) -> list[subprocess.Popen[bytes]]:
    turndb = state / "turndb"
    coturn = spawn("coturn", "p", [
        "turnserver", "-n", f"--listening-ip={PROXY}", f"--relay-ip={PROXY}", "--listening-port=3478",
        "--min-port=49160", "--max-port=49200", "--no-tls", "--no-dtls", "--no-cli", "--lt-cred-mech",
        "--user=icetest:icepass", "--realm=icecheck.test", "--fingerprint", f"--userdb={turndb}",
        f"--pidfile={state}/turnserver.pid", "--log-file=stdout", "--simple-log"], state)
    kamailio = spawn("kamailio", "p", ["kamailio", "-DD", "-E", "-f", str(HERE / "kamailio.cfg"),
                                      "-P", str(state / "kamailio.pid"), "-Y", str(state)], state)
    signalling = spawn("signalling", "p", [sys.executable, str(HERE / "signalling.py"), PROXY, "8188"], state)
    time.sleep(1.5)
    return [coturn, kamailio, signalling]


def start_captures(state: Path) -> list[subprocess.Popen[bytes]]:
    return [
        spawn("tshark-lan", "r", ["tshark", "-q", "-i", "r-lan", "-F", "pcap", "-w", str(state / "lan.pcap")], state),
        spawn("tshark-any", "p", ["tshark", "-q", "-i", "any", "-F", "pcapng", "-w", str(state / "public.pcapng")],
              state),
        spawn("tshark-bob", "b", ["tshark", "-q", "-i", "any", "-y", "LINUX_SLL", "-F", "pcap", "-w",
                                  str(state / "bob.pcap")], state),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(REPO / "samples" / "captures"))
    parser.add_argument("--keep", action="store_true", help="keep the state directory (logs)")
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    if os.geteuid():
        sys.exit("make_captures: needs root (network namespaces)")
    state = Path(tempfile.mkdtemp(prefix="icmc-"))
    os.chmod(state, 0o777)  # tshark drops privileges and must write here
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        setup()
        servers = start_servers(state)
        captures = start_captures(state)
        time.sleep(2)
        bob = sip_calls(state)
        if not args.skip_browser:
            from browser import browser_session  # scripts/make_captures/browser.py

            browser_session(state, out, spawn)
        time.sleep(1)
        stop(bob, signal.SIGINT)
        for proc in captures:
            stop(proc, signal.SIGINT)
        for proc in servers:
            stop(proc)
        save(state, out)
    finally:
        teardown()
        if not args.keep:
            shutil.rmtree(state, ignore_errors=True)
        else:
            print(f"make_captures: state kept in {state}", file=sys.stderr)
    return 0


def save(state: Path, out: Path) -> None:
    shutil.copy(state / "lan.pcap", out / "sip-udp-nat-fragments.pcap")
    shutil.copy(state / "bob.pcap", out / "sip-tcp-sll.pcap")
    with open(state / "public.pcapng", "rb") as src, gzip.open(out / "proxy-any-sll2.pcapng.gz", "wb", 9) as dst:
        shutil.copyfileobj(src, dst)
    trace = (state / "baresip-alice.log").read_bytes()  # -s: baresip's own SIP trace, colours removed
    (out / "baresip-sip-trace.log").write_bytes(re.sub(rb"\x1b\[[0-9;]*m", b"", trace))
    for path in sorted(out.iterdir()):
        print(f"make_captures: {path.name}: {path.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
