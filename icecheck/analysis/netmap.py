"""The network map an attacker can draw from the candidates (pure).

device → interfaces (with kinds) → NAT / CGNAT → ISP (ASN, country) → Internet → TURN relay,
built as ``MapNode`` values and drawn three ways: a tree of lines in the terminal report
(``render.terminal.map_lines``, labels escaped there), SVG in the HTML report (``render.svgmap``)
and Mermaid ``flowchart LR`` text for Markdown here (quoted labels, entity codes for ``"#<>&```).
A capture's map may have a device per party and tens of thousands of boxes: the drawings read it
one party at a time (``drawn``, ``Parties``) and draw at most ``MAX_DRAWN`` boxes (the terminal
``render.terminal.MAX_MAP_LINES`` lines unless -v), counting the rest and saying how many. A
party's candidates are read once into a projection (``_Projection``: what the map keeps of each),
held in memory up to ``limits.IN_MEMORY`` candidates and past that filed in a temporary SQLite
file; the boxes of such a party are built as they are drawn (``Branches``, and the relays under
an "Internet" box: ``Relays``), so a party of a million distinct hosts or relay addresses is drawn
in bounded memory, and the map is the same wherever it was held.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from typing import overload

from icecheck.analysis.geo import place_phrase
from icecheck.analysis.isp import EXIT_KINDS, VPN_RANGE_HINTS, asn_of, canonical, is_vpn_interface, label
from icecheck.analysis.parties import party_key
from icecheck.analysis.partystore import party_groups
from icecheck.inputs import limits
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
BATCH = 4096  # rows held in memory, once the projection spilled, before they are written
_COST_KIND = {10: "Wi-Fi", 900: "cellular", 250: "cellular", 500: "cellular", 910: "cellular", 980: "cellular"}


@dataclass(frozen=True, slots=True)
class MapNode:
    """One box of the map; ``kind`` is device, interface, nat, isp, internet or relay."""

    label: str
    kind: str
    children: Sequence[MapNode] = ()  # a tuple, or ``Branches`` built as they are drawn (``drawn``)


def build_map(candidates: Sequence[AuditedCandidate], info: Sequence[NetworkInfo]) -> MapNode:
    """The map; several parties (an offer and its answer, a captured call) get a device each."""
    parties = Parties(candidates, info)
    if len(parties) <= 1:
        return device_map(candidates, info)
    return MapNode("Parties", "device", tuple(held(p) for p in parties))


def held(node: MapNode) -> MapNode:
    """``node`` with every box below it built and held in tuples (``build_map``: the whole map)."""
    kids = tuple(held(c) for c in node.children)
    if isinstance(node.children, tuple) and all(a is b for a, b in zip(kids, node.children, strict=True)):
        return node
    return replace(node, children=kids)


def drawn(candidates: Sequence[AuditedCandidate], info: Sequence[NetworkInfo]) -> tuple[MapNode, Sequence[MapNode]]:
    """``build_map``'s root and its children, for a drawing: with several parties the root has
    no children of its own and the second value builds each party's map as it is iterated
    (``Parties``), so a drawing holds one party's map at a time; a party of more than
    ``limits.IN_MEMORY`` candidates is projected to disk and its boxes are built as they are
    drawn (``Branches``)."""
    parties = Parties(candidates, info)
    if len(parties) <= 1:
        branches = Branches(_Projection(candidates), info)
        return MapNode("This device", "device"), branches if branches.spilled else tuple(branches)
    return MapNode("Parties", "device"), parties


class _Built(Sequence[MapNode]):
    """Boxes built as they are iterated (``Parties``, ``Branches``): indexing builds up to the index."""

    @overload
    def __getitem__(self, index: int) -> MapNode: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[MapNode]: ...

    def __getitem__(self, index: int | slice) -> MapNode | Sequence[MapNode]:
        return tuple(self)[index]


class Parties(_Built):
    """Each party's device map, built as it is iterated (one party's candidates at a time,
    ``partystore.party_groups``): what ``build_map`` puts under "Parties", for a reader that
    draws the first lines of a capture's map and counts the others without holding them all.
    ``len`` is the number of parties; indexing builds the maps up to that one. The children of
    a party of more than ``limits.IN_MEMORY`` candidates are ``Branches`` built as they are
    iterated."""

    def __init__(self, candidates: Sequence[AuditedCandidate], info: Sequence[NetworkInfo]) -> None:
        self.candidates, self.info = candidates, info
        self.nets = nets_of(info)  # once for all parties
        self.size = len({party_key(c.record.origin, c.record.context) for c in candidates})

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[MapNode]:
        for g in party_groups(self.candidates, ()):
            branches = Branches(_Projection(g.candidates), self.info, self.nets)
            yield MapNode(f"Device: {g.label}", "device", branches if branches.spilled else tuple(branches))


@dataclass(slots=True)
class _Seen:
    """What the map keeps of a candidate (``device_map`` reads each once): its id, type, canonical
    address and base, whether it is drawn as public or CGNAT, and, for a host candidate, its
    interface's words. Not the candidate: a party may have 100,000s. Never changed once made; not
    frozen, as a frozen dataclass's ``__init__`` costs twice as much (one per candidate drawn)."""

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
    return held(MapNode("This device", "device", tuple(Branches(_Projection(candidates), info))))


