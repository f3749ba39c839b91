"""The root ``lookout`` group: global options, error handling, and the command list.

Subcommands are found by name and imported only when used, so ``lookout --help`` stays
quick: no boto3, no SDK, no service model is loaded to print it.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

import click

from lookout_sdk.cli.exits import report_error
from lookout_sdk.cli.output import FORMATS
from lookout_sdk.cli.settings import Settings, log_level

__all__ = ["cli"]

#: Command name -> (module, attribute, one-line help).
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "projects": (
        "lookout_sdk.cli.projects",
        "projects",
        "Create, list, describe and delete projects.",
    ),
    "datasets": (
        "lookout_sdk.cli.datasets",
        "datasets",
        "Create datasets from folders, S3 or manifests; inspect and export them.",
    ),
    "models": (
        "lookout_sdk.cli.models",
        "models",
        "Train, host, stop, wait on, package and delete model versions.",
    ),
    "detect": ("lookout_sdk.cli.detect", "detect", "Ask a hosted model about image files."),
    "wait": (
        "lookout_sdk.cli.models",
        "wait_token",
        "Wait again for an operation, from the token a wait printed.",
    ),
    "api": ("lookout_sdk.cli.api", "api", "Call any of the 22 API operations, AWS CLI style."),
    "serve": ("lookout_sdk.cli.serve", "serve", "Serve the local backend over HTTP."),
    "demo": ("lookout_sdk.cli.demo", "demo", "Run the whole workflow on sample images."),
    "completion": ("lookout_sdk.cli.completion", "completion", "Print a shell completion script."),
}


class LookoutGroup(click.Group):
    """Loads subcommands on demand and turns errors into one line and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name."""
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the command ``cmd_name`` (``None`` if there is no such command)."""
        found = _COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, attribute, _ = found
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their one-line help, without importing them."""
        rows = [(name, help_text) for name, (_, _, help_text) in sorted(_COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; report SDK errors as one line with a meaningful exit code."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except (Exception, KeyboardInterrupt) as error:
            settings = ctx.find_object(Settings)
            report_error(error, verbose=bool(settings and settings.verbose))


@click.group(cls=LookoutGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lookout-sdk", prog_name="lookout")
@click.option("--profile", envvar="AWS_PROFILE", help="AWS profile of your shared configuration.")
@click.option("--region", envvar=["AWS_REGION", "AWS_DEFAULT_REGION"], help="AWS region.")
@click.option(
    "--endpoint-url",
    envvar="AWS_ENDPOINT_URL_LOOKOUTVISION",
    help="A Lookout for Vision endpoint, e.g. http://127.0.0.1:8080 for `lookout serve`.",
)
@click.option(
    "--s3-endpoint-url",
    envvar="AWS_ENDPOINT_URL_S3",
    help="The S3 endpoint for images and outputs, e.g. the same URL as --endpoint-url for "
    "`lookout serve` (path-style addressing).",
)
@click.option(
    "--local",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="LOOKOUT_LOCAL",
    help="Run an in-process local backend on this data folder instead of an endpoint.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(FORMATS),
    envvar="LOOKOUT_OUTPUT",
    default="json",
    show_default=True,
    help="How results are printed on stdout.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show progress on stderr (default: only when stderr is a terminal).",
)
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug).")
@click.option("-q", "--quiet", count=True, help="Less logging on stderr.")
@click.pass_context
def cli(
    ctx: click.Context,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    s3_endpoint_url: str | None,
    local: Path | None,
    output: str,
    progress: bool | None,
    verbose: int,
    quiet: int,
) -> None:
    """Work with Amazon Lookout for Vision, or with lookout_sdk's local backend.

    Results go to stdout (JSON by default); progress and logs go to stderr. Exit
    codes: 0 ok, 1 service error, 2 usage or validation error, 3 timeout, 4 anomaly
    found (detect --fail-on-anomaly), 130 interrupted.
    """
    if endpoint_url and local:
        raise click.UsageError("--endpoint-url and --local cannot be used together")
    logging.basicConfig(
        level=log_level(verbose, quiet), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings(
        profile=profile,
        region=region,
        endpoint_url=endpoint_url,
        s3_endpoint_url=s3_endpoint_url,
        local=local,
        output=output,
        progress=progress,
        verbose=verbose,
    )
    ctx.obj = settings
    ctx.call_on_close(settings.close)
