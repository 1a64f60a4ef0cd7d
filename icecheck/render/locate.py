"""Where a finding's evidence came from (pure): evidence ids → ``Origin`` values.

Shared by the renderers that place findings in files (terminal, JSON, SARIF, GitHub
annotations, JUnit, Markdown). Evidence ids are the ``c1``/``a1`` ids of candidates and addresses;
``places_of`` and ``subjects`` say where and what in a few words.
"""

from __future__ import annotations

import heapq
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping

from icecheck.analysis.byid import ById
from icecheck.inputs.table import TextSet
from icecheck.model import AuditedAddress, AuditedCandidate, AuditResult, Finding, InputStatus, Origin
from icecheck.severity import Severity

SEVERITY_ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
MAX_NAMED = 5  # inputs named in a verdict line; the rest are counted
MAX_PLACES = 6  # lines or packets named per input in one finding
MAX_SUBJECTS = 4  # addresses named in one finding


def origins(result: AuditResult) -> Mapping[str, Origin]:
    """Evidence id → origin, for every candidate and address of ``result`` (``ById``)."""
    return ById(result, _origin)


def _origin(item: AuditedCandidate | AuditedAddress) -> Origin:
    return item.record.origin


def finding_origins(finding: Finding, where: Mapping[str, Origin]) -> list[Origin]:
    """The origins of a finding's evidence, in evidence order, without repeats."""
    return list(iter_finding_origins(finding, where))


def iter_finding_origins(finding: Finding, where: Mapping[str, Origin]) -> Iterator[Origin]:
    """``finding_origins`` one at a time: only the (path, line, packet) of those given are kept,
    in a set bounded in memory (``inputs.table.TextSet``: a finding may name a million lines)."""
    seen = TextSet()
    try:
        for ref in finding.evidence:
            origin = where.get(ref)
            if origin is not None:
                key = f"{origin.line}\x00{origin.packet}\x00{origin.path}"  # the path last: no NUL before it
                if key not in seen:
                    seen.add(key)
                    yield origin
    finally:
        seen.close()


def finding_paths(finding: Finding, where: Mapping[str, Origin], all_paths: list[str]) -> list[str]:
    """The inputs a finding belongs to: those of its evidence, or every input without evidence."""
    paths = list(dict.fromkeys(o.path for o in finding_origins(finding, where)))
    return paths or all_paths


def fails(finding: Finding, result: AuditResult) -> bool:
    """True when the finding is at or above the result's fail-on level."""
    return finding.severity.rank >= result.fail_on.rank


def ordered(result: AuditResult, limit: int | None = None) -> list[Finding]:
    """Findings by descending severity, then rule id (stable otherwise); the first ``limit`` of
    them when given, without sorting (or holding) the others."""
    if limit is None:
        return sorted(result.findings, key=_rank)
    return heapq.nsmallest(limit, result.findings, key=_rank)  # documented as sorted(...)[:limit]


def in_order(result: AuditResult) -> Iterator[Finding]:
    """``ordered(result)`` one at a time, without holding the findings (a party may have a million):
    their indices by (severity, rule) in compact arrays, then each group read in order (the sort
    is stable)."""
    groups: dict[tuple[int, str], array[int]] = {}
    for n, f in enumerate(result.findings):
        key = _rank(f)
        group = groups.get(key)
        if group is None:
            group = groups[key] = array("q")
        group.append(n)
    for key in sorted(groups):
        for n in groups[key]:
            yield result.findings[n]


def _rank(f: Finding) -> tuple[int, str]:
    return (-f.severity.rank, f.rule)


def summary(result: AuditResult) -> str:
    """'3 findings (1 high, 2 medium)' or 'no findings'."""
    counts = Counter(f.severity for f in result.findings)
    parts = [f"{counts[s]} {s.value}" for s in SEVERITY_ORDER if counts[s]]
    n = len(result.findings)
    return f"{n} finding{'s' * (n != 1)} ({', '.join(parts)})" if n else "no findings"


def input_problems(result: AuditResult, show: Callable[[str], str]) -> str:
    """For the verdict line: '1 input not read: a.sdp; 1 partly read: b.pcap', or ''.

    "Not read" is an input that could not be read or held nothing to audit (it makes the run
    exit 2); "partly read" one whose reader reported errors beside what it found. Paths go
    through ``show`` (the renderer's escaping).
    """
    groups = (
        ("not read", [d.path for d in result.inputs if d.status in (InputStatus.UNREADABLE, InputStatus.EMPTY)]),
        ("partly read", [d.path for d in result.inputs if d.status is InputStatus.PARTIAL]),
    )
    parts = []
    for what, paths in groups:
        if paths:
            names = ", ".join(show(p) for p in paths[:MAX_NAMED])
            more = f" and {len(paths) - MAX_NAMED} more" if len(paths) > MAX_NAMED else ""
            parts.append(f"{len(paths)} input{'s' * (len(paths) != 1)} {what}: {names}{more}")
    return "; ".join(parts)