class Branches(_Built):
    """The device's branches, built as they are iterated from a ``_Projection``: an interface
    per host address (first-seen order) with the NATs that map it (inner layers first, the public
    ones behind the last) and the ISP of a public address; then the mapped candidates whose base
    is not a host address (a NAT each); then the relays no drawn ISP leads to, under "Internet
    (path not shown)". ``len`` is counted without building; indexing builds up to the index.
    ``nets``: ``nets_of(info)``, when the caller has it (``Parties``: made once for every party).
    Spilled, an "Internet" box's relays are ``Relays``, built as they are drawn; in memory, a tuple."""

    def __init__(
        self, projection: _Projection, info: Sequence[NetworkInfo], nets: dict[str, NetworkInfo] | None = None
    ) -> None:
        self.projection = projection
        self.nets = nets_of(info) if nets is None else nets
        self.spilled = projection.db is not None
        self.size: int | None = None  # counted once: a drawing asks for it at every branch

    def __len__(self) -> int:
        if self.size is None:
            p = self.projection
            self.size = p.host_count() + p.orphan_count() + (1 if p.has_rest() else 0)
        return self.size

    def __iter__(self) -> Iterator[MapNode]:
        p, nets = self.projection, self.nets
        for address, group in p.hosts():
            yield _interface(address, group, p, nets)
        for address, group in p.orphans():
            yield _nat(address, group, p, nets)
        if p.has_rest():
            relays = Relays(p.rest, p.rest_count, nets)
            yield MapNode("Internet (path not shown)", "internet", relays if self.spilled else tuple(relays))


class Relays(_Built):
    """The relay boxes under an "Internet" box, one per relay address (first-seen order), built as
    they are iterated from ``groups`` (a party may have a million relay addresses); ``len`` is
    ``count()``, counted once (a drawing asks for it at every box)."""

    def __init__(
        self,
        groups: Callable[[], Iterator[tuple[str, list[_Seen]]]],
        count: Callable[[], int],
        nets: dict[str, NetworkInfo],
    ) -> None:
        self.groups, self.counter, self.nets = groups, count, nets
        self.size: int | None = None

    def __len__(self) -> int:
        if self.size is None:
            self.size = self.counter()
        return self.size

    def __iter__(self) -> Iterator[MapNode]:
        for address, group in self.groups():
            yield _relay(address, group, self.nets)


def nets_of(info: Sequence[NetworkInfo]) -> dict[str, NetworkInfo]:
    """What the lookups found, by canonical address (``nets``: the given once, for every party)."""
    return {canonical(i.address): i for i in info}


_KINDS = {"host": "h", "srflx": "m", "prflx": "m", "relay": "r"}  # the types the map draws; others are left out
_COLUMNS = "id, type, address, base, public, cgnat, interface"


