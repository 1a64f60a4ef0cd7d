"""SARIF 2.1.0 renderer (pure): ``AuditResult`` → a SARIF log as a dict.

Findings become results located by file and line (``physicalLocation``) or, for captures, by
packet (``logicalLocation``, with the file as artifact); further evidence goes into
``relatedLocations``. Paths are relative URIs against the base ``SRCROOT`` (``uriBaseId``): paths
given relative stay so, absolute ones under ``root`` (the working directory) become relative,
others are ``file:`` URIs; standard input is the artifact ``stdin``. Rules appear once each in
``tool.driver.rules`` with their whole help (doc and fix, in text and Markdown), so nothing
depends on a web page; ``helpUri`` comes from the package's documentation URL (``icecheck.analysis.links``)
when it has one. Severity → level: high → error, medium → warning, low and info → note. Input
problems (unreadable files, bad lines) become ``toolExecutionNotifications`` of the invocation.
Strings from the input pass through ``safe`` so that no viewer shows control or bidi characters.
"""

from __future__ import annotations

import hashlib
import itertools
import posixpath
from collections.abc import Mapping
from typing import IO, Any
from urllib.parse import quote

from icecheck import __version__
from icecheck.analysis.links import DOCUMENTATION
from icecheck.analysis.rules import CATALOGUE, Rule
from icecheck.exitcodes import ExitCode
from icecheck.model import AuditResult, Diagnostic, DiagnosticLevel, Finding, Origin
from icecheck.render.json_report import Streamed, materialise, write_streamed
from icecheck.render.locate import finding_origins, iter_finding_origins, origins
from icecheck.render.safe import safe
from icecheck.severity import Severity

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
BASE = "SRCROOT"  # the uriBaseId of relative artifact URIs: the directory icecheck ran in
STDIN = ("<stdin>", "-")  # how readers name standard input
LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note", Severity.INFO: "note"}
SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0", Severity.INFO: "1.0"}


def to_sarif(result: AuditResult, exit_code: int, root: str | None = None) -> dict[str, Any]:
    """The whole SARIF log: one run, one invocation. ``root``: the working directory, under which
    absolute paths are written relative to ``SRCROOT``."""
    log: dict[str, Any] = materialise(_log(result, exit_code, root))
    return log


def write_sarif(result: AuditResult, exit_code: int, stream: IO[str], root: str | None = None) -> None:
    """Write ``json_dumps(to_sarif(result, exit_code, root))`` to ``stream``, the results (and a
    result's many related locations) encoded one at a time, never held whole."""
    write_streamed(_log(result, exit_code, root), stream)


def _log(result: AuditResult, exit_code: int, root: str | None) -> Streamed:
    rule_ids = list(dict.fromkeys(f.rule for f in result.findings))
    index = {r: n for n, r in enumerate(rule_ids)}
    where = origins(result)
    run = Streamed(
        {
            "tool": {"driver": _driver(rule_ids)},
            "invocations": [_invocation(result, exit_code, root)],
            "results": (_result(f, index[f.rule], where, root) for f in result.findings),
            "columnKind": "unicodeCodePoints",
            "properties": {"policy": result.policy, "failOn": result.fail_on.value},
        }
    )
    return Streamed({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": iter([run])})


def _driver(rule_ids: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": "icecheck", "version": __version__, "semanticVersion": __version__}
    if DOCUMENTATION:
        out["informationUri"] = DOCUMENTATION
    out["rules"] = [_rule(CATALOGUE[r]) if r in CATALOGUE else {"id": r} for r in rule_ids]
    return out


def _rule(rule: Rule) -> dict[str, Any]:
    """A reportingDescriptor: the catalogue entry with its whole help (doc and fix) and its URL."""
    link = rule.help_uri
    text = f"{rule.title}\n\n{rule.doc}\n\nFix: {rule.fix}" + (f"\n\n{link}" if link else "")
    markdown = f"**{rule.title}**\n\n{rule.doc}\n\n**Fix:** {rule.fix}" + (f"\n\n[{rule.id}]({link})" if link else "")
    out: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.doc},
        "help": {"text": text, "markdown": markdown},
    }
    if link:
        out["helpUri"] = link
    out["defaultConfiguration"] = {"level": LEVEL[rule.severity]}
    out["properties"] = {
        "tags": ["security", "privacy", "webrtc"],
        "precision": "high",
        "security-severity": SECURITY_SEVERITY[rule.severity],
    }
    return out


def _result(f: Finding, index: int, where: Mapping[str, Origin], root: str | None) -> dict[str, Any]:
    """One result; with much evidence a ``Streamed`` whose related locations (and evidence) are
    found while they are written: one pass for the fingerprint, another for the locations."""
    if len(f.evidence) <= _FEW:
        located = finding_origins(f, where)
        paths, first, more = {o.path for o in located}, located[:1], len(located) > 1
    else:
        paths, first, more = _survey(f, where)
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": safe(f.message)},
        "partialFingerprints": {"icecheckFinding/v1": _fingerprint(f, paths)},
    }
    if len(f.evidence) <= _FEW:
        out["properties"] = {"severity": f.severity.value, "evidence": list(f.evidence)}
        if first:
            out["locations"] = [location(first[0], root)]
        if more:
            out["relatedLocations"] = [{"id": n, **location(o, root)} for n, o in enumerate(located[1:], 1)]
        return out
    out["properties"] = Streamed({"severity": f.severity.value, "evidence": iter(f.evidence)})
    if first:
        out["locations"] = [location(first[0], root)]
    if more:
        related = enumerate(itertools.islice(iter_finding_origins(f, where), 1, None), 1)
        out["relatedLocations"] = ({"id": n, **location(o, root)} for n, o in related)
    return Streamed(out)


