"""``icecheck completion SHELL``: print the shell completion script (click's, for icecheck)."""

from __future__ import annotations

import click

from icecheck.commands.common import offline_accepted

SHELLS = ("bash", "zsh", "fish")


@click.command("completion", short_help="Print the shell completion script.")
@click.argument("shell", type=click.Choice(SHELLS, case_sensitive=False))
@offline_accepted
def command(shell: str) -> None:
    """Print the script that completes icecheck's commands, options and their values in SHELL
    (bash, zsh or fish). Source it from your shell's start-up file.

    \b
    Examples:
      eval "$(icecheck completion bash)"       # in ~/.bashrc
      eval "$(icecheck completion zsh)"        # in ~/.zshrc
      icecheck completion fish > ~/.config/fish/completions/icecheck.fish
    """
    from click.shell_completion import get_completion_class

    group = click.get_current_context().find_root().command
    completion = get_completion_class(shell.lower())
    if completion is None:  # click knows every name in SHELLS
        raise click.BadParameter(f"no completion for {shell}", param_hint="SHELL")
    click.echo(completion(group, {}, "icecheck", "_ICECHECK_COMPLETE").source())
