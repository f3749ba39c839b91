"""Connecting an SDK client to a local backend in this process, with no sockets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lookout_sdk.local.app import LocalBackend
from lookout_sdk.local.http.wsgi import WsgiTransport
from lookout_sdk.runtime.polling import PollingPolicy

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from lookout_sdk.resources.service import LookoutVision
    from lookout_sdk.runtime.retry import RetryPolicy

__all__ = ["DEFAULT_DATA", "LOCAL_ENDPOINT", "connect_local"]

#: Where ``LookoutVision.local()`` keeps its data when no folder is named.
DEFAULT_DATA = Path.home() / ".lookout_sdk" / "local"
#: The endpoint the in-process clients name; nothing is ever sent to it.
LOCAL_ENDPOINT = "http://lookout.localhost"


def connect_local(
    data: str | Path | None = None,
    *,
    region_name: str = "us-east-1",
    retry: RetryPolicy | None = None,
    polling: PollingPolicy | None = None,
    s3: BaseClient | None = None,
    backend: LocalBackend | None = None,
) -> LookoutVision:
    """A :class:`LookoutVision` whose requests a local backend answers in-process.

    Its Lookout for Vision client is a real boto3 client whose requests reach the
    backend's WSGI application through ``before-send``. Images, manifests and outputs
    live in the backend's folders and are reached through a real boto3 S3 client wired
    the same way; with ``s3`` (a client for AWS S3, MinIO or any S3-compatible
    endpoint) they live there instead, and that client is used as it is. Closing the
    service stops the backend it opened.
    """
    import boto3
    from botocore.config import Config

    from lookout_sdk.local.objects import S3ObjectStore
    from lookout_sdk.resources.service import LookoutVision

    opened = backend is None
    if backend is None:
        objects = S3ObjectStore(s3) if s3 is not None else None
        backend = LocalBackend(data or DEFAULT_DATA, region=region_name, objects=objects)
    session = boto3.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name=region_name
    )
    if s3 is None:
        make_client: Any = session.client
        s3 = make_client(
            "s3", endpoint_url=LOCAL_ENDPOINT, config=Config(s3={"addressing_style": "path"})
        )
        WsgiTransport(s3, backend)
    service = LookoutVision(
        session=session,
        endpoint_url=LOCAL_ENDPOINT,
        retry=retry,
        polling=polling or PollingPolicy.quick(),
        s3=s3,
    )
    WsgiTransport(service.client, backend)
    service.backend = backend
    if opened:
        service.on_close(backend.close)
    return service
