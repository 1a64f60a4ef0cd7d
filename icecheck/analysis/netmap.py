"""The network map an attacker can draw from the candidates (pure).

device → interfaces (with kinds) → NAT / CGNAT → ISP (ASN, country) → Internet → TURN relay,
built as ``MapNode`` values and drawn three ways: a tree of lines in the terminal report
(``render.terminal.map_lines``, labels escaped there), SVG in the HTML report (``render.svgmap``)
and Mermaid ``flowchart LR`` text for Markdown here (quoted labels, entity codes for ``"#<>&```).
A capture's map may have a device per party and tens of thousands of boxes: the drawings read it
one party at a time (``drawn``, ``Parties``) and draw at most ``MAX_DRAWN`` boxes (the terminal
``render.terminal.MAX_MAP_LINES`` lines unless -v), counting the rest and saying how many.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import overload

from icecheck.analysis.geo import place_phrase
from icecheck.analysis.isp import EXIT_KINDS, VPN_RANGE_HINTS, asn_of, canonical, is_vpn_interface, label
from icecheck.analysis.parties import party_key
from icecheck.analysis.partystore import party_groups
from icecheck.model import AddressClass, AuditedCandidate, NetworkInfo

MAPPED = frozenset({"srflx", "prflx"})
MAX_DRAWN = 300  # boxes a drawn map shows (Mermaid here, SVG in ``render.svgmap``); the rest are counted
# Documentation ranges stand in for public addresses in labs and samples: drawn as public.
PUBLIC_LIKE = frozenset({AddressClass.PUBLIC, AddressClass.DOCUMENTATION})
_CLASS_KIND = {
    AddressClass.PRIVATE: "LAN",
    AddressClass.ULA: "LAN, ULA",
    AddressClass.LINK_LOCAL: "link-local",
    AddressClass.CGNAT: "CGNAT or overlay",
    AddressClass.PUBLIC: "public, no NAT",
    AddressClass.DOCUMENTATION: "public (documentation range), no NAT",
    AddressClass.MDNS: "concealed by mDNS",
    AddressClass.LOOPBACK: "loopback",
}
Relays = dict[str | None, list["_Seen"]]  # relay candidates by their related (base) address
_COST_KIND = {10: "Wi-Fi", 900: "cellular", 250: "cellular", 500: "cellular", 910: "cellular", 980: "cellular"}


@dataclass(frozen=True, slots=True)
class MapNode:
    """One box of the map; ``kind`` is device, interface, nat, isp, internet or relay."""

    label: str
    kind: str
    children: tuple[MapNode, ...] = ()


def build_map(candidates: Sequence[AuditedCandidate], info: Sequence[NetworkInfo]) -> MapNode:
    """The map; several parties (an offer and its answer, a captured call) get a device each."""
    parties = Parties(candidates, info)
    if len(parties) <= 1:
        return device_map(candidates, info)
    return MapNode("Parties", "device", tuple(parties))


def drawn(candidates: Sequence[AuditedCandidate], info: Sequence[NetworkInfo]) -> tuple[MapNode, Sequence[MapNode]]:
    """``build_map``'s root and its children, for a drawing: with several parties the root has
    no children of its own and the second value builds each party's map as it is iterated
    (``Parties``), so a drawing holds one party's map at a time."""
    parties = Parties(candidates, info)
    if len(parties) <= 1:
        root = device_map(candidates, info)
        return root, root.children
    return MapNode("Parties", "device"), parties


class Parties(Sequence[MapNode]):
    """Each party's device map, built as it is iterated (one party's candidates at a time,
    ``partystore.party_groups``): what ``build_map`` puts under "Parties", for a reader that
    draws the first lines of a capture's map and counts the others without holding them all.
    ``len`` is the number of parties; indexing builds the maps up to that one."""

    def __init__(self, candidates: Sequence[AuditedCandidate], info: Sequence[NetworkInfo]) -> None:
        self.candidates, self.info = candidates, info
        self.size = len({party_key(c.record.origin, c.record.context) for c in candidates})

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[MapNode]:
        for g in party_groups(self.candidates, ()):
            yield replace(device_map(g.candidates, self.info), label=f"Device: {g.label}")

    @overload
    def __getitem__(self, index: int) -> MapNode: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[MapNode]: ...

    def __getitem__(self, index: int | slice) -> MapNode | Sequence[MapNode]:
        return tuple(self)[index]


@dataclass(frozen=True, slots=True)
class _Seen:
    """What the map keeps of a candidate (``device_map`` reads each once): its id, type, canonical
    address and base, whether it is drawn as public or CGNAT, and, for the first host candidate
    of an address, its interface's words. Not the candidate: a party may have 100,000s."""

    id: str
    type: str
    address: str
    base: str | None
    public: bool
    cgnat: bool
    interface: str = ""


