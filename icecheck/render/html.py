"""HTML renderer (pure): one self-contained file with the terminal report's sections.

``to_html`` is a whole document: inline CSS (``CSS``), the network map as inline SVG drawn by
icecheck (``svgmap``), no script and no external resource; its own Content-Security-Policy
(``default-src 'none'``, the style sheet allowed by its hash) keeps anything that slipped through
inert. ``fragment`` is the body alone, which ``icecheck serve``'s page shows (its style sheet is
``CSS`` too). Every string from the input goes through ``h``: control characters shown escaped
(``safe``), then HTML-escaped, quotes included, so no markup, attribute or URL can be injected.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from html import escape
from typing import TYPE_CHECKING

from icecheck.analysis.rules import CATALOGUE
from icecheck.model import AttemptStatus, AuditResult, BrowserRun, DiagnosticLevel, NatBehaviour
from icecheck.render.locate import ordered, summary
from icecheck.render.safe import safe
from icecheck.render.terminal import candidate_details, input_names, where, where_title
from icecheck.severity import Severity

if TYPE_CHECKING:
    from icecheck.analysis.rules import Rule

__all__ = ["CSS", "document", "fragment", "h", "nat_table", "rules_html", "runs_html", "text_html", "to_html"]

MAX_ROWS = 500
CSS = """\
.icecheck { font: 14px/1.45 system-ui, sans-serif; color: #1d2330; max-width: 1200px; margin: 1.5em auto;
  padding: 0 1em; }
