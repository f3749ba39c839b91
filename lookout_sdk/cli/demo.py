"""``lookout demo``: the whole workflow on sample images (see :mod:`lookout_sdk.demo`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from lookout_sdk.cli.options import output_option
from lookout_sdk.cli.output import emit
from lookout_sdk.cli.settings import Settings, pass_settings

__all__ = ["demo"]


@click.command()
@click.option(
    "--bucket",
    default="lookout-demo",
    show_default=True,
    help="The S3 bucket for the images (made if missing).",
)
@click.option("--project", default="lookout-demo", show_default=True, help="The project to make.")
@click.option(
    "--keep",
    is_flag=True,
    help="Keep the project, datasets and stopped model, and sample images to try.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the sample images are written (a temporary folder by default).",
)
@click.option("--aws", is_flag=True, help="Run against AWS as configured, not a local backend.")
@output_option
@pass_settings
def demo(
    settings: Settings,
    bucket: str,
    project: str,
    keep: bool,
    workdir: Path | None,
    aws: bool,
) -> None:
    """Run the whole workflow on sample images: datasets, training, hosting, detection.

    With no --endpoint-url, --local or --aws it runs on an in-process local backend in
    a temporary folder (no AWS account needed). Steps are shown on stderr; the summary
    (metrics, answers, timings) is printed on stdout.
    """
    from lookout_sdk.demo import run_demo

    def say(line: str) -> None:
        click.echo(f"lookout: {line}", err=True)

    with tempfile.TemporaryDirectory(prefix="lookout-demo-") as scratch:
        if settings.local is None and not settings.endpoint_url and not aws:
            settings.local = Path(scratch) / "local-backend"
            if keep:
                raise click.UsageError("--keep needs --local PATH or an endpoint to keep it in")
        folder = workdir or Path(scratch)
        if keep and workdir is None:
            raise click.UsageError("--keep needs --workdir for the sample images")
        summary = run_demo(
            settings.service(),
            workdir=folder,
            bucket=bucket,
            project_name=project,
            keep=keep,
            say=say,
        )
        settings.close()
    emit(summary, settings.output)
