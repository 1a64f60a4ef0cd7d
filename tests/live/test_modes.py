"""Browser privacy modes (icecheck.live.modes), checked against real browser offers from the same lab.

samples/real holds offers Chromium and Firefox ESR made in the netns NAT lab (see its README):
applying a mode to Chromium's raw offer (camera permission granted = mode 1) must give the
shape of the offer that browser really made in that mode. Shapes ignore ports and foundations:
(type, address, related address) with mDNS names as ``mdns`` and 0.0.0.0 as ``zero``.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from icecheck.classify import classify
from icecheck.inputs.sdp import parse_sdp_text
from icecheck.live.modes import Item, Mode, Shown, apply_mode, compare, default_addresses, mdns_name, parse_mode
from icecheck.model import AddressClass, CandidateRecord, InterfaceInfo, Origin

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "real"
EUI64 = "2001:db8:77:0:11:22ff:fe33:4455"
LAN = InterfaceInfo("c-lan", "ethernet", default_route=True)
CGN = InterfaceInfo("c-cgn", "ethernet")
Shape = tuple[str, str, str | None]


def offer(name: str) -> list[CandidateRecord]:
    """UDP candidates of the first media section of a real offer."""
    doc = parse_sdp_text((SAMPLES / f"{name}.sdp").read_text(), Origin(name))
    first = min(r.context.media_index or 0 for r in doc.candidates)
    return [
        r for r in doc.candidates if (r.context.media_index or 0) == first and r.candidate.transport.lower() == "udp"
    ]


def gathered() -> list[Item]:
    """Chromium's mode-1 offer, with the interface facts a live gathering adds."""
    items = []
    for rec in offer("chromium-gum-raw"):
        iface = CGN if rec.candidate.address == "100.64.10.10" else LAN
        rec = CandidateRecord(rec.candidate, rec.origin, rec.context, iface if rec.candidate.type == "host" else None)
        items.append(Item(rec, classify(rec.candidate.address)))
    return items


def shape(records: list[CandidateRecord]) -> set[Shape]:
    def token(addr: str | None) -> str | None:
        if addr is None:
            return None
        return "mdns" if addr.endswith(".local") else "zero" if addr in ("0.0.0.0", "::") else addr

    return {(r.candidate.type, str(token(r.candidate.address)), token(r.candidate.related_address)) for r in records}


def hosts(records: list[CandidateRecord]) -> int:
    return sum(r.candidate.type == "host" for r in records)


@pytest.mark.parametrize(
    ("mode", "sample"),
    [
        (Mode.CHROME, "chromium-default-mdns"),
        (Mode.CHROME_PERMISSION, "chromium-gum-raw"),
        (Mode.RELAY_ONLY, "chromium-relay-only"),
        (Mode.FIREFOX, "firefox-esr-default"),
    ],
)
def test_modes_match_what_the_browser_really_sent(mode: Mode, sample: str) -> None:
    real = offer(sample)
    ours = list(apply_mode(mode, gathered()))
    assert shape(ours) == shape(real)
    assert hosts(ours) == hosts(real)


def test_mode2_keeps_the_default_route_addresses_like_firefox_without_permission() -> None:
    ours = list(apply_mode(Mode.MODE2, gathered()))
    real = offer("firefox-esr-raw")  # obfuscation off, no permission: Firefox's mode 2
    assert {s for s in shape(ours) if s[0] != "relay"} == {s for s in shape(real) if s[0] != "relay"}
    assert default_addresses(gathered()) == {"192.168.77.10", EUI64}  # global IPv6 beats the ULA


def test_mode3_drops_hosts_and_hides_the_srflx_base() -> None:
    ours = apply_mode(Mode.MODE3, gathered())
    assert shape(list(ours)) == {("srflx", "203.0.113.1", "zero"), ("relay", "203.0.113.10", "203.0.113.1")}
    assert all(r.candidate.related_port == 0 for r in ours if r.candidate.type == "srflx")


def test_mode4_is_relay_only_and_shows_no_address_of_yours() -> None:
    ours = apply_mode(Mode.MODE4, gathered())
    assert shape(list(ours)) == {("relay", "203.0.113.10", "zero")}


def test_the_comparison_table_and_json() -> None:
    table = compare(gathered())
    assert [v.mode for v in table.views] == list(Mode)
    rows = dict(table.rows())
    chrome = list(Mode).index(Mode.CHROME)
    assert rows["host 192.168.77.10 (c-lan)"][chrome] is Shown.MDNS
    assert rows["host 100.64.10.10 (c-cgn)"][chrome] is Shown.DROPPED
    assert rows["srflx 203.0.113.1 raddr 192.168.77.10"][chrome] is Shown.RADDR_HIDDEN
    assert table.view(Mode.CHROME).addresses == ("203.0.113.1", "203.0.113.10")  # the relay raddr leaks
    assert "192.168.77.10" in table.view(Mode.MODE1).addresses
    data = json.loads(json.dumps(table.to_dict()))
    assert data["rows"][0]["shown"]["mode1"] == "raw" and data["modes"][-1]["mode"] == "relay-only"


def test_transformed_candidates_keep_their_text_in_step() -> None:
    for rec in apply_mode(Mode.CHROME, gathered()):
        assert rec.candidate.raw.startswith("a=candidate:")
        assert f" {rec.candidate.address} {rec.candidate.port} typ " in rec.candidate.raw


def test_mdns_names_are_stable_uuid4_names() -> None:
    name = mdns_name("192.168.77.10")
    assert name == mdns_name("192.168.77.10") != mdns_name("192.168.77.11")
    assert uuid.UUID(name.removesuffix(".local")).version == 4
    facts = classify(name)
    assert facts.address_class is AddressClass.MDNS and facts.has_hint("mdns-uuid")


def test_without_interface_data_the_best_host_of_each_family_stands_in() -> None:
    items = [Item(r, classify(r.candidate.address)) for r in offer("chromium-gum-raw")]
    assert default_addresses(items) == {"100.64.10.10", EUI64}  # highest IPv4 priority; global IPv6


def test_parse_mode() -> None:
    assert parse_mode(" Chrome ") is Mode.CHROME and parse_mode("mode3") is Mode.MODE3
    with pytest.raises(ValueError, match="choose one of mode1, mode2"):
        parse_mode("safari")
