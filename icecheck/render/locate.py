"""Where a finding's evidence came from (pure): evidence ids → ``Origin`` values.

Shared by the renderers that place findings in files (terminal, JSON, SARIF, GitHub
annotations, JUnit, Markdown). Evidence ids are the ``c1``/``a1`` ids of candidates and addresses;
``places_of`` and ``subjects`` say where and what in a few words.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar

from icecheck.model import AuditedAddress, AuditedCandidate, AuditResult, Finding, InputStatus, Origin
from icecheck.severity import Severity

T = TypeVar("T")
SEVERITY_ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
MAX_NAMED = 5  # inputs named in a verdict line; the rest are counted
MAX_PLACES = 6  # lines or packets named per input in one finding
MAX_SUBJECTS = 4  # addresses named in one finding


def origins(result: AuditResult) -> Mapping[str, Origin]:
    """Evidence id → origin, for every candidate and address of ``result`` (``ById``)."""
    return ById(result, _origin)


def _origin(item: AuditedCandidate | AuditedAddress) -> Origin:
    return item.record.origin


class ById(Mapping[str, T]):
    """Evidence id → ``describe(item)`` without a table per item: the audit numbers candidates
    ``c1``, ``c2``... and addresses ``a1``... in order, so ``cN`` is the N-th candidate; an id found
    elsewhere (a result whose items were numbered otherwise) is looked up in a table built then, once."""

    def __init__(self, result: AuditResult, describe: Callable[[AuditedCandidate | AuditedAddress], T]) -> None:
        self.result, self.describe = result, describe
        self.table: dict[str, T] | None = None

    def __getitem__(self, ref: str) -> T:
        items = self.result.candidates if ref[:1] == "c" else self.result.addresses if ref[:1] == "a" else ()
        n = int(ref[1:]) if ref[1:].isdigit() else 0
        if 0 < n <= len(items) and items[n - 1].id == ref:
            return self.describe(items[n - 1])
        if self.table is None:
            self.table = {c.id: self.describe(c) for c in self.result.candidates}
            self.table.update({a.id: self.describe(a) for a in self.result.addresses})
        return self.table[ref]

    def __iter__(self) -> Iterator[str]:
        yield from (c.id for c in self.result.candidates)
        yield from (a.id for a in self.result.addresses)

    def __len__(self) -> int:
        return len(self.result.candidates) + len(self.result.addresses)


def finding_origins(finding: Finding, where: Mapping[str, Origin]) -> list[Origin]:
    """The origins of a finding's evidence, in evidence order, without repeats."""
    return list(iter_finding_origins(finding, where))


def iter_finding_origins(finding: Finding, where: Mapping[str, Origin]) -> Iterator[Origin]:
    """``finding_origins`` one at a time: only the (path, line, packet) of those given are kept."""
    seen: set[tuple[str, int | None, int | None]] = set()
    for ref in finding.evidence:
        origin = where.get(ref)
        if origin is not None:
            key = (origin.path, origin.line, origin.packet)
            if key not in seen:
                seen.add(key)
                yield origin


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


def places_of(located: list[Origin]) -> str:
    """Origins as ``path:93,94``, ``capture.pcap#27,31``, ``live`` or ``path``, one entry per input."""
    by_path: dict[str, list[Origin]] = {}
    for o in located:
        by_path.setdefault(o.path, []).append(o)
    parts = []
    for path, group in by_path.items():
        numbers = [str(o.line) for o in group if o.line is not None]
        mark = ":"
        if not numbers:
            numbers, mark = [str(o.packet) for o in group if o.packet is not None], "#"
        numbers = sorted(dict.fromkeys(numbers), key=int)
        more = f"+{len(numbers) - MAX_PLACES}" if len(numbers) > MAX_PLACES else ""
        listed = ",".join(numbers[:MAX_PLACES]) + (f",{more}" if more else "")
        calls = list(dict.fromkeys(o.call for o in group if o.call))
        parts.append(f"{path}{mark}{listed}" if numbers else path + (f" (call {calls[0]})" if len(calls) == 1 else ""))
    return ", ".join(parts)


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
    """What a finding's evidence shows (``subjects``), the first few: ``host 10.0.0.1, host 10.0.0.2``."""
    named = list(dict.fromkeys(shows[r] for r in finding.evidence if r in shows))
    more = f" and {len(named) - MAX_SUBJECTS} more" if len(named) > MAX_SUBJECTS else ""
    return ", ".join(named[:MAX_SUBJECTS]) + more
