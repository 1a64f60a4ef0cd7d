"""Redaction fails closed: compressed and archived inputs are redacted inside, anything not understood
is refused with nothing written, addresses in every text encoding are replaced, and the output is
checked for survivors before it is written."""

from __future__ import annotations

import bz2
import gzip
import io
import ipaddress
import json
import lzma
import os
import pty
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icecheck.redact.archive import RedactError, inflate
from icecheck.redact.formats import redact_document
from icecheck.redact.selfcheck import identifiers, survivors
from icecheck.redact.standins import StandIns
from tests.conftest import REPO, run_cli

SDP = b"v=0\r\nc=IN IP4 10.1.2.3\r\na=candidate:1 1 udp 1 192.168.5.5 9 typ host\r\n"


def redact(tmp_path: Path, name: str, data: bytes) -> tuple[subprocess.CompletedProcess[str], Path]:
    src, out = tmp_path / name, tmp_path / f"out-{name}"
    src.write_bytes(data)
    return run_cli("redact", str(src), "-o", str(out)), out


@pytest.mark.parametrize(
    ("name", "pack", "unpack"),
    [
        ("a.sdp.xz", lzma.compress, lzma.decompress),
        ("a.sdp.bz2", bz2.compress, bz2.decompress),
        ("a.sdp.gz", gzip.compress, gzip.decompress),
    ],
)
def test_compressed_inputs_are_redacted_inside(tmp_path: Path, name: str, pack: object, unpack: object) -> None:
    proc, out = redact(tmp_path, name, pack(SDP))  # type: ignore[operator]
    assert proc.returncode == 0, proc.stderr
    text = unpack(out.read_bytes())  # type: ignore[operator]
    assert b"10.1.2.3" not in text and b"192.168.5.5" not in text and b"a=candidate:1 1 udp 1 192.0.2." in text


def test_zip_members_and_names_are_redacted_into_a_valid_archive(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("offer.sdp", SDP)
        z.writestr("capture-10.9.9.9.txt", "peer 10.9.9.9 and 10.1.2.3")
    proc, out = redact(tmp_path, "a.zip", buf.getvalue())
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        names, bodies = z.namelist(), [z.read(n) for n in z.namelist()]
    assert "offer.sdp" in names and not any("10.9.9.9" in n for n in names)
    joined = b"".join(bodies)
    assert b"10.9.9.9" not in joined and b"10.1.2.3" not in joined
    first = bodies[0].split(b"c=IN IP4 ")[1].split(b"\r\n")[0]
    assert first in bodies[1]  # 10.1.2.3 has one stand-in across members


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("random.bin", bytes(range(256)) * 8, "format not understood"),
        ("bad.gz", gzip.compress(SDP)[:-6] + b"\x00" * 6, "damaged gzip"),
        ("cut.xz", lzma.compress(SDP)[:40], "damaged xz"),
        ("cut.bz2", bz2.compress(SDP)[:30], "damaged bz2"),
        ("bad.zip", b"PK\x03\x04" + b"\x00" * 40, "damaged zip"),
    ],
)
def test_what_cannot_be_read_is_refused_and_nothing_written(tmp_path: Path, name: str, data: bytes, why: str) -> None:
    proc, out = redact(tmp_path, name, data)
    assert proc.returncode == 2
    assert why in proc.stderr and "nothing written" in proc.stderr
    assert not out.exists() and not list(tmp_path.glob(".*partial"))


def test_a_gzip_bomb_stops_at_the_limit() -> None:
    bomb = gzip.compress(b"\x00" * (8 << 20))
    with pytest.raises(RedactError, match="more than 1 MiB"):
        inflate("gzip", bomb, 1 << 20)
    assert len(inflate("gzip", bomb, 16 << 20)) == 8 << 20


ENCODED = (
    "peer%3D10.1.2.3 then 10%2E9%2E8%2E7 at /peer/10.1.2.4/offer or 010.001.002.003 "
    "x-hwaddr:02:11:22:33:44:55 sip:4321@fec0:0:0:0:216:d3ff:fe0d:22c:5060 "
    "Via: SIP/2.0/UDP h;branch=z9hG4bK-46ea715e192.168.1.2 ip 2a00%3A1450%3A4001%3A%3A5 "
    "ua Chrome/156.0.0.0"
)


def test_every_encoding_of_an_address_is_replaced_consistently() -> None:
    out, _ = redact_document(ENCODED.encode(), StandIns())
    text = out.decode()
    for original in ("10.1.2.3", "10.9.8.7", "10.1.2.4", "010.001.002.003", "02:11:22:33:44:55",
                     "fe0d:22c", "192.168.1.2", "2a00", "%2E9%2E8"):  # fmt: skip
        assert original not in text, original
    assert "Chrome/156.0.0.0" in text  # a product version is not an address
    assert text.count("192.0.2.1 ") + text.count("%3D192.0.2.1") >= 2  # 10.1.2.3 and its padded twin: one stand-in
    assert survivors(ENCODED.encode(), out, StandIns().kept) == []


