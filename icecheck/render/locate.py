"""Where a finding's evidence came from (pure): evidence ids → ``Origin`` values.

Shared by the renderers that place findings in files (SARIF, GitHub annotations, JUnit,
Markdown). Evidence ids are the ``c1``/``a1`` ids of candidates and addresses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from icecheck.model import AuditResult, Finding, InputStatus, Origin, Severity

SEVERITY_ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
MAX_NAMED = 5  # inputs named in a verdict line; the rest are counted


def origins(result: AuditResult) -> dict[str, Origin]:
    """Evidence id → origin, for every candidate and address of ``result``."""
    out = {c.id: c.record.origin for c in result.candidates}
    out.update({a.id: a.record.origin for a in result.addresses})
    return out


def finding_origins(finding: Finding, where: dict[str, Origin]) -> list[Origin]:
    """The origins of a finding's evidence, in evidence order, without repeats."""
    seen: dict[tuple[str, int | None, int | None], Origin] = {}
    for ref in finding.evidence:
        origin = where.get(ref)
        if origin is not None:
            seen.setdefault((origin.path, origin.line, origin.packet), origin)
    return list(seen.values())


def finding_paths(finding: Finding, where: dict[str, Origin], all_paths: list[str]) -> list[str]:
    """The inputs a finding belongs to: those of its evidence, or every input without evidence."""
    paths = list(dict.fromkeys(o.path for o in finding_origins(finding, where)))
    return paths or all_paths


def fails(finding: Finding, result: AuditResult) -> bool:
    """True when the finding is at or above the result's fail-on level."""
    return finding.severity.rank >= result.fail_on.rank


def ordered(result: AuditResult) -> list[Finding]:
    """Findings by descending severity, then rule id (stable otherwise)."""
    return sorted(result.findings, key=lambda f: (-f.severity.rank, f.rule))


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
