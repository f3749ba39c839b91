"""Serving the local backend over HTTP with waitress, optionally behind SigV4 checks.

:func:`serve` runs the server in the foreground (``lookout serve``) and
:func:`start_in_thread` runs one in a background thread (tests, notebooks). Both wrap
the application in :class:`AuthMiddleware`, which checks every request's signature
when credentials are configured and refuses oversized bodies either way. Without
credentials the server only agrees to listen on a loopback address.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

import attrs

from lookout_sdk.local.http.auth import AuthError, service_for_path, verify_request
from lookout_sdk.runtime.endpoints import is_loopback

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from waitress.server import BaseWSGIServer, MultiSocketServer

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "AuthMiddleware",
    "RunningServer",
    "check_bind",
    "serve",
    "start_in_thread",
]

_log = logging.getLogger("lookout_sdk.local")

#: The largest request body accepted by default (64 MiB).
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024

_REASONS = {403: "Forbidden", 400: "Bad Request", 411: "Length Required", 413: "Content Too Large"}


# ----------------------------------------------------------------------------- binding


def check_bind(host: str, credentials: Mapping[str, str]) -> None:
    """Refuse to listen beyond this machine when no credentials are configured.

    Raises:
        ValueError: ``host`` is not a loopback address and ``credentials`` is empty.
    """
    if not credentials and not is_loopback(host):
        raise ValueError(
            f"refusing to listen on {host!r} without credentials: anyone who can reach it "
            "could use the server. Listen on 127.0.0.1, or require signed requests with "
            "--credentials ACCESS:SECRET (or the LOOKOUT_LOCAL_CREDENTIALS variable)."
        )


# ----------------------------------------------------------------------------- middleware


class AuthMiddleware:
    """Check SigV4 signatures and body sizes before the wrapped WSGI application runs.

    With ``credentials``, each request's body is read once (to hash it) and handed on
    to ``app`` as a fresh stream; a request that fails the check is answered with 403 in
    the API's own error form (REST-JSON for Lookout for Vision paths, XML for S3).
    Without credentials, requests pass unchecked. A verified request's access key is
    left in ``environ["lookout.access_key"]``. Either way, a body declared larger than
    ``max_body_bytes`` is refused with 413 unread, and a Lookout for Vision request with
    a body of unknown length with 411 (waitress itself de-chunks bodies and enforces the
    same limit before the middleware runs, answering its own plain-text 413).

    Args:
        app: the application to protect.
        credentials: secret keys by access key ID; empty or ``None`` turns checks off.
        max_body_bytes: the largest request body accepted.
        max_skew: how far a request's signing time may be from the server's clock.
    """

    def __init__(
        self,
        app: WSGIApplication,
        credentials: Mapping[str, str] | None = None,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_skew: timedelta = timedelta(minutes=15),
    ) -> None:
        self.app = app
        self.credentials = dict(credentials or {})
        self.max_body_bytes = max_body_bytes
        self.max_skew = max_skew

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Check the request, then hand it to the wrapped application."""
        raw_path, raw_query = _raw_target(environ)
        service = service_for_path(raw_path)
        try:
            length = _content_length(environ)
        except ValueError:
            return _error(start_response, service, 400, "the Content-Length header is not valid")
        if length is not None and length > self.max_body_bytes:
            return self._too_large(start_response, service)
        chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
        body = b""
        if length is None and chunked:
            if service == "lookoutvision":
                return _error(start_response, service, 411, "a Content-Length header is required")
            body = _read(environ, self.max_body_bytes + 1)
            if len(body) > self.max_body_bytes:
                return self._too_large(start_response, service)
            _replace_body(environ, body)
        elif self.credentials:
            body = _read(environ, length or 0)
            _replace_body(environ, body)
        if self.credentials:
            try:
                access_key = verify_request(
                    str(environ.get("REQUEST_METHOD", "GET")),
                    raw_path,
                    raw_query,
                    _headers(environ),
                    body,
                    self.credentials,
                    max_skew=self.max_skew,
                )
            except AuthError as exc:
                _log.info("refused %s %s: %s", environ.get("REQUEST_METHOD"), raw_path, exc)
                return _error(start_response, service, 403, exc.message)
            environ["lookout.access_key"] = access_key
        return self.app(environ, start_response)

    def _too_large(self, start_response: StartResponse, service: str) -> list[bytes]:
        message = (
            f"the request body is larger than the server's limit of {self.max_body_bytes} bytes"
        )
        return _error(start_response, service, 413, message)


def _text(value: object) -> str:
    """A WSGI string (bytes as latin-1) read back as UTF-8 text."""
    return str(value).encode("latin-1", "replace").decode("utf-8", "replace")


def _raw_target(environ: WSGIEnvironment) -> tuple[str, str]:
    """The path and query string as the client sent them (still percent-encoded)."""
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw:
        target = _text(raw)
        if not target.startswith("/"):  # absolute form: http://host/path
            parts = urlsplit(target)
            target = parts.path + ("?" + parts.query if parts.query else "")
        path = target.partition("?")[0]
    else:  # a server that keeps no raw URI: re-encode the decoded path
        decoded = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
        path = quote(decoded.encode("latin-1", "replace"), safe="/~")
    # QUERY_STRING is not decoded by WSGI servers
    return path or "/", _text(environ.get("QUERY_STRING", ""))