def test_the_self_check_refuses_what_the_redactor_missed(tmp_path: Path) -> None:
    proc, out = redact(tmp_path, "entities.txt", b"peer 10&#46;77&#46;1&#46;2 joined\n")
    assert proc.returncode == 3
    assert "redaction incomplete, nothing written" in proc.stderr and "10.77.1.2" in proc.stderr
    assert not out.exists()


def test_output_onto_the_input_or_a_terminal_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "a.sdp"
    src.write_bytes(SDP)
    proc = run_cli("redact", str(src), "-o", str(src))
    assert proc.returncode == 2 and "the input itself" in proc.stderr
    assert src.read_bytes() == SDP
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "icecheck", "redact", str(src)], stdout=follower,
                              stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=60)  # fmt: skip
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2 and "to a terminal" in done.stderr


def test_a_write_error_is_one_line(tmp_path: Path) -> None:
    src = tmp_path / "a.sdp"
    src.write_bytes(SDP)
    proc = run_cli("redact", str(src), "-o", "/dev/full")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["icecheck: cannot write /dev/full: No space left on device"]


# -- planted identifiers -------------------------------------------------------------------------

V4 = (
    st.tuples(*[st.integers(1, 254)] * 4)
    .map(lambda t: ".".join(map(str, t)))
    .filter(lambda a: not ipaddress.ip_address(a).is_multicast and not ipaddress.ip_address(a).is_loopback)
)
V6 = st.integers(0x2001_0000 << 96, (0x3FFF_FFFF << 96) - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
MAC = (
    st.binary(min_size=6, max_size=6)
    .map(lambda b: bytes([b[0] & 0xFE]) + b[1:])
    .filter(any)
    .map(lambda b: ":".join(f"{x:02x}" for x in b))
)
NAME = st.uuids(version=4).map(lambda u: f"{u}.local")
ENCODINGS = {
    "plain": lambda s: s,
    "percent": lambda s: "".join(f"%{ord(c):02X}" if c in ".:" else c for c in s),
    "zero-padded": lambda s: ".".join(p.zfill(3) for p in s.split(".")) if s.count(".") == 3 else s,
    "glued": lambda s: "z9hG4bK-ab" + s,
    "path": lambda s: f"/peer/{s}/offer",
    "prefixed": lambda s: f"x-addr:{s}",
    "bracketed": lambda s: f"[{s}]:5060" if ":" in s else f"{s}:5060",
}
CONTAINERS = {
    "sdp": lambda t: f"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\na=x-note:{t}\r\n",
    "sip": lambda t: f"OPTIONS sip:a@b SIP/2.0\r\nX-Note: {t}\r\nContent-Length: 0\r\n\r\n",
    "json": lambda t: json.dumps({"note": t, "list": [t]}),
    "log": lambda t: f"12:00:01 info {t} done\n",
}
PLANTED: list[int] = [0]


@settings(max_examples=int(os.environ.get("ICECHECK_FUZZ_EXAMPLES", "150")), deadline=None, database=None,
          derandomize=True, suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(
    st.lists(st.tuples(st.one_of(V4, V6, MAC, NAME), st.sampled_from(sorted(ENCODINGS))), min_size=1, max_size=6),
    st.sampled_from(sorted(CONTAINERS)),
)
def test_planted_identifiers_never_survive(planted: list[tuple[str, str]], container: str) -> None:
    text = " and ".join(ENCODINGS[enc](value) for value, enc in planted)
    data = CONTAINERS[container](text).encode()
    out, _ = redact_document(data, StandIns())
    PLANTED[0] += len(planted)
    found = identifiers(out)
    for value, _enc in planted:
        key = value if ":" not in value or value.count(":") != 5 else "mac " + value.replace(":", "")
        key = "name " + value if value.endswith(".local") else key
        key = str(ipaddress.ip_address(value)) if key == value and not value.endswith(".local") else key
        assert key not in found, (value, container, out)
    again, _ = redact_document(data, (s := StandIns()))
    assert survivors(data, again, s.kept) == []


@pytest.fixture(scope="module", autouse=True)
def _count_planted() -> object:
    """With ``-s``, says how many identifiers the property test planted (for the record)."""
    yield
    if PLANTED[0]:
        print(f"\nplanted identifiers tried: {PLANTED[0]}")
