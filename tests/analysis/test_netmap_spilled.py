"""The network map past ``limits.IN_MEMORY`` candidates (issue 11 item 5: one party of a million
distinct candidates): its projection is filed in SQLite and the boxes are built as they are
drawn (``netmap.Branches``); the map, its tree lines, Mermaid and SVG are those of the map held
in memory, for maps with NATs, CGNAT layers, relays, orphans and repeats."""

from __future__ import annotations

import gc
import random

import pytest

from icecheck.analysis import netmap
from icecheck.analysis.netmap import MAX_DRAWN, Branches, build_map, drawn, network_mermaid, to_mermaid
from icecheck.audit import audit_candidates
from icecheck.inputs import limits
from icecheck.inputs.sdp import parse_sdp_text
from icecheck.model import AuditedCandidate, Origin
from icecheck.render.svgmap import svg_map
from icecheck.render.terminal import map_head
from tests.analysis.test_netmap import BT, GOOGLE, HEAD, LAPTOP

HOSTS = ["192.168.1.20", "10.0.0.2", "100.64.7.8", "2a00:2381:ffff::1", "62.239.237.9", "abc.local", "fe80::1"]
MAPPED = ["62.239.237.1", "74.125.225.229", "10.0.0.2", "100.64.9.9", "2a00:2381:ffff::1", "62.239.237.9"]
RELAYS = ["74.125.225.229", "203.0.113.10", "198.51.100.7"]
RADDR = [*HOSTS, *MAPPED, "0.0.0.0", "::", "192.0.2.99"]


def _lines(seed: int, n: int) -> list[str]:
    """``n`` candidate lines of a random map: hosts, srflx/prflx and relays over small pools of
    addresses (so that groups, repeats, inner NAT layers and orphans all occur)."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        kind = rnd.choice(["host", "host", "srflx", "prflx", "relay"])
        port = rnd.randint(1000, 1003)
        if kind == "host":
            out.append(f"{rnd.choice(HOSTS)} {port} typ host network-cost {rnd.choice([10, 50, 900])}")
        else:
            address = rnd.choice(MAPPED if kind != "relay" else RELAYS)
            related = f" raddr {rnd.choice(RADDR)} rport {port}" if rnd.random() < 0.8 else ""  # else no base
            out.append(f"{address} {port} typ {kind}{related}")
    return out


def _cands(lines: list[str], parties: int = 1) -> tuple[AuditedCandidate, ...] | list[AuditedCandidate]:
    docs = []
    for party in range(parties):
        text = HEAD + "".join(f"a=candidate:{n} 1 udp {3000 - n} {line}\n" for n, line in enumerate(lines, 1))
        origin = Origin("t.pcap", packet=party, call="call-1", party=f"p{party}") if parties > 1 else Origin("t.sdp")
        docs.append(parse_sdp_text(text, origin))
    return audit_candidates(docs)


def _drawings(cands: object) -> tuple[list[str], int, str, tuple[str, int], list[str], int]:
    """Every drawing of the map: the tree's lines (all, and the first 40 with the count), Mermaid, SVG."""
    info = [BT, GOOGLE]
    root, kids = drawn(cands, info)  # type: ignore[arg-type]
    lines, total = map_head(root, 120, None, kids)
    head, counted = map_head(root, 120, 40, kids)
    return (
        [t.plain for t in lines],
        total,
        network_mermaid(cands, info),  # type: ignore[arg-type]
        svg_map(root, kids),
        [t.plain for t in head],
        counted,
    )


