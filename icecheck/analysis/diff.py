"""Comparing two audits: exposures, findings and addresses gained and lost, in bounded memory.

A side is a JSON report (``--format json`` output) or anything that can be audited. Exposures
match by kind and value (the summary when there is no value), findings by rule and message,
addresses by candidate type (or field) and address. "Gained" means present in B and not in A.
Each side's items are kept by key as a dict keeps them (an item repeating a key stays at the
first one's place, the last one's value), in order of first sight; gained items come in B's
order, lost ones in A's.

``Collector`` takes each side's items one at a time (``analysis.diffside`` feeds it from a report
or an audit) into a ``diffstore.KeyedPair`` per kind of item, which spills to disk past
``limits.IN_MEMORY`` keys: a capture of millions of addresses is compared without holding them.
``Collector.diff`` counts what changed; the renderers (``text_lines``, ``json_value``) then read
the gained and lost items again, one at a time, so the verdict line's counts can come first.

A side's inputs that were not read (status unreadable or empty) make the comparison incomplete:
they are named in the verdict line and the exit code is 2, whatever was gained. Inputs only
partly read are named too, and also exit 2 (what was not read may hold what B gained) unless
``allow_partial`` (``--allow-partial``): then the exit code is the findings'.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from icecheck.analysis.diffstore import KeyedPair
from icecheck.severity import Severity

Item = dict[str, Any]
SECTIONS = ("exposures", "findings", "addresses")  # the kinds of items compared, in the report's order
PROBLEMS = {"unread": ("unreadable", "empty"), "partial": ("partial",)}  # input statuses the verdict names


class BadReport(Exception):
    """A JSON report that is not as icecheck writes it: a list that is not a list of objects, a
    finding without a known severity (the message says which)."""


def exposure_key(e: Item) -> tuple[str, str]:
    return str(e.get("kind")), str(e.get("value") if e.get("value") is not None else e.get("summary"))


def finding_key(f: Item) -> tuple[str, str]:
    return str(f.get("rule")), str(f.get("message"))


def address_key(a: Item) -> tuple[str, str]:
    return str(a.get("where")), str(a.get("address"))


_KEYS: dict[str, Callable[[Item], tuple[str, str]]] = {
    "exposures": exposure_key,
    "findings": finding_key,
    "addresses": address_key,
}


def _packed(key: tuple[str, str]) -> bytes:
    """The key as bytes, one to one: the first part's length, a NUL, then both parts."""
    first, second = key
    return f"{len(first)}\x00{first}{second}".encode("utf-8", "surrogatepass")


def _unpacked(packed: bytes) -> tuple[str, str]:
    text = packed.decode("utf-8", "surrogatepass")
    length, _, rest = text.partition("\x00")
    n = int(length)
    return rest[:n], rest[n:]


def _item(section: str, packed: bytes, value: bytes) -> Item:
    """A stored item: its pickle, or for an address of two strings (stored as b"") its key."""
    if value:
        item: Item = pickle.loads(value)
        return item
    where, address = _unpacked(packed)
    return {"where": where, "address": address}


class Collector:
    """Both sides' items, put one at a time (side 0 is A, 1 is B), and the inputs each side did not
    read whole. ``close`` deletes what spilled to disk."""

    def __init__(self) -> None:
        self.pairs = {section: KeyedPair() for section in SECTIONS}
        self.problems: tuple[dict[str, list[str]], dict[str, list[str]]] = (
            {kind: [] for kind in PROBLEMS},
            {kind: [] for kind in PROBLEMS},
        )

    def add(self, side: int, section: str, item: Item) -> None:
        """One item of ``section`` (an exposure, a finding, or an address ``{"where", "address"}``)."""
        key = _KEYS[section](item)
        if section == "addresses" and type(item.get("where")) is str and type(item.get("address")) is str:
            value = b""  # the key says it all
        else:
            value = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        self.pairs[section].put(side, _packed(key), value)

    def add_address(self, side: int, where: str, address: str) -> None:
        """``add(side, "addresses", {"where": where, "address": address})`` for two strings."""
        self.pairs["addresses"].put(side, _packed((where, address)), b"")

    def add_input(self, side: int, side_name: str, path: str, status: str) -> None:
        """One input of a side: named in the verdict when its status is a problem (after the side's
        name when the two differ)."""
        for kind, statuses in PROBLEMS.items():
            if status in statuses:
                self.problems[side][kind].append(path if path == side_name else f"{side_name}: {path}")

    def clear(self, side: int, section: str) -> None:
        """Forget ``side``'s items of ``section`` (a report's list given again replaces it)."""
        if section == "inputs":
            for paths in self.problems[side].values():
                paths.clear()
        else:
            self.pairs[section].clear(side)

    def diff(self, a: str, b: str, fail_on: Severity, allow_partial: bool = False) -> Diff:
        """What changed from A to B, counted (the items are read again when rendered)."""
        changes = {
            s: Change(self.pairs[s], self.pairs[s].count_only(1), self.pairs[s].count_only(0), s) for s in SECTIONS
        }
        try:
            gating = sum(Severity(str(f.get("severity"))).rank >= fail_on.rank for f in changes["findings"].gained())
        except ValueError:
            raise BadReport("a finding's severity is not info, low, medium or high") from None
        return Diff(
            a,
            b,
            changes["exposures"],
            changes["findings"],
            changes["addresses"],
            fail_on,
            gating,
            (*self.problems[0]["unread"], *self.problems[1]["unread"]),
            (*self.problems[0]["partial"], *self.problems[1]["partial"]),
            allow_partial,
        )

    def close(self) -> None:
        for pair in self.pairs.values():
            pair.close()


