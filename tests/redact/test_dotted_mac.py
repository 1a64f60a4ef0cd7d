"""MACs written as three dotted groups of four (Cisco IOS: ``show mac address-table``, ``show arp``,
DHCP snooping logs: ``4c39.ba63.0ca0``). The output check reads them as MACs; the redactor replaced
only colon and dash forms, so any log holding one was refused (exit 3, "mac 4c39ba630ca0 would
survive"). Now they are replaced in their own form and case, with the stand-in the same MAC gets in
another form, bounded exactly as the check bounds them.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from click.testing import CliRunner

from icecheck.cli import cli
from icecheck.redact.selfcheck import identifiers
from icecheck.redact.standins import StandIns
from icecheck.redact.text import redact_text

LOG = """Vlan    Mac Address       Type        Ports
 10     4c39.ba63.0ca0    DYNAMIC     Gi1/0/1
 10     4C39.BA63.0CA1    DYNAMIC     Gi1/0/2
Internet  10.20.30.40   12   4c39.ba63.0ca0  ARPA   Vlan10
bridge 4c:39:ba:63:0c:a0
"""


def _redact(text: str) -> str:
    return redact_text(text, StandIns())


def test_a_switch_log_is_redacted_not_refused(tmp_path: Path) -> None:
    src = tmp_path / "switch.log"
    src.write_text(LOG)
    out = tmp_path / "out.log"
    result = CliRunner().invoke(cli, ["redact", str(src), "-o", str(out), "--offline"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "4c39" not in text.lower() and "10.20.30.40" not in text
    assert not {i for i in identifiers(text.encode()) if i.startswith("mac ")} & {
        "mac 4c39ba630ca0",
        "mac 4c39ba630ca1",
    }


def test_form_case_and_stand_in_are_kept() -> None:
    lines = _redact(LOG).splitlines()
    first, second, arp, bridge = lines[1].split()[1], lines[2].split()[1], lines[3].split()[3], lines[4].split()[1]
    assert re.fullmatch(r"[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}", first)
    assert re.fullmatch(r"[0-9A-F]{4}\.[0-9A-F]{4}\.[0-9A-F]{4}", second)
    assert first == arp  # the same MAC, the same stand-in
    assert first.replace(".", "") == bridge.replace(":", "")  # in another form too
    assert first.lower() != second.lower()


def test_bounded_as_the_check_reads_them() -> None:
    """Glued to a hex digit (or to a colon or dash and one) it is no MAC to the check, and stays; glued
    to anything else it is one."""
    text = "abc0011.2233.4455 x0011.2233.4455 0011.2233.4455:z [0011.2233.4455] 0011.2233.44556 0011.2233.4455:1"
    out = _redact(text)
    assert out.split()[0] == "abc0011.2233.4455"
    assert out.split()[-2:] == ["0011.2233.44556", "0011.2233.4455:1"]  # (a colon-hex run goes on)
    for kept, new in zip(text.split()[1:4], out.split()[1:4], strict=True):
        assert kept != new and "0011" not in new


def test_a_group_mac_is_kept_in_either_form() -> None:
    assert _redact("a5cd.4d3c.ca26 a5:cd:4d:3c:ca:26") == "a5cd.4d3c.ca26 a5:cd:4d:3c:ca:26"


def test_no_dotted_mac_the_check_reads_survives() -> None:
    rng = random.Random(7)
    for _ in range(400):
        groups = [rng.randrange(1 << 16) & (0xFEFF if i == 0 else 0xFFFF) for i in range(3)]  # unicast: a
        mac = ".".join(f"{g:04x}" for g in groups)  # group MAC names no device and is kept
        before = rng.choice(["", " ", "x", ".", "-", ":", "g", "a", "=", "1", "[", "host-"])
        after = rng.choice(["", " ", "x", ".", "-", ":", "g", "a", ".local", "1", "]", ":z", "-1"])
        text = f"peer {before}{mac}{after} end\n"
        original = {i for i in identifiers(text.encode()) if i.startswith(("mac ", "name "))}
        out = _redact(text)
        assert not original & identifiers(out.encode()), (text, out)
