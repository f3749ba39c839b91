"""Bridging boto3 clients and the backend's WSGI application, with no sockets.

The backend is one WSGI application (werkzeug) for both HTTP and in-process use. In
process, :class:`WsgiTransport` hooks a client's ``before-send`` event, turns botocore's
prepared request into a WSGI call, and hands the response back to botocore, so the
client's serialisation, signing and parsing all run for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from werkzeug.test import EnvironBuilder, run_wsgi_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from botocore.client import BaseClient

__all__ = ["WsgiTransport", "call_wsgi"]


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def _body_bytes(request: AWSPreparedRequest) -> bytes:
    body: Any = request.body
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    data = body.read()  # a file-like streaming body
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


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
    """Answer a boto3 client's requests with a WSGI application, in this process."""

    def __init__(self, client: BaseClient, app: WSGIApplication) -> None:
        self.app = app
        self._events: Any = cast(Any, client.meta.events)
        self._event = f"before-send.{client.meta.service_model.service_id.hyphenize()}"
        # register_first: other hooks (such as moto's) must not answer before us
        self._events.register_first(self._event, self._send)

    def close(self) -> None:
        """Stop answering the client's requests."""
        self._events.unregister(self._event, self._send)

    def _send(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        headers = {str(k): str(v) for k, v in request.headers.items()}
        status, response_headers, data = call_wsgi(
            self.app, str(request.method), str(request.url), headers, _body_bytes(request)
        )
        wrapped: Any = response_headers
        return AWSResponse(request.url, status, wrapped, _Body(data))
