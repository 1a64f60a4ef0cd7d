"""Terminal renderer (pure): ``AuditResult`` → rich renderables. Printing happens in ``report.py``.

Every string taken from the input goes through ``safe`` and into ``Text`` objects, so neither
control characters nor rich markup from a hostile file reach the terminal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from rich.console import Group, RenderableType
from rich.table import Table
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
from icecheck.render.safe import safe

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
MAX_ROWS = 500
MAX_DIAGNOSTICS = 20


def render(result: AuditResult, exit_code: int) -> RenderableType:
    """The whole terminal report."""
    return Group(*_parts(result, exit_code))


def _parts(result: AuditResult, exit_code: int) -> Iterator[RenderableType]:
    yield _header(result)
    yield from _diagnostics(result)
    if result.candidates:
        yield _candidate_table(result.candidates)
    if result.addresses:
        yield _address_table(result.addresses)
    yield from _attempts(result)
    yield from browser_modes(result)
    yield from nat_section(result)
    yield from _network_map(result)
    yield from _exposures(result)
    yield from _findings(result)
    yield _summary(result, exit_code)


def _header(result: AuditResult) -> Text:
    n, m = len(result.candidates), len(result.inputs)
    text = Text.assemble(
        ("icecheck", "bold"),
        f" — {n} candidate{'s' * (n != 1)} and {len(result.addresses)} other address"
        f"{'es' * (len(result.addresses) != 1)} from {m} input{'s' * (m != 1)} (policy {result.policy})",
    )
    return text


def _diagnostics(result: AuditResult) -> Iterator[RenderableType]:
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
            yield Text.assemble((f"{d.level}: ", style), safe(f"{d.origin.location()}{detail}: {d.message}"))


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


def _where(origin: Origin, one_input: bool) -> str:
    """Line (or packet) alone when every item comes from one input; else path:line / path#packet."""
    if one_input and origin.line is not None:
        return str(origin.line)
    if one_input and origin.packet is not None:
        return f"#{origin.packet}"
    return origin.location()


