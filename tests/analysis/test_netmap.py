"""The network map: structure, terminal tree lines and Mermaid text, with hostile input (pure)."""

from __future__ import annotations

from icecheck.analysis.netmap import (
    MAX_DRAWN,
    MapNode,
    build_map,
    count_nodes,
    drawn,
    mermaid_escape,
    network_mermaid,
    to_mermaid,
)
from icecheck.audit import audit_candidates
from icecheck.inputs.sdp import parse_sdp_text
from icecheck.model import AuditedCandidate, NetworkInfo, Origin
from icecheck.render.svgmap import svg_map
from icecheck.render.terminal import map_lines

HEAD = "v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\nm=audio 9 UDP/TLS/RTP/SAVPF 111\nc=IN IP4 0.0.0.0\n"
BT = NetworkInfo("62.239.237.1", asn=2856, as_name="BT-UK-AS BTnet UK Regional network, GB", country="GB",
                 network_kind="residential")  # fmt: skip
GOOGLE = NetworkInfo("74.125.225.229", asn=15169, organisation="Google Inc.", country="US", network_kind="hosting")


def cands(*lines: str) -> tuple[AuditedCandidate, ...]:
    text = HEAD + "".join(f"a=candidate:{n} 1 udp {2000 - n} {line}\n" for n, line in enumerate(lines, 1))
    return audit_candidates([parse_sdp_text(text, Origin("t.sdp"))])


def render(root: MapNode) -> str:
    return "\n".join(line.plain for line in map_lines(root, 200))


def path(node: MapNode) -> list[str]:
    """Kinds along the first branch."""
    kinds = [node.kind]
    while node.children:
        node = node.children[0]
        kinds.append(node.kind)
    return kinds


LAPTOP = (
    "192.168.1.20 5000 typ host network-cost 10",
    "62.239.237.1 5000 typ srflx raddr 192.168.1.20 rport 5000",
    "74.125.225.229 6000 typ relay raddr 62.239.237.1 rport 5000",
)


def test_device_interface_nat_isp_internet_relay() -> None:
    root = build_map(cands(*LAPTOP), [BT, GOOGLE])
    assert path(root) == ["device", "interface", "nat", "isp", "internet", "relay"]
    text = render(root)
    assert "Interface (Wi-Fi): 192.168.1.20 [c1]" in text
    assert "NAT maps you to 62.239.237.1 [c2]" in text
    assert "ISP: BT-UK-AS BTnet UK Regional network (AS2856, GB, residential)" in text
    assert "TURN relay 74.125.225.229 on Google Inc. (AS15169, US, hosting) [c3]" in text


def test_mermaid_flowchart() -> None:
    text = network_mermaid(cands(*LAPTOP), [BT, GOOGLE])
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert lines[1] == '    n0["This device"]'
    edges = [line.strip() for line in lines if " --> " in line]
    assert edges == ["n0 --> n1", "n1 --> n2", "n2 --> n3", "n3 --> n4", "n4 --> n5"]


def test_cgnat_double_layer_and_unknown_isp() -> None:
    cs = cands(
        "100.64.7.8 5000 typ host",
        "10.0.0.2 5000 typ srflx raddr 100.64.7.8 rport 5000",
        "62.239.237.1 5000 typ srflx raddr 100.64.7.8 rport 5000",
    )
    text = render(build_map(cs, []))
    assert "Interface (CGNAT or overlay): 100.64.7.8 [c1]" in text
    assert "CGNAT (inner layer) maps you to 10.0.0.2 [c2]" in text
    assert "ISP: not looked up (62.239.237.1)" in text
    root = build_map(cs, [])
    assert path(root) == ["device", "interface", "nat", "nat", "isp", "internet"]


def test_public_host_without_nat_and_orphan_relay() -> None:
    cs = cands(
        "2a00:2381:ffff::1 5000 typ host",
        "2a00:2381:ffff::1 5000 typ srflx raddr 2a00:2381:ffff::1 rport 5000",
        "74.125.225.229 6000 typ relay raddr 0.0.0.0 rport 0",
    )
    root = build_map(cs, [GOOGLE])
    assert [c.kind for c in root.children] == ["interface", "internet"]
    assert path(root.children[0]) == ["interface", "isp", "internet"]
    assert root.children[1].children[0].kind == "relay"


