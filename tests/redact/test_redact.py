"""``icecheck redact`` on every sample: no original address survives, formats stay valid,
stand-ins are consistent, --keep-relay keeps, --scrub-secrets scrubs."""

from __future__ import annotations

import gzip
import ipaddress
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from icecheck.redact.standins import StandIns, v6_text
from icecheck.redact.text import redact_text
from tests.conftest import SAMPLES, run_cli, unavailable

SDPS = sorted([*SAMPLES.glob("real/*.sdp"), *SAMPLES.glob("rules/*.sdp")])
CAPTURES = sorted(p for p in SAMPLES.glob("captures/*") if p.suffix not in (".md",) and p.is_file())
DOC_NETS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]
TSHARK_FIELDS = ("ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "arp.src.proto_ipv4", "arp.dst.proto_ipv4",
                 "stun.att.ipv4", "stun.att.ipv6", "eth.src", "eth.dst", "sll.src.eth", "arp.src.hw_mac")  # fmt: skip


def redact(src: Path, out: Path, *args: str) -> Path:
    proc = run_cli("redact", str(src), "-o", str(out), *args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("icecheck: redacted ")
    return out


def audit(path: Path) -> dict[str, Any]:
    command = "sdp" if path.suffix == ".sdp" else "scan"
    proc = run_cli(command, str(path), "--format", "json", "--no-config")
    assert proc.returncode in (0, 1), proc.stderr
    return dict(json.loads(proc.stdout))


def identifying(report: dict[str, Any]) -> list[str]:
    """Every address and name in the report that identifies something (not 0.0.0.0, loopback)."""
    found = [c["address"] for c in report["candidates"]] + [a["address"] for a in report["addresses"]]
    found += [c["related_address"] for c in report["candidates"] if c["related_address"]]
    return [a for a in found if a and not _harmless(a)]


def _harmless(text: str) -> bool:
    try:
        addr = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return addr.is_unspecified or addr.is_loopback or addr.is_multicast


def token_in(token: str, data: bytes) -> bool:
    """``token`` present as a whole address (203.0.113.1 is not inside 203.0.113.10)."""
    return re.search(rb"(?<![\w.:])" + re.escape(token.encode()) + rb"(?![\w:]|\.\d)", data) is not None


def pairs(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str]]:
    """(original, stand-in) for every candidate address and raddr, matched by position."""
    assert len(before["candidates"]) == len(after["candidates"])
    out = []
    for b, a in zip(before["candidates"], after["candidates"], strict=True):
        out.append((b["address"], a["address"]))
        if b["related_address"]:
            out.append((b["related_address"], a["related_address"]))
    return out


def assert_consistent(mapping: list[tuple[str, str]]) -> None:
    forward: dict[str, str] = {}
    backward: dict[str, str] = {}
    for old, new in mapping:
        assert forward.setdefault(old.lower(), new) == new, f"{old} became {forward[old.lower()]} and {new}"
        assert backward.setdefault(new.lower(), old) == old, f"{old} and {backward[new.lower()]} both became {new}"


