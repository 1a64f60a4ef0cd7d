"""GitHub Actions workflow commands (pure): one annotation per finding and input problem.

``::error file=F,line=L,title=T::message`` — high → error, medium → warning, low/info → notice.
Escaping follows the runner's rules (actions/toolkit ``command.ts``): in the message ``%``,
``\\r``, ``\\n`` become ``%25``, ``%0D``, ``%0A``; in property values ``:`` and ``,`` also become
``%3A`` and ``%2C``. Other control and bidi characters are shown escaped (``safe``), so a
hostile input can neither end the line and start a command of its own nor hide text.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from io import StringIO
from typing import IO

from icecheck.analysis.rules import CATALOGUE
from icecheck.model import AuditResult, Diagnostic, DiagnosticLevel, Finding, Origin
from icecheck.render.locate import in_order, input_problems, iter_finding_origins, origins, summary
from icecheck.render.safe import safe
from icecheck.severity import Severity

COMMAND = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "notice", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A message: %, CR and LF percent-encoded, then other controls made visible."""
    return safe(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """A property value: as ``escape_data`` plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(command: str, message: str, origin: Origin | None, title: str | None = None) -> str:
    """One workflow command line."""
    props: list[str] = []
    if origin is not None:
        props.append(f"file={escape_property(origin.path)}")
        if origin.line is not None:
            props.append(f"line={origin.line}")
    if title:
        props.append(f"title={escape_property(title)}")
    head = f"::{command} {','.join(props)}" if props else f"::{command}"
    return f"{head}::{escape_data(message)}"


def to_github(result: AuditResult, exit_code: int) -> str:
    """Annotations, then a plain summary line."""
    buf = StringIO()
    write_github(result, exit_code, buf)
    return buf.getvalue()


def write_github(result: AuditResult, exit_code: int, stream: IO[str]) -> None:
    """Write ``to_github``'s text to ``stream`` a line at a time (a party may have a million findings)."""
    for line in _lines(result):
        stream.write(line + "\n")
    problems = input_problems(result, safe)
    source = f" from {safe(result.policy_source)}" if result.policy_source else ""
    stream.write(f"icecheck: {summary(result)}; policy {safe(result.policy)}{source}, fail-on {result.fail_on.value}"
                 f"{'; ' + problems if problems else ''} → exit {exit_code}\n")  # fmt: skip


def _lines(result: AuditResult) -> Iterator[str]:
    for doc in result.inputs:
        for d in doc.diagnostics:
            yield _diagnostic(d)
    where = origins(result)
    for f in in_order(result):
        yield _finding(f, where)


def _diagnostic(d: Diagnostic) -> str:
    command = "error" if d.level is DiagnosticLevel.ERROR else "warning"
    return annotation(command, d.message, d.origin, "icecheck: input problem")


def _finding(f: Finding, where: Mapping[str, Origin]) -> str:
    located = list(itertools.islice(iter_finding_origins(f, where), 6))  # the first and five more are named
    rule = CATALOGUE.get(f.rule)
    title = f"{f.rule} {rule.title}" if rule else f.rule
    message = f.message
    if located and located[0].packet is not None:
        message += f" (packet {located[0].packet})"
    if len(located) > 1:
        message += "; also at " + ", ".join(o.location() for o in located[1:6])
    if rule:
        message += f"\nFix: {rule.fix}" + (f"\n{rule.help_uri}" if rule.help_uri else "")
    return annotation(COMMAND[f.severity], message, located[0] if located else None, title)
