"""``lookout projects``: create, list, describe and delete projects."""

from __future__ import annotations

import click

from lookout_sdk.cli.options import (
    client_token_option,
    missing_ok_option,
    output_option,
    timeout_option,
)
from lookout_sdk.cli.output import emit
from lookout_sdk.cli.settings import Settings, pass_settings

__all__ = ["projects"]


@click.group()
def projects() -> None:
    """Create, list, describe and delete projects."""


@projects.command()
@click.argument("name")
@client_token_option
@output_option
@pass_settings
def create(settings: Settings, name: str, client_token: str | None) -> None:
    """Create project NAME; print its description."""
    project = settings.service().create_project(name, client_token=client_token)
    emit(project.describe(), settings.output)


@projects.command(name="list")
@click.option("--max-items", type=click.IntRange(min=1), help="Stop after this many.")
@output_option
@pass_settings
def list_projects(settings: Settings, max_items: int | None) -> None:
    """List the projects."""
    emit(settings.service().list_projects(max_items=max_items).to_list(), settings.output)


@projects.command()
@click.argument("name")
@output_option
@pass_settings
def describe(settings: Settings, name: str) -> None:
    """Describe project NAME and its datasets."""
    emit(settings.service().project(name).describe(), settings.output)


@projects.command()
@click.argument("name")
@click.option(
    "--force", is_flag=True, help="First stop and delete every model version of the project."
)
@timeout_option(1800, "With --force, the most seconds to wait for each model to stop or go.")
@missing_ok_option("project")
@client_token_option
@output_option
@pass_settings
def delete(
    settings: Settings,
    name: str,
    force: bool,
    timeout: float,
    missing_ok: bool,
    client_token: str | None,
) -> None:
    """Delete project NAME and its datasets (its models too with --force)."""
    project = settings.service().project(name)
    project.delete(missing_ok=missing_ok, force=force, timeout=timeout, client_token=client_token)
    emit({"deleted": name}, settings.output)
