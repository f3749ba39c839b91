"""``lookout serve``: the local backend over HTTP."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

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
    "--tls-cert",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    envvar="LOOKOUT_LOCAL_TLS_CERT",
    help="Serve HTTPS with this certificate chain (PEM); needs --tls-key.",
)
@click.option(
    "--tls-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    envvar="LOOKOUT_LOCAL_TLS_KEY",
    help="The private key (PEM) of --tls-cert.",
)
@click.option(
    "--region",
    default="us-east-1",
    show_default=True,
    envvar="LOOKOUT_LOCAL_REGION",
    help="The region in ARNs, and the one signed requests must be scoped to.",
)
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
    tls_cert: Path | None,
    tls_key: Path | None,
    region: str,
    s3_endpoint_url: str | None,
    engine: str,
) -> None:
    """Serve the Lookout for Vision API and an S3 subset over HTTP until Ctrl-C.

    Point any client at it with --endpoint-url or AWS_ENDPOINT_URL_LOOKOUTVISION. It
    listens on 127.0.0.1 unless credentials are configured; beyond this machine, give
    it a certificate (--tls-cert, --tls-key) so that requests travel encrypted.
    """
    from lookout_sdk.local.app import LocalBackend
    from lookout_sdk.local.http.auth import load_credentials
    from lookout_sdk.local.http.server import Tls, check_bind
    from lookout_sdk.local.http.server import serve as run
    from lookout_sdk.local.objects import S3ObjectStore

    keys = load_credentials(credentials)
    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    tls = None if tls_cert is None or tls_key is None else Tls(tls_cert, tls_key)
    try:
        check_bind(host, keys)
        if tls is not None:
            tls.check()
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    objects = None
    if s3_endpoint_url:
        import boto3

        objects = S3ObjectStore(boto3.client("s3", endpoint_url=s3_endpoint_url))
    from lookout_sdk.engine import PatchEngine, SimpleEngine

    engines = {"patch": PatchEngine, "simple": SimpleEngine, "default": None}
    backend = LocalBackend(data, objects=objects, engine=engines[engine], region=region)
    url = f"{'https' if tls else 'http'}://{host}:{port}"
    click.echo(f"lookout: serving {data} on {url} (Ctrl-C to stop)", err=True)
    click.echo(
        f"lookout: point clients here with AWS_ENDPOINT_URL_LOOKOUTVISION={url} "
        f"AWS_ENDPOINT_URL_S3={url}",
        err=True,
    )
    # uvicorn stops on SIGTERM, then raises it again: end through the finally below
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        run(
            backend,
            host=host,
            port=port,
            threads=threads,
            credentials=keys,
            tls=tls,
            region=region,
        )
    except KeyboardInterrupt:
        click.echo("lookout: stopped", err=True)
    finally:
        backend.close()


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)
