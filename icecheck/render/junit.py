"""JUnit XML renderer (pure): one test suite per input, one test case per rule per input.

A rule's case fails when the input has a finding of that rule at or above fail-on (all such
findings are listed in the failure); findings below fail-on go to ``system-out``. An input
that could not be read gets an ``error`` case. XML is built with ElementTree (markup escaped),
and strings from the input pass through ``safe`` first: XML 1.0 cannot carry most control
characters even as references, so they are written as visible ``\\xNN`` text.

A finding may name a million locations (one party's million candidates), so the findings' text
is never built whole: the document's skeleton (suites, cases, attributes) is serialised by
ElementTree with a mark where each case's text goes, and ``write_junit`` writes the text there
finding by finding and location by location (``locate.iter_finding_origins``), escaped as
ElementTree escapes text, in blocks: the bytes are ``to_junit``'s, in bounded memory.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from array import array
from collections.abc import Iterator, Mapping
from io import StringIO
from typing import IO

from icecheck.analysis.rules import CATALOGUE
from icecheck.model import AuditResult, Finding, InputDocument, InputStatus, Origin
from icecheck.render.locate import fails, iter_finding_origins, origins
from icecheck.render.safe import safe
from icecheck.severity import Severity

BLOCK = 1 << 16  # characters gathered before a write
_MARK = re.compile("\x00([0-9]+)\x00")  # where case text n goes; NUL never survives ``safe``


def to_junit(result: AuditResult, exit_code: int) -> str:
    """The XML document (with declaration), ending with a newline."""
    buf = StringIO()
    write_junit(result, exit_code, buf)
    return buf.getvalue()


def write_junit(result: AuditResult, exit_code: int, stream: IO[str]) -> None:
    """Write ``to_junit``'s document to ``stream``, the findings' lines streamed (see the module)."""
    by_input = _cases_by_input(result)
    texts: list[array[int]] = []  # per mark: the indices (in ``result.findings``) of the findings listed there
    root = ET.Element("testsuites", name="icecheck")
    totals = [0, 0, 0]
    for doc in result.inputs:
        if doc.status is InputStatus.SKIPPED:  # found in a folder, no signalling: not a test
            continue
        suite = _suite(root, doc, by_input.get(doc.path, {}), texts)
        for i, key in enumerate(("tests", "failures", "errors")):
            totals[i] += int(suite.get(key, "0"))
    for i, key in enumerate(("tests", "failures", "errors")):
        root.set(key, str(totals[i]))
    root.set("exit_code", str(exit_code))
    ET.indent(root)
    skeleton = ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
    where = origins(result)
    pieces = _MARK.split(skeleton)  # text, mark number, text, ...
    for n, piece in enumerate(pieces):
        if n % 2 == 0:
            stream.write(piece)
        else:
            _write_blocks(stream, _case_text(result, texts[int(piece)], where))


class _Case:
    """One input's findings of one rule, as its case needs them: their indices in
    ``result.findings`` (all, and those at or above fail-on) in compact arrays (a party may have a
    million findings of a rule), and the worst failing one's severity and message."""

    __slots__ = ("failing", "mine", "worst")

    def __init__(self) -> None:
        self.mine, self.failing = array("q"), array("q")
        self.worst: tuple[Severity, str] | None = None

    def add(self, n: int, f: Finding, failing: bool) -> None:
        self.mine.append(n)
        if failing:
            self.failing.append(n)
            if self.worst is None or f.severity.rank > self.worst[0].rank:  # the first of the highest, as max()
                self.worst = (f.severity, f.message)


def _cases_by_input(result: AuditResult) -> dict[str, dict[str, _Case]]:
    """Input path → rule → its ``_Case``. A finding belongs to the inputs of its evidence, or to
    every input when none of it is located (``locate.finding_paths``), read once per finding."""
    where = origins(result)
    paths = [d.path for d in result.inputs]
    out: dict[str, dict[str, _Case]] = {}
    for n, f in enumerate(result.findings):
        failing = fails(f, result)
        for path in list(dict.fromkeys(o.path for o in iter_finding_origins(f, where))) or paths:
            rules = out.setdefault(path, {})
            case = rules.get(f.rule)
            if case is None:
                case = rules[f.rule] = _Case()
            case.add(n, f, failing)
    return out


def _suite(root: ET.Element, doc: InputDocument, cases: dict[str, _Case], texts: list[array[int]]) -> ET.Element:
    suite = ET.SubElement(root, "testsuite", name=safe(doc.path))
    if doc.status in (InputStatus.UNREADABLE, InputStatus.EMPTY):
        case = ET.SubElement(suite, "testcase", classname=_classname(doc.path), name="read input")
        messages = "; ".join(safe(d.message) for d in doc.diagnostics) or "nothing to audit"
        ET.SubElement(case, "error", message=f"{doc.status.value}: {messages}", type=doc.status.value)
        suite.set("tests", "1")
        suite.set("errors", "1")
        suite.set("failures", "0")
        return suite
    rule_ids = [*CATALOGUE, *sorted(set(cases) - set(CATALOGUE))]  # every catalogue rule, and any other named
    failures = sum(_case(suite, doc.path, rule_id, cases.get(rule_id), texts) for rule_id in rule_ids)
    suite.set("tests", str(len(rule_ids)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    return suite


def _classname(path: str) -> str:
    return "icecheck." + safe(path).replace(".", "_")


def _case(suite: ET.Element, path: str, rule_id: str, found: _Case | None, texts: list[array[int]]) -> int:
    """Add one rule's case, its text a mark that ``write_junit`` replaces; 1 if it failed."""
    rule = CATALOGUE.get(rule_id)
    name = f"{rule_id} {rule.name}" if rule else rule_id
    case = ET.SubElement(suite, "testcase", classname=_classname(path), name=name)
    if found is None:
        return 0
    if found.worst is not None:
        severity, message = found.worst
        failure = ET.SubElement(case, "failure", message=safe(message), type=severity.value)
        failure.text = _mark(texts, found.failing)
        return 1
    ET.SubElement(case, "system-out").text = _mark(texts, found.mine)
    return 0


def _mark(texts: list[array[int]], listed: array[int]) -> str:
    texts.append(listed)
    return f"\x00{len(texts) - 1}\x00"


def _case_text(result: AuditResult, listed: array[int], where: Mapping[str, Origin]) -> Iterator[str]:
    """The findings' lines joined by newlines, XML-escaped, in pieces: ``[high] ICE010 message
    (path:1, path:2, …)`` with each location (``safe`` and the escaping work character by
    character, so escaping the pieces is escaping the whole)."""
    for k, n in enumerate(listed):
        f = result.findings[n]
        if k:
            yield "\n"
        yield _escape(safe(f"[{f.severity.value}] {f.rule} {f.message}"))
        located = iter_finding_origins(f, where)
        first, second = next(located, None), next(located, None)
        if first is None or (second is None and not first.location()):  # ", ".join gave "": no brackets
            continue
        yield " (" + _escape(safe(first.location()))
        if second is not None:
            yield ", " + _escape(safe(second.location()))
            for o in located:
                yield ", " + _escape(safe(o.location()))
        yield ")"


def _escape(text: str) -> str:
    """Text content as ElementTree writes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _write_blocks(stream: IO[str], pieces: Iterator[str]) -> None:
    parts: list[str] = []
    size = 0
    for piece in pieces:
        parts.append(piece)
        size += len(piece)
        if size >= BLOCK:
            stream.write("".join(parts))
            parts, size = [], 0
    stream.write("".join(parts))
