"""mac_vendor(): real IEEE entries, virtual prefixes, local/group bits, MAC forms, the bundled data
and the script that builds it."""

from __future__ import annotations

import gzip
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from icecheck.analysis import oui
from icecheck.analysis.oui import GROUP, LOCALLY_ADMINISTERED, mac_vendor, normalize_mac
from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "icecheck" / "data"
IEEE_DATA = Path("/usr/share/ieee-data")


def _load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_oui", ROOT / "scripts" / "build_oui.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_oui = _load_build_script()


@pytest.mark.parametrize(
    ("mac", "vendor"),
    [
        ("00:11:22:33:44:55", "CIMSYS"),  # IEEE MA-L 00-11-22 "CIMSYS Inc"
        ("f4:bd:9e:01:02:03", "Cisco Systems"),  # MA-L F4-BD-9E "Cisco Systems, Inc"
        ("b8:27:eb:00:00:01", "Raspberry Pi Foundation"),
        ("00:0c:29:aa:bb:cc", "VMware"),
        ("20:85:93:b0:00:01", "IOG Products"),  # MA-M 20-85-93-B (parent MA-L is the IEEE RA's)
        ("70:b3:d5:f2:f1:23", "TELEPLATFORMS"),  # MA-S 70-B3-D5-F2-F
    ],
)
def test_ieee_vendor(mac: str, vendor: str) -> None:
    assert mac_vendor(mac) == vendor


@pytest.mark.parametrize(
    ("mac", "vendor"),
    [
        ("52:54:00:12:34:56", "QEMU/KVM"),  # locally administered, not an IEEE assignment
        ("02:42:ac:11:00:02", "Docker"),
        ("0a:00:27:00:00:00", "VirtualBox host-only adapter"),
        ("08:00:27:aa:bb:cc", "VirtualBox"),  # IEEE says PCS Systemtechnik GmbH
        ("00:15:5d:01:02:03", "Microsoft Hyper-V"),
    ],
)
def test_virtual_prefixes(mac: str, vendor: str) -> None:
    assert mac_vendor(mac) == vendor


@pytest.mark.parametrize("mac", ["da:a1:19:00:00:01", "02:11:22:33:44:55", "ae:00:04:00:00:01"])
def test_locally_administered(mac: str) -> None:
    assert mac_vendor(mac) == LOCALLY_ADMINISTERED


@pytest.mark.parametrize("mac", ["01:00:5e:00:00:01", "33:33:00:00:00:01", "ff:ff:ff:ff:ff:ff"])
def test_group_address(mac: str) -> None:
    assert mac_vendor(mac) == GROUP


@pytest.mark.parametrize(
    "mac", ["00:11:22:33:44:55", "00-11-22-33-44-55", "0011.2233.4455", "001122334455", " 00:11:22:33:44:55 "]
)
def test_mac_forms(mac: str) -> None:
    assert normalize_mac(mac) == "001122334455"
    assert mac_vendor(mac.upper()) == "CIMSYS"


@pytest.mark.parametrize(
    "mac",
    ["", "zz", "00:11:22:33:44", "00:11:22:33:44:55:66", "00:11-22:33:44:55", "0011.2233.445", "0:1:2:3:4:5"],
)
def test_not_a_mac(mac: str) -> None:
    assert normalize_mac(mac) is None
    assert mac_vendor(mac) is None


def test_unknown_block() -> None:
    table = oui._ieee_table()
    unknown = next(f"{n:06X}" for n in range(0x000000, 0xFFFFFF, 4) if f"{n:06X}" not in table)
    assert mac_vendor(unknown + "000001") is None


