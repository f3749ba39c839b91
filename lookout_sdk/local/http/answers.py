"""Error answers in each API's own form, for refusals made before the application runs.

The server refuses some requests itself: unsigned or badly signed ones, bodies over the
limit, requests that arrive too slowly, requests it cannot parse. Each refusal is
answered the way the API the request was meant for answers its errors, so that a
client (botocore) parses it as a service error with a code and a request id, and
does not retry what will fail again:

* Lookout for Vision paths (``/2020-11-20/...``): a REST-JSON body
  ``{"message": ...}`` with ``x-amzn-ErrorType`` and ``x-amzn-RequestId`` headers;
* every other path (S3): an XML ``<Error>`` document with its ``<RequestId>``, and
  ``x-amz-request-id``.
"""

from __future__ import annotations

import logging

import attrs

from lookout_sdk.local.http.auth import service_for_path
from lookout_sdk.local.objects.errors import ObjectStoreError
from lookout_sdk.local.objects.s3_api import error_document
from lookout_sdk.local.objects.s3_api import new_request_id as s3_request_id
from lookout_sdk.local.service.errors import ApiError
from lookout_sdk.local.service.router import error_answer
from lookout_sdk.local.service.router import new_request_id as lookout_request_id

__all__ = ["REASONS", "Refusal", "refusal", "sniff_path"]

_log = logging.getLogger("lookout_sdk.local")

#: Reason phrases of the statuses the server answers by itself.
REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
    507: "Insufficient Storage",
}

# The error code each API answers a refusal of that status with (S3 answers a slow
# request with 400 RequestTimeout, and headers too large with 400).
_LOOKOUT_CODES = {
    403: "AccessDeniedException",
    408: "RequestTimeoutException",
    500: "InternalServerException",
    503: "ThrottlingException",
}
_S3_CODES = {
    403: ("AccessDenied", 403),
    408: ("RequestTimeout", 400),
    411: ("MissingContentLength", 411),
    413: ("EntityTooLarge", 413),
    431: ("RequestHeaderSectionTooLarge", 400),
    500: ("InternalError", 500),
    503: ("SlowDown", 503),
}


@attrs.frozen
class Refusal:
    """A complete error answer: status line, headers and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    request_id: str

    @property
    def status_line(self) -> str:
        """The status and its reason phrase, as WSGI's ``start_response`` takes them."""
        return f"{self.status} {REASONS.get(self.status, 'Error')}"


def refusal(path: str, status: int, message: str, *, close: bool = False) -> Refusal:
    """The answer refusing a request to ``path`` (still percent-encoded) with ``status``.

    ``close`` adds ``Connection: close``, for refusals after which the rest of the
    request cannot be read (a body left unread, a request that cannot be parsed).
    """
    if service_for_path(path) == "lookoutvision":
        code = _LOOKOUT_CODES.get(status, "ValidationException")
        request_id = lookout_request_id()
        answer = error_answer(ApiError(code, status, message), request_id)
        headers = list(answer.headers.items())
        body = answer.body
    else:
        s3_code, status = _S3_CODES.get(status, ("InvalidRequest", 400))
        request_id = s3_request_id()
        error = ObjectStoreError(message, code=s3_code, http_status=status)
        body = error_document(error, request_id)
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    headers.append(("Content-Length", str(len(body))))
    if close:
        headers.append(("Connection", "close"))
    if status >= 500:
        _log.error("request %s to %s failed: %s", request_id, path, message)
    return Refusal(status, headers, body, request_id)


def sniff_path(head: bytes) -> str:
    """The target path of the request line at the start of ``head`` ("/" if none is seen).

    For answering requests that could not be parsed: the path still tells which API
    the client meant to call.
    """
    line = head.split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    parts = line.split(b" ")
    if len(parts) >= 2 and parts[1].startswith(b"/"):
        return parts[1].split(b"?", 1)[0].decode("latin-1")
    return "/"
