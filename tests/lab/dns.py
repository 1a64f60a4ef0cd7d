"""A real DNS server for enrichment tests: dnsmasq on a free loopback port (CONTRIBUTING.md, "The lab").

It answers PTR records and Team Cymru-style ASN TXT records (``<rev>.origin[6].asn.cymru.com``
and ``AS<n>.asn.cymru.com``) built from the recorded ``asn_data`` in tests/data/rdap-fixtures.
Unknown names get NXDOMAIN (``local=/#/``), or REFUSED when started with ``refuse_unknown``.
Every query is logged, so a test can assert that none was sent.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.lab.rdap_proxy import FIXTURES

# AS names in Team Cymru's "NAME - Description, CC" style for the fixture ASNs. Lab data: the
# recorded fixtures carry origin data (asn_data) but not the AS name record.
AS_NAMES: Mapping[int, str] = {
    2856: "BT-UK-AS BTnet UK Regional network, GB",
    15169: "GOOGLE, US",
    2497: "IIJ Internet Initiative Japan Inc., JP",
    3786: "LGDACOM LG DACOM Corporation, KR",
    19373: "Triara.com, S.A. de C.V., MX",
    37578: "TESPOK-AS, KE",
    12091: "MTNNS-AS, ZA",
}

# Reverse DNS for the lab (lookup keys only; names modelled on real ISP naming schemes).
FIXTURE_PTRS: Mapping[str, str] = {
    "62.239.237.1": "host62-239-237-1.range62-239.btcentralplus.com",
    "2001:4860:4860::8888": "dns.google",
    "74.125.225.229": "ord08s08-in-f5.1e100.net",
    "200.57.141.161": "dsl-200-57-141-161-dyn.prod-infinitum.com.mx",
    "210.107.73.73": "ftth-210-107-73-73.static.boranet.co.kr",
}


@dataclass(frozen=True)
class Origin:
    """One Cymru origin answer: ``ASN | CIDR | CC | registry | date``."""

    asn: str
    cidr: str
    country: str
    registry: str
    date: str = ""


@dataclass
class Zone:
    """What the lab server answers."""

    ptrs: dict[str, str] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    as_names: dict[int, str] = field(default_factory=dict)
    hosts: dict[str, list[str]] = field(default_factory=dict)  # name -> A/AAAA addresses


def origin_name(address: str) -> str:
    """The Cymru query name for ``address``, exactly as ipwhois 1.3 builds it (net.py)."""
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return ".".join(reversed(str(ip).split("."))) + ".origin.asn.cymru.com"
    groups = ip.exploded.split(":")
    while groups and groups[-1] == "0000":  # ipwhois drops trailing zero groups
        groups.pop()
    return ".".join(reversed("".join(groups))) + ".origin6.asn.cymru.com"


def fixture_zone() -> Zone:
    """PTRs, origins and AS names for the recorded addresses.

    The origin ASN comes from ``ipwhois-asn.json``; CIDR, country, registry and date from the
    ``asn_data`` recorded beside each RDAP document in ``ipwhois-rdap.json``.
    """
    rdap = json.loads((FIXTURES / "ipwhois-rdap.json").read_text())
    asns = json.loads((FIXTURES / "ipwhois-asn.json").read_text())
    zone = Zone(ptrs=dict(FIXTURE_PTRS), as_names=dict(AS_NAMES))
    for address, entry in rdap.items():
        meta = entry["asn_data"]
        asn = asns.get(address, {}).get("asn", meta["asn"])
        zone.origins[address] = Origin(
            asn, meta["asn_cidr"], meta["asn_country_code"], meta["asn_registry"], meta["asn_date"]
        )
    return zone


def config_lines(zone: Zone, refuse_unknown: bool = False) -> Iterable[str]:
    """dnsmasq configuration; TXT records must live in the file (on the command line they split at commas)."""
    yield from ("no-resolv", "no-hosts", "cache-size=0")
    if not refuse_unknown:
        yield "local=/#/"
    for name, addresses in zone.hosts.items():
        yield f"host-record={name},{','.join(addresses)}"
    for address, name in zone.ptrs.items():
        yield f"ptr-record={ipaddress.ip_address(address).reverse_pointer},{name}"
    for address, o in zone.origins.items():
        yield f'txt-record={origin_name(address)},"{o.asn} | {o.cidr} | {o.country} | {o.registry} | {o.date}"'
    for asn, name in zone.as_names.items():
        origin = next((o for o in zone.origins.values() if o.asn == str(asn)), None)
        cc, reg, date = (origin.country, origin.registry, origin.date) if origin else ("ZZ", "arin", "")
        yield f'txt-record=AS{asn}.asn.cymru.com,"{asn} | {cc} | {reg} | {date} | {name}"'


class LabDns:
    """dnsmasq on 127.0.0.1:<free port>. Use as a context manager."""

    def __init__(self, workdir: Path, zone: Zone, refuse_unknown: bool = False) -> None:
        self.workdir, self.zone, self.refuse_unknown = workdir, zone, refuse_unknown
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """The ``IP:PORT`` form ``EnrichConfig.resolver`` takes."""
        return f"127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / "dnsmasq.log"

    def start(self) -> LabDns:
        binary = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "lab.conf"
        conf.write_text("\n".join(config_lines(self.zone, self.refuse_unknown)) + "\n")
        for _ in range(5):  # a free port can be taken between probe and bind: retry
            self.port = _free_port()
            self._proc = subprocess.Popen(
                [
                    binary,
                    "--keep-in-foreground",
                    "--listen-address=127.0.0.1",
                    "--bind-interfaces",
                    f"--port={self.port}",
                    "--pid-file=",
                    f"--conf-file={conf}",
                    "--log-queries",
                    f"--log-facility={self.log}",
                ],
                stderr=subprocess.DEVNULL,
            )
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError("dnsmasq did not start")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            self._proc.wait(timeout=5)
        self._proc = None

    def queries(self) -> int:
        """How many queries dnsmasq has logged so far."""
        if not self.log.exists():
            return 0
        return sum(1 for line in self.log.read_text().splitlines() if " query[" in line)

    def __enter__(self) -> LabDns:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_ready(self) -> bool:
        """Probe with a TCP connect (sends nothing to the DNS logic) until it listens."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return True
            time.sleep(0.01)
        return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
