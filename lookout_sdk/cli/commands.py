"""The commands of ``lookout``."""

from __future__ import annotations

import logging
from pathlib import Path

import click

__all__ = ["cli"]


@click.group()
@click.version_option(package_name="lookout-sdk")
@click.option("-v", "--verbose", count=True, help="More log output (repeat for debug).")
def cli(verbose: int) -> None:
    """Work with Amazon Lookout for Vision, or its local stand-in."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path.home() / ".lookout_sdk" / "local",
    show_default=True,
    help="Data folder: metadata, objects and models.",
)
@click.option(
    "--credentials",
    envvar="LOOKOUT_LOCAL_CREDENTIALS",
    help="ACCESS:SECRET[,ACCESS:SECRET] (or a JSON file) to require SigV4-signed requests.",
)
@click.option("--threads", default=8, show_default=True, type=int, help="Request threads.")
@click.option(
    "--s3-endpoint-url",
    envvar="LOOKOUT_LOCAL_S3_ENDPOINT_URL",
    help="Keep images and outputs in this S3-compatible endpoint (AWS S3, MinIO) instead "
    "of the data folder; its credentials come from the usual AWS configuration.",
)
def serve(
    host: str,
    port: int,
    data: Path,
    credentials: str | None,
    threads: int,
    s3_endpoint_url: str | None,
) -> None:
    """Serve the Lookout for Vision API and an S3 subset over HTTP."""
    from lookout_sdk.local.app import LocalBackend
    from lookout_sdk.local.http.auth import load_credentials
    from lookout_sdk.local.http.server import check_bind
    from lookout_sdk.local.http.server import serve as run
    from lookout_sdk.local.objects import S3ObjectStore

    keys = load_credentials(credentials)
    try:
        check_bind(host, keys)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    objects = None
    if s3_endpoint_url:
        import boto3

        objects = S3ObjectStore(boto3.client("s3", endpoint_url=s3_endpoint_url))
    backend = LocalBackend(data, objects=objects)
    click.echo(f"lookout: serving {data} on http://{host}:{port} (Ctrl-C to stop)", err=True)
    try:
        run(backend, host=host, port=port, threads=threads, credentials=keys)
    finally:
        backend.close()
