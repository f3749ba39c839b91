"""The SigV4 gate in front of the backend: a WSGI middleware."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from lookout_sdk.local.http.answers import refusal
from lookout_sdk.local.http.asgi import BODY_SHA256
from lookout_sdk.local.http.auth import AuthError, service_for_path, verify_request
from lookout_sdk.local.http.limits import DEFAULT_MAX_BODY_BYTES

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["AuthMiddleware"]

_log = logging.getLogger("lookout_sdk.local")
_CHUNK = 1024 * 1024
_SPOOL = 1024 * 1024


class AuthMiddleware:
    """Check SigV4 signatures and body sizes before the wrapped WSGI application runs.

    With ``credentials``, each request must be signed with one of them, for ``region``;
    a request that fails the check is answered with 403 in the API's own error form
    (REST-JSON for Lookout for Vision paths, XML for S3) and never reaches ``app``. A
    verified request's access key is left in ``environ["lookout.access_key"]``.
    Without credentials, requests pass unchecked.

    The body's SHA-256 comes from the server, which hashed it while reading it
    (:data:`~lookout_sdk.local.http.asgi.BODY_SHA256`); under another WSGI server the
    body is read here in chunks, hashed and spooled (to disk past 1 MiB). Either way a
    body declared larger than ``max_body_bytes`` is refused with 413 unread, and a
    Lookout for Vision request with a body of unknown length with 411.

    Args:
        app: the application to protect.
        credentials: secret keys by access key ID; empty or ``None`` turns checks off.
        max_body_bytes: the largest request body accepted.
        max_skew: how far a request's signing time may be from the server's clock.
        region: the region a signature must be scoped to (``None``: any region).
    """

    def __init__(
        self,
        app: WSGIApplication,
        credentials: Mapping[str, str] | None = None,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_skew: timedelta = timedelta(minutes=15),
        region: str | None = "us-east-1",
    ) -> None:
        self.app = app
        self.credentials = dict(credentials or {})
        self.max_body_bytes = max_body_bytes
        self.max_skew = max_skew
        self.region = region

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Check the request, then hand it to the wrapped application."""
        raw_path, raw_query = _raw_target(environ)
        service = service_for_path(raw_path)
        text = str(environ.get("CONTENT_LENGTH") or "").strip()
        if text and (not text.isdigit() or not text.isascii()):
            return _refuse(start_response, raw_path, 400, "the Content-Length header is not valid")
        length = int(text) if text and len(text) <= 18 else (None if not text else -1)
        if length == -1 or (length is not None and length > self.max_body_bytes):
            return self._too_large(start_response, raw_path)
        chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
        if length is None and chunked and service == "lookoutvision":
            return _refuse(start_response, raw_path, 411, "a Content-Length header is required")
        digest = environ.get(BODY_SHA256)
        if digest is None and (chunked or self.credentials):
            spooled = _spool(environ, self.max_body_bytes, length)
            if spooled is None:
                return self._too_large(start_response, raw_path)
            digest = spooled
        if self.credentials:
            try:
                access_key = verify_request(
                    str(environ.get("REQUEST_METHOD", "GET")),
                    raw_path,
                    raw_query,
                    _headers(environ),
                    b"",
                    self.credentials,
                    max_skew=self.max_skew,
                    region=self.region,
                    payload_sha256=str(digest),
                )
            except AuthError as exc:
                _log.info("refused %s %s: %s", environ.get("REQUEST_METHOD"), raw_path, exc)
                return _refuse(start_response, raw_path, 403, exc.message)
            environ["lookout.access_key"] = access_key
        return self.app(environ, start_response)

    def _too_large(self, start_response: StartResponse, path: str) -> list[bytes]:
        message = (
            f"the request body is larger than the server's limit of {self.max_body_bytes} bytes"
        )
        return _refuse(start_response, path, 413, message)


def _refuse(start_response: StartResponse, path: str, status: int, message: str) -> list[bytes]:
    answer = refusal(path, status, message)
    start_response(answer.status_line, answer.headers)
    return [answer.body]


def _spool(environ: WSGIEnvironment, limit: int, length: int | None) -> str | None:
    """Read the body into a spool that replaces ``wsgi.input``; its SHA-256, or ``None``.

    ``None`` means the body holds more than ``limit`` bytes.
    """
    stream = environ.get("wsgi.input")
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115 - wsgi.input now
    digest = hashlib.sha256()
    size = 0
    wanted = limit + 1 if length is None else length
    while stream is not None and size < wanted:
        chunk = stream.read(min(_CHUNK, wanted - size))
        if not chunk:
            break
        size += len(chunk)
        digest.update(chunk)
        spool.write(chunk)
    if size > limit:
        spool.close()
        return None
    spool.seek(0)
    environ["wsgi.input"] = spool
    environ["CONTENT_LENGTH"] = str(size)
    return digest.hexdigest()


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


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = _text(value)
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers[key.replace("_", "-").lower()] = _text(value)
    return headers
