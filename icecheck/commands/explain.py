"""``icecheck explain RULE``: one rule's documentation."""

from __future__ import annotations

import click


@click.command("explain")
@click.argument("rule")
def command(rule: str) -> None:
    """Print a rule's doc, severity, sample and URL. RULE is an ID (ICE006) or a name (relay-raddr-leak)."""
    import textwrap

    from icecheck.analysis.rules import CATALOGUE

    wanted = rule.strip().lower()
    found = next((r for r in CATALOGUE.values() if wanted in (r.id.lower(), r.name)), None)
    if found is None:
        raise click.UsageError(f"unknown rule '{rule}' (icecheck rules lists them)")
    click.echo(f"{found.id} {found.name} — {found.title}")
    click.echo(f"severity: {found.severity.value}")
    click.echo("")
    click.echo(textwrap.fill(found.doc, width=100))
    click.echo("")
    click.echo(f"sample:   samples/rules/{found.id}.sdp (icecheck sdp samples/rules/{found.id}.sdp)")
    click.echo(f"docs:     {found.help_uri}")
