"""Comparing two audits (pure): exposures, findings and addresses gained and lost.

A side is a JSON report (``--format json`` output) or anything that can be audited. Exposures
match by kind and value (the summary when there is no value), findings by rule and message,
addresses by candidate type (or field) and address. "Gained" means present in B and not in A.

A side's inputs that were not read (status unreadable or empty) make the comparison incomplete:
they are named in the verdict line and the exit code is 2, whatever was gained. Inputs only
partly read are named too, and also exit 2 (what was not read may hold what B gained) unless
``allow_partial`` (``--allow-partial``): then the exit code is the findings'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from icecheck.severity import Severity

Item = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Change:
    """Items present only in B (gained) and only in A (lost)."""

    gained: tuple[Item, ...]
    lost: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Diff:
    """What changed between two reports: exposures, findings and addresses gained and lost."""

    a: str
    b: str
    exposures: Change
    findings: Change
    addresses: Change
    fail_on: Severity
    unread: tuple[str, ...] = ()  # inputs of either side that were not read
    partial: tuple[str, ...] = ()  # inputs of either side that were read in part
    allow_partial: bool = False  # partly read inputs do not make the exit code 2

    def gating(self) -> list[Item]:
        """Gained findings at or above fail-on."""
        return [f for f in self.findings.gained if Severity(f["severity"]).rank >= self.fail_on.rank]

    def exit_code(self) -> int:
        """2 when an input of either side was not read (or read in part, unless ``allow_partial``),
        1 when B gained a gating finding, else 0."""
        if self.unread or (self.partial and not self.allow_partial):
            return 2
        return 1 if self.gating() else 0


def _exposure_key(e: Item) -> tuple[str, str]:
    return str(e.get("kind")), str(e.get("value") if e.get("value") is not None else e.get("summary"))


def _finding_key(f: Item) -> tuple[str, str]:
    return str(f.get("rule")), str(f.get("message"))


def _address_key(a: Item) -> tuple[str, str]:
    return str(a.get("where")), str(a.get("address"))


def _change(a: Iterable[Item], b: Iterable[Item], key: Callable[[Item], tuple[str, str]]) -> Change:
    a_items = {key(i): i for i in a}
    b_items = {key(i): i for i in b}
    return Change(
        tuple(i for k, i in b_items.items() if k not in a_items),
        tuple(i for k, i in a_items.items() if k not in b_items),
    )


def addresses(report: Item) -> list[Item]:
    """Every address a report shows: candidates by type, others by field."""
    out = [{"where": c.get("type"), "address": c.get("address")} for c in report.get("candidates", [])]
    out += [{"where": a.get("role"), "address": a.get("address")} for a in report.get("addresses", [])]
    return out


def compare(a: Item, b: Item, a_name: str, b_name: str, fail_on: Severity, allow_partial: bool = False) -> Diff:
    """The differences between two JSON reports."""
    return Diff(
        a_name,
        b_name,
        _change(a.get("exposures", []), b.get("exposures", []), _exposure_key),
        _change(a.get("findings", []), b.get("findings", []), _finding_key),
        _change(addresses(a), addresses(b), _address_key),
        fail_on,
        (*_inputs(a, a_name, ("unreadable", "empty")), *_inputs(b, b_name, ("unreadable", "empty"))),
        (*_inputs(a, a_name, ("partial",)), *_inputs(b, b_name, ("partial",))),
        allow_partial,
    )


def _inputs(report: Item, side: str, statuses: tuple[str, ...]) -> list[str]:
    """The report's inputs with one of ``statuses``: their path, after the side's when it differs."""
    paths = [str(i.get("path")) for i in report.get("inputs", []) if i.get("status") in statuses]
    return [p if p == side else f"{side}: {p}" for p in paths]


def is_report(value: Any) -> bool:
    """True for an icecheck JSON report."""
    return isinstance(value, dict) and "schema_version" in value and "findings" in value and "exposures" in value


def to_dict(d: Diff) -> Item:
    """The JSON form (documented in docs/json.md)."""
    return {
        "schema_version": 1,
        "a": d.a,
        "b": d.b,
        "fail_on": d.fail_on.value,
        "exposures": {"gained": list(d.exposures.gained), "lost": list(d.exposures.lost)},
        "findings": {"gained": list(d.findings.gained), "lost": list(d.findings.lost)},
        "addresses": {"gained": list(d.addresses.gained), "lost": list(d.addresses.lost)},
        "gating": len(d.gating()),
        "exit_code": d.exit_code(),
    }


def to_text(d: Diff) -> str:
    """Plain text, one line per change; strings from the inputs made safe."""
    from icecheck.render.safe import safe

    lines = [f"icecheck diff: {safe(d.a)} → {safe(d.b)}"]
    sections: tuple[tuple[str, Change, Callable[[Item], str]], ...] = (
        ("Exposures", d.exposures, lambda e: f"[{e.get('kind')}] {e.get('summary')}"),
        ("Findings", d.findings, lambda f: f"{str(f.get('severity')).upper():6} {f.get('rule')} {f.get('message')}"),
        ("Addresses", d.addresses, lambda a: f"{a.get('where')} {a.get('address')}"),
    )
    for title, change, show in sections:
        for word, sign, items in (("gained", "+", change.gained), ("lost", "-", change.lost)):
            if items:
                lines.append(f"{title} {word} ({len(items)}):")
                lines += [f"  {sign} {safe(show(i))}" for i in items]
    gating = d.gating()
    problems = "".join(
        f"; {len(paths)} input{'s' * (len(paths) != 1)} {what}: {', '.join(safe(p) for p in paths)}"
        for what, paths in (("not read", d.unread), ("partly read", d.partial))
        if paths
    )
    if d.partial:
        problems += " (allowed by --allow-partial)" if d.allow_partial else " (not allowed without --allow-partial)"
    lines.append(
        f"{len(d.exposures.gained)} exposures gained, {len(d.exposures.lost)} lost; "
        f"{len(d.findings.gained)} findings gained ({len(gating)} at or above {d.fail_on.value}), "
        f"{len(d.findings.lost)} lost{problems} → exit {d.exit_code()}"
    )
    return "\n".join(lines) + "\n"
