"""``icecheck rules``: list the rule catalogue."""

from __future__ import annotations

import click


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(fmt: str) -> None:
    """List every rule: ID, severity, name and title (``icecheck explain ID`` for its doc)."""
    import json

    from icecheck.rules import CATALOGUE

    if fmt == "json":
        rows = [
            {"id": r.id, "name": r.name, "severity": r.severity.value, "title": r.title, "doc": r.doc,
             "help_uri": r.help_uri, "sample": f"samples/rules/{r.id}.sdp"}
            for r in CATALOGUE.values()
        ]  # fmt: skip
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="icecheck rules", title_justify="left")
    for col in ("id", "severity", "name", "title"):
        table.add_column(col, no_wrap=col != "title")
    for r in CATALOGUE.values():
        table.add_row(r.id, r.severity.value, r.name, r.title)
    Console(highlight=False).print(table)
