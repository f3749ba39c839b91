"""Answering a boto3 client's requests in this process, below the client.

botocore emits ``before-send`` just before a request would go on the wire; a handler
that returns a response skips the network. :class:`BeforeSendHook` does that for a
function from a prepared request to a :class:`Reply`, so serialisation, signing,
retries, parsing and error handling above it all run for real.

A :class:`Transport` is any object with such a ``handle`` method. Pass one as
``LookoutVision(transport=...)`` (as httpx takes ``transport=``) and it answers the
service's Lookout for Vision client and the S3 client the service makes: the local
backend plugs in this way, and so does :class:`lookout_sdk.testing.InProcessTransport`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

import attrs
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from lookout_sdk._boundary import checked

if TYPE_CHECKING:
    from botocore.client import BaseClient

__all__ = ["PLACEHOLDER_ENDPOINT", "BeforeSendHook", "Reply", "Transport", "request_body"]

#: The endpoint clients name when a transport answers them and no endpoint is given;
#: nothing is ever sent to it.
PLACEHOLDER_ENDPOINT = "http://lookout.localhost"


@checked
@attrs.frozen
class Reply:
    """An HTTP response to hand back to botocore."""

    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""


@runtime_checkable
class Transport(Protocol):
    """Answers prepared requests in this process instead of the network.

    ``handle`` may also raise a botocore exception (a dropped connection, say). A
    transport may have a ``close()`` method; the service calls it when it is closed.
    """

    def handle(self, request: AWSPreparedRequest) -> Reply:
        """Answer one request."""
        ...


class _RawBody(io.BytesIO):
    """What botocore reads a response from: ``read()`` (streams) or ``stream()``."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.read()


def request_body(request: AWSPreparedRequest) -> bytes:
    """The body of a prepared request as bytes, whatever form botocore left it in."""
    body: Any = request.body
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    data = body.read()  # a file-like streaming body
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


class BeforeSendHook:
    """Answer every request of ``client`` with ``handler`` until :meth:`close`.

    Args:
        client: the boto3 client whose requests are answered.
        handler: makes the reply; it may raise a botocore exception instead (a
            dropped connection, say).
        first: register ahead of other ``before-send`` handlers (such as moto's).
    """

    def __init__(
        self,
        client: BaseClient,
        handler: Callable[[AWSPreparedRequest], Reply],
        *,
        first: bool = False,
    ) -> None:
        self.handler = handler
        self._event = f"before-send.{client.meta.service_model.service_id.hyphenize()}"
        # botocore types event hooks as returning None, but a before-send handler that
        # returns a response is exactly how botocore lets one skip the network.
        self._events: Any = cast(Any, client.meta.events)
        register = self._events.register_first if first else self._events.register
        register(self._event, self._send)

    def close(self) -> None:
        """Stop answering; requests go to the network again."""
        self._events.unregister(self._event, self._send)

    def _send(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        reply = self.handler(request)
        headers: Any = dict(reply.headers)  # AWSResponse wraps it in its own header dict
        return AWSResponse(request.url, reply.status, headers, _RawBody(reply.body))
