"""ISP and topology exposures from candidates plus enrichment results (pure, no network)."""

from __future__ import annotations

import dataclasses

from icecheck.analysis.isp import isp_exposures, label
from icecheck.audit import audit_candidates
from icecheck.enrich.ptr_hints import ptr_hints
from icecheck.inputs.sdp import parse_sdp_text
from icecheck.model import AuditedCandidate, Exposure, InterfaceInfo, NetworkInfo, Origin, Party

HEAD = "v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\nm=audio 9 UDP/TLS/RTP/SAVPF 111\nc=IN IP4 0.0.0.0\n"

BT = NetworkInfo(
    "62.239.237.1",
    asn=2856,
    as_name="BT-UK-AS BTnet UK Regional network, GB",
    network_name="BT-CORPORATE",
    country="GB",
    registry="ripencc",
    network_kind="residential",
    ptr="adsl-62-239-237-1.static.bras1.lon.btcentralplus.com",
    ptr_hints=ptr_hints("adsl-62-239-237-1.static.bras1.lon.btcentralplus.com", "62.239.237.1"),
)
GOOGLE = NetworkInfo(
    "74.125.225.229", asn=15169, as_name="GOOGLE, US", organisation="Google Inc.", country="US", network_kind="hosting"
)
M247 = NetworkInfo("185.1.2.3", asn=9009, as_name="M247, GB", country="GB", network_kind="hosting")
BT6 = NetworkInfo(
    "2a00:2381:ffff::1",
    asn=2856,
    as_name="BT-UK-AS BTnet UK Regional network, GB",
    country="GB",
    network_kind="residential",
)


def cands(*lines: str) -> tuple[AuditedCandidate, ...]:
    text = HEAD + "".join(f"a=candidate:{n} 1 udp {2000 - n} {line}\n" for n, line in enumerate(lines, 1))
    return audit_candidates([parse_sdp_text(text, Origin("t.sdp"))])


def by_kind(exposures: tuple[Exposure, ...]) -> dict[str, list[Exposure]]:
    out: dict[str, list[Exposure]] = {}
    for e in exposures:
        out.setdefault(e.kind, []).append(e)
    return out


def test_isp_country_access_location_static() -> None:
    cs = cands("192.168.1.5 5000 typ host", "62.239.237.1 5000 typ srflx raddr 192.168.1.5 rport 5000")
    found = by_kind(isp_exposures(cs, [BT]))
    isp = found["isp"][0]
    assert "BT-UK-AS BTnet UK Regional network" in isp.summary and "AS2856" in isp.summary
    assert isp.evidence == ("c2",) and Party.TURN_SERVER in isp.learned_by
    assert found["country"][0].value == "GB"
    assert found["access-technology"][0].value == "dsl"
    assert found["location"][0].value == "lon" and "London" in found["location"][0].summary
    assert found["static-address"][0].value == "62.239.237.1"
    assert "vpn-leak" not in found and "vpn-exit" not in found


def test_ipv6_prefix_owner_for_public_host() -> None:
    cs = cands("2a00:2381:ffff::1 5000 typ host")
    (prefix,) = by_kind(isp_exposures(cs, [BT6]))["ipv6-prefix-owner"]
    assert prefix.value == "2a00:2381:ffff::/64" and "BT" in prefix.summary and prefix.evidence == ("c1",)
    assert prefix.learned_by == (Party.SIGNALLING, Party.REMOTE_PEER)


def test_vpn_exit_beside_residential_is_a_leak() -> None:
    cs = cands(
        "10.8.0.6 5000 typ host",
        "185.1.2.3 5000 typ srflx raddr 10.8.0.6 rport 5000",
        "2a00:2381:ffff::1 5001 typ host",
    )
    found = by_kind(isp_exposures(cs, [M247, BT6]))
    assert "M247" in found["vpn-exit"][0].summary
    leaks = found["vpn-leak"]
    assert any("185.1.2.3" in e.summary and "2a00:2381:ffff::1" in e.summary for e in leaks)
    assert set(leaks[0].evidence) == {"c2", "c3"}


def test_vpn_interface_beside_isp_srflx_is_a_leak() -> None:
    cs = cands(
        "10.64.1.2 5000 typ host",  # Mullvad tunnel range (classify hint)
        "192.168.1.5 5001 typ host",
        "62.239.237.1 5001 typ srflx raddr 192.168.1.5 rport 5001",
    )
    (leak,) = by_kind(isp_exposures(cs, [BT]))["vpn-leak"]
    assert leak.evidence == ("c1", "c3") and "bypasses the VPN" in leak.summary


