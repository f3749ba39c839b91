"""Helpers for testing code that uses lookout_sdk, with no network.

:class:`InProcessTransport` answers a real boto3 client's HTTP requests in the same
process. Pass it as ``LookoutVision(transport=InProcessTransport(handler))``, or attach it
to any client: it hooks botocore's ``before-send`` event, so everything above the socket
is real: parameter serialisation, signing, retries, response parsing and error handling.
Use it to script faults (throttling, 5xx, dropped connections) or to measure the SDK's
own overhead; use ``botocore.stub.Stubber`` to assert on parameters. :class:`FaultInjector`
wraps any transport (the local backend's, say) and fails a seeded share of its requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, overload

from botocore.awsrequest import AWSPreparedRequest

from lookout_sdk._boundary import checked
from lookout_sdk.errors import InvalidInputError
from lookout_sdk.runtime.transport import BeforeSendHook, Reply
from lookout_sdk.testing.faults import FAULT_KINDS, FaultInjector

if TYPE_CHECKING:
    from botocore.client import BaseClient

__all__ = [
    "FAULT_KINDS",
    "FaultInjector",
    "InProcessTransport",
    "Reply",
    "error_reply",
    "json_reply",
]


@checked
def json_reply(
    payload: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Reply:
    """A JSON response, as the service sends for every operation but errors."""
    head = {"Content-Type": "application/json", "x-amzn-RequestId": "local-request"}
    head.update(headers or {})
    return Reply(status=status, headers=head, body=json.dumps(payload).encode())


@checked
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


#: Answers one request; may also raise a botocore exception (a dropped connection).
Handler = Callable[[AWSPreparedRequest], Reply]


@checked
class InProcessTransport:
    """Answer requests with ``handler`` instead of the network.

    A :class:`~lookout_sdk.runtime.transport.Transport`: give it to
    ``LookoutVision(transport=...)``, or to :meth:`attach` for any client.
    ``InProcessTransport(client, handler)`` attaches to ``client`` at once. Every request
    is kept in ``requests`` (method, URL, headers, body) for assertions.
    """

    @overload
    def __init__(self, handler: Handler, /) -> None: ...

    @overload
    def __init__(self, client: BaseClient, handler: Handler, /) -> None: ...

    def __init__(self, *args: Any) -> None:
        if len(args) not in (1, 2):
            raise InvalidInputError.of("args", "give a handler, or a client and a handler")
        *client, handler = args
        self.handler: Handler = handler
        self.requests: list[AWSPreparedRequest] = []
        self._hooks: list[BeforeSendHook] = []
        if client:
            self.attach(client[0])

    def handle(self, request: AWSPreparedRequest) -> Reply:
        """Record ``request`` and answer it with the handler."""
        self.requests.append(request)
        return self.handler(request)

    def attach(self, client: BaseClient) -> BeforeSendHook:
        """Answer ``client``'s requests from now on, until :meth:`close`."""
        hook = BeforeSendHook(client, self.handle, first=True)
        self._hooks.append(hook)
        return hook

    def close(self) -> None:
        """Stop answering the clients this transport was attached to."""
        while self._hooks:
            self._hooks.pop().close()
