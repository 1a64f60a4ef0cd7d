"""Terminal renderer (pure): ``AuditResult`` → one rich ``Text`` of lines laid out for a width.

Every string taken from the input goes through ``safe`` and into ``Text`` objects (never parsed
as markup), so neither control characters nor rich markup from a hostile file reach the
terminal. Layout (columns, wrapping, the map's tree) is ``layout``'s; printing is ``report``'s.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from rich.text import Text

from icecheck.model import (
    AddressClass,
    AuditedAddress,
    AuditedCandidate,
    AuditResult,
    NatBehaviour,
    Origin,
    Severity,
)
from icecheck.render.layout import columns, tree, wrap
from icecheck.render.locate import input_problems
from icecheck.render.safe import safe

if TYPE_CHECKING:
    from icecheck.analysis.netmap import MapNode
    from icecheck.analysis.rules import Rule

SEVERITY_STYLE = {
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
CLASS_STYLE = {
    AddressClass.PUBLIC: "bold red",
    AddressClass.DOCUMENTATION: "red",
    AddressClass.PRIVATE: "yellow",
    AddressClass.CGNAT: "yellow",
    AddressClass.ULA: "yellow",
    AddressClass.LINK_LOCAL: "yellow",
    AddressClass.MDNS: "green",
    AddressClass.UNSPECIFIED: "dim",
}
NODE_STYLE = {
    "device": "bold",
    "interface": "green",
    "nat": "yellow",
    "isp": "cyan",
    "internet": "blue",
    "relay": "magenta",
}
MAX_ROWS = 500  # table rows; past these caps a line says how many more --format json holds
MAX_DIAGNOSTICS = 20
MAX_SENTENCES = 200  # exposures, findings
MAX_MAP_LINES = 300
WIDTH = 80
MIN_WIDTH = 60  # narrower terminals get 60-cell lines (and wrap them)
Lines = Iterator[Text]


def render(result: AuditResult, exit_code: int, width: int = WIDTH) -> Text:
    """The whole terminal report, laid out for ``width`` cells (``report.show`` prints it)."""
    return Text("\n").join(_parts(result, exit_code, max(width, MIN_WIDTH)))


def _parts(result: AuditResult, exit_code: int, width: int) -> Lines:
    yield from wrap(_header(result), width)
    yield from _diagnostics(result, width)
    if result.candidates:
        yield from _candidate_table(result.candidates, width)
    if result.addresses:
        yield from _address_table(result.addresses, width)
    yield from _attempts(result, width)
    yield from browser_modes(result, width)
    yield from nat_section(result, width)
    yield from _network_map(result, width)
    yield from _exposures(result, width)
    yield from _findings(result, width)
    yield from _summary(result, exit_code, width)


def _heading(title: str) -> Lines:
    yield Text()
    yield Text(title, style="bold underline")


def _header(result: AuditResult) -> Text:
    n, m = len(result.candidates), len(result.inputs)
    return Text.assemble(
        ("icecheck", "bold"),
        f" — {n} candidate{'s' * (n != 1)} and {len(result.addresses)} other address"
        f"{'es' * (len(result.addresses) != 1)} from {m} input{'s' * (m != 1)} (policy {result.policy})",
    )


def _diagnostics(result: AuditResult, width: int) -> Lines:
    shown = 0
    for doc in result.inputs:
        for d in doc.diagnostics:
            if shown == MAX_DIAGNOSTICS:
                total = sum(len(x.diagnostics) for x in result.inputs)
                yield Text(f"… {total - shown} more problems (see --format json)", style="dim")
                return
            shown += 1
            style = "red" if d.level == "error" else "yellow"
            detail = f" ({d.origin.detail})" if d.origin.detail and d.origin.line is None else ""
            line = Text.assemble((f"{d.level}: ", style), safe(f"{d.origin.location()}{detail}: {d.message}"))
            yield from wrap(line, width, "", "  ")


def _hints(c: AuditedCandidate) -> str:
    parts = [h.detail for h in c.facts.hints]
    if c.record.candidate.related_address is not None:
        rf = c.related_facts
        cls = f" ({rf.address_class})" if rf else ""
        parts.insert(0, f"raddr {c.record.candidate.related_address}:{c.record.candidate.related_port}{cls}")
    if c.record.candidate.network_cost is not None:
        parts.append(f"cost {c.record.candidate.network_cost}")
    if c.record.interface is not None:
        parts.append(f"{c.record.interface.name} ({c.record.interface.kind})")
    return "; ".join(parts)


def _names(paths: set[str]) -> dict[str, str]:
    """How tables name each input: nothing for a lone input, else its file name (its path if two share one)."""
    if len(paths) == 1:
        return dict.fromkeys(paths, "")
    base = {p: os.path.basename(p) or p for p in paths}
    counts = Counter(base.values())
    return {p: base[p] if counts[base[p]] == 1 else p for p in paths}


def _where_title(names: dict[str, str], origins: list[Origin]) -> str:
    if any(names.values()):
        return "where"
    if all(o.line is not None for o in origins):
        return "line"
    return "packet" if all(o.packet is not None for o in origins) else "where"


def _where(origin: Origin, names: dict[str, str]) -> str:
    """``line`` (or ``#packet``) after the input's table name: ``12``, ``offer.sdp:12``, ``call.pcap#40``.

    Items of JSON inputs (HAR, dumps) have neither: their name alone, or nothing for a lone input
    (``--format json`` gives each one's place in the document)."""
    name = names[origin.path]
    if origin.line is not None:
        return f"{name}:{origin.line}" if name else str(origin.line)
    if origin.packet is not None:
        return f"{name}#{origin.packet}"
    return name


def _candidate_table(cands: tuple[AuditedCandidate, ...], width: int) -> Lines:
    names = _names({c.record.origin.path for c in cands})
    yield from _heading("Candidates")
    rows = []
    for c in cands[:MAX_ROWS]:
        cand = c.record.candidate
        style = CLASS_STYLE.get(c.facts.address_class, "")
        rows.append(
            (
                Text(c.id),
                Text(safe(_where(c.record.origin, names))),
                Text(safe(f"{cand.type}/{cand.transport.lower()}")),
                Text(safe(cand.address), style=style),
                Text(str(cand.port)),
                Text(c.facts.address_class.value, style=style),
                Text(safe(_hints(c)), style="dim"),
            )
        )
    where = _where_title(names, [c.record.origin for c in cands])
    header = ("id", where, "type", "address", "port", "class", "details")
    yield from columns(header, rows, width, foldable=(1, 3), optional=(1,))
    yield from _more(len(cands) - MAX_ROWS, "candidates", "--format json")


def _address_table(addrs: tuple[AuditedAddress, ...], width: int) -> Lines:
    names = _names({a.record.origin.path for a in addrs})
    yield from _heading("Addresses outside candidates")
    rows = [
        (
            Text(a.id),
            Text(safe(_where(a.record.origin, names))),
            Text(a.record.role.value),
            Text(safe(a.record.address), style=CLASS_STYLE.get(a.facts.address_class, "")),
            Text(a.facts.address_class.value, style=CLASS_STYLE.get(a.facts.address_class, "")),
            Text(safe("; ".join(h.detail for h in a.facts.hints)), style="dim"),
        )
        for a in addrs[:MAX_ROWS]
    ]
    where = _where_title(names, [a.record.origin for a in addrs])
    yield from columns(("id", where, "field", "address", "class", "details"), rows, width, foldable=(1, 3),
                       optional=(1,))  # fmt: skip
    yield from _more(len(addrs) - MAX_ROWS, "addresses", "--format json")


def _attempts(result: AuditResult, width: int) -> Lines:
    if not result.attempts:
        return
    yield from _heading("Server and lookup attempts")
    rows = []
    for t in result.attempts:
        elapsed = f"{t.elapsed * 1000:.0f} ms" if t.elapsed is not None else ""
        style = "green" if t.status in ("ok", "cached") else "red"
        rows.append((Text(t.kind), Text(safe(t.target)), Text(t.status, style=style), Text(elapsed),
                     Text(safe(t.detail), style="dim")))  # fmt: skip
    yield from columns(("kind", "target", "status", "time", "detail"), rows, width, foldable=(1,))


def _network_map(result: AuditResult, width: int) -> Lines:
    """Device → interfaces → NAT → ISP → Internet → relay, as an attacker could draw it."""
    if not result.candidates:
        return
    from icecheck.analysis.netmap import build_map

    yield from _heading("The network map an attacker can draw")
    lines = map_lines(build_map(result.candidates, result.network_info), width)
    yield from lines[:MAX_MAP_LINES]
    yield from _more(len(lines) - MAX_MAP_LINES, "lines of the map", "--format mermaid")


def map_lines(root: MapNode, width: int = WIDTH) -> list[Text]:
    """The network map as tree lines, each label escaped and styled by its kind."""

    def label(node: MapNode) -> Text:
        return Text(safe(node.label), style=NODE_STYLE.get(node.kind, ""))

    def children(node: MapNode) -> tuple[MapNode, ...]:
        return node.children

    return tree(root, label, children, width, "  ")


def _exposures(result: AuditResult, width: int) -> Lines:
    yield from _heading("What an attacker learns")
    if not result.exposures:
        yield Text("  Nothing about your network: no candidates or addresses were found.")
        yield from _notes(result, width)
        return
    party: str | None = None
    for e in result.exposures[:MAX_SENTENCES]:
        if e.party != party and e.party is not None:
            yield from wrap(Text(safe(e.party), style="bold"), width, "  ")
        party = e.party
        who = ", ".join(p.value.replace("-", " ") for p in e.learned_by)
        indent = "    " if party else "  "
        line = Text.assemble(safe(e.summary), (f"  [{_refs(e.evidence)}; seen by {who}]", "dim"))
        yield from wrap(line, width, indent + "• ", indent + "  ")
    yield from _more(len(result.exposures) - MAX_SENTENCES, "exposures", "--format json")
    yield from _notes(result, width)


def _notes(result: AuditResult, width: int) -> Lines:
    for note in result.notes:
        yield from wrap(Text(safe(note)), width, "  • ", "    ")


def _more(count: int, what: str, where: str) -> Lines:
    if count > 0:
        yield Text(f"  … {count} more {what} in {where}", style="dim")


def _refs(refs: tuple[str, ...]) -> str:
    return ", ".join(refs[:6]) + (f" +{len(refs) - 6}" if len(refs) > 6 else "")


def _findings(result: AuditResult, width: int) -> Lines:
    yield from _heading("Findings")
    if not result.findings:
        yield Text("  None.", style="green")
        return
    order = sorted(result.findings, key=lambda f: (-f.severity.rank, f.rule))
    rule_width = max(len(f.rule) for f in order)
    for f in order[:MAX_SENTENCES]:
        head = Text.assemble(
            (f"{f.severity.value.upper():6}", SEVERITY_STYLE[f.severity]), (f" {f.rule:{rule_width}} ", "bold")
        )
        line = Text.assemble(safe(f.message), (f"  [{_refs(f.evidence)}]", "dim"))
        first, *rest = wrap(line, width, " " * (2 + len(head)))
        yield Text.assemble("  ", head, first[2 + len(head) :])
        yield from rest
    yield from _more(len(order) - MAX_SENTENCES, "findings", "--format json")


def _summary(result: AuditResult, exit_code: int, width: int) -> Lines:
    counts = Counter(f.severity for f in result.findings)
    parts = [
        f"{counts[s]} {s.value}" for s in (Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO) if counts[s]
    ]
    what = ", ".join(parts) if parts else "no findings"
    if exit_code == 3 and result.strict:
        why = f"{len(result.failed_attempts())} failed attempt(s) under --strict"
    else:
        why = f"--fail-on {result.fail_on.value}"
    problems = input_problems(result, safe)
    if problems:
        why = f"{why}; {problems}"
    unaudited = result.unaudited()
    if unaudited:  # an input reached its bound on distinct items: say so where the verdict is
        allowed = "allowed by --allow-partial" if result.allow_partial else "not allowed without --allow-partial"
        why += f"; PARTIAL audit, {unaudited} items not audited ({allowed})"
    yield Text()
    n = len(result.findings)
    yield from wrap(Text(f"{n} finding{'s' * (n != 1)} ({what}); {why} → exit {exit_code}"), width)


def browser_modes(result: AuditResult, width: int = WIDTH) -> Lines:
    """The browser-mode comparison (live gathering): per mode, candidates by type and your addresses."""
    if not result.browser_modes:
        return
    yield from _heading("What a browser would signal in each privacy mode")
    rows = []
    for row in result.browser_modes:
        counts = dict(row.counts)
        host = f"{counts.get('host', 0)}" + (f" ({row.concealed} mDNS)" if row.concealed else "")
        mark = Text(f"{row.mode} *" if row.selected else row.mode, style="bold" if row.selected else "")
        shown = safe(" ".join(row.addresses)) if row.addresses else "none"
        learned = Text(shown, style="" if row.addresses else "green")
        rows.append((mark, Text(safe(row.short)), Text(host), Text(str(counts.get("srflx", 0))),
                     Text(str(counts.get("relay", 0))), learned))  # fmt: skip
    header = ("--as", "setting", "host", "srflx", "relay", "your addresses the peer learns")
    yield from columns(header, rows, width, foldable=(1,))
    if any(r.selected for r in result.browser_modes):
        yield Text("  * the mode audited above (--as)", style="dim")


def nat_section(result: AuditResult, width: int = WIDTH) -> Lines:
    """The NAT discovery result, when the run had one."""
    if result.nat is not None:
        yield from nat_view(result.nat, width)


def nat_view(nat: NatBehaviour, width: int = WIDTH) -> Lines:
    """A NAT discovery result (RFC 5780) with its reasons and what it means, in plain words."""
    from icecheck.live.natwords import explain

    rows = []
    for part, value in (("mapping", nat.mapping), ("filtering", nat.filtering)):
        why = (nat.mapping_reason if part == "mapping" else nat.filtering_reason) or nat.reason
        rows.append((Text(part, style="bold"), Text.assemble(value, (f"  {safe(why)}", "dim"))))
    rows.append((Text("public address", style="bold"), Text(safe(", ".join(nat.mapped_addresses)) or "not learned")))
    rows.append((Text("what it means", style="bold"), Text(safe(explain(nat)))))
    yield from _heading("NAT behaviour (RFC 5780)")
    yield from columns(("", ""), rows, width)


def catalogue(rules: Iterable[Rule], width: int = WIDTH) -> Text:
    """``icecheck rules``: id, severity, name and title of each rule."""
    rows = [(Text(r.id), Text(r.severity.value, style=SEVERITY_STYLE[r.severity]), Text(r.name), Text(r.title))
            for r in rules]  # fmt: skip
    return Text("\n").join(columns(("id", "severity", "name", "title"), rows, width, indent=0))