@pytest.mark.parametrize("seed", range(6))
def test_a_spilled_map_is_drawn_as_the_map_in_memory(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    cands = _cands(_lines(seed, 120))
    held_map, held = build_map(cands, [BT, GOOGLE]), _drawings(cands)
    _, kids = drawn(cands, [BT, GOOGLE])
    assert isinstance(kids, tuple)  # in memory: the branches are built at once, as before
    monkeypatch.setattr(limits, "IN_MEMORY", 3)
    _, kids = drawn(cands, [BT, GOOGLE])
    assert isinstance(kids, Branches) and kids.spilled
    assert build_map(cands, [BT, GOOGLE]) == held_map
    assert _drawings(cands) == held
    assert len(kids) == len(held_map.children) and [netmap.held(k) for k in kids] == list(held_map.children)
    kinds = {c.kind for c in held_map.children}
    assert {"interface", "nat", "internet"} <= kinds  # orphans and unplaced relays occur
    assert "inner layer" in "\n".join(held[0]) and "TURN relay" in "\n".join(held[0])


def test_a_spilled_party_among_several_is_drawn_as_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    cands = _cands(_lines(7, 60), parties=3)
    held_map, held = build_map(cands, [BT, GOOGLE]), _drawings(cands)
    assert held_map.label == "Parties" and len(held_map.children) == 3
    monkeypatch.setattr(limits, "IN_MEMORY", 3)
    _, parties = drawn(cands, [BT, GOOGLE])
    assert all(isinstance(p.children, Branches) for p in parties)
    assert build_map(cands, [BT, GOOGLE]) == held_map
    assert _drawings(cands) == held


def test_the_known_maps_spilled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-made maps of test_netmap, and a party of distinct hosts past ``MAX_DRAWN`` boxes."""
    many = [f"10.1.{n // 256}.{n % 256} {5000 + n} typ host" for n in range(MAX_DRAWN + 50)]
    cases = [list(LAPTOP), many, ["0f1e2d3c.local 5000 typ host", "62.239.237.1 5000 typ srflx raddr 0.0.0.0 rport 0"]]
    held = [(_drawings(_cands(c)), to_mermaid(build_map(_cands(c), [BT, GOOGLE]))) for c in cases]
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    assert [(_drawings(_cands(c)), to_mermaid(build_map(_cands(c), [BT, GOOGLE]))) for c in cases] == held
    _, total, mermaid, (_, left_out), _, _ = held[1][0]
    assert total == MAX_DRAWN + 51 and f"{MAX_DRAWN + 51 - MAX_DRAWN} more boxes" in mermaid and left_out == 51


def test_strings_the_file_cannot_encode_as_text_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are filed as UTF-8 bytes with lone surrogates kept (input bytes decoded with
    surrogateescape reach the map as such)."""
    rows = [netmap._Seen("c1", "host", "a\udcff.local", None, False, False, "(x\udc80)"),
            netmap._Seen("c2", "srflx", "62.239.237.1", "a\udcff.local", True, False)]  # fmt: skip
    monkeypatch.setattr(netmap, "_seen", lambda _: iter(rows))
    held = list(Branches(netmap._Projection(()), []))
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    spilled = Branches(netmap._Projection(()), [])
    assert spilled.spilled and [netmap.held(b) for b in spilled] == held
    assert held[0].label == "Interface (x\udc80): a\udcff.local [c1]"


def _relay_lines(n: int) -> list[str]:
    """A host, its srflx and ``n`` relays of distinct addresses (issue 11 item 5: a party of a
    million relay candidates): every other one related to the srflx (drawn under its ISP), the
    others to 0.0.0.0 (under "Internet (path not shown)"); every seventh address comes back later
    (a second component), and one is Google's (looked up)."""
    lines = ["192.168.1.20 5000 typ host", "62.239.237.1 5000 typ srflx raddr 192.168.1.20 rport 5000"]
    for i in range(n):
        address = "74.125.225.229" if i == 3 else f"11.{i // 256}.{i % 256}.9"
        related = "62.239.237.1 rport 5000" if i % 2 else "0.0.0.0 rport 0"
        lines.append(f"{address} {6000 + i} typ relay raddr {related}")
        if i % 7 == 0 and i > 20:
            lines.append(f"11.{(i - 20) // 256}.{(i - 20) % 256}.9 {9000 + i} typ relay raddr {related}")
    return lines


def test_spilled_relays_are_drawn_as_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    cands = _cands(_relay_lines(2 * MAX_DRAWN))
    held_map, held = build_map(cands, [BT, GOOGLE]), _drawings(cands)
    monkeypatch.setattr(limits, "IN_MEMORY", 5)
    _, kids = drawn(cands, [BT, GOOGLE])
    assert isinstance(kids, Branches) and kids.spilled
    assert build_map(cands, [BT, GOOGLE]) == held_map
    assert _drawings(cands) == held
    internets = [n for n in _below(held_map) if n.kind == "internet"]
    assert [n.label for n in internets] == ["Internet", "Internet (path not shown)"]
    assert [len(n.children) for n in internets] == [MAX_DRAWN, MAX_DRAWN]  # one box per relay address
    tree = "\n".join(held[0])
    assert "TURN relay 74.125.225.229 on Google Inc." in tree
    assert "TURN relay 11.0.1.9 [c4, c25]" in tree  # a repeated address: one box, both ids
    boxes = len(_below(held_map))  # the device, its interface, NAT, ISP, two "Internet" boxes and the relays
    assert boxes == 2 * MAX_DRAWN + 6 and f"{boxes - MAX_DRAWN} more boxes" in held[2] and held[3][1] > 0


def _below(node: netmap.MapNode) -> list[netmap.MapNode]:
    return [node, *(n for c in node.children for n in _below(c))]


def _alive(kind: type) -> int:
    gc.collect()
    return sum(isinstance(o, kind) for o in gc.get_objects())


def test_spilled_relays_are_built_as_they_are_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``limits.IN_MEMORY`` an "Internet" box's relays are neither read nor built all at
    once: while the drawing is halfway through them, a few of their boxes and rows are alive."""
    cands = _cands(_relay_lines(2 * MAX_DRAWN))
    monkeypatch.setattr(limits, "IN_MEMORY", 5)
    _, kids = drawn(cands, [BT, GOOGLE])
    seen = []
    for branch in kids:
        for node in _below_internet(branch):
            relays = node.children
            for i, relay in enumerate(relays):
                assert relay.kind == "relay"
                if i == len(relays) // 2:
                    seen.append((_alive(netmap._Seen), sum(1 for n in _alive_nodes() if n.kind == "relay")))
    assert len(seen) == 2 and all(rows < 10 and boxes < 10 for rows, boxes in seen), seen


def _below_internet(node: netmap.MapNode) -> list[netmap.MapNode]:
    """The "Internet" boxes below ``node``, without building their relays."""
    if node.kind == "internet":
        return [node]
    return [n for c in node.children for n in _below_internet(c)]


def _alive_nodes() -> list[netmap.MapNode]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, netmap.MapNode)]
