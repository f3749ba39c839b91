"""Helpers for testing code that uses lookout_sdk, with no network.

:class:`InProcessTransport` answers a real boto3 client's HTTP requests in the same
process. It hooks botocore's ``before-send`` event, so everything above the socket is
real: parameter serialisation, signing, retries, response parsing and error handling.
Use it to script faults (throttling, 5xx, dropped connections) or to measure the SDK's
own overhead; use ``botocore.stub.Stubber`` to assert on parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.awsrequest import AWSPreparedRequest

from lookout_sdk.runtime.transport import BeforeSendHook, Reply

if TYPE_CHECKING:
    from botocore.client import BaseClient

__all__ = ["InProcessTransport", "Reply", "error_reply", "json_reply"]


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


#: Answers one request; may also raise a botocore exception (a dropped connection).
Handler = Callable[[AWSPreparedRequest], Reply]


class InProcessTransport(BeforeSendHook):
    """Answer a client's requests with ``handler`` instead of the network.

    Every request is kept in ``requests`` (method, URL, headers, body) for assertions.
    """

    def __init__(self, client: BaseClient, handler: Handler) -> None:
        self.requests: list[AWSPreparedRequest] = []

        def record(request: AWSPreparedRequest) -> Reply:
            self.requests.append(request)
            return handler(request)

        super().__init__(client, record)
