"""Terminal renderer (pure): ``AuditResult`` → rich ``Text`` lines laid out for a width, made one
at a time (``render_lines``; ``render`` joins them).

The report reads top down as a user needs it: the verdict line, the findings (rule, where, the
fix), input problems, what an attacker learns (the attacker's picture, in other words than the
findings'), then the inventory: candidates, addresses, the network map and the attempts.
``Detail.QUIET`` stops after the findings; ``Detail.VERBOSE`` lifts every cap and shows the ids.

Every string taken from the input goes through ``safe`` and into ``Text`` objects (never parsed
as markup), so neither control characters nor rich markup from a hostile file reach the
terminal. Layout (columns, wrapping, the map's tree) is ``layout``'s; printing is ``report``'s.
With -v a capture's report may have millions of lines: no section holds its items, rows or
lines (tables are laid out in two passes over their rows, the findings read in order by index,
the map drawn as its boxes are built), so the report is printed in bounded memory.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import IntEnum
from itertools import islice
from typing import TYPE_CHECKING, TypeVar

from rich.text import Text

from icecheck.exitcodes import ExitCode
from icecheck.inputs.table import TextSet
from icecheck.model import (
    AddressClass,
    AttemptStatus,
    AuditedAddress,
    AuditedCandidate,
    AuditResult,
    DiagnosticLevel,
    Finding,
    InputStatus,
    NatBehaviour,
    Origin,
    Party,
)
from icecheck.render.geoview import geo_lines
from icecheck.render.layout import column_lines, columns, paragraph, tree_head, tree_lines
from icecheck.render.locate import (
    in_order,
    input_problems,
    iter_finding_origins,
    ordered,
    origins,
    places_of,
    subjects,
    summary,
    what_of,
)
from icecheck.render.safe import safe
from icecheck.severity import Severity

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
MAX_ROWS = 500  # table rows; past these caps a line says how many more -v and --format json hold
MAX_DIAGNOSTICS = 20
MAX_SENTENCES = 200  # exposures, findings
MAX_MAP_LINES = 300
WIDTH = 80
MIN_WIDTH = 40  # narrower terminals get 40-cell lines
DEFAULT_PARTIES = (Party.SIGNALLING, Party.REMOTE_PEER)
PARTY_NAMES = {Party.SIGNALLING: "the signalling server", Party.REMOTE_PEER: "the remote peer",
               Party.TURN_SERVER: "the TURN server", Party.ON_PATH: "on-path observers"}  # fmt: skip
Lines = Iterator[Text]
Row = TypeVar("Row")
Item = TypeVar("Item")


class Detail(IntEnum):
    """How much the text report shows: ``-q`` verdict and findings, ``-v`` everything, uncapped."""

    QUIET = 0
    NORMAL = 1
    VERBOSE = 2


def render(result: AuditResult, exit_code: int, width: int = WIDTH, detail: Detail = Detail.NORMAL) -> Text:
    """The whole terminal report, laid out for ``width`` cells, as one ``Text``."""
    return Text("\n").join(render_lines(result, exit_code, width, detail))


def render_lines(result: AuditResult, exit_code: int, width: int = WIDTH, detail: Detail = Detail.NORMAL) -> Lines:
    """``render``'s lines one at a time (``report.show_lines`` prints them as they come): with -v a
    run's every candidate, finding and box of the map is a line, and none of them is held after
    it is printed."""
    return _parts(result, exit_code, max(width, MIN_WIDTH), detail)


def _parts(result: AuditResult, exit_code: int, width: int, detail: Detail) -> Lines:
    yield from paragraph(verdict(result, exit_code), width)
    yield from paragraph(Text(_scope(result), style="dim"), width)
    yield from _findings(result, width, detail)
    if detail is Detail.QUIET:
        return
    yield from _diagnostics(result, width, detail)
    if detail is Detail.VERBOSE:
        yield from _skipped(result)
    yield from _exposures(result, width, detail)
    yield from browser_modes(result, width)
    yield from nat_section(result, width)
    if result.candidates:
        yield from _candidate_table(result.candidates, width, detail)
    if result.addresses:
        yield from _address_table(result.addresses, width, detail)
    yield from _network_map(result, width, detail)
    yield from geo_lines(result, width)
    yield from _attempts(result, width)
    yield Text()
    yield from paragraph(verdict(result, exit_code), width)


def run_sections(result: AuditResult, width: int = WIDTH) -> Lines:
    """The parts of a report that differ from run to run, in the report's order: the findings,
    problems, what an attacker learns, candidates and attempts (``icecheck browser`` shows these per
    browser and scenario)."""
    width = max(width, MIN_WIDTH)
    yield from _findings(result, width)
    yield from _diagnostics(result, width)
    yield from _exposures(result, width)
    if result.candidates:
        yield from _candidate_table(result.candidates, width)
    yield from _attempts(result, width)


def _heading(title: str) -> Lines:
    yield Text()
    yield Text(title, style="bold underline")


def verdict(result: AuditResult, exit_code: int) -> Text:
    """The first line: PASS or FAIL, the findings at the gate, the policy (and its file), the inputs
    not read or read in part, the exit code."""
    gate = sum(f.severity.rank >= result.fail_on.rank for f in result.findings)
    failed = len(result.failed_attempts())
    at_gate = f"{gate or 'no'} finding{'s' * (gate != 1)} at or above fail-on {result.fail_on.value}"
    if exit_code == ExitCode.USAGE:
        audited = any(d.status in (InputStatus.OK, InputStatus.PARTIAL) for d in result.inputs)
        word, style, why = (
            ("INCOMPLETE", "bold yellow", at_gate)
            if audited
            else ("NOTHING AUDITED", "bold yellow", "no input could be audited")
        )
    elif exit_code == ExitCode.FAILURE and result.strict and failed:
        word, style, why = "FAIL", "bold red", f"{failed} failed attempt{'s' * (failed != 1)} under --strict"
    else:
        word, style, why = ("FAIL", "bold red", at_gate) if gate else ("PASS", "bold green", at_gate)
    policy = f"policy {result.policy}" + (f" from {safe(result.policy_source)}" if result.policy_source else "")
    problems = input_problems(result, safe)
    tail = f"; {problems}" if problems else ""
    unaudited = result.unaudited()
    if unaudited:  # an input reached its bound on distinct items: the verdict says so
        tail += f"; PARTIAL audit, {unaudited} items not audited"
    if unaudited or result.partly_read():
        tail += " (allowed by --allow-partial)" if result.allow_partial else " (not allowed without --allow-partial)"
    return Text.assemble(("icecheck: ", "bold"), (word, style), f" — {why} ({policy}){tail} → exit {exit_code}")


def _scope(result: AuditResult) -> str:
    """The second line: all findings by severity, what was audited, input problems, files skipped."""
    skipped = sum(d.status is InputStatus.SKIPPED for d in result.inputs)
    n, m, k = len(result.candidates), len(result.inputs) - skipped, len(result.addresses)
    problems = sum(len(d.diagnostics) for d in result.inputs)
    text = f"{summary(result).capitalize()} in {n} candidate{'s' * (n != 1)} and {k} other address{'es' * (k != 1)}"
    text += f" from {m} input{'s' * (m != 1)}"
    text += f"; {problems} input problem{'s' * (problems != 1)}" if problems else ""
    return text + (f"; {skipped} file{'s' * (skipped != 1)} without signalling skipped" if skipped else "")


def _skipped(result: AuditResult) -> Lines:
    """``-v``: the files found in folders that held no signalling (left out quietly otherwise)."""
    paths = [d.path for d in result.inputs if d.status is InputStatus.SKIPPED]
    if paths:
        yield from _heading("Skipped: no signalling found")
        yield from (Text.assemble("  ", (safe(p), "dim")) for p in paths)


def _diagnostics(result: AuditResult, width: int, detail: Detail = Detail.NORMAL) -> Lines:
    found = [d for doc in result.inputs for d in doc.diagnostics]
    if not found:
        return
    yield from _heading("Input problems")
    cap = len(found) if detail is Detail.VERBOSE else MAX_DIAGNOSTICS
    for d in found[:cap]:
        style = "red" if d.level is DiagnosticLevel.ERROR else "yellow"
        extra = f" ({d.origin.detail})" if d.origin.detail and d.origin.line is None else ""
        line = Text.assemble((f"{d.level}: ", style), safe(f"{d.origin.location()}{extra}: {d.message}"))
        yield from paragraph(line, width, "  ", "    ")
    yield from _more(len(found) - cap, "problems", "-v and --format json")


def candidate_details(c: AuditedCandidate) -> str:
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


def input_names(paths: set[str]) -> dict[str, str]:
    """How tables name each input: nothing for a lone input, else its file name (its path if two share one)."""
    if len(paths) == 1:
        return dict.fromkeys(paths, "")
    base = {p: os.path.basename(p) or p for p in paths}
    counts = Counter(base.values())
    return {p: base[p] if counts[base[p]] == 1 else p for p in paths}


def where_title(names: dict[str, str], origins: Iterable[Origin]) -> str:
    """The title of a table's place column: ``line`` when every origin has one, else ``packet``
    when every one has one, else ``where`` (one pass over ``origins``: a large run's are on disk)."""
    if any(names.values()):
        return "where"
    lines = packets = True
    for o in origins:
        lines = lines and o.line is not None
        packets = packets and o.packet is not None
        if not (lines or packets):
            break
    return "line" if lines else "packet" if packets else "where"


def placing(origins: Iterable[Origin]) -> tuple[dict[str, str], str]:
    """``input_names`` of the origins' paths and ``where_title``, in one pass over ``origins``
    (a large run's items are on disk: each pass reads them all)."""
    paths: set[str] = set()
    lines = packets = True
    for o in origins:
        paths.add(o.path)
        lines = lines and o.line is not None
        packets = packets and o.packet is not None
    names = input_names(paths)
    return names, "where" if any(names.values()) else "line" if lines else "packet" if packets else "where"


def where(origin: Origin, names: dict[str, str]) -> str:
    """``line`` (or ``#packet``) after the input's table name: ``12``, ``offer.sdp:12``, ``call.pcap#40``.

    Items of JSON inputs (HAR, dumps) have neither: their name alone, or nothing for a lone input
    (``--format json`` gives each one's place in the document)."""
    name = names[origin.path]
    if origin.line is not None:
        return f"{name}:{origin.line}" if name else str(origin.line)
    if origin.packet is not None:
        return f"{name}#{origin.packet}"
    return name


class _Rows(Iterable[Row]):
    """Table rows built anew from ``items`` on each pass (``layout.column_lines`` reads them twice:
    a run's candidates are on disk, and a row of ``Text`` is built only while it is laid out)."""

    def __init__(self, items: Iterable[Item], make: Callable[[Item], Row]) -> None:
        self.items, self.make = items, make

    def __iter__(self) -> Iterator[Row]:
        return map(self.make, self.items)


def _candidate_table(cands: Sequence[AuditedCandidate], width: int, detail: Detail = Detail.NORMAL) -> Lines:
    names, place = placing(c.record.origin for c in cands)
    yield from _heading("Candidates")
    cap = len(cands) if detail is Detail.VERBOSE else MAX_ROWS

    def row(c: AuditedCandidate) -> tuple[Text, ...]:
        cand = c.record.candidate
        style = CLASS_STYLE.get(c.facts.address_class, "")
        return (
            Text(c.id),
            Text(safe(where(c.record.origin, names))),
            Text(safe(f"{cand.type}/{cand.transport.lower()}")),
            Text(safe(cand.address), style=style),
            Text(str(cand.port)),
            Text(c.facts.address_class.value, style=style),
            Text(safe(candidate_details(c)), style="dim"),
        )

    header = ("id", place, "type", "address", "port", "class", "details")
    rows = _rows(cands, cap, row, detail)
    yield from column_lines(header, rows, width, foldable=(1, 3), optional=(1,))
    yield from _more(len(cands) - cap, "candidates", "-v and --format json")


def _rows(items: Sequence[Item], cap: int, make: Callable[[Item], Row], detail: Detail) -> Iterable[Row]:
    """The table rows of ``items``' first ``cap``: with -v (every item: a run's may be millions)
    built anew on each pass (``_Rows``), else built once (``MAX_ROWS`` at most)."""
    if detail is Detail.VERBOSE:
        return _Rows(_first(items, cap), make)
    return [make(item) for item in islice(items, cap)]


def _first(items: Sequence[Item], count: int) -> Sequence[Item]:
    """``items``' first ``count``: the sequence itself when that is all of them (read in place,
    not copied: a spool's items stay on disk), else a list of them."""
    return items if count >= len(items) else list(islice(items, count))


def _address_table(addrs: Sequence[AuditedAddress], width: int, detail: Detail = Detail.NORMAL) -> Lines:
    names, place = placing(a.record.origin for a in addrs)
    yield from _heading("Addresses outside candidates")
    cap = len(addrs) if detail is Detail.VERBOSE else MAX_ROWS

    def row(a: AuditedAddress) -> tuple[Text, ...]:
        return (
            Text(a.id),
            Text(safe(where(a.record.origin, names))),
            Text(a.record.role.value),
            Text(safe(a.record.address), style=CLASS_STYLE.get(a.facts.address_class, "")),
            Text(a.facts.address_class.value, style=CLASS_STYLE.get(a.facts.address_class, "")),
            Text(safe("; ".join(h.detail for h in a.facts.hints)), style="dim"),
        )

    rows = _rows(addrs, cap, row, detail)
    yield from column_lines(("id", place, "field", "address", "class", "details"), rows, width, foldable=(1, 3),
                            optional=(1,))  # fmt: skip
    yield from _more(len(addrs) - cap, "addresses", "-v and --format json")


def _attempts(result: AuditResult, width: int) -> Lines:
    if not result.attempts:
        return
    yield from _heading("Server and lookup attempts")
    rows = []
    for t in result.attempts:
        elapsed = f"{t.elapsed * 1000:.0f} ms" if t.elapsed is not None else ""
        style = "green" if t.status in (AttemptStatus.OK, AttemptStatus.CACHED) else "red"
        rows.append((Text(t.kind), Text(safe(t.target)), Text(t.status, style=style), Text(elapsed),
                     Text(safe(t.detail), style="dim")))  # fmt: skip
    yield from columns(("kind", "target", "status", "time", "detail"), rows, width, foldable=(1,))


def _network_map(result: AuditResult, width: int, detail: Detail = Detail.NORMAL) -> Lines:
    """Device → interfaces → NAT → ISP → Internet → relay, as an attacker could draw it."""
    if not result.candidates:
        return
    from icecheck.analysis.netmap import drawn

    yield from _heading("The network map an attacker can draw")
    root, kids = drawn(result.candidates, result.network_info)  # build_map's, one party held at a time
    if detail is Detail.VERBOSE:
        yield from tree_lines(root, _map_label, lambda node: kids if node is root else node.children, width, "  ")
        return
    lines, total = map_head(root, width, MAX_MAP_LINES, kids)
    yield from lines
    yield from _more(total - len(lines), "lines of the map", "-v")


def map_lines(root: MapNode, width: int = WIDTH) -> list[Text]:
    """The network map as tree lines, each label escaped and styled by its kind."""
    return map_head(root, width)[0]


def map_head(
    root: MapNode, width: int = WIDTH, limit: int | None = None, kids: Sequence[MapNode] | None = None
) -> tuple[list[Text], int]:
    """``map_lines``' first ``limit`` lines (all when None) and how many there are in all (the
    lines past the limit are counted, not built: a capture's map may have tens of thousands).
    ``kids``: the root's children, when they are built as they are drawn (``netmap.Parties``)."""

    def plain(node: MapNode) -> str:
        return safe(node.label)

    def children(node: MapNode) -> Sequence[MapNode]:
        return kids if kids is not None and node is root else node.children

    return tree_head(root, _map_label, children, width, "  ", limit, plain)


def _map_label(node: MapNode) -> Text:
    return Text(safe(node.label), style=NODE_STYLE.get(node.kind, ""))


def _exposures(result: AuditResult, width: int, detail: Detail = Detail.NORMAL) -> Lines:
    """The attacker's picture: what each party's signalling tells, by whom it is seen."""
    yield from _heading("What an attacker learns")
    if not result.exposures:
        yield Text("  Nothing about your network: no candidates or addresses were found.")
        yield from _notes(result, width)
        return
    yield from paragraph(Text("Seen by the signalling server and the remote peer unless another party is named.",
                              style="dim"), width, "  ")  # fmt: skip
    party: str | None = None
    cap = len(result.exposures) if detail is Detail.VERBOSE else MAX_SENTENCES
    for e in islice(result.exposures, cap):
        if e.party != party and e.party is not None:
            yield from paragraph(Text(safe(e.party), style="bold"), width, "  ")
        party = e.party
        indent = "    " if party else "  "
        line = Text(safe(e.summary))
        if e.learned_by != DEFAULT_PARTIES:
            line.append(f" ({_seen_by(e.learned_by)})", style="dim")
        if detail is Detail.VERBOSE:
            line.append(f" [{_refs(e.evidence)}]", style="dim")
        yield from paragraph(line, width, indent + "• ", indent + "  ")
    yield from _more(len(result.exposures) - cap, "exposures", "-v and --format json")
    yield from _notes(result, width)


def _notes(result: AuditResult, width: int) -> Lines:
    for note in result.notes:
        yield from paragraph(Text(safe(note)), width, "  • ", "    ")


def _seen_by(parties: tuple[Party, ...]) -> str:
    """``also seen by the turn server`` (beside the default two) or ``seen by …`` (instead of them)."""
    also = all(p in parties for p in DEFAULT_PARTIES)
    names = " and ".join(PARTY_NAMES.get(p, p.value) for p in parties if not also or p not in DEFAULT_PARTIES)
    return f"{'also ' if also else ''}seen by {names}"


def _more(count: int, what: str, where: str) -> Lines:
    if count > 0:
        yield Text(f"  … {count} more {what} in {where}", style="dim")


def _refs(refs: Sequence[str], cap: int = 6) -> str:
    return ", ".join(refs[:cap]) + (f" +{len(refs) - cap}" if len(refs) > cap else "")


def _findings(result: AuditResult, width: int, detail: Detail = Detail.NORMAL) -> Lines:
    """Findings by severity and rule: the rule's title, where each one is (and what), the fix."""
    from icecheck.analysis.rules import CATALOGUE

    yield from _heading("Findings")
    if not result.findings:
        yield Text("  None.", style="green")
        return
    where, shows = origins(result), subjects(result)
    cap = len(result.findings) if detail is Detail.VERBOSE else MAX_SENTENCES
    shown = in_order(result) if detail is Detail.VERBOSE else iter(ordered(result, cap))
    said = TextSet()  # two findings of a rule at the same place about the same thing: one line
    try:
        before: Finding | None = None
        for f, after in _with_next(shown):
            rule = CATALOGUE.get(f.rule)
            if before is None or (f.rule, f.severity) != (before.rule, before.severity):
                head = Text.assemble((f.severity.value.upper(), SEVERITY_STYLE[f.severity]), " ", (f.rule, "bold"))
                head.append(safe(f" {rule.title}") if rule else "")
                yield from paragraph(head, width, "  ", "    ")
                said.close()
                said = TextSet()
            line = _finding_line(f, where, shows, detail)
            if line.plain not in said:
                said.add(line.plain)
                yield from paragraph(line, width, "    • ", "      ")
            if rule is not None and (after is None or after.rule != f.rule):
                yield from paragraph(Text.assemble(("fix: ", "bold"), rule.fix), width, "    ", "      ")
            before = f
    finally:
        said.close()
    yield from _more(len(result.findings) - cap, "findings", "-v and --format json")


def _with_next(items: Iterator[Finding]) -> Iterator[tuple[Finding, Finding | None]]:
    """Each item with the one after it (None after the last)."""
    current = next(items, None)
    while current is not None:
        after = next(items, None)
        yield current, after
        current = after


def _finding_line(f: Finding, where: Mapping[str, Origin], shows: Mapping[str, str], detail: Detail) -> Text:
    """``path:95,97: relay 203.0.113.10 raddr 192.168.77.10`` (the message, when nothing locates it)."""
    places, what = places_of(iter_finding_origins(f, where)), what_of(f, shows)
    line = Text(safe(f"{places}: {what}" if places and what else places or f.message))
    if detail is Detail.VERBOSE and f.evidence:
        line.append(f" [{_refs(f.evidence)}]", style="dim")
    return line


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
