"""``icecheck rules``: list the rule catalogue."""

from __future__ import annotations

import click


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(fmt: str) -> None:
    """List every rule: ID, severity, name and title (``icecheck explain ID`` for its doc)."""
    from icecheck.analysis.rules import CATALOGUE
    from icecheck.render.safe import json_dumps

    if fmt == "json":
        rows = [
            {"id": r.id, "name": r.name, "severity": r.severity.value, "title": r.title, "doc": r.doc,
             "help_uri": r.help_uri, "sample": f"samples/rules/{r.id}.sdp"}
            for r in CATALOGUE.values()
        ]  # fmt: skip
        click.echo(json_dumps(rows))
        return
    from icecheck.render.terminal import catalogue
    from icecheck.report import show

    show(lambda width: catalogue(CATALOGUE.values(), width))