.icecheck h1, .icecheck h2 { margin: 1.2em 0 .3em; } .icecheck h3 { margin: 1.2em 0 .4em; font-size: 1.05em; }
.icecheck table { border-collapse: collapse; width: 100%; margin: .3em 0; font-size: 13px; }
.icecheck th, .icecheck td { text-align: left; vertical-align: top; padding: .25em .6em;
  border-bottom: 1px solid #e3e6ec; overflow-wrap: anywhere; }
.icecheck th { background: #f3f5f9; font-weight: 600; }
.icecheck code, .icecheck .addr, .icecheck pre { font-family: ui-monospace, monospace; }
.icecheck pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.icecheck .c-public, .icecheck .c-documentation, .icecheck .sev-high { color: #b3261e; font-weight: 600; }
.icecheck .c-private, .icecheck .c-cgnat, .icecheck .c-ula, .icecheck .c-link-local, .icecheck .sev-medium {
  color: #8a5a00; }
.icecheck .c-mdns, .icecheck .ok { color: #1b7a3a; } .icecheck .sev-low { color: #0b6e8a; }
.icecheck .dim, .icecheck .sev-info, .icecheck .c-unspecified { color: #6b7280; }
.icecheck .bad { color: #b3261e; } .icecheck .status { font-style: italic; }
.icecheck .run { border-top: 3px solid #1d2330; margin-top: 2em; }
.icecheck .map { overflow-x: auto; }
.icecheck svg.netmap text { font: 12px ui-monospace, monospace; fill: #1d2330; }
.icecheck svg.netmap rect { fill: #f3f5f9; stroke: #8b93a5; }
.icecheck svg.netmap .edge { fill: none; stroke: #8b93a5; }
.icecheck svg.netmap .k-device rect { fill: #e8eaf6; } .icecheck svg.netmap .k-interface rect { fill: #e6f4ea; }
.icecheck svg.netmap .k-nat rect { fill: #fff4e0; } .icecheck svg.netmap .k-isp rect { fill: #e0f4f8; }
.icecheck svg.netmap .k-internet rect { fill: #e3ecfb; } .icecheck svg.netmap .k-relay rect { fill: #f6e6f6; }
"""
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CSP = f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src data:; base-uri 'none'; form-action 'none'"


def h(text: object) -> str:
    """``text`` made inert for HTML text and quoted attributes."""
    return escape(safe(str(text)), quote=True)


def document(title: str, body: str) -> str:
    """A whole self-contained HTML document around ``body``."""
    return (
        f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n<meta name="referrer" content="no-referrer">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{h(title)}</title>\n'
        f'<style>{CSS}</style>\n</head>\n<body>\n<main class="icecheck">\n{body}\n</main>\n</body>\n</html>\n'
    )


def to_html(result: AuditResult, exit_code: int) -> str:
    """The report as a self-contained HTML file."""
    return document("icecheck report", fragment(result, exit_code))


def fragment(result: AuditResult, exit_code: int, heading: str = "icecheck report") -> str:
    """The report's sections as HTML (no document around them)."""
    return "\n".join(_parts(result, exit_code, heading))


def runs_html(
    runs: Sequence[BrowserRun], codes: Sequence[int], exit_code: int, comparison: Sequence[Sequence[str]]
) -> str:
    """``icecheck browser``: a table of every run, then each run's report; ``comparison`` holds each
    run's comparison sentences (``browser_text.comparison_text``)."""
    parts = [f"<h1>icecheck browser: {len(runs)} run{'s' * (len(runs) != 1)}</h1>", _runs_table(runs)]
    for run, code, sentences in zip(runs, codes, comparison, strict=True):
        parts.append(f'<section class="run"><h2>{h(_title(run))}</h2>')
        parts.append(
            f"<p>{h(run.outcome)}{h(f' in {run.duration:.1f} s' if run.duration else '')}: {h(run.detail)}</p>"
        )
        parts += [
            f"<p>enterprise policy in force: <code>{h(n)}</code> = <code>{h(v)}</code></p>" for n, v in run.policies
        ]
        parts += [f"<p>pref from --profile: <code>{h(n)}</code> = <code>{h(v)}</code></p>" for n, v in run.preferences]
        if run.preference_effect:
            parts.append(f"<p>what those prefs changed: {h(run.preference_effect)}</p>")
        if sentences:
            parts.append("<h3>Compared with icecheck's own gathering</h3><ul>")
            parts += [f"<li>{h(s)}</li>" for s in sentences] + ["</ul>"]
        if run.result is not None:
            parts.append(fragment(run.result, code, "Report"))
        parts.append("</section>")
    parts.append(f"<p>exit code {exit_code}</p>")
    return document("icecheck browser", "\n".join(parts))


def _title(run: BrowserRun) -> str:
    return f"{run.name} {run.version or ''} — {run.scenario}".replace("  ", " ")


def _runs_table(runs: Sequence[BrowserRun]) -> str:
    rows = [(_title(r), r.outcome, f"{r.duration:.1f} s" if r.duration else "", r.detail) for r in runs]
    return _table(("run", "outcome", "time", "detail"), [tuple(h(c) for c in row) for row in rows])


def _parts(result: AuditResult, exit_code: int, heading: str) -> Iterator[str]:
    n, m = len(result.candidates), len(result.inputs)
    yield f"<h2>{h(heading)}</h2>"
    yield (
        f"<p>{n} candidate{'s' * (n != 1)} and {len(result.addresses)} other addresses from {m} "
        f"input{'s' * (m != 1)} (policy <code>{h(result.policy)}</code>).</p>"
    )
    yield from _diagnostics(result)
    yield from _candidates(result)
    yield from _addresses(result)
    yield from _attempts(result)
    yield from _modes(result)
    yield from _nat(result)
    yield from _map(result)
    yield from _exposures(result)
    yield from _findings(result)
    why = "--strict and a failed attempt" if exit_code == 3 and result.strict else f"--fail-on {result.fail_on.value}"
    yield f"<p><strong>{h(summary(result))}</strong>; {h(why)} → exit {exit_code}</p>"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], more: int = 0, what: str = "rows") -> str:
    """A table of cells that are already HTML."""
    head = "".join(f"<th>{c}</th>" for c in header)
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    tail = f'<p class="dim">… {more} more {what} in --format json</p>' if more > 0 else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>{tail}"


def _diagnostics(result: AuditResult) -> Iterator[str]:
    items = [
        f'<li class="{"bad" if d.level is DiagnosticLevel.ERROR else "sev-medium"}">{h(d.level)}: '
        f"{h(d.origin.location())}: {h(d.message)}</li>"
        for doc in result.inputs
        for d in doc.diagnostics
    ]
    if items:
        yield "<h3>Input problems</h3><ul>" + "\n".join(items[:MAX_ROWS]) + "</ul>"


def _candidates(result: AuditResult) -> Iterator[str]:
    if not result.candidates:
        return
    cands = result.candidates
    names = input_names({c.record.origin.path for c in cands})
    rows = []
    for c in cands[:MAX_ROWS]:
        cand, cls = c.record.candidate, c.facts.address_class.value
        rows.append(
            (
                h(c.id),
                h(where(c.record.origin, names)),
                h(f"{cand.type}/{cand.transport.lower()}"),
                f'<span class="addr c-{cls}">{h(cand.address)}</span>',
                h(cand.port),
                f'<span class="c-{cls}">{h(cls)}</span>',
                f'<span class="dim">{h(candidate_details(c))}</span>',
            )
        )
    header = ("id", where_title(names, (c.record.origin for c in cands)), "type", "address", "port", "class", "details")
    yield "<h3>Candidates</h3>"
    yield _table(header, rows, len(cands) - MAX_ROWS, "candidates")


def _addresses(result: AuditResult) -> Iterator[str]:
    if not result.addresses:
        return
    names = input_names({a.record.origin.path for a in result.addresses})
    rows = [
        (
            h(a.id),
            h(where(a.record.origin, names)),
            h(a.record.role.value),
            f'<span class="addr c-{a.facts.address_class.value}">{h(a.record.address)}</span>',
            h(a.facts.address_class.value),
            f'<span class="dim">{h("; ".join(x.detail for x in a.facts.hints))}</span>',
        )
        for a in result.addresses[:MAX_ROWS]
    ]
    yield "<h3>Addresses outside candidates</h3>"
    yield _table(("id", "where", "field", "address", "class", "details"), rows, len(result.addresses) - MAX_ROWS)


def _status(status: AttemptStatus) -> str:
    css = "ok" if status in (AttemptStatus.OK, AttemptStatus.CACHED) else "bad"
    return f'<span class="{css}">{h(status)}</span>'


def _attempts(result: AuditResult) -> Iterator[str]:
    if not result.attempts:
        return
    rows = [
        (
            h(t.kind),
            h(t.target),
            _status(t.status),
            h(f"{t.elapsed * 1000:.0f} ms" if t.elapsed is not None else ""),
            f'<span class="dim">{h(t.detail)}</span>',
        )
        for t in result.attempts[:MAX_ROWS]
    ]
    yield "<h3>Server and lookup attempts</h3>"
    yield _table(("kind", "target", "status", "time", "detail"), rows, len(result.attempts) - MAX_ROWS)


def _modes(result: AuditResult) -> Iterator[str]:
    if not result.browser_modes:
        return
    rows = []
    for row in result.browser_modes:
        counts = dict(row.counts)
        host = f"{counts.get('host', 0)}" + (f" ({row.concealed} mDNS)" if row.concealed else "")
        mode = f"<strong>{h(row.mode)} *</strong>" if row.selected else h(row.mode)
        rows.append(
            (
                mode,
                h(row.short),
                h(host),
                h(counts.get("srflx", 0)),
                h(counts.get("relay", 0)),
                h(" ".join(row.addresses)) if row.addresses else '<span class="ok">none</span>',
            )
        )
    yield "<h3>What a browser would signal in each privacy mode</h3>"
    yield _table(("--as", "setting", "host", "srflx", "relay", "your addresses the peer learns"), rows)


def _nat(result: AuditResult) -> Iterator[str]:
    if result.nat is not None:
        yield nat_table(result.nat)


def nat_table(nat: NatBehaviour) -> str:
    """The NAT discovery result (RFC 5780) with its reasons and what it means (also ``icecheck nat``)."""
    from icecheck.live.natwords import explain

    def why(value: str, reason: str) -> str:
        return f'{h(value)} <span class="dim">{h(reason or nat.reason)}</span>'

    rows = [
        ("mapping", why(nat.mapping, nat.mapping_reason)),
        ("filtering", why(nat.filtering, nat.filtering_reason)),
        ("public address", h(", ".join(nat.mapped_addresses) or "not learned")),
        ("what it means", h(explain(nat))),
    ]
    return "<h3>NAT behaviour (RFC 5780)</h3>\n" + _table(("", ""), rows)


def rules_html(rules: Iterable[Rule]) -> str:
    """``icecheck rules --format html``: the catalogue as a table, each rule linked to its doc."""
    rows = [(_rule_link(r.id, r.help_uri), _severity(r.severity), h(r.name), h(r.title)) for r in rules]
    return document("icecheck rules", "<h1>icecheck rules</h1>\n" + _table(("id", "severity", "name", "title"), rows))


def text_html(title: str, text: str) -> str:
    """A plain-text report (``icecheck diff``) as a self-contained page, every line escaped."""
    return document(title, f"<h1>{h(title)}</h1>\n<pre>{escape(safe_lines(text))}</pre>")


def safe_lines(text: str) -> str:
    """``safe`` for each line, keeping the line breaks."""
    return "\n".join(safe(line) for line in text.split("\n"))


def _map(result: AuditResult) -> Iterator[str]:
    if not result.candidates:
        return
    from icecheck.analysis.netmap import drawn
    from icecheck.render.svgmap import svg_map

    svg, left_out = svg_map(*drawn(result.candidates, result.network_info))  # one party's map at a time
    yield "<h3>The network map an attacker can draw</h3>"
    yield f'<div class="map">{svg}</div>'
    if left_out:
        note = "more boxes of the map not drawn (the terminal report with -v lists them)"
        yield f'<p class="dim">… {left_out} {note}</p>'


def _exposures(result: AuditResult) -> Iterator[str]:
    yield "<h3>What an attacker learns</h3>"
    if not result.exposures:
        yield "<p>Nothing about your network: no candidates or addresses were found.</p>"
    items = []
    for e in result.exposures[:MAX_ROWS]:
        who = ", ".join(p.value.replace("-", " ") for p in e.learned_by)
        party = f"{h(e.party)}: " if e.party else ""
        refs = h(", ".join(e.evidence[:6]))
        items.append(f'<li>{party}{h(e.summary)} <span class="dim">[{refs}; seen by {h(who)}]</span></li>')
    items += [f"<li>{h(note)}</li>" for note in result.notes]
    if items:
        yield "<ul>" + "\n".join(items) + "</ul>"


def _findings(result: AuditResult) -> Iterator[str]:
    yield "<h3>Findings</h3>"
    if not result.findings:
        yield '<p class="ok">None.</p>'
        return
    rows = []
    for f in ordered(result, MAX_ROWS):
        rule = CATALOGUE.get(f.rule)
        name = _rule_link(f.rule, rule.help_uri) if rule else h(f.rule)
        refs = f'<span class="dim">{h(", ".join(f.evidence[:6]))}</span>'
        rows.append((_severity(f.severity), name, h(f.message), refs))
    yield _table(("severity", "rule", "finding", "evidence"), rows, len(result.findings) - MAX_ROWS, "findings")


def _severity(severity: Severity) -> str:
    """A severity, coloured by its class (the value is one of the enum's, never input text)."""
    return f'<span class="sev-{severity.value}">{h(severity.value)}</span>'


def _rule_link(rule_id: str, uri: str | None) -> str:
    """The rule id, linked to its page when the package declares a documentation URL."""
    return f'<a href="{h(uri)}">{h(rule_id)}</a>' if uri else h(rule_id)
