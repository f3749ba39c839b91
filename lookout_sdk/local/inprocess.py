"""Connecting an SDK client to a local backend in this process, with no sockets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lookout_sdk.local.app import LocalBackend
from lookout_sdk.local.http.wsgi import WsgiTransport
from lookout_sdk.records.operations import Operation
from lookout_sdk.resources.service import LookoutVision
from lookout_sdk.runtime.polling import PollingPolicy
from lookout_sdk.runtime.timeouts import DEFAULT_TIMEOUT, Timeout, check_timeout
from lookout_sdk.runtime.transport import PLACEHOLDER_ENDPOINT

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from lookout_sdk.runtime.retry import RetryPolicy

__all__ = ["DEFAULT_DATA", "LOCAL_ENDPOINT", "LocalLookoutVision", "connect"]

#: Where :func:`connect` keeps its data when no folder is named.
DEFAULT_DATA = Path.home() / ".lookout_sdk" / "local"
#: The endpoint the in-process clients name; nothing is ever sent to it.
LOCAL_ENDPOINT = PLACEHOLDER_ENDPOINT


class LocalLookoutVision(LookoutVision):
    """A :class:`~lookout_sdk.LookoutVision` that a local backend answers in this process.

    Make one with :func:`connect`. Its clients are real boto3 clients whose requests
    reach :attr:`backend` through a :class:`~lookout_sdk.local.http.wsgi.WsgiTransport`.

    Attributes:
        backend: the local backend answering this service.
    """

    def __init__(
        self,
        backend: LocalBackend,
        *,
        region_name: str = "us-east-1",
        retry: RetryPolicy | None = None,
        polling: PollingPolicy | None = None,
        s3: BaseClient | None = None,
        owns_backend: bool = False,
    ) -> None:
        super().__init__(
            region_name=region_name,
            retry=retry,
            polling=polling or PollingPolicy.quick(),
            s3=s3,
            transport=WsgiTransport(backend),
        )
        self.backend = backend
        if owns_backend:
            self.on_close(backend.close)

    def pending_work(self) -> int:
        """How many background jobs this backend queued or runs that have not finished.

        Jobs other processes on the same data folder queued are theirs to run and to
        count.
        """
        return self.backend.worker.pending()

    def finish_work(self, timeout: Timeout = DEFAULT_TIMEOUT) -> bool:
        """Wait until the backend's queued work has run; ``False`` if ``timeout`` came first.

        A backend that lives only as long as one process (the command line's
        ``--local``) calls this before closing, so acknowledged work is not left queued.
        ``timeout`` omitted: the longest default timeout of any operation (a training's);
        ``None``: no limit; a number: seconds.
        """
        check_timeout(timeout)
        if timeout is DEFAULT_TIMEOUT:
            timeout = max(self.polling.timeout_for(operation) for operation in Operation)
        return self.backend.worker.drain(timeout)


def connect(
    data: str | Path | None = None,
    *,
    region_name: str = "us-east-1",
    retry: RetryPolicy | None = None,
    polling: PollingPolicy | None = None,
    s3: BaseClient | None = None,
    backend: LocalBackend | None = None,
    adopt: bool = True,
) -> LocalLookoutVision:
    """A :class:`LocalLookoutVision` whose requests a local backend answers in-process.

    ``data`` is the backend's data folder (``~/.lookout_sdk/local`` by default), or
    pass a ``backend`` already open. Its Lookout for Vision client is a real boto3
    client whose requests reach the backend's WSGI application through
    ``before-send``. Images, manifests and outputs live in the backend's folders and
    are reached through a real boto3 S3 client wired the same way; with ``s3`` (a
    client for AWS S3, MinIO or any S3-compatible endpoint) they live there instead,
    and that client is used as it is. Closing the service stops a backend it opened.

    Several processes may open one data folder; each runs the jobs it queues. With
    ``adopt`` (the default) this backend also runs jobs left by processes that have
    stopped; a short-lived process passes ``adopt=False`` so it leaves them to a
    longer-lived backend when one is running.
    """
    from lookout_sdk.local.objects import S3ObjectStore

    opened = backend is None
    if backend is None:
        objects = S3ObjectStore(s3) if s3 is not None else None
        backend = LocalBackend(
            data or DEFAULT_DATA, region=region_name, objects=objects, adopt=adopt
        )
    return LocalLookoutVision(
        backend,
        region_name=region_name,
        retry=retry,
        polling=polling,
        s3=s3,
        owns_backend=opened,
    )
