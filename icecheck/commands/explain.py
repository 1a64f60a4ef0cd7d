"""``icecheck explain RULE``: one rule in full — doc, fix, a sample that triggers it, its link."""

from __future__ import annotations

import click

from icecheck.commands.common import offline_accepted


@click.command("explain", short_help="Print a rule's doc, fix and sample.")
@click.argument("rule")
@offline_accepted
def command(rule: str) -> None:
    """Print a rule's doc, severity, fix, a sample SDP that triggers it and its web page.
    RULE is an ID (ICE006) or a name (relay-raddr-leak), in any case.

    \b
    Examples:
      icecheck explain ICE006
      icecheck explain relay-raddr-leak
      icecheck rules                      # every rule
    """
    import shutil
    import sys
    import textwrap

    from icecheck.analysis.rules import CATALOGUE
    from icecheck.analysis.rulesamples import sample
    from icecheck.commands.params import rule_id, unknown_rule
    from icecheck.render.safe import safe

    found_id = rule_id(rule)
    if found_id is None:
        raise click.BadParameter(safe(unknown_rule(rule)), param_hint="RULE")
    found = CATALOGUE[found_id]
    width = min(shutil.get_terminal_size().columns, 100) if sys.stdout.isatty() else 100  # the sample stays whole
    click.echo(textwrap.fill(f"{found.id} {found.name} — {found.title}", width=width, break_long_words=False))
    click.echo(f"severity: {found.severity.value}")
    click.echo("")
    click.echo(textwrap.fill(found.doc, width=width, break_on_hyphens=False, break_long_words=False))
    click.echo("")
    click.echo(textwrap.fill(f"Fix: {found.fix}", width=width, break_on_hyphens=False, break_long_words=False))
    text = sample(found.id)
    if text is not None:
        click.echo("")
        heading = f"A sample that triggers it (icecheck sdp on these lines reports {found.id}):"
        click.echo(textwrap.fill(heading, width=width, break_on_hyphens=False, break_long_words=False))
        click.echo("")
        click.echo(textwrap.indent(text.rstrip("\n"), "    "))
    if found.help_uri:
        click.echo("")
        click.echo(f"More: {found.help_uri}")
