"""``icecheck explain RULE``: one rule in full — doc, fix, a sample that triggers it, its link."""

from __future__ import annotations

import click


@click.command("explain", short_help="Print a rule's doc, fix and sample.")
@click.argument("rule")
def command(rule: str) -> None:
    """Print a rule's doc, severity, fix, a sample SDP that triggers it and its web page.
    RULE is an ID (ICE006) or a name (relay-raddr-leak), in any case.

    \b
    Examples:
      icecheck explain ICE006
      icecheck explain relay-raddr-leak
      icecheck rules                      # every rule
    """
    import difflib
    import re
    import textwrap

    from icecheck.analysis.rules import CATALOGUE
    from icecheck.render.safe import safe
    from icecheck.rulesamples import sample

    wanted = rule.strip().lower()
    number = re.fullmatch(r"ice0*(\d{1,3})", wanted)
    if number:  # ICE6, ice06 and ICE006 name the same rule
        wanted = f"ice{int(number.group(1)):03d}"
    found = next((r for r in CATALOGUE.values() if wanted in (r.id.lower(), r.name)), None)
    if found is None:
        names = [r.id.lower() for r in CATALOGUE.values()] + [r.name for r in CATALOGUE.values()]
        close = difflib.get_close_matches(wanted, names, n=1)
        hint = f"; did you mean {close[0].upper() if close[0].startswith('ice') else close[0]}?" if close else ""
        raise click.BadParameter(f"unknown rule '{safe(rule)}'{hint} (icecheck rules lists them)", param_hint="RULE")
    click.echo(f"{found.id} {found.name} — {found.title}")
    click.echo(f"severity: {found.severity.value}")
    click.echo("")
    click.echo(textwrap.fill(found.doc, width=100, break_on_hyphens=False, break_long_words=False))
    click.echo("")
    click.echo(textwrap.fill(f"Fix: {found.fix}", width=100, break_on_hyphens=False, break_long_words=False))
    text = sample(found.id)
    if text is not None:
        click.echo("")
        click.echo(f"A sample that triggers it (icecheck sdp on these lines reports {found.id}):")
        click.echo("")
        click.echo(textwrap.indent(text.rstrip("\n"), "    "))
    if found.help_uri:
        click.echo("")
        click.echo(f"More: {found.help_uri}")