@pytest.mark.parametrize("sample", SDPS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sdp_samples(sample: Path, tmp_path: Path) -> None:
    out = redact(sample, tmp_path / sample.name)
    before, after = audit(sample), audit(out)
    assert [d["status"] for d in after["inputs"]] == [d["status"] for d in before["inputs"]]
    assert len(after["addresses"]) == len(before["addresses"])
    data = out.read_bytes()
    for original in identifying(before):
        assert not token_in(original, data), f"{original} survived"
    for address in identifying(after):
        if not address.endswith(".local"):
            assert any(ipaddress.ip_address(address) in n for n in DOC_NETS), address
    assert_consistent(pairs(before, after))
    assert [c["type"] for c in after["candidates"]] == [c["type"] for c in before["candidates"]]


@pytest.mark.parametrize("sample", CAPTURES, ids=lambda p: p.name)
def test_capture_samples(sample: Path, tmp_path: Path) -> None:
    out = redact(sample, tmp_path / sample.name)
    before, after = audit(sample), audit(out)
    assert len(after["candidates"]) == len(before["candidates"]) > 0
    originals = set(identifying(before))
    assert not originals & set(identifying(after)), originals & set(identifying(after))
    raw = out.read_bytes()
    raw = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    for original in originals:
        assert not token_in(original, raw), f"{original} survived as text"
    assert_consistent(pairs(before, after))
    if raw[:1] in (b"{", b"["):
        json.loads(raw)


@pytest.mark.parametrize("sample", [p for p in CAPTURES if ".pcap" in p.name], ids=lambda p: p.name)
def test_capture_checksums_and_headers(sample: Path, tmp_path: Path) -> None:
    """Wireshark, an independent decoder, finds every packet, no bad checksum and no original address."""
    if shutil.which("tshark") is None:
        unavailable("tshark not installed (.ci/run installs it)")
    out = redact(sample, tmp_path / sample.name)
    checks = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"]
    bad = "ip.checksum.status==0 || udp.checksum.status==0 || tcp.checksum.status==0 || icmp.checksum.status==0"
    good = "ip.checksum.status==1 || udp.checksum.status==1 || tcp.checksum.status==1"
    assert _tshark(out, *checks, "-Y", bad + " || _ws.malformed") == []
    assert len(_tshark(out, *checks, "-Y", good)) > 0  # the checks ran
    assert len(_tshark(out)) == len(_tshark(sample))
    fields = [arg for f in TSHARK_FIELDS for arg in ("-e", f)]
    seen = {v for line in _tshark(sample, "-T", "fields", *fields) for v in re.split(r"[\t,]", line) if v}
    left = {v for line in _tshark(out, "-T", "fields", *fields) for v in re.split(r"[\t,]", line) if v}
    assert not {v for v in seen & left if not _harmless(v) and not _group_mac(v)}


def _group_mac(value: str) -> bool:
    """Broadcast, zero and multicast MACs identify no device and are kept."""
    return bool(re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", value)) and (
        int(value[:2], 16) & 1 == 1 or value == "00:00:00:00:00:00"
    )


def _tshark(path: Path, *args: str) -> list[str]:
    proc = subprocess.run(["tshark", "-n", "-r", str(path), *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.splitlines() if line.strip()]


def test_keep_relay(tmp_path: Path) -> None:
    sample = SAMPLES / "real" / "chromium-default-mdns.sdp"  # relay 203.0.113.10, srflx 203.0.113.1
    out = redact(sample, tmp_path / "out.sdp", "--keep-relay", "203.0.113.10")
    data = out.read_bytes()
    assert token_in("203.0.113.10", data) and not token_in("203.0.113.1", data)
    bad = run_cli("redact", str(sample), "--keep-relay", "turn.example.com")
    assert bad.returncode == 2 and "--keep-relay" in bad.stderr


def test_scrub_secrets(tmp_path: Path) -> None:
    sample = SAMPLES / "real" / "chromium-default-mdns.sdp"
    text = sample.read_text()
    out = redact(sample, tmp_path / "out.sdp", "--scrub-secrets").read_text()
    for key in ("a=ice-ufrag:", "a=ice-pwd:", "a=fingerprint:sha-256 "):
        old = re.search(re.escape(key) + r"(\S+)", text)
        new = re.search(re.escape(key) + r"(\S+)", out)
        assert old and new and old.group(1) != new.group(1) and len(old.group(1)) == len(new.group(1))
        assert old.group(1) not in out
    ufrag = re.search(r"a=ice-ufrag:(\S+)", out).group(1)  # type: ignore[union-attr]
    assert all(m == ufrag for m in re.findall(r" ufrag (\S+)", out))  # candidates follow a=ice-ufrag
    assert audit(tmp_path / "out.sdp")["inputs"][0]["status"] == "ok"


def test_text_forms() -> None:
    s = StandIns()
    text = (
        "c=IN IP4 10.1.2.3\r\nVia: SIP/2.0/UDP 192.168.1.20:5060;received=198.18.0.1\r\n"
        "[fe80::1%eth0]:5060 ::ffff:10.1.2.3 mac aa:bb:cc:dd:ee:ff AA-BB-CC-DD-EE-01 janes-laptop.local "
        "time 16:06:54 Chrome/120.0.0.0 fingerprint AB:CD:EF:01:23:45:67:89:AB:CD 0.0.0.0 127.0.0.1"
    )
    out = redact_text(text, s)
    for gone in ("10.1.2.3", "192.168.1.20", "198.18.0.1", "fe80::1", "eth0", "aa:bb", "AA-BB", "janes"):
        assert gone not in out
    for kept in ("16:06:54", "Chrome/120.0.0.0", "AB:CD:EF:01:23:45:67:89:AB:CD", "0.0.0.0", "127.0.0.1"):
        assert kept in out
    assert redact_text("10.1.2.3", s) == redact_text("x 10.1.2.3 y", s).split()[1]  # consistent
    assert "00:00:5e:00:53:" in out and "00-00-5E-00-53-" in out


def test_standins_keep_length_when_possible() -> None:
    s = StandIns()
    for original in ("192.168.77.10", "100.64.10.10", "10.20.30.40", "172.16.0.2"):
        assert len(s.ip_text(original) or "") == len(original)
    assert len(s.ip_text("10.0.0.1") or "") == 9  # no 8-character documentation address exists
    addr = ipaddress.IPv6Address("2001:db8::5")
    for n in range(11, 40):
        text = v6_text(addr, n)
        assert len(text) == n and ipaddress.IPv6Address(text) == addr
    eui = "2001:db8:77::11:22ff:fe33:4455"
    new = s.ip_text(eui) or ""
    assert len(new) == len(eui) and "ff:fe" not in new.lower()


def test_json_strings_with_escaped_sdp(tmp_path: Path) -> None:
    sdp = "v=0\r\no=- 1 2 IN IP4 192.168.1.5\r\na=candidate:1 1 udp 1 192.168.1.5 5000 typ host\r\n"
    doc = {"type": "offer", "sdp": sdp, "nested": json.dumps({"candidate": "candidate:1 1 udp 1 10.9.8.7 9 typ host"})}
    src = tmp_path / "sig.json"
    src.write_text(json.dumps(doc, indent=1))
    out = json.loads(redact(src, tmp_path / "out.json").read_text())
    assert "192.168.1.5" not in out["sdp"] and out["sdp"].count("\r\n") == 3
    assert "10.9.8.7" not in json.loads(out["nested"])["candidate"]


def test_sip_content_length_follows_the_body(tmp_path: Path) -> None:
    body = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\nc=IN IP4 10.0.0.1\r\na=candidate:1 1 udp 1 ab.local 9 typ host\r\n"
    msg = f"INVITE sip:b@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    src = tmp_path / "trace.log"
    src.write_text("12:00:01 sent:\n" + msg + "\n12:00:02 done\n")
    out = redact(src, tmp_path / "out.log").read_bytes().decode()
    head, rest = out.split("\r\n\r\n", 1)
    length = int(re.search(r"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
    assert rest[length:] == "\n12:00:02 done\n" and "10.0.0.1" not in out
    assert not re.search(r"(?<![\w-])ab\.local", out)  # a stand-in ending in "ab" is not the original


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    proc = run_cli("redact", str(tmp_path / "missing.har"))
    assert proc.returncode == 2 and "missing.har" in proc.stderr
