"""Bridging boto3 clients and the backend's WSGI application, with no sockets.

The backend is one WSGI application (werkzeug) for both HTTP and in-process use. In
process, :class:`WsgiTransport` hooks a client's ``before-send`` event, turns botocore's
prepared request into a WSGI call, and hands the response back to botocore, so the
client's serialisation, signing and parsing all run for real.
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


class WsgiTransport(BeforeSendHook):
    """Answer a boto3 client's requests with a WSGI application, in this process."""

    def __init__(self, client: BaseClient, app: WSGIApplication) -> None:
        self.app = app

        def answer(request: AWSPreparedRequest) -> Reply:
            headers = {str(k): _text(v) for k, v in request.headers.items()}
            status, response_headers, data = call_wsgi(
                app, str(request.method), str(request.url), headers, request_body(request)
            )
            return Reply(status, response_headers, data)

        # first: other hooks (such as moto's) must not answer before the backend
        super().__init__(client, answer, first=True)