def device_map(candidates: Iterable[AuditedCandidate], info: Sequence[NetworkInfo]) -> MapNode:
    """The map: one branch per host address, NATs under the interface they map, relays last.

    Mapped candidates whose base address is unknown (mDNS-concealed host) hang off the device.
    """
    seen = _seen(candidates)
    nets = {canonical(i.address): i for i in info}
    relays = [c for c in seen if c.type == "relay"]
    by_related = _grouped(relays, lambda c: c.base)  # indexes: the map is drawn in one pass, also for 10,000 candidates
    by_base = _grouped([c for c in seen if c.type in MAPPED], lambda c: c.base)
    placed: set[str] = set()
    branches = [_interface(addr, group, by_base, nets, by_related, placed) for addr, group in _hosts(seen)]
    orphans = [c for c in seen if c.type in MAPPED and c.id not in placed]
    branches += [_nat(addr, group, nets, by_related, placed) for addr, group in _by_address(orphans)]
    rest = [c for c in relays if c.id not in placed]
    if rest:
        branches.append(MapNode("Internet (path not shown)", "internet", tuple(_relays(rest, nets))))
    return MapNode("This device", "device", tuple(branches))


def _seen(candidates: Iterable[AuditedCandidate]) -> list[_Seen]:
    """Each candidate as the map keeps it, in order (read once: a spool's items come back from
    disk on every pass)."""
    out: list[_Seen] = []
    hosts: set[str] = set()
    words_held: dict[str, str] = {}  # one copy of each interface's words ("(LAN)")
    for c in candidates:
        kind, address, related = c.record.candidate.type, canonical(c.facts.address), c.related_facts
        cgnat = c.facts.address_class is AddressClass.CGNAT or (
            related is not None and related.address_class is AddressClass.CGNAT
        )
        words = ""
        if kind == "host" and address not in hosts:
            hosts.add(address)
            name = f"{c.record.interface.name} " if c.record.interface else ""
            words = f"{name}({interface_kind(c)})"
            words = words_held.setdefault(words, words)
        base = canonical(related.address) if related is not None else None
        out.append(_Seen(c.id, kind, address, base, c.facts.address_class in PUBLIC_LIKE, cgnat, words))
    return out


def _hosts(seen: Sequence[_Seen]) -> list[tuple[str, list[_Seen]]]:
    return _by_address([c for c in seen if c.type == "host"])


def _by_address(cands: Sequence[_Seen]) -> list[tuple[str, list[_Seen]]]:
    """Candidates grouped by canonical address, first-seen order (components, UDP/TCP fold)."""
    groups: dict[str, list[_Seen]] = {}
    for cand in cands:
        groups.setdefault(cand.address, []).append(cand)
    return list(groups.items())


def _grouped(cands: Sequence[_Seen], key: Callable[[_Seen], str | None]) -> dict[str | None, list[_Seen]]:
    groups: dict[str | None, list[_Seen]] = {}
    for cand in cands:
        groups.setdefault(key(cand), []).append(cand)
    return groups


def _interface(
    address: str,
    group: list[_Seen],
    by_base: dict[str | None, list[_Seen]],
    nets: dict[str, NetworkInfo],
    relays: Relays,
    placed: set[str],
) -> MapNode:
    first = group[0]
    text = f"Interface {first.interface}: {address} {_ids(group)}"
    mapped = by_base.get(address, [])
    same = [c for c in mapped if c.address == address]  # a srflx equal to its host: no NAT
    placed.update(c.id for c in same)
    children = _nat_layers([c for c in mapped if c.address != address], nets, relays, placed)
    if first.public:
        children.insert(0, _isp(address, nets, relays, placed))
    return MapNode(text, "interface", tuple(children))


def _nat_layers(mapped: list[_Seen], nets: dict[str, NetworkInfo], relays: Relays, placed: set[str]) -> list[MapNode]:
    """Inner (private/CGNAT) mapped addresses first; the public NATs are drawn behind the last."""
    groups = _by_address(mapped)
    inner = [(a, g) for a, g in groups if not g[0].public]
    outer = [_nat(a, g, nets, relays, placed) for a, g in groups if g[0].public]
    if not inner:
        return outer
    nodes = [_nat(a, g, nets, relays, placed) for a, g in inner[:-1]]
    return [*nodes, _nat(*inner[-1], nets, relays, placed, behind=tuple(outer))]


def _nat(
    address: str,
    group: list[_Seen],
    nets: dict[str, NetworkInfo],
    relays: Relays,
    placed: set[str],
    behind: tuple[MapNode, ...] = (),
) -> MapNode:
    placed.update(c.id for c in group)
    first = group[0]
    what = "CGNAT" if first.cgnat else "NAT"
    if not first.public:
        return MapNode(f"{what} (inner layer) maps you to {address} {_ids(group)}", "nat", behind)
    return MapNode(f"{what} maps you to {address} {_ids(group)}", "nat", (_isp(address, nets, relays, placed),))