def _content_length(environ: WSGIEnvironment) -> int | None:
    text = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not text:
        return None
    length = int(text)
    if length < 0:
        raise ValueError(text)
    return length


def _read(environ: WSGIEnvironment, limit: int) -> bytes:
    """Read up to ``limit`` bytes of the body (fewer if the stream ends first)."""
    stream = environ.get("wsgi.input")
    if stream is None or limit <= 0:
        return b""
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _replace_body(environ: WSGIEnvironment, body: bytes) -> None:
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = _text(value)
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers[key.replace("_", "-").lower()] = _text(value)
    return headers


def _error(start_response: StartResponse, service: str, status: int, message: str) -> list[bytes]:
    """Answer with an error in the API's form: REST-JSON or S3's XML."""
    request_id = uuid.uuid4().hex
    if service == "lookoutvision":
        code = "AccessDeniedException" if status == 403 else "ValidationException"
        body = json.dumps({"message": message}).encode()
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
        headers.append(("x-amzn-RequestId", request_id))
    else:
        code = {403: "AccessDenied", 411: "MissingContentLength", 413: "EntityTooLarge"}.get(
            status, "InvalidRequest"
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{status} {_REASONS.get(status, 'Error')}", headers)
    return [body]


# ----------------------------------------------------------------------------- serving


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _create(
    app: WSGIApplication,
    socket_map: dict[int, Any],
    *,
    host: str,
    port: int,
    threads: int,
    credentials: Mapping[str, str] | None,
    max_body_bytes: int,
) -> BaseWSGIServer | MultiSocketServer:
    from waitress.server import create_server

    check_bind(host, credentials or {})
    wrapped = AuthMiddleware(app, credentials, max_body_bytes=max_body_bytes)
    # waitress refuses a body of max_request_body_size bytes or more, unread; one more
    # byte makes its limit and the middleware's the same
    return create_server(
        wrapped,
        map=cast(Any, socket_map),
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=max_body_bytes + 1,
        ident="lookout-local",
    )


def _bound(server: BaseWSGIServer | MultiSocketServer) -> tuple[str, int]:
    from waitress.server import MultiSocketServer

    if isinstance(server, MultiSocketServer):
        host, port = server.effective_listen[0]
        return str(host), int(port)
    # effective_host and effective_port are set by every TCP server but not in the stubs
    bound: Any = server
    return str(bound.effective_host), int(bound.effective_port)


def serve(
    app: WSGIApplication,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    threads: int = 8,
    credentials: Mapping[str, str] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> None:
    """Serve ``app`` over HTTP until interrupted (Ctrl-C).

    The application runs behind :class:`AuthMiddleware`. The URL is logged at INFO on
    the ``lookout_sdk.local`` logger; nothing is printed.

    Raises:
        ValueError: ``host`` is not a loopback address and no credentials are given.
    """
    from waitress import wasyncore

    socket_map: dict[int, Any] = {}
    server = _create(
        app,
        socket_map,
        host=host,
        port=port,
        threads=threads,
        credentials=credentials,
        max_body_bytes=max_body_bytes,
    )
    bound_host, bound_port = _bound(server)
    _log.info(
        "serving on %s (%s)",
        _url(bound_host, bound_port),
        "signed requests only" if credentials else "no authentication",
    )
    try:
        server.run()
    finally:
        server.task_dispatcher.shutdown()
        wasyncore.close_all(cast(Any, socket_map))


@attrs.define
class RunningServer:
    """A server running in a background thread; :meth:`stop` shuts it down."""

    url: str
    host: str
    port: int
    _server: BaseWSGIServer | MultiSocketServer = attrs.field(repr=False)
    _thread: threading.Thread = attrs.field(repr=False)
    _socket_map: dict[int, Any] = attrs.field(repr=False)
    _waker: Any = attrs.field(repr=False)

    def stop(self, timeout: int = 5) -> None:
        """Close the listening socket and connections, and wait for the threads."""
        from waitress import wasyncore

        if self._thread.is_alive():
            # close everything from the loop's own thread; the loop ends once its map
            # is empty
            self._waker.pull_trigger(lambda: wasyncore.close_all(cast(Any, self._socket_map)))
            self._thread.join(timeout)
        self._server.task_dispatcher.shutdown(timeout=timeout)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_in_thread(
    app: WSGIApplication,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    threads: int = 4,
    credentials: Mapping[str, str] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> RunningServer:
    """Start serving ``app`` in a daemon thread and return once it is listening.

    Port 0 picks a free port; the returned :class:`RunningServer` has the real one.
    """
    from waitress import trigger

    socket_map: dict[int, Any] = {}
    server = _create(
        app,
        socket_map,
        host=host,
        port=port,
        threads=threads,
        credentials=credentials,
        max_body_bytes=max_body_bytes,
    )
    waker = trigger.trigger(cast(Any, socket_map))
    bound_host, bound_port = _bound(server)
    url = _url(bound_host, bound_port)
    thread = threading.Thread(target=server.run, name=f"lookout-local {url}", daemon=True)
    thread.start()
    _log.info("serving on %s in a background thread", url)
    return RunningServer(url, bound_host, bound_port, server, thread, socket_map, waker)
