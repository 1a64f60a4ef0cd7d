"""Markdown renderer (pure) for a pull-request comment: verdict, summary table, findings,
what an attacker learns, the Mermaid network map (when ``icecheck.analysis.netmap`` offers one) and the
candidates in a collapsed section.

Every string from the input goes through ``md`` first: control characters are shown escaped
(``safe``), HTML is entity-encoded (GitHub renders HTML in comments), Markdown punctuation is
backslash-escaped so no link, image, table cell or emphasis can be injected, and ``@`` is
encoded so a hostile file cannot mention people.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator

from icecheck.analysis.rules import CATALOGUE
from icecheck.model import AuditResult, InputStatus
from icecheck.render.locate import (
    SEVERITY_ORDER,
    fails,
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

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~$])")  # text never starts a line: '#', '-', '1.' are inert
MAX_ROWS = 200


def md(text: str) -> str:
    """``text`` made inert for Markdown and HTML, on one line."""
    text = html.escape(safe(text), quote=True)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("@", "&#64;")


def to_markdown(result: AuditResult, exit_code: int) -> str:
    """The whole comment, ending with a newline."""
    return "\n".join(_parts(result, exit_code)).rstrip("\n") + "\n"


def _parts(result: AuditResult, exit_code: int) -> Iterator[str]:
    yield from _header(result, exit_code)
    yield from _problems(result)
    yield from _findings(result)
    yield from _exposures(result)
    yield from _map(result)
    yield from _candidates(result)


def _header(result: AuditResult, exit_code: int) -> Iterator[str]:
    audited = any(d.status in (InputStatus.OK, InputStatus.PARTIAL) for d in result.inputs)
    unread = "⚠️ inputs not read" if audited else "⚠️ nothing audited"
    verdict = "❌ fails" if exit_code == 1 else (unread if exit_code == 2 else "✅ passes")
    unreadable = any(d.status in (InputStatus.UNREADABLE, InputStatus.EMPTY) for d in result.inputs)
    if exit_code == 2 and not unreadable and (result.unaudited() or result.partly_read()):
        left = f"{result.unaudited()} items not audited" if result.unaudited() else "inputs read in part"
        verdict = f"⚠️ partial audit ({left}; exit by the findings with `--allow-partial`)"
    n = len(result.candidates)
    problems = input_problems(result, md)
    source = f" from `{md(result.policy_source)}`" if result.policy_source else ""
    yield f"## icecheck: {verdict} (policy `{md(result.policy)}`{source}, fail-on `{result.fail_on.value}`)"
    yield ""
    skipped = sum(d.status is InputStatus.SKIPPED for d in result.inputs)
    yield (
        f"{n} candidate{'s' * (n != 1)} and {len(result.addresses)} other addresses from "
        f"{len(result.inputs) - skipped} input(s); {summary(result)}{'; ' + problems if problems else ''}; "
        f"exit code {exit_code}." + (f" {skipped} file(s) without signalling skipped." if skipped else "")
    )
    yield ""
    counts = Counter(f.severity for f in result.findings)
    yield "| severity | findings | gate |"
    yield "|---|---:|---|"
    for sev in SEVERITY_ORDER:
        gate = "fails" if sev.rank >= result.fail_on.rank else "reported"
        yield f"| {sev.value} | {counts[sev]} | {gate} |"
    yield ""


def _problems(result: AuditResult) -> Iterator[str]:
    lines = [
        f"- **{d.level}** {md(d.origin.location())}: {md(d.message)}" for doc in result.inputs for d in doc.diagnostics
    ]
    if lines:
        yield "### Input problems"
        yield ""
        yield from lines[:MAX_ROWS]
        yield ""


def _findings(result: AuditResult) -> Iterator[str]:
    """The rule, where and what of each finding, then each rule's fix once (the attacker's picture
    is the next section's, in its own words)."""
    yield "### Findings"
    yield ""
    if not result.findings:
        yield "None."
        yield ""
        return
    where, shows = origins(result), subjects(result)
    yield "| | severity | rule | where | what |"
    yield "|---|---|---|---|---|"
    shown = ordered(result, MAX_ROWS)
    for f in shown:
        mark = "❌" if fails(f, result) else "·"
        rule = CATALOGUE.get(f.rule)
        link = f"[{f.rule}]({rule.help_uri})" if rule and rule.help_uri else md(f.rule)
        title = f" {md(rule.title)}" if rule else ""
        place, what = places_of(iter_finding_origins(f, where)), what_of(f, shows) or f.message
        yield f"| {mark} | {f.severity.value} | {link}{title} | {md(place)} | {md(what)} |"
    yield ""
    yield "**How to fix**"
    yield ""
    for rule_id in dict.fromkeys(f.rule for f in shown):
        if rule_id in CATALOGUE:
            yield f"- {rule_id}: {md(CATALOGUE[rule_id].fix)}"
    yield ""


def _exposures(result: AuditResult) -> Iterator[str]:
    if not result.exposures:
        return
    yield "### What an attacker learns"
    yield ""
    for e in result.exposures[:MAX_ROWS]:
        who = ", ".join(p.value.replace("-", " ") for p in e.learned_by)
        yield f"- {md(e.summary)} _(seen by {who})_"
    yield ""


def _map(result: AuditResult) -> Iterator[str]:
    """The Mermaid network map, when the netmap module provides one (optional feature)."""
    if not result.candidates:
        return
    try:
        from icecheck.analysis import netmap
    except ImportError:
        return
    draw = getattr(netmap, "network_mermaid", None)
    if draw is None:
        return
    text = str(draw(result.candidates, result.network_info)).replace("```", "")
    yield "### Network map"
    yield ""
    yield "```mermaid"
    yield text.rstrip("\n")
    yield "```"
    yield ""


def _candidates(result: AuditResult) -> Iterator[str]:
    if not result.candidates:
        return
    yield f"<details><summary>Candidates ({len(result.candidates)})</summary>"
    yield ""
    yield "| id | type | address | port | class | where |"
    yield "|---|---|---|---:|---|---|"
    for c in result.candidates[:MAX_ROWS]:
        cand = c.record.candidate
        kind = md(f"{cand.type}/{cand.transport.lower()}")
        loc = md(c.record.origin.location())
        yield f"| {c.id} | {kind} | {md(cand.address)} | {cand.port} | {c.facts.address_class.value} | {loc} |"
    yield ""
    yield "</details>"
