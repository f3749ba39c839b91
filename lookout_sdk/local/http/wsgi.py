"""Bridging boto3 clients and the backend's WSGI application, with no sockets.

The backend is one WSGI application (werkzeug) for both HTTP and in-process use. In
process, :class:`WsgiTransport` is the service's transport
(``LookoutVision(transport=...)``): it turns botocore's prepared request into a WSGI
call and hands the response back to botocore, so the clients' serialisation, signing
and parsing all run for real.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from lookout_sdk.runtime.transport import BeforeSendHook, Reply, request_body

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from botocore.client import BaseClient

__all__ = ["WsgiTransport", "call_wsgi"]


def _text(value: object) -> str:
    """A header value as text: botocore keeps some values as bytes."""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def call_wsgi(
    app: WSGIApplication, method: str, url: str, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    """Call ``app`` with one request; return the status, headers and body."""
    parts = urlsplit(url)
    builder = EnvironBuilder(
        path=parts.path or "/",
        query_string=parts.query,
        method=method,
        headers=list(headers.items()),
        data=body,
        base_url=f"{parts.scheme}://{parts.netloc}",
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    chunks, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    data = b"".join(chunks)
    code = int(status.split(" ", 1)[0])
    return code, dict(response_headers.items()), data


class WsgiTransport:
    """A transport that answers requests with a WSGI application, in this process."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def handle(self, request: AWSPreparedRequest) -> Reply:
        """Call the application with ``request``; return its response."""
        headers = {str(k): _text(v) for k, v in request.headers.items()}
        status, response_headers, data = call_wsgi(
            self.app, str(request.method), str(request.url), headers, request_body(request)
        )
        return Reply(status, response_headers, data)

    def attach(self, client: BaseClient) -> BeforeSendHook:
        """Answer ``client``'s requests from now on (until the hook is closed).

        The hook comes first, so other hooks (such as moto's) do not answer before the
        application.
        """
        return BeforeSendHook(client, self.handle, first=True)
