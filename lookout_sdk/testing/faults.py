"""A fault proxy: a transport that makes a share of requests fail, as networks and servers do.

:class:`FaultInjector` wraps another transport (the local backend's in-process WSGI
transport, say) and, for a seeded random share of the requests it is handed, answers
with a fault instead of, or after, passing the request on:

* ``throttle``: 429 ``ThrottlingException`` (Lookout for Vision) or 503 ``SlowDown``
  (S3), with a ``Retry-After`` header;
* ``server_error``: 500 ``InternalServerException`` or ``InternalError``;
* ``reset_before``: the connection drops before the server saw the request;
* ``reset_after``: the server acted on the request, then the connection dropped and its
  answer was lost.

Errors come in the form of the service the request was signed for (JSON with an
``x-amzn-ErrorType`` header, or S3's XML), so the clients parse them as the real ones.
:attr:`FaultInjector.injected` counts the faults by kind and :attr:`~FaultInjector.passed`
the requests the inner transport answered.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
from collections import Counter
from collections.abc import Sequence
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ConnectionClosedError

from lookout_sdk._boundary import checked
from lookout_sdk.errors import InvalidInputError
from lookout_sdk.runtime.transport import Reply, Transport

__all__ = ["FAULT_KINDS", "FaultInjector"]

#: Every kind of fault :class:`FaultInjector` makes.
FAULT_KINDS = ("throttle", "server_error", "reset_before", "reset_after")
_SCOPE = re.compile(r"Credential=[^/,]+/[^/,]+/[^/,]+/([^/,]+)/aws4_request")
#: Per service: (status, code) of a throttle and of a server error.
_S3_FAULTS = {"throttle": (503, "SlowDown"), "server_error": (500, "InternalError")}
_JSON_FAULTS = {
    "throttle": (429, "ThrottlingException"),
    "server_error": (500, "InternalServerException"),
}


@checked
class FaultInjector:
    """A transport that passes requests to ``inner``, failing a seeded share of them.

    Args:
        inner: the transport that answers the requests that get through.
        rate: the share of requests that meet a fault (0 to 1).
        kinds: the kinds of fault to choose from, evenly (see :data:`FAULT_KINDS`).
        retry_after: the whole seconds a throttle asks the client to wait (the API's
            ``RetryAfterSeconds`` is an integer).
        seed: seeds the draws, so a run can be repeated (thread scheduling aside).
        once_per_request: a request that met a fault passes when it is sent again (the
            same method, URL and body: a retry); with ``rate=1`` and
            ``kinds=["reset_after"]``, every request is acted on twice, its first answer
            lost, which tests that retries are idempotent.
    """

    def __init__(
        self,
        inner: Transport,
        *,
        rate: float = 0.3,
        kinds: Sequence[str] = FAULT_KINDS,
        retry_after: int = 1,
        seed: int = 0,
        once_per_request: bool = False,
    ) -> None:
        if not 0 <= rate <= 1:
            raise InvalidInputError.of("rate", f"must be between 0 and 1, not {rate!r}")
        unknown = sorted(set(kinds) - set(FAULT_KINDS))
        if unknown or not kinds:
            raise InvalidInputError.of("kinds", f"must be some of {FAULT_KINDS}, not {kinds!r}")
        if retry_after < 0:
            raise InvalidInputError.of("retry_after", f"must be 0 or more, not {retry_after!r}")
        self.inner = inner
        self.rate = rate
        self.kinds = tuple(kinds)
        self.retry_after = retry_after
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._met_fault: set[bytes] | None = set() if once_per_request else None
        #: Faults made so far, by kind.
        self.injected: Counter[str] = Counter()
        #: Requests the inner transport answered (``reset_after`` ones included).
        self.passed = 0
        #: ``(kind, method, path)`` of each fault, in order.
        self.faulted: list[tuple[str, str, str]] = []

    def handle(self, request: AWSPreparedRequest) -> Reply:
        """Answer ``request``: through the inner transport, or with a fault."""
        with self._lock:
            fault = self._random.choice(self.kinds) if self._random.random() < self.rate else None
            if fault is not None and self._met_fault is not None:
                identity = _identity(request)
                fault = None if identity in self._met_fault else fault
                self._met_fault.add(identity)
            if fault is not None:
                self.injected[fault] += 1
                self.faulted.append((fault, str(request.method), urlsplit(request.url).path))
        if fault == "reset_before":
            raise ConnectionClosedError(endpoint_url=request.url)
        if fault in ("throttle", "server_error"):
            return self._error(request, fault)
        reply = self.inner.handle(request)
        with self._lock:
            self.passed += 1
        if fault == "reset_after":
            raise ConnectionClosedError(endpoint_url=request.url)
        return reply

    def close(self) -> None:
        """Close the inner transport, if it has a ``close()``."""
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    @property
    def total(self) -> int:
        """How many faults were made."""
        return sum(self.injected.values())

    def _error(self, request: AWSPreparedRequest, fault: str) -> Reply:
        headers = {"x-amzn-RequestId": "fault-injector"}
        if fault == "throttle":
            headers["Retry-After"] = str(self.retry_after)
        authorization = request.headers.get("Authorization", b"")
        text = authorization.decode() if isinstance(authorization, bytes) else str(authorization)
        scope = _SCOPE.search(text)
        message = f"injected fault: {fault}"
        if scope is not None and scope.group(1) == "s3":
            status, code = _S3_FAULTS[fault]
            body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
            return Reply(status, {**headers, "Content-Type": "application/xml"}, body.encode())
        status, code = _JSON_FAULTS[fault]
        headers.update({"x-amzn-ErrorType": code, "Content-Type": "application/json"})
        return Reply(status, headers, f'{{"message": "{message}"}}'.encode())


def _identity(request: AWSPreparedRequest) -> bytes:
    """What a request and its retries share: method, URL and the digest of the body.

    A streamed body is left unread (the inner transport reads it): its URL names it.
    """
    body: object = request.body
    data = body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else b""
    return f"{request.method} {request.url} {hashlib.sha256(data).hexdigest()}".encode()