class _Projection:
    """The candidates as the map draws them (``_Seen``), read once, grouped as ``Branches`` asks:
    in lists and dicts up to ``limits.IN_MEMORY`` candidates; past that, every row moves into a
    private temporary SQLite file (``sqlite3.connect("")``: on disk, deleted when the connection
    closes or the process ends, as ``inputs.table``), new rows wait in a list of at most ``BATCH``,
    and each grouping is a query. What it answers never depends on where the rows are: only memory
    does. Strings are filed as UTF-8 bytes (lone surrogates kept)."""

    def __init__(self, candidates: Iterable[AuditedCandidate]) -> None:
        self.rows: list[_Seen] = []  # read, not yet grouped or filed
        self.db: sqlite3.Connection | None = None
        self.filed = 0
        self.host_groups: list[tuple[str, list[_Seen]]] = []  # the groupings while in memory
        self.orphan_groups: list[tuple[str, list[_Seen]]] = []
        self.by_base: dict[str | None, list[_Seen]] = {}
        self.by_related: dict[str | None, list[_Seen]] = {}
        self.rest_groups: list[tuple[str, list[_Seen]]] = []
        for row in _seen(candidates):
            self.rows.append(row)
            if self.db is not None:
                if len(self.rows) >= BATCH:
                    self._write()
            elif len(self.rows) > limits.IN_MEMORY:
                self.db = sqlite3.connect("")
                self.db.execute(
                    "CREATE TABLE r (n INTEGER PRIMARY KEY, kind TEXT, id BLOB, type BLOB, address BLOB,"
                    " base BLOB, public INTEGER, cgnat INTEGER, interface BLOB)"
                )
                self._write()
        if self.db is None:
            self._group()
        else:
            self._write()
            self._index()

    def _write(self) -> None:
        assert self.db is not None
        rows = [
            (self.filed + n, _KINDS[s.type], _b(s.id), _b(s.type), _b(s.address), _b(s.base), s.public, s.cgnat,
             _b(s.interface))
            for n, s in enumerate(self.rows)
        ]  # fmt: skip
        with self.db:
            self.db.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self.filed += len(rows)
        self.rows = []

    def _group(self) -> None:
        """The in-memory groupings (indexes: the map is drawn in one pass, also for 10,000 candidates),
        made in one pass over the rows (a capture's map has thousands of parties of a few candidates)."""
        hosts: dict[str, list[_Seen]] = {}
        mapped: list[_Seen] = []
        relays: list[_Seen] = []
        for c in self.rows:
            if c.type == "host":
                hosts.setdefault(c.address, []).append(c)
            elif c.type == "relay":
                relays.append(c)
                self.by_related.setdefault(c.base, []).append(c)
            else:  # MAPPED: _seen keeps only the types the map draws
                mapped.append(c)
                self.by_base.setdefault(c.base, []).append(c)
        self.host_groups = list(hosts.items())
        self.orphan_groups = _by_address([c for c in mapped if c.base not in hosts])
        isp = {c.address for c in mapped if c.public}  # the addresses an ISP box is drawn for
        isp.update(a for a, group in self.host_groups if any(c.public for c in group))
        self.rest_groups = _by_address([c for c in relays if c.base not in isp]) if relays else []
        self.rows = []

    def _index(self) -> None:
        assert self.db is not None
        self.db.executescript(
            """
            CREATE INDEX r_address ON r (kind, address, n);
            CREATE INDEX r_base ON r (kind, base, n);
            CREATE TABLE host (address BLOB PRIMARY KEY, first INTEGER) WITHOUT ROWID;
            INSERT INTO host SELECT address, MIN(n) FROM r WHERE kind = 'h' GROUP BY address;
            CREATE INDEX host_first ON host (first);
            CREATE TABLE orphan (address BLOB, n INTEGER, PRIMARY KEY (address, n)) WITHOUT ROWID;
            INSERT INTO orphan SELECT address, n FROM r
                WHERE kind = 'm' AND (base IS NULL OR base NOT IN (SELECT address FROM host));
            CREATE TABLE orphan_address (address BLOB PRIMARY KEY, first INTEGER) WITHOUT ROWID;
            INSERT INTO orphan_address SELECT address, MIN(n) FROM orphan GROUP BY address;
            CREATE INDEX orphan_first ON orphan_address (first);
            CREATE TABLE isp (address BLOB PRIMARY KEY) WITHOUT ROWID;
            INSERT OR IGNORE INTO isp SELECT address FROM r WHERE kind IN ('h', 'm') AND public;
            CREATE TABLE rest (address BLOB, n INTEGER, PRIMARY KEY (address, n)) WITHOUT ROWID;
            INSERT INTO rest SELECT address, n FROM r
                WHERE kind = 'r' AND (base IS NULL OR base NOT IN (SELECT address FROM isp));
            CREATE TABLE rest_address (address BLOB PRIMARY KEY, first INTEGER) WITHOUT ROWID;
            INSERT INTO rest_address SELECT address, MIN(n) FROM rest GROUP BY address;
            CREATE INDEX rest_first ON rest_address (first);
            """
        )

    def _query(self, sql: str, *args: object) -> Iterator[_Seen]:
        assert self.db is not None
        for row in self.db.execute(sql, args):
            yield _unfiled(row)

    def host_count(self) -> int:
        if self.db is None:
            return len(self.host_groups)
        return int(self.db.execute("SELECT COUNT(*) FROM host").fetchone()[0])

    def orphan_count(self) -> int:
        if self.db is None:
            return len(self.orphan_groups)
        return int(self.db.execute("SELECT COUNT(*) FROM orphan_address").fetchone()[0])

    def has_rest(self) -> bool:
        if self.db is None:
            return bool(self.rest_groups)
        return self.db.execute("SELECT 1 FROM rest LIMIT 1").fetchone() is not None

    def rest_count(self) -> int:
        """How many relay addresses ``rest`` groups."""
        if self.db is None:
            return len(self.rest_groups)
        return int(self.db.execute("SELECT COUNT(*) FROM rest_address").fetchone()[0])

    def hosts(self) -> Iterator[tuple[str, list[_Seen]]]:
        """Host candidates by address, first-seen order."""
        if self.db is None:
            return iter(self.host_groups)
        return _runs(
            self._query(
                f"SELECT {_prefixed('r.')} FROM host JOIN r ON r.kind = 'h' AND r.address = host.address"
                " ORDER BY host.first, r.n"
            )
        )

    def orphans(self) -> Iterator[tuple[str, list[_Seen]]]:
        """Mapped candidates whose base is not a host address, by address, first-seen order."""
        if self.db is None:
            return iter(self.orphan_groups)
        return _runs(
            self._query(
                f"SELECT {_prefixed('r.')} FROM orphan_address AS o JOIN orphan ON orphan.address = o.address"
                " JOIN r ON r.n = orphan.n ORDER BY o.first, orphan.n"
            )
        )

    def mapped_on(self, base: str) -> list[_Seen]:
        """The mapped candidates of ``base``, in order."""
        if self.db is None:
            return self.by_base.get(base, [])
        return list(self._query(f"SELECT {_COLUMNS} FROM r WHERE kind = 'm' AND base = ? ORDER BY n", _b(base)))

    def relays_on(self, base: str) -> Iterator[tuple[str, list[_Seen]]]:
        """The relay candidates whose related address is ``base``, by address, first-seen order."""
        if self.db is None:
            return iter(_by_address(self.by_related.get(base, [])))
        return _runs(
            self._query(
                f"SELECT {_prefixed('r.')} FROM (SELECT address, MIN(n) AS first FROM r WHERE kind = 'r' AND base = ?"
                " GROUP BY address) AS f JOIN r ON r.kind = 'r' AND r.address = f.address AND r.base = ?"
                " ORDER BY f.first, r.n",
                _b(base),
                _b(base),
            )
        )

    def relay_count_on(self, base: str) -> int:
        """How many relay addresses ``relays_on(base)`` groups."""
        if self.db is None:
            return len({c.address for c in self.by_related.get(base, [])})
        sql = "SELECT COUNT(DISTINCT address) FROM r WHERE kind = 'r' AND base = ?"
        return int(self.db.execute(sql, (_b(base),)).fetchone()[0])

    def rest(self) -> Iterator[tuple[str, list[_Seen]]]:
        """The relays no ISP box leads to (their base is unknown or no public address), by
        address, first-seen order."""
        if self.db is None:
            return iter(self.rest_groups)
        return _runs(
            self._query(
                f"SELECT {_prefixed('r.')} FROM rest_address AS a JOIN rest ON rest.address = a.address"
                " JOIN r ON r.n = rest.n ORDER BY a.first, rest.n"
            )
        )