def test_table_loads_lazily() -> None:
    code = (
        "import icecheck.analysis.oui as o, icecheck.classify as c\n"
        "assert o._ieee_table.cache_info().currsize == 0\n"
        "c.classify('52:54:00'); c.classify('fe80::5054:ff:fe12:3456')\n"  # virtual prefix: no load
        "assert o._ieee_table.cache_info().currsize == 0\n"
        "assert o.mac_vendor('00:11:22:33:44:55') == 'CIMSYS'\n"
        "assert o._ieee_table.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --- bundled data -------------------------------------------------------------------------------


def test_bundled_table_shape() -> None:
    path = DATA / "oui.tsv.gz"
    assert path.stat().st_size < 600_000
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    assert len(lines) > 40_000
    prefixes = []
    for line in lines:
        prefix, name = line.split("\t")
        assert len(prefix) in (6, 7, 9) and int(prefix, 16) >= 0 and prefix == prefix.upper()
        assert int(prefix[:2], 16) & 0x03 == 0  # group/local prefixes are answered before the table
        assert name and name == name.strip() and name not in ("Private", "IEEE Registration Authority")
        prefixes.append(prefix)
    assert prefixes == sorted(prefixes) and len(set(prefixes)) == len(prefixes)


def test_provenance_note() -> None:
    note = (DATA / "OUI-SOURCE.md").read_text(encoding="utf-8")
    for fact in ("ieee-data", "20220827.1", "public domain", "WTFPL", "scripts/build_oui.py", "52:54:00"):
        assert fact in note


def _installed_ieee_data_version() -> str | None:
    if not IEEE_DATA.is_dir() or shutil.which("dpkg-query") is None:
        return None
    version: str = build_oui.package_version("ieee-data")
    return None if version == "unknown" else version


def test_bundled_table_is_reproducible(tmp_path: Path) -> None:
    """Rebuilding from the same ieee-data version gives the same bytes."""
    version = _installed_ieee_data_version()
    note = (DATA / "OUI-SOURCE.md").read_text(encoding="utf-8")
    if version is None or f"`{version}`" not in note:
        unavailable("the bundled table's ieee-data version is not installed (Debian ieee-data)")
    assert build_oui.main(["--out", str(tmp_path)]) == 0
    assert (tmp_path / "oui.tsv.gz").read_bytes() == (DATA / "oui.tsv.gz").read_bytes()


# --- the build script ---------------------------------------------------------------------------

_HEADER = "Registry,Assignment,Organization Name,Organization Address\n"
_FIXTURE = {
    "oui.csv": _HEADER
    + 'MA-L,001122,CIMSYS Inc,"#301, Yongin KR"\n'
    + 'MA-L,F4BD9E,"Cisco Systems, Inc",San Jose\n'
    + "MA-L,080030,CERN,Geneve\n"
    + "MA-L,080030,NETWORK RESEARCH CORPORATION,Oxnard\n"
    + "MA-L,ACDE48,Private,\n"
    + "MA-L,208593,IEEE Registration Authority,Piscataway\n"
    + "MA-L,02608C,3COM,legacy local bit\n"
    + 'MA-L,A4C3F0,"HUAWEI TECHNOLOGIES CO.,LTD\t",Dongguan\n',
    "mam.csv": _HEADER + "MA-M,208593B,IOG Products LLC,Chatsworth\n",
    "oui36.csv": _HEADER + 'MA-S,70B3D5F2F,TELEPLATFORMS,"Moscow, RU"\n',
    "iab.csv": _HEADER + "IAB,0050C27D5,DEUTA-WERKE GmbH,Bergisch-Gladbach\n",
}


def _build(tmp_path: Path, name: str) -> dict[str, str]:
    source, out = tmp_path / "src", tmp_path / name
    source.mkdir(exist_ok=True)
    for filename, text in _FIXTURE.items():
        (source / filename).write_text(text, encoding="utf-8")
    assert build_oui.main(["--source", str(source), "--out", str(out), "--version", "1.0-test"]) == 0
    lines = gzip.decompress((out / "oui.tsv.gz").read_bytes()).decode("utf-8").splitlines()
    return dict(line.split("\t") for line in lines)


def test_build_script(tmp_path: Path) -> None:
    assert _build(tmp_path, "out") == {
        "001122": "CIMSYS",
        "0050C27D5": "DEUTA-WERKE",
        "080030": "CERN / NETWORK RESEARCH",
        "208593B": "IOG Products",
        "70B3D5F2F": "TELEPLATFORMS",
        "A4C3F0": "HUAWEI TECHNOLOGIES",
        "F4BD9E": "Cisco Systems",
    }
    note = (tmp_path / "out" / "OUI-SOURCE.md").read_text(encoding="utf-8")
    assert "`1.0-test`" in note and "| MA-L | 5 |" in note


def test_build_script_is_deterministic(tmp_path: Path) -> None:
    _build(tmp_path, "a")
    _build(tmp_path, "b")
    assert (tmp_path / "a" / "oui.tsv.gz").read_bytes() == (tmp_path / "b" / "oui.tsv.gz").read_bytes()


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Apple, Inc.", "Apple"),
        ("Samsung Electronics Co.,Ltd", "Samsung Electronics"),
        ("SHENZHEN BILIAN ELECTRONIC CO.\uff0cLTD", "SHENZHEN BILIAN ELECTRONIC"),
        ("Sichuan\xa0AI-Link\xa0Technology\xa0Co.,\xa0Ltd.", "Sichuan AI-Link Technology"),
        ("Foo GmbH & Co. KG", "Foo"),
        ("Bar Sp. z o.o.", "Bar"),
        ("Intel Corporate", "Intel"),
        ("Texas Instruments", "Texas Instruments"),
        ("Corporation", "Corporation"),
    ],
)
def test_short_name(name: str, short: str) -> None:
    assert build_oui.short_name(name) == short
