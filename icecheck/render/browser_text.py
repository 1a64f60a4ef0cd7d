"""Terminal view of ``icecheck browser`` (pure): per browser and scenario, then all runs side by side.

Each run: the browser's name and version, the scenario, how the run went, the enterprise policies
and profile prefs in force, its candidates, attempts, what an attacker learns and its findings
(``terminal.run_sections``), and how it differs from icecheck's own gathering on this machine.
A single run that produced a result gets the whole usual report instead of the sections. Every
string from a browser goes through ``safe``; lines are laid out by ``layout``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.text import Text

from icecheck.live.modes import own_addresses
from icecheck.live.page import SCENARIOS
from icecheck.model import BrowserComparison, BrowserRun
from icecheck.render.layout import columns, wrap
from icecheck.render.safe import safe
from icecheck.render.terminal import MIN_WIDTH, WIDTH, render, run_sections

__all__ = ["comparison_text", "render_runs", "run_title"]

_OUTCOME_STYLE = {"ok": "green", "skipped": "dim", "missing": "yellow"}
Lines = Iterator[Text]


def render_runs(runs: Sequence[BrowserRun], codes: Sequence[int], exit_code: int, width: int = WIDTH) -> Text:
    """The whole report of ``icecheck browser``; ``codes`` are the runs' own exit codes."""
    width = max(width, MIN_WIDTH)
    return Text("\n").join(_parts(runs, codes, exit_code, width))


def _parts(runs: Sequence[BrowserRun], codes: Sequence[int], exit_code: int, width: int) -> Lines:
    if len(runs) == 1 and runs[0].result is not None:
        yield from _run_head(runs[0], width)
        yield render(runs[0].result, codes[0], width)
        yield from _comparison(runs[0], width)
        return
    n = len(runs)
    yield from wrap(Text.assemble(("icecheck browser", "bold"), f" — {n} run{'s' * (n != 1)}"), width)
    gathered = next((r.comparison.gathered for r in runs if r.comparison is not None), None)
    if gathered is not None:
        shown = ", ".join(gathered) or "no address"
        yield from wrap(Text(safe(f"icecheck's own gathering on this machine found: {shown}")), width)
    for run in runs:
        yield Text()
        yield from _run_head(run, width)
        if run.result is not None:
            yield from run_sections(run.result, width)
            yield from _comparison(run, width)
    yield from _table(runs, width)
    ok = sum(r.outcome == "ok" for r in runs)
    yield Text()
    yield from wrap(Text(f"{ok} of {n} runs gave a result; exit {exit_code}"), width)


def run_title(run: BrowserRun) -> str:
    """``Chromium 156.0.8078.114 — default (no camera/microphone permission)``."""
    scenario = SCENARIOS.get(run.scenario)
    what = f"{run.scenario} ({scenario.title})" if scenario else run.scenario
    name = f"{run.name} {run.version}" if run.version else run.name
    return f"{name} — {what}"


def _run_head(run: BrowserRun, width: int) -> Lines:
    yield from wrap(Text(safe(run_title(run)), style="bold reverse"), width)
    took = f" in {run.duration:.1f} s" if run.duration else ""
    line = Text.assemble((run.outcome, _OUTCOME_STYLE.get(run.outcome, "red")), safe(f"{took}: {run.detail}"))
    yield from wrap(line, width, "  ", "    ")
    if run.executable:
        yield from wrap(Text(safe(f"executable {run.executable}"), style="dim"), width, "  ", "    ")
    if run.policies:
        text = "; ".join(f"{name} = {value}" for name, value in run.policies)
        yield from wrap(Text(safe(f"enterprise policies in force: {text}")), width, "  ", "    ")
    if run.preferences:
        text = "; ".join(f"{name} = {value}" for name, value in run.preferences)
        yield from wrap(Text(safe(f"prefs from --profile: {text}")), width, "  ", "    ")
    if run.preference_effect:
        yield from wrap(Text(safe(f"what those prefs changed: {run.preference_effect}")), width, "  ", "    ")


def _comparison(run: BrowserRun, width: int) -> Lines:
    if run.comparison is None:
        return
    yield Text()
    yield Text("Compared with icecheck's own gathering", style="bold underline")
    for sentence in comparison_text(run.comparison):
        yield from wrap(Text(safe(sentence)), width, "  • ", "    ")


def comparison_text(cmp: BrowserComparison) -> list[str]:
    """The comparison in sentences (the HTML report uses them too)."""
    names = f" ({cmp.mdns_names} behind mDNS names)" if cmp.mdns_names else ""
    if not cmp.gathered:
        out = ["icecheck's own gathering found no address of yours to compare with."]
    elif cmp.hidden:
        out = [
            f"The browser kept back {len(cmp.hidden)} of the {len(cmp.gathered)} addresses icecheck's "
            f"gathering found: {', '.join(cmp.hidden)}{names}."
        ]
    else:
        out = [f"The browser showed every address icecheck's gathering found: {', '.join(cmp.gathered)}."]
    if cmp.only_browser:
        out.append(f"It showed addresses icecheck's gathering did not find: {', '.join(cmp.only_browser)}.")
    return out


def _table(runs: Sequence[BrowserRun], width: int) -> Lines:
    yield Text()
    yield Text("Every run", style="bold underline")
    rows = []
    for run in runs:
        counts = ["", "", ""]
        learned = Text("")
        if run.result is not None:
            records = [c.record for c in run.result.candidates]
            types = [r.candidate.type for r in records]
            counts = [str(types.count(t)) for t in ("host", "srflx", "relay")]
            mine = own_addresses(records)
            learned = Text(safe(" ".join(mine)) if mine else "none", style="" if mine else "green")
        name = f"{run.name} {run.version}" if run.version else run.name
        took = f"{run.duration:.1f} s" if run.duration else ""
        rows.append(
            (
                Text(safe(name)),
                Text(run.scenario),
                Text(run.outcome, style=_OUTCOME_STYLE.get(run.outcome, "red")),
                Text(took),
                *(Text(c) for c in counts),
                learned,
            )
        )
    header = ("browser", "scenario", "outcome", "time", "host", "srflx", "relay", "your addresses the peer learns")
    yield from columns(header, rows, width, foldable=(0, 7))
