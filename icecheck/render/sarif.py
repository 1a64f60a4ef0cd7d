"""SARIF 2.1.0 renderer (pure): ``AuditResult`` → a SARIF log as a dict.

Findings become results located by file and line (``physicalLocation``) or, for captures, by
packet (``logicalLocation``, with the file as artifact); further evidence goes into
``relatedLocations``. Rules appear once each in ``tool.driver.rules`` with their ``helpUri``.
Severity → level: high → error, medium → warning, low and info → note. Input problems
(unreadable files, bad lines) become ``toolExecutionNotifications`` of the invocation.
Strings from the input pass through ``safe`` so that no viewer shows control or bidi characters.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from icecheck import __version__
from icecheck.analysis.rules import CATALOGUE, Rule
from icecheck.exitcodes import ExitCode
from icecheck.model import AuditResult, Diagnostic, DiagnosticLevel, Finding, Origin
from icecheck.render.locate import finding_origins, origins
from icecheck.render.safe import safe
from icecheck.severity import Severity

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFO_URI = "https://github.com/icecheck/icecheck"
LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note", Severity.INFO: "note"}
SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0", Severity.INFO: "1.0"}


def to_sarif(result: AuditResult, exit_code: int) -> dict[str, Any]:
    """The whole SARIF log: one run, one invocation."""
    rule_ids = list(dict.fromkeys(f.rule for f in result.findings))
    where = origins(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": _driver(rule_ids)},
                "invocations": [_invocation(result, exit_code)],
                "results": [_result(f, rule_ids.index(f.rule), where) for f in result.findings],
                "columnKind": "unicodeCodePoints",
                "properties": {"policy": result.policy, "failOn": result.fail_on.value},
            }
        ],
    }


def _driver(rule_ids: list[str]) -> dict[str, Any]:
    return {
        "name": "icecheck",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFO_URI,
        "rules": [_rule(CATALOGUE[r]) if r in CATALOGUE else {"id": r} for r in rule_ids],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    """A reportingDescriptor: the catalogue entry, its doc and its URL."""
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.doc},
        "help": {"text": f"{rule.doc} See {rule.help_uri}", "markdown": f"{rule.doc}\n\n[{rule.id}]({rule.help_uri})"},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": ["security", "privacy", "webrtc"],
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }


def _result(f: Finding, index: int, where: dict[str, Origin]) -> dict[str, Any]:
    located = finding_origins(f, where)
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": safe(f.message)},
        "partialFingerprints": {"icecheckFinding/v1": _fingerprint(f, located)},
        "properties": {"severity": f.severity.value, "evidence": list(f.evidence)},
    }
    if located:
        out["locations"] = [location(located[0])]
    if len(located) > 1:
        out["relatedLocations"] = [{"id": n, **location(o)} for n, o in enumerate(located[1:], 1)]
    return out


def _fingerprint(f: Finding, located: list[Origin]) -> str:
    """Stable across runs for the same finding in the same file (line numbers left out)."""
    paths = "|".join(sorted({o.path for o in located}))
    return hashlib.sha256(f"{f.rule}|{f.message}|{paths}".encode("utf-8", "surrogateescape")).hexdigest()[:32]


def artifact_uri(path: str) -> str:
    """A URI reference for a path: absolute paths as file: URIs, relative ones percent-encoded."""
    posix = path.replace("\\", "/")
    encoded = quote(posix, safe="/", errors="surrogateescape")
    return f"file://{encoded}" if posix.startswith("/") else encoded


def location(o: Origin) -> dict[str, Any]:
    """A SARIF location: file and line, or file and packet (logical location)."""
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(o.path)}}
    if o.line is not None:
        physical["region"] = {"startLine": max(1, o.line)}
    out: dict[str, Any] = {"physicalLocation": physical}
    if o.packet is not None:
        name = f"packet {o.packet}"
        out["logicalLocations"] = [{"name": name, "fullyQualifiedName": safe(f"{o.path}#{o.packet}"), "kind": "packet"}]
    if o.detail:
        out["message"] = {"text": safe(o.detail)}
    return out


def _invocation(result: AuditResult, exit_code: int) -> dict[str, Any]:
    notes = [_notification(d) for doc in result.inputs for d in doc.diagnostics]
    notes += [
        {"level": "error", "message": {"text": f"{safe(doc.path)}: nothing could be read"},
         "locations": [location(Origin(doc.path))]}
        for doc in result.inputs
        if doc.status.value == "unreadable" and not doc.diagnostics
    ]  # fmt: skip
    return {
        "executionSuccessful": exit_code != ExitCode.USAGE,
        "exitCode": exit_code,
        "toolExecutionNotifications": notes,
    }


def _notification(d: Diagnostic) -> dict[str, Any]:
    return {
        "level": "error" if d.level is DiagnosticLevel.ERROR else "warning",
        "message": {"text": safe(d.message)},
        "locations": [location(d.origin)],
    }