def test_vpn_interface_from_gathering() -> None:
    cs = cands("192.168.9.9 5000 typ host", "62.239.237.1 5001 typ srflx raddr 192.168.1.5 rport 5001")
    wg = InterfaceInfo("wg0", "vpn")
    first = dataclasses.replace(cs[0], record=dataclasses.replace(cs[0].record, interface=wg))
    assert "vpn-leak" in by_kind(isp_exposures((first, cs[1]), [BT]))


def test_double_nat() -> None:
    cs = cands(
        "192.168.1.5 5000 typ host",
        "100.64.3.4 5000 typ srflx raddr 192.168.1.5 rport 5000",
        "62.239.237.1 5000 typ srflx raddr 192.168.1.5 rport 5000",
    )
    (nat,) = by_kind(isp_exposures(cs, [BT]))["double-nat"]
    assert nat.evidence == ("c2", "c3") and nat.value == "100.64.3.4"


def test_no_double_nat_for_plain_nat() -> None:
    cs = cands("192.168.1.5 5000 typ host", "62.239.237.1 5000 typ srflx raddr 192.168.1.5 rport 5000")
    assert "double-nat" not in by_kind(isp_exposures(cs, [BT]))


def test_relay_operator_and_raddr_identity() -> None:
    cs = cands("74.125.225.229 6000 typ relay raddr 62.239.237.1 rport 5000")
    found = by_kind(isp_exposures(cs, [BT, GOOGLE]))
    (relay,) = found["relay-operator"]
    assert relay.value == "Google Inc." and "hosting" in relay.summary and relay.evidence == ("c1",)
    assert found["isp"][0].evidence == ("c1",)  # the relay's raddr is the user's own address


def test_no_info_no_exposures() -> None:
    cs = cands("192.168.1.5 5000 typ host", "62.239.237.1 5000 typ srflx raddr 192.168.1.5 rport 5000")
    assert isp_exposures(cs, []) == ()


def test_non_canonical_address_matches() -> None:
    cs = cands("2a00:2381:ffff:0:0::1 5000 typ host")
    assert "isp" in by_kind(isp_exposures(cs, [BT6]))


def test_label_fallbacks() -> None:
    assert label(BT) == "BT-UK-AS BTnet UK Regional network"
    assert label(GOOGLE) == "Google Inc."
    assert label(NetworkInfo("1.2.3.4", asn=64500)) == "AS64500"
    assert label(NetworkInfo("1.2.3.4")) == "1.2.3.4"


def test_6to4_host_reveals_the_isp() -> None:
    cs = cands("2002:3eef:ed01::5 5000 typ host")
    found = by_kind(isp_exposures(cs, [BT]))
    assert found["isp"][0].evidence == ("c1",) and "BT" in found["isp"][0].summary


def test_one_isp_exposure_per_operator_and_no_country_for_exits() -> None:
    cs = cands(
        "2a00:2381:ffff::1 5001 typ host",
        "192.168.1.5 5000 typ host",
        "62.239.237.1 5000 typ srflx raddr 192.168.1.5 rport 5000",
        "185.1.2.3 5002 typ srflx raddr 192.168.1.5 rport 5002",
    )
    found = by_kind(isp_exposures(cs, [BT, BT6, M247]))
    (isp,) = found["isp"]
    assert isp.evidence == ("c1", "c3") and "62.239.237.1" in isp.summary and "2a00:2381:ffff::1" in isp.summary
    (country,) = found["country"]  # M247's GB is the VPN's country, not the user's
    assert country.evidence == ("c1", "c3")
    (relay_free,) = found["vpn-exit"]
    assert relay_free.evidence == ("c4",)


def test_relay_summary_names_country_once() -> None:
    cs = cands("74.125.225.229 6000 typ relay raddr 0.0.0.0 rport 0")
    (relay,) = isp_exposures(cs, [GOOGLE])
    assert (
        relay.summary
        == "Your TURN relay 74.125.225.229 runs on Google Inc.'s network (AS15169, US), a hosting network."
    )


def test_offer_and_answer_are_two_parties() -> None:
    offer = HEAD + "a=candidate:1 1 udp 1 62.239.237.1 5000 typ srflx raddr 192.168.1.5 rport 5000\n"
    answer = HEAD + "a=candidate:1 1 udp 1 185.1.2.3 5000 typ srflx raddr 10.0.0.5 rport 5000\n"
    cs = audit_candidates([parse_sdp_text(offer + answer, Origin("call.sdp"))])
    found = by_kind(isp_exposures(cs, [BT, M247]))
    assert [(e.party, e.evidence) for e in found["isp"]] == [("sdp 1", ("c1",))]
    assert [(e.party, e.evidence) for e in found["vpn-exit"]] == [("sdp 2", ("c2",))]
    assert "vpn-leak" not in found  # two people's networks, not one person's leak
