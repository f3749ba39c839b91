"""``lookout completion``: the shell completion script for bash, zsh or fish."""

from __future__ import annotations

import click

__all__ = ["completion"]


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for SHELL.

    Load it in your shell's startup file, for example ``eval "$(lookout completion
    bash)"`` in ~/.bashrc, or ``lookout completion fish >
    ~/.config/fish/completions/lookout.fish``.
    """
    from click.shell_completion import get_completion_class

    from lookout_sdk.cli.app import cli

    completer = get_completion_class(shell)
    if completer is None:  # click knows all three; a safeguard for older versions
        raise click.UsageError(f"click cannot complete {shell}")
    click.echo(completer(cli, {}, "lookout", "_LOOKOUT_COMPLETE").source())
