"""The local backend as one WSGI application, and how to open it on a data folder.

``<data>/`` holds ``lookout.sqlite3`` (metadata), ``objects/`` (a folder per S3
bucket, unless another S3-compatible endpoint is configured), ``models/`` (trained
detectors), ``instances/`` (a lock file per running backend instance) and
``.lookout-reserve`` (space held back for deletes on a full disk). Several processes
may open one data folder at once; see :mod:`lookout_sdk.local.store.queue` for how
they share its background work. Requests whose path starts with ``/2020-11-20/`` are
Lookout for Vision operations; every other path is the S3 subset.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from lookout_sdk.api.registry import API_PATH_PREFIX
from lookout_sdk.local.context import Context, Quotas
from lookout_sdk.local.hosting import Hosting
from lookout_sdk.local.jobs.housekeeping import Housekeeping
from lookout_sdk.local.jobs.worker import Worker
from lookout_sdk.local.objects import FolderObjectStore, ObjectStore
from lookout_sdk.local.objects.s3_api import handle_s3
from lookout_sdk.local.service.router import Router
from lookout_sdk.local.store import Store
from lookout_sdk.local.store.queue import Instance, SqliteJobQueue

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from lookout_sdk.engine import Engine

__all__ = ["LocalBackend"]

_log = logging.getLogger("lookout_sdk.local")


class LocalBackend:
    """The Lookout for Vision API and an S3 subset, answered from a data folder.

    Args:
        data: the data folder (made if missing).
        objects: an object store to use instead of folders under ``data/objects``, such
            as :class:`~lookout_sdk.local.objects.S3ObjectStore` for AWS S3 or MinIO.
        start_worker: run background jobs on threads (tests may run them by hand).
        quotas: the limits answered with ServiceQuotaExceededException.
        engine: makes the training method (an :class:`~lookout_sdk.engine.Engine`
            class or factory); :func:`~lookout_sdk.engine.default_engine` by default.
        adopt: also run jobs whose process has gone (orphans, and jobs whose lease
            ran out). Leave it on for anything that lives a while (a notebook, a
            server); a short-lived process (``lookout --local``) turns it off so it
            runs only the jobs it queued itself, unless no adopting backend is running
            on the folder.

    Attributes:
        instance: this backend instance (its id is the owner of the jobs it runs).
    """

    def __init__(
        self,
        data: str | Path,
        *,
        objects: ObjectStore | None = None,
        start_worker: bool = True,
        region: str = "us-east-1",
        quotas: Quotas | None = None,
        engine: Callable[[], Engine] | None = None,
        adopt: bool = True,
    ) -> None:
        self.data = Path(data)
        self.data.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.data / "lookout.sqlite3")
        self.instance = Instance.here(adopts=adopt)
        self.objects = objects or FolderObjectStore(
            self.data / "objects", reserve=self.store.reserve
        )
        self.hosting = Hosting(self.data / "models")
        self.context = Context(
            store=self.store,
            objects=self.objects,
            wake_worker=lambda: None,
            hosted=self.hosting,
            region=region,
            quotas=quotas or Quotas(),
            instance=self.instance.id,
        )
        if engine is not None:
            self.context.make_engine = engine
        self.queue = SqliteJobQueue(self.store)
        self.housekeeping = Housekeeping(self.context, self.queue, self.instance)
        self.worker = Worker(
            self.context, self.queue, self.instance, adopt=adopt, housekeeping=self.housekeeping
        )
        self.context.wake_worker = self.worker.wake
        self.router = Router(self.context)
        self.worker.recover()
        try:
            self.housekeeping.on_start()
        except Exception as error:  # a full disk, say: the heartbeat tries again later
            _log.warning("start-up housekeeping failed: %s", error)
        if start_worker:
            self.worker.start()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request (WSGI): a Lookout for Vision operation, or S3."""
        request = Request(environ)
        raw_uri = str(environ.get("REQUEST_URI") or environ.get("RAW_URI") or request.full_path)
        raw_path = raw_uri.split("?", 1)[0]
        if raw_path.startswith(API_PATH_PREFIX):
            answer = self.router.handle(
                request.method,
                raw_path,
                request.query_string.decode("latin-1"),
                dict(request.headers.items()),
                request.get_data(),
            )
            response = Response(answer.body, status=answer.status, headers=dict(answer.headers))
        else:
            response = handle_s3(request, self.objects)
        result: Any = response(environ, start_response)
        return result  # type: ignore[no-any-return]

    def close(self, *, drain: bool = False) -> None:
        """Stop the worker and the hosted models.

        With ``drain``, first wait until every queued job has run (a backend that lives
        only as long as one process must finish what it acknowledged).
        """
        if drain:
            self.worker.drain()
        self.worker.stop()
        self.hosting.close()