def test_exit_network_is_not_called_an_isp() -> None:
    m247 = NetworkInfo("185.1.2.3", asn=9009, as_name="M247, GB", network_kind="hosting")
    text = render(
        build_map(cands("10.64.0.5 5000 typ host", "185.1.2.3 5000 typ srflx raddr 10.64.0.5 rport 5000"), [m247])
    )
    assert "Interface (VPN): 10.64.0.5 [c1]" in text and "Exit network (VPN/hosting): M247 (AS9009, hosting)" in text


def test_mdns_host_and_concealed_srflx() -> None:
    cs = cands(
        "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9.local 5000 typ host",
        "62.239.237.1 5000 typ srflx raddr 0.0.0.0 rport 0",
    )
    root = build_map(cs, [BT])
    assert root.children[0].label.startswith("Interface (concealed by mDNS)")
    assert root.children[1].kind == "nat"


def test_hostile_strings_are_escaped() -> None:
    evil = NetworkInfo("62.239.237.1", as_name='[bold red]x[/] "q" <b>#1</b> `t` & y', asn=1)
    cs = cands(*LAPTOP[:2])
    text = render(build_map(cs, [evil]))
    assert "[bold red]x[/]" in text  # printed literally, not interpreted as markup
    mermaid = network_mermaid(cs, [evil])
    label_line = next(line for line in mermaid.splitlines() if "ISP:" in line)
    inner = label_line.split('["', 1)[1].rsplit('"]', 1)[0]
    assert not any(ch in inner for ch in '"<>`&')
    assert "#quot;q#quot;" in inner and "#lt;b#gt;#35;1" in inner


def test_mermaid_escape_one_line() -> None:
    assert mermaid_escape('a\n"b"') == "a #quot;b#quot;"
    assert to_mermaid(MapNode("x", "device")) == 'flowchart LR\n    n0["x"]\n'


def test_two_parties_get_a_device_each() -> None:
    offer = HEAD + "a=candidate:1 1 udp 1 62.239.237.1 5000 typ srflx raddr 192.168.1.5 rport 5000\n"
    answer = HEAD + "a=candidate:1 1 udp 1 74.125.225.229 5000 typ srflx raddr 10.0.0.5 rport 5000\n"
    cs = audit_candidates([parse_sdp_text(offer + answer, Origin("call.sdp"))])
    root = build_map(cs, [BT, GOOGLE])
    assert root.label == "Parties" and [c.label for c in root.children] == ["Device: sdp 1", "Device: sdp 2"]


def test_a_map_of_many_parties_is_drawn_a_party_at_a_time_and_capped() -> None:
    """A capture's map (a device per party): Mermaid and SVG draw the first ``MAX_DRAWN`` boxes
    and say how many more there are; a small map is drawn whole, as ``build_map`` has it."""
    lines = "".join(f"a=candidate:{n} 1 udp {2000 - n} {line}\n" for n, line in enumerate(LAPTOP, 1))
    docs = [
        parse_sdp_text(HEAD + lines, Origin("t.pcap", packet=i, call=f"call-{i}", party="offerer")) for i in range(80)
    ]
    cs = audit_candidates(docs)
    whole = build_map(cs, [BT])
    total = count_nodes(whole)
    assert len(whole.children) == 80 and total > MAX_DRAWN
    text = network_mermaid(cs, [BT])
    assert text.count('["') == MAX_DRAWN + 1 and f"… {total - MAX_DRAWN} more boxes of the map not drawn" in text
    assert text.startswith(to_mermaid(whole).split("\n    n0 -->")[0].split(f'\n    n{MAX_DRAWN}["')[0])
    svg, left_out = svg_map(*drawn(cs, [BT]))
    assert left_out == total - MAX_DRAWN and svg.count("<rect") == MAX_DRAWN
    small = cs[:6]  # two parties
    assert network_mermaid(small, [BT]) == to_mermaid(build_map(small, [BT]))
    assert svg_map(*drawn(small, [BT])) == svg_map(build_map(small, [BT]))