def _candidate_table(cands: tuple[AuditedCandidate, ...]) -> Table:
    one_input = len({c.record.origin.path for c in cands}) == 1
    table = Table(title="Candidates", title_justify="left", expand=False)
    table.add_column("id", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("address", overflow="fold", min_width=12)
    table.add_column("port", no_wrap=True)
    table.add_column("class", no_wrap=True)
    table.add_column("details", overflow="fold", ratio=1)
    table.add_column("line" if one_input else "where", overflow="fold", min_width=4)
    for c in cands[:MAX_ROWS]:
        cand = c.record.candidate
        table.add_row(
            c.id,
            Text(safe(f"{cand.type}/{cand.transport.lower()}")),
            Text(safe(cand.address), style=CLASS_STYLE.get(c.facts.address_class, "")),
            str(cand.port),
            Text(c.facts.address_class.value, style=CLASS_STYLE.get(c.facts.address_class, "")),
            Text(safe(_hints(c))),
            Text(safe(_where(c.record.origin, one_input))),
        )
    if len(cands) > MAX_ROWS:
        table.caption = f"{len(cands) - MAX_ROWS} more candidates in --format json"
    return table


def _address_table(addrs: tuple[AuditedAddress, ...]) -> Table:
    one_input = len({a.record.origin.path for a in addrs}) == 1
    table = Table(title="Addresses outside candidates", title_justify="left")
    for col in ("id", "field", "line" if one_input else "where", "address", "class", "details"):
        table.add_column(col, overflow="fold")
    for a in addrs[:MAX_ROWS]:
        table.add_row(
            a.id,
            a.record.role.value,
            Text(safe(_where(a.record.origin, one_input))),
            Text(safe(a.record.address), style=CLASS_STYLE.get(a.facts.address_class, "")),
            a.facts.address_class.value,
            Text(safe("; ".join(h.detail for h in a.facts.hints))),
        )
    return table


def _attempts(result: AuditResult) -> Iterator[RenderableType]:
    if not result.attempts:
        return
    table = Table(title="Server and lookup attempts", title_justify="left")
    for col in ("kind", "target", "status", "time", "detail"):
        table.add_column(col, overflow="fold")
    for t in result.attempts:
        elapsed = f"{t.elapsed * 1000:.0f} ms" if t.elapsed is not None else ""
        style = "green" if t.status in ("ok", "cached") else "red"
        table.add_row(t.kind, Text(safe(t.target)), Text(t.status, style=style), elapsed, Text(safe(t.detail)))
    yield table


def _network_map(result: AuditResult) -> Iterator[RenderableType]:
    """Device → interfaces → NAT → ISP → Internet → relay, as an attacker could draw it."""
    if not result.candidates:
        return
    from icecheck.netmap import network_tree

    yield Text("\nThe network map an attacker can draw", style="bold underline")
    yield network_tree(result.candidates, result.network_info)


def _exposures(result: AuditResult) -> Iterator[RenderableType]:
    yield Text("\nWhat an attacker learns", style="bold underline")
    if not result.exposures:
        yield Text("  Nothing about your network: no candidates or addresses were found.")
        return
    party: str | None = None
    for e in result.exposures:
        if e.party != party and e.party is not None:
            yield Text.assemble("  ", (safe(e.party), "bold"))
        party = e.party
        who = ", ".join(p.value.replace("-", " ") for p in e.learned_by)
        indent = "    • " if party else "  • "
        yield Text.assemble(indent, safe(e.summary), (f"  [{_refs(e.evidence)}; seen by {who}]", "dim"))
    for note in result.notes:
        yield Text.assemble("  • ", safe(note))


def _refs(refs: tuple[str, ...]) -> str:
    return ", ".join(refs[:6]) + (f" +{len(refs) - 6}" if len(refs) > 6 else "")


def _findings(result: AuditResult) -> Iterator[RenderableType]:
    yield Text("\nFindings", style="bold underline")
    if not result.findings:
        yield Text("  None.", style="green")
        return
    order = sorted(result.findings, key=lambda f: (-f.severity.rank, f.rule))
    for f in order:
        yield Text.assemble(
            "  ",
            (f"{f.severity.value.upper():6}", SEVERITY_STYLE[f.severity]),
            (f" {f.rule} ", "bold"),
            safe(f.message),
            (f"  [{_refs(f.evidence)}]", "dim"),
        )


def _summary(result: AuditResult, exit_code: int) -> Text:
    counts = Counter(f.severity for f in result.findings)
    parts = [
        f"{counts[s]} {s.value}" for s in (Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO) if counts[s]
    ]
    what = ", ".join(parts) if parts else "no findings"
    if exit_code == 3 and result.strict:
        why = f"{len(result.failed_attempts())} failed attempt(s) under --strict"
    else:
        why = f"--fail-on {result.fail_on.value}"
    return Text(f"\n{len(result.findings)} findings ({what}); {why} → exit {exit_code}")


def browser_modes(result: AuditResult) -> Iterator[RenderableType]:
    """The browser-mode comparison (live gathering): per mode, candidates by type and your addresses."""
    if not result.browser_modes:
        return
    table = Table(title="What a browser would signal in each privacy mode", title_justify="left")
    table.add_column("--as", no_wrap=True)
    table.add_column("setting", overflow="fold", max_width=24)
    for kind in ("host", "srflx", "relay"):
        table.add_column(kind, justify="right", no_wrap=True)
    table.add_column("your addresses the peer learns", overflow="fold", ratio=1)
    for row in result.browser_modes:
        counts = dict(row.counts)
        host = f"{counts.get('host', 0)}" + (f" ({row.concealed} mDNS)" if row.concealed else "")
        mark = Text(f"{row.mode} *" if row.selected else row.mode, style="bold" if row.selected else "")
        shown = safe(" ".join(row.addresses)) if row.addresses else "none"  # no comma to wrap away from an address
        learned = Text(shown, style="" if row.addresses else "green")
        table.add_row(mark, safe(row.short), host, str(counts.get("srflx", 0)), str(counts.get("relay", 0)), learned)
    if any(r.selected for r in result.browser_modes):
        table.caption = "* the mode audited above (--as)"
    yield table


def nat_section(result: AuditResult) -> Iterator[RenderableType]:
    """The NAT discovery result, when the run had one."""
    if result.nat is not None:
        yield from nat_view(result.nat)


def nat_view(nat: NatBehaviour) -> Iterator[RenderableType]:
    """A NAT discovery result (RFC 5780) with its reasons and what it means, in plain words."""
    from icecheck.natwords import explain

    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for part, value in (("mapping", nat.mapping), ("filtering", nat.filtering)):
        why = (nat.mapping_reason if part == "mapping" else nat.filtering_reason) or nat.reason
        grid.add_row(part, Text.assemble(value, (f"  {safe(why)}", "dim")))
    grid.add_row("public address", safe(", ".join(nat.mapped_addresses)) or "not learned")
    grid.add_row("what it means", safe(explain(nat)))
    yield Text("\nNAT behaviour (RFC 5780)", style="bold underline")
    yield grid