_FEW = 64  # a result with more evidence than this is written item by item


def _survey(f: Finding, where: Mapping[str, Origin]) -> tuple[set[str], list[Origin], bool]:
    """The paths of a finding's evidence, its first origin and whether it has another, in one
    pass that keeps no origin per evidence id."""
    paths: set[str] = set()
    first: list[Origin] = []
    more = False
    for ref in f.evidence:
        o = where.get(ref)
        if o is None:
            continue
        paths.add(o.path)
        if not first:
            first.append(o)
        elif not more and (o.path, o.line, o.packet) != (first[0].path, first[0].line, first[0].packet):
            more = True
    return paths, first, more


def _fingerprint(f: Finding, paths: set[str]) -> str:
    """Stable across runs for the same finding in the same file (line numbers left out)."""
    joined = "|".join(sorted(paths))
    return hashlib.sha256(f"{f.rule}|{f.message}|{joined}".encode("utf-8", "surrogateescape")).hexdigest()[:32]


def artifact(path: str, root: str | None = None) -> dict[str, Any]:
    """An artifactLocation: ``stdin``; a relative URI against ``SRCROOT`` for a relative path or an
    absolute one under ``root``; else a ``file:`` URI. Percent-encoded, bytes kept (surrogateescape)."""
    if path in STDIN:
        return {"uri": "stdin"}
    posix = path.replace("\\", "/")
    if posix.startswith("/") and root:
        base = root.replace("\\", "/").rstrip("/") + "/"
        if posix.startswith(base):
            posix = posix[len(base) :]
    encoded = quote(posix, safe="/", errors="surrogateescape")
    if posix.startswith("/"):
        return {"uri": f"file://{encoded}"}
    return {"uri": posixpath.normpath(encoded) if encoded else ".", "uriBaseId": BASE}


def location(o: Origin, root: str | None = None) -> dict[str, Any]:
    """A SARIF location: file and line, or file and packet (logical location)."""
    physical: dict[str, Any] = {"artifactLocation": artifact(o.path, root)}
    if o.line is not None:
        physical["region"] = {"startLine": max(1, o.line)}
    out: dict[str, Any] = {"physicalLocation": physical}
    if o.packet is not None:
        name = f"packet {o.packet}"
        out["logicalLocations"] = [{"name": name, "fullyQualifiedName": safe(f"{o.path}#{o.packet}"), "kind": "packet"}]
    if o.detail:
        out["message"] = {"text": safe(o.detail)}
    return out


def _invocation(result: AuditResult, exit_code: int, root: str | None) -> dict[str, Any]:
    notes = [_notification(d, root) for doc in result.inputs for d in doc.diagnostics]
    notes += [
        {"level": "error", "message": {"text": f"{safe(doc.path)}: nothing could be read"},
         "locations": [location(Origin(doc.path), root)]}
        for doc in result.inputs
        if doc.status.value == "unreadable" and not doc.diagnostics
    ]  # fmt: skip
    return {
        "executionSuccessful": exit_code != ExitCode.USAGE,
        "exitCode": exit_code,
        "toolExecutionNotifications": notes,
    }


def _notification(d: Diagnostic, root: str | None) -> dict[str, Any]:
    return {
        "level": "error" if d.level is DiagnosticLevel.ERROR else "warning",
        "message": {"text": safe(d.message)},
        "locations": [location(d.origin, root)],
    }