@dataclass(frozen=True, slots=True)
class Change:
    """Items present only in B (gained) and only in A (lost): how many, and each read when asked."""

    pair: KeyedPair
    gained_count: int
    lost_count: int
    section: str

    def gained(self) -> Iterator[Item]:
        return (_item(self.section, k, v) for k, v in self.pair.only(1))

    def lost(self) -> Iterator[Item]:
        return (_item(self.section, k, v) for k, v in self.pair.only(0))


@dataclass(frozen=True, slots=True)
class Diff:
    """What changed between two reports: exposures, findings and addresses gained and lost."""

    a: str
    b: str
    exposures: Change
    findings: Change
    addresses: Change
    fail_on: Severity
    gating: int  # gained findings at or above fail-on
    unread: tuple[str, ...] = ()  # inputs of either side that were not read
    partial: tuple[str, ...] = ()  # inputs of either side that were read in part
    allow_partial: bool = False  # partly read inputs do not make the exit code 2

    def exit_code(self) -> int:
        """2 when an input of either side was not read (or read in part, unless ``allow_partial``),
        1 when B gained a gating finding, else 0."""
        if self.unread or (self.partial and not self.allow_partial):
            return 2
        return 1 if self.gating else 0


def addresses(report: Item) -> Iterator[Item]:
    """Every address a report shows: candidates by type, others by field."""
    for c in report.get("candidates", []):
        yield {"where": c.get("type"), "address": c.get("address")}
    for a in report.get("addresses", []):
        yield {"where": a.get("role"), "address": a.get("address")}


def add_report(collector: Collector, side: int, side_name: str, report: Item) -> None:
    """Every item and input of a decoded JSON report."""
    for section, items in (
        ("exposures", report.get("exposures", [])),
        ("findings", report.get("findings", [])),
        ("addresses", addresses(report)),
    ):
        for item in items:
            collector.add(side, section, item)
    for i in report.get("inputs", []):
        collector.add_input(side, side_name, str(i.get("path")), str(i.get("status")))


def compare(a: Item, b: Item, a_name: str, b_name: str, fail_on: Severity, allow_partial: bool = False) -> Diff:
    """The differences between two decoded JSON reports (its ``Collector`` lives as long as the
    ``Diff``: small reports stay in memory)."""
    collector = Collector()
    add_report(collector, 0, a_name, a)
    add_report(collector, 1, b_name, b)
    return collector.diff(a_name, b_name, fail_on, allow_partial)


def is_report(value: Any) -> bool:
    """True for an icecheck JSON report."""
    return isinstance(value, dict) and "schema_version" in value and "findings" in value and "exposures" in value


def json_value(d: Diff) -> Any:
    """The JSON form (documented in docs/json.md) for ``render.json_report.write_streamed``: the
    gained and lost lists as iterators, read while they are written."""
    from icecheck.render.json_report import Streamed

    return Streamed(
        schema_version=1,
        a=d.a,
        b=d.b,
        fail_on=d.fail_on.value,
        exposures=Streamed(gained=d.exposures.gained(), lost=d.exposures.lost()),
        findings=Streamed(gained=d.findings.gained(), lost=d.findings.lost()),
        addresses=Streamed(gained=d.addresses.gained(), lost=d.addresses.lost()),
        gating=d.gating,
        exit_code=d.exit_code(),
    )


def to_dict(d: Diff) -> Item:
    """The JSON form, whole (small diffs and tests)."""
    from icecheck.render.json_report import materialise

    value: Item = materialise(json_value(d))
    return value


def text_lines(d: Diff) -> Iterator[str]:
    """Plain text, one line per change (without its line break); strings from the inputs made safe."""
    from icecheck.render.safe import safe

    yield f"icecheck diff: {safe(d.a)} → {safe(d.b)}"
    sections: tuple[tuple[str, Change, Callable[[Item], str]], ...] = (
        ("Exposures", d.exposures, lambda e: f"[{e.get('kind')}] {e.get('summary')}"),
        ("Findings", d.findings, lambda f: f"{str(f.get('severity')).upper():6} {f.get('rule')} {f.get('message')}"),
        ("Addresses", d.addresses, lambda a: f"{a.get('where')} {a.get('address')}"),
    )
    for title, change, show in sections:
        parts: tuple[tuple[str, str, int, Callable[[], Iterable[Item]]], ...] = (
            ("gained", "+", change.gained_count, change.gained),
            ("lost", "-", change.lost_count, change.lost),
        )
        for word, sign, count, items in parts:
            if count:
                yield f"{title} {word} ({count}):"
                for i in items():
                    yield f"  {sign} {safe(show(i))}"
    problems = "".join(
        f"; {len(paths)} input{'s' * (len(paths) != 1)} {what}: {', '.join(safe(p) for p in paths)}"
        for what, paths in (("not read", d.unread), ("partly read", d.partial))
        if paths
    )
    if d.partial:
        problems += " (allowed by --allow-partial)" if d.allow_partial else " (not allowed without --allow-partial)"
    yield (
        f"{d.exposures.gained_count} exposures gained, {d.exposures.lost_count} lost; "
        f"{d.findings.gained_count} findings gained ({d.gating} at or above {d.fail_on.value}), "
        f"{d.findings.lost_count} lost{problems} → exit {d.exit_code()}"
    )


def to_text(d: Diff) -> str:
    """``text_lines`` as one string, each line ended."""
    return "".join(line + "\n" for line in text_lines(d))
