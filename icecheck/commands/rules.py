"""``icecheck rules``: list the rule catalogue."""

from __future__ import annotations

import click

from icecheck.commands.common import offline_accepted


@click.command("rules", short_help="List every rule: ID, severity, name, title.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "html"], case_sensitive=False),
              default="text", show_default=True,
              help="text, html, or json: each rule in full with its sample.")  # fmt: skip
@offline_accepted
def command(fmt: str) -> None:
    """List every rule: ID, severity, name and title. icecheck explain ID prints one in full.

    \b
    Examples:
      icecheck rules
      icecheck rules -f json        # doc, fix and sample of each rule
      icecheck explain ICE006
    """
    from icecheck.analysis.rules import CATALOGUE
    from icecheck.render.safe import json_dumps

    if fmt == "json":
        from icecheck.analysis.rulesamples import sample
        from icecheck.render.json_report import rule_dict

        click.echo(json_dumps([rule_dict(r) | {"sample": sample(r.id) or ""} for r in CATALOGUE.values()]))
        return
    if fmt == "html":
        from icecheck.render.html import rules_html

        click.echo(rules_html(CATALOGUE.values()), nl=False)
        return
    from icecheck.render.terminal import catalogue
    from icecheck.report import show

    show(lambda width: catalogue(CATALOGUE.values(), width))