def _b(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8", "surrogatepass")


def _s(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


def _prefixed(prefix: str) -> str:
    return ", ".join(prefix + c for c in _COLUMNS.split(", "))


def _unfiled(row: tuple[bytes, bytes, bytes, bytes | None, int, int, bytes]) -> _Seen:
    ident, kind, address, base, public, cgnat, interface = row
    return _Seen(_s(ident), _s(kind), _s(address), None if base is None else _s(base), bool(public), bool(cgnat),
                 _s(interface))  # fmt: skip


def _runs(rows: Iterable[_Seen]) -> Iterator[tuple[str, list[_Seen]]]:
    """Consecutive rows of one address, as (address, rows)."""
    for address, group in groupby(rows, key=lambda c: c.address):
        yield address, list(group)


def _seen(candidates: Iterable[AuditedCandidate]) -> Iterator[_Seen]:
    """Each candidate of a type the map draws as the map keeps it, in order (read once: a spool's
    items come back from disk on every pass)."""
    words_held: dict[str, str] = {}  # one copy of each interface's words ("(LAN)")
    for c in candidates:
        kind = c.record.candidate.type
        if kind not in _KINDS:
            continue
        address, related = canonical(c.facts.address), c.related_facts
        cgnat = c.facts.address_class is AddressClass.CGNAT or (
            related is not None and related.address_class is AddressClass.CGNAT
        )
        words = ""
        if kind == "host":
            name = f"{c.record.interface.name} " if c.record.interface else ""
            words = f"{name}({interface_kind(c)})"
            words = words_held.setdefault(words, words)
        base = canonical(related.address) if related is not None else None
        yield _Seen(c.id, kind, address, base, c.facts.address_class in PUBLIC_LIKE, cgnat, words)


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


def _interface(address: str, group: list[_Seen], p: _Projection, nets: dict[str, NetworkInfo]) -> MapNode:
    first = group[0]
    text = f"Interface {first.interface}: {address} {_ids(group)}"
    mapped = p.mapped_on(address)
    children = _nat_layers([c for c in mapped if c.address != address], p, nets)  # a srflx equal to its host: no NAT
    if first.public:
        children.insert(0, _isp(address, p, nets))
    return MapNode(text, "interface", tuple(children))


def _nat_layers(mapped: list[_Seen], p: _Projection, nets: dict[str, NetworkInfo]) -> list[MapNode]:
    """Inner (private/CGNAT) mapped addresses first; the public NATs are drawn behind the last."""
    groups = _by_address(mapped)
    inner = [(a, g) for a, g in groups if not g[0].public]
    outer = [_nat(a, g, p, nets) for a, g in groups if g[0].public]
    if not inner:
        return outer
    nodes = [_nat(a, g, p, nets) for a, g in inner[:-1]]
    return [*nodes, _nat(*inner[-1], p, nets, behind=tuple(outer))]


def _nat(
    address: str, group: list[_Seen], p: _Projection, nets: dict[str, NetworkInfo], behind: tuple[MapNode, ...] = ()
) -> MapNode:
    first = group[0]
    what = "CGNAT" if first.cgnat else "NAT"
    if not first.public:
        return MapNode(f"{what} (inner layer) maps you to {address} {_ids(group)}", "nat", behind)
    return MapNode(f"{what} maps you to {address} {_ids(group)}", "nat", (_isp(address, p, nets),))


def _isp(address: str, p: _Projection, nets: dict[str, NetworkInfo]) -> MapNode:
    info = nets.get(address)
    if p.db is None:  # in memory: the relays at once, no ``Relays`` (most parties have none)
        relays: Sequence[MapNode] = tuple(_relay(a, g, nets) for a, g in p.relays_on(address))
    else:
        relays = Relays(lambda: p.relays_on(address), lambda: p.relay_count_on(address), nets)
    internet = MapNode("Internet", "internet", relays)
    if info is None:
        return MapNode(f"ISP: not looked up ({address})", "isp", (internet,))
    role = "Exit network (VPN/hosting)" if info.network_kind in EXIT_KINDS else "ISP"
    return MapNode(f"{role}: {describe(info)}", "isp", (internet,))


def _relay(address: str, group: list[_Seen], nets: dict[str, NetworkInfo]) -> MapNode:
    info = nets.get(address)
    owner = f" on {describe(info)}" if info else ""
    return MapNode(f"TURN relay {address}{owner} {_ids(group)}", "relay")


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
    """Make ``text`` safe inside a quoted Mermaid label (entity codes; one line; control and format
    characters escaped as ``render.safe`` does: a C1 control in an mDNS name went out raw)."""
    from icecheck.render.safe import safe

    text = safe(" ".join(text.split())).replace("#", "#35;")  # (one line first: a line feed is a space)
    for char, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("&", "#amp;"), ("`", "#96;")):
        text = text.replace(char, code)
    return text


def network_mermaid(candidates: Sequence[AuditedCandidate], info: Sequence[NetworkInfo]) -> str:
    """The map as Mermaid text (``--format mermaid``, embedded in Markdown): at most ``MAX_DRAWN``
    boxes, read one party at a time (``drawn``)."""
    root, kids = drawn(candidates, info)
    return to_mermaid(root, kids, MAX_DRAWN)