def places_of(located: Iterable[Origin]) -> str:
    """Origins as ``path:93,94``, ``capture.pcap#27,31``, ``live`` or ``path``, one entry per input:
    the ``MAX_PLACES`` lowest distinct lines (else packets) of each and how many more, read once
    and held in bounded memory (``_Places``)."""
    by_path: dict[str, _Places] = {}
    distinct = TextSet()  # (path, line or packet) seen
    try:
        for o in located:
            place = by_path.get(o.path)
            if place is None:
                place = by_path[o.path] = _Places()
            place.add(o, distinct)
    finally:
        distinct.close()
    parts = []
    for path, place in by_path.items():
        mark, count, lowest = (
            (":", place.lines, place.low_lines) if place.lines else ("#", place.packets, place.low_packets)
        )
        numbers = [str(-n) for n in sorted(lowest, reverse=True)]
        more = f"+{count - MAX_PLACES}" if count > MAX_PLACES else ""
        listed = ",".join(numbers) + (f",{more}" if more else "")
        one_call = place.call if place.call and not place.calls_differ else None
        parts.append(f"{path}{mark}{listed}" if count else path + (f" (call {one_call})" if one_call else ""))
    return ", ".join(parts)


class _Places:
    """One input's origins as ``places_of`` words them: how many distinct lines and packets, the
    ``MAX_PLACES`` lowest of each (negated, a heap of the largest kept), and its call when all
    name one."""

    __slots__ = ("call", "calls_differ", "lines", "low_lines", "low_packets", "packets")

    def __init__(self) -> None:
        self.lines = self.packets = 0
        self.low_lines: list[int] = []
        self.low_packets: list[int] = []
        self.call: str | None = None
        self.calls_differ = False

    def add(self, o: Origin, distinct: TextSet) -> None:
        if o.line is not None and _new(distinct, "L", o.line, o.path):
            self.lines += 1
            _keep_lowest(self.low_lines, o.line)
        if o.packet is not None and _new(distinct, "P", o.packet, o.path):
            self.packets += 1
            _keep_lowest(self.low_packets, o.packet)
        if o.call:
            if self.call is None:
                self.call = o.call
            elif o.call != self.call:
                self.calls_differ = True


def _new(distinct: TextSet, kind: str, number: int, path: str) -> bool:
    """True the first time ``number`` is seen as a ``kind`` of ``path`` (then it is remembered)."""
    key = f"{kind}{number}\x00{path}"
    if key in distinct:
        return False
    distinct.add(key)
    return True


def _keep_lowest(heap: list[int], number: int) -> None:
    """Keep the ``MAX_PLACES`` lowest numbers in ``heap`` (negated: its top is the highest kept)."""
    if len(heap) < MAX_PLACES:
        heapq.heappush(heap, -number)
    elif -heap[0] > number:
        heapq.heapreplace(heap, -number)


def subjects(result: AuditResult) -> Mapping[str, str]:
    """Evidence id → what it shows in a few words: ``relay 203.0.113.10 raddr 192.168.77.10``,
    ``c= 10.0.0.1`` — found by id as ``origins`` finds origins, nothing built per item."""
    return ById(result, _subject)


def _subject(item: AuditedCandidate | AuditedAddress) -> str:
    if isinstance(item, AuditedAddress):
        return f"{item.record.role.value} {item.record.address}"
    cand = item.record.candidate
    text = f"{cand.type} {cand.address}"
    if cand.related_address not in (None, "0.0.0.0", "::"):
        text += f" raddr {cand.related_address}"
    return text


def what_of(finding: Finding, shows: Mapping[str, str]) -> str:
    """What a finding's evidence shows (``subjects``), the first few: ``host 10.0.0.1, host 10.0.0.2``
    (and how many more, counted in a set bounded in memory)."""
    named: list[str] = []
    distinct = TextSet()
    try:
        for ref in finding.evidence:
            shown = shows.get(ref)
            if shown is not None and shown not in distinct:
                distinct.add(shown)
                if len(named) < MAX_SUBJECTS:
                    named.append(shown)
        count = len(distinct)
    finally:
        distinct.close()
    more = f" and {count - MAX_SUBJECTS} more" if count > MAX_SUBJECTS else ""
    return ", ".join(named) + more
