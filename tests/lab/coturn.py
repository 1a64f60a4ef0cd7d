"""coturn (Debian ``coturn``) started as CONTRIBUTING.md ("The lab") says, inside a lab namespace.

``turnserver -n`` skips /etc/turnserver.conf; no TLS, no CLI, long-term credentials. With two
listening IPs coturn returns OTHER-ADDRESS and honours CHANGE-REQUEST (RFC 5780), on the
alternate port ``port + 1``. Ready means: it answered a STUN Binding request, sent from inside its
own namespace. Stopped with SIGTERM by recorded PID.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.lab.netns import NatLab

USER, PASSWORD, REALM = "icetest", "icepass", "icecheck.test"
# A Binding request every 20 ms until one is answered (RFC 5389 §6 header, no attributes).
_PROBE = """import os, socket, struct, sys, time
host, port, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.02)
tid = os.urandom(12)
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        s.sendto(struct.pack("!HHI12s", 1, 0, 0x2112A442, tid), (host, port))
        if s.recv(2048)[8:20] == tid:
            sys.exit(0)
    except OSError:
        time.sleep(0.02)
sys.exit(1)
"""


class Coturn:
    """One turnserver in ``ns`` of ``lab``; use as a context manager."""

    def __init__(self, lab: NatLab, ns: str, listening_ips: Sequence[str], port: int = 3478,
                 relay_ip: str | None = None, min_port: int = 49160, max_port: int = 49200) -> None:  # fmt: skip
        self.lab, self.ns, self.ips, self.port = lab, ns, list(listening_ips), port
        self.relay_ip = relay_ip or self.ips[0]
        self.min_port, self.max_port = min_port, max_port
        self.state = Path(tempfile.mkdtemp(prefix="icecheck-coturn-"))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> tuple[str, int]:
        return self.ips[0], self.port

    @property
    def log(self) -> Path:
        return self.state / "turnserver.log"

    def argv(self) -> list[str]:
        binary = shutil.which("turnserver") or "/usr/bin/turnserver"
        return [binary, "-n", *(f"--listening-ip={ip}" for ip in self.ips), f"--relay-ip={self.relay_ip}",
                f"--listening-port={self.port}", f"--min-port={self.min_port}", f"--max-port={self.max_port}",
                "--no-tls", "--no-dtls", "--no-cli", "--lt-cred-mech", f"--user={USER}:{PASSWORD}",
                f"--realm={REALM}", "--fingerprint", f"--userdb={self.state}/turndb",
                f"--pidfile={self.state}/turnserver.pid", "--log-file=stdout", "--simple-log"]  # fmt: skip

    def start(self, timeout: float = 10.0) -> Coturn:
        """Start and wait until a Binding request is answered; RuntimeError with the log if not."""
        self.proc = self.lab.spawn(self.ns, self.argv(), log=self.log)
        probe = self.lab.exec(self.ns, "python3", "-c", _PROBE, self.ips[0], str(self.port), str(timeout),
                              timeout=timeout + 5, check=False)  # fmt: skip
        if probe.returncode != 0 or self.proc.poll() is not None:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            self.stop()
            raise RuntimeError(f"coturn did not answer on {self.ips[0]}:{self.port}\n{log}")
        return self

    def stop(self) -> None:
        """SIGTERM by PID (coturn stops within milliseconds), then remove its state directory."""
        if self.proc is not None:
            self.lab.forget(self.proc)
            self.proc = None
        shutil.rmtree(self.state, ignore_errors=True)

    def __enter__(self) -> Coturn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