def _isp(address: str, nets: dict[str, NetworkInfo], relays: Relays, placed: set[str]) -> MapNode:
    info = nets.get(address)
    mine = relays.get(address, [])
    placed.update(c.id for c in mine)
    internet = MapNode("Internet", "internet", tuple(_relays(mine, nets)))
    if info is None:
        return MapNode(f"ISP: not looked up ({address})", "isp", (internet,))
    role = "Exit network (VPN/hosting)" if info.network_kind in EXIT_KINDS else "ISP"
    return MapNode(f"{role}: {describe(info)}", "isp", (internet,))


def _relays(relays: list[_Seen], nets: dict[str, NetworkInfo]) -> Iterator[MapNode]:
    for address, group in _by_address(relays):
        info = nets.get(address)
        owner = f" on {describe(info)}" if info else ""
        yield MapNode(f"TURN relay {address}{owner} {_ids(group)}", "relay")


def describe(info: NetworkInfo) -> str:
    """``BT-UK-AS BTnet UK Regional network (AS2856, GB, residential)``, and where the GeoIP
    databases place the address: ``; within 100 km of Boxford, GB, per GeoIP2-City built …``."""
    asn = asn_of(info)
    facts = [f"AS{asn}" if asn else None, info.country]
    facts.append(info.network_kind if info.network_kind not in (None, "unknown") else None)
    inside = ", ".join(f for f in facts if f)
    place = place_phrase(info)
    return (f"{label(info)} ({inside})" if inside else label(info)) + (f"; {place}" if place else "")


def interface_kind(cand: AuditedCandidate) -> str:
    """Interface kind: as gathered, else from VPN/VM hints, network-cost, or the address class."""
    if cand.record.interface is not None:
        return cand.record.interface.kind
    hints = {h.kind for h in cand.facts.hints}
    if is_vpn_interface(cand) or hints & VPN_RANGE_HINTS:
        return "VPN"
    for hint, kind in (
        ("tailscale", "Tailscale overlay"),
        ("docker", "container"),
        ("virtualbox", "VM"),
        ("libvirt", "VM"),
    ):
        if hint in hints:
            return kind
    cost = cand.record.candidate.network_cost
    return _COST_KIND.get(cost or -1) or _CLASS_KIND.get(cand.facts.address_class, str(cand.facts.address_class))


def _ids(group: Sequence[_Seen]) -> str:
    return "[" + ", ".join(dict.fromkeys(c.id for c in group)) + "]"


def to_mermaid(root: MapNode, kids: Iterable[MapNode] | None = None, limit: int | None = None) -> str:
    """Mermaid ``flowchart LR``: nodes ``n0..`` (pre-order) with quoted, entity-escaped labels, then
    edges. ``kids``: the root's children when they are built as they are drawn (``drawn``);
    ``limit``: past that many nodes the rest are counted, and a last node says how many."""
    nodes: list[str] = []
    edges: list[str] = []
    left_out = 0

    def walk(node: MapNode, children: Iterable[MapNode]) -> None:
        nonlocal left_out
        me = f"n{len(nodes)}"
        nodes.append(f'    {me}["{mermaid_escape(node.label)}"]')
        for child in children:
            if limit is not None and len(nodes) >= limit:
                left_out += count_nodes(child)
                continue
            edges.append(f"    {me} --> n{len(nodes)}")  # the id walk() is about to give the child
            walk(child, child.children)

    walk(root, root.children if kids is None else kids)
    if left_out:
        nodes.append(
            f'    more["… {left_out} more boxes of the map not drawn (the terminal report with -v lists them)"]'
        )
    return "\n".join(["flowchart LR", *nodes, *edges]) + "\n"


def count_nodes(node: MapNode) -> int:
    """``node`` and all below it."""
    return 1 + sum(count_nodes(c) for c in node.children)


def mermaid_escape(text: str) -> str:
    """Make ``text`` safe inside a quoted Mermaid label (entity codes; one line)."""
    text = text.replace("#", "#35;")
    for char, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("&", "#amp;"), ("`", "#96;")):
        text = text.replace(char, code)
    return " ".join(text.split())


def network_mermaid(candidates: Sequence[AuditedCandidate], info: Sequence[NetworkInfo]) -> str:
    """The map as Mermaid text (``--format mermaid``, embedded in Markdown): at most ``MAX_DRAWN``
    boxes, read one party at a time (``drawn``)."""
    root, kids = drawn(candidates, info)
    return to_mermaid(root, kids, MAX_DRAWN)
