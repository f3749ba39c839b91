"""``lookout serve``: the local backend over HTTP."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path.home() / ".lookout_sdk" / "local",
    show_default=True,
    envvar="LOOKOUT_LOCAL",
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
@click.option(
    "--engine",
    type=click.Choice(["default", "patch", "simple"]),
    default="default",
    show_default=True,
    help="The detector models are trained with: the pretrained-feature one (patch), the "
    "quick per-pixel one (simple), or patch when its weights are installed (default).",
)
def serve(
    host: str,
    port: int,
    data: Path,
    credentials: str | None,
    threads: int,
    s3_endpoint_url: str | None,
    engine: str,
) -> None:
    """Serve the Lookout for Vision API and an S3 subset over HTTP until Ctrl-C.

    Point any client at it with --endpoint-url or AWS_ENDPOINT_URL_LOOKOUTVISION. It
    listens on 127.0.0.1 unless credentials are configured.
    """
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
    from lookout_sdk.engine import PatchEngine, SimpleEngine

    engines = {"patch": PatchEngine, "simple": SimpleEngine, "default": None}
    backend = LocalBackend(data, objects=objects, engine=engines[engine])
    url = f"http://{host}:{port}"
    click.echo(f"lookout: serving {data} on {url} (Ctrl-C to stop)", err=True)
    click.echo(
        f"lookout: point clients here with AWS_ENDPOINT_URL_LOOKOUTVISION={url} "
        f"AWS_ENDPOINT_URL_S3={url}",
        err=True,
    )
    try:
        run(backend, host=host, port=port, threads=threads, credentials=keys)
    except KeyboardInterrupt:
        click.echo("lookout: stopped", err=True)
    finally:
        backend.close()
