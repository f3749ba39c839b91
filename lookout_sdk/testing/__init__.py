"""Helpers for testing code that uses lookout_sdk, with no network.

:class:`InProcessTransport` answers a real boto3 client's HTTP requests in the same
process. It hooks botocore's ``before-send`` event, so everything above the socket is
real: parameter serialisation, signing, retries, response parsing and error handling.
Use it to script faults (throttling, 5xx, dropped connections) or to measure the SDK's
own overhead; use ``botocore.stub.Stubber`` to assert on parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

import attrs
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

if TYPE_CHECKING:
    from botocore.client import BaseClient

__all__ = ["InProcessTransport", "Reply", "error_reply", "json_reply"]


@attrs.frozen
class Reply:
    """An HTTP response to hand back to botocore."""

    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""


def json_reply(
    payload: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Reply:
    """A JSON response, as the service sends for every operation but errors."""
    head = {"Content-Type": "application/json", "x-amzn-RequestId": "local-request"}
    head.update(headers or {})
    return Reply(status=status, headers=head, body=json.dumps(payload).encode())


def error_reply(
    code: str,
    message: str,
    *,
    status: int,
    headers: Mapping[str, str] | None = None,
    **fields: Any,
) -> Reply:
    """An error response in the service's REST-JSON form."""
    head = {"x-amzn-ErrorType": code}
    head.update(headers or {})
    return json_reply({"message": message, **fields}, status=status, headers=head)


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


#: Answers one request; may also raise a botocore exception (a dropped connection).
Handler = Callable[[AWSPreparedRequest], Reply]


class InProcessTransport:
    """Answer a client's requests with ``handler`` instead of the network.

    Every request is kept in ``requests`` (method, URL, headers, body) for assertions.
    """

    def __init__(self, client: BaseClient, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[AWSPreparedRequest] = []
        self._event = f"before-send.{client.meta.service_model.service_id.hyphenize()}"
        # botocore's event hooks are typed as returning None, but a before-send handler
        # that returns a response is exactly how botocore lets one skip the network.
        self._events: Any = cast(Any, client.meta.events)
        self._events.register(self._event, self._send)

    def close(self) -> None:
        """Stop answering; requests go to the network again."""
        self._events.unregister(self._event, self._send)

    def _send(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        self.requests.append(request)
        reply = self.handler(request)
        headers: Any = dict(reply.headers)  # AWSResponse wraps it in its own header dict
        return AWSResponse(request.url, reply.status, headers, _Body(reply.body))
