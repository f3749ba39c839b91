"""The one path every request takes: check, add a token, send, translate, retry.

:class:`Invoker` sits between the resource classes and the boto3 client. For each
call it checks the parameters against the API definition (nothing is sent when they
break a rule), makes the idempotency token once when the operation takes one, sends
the request through the client, turns botocore's exceptions into the SDK's, and hands
retryable failures to the :class:`~lookout_sdk.runtime.retry.RetryPolicy`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore import xform_name
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachable

from lookout_sdk.api.validation import check_params
from lookout_sdk.errors import (
    ERROR_CLASSES,
    ConnectionFailedError,
    InvalidInputError,
    LookoutError,
    ServiceError,
)
from lookout_sdk.runtime.retry import RetryPolicy, is_retryable
from lookout_sdk.runtime.tokens import new_client_token

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.model import OperationModel

__all__ = ["Invoker", "translate_error"]

_TOKEN = "ClientToken"


class _Operation:
    __slots__ = ("method", "model", "takes_token")

    def __init__(self, model: OperationModel, method: Callable[..., Any]) -> None:
        self.model = model
        self.method = method
        shape = model.input_shape
        self.takes_token = shape is not None and _TOKEN in shape.members


class Invoker:
    """Send operations of one boto3 client with validation, tokens and retries."""

    def __init__(self, client: BaseClient, retry: RetryPolicy) -> None:
        self.client = client
        self.retry = retry
        self._operations: dict[str, _Operation] = {}

    def _operation(self, name: str) -> _Operation:
        operation = self._operations.get(name)
        if operation is None:
            model = self.client.meta.service_model.operation_model(name)
            operation = _Operation(model, getattr(self.client, xform_name(name)))
            self._operations[name] = operation
        return operation

    def call(
        self, name: str, params: dict[str, Any], *, client_token: str | None = None
    ) -> dict[str, Any]:
        """Send operation ``name`` (for example ``"DescribeModel"``) and return its response.

        ``None`` values in ``params`` are dropped. When the operation takes a
        ``ClientToken``, ``client_token`` (or a new one) is sent on every attempt.
        """
        operation = self._operation(name)
        params = {key: value for key, value in params.items() if value is not None}
        if operation.takes_token:
            params[_TOKEN] = client_token or params.get(_TOKEN) or new_client_token()
        elif client_token is not None:
            reason = "is not taken by this operation"
            raise InvalidInputError.of("client_token", reason, operation=name)
        check_params(operation.model, params)
        method = operation.method

        def send() -> dict[str, Any]:
            try:
                response: dict[str, Any] = method(**params)
            except (ClientError, HTTPClientError, EndpointUnreachable) as error:
                raise translate_error(error, name) from error
            return response

        started = self.retry.clock()
        try:
            return send()
        except LookoutError as error:
            if not is_retryable(error) or self.retry.max_attempts == 1:
                raise
            return self.retry.run(send, started=started, first_error=error)


def _number(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def translate_error(error: Exception, operation: str) -> LookoutError:
    """Turn a botocore exception into the SDK's matching :class:`LookoutError`."""
    if not isinstance(error, ClientError):
        return ConnectionFailedError(f"{operation}: could not reach the endpoint: {error}")
    response: Mapping[str, Any] = error.response
    info: Mapping[str, Any] = response.get("Error", {})
    meta: Mapping[str, Any] = response.get("ResponseMetadata", {})
    headers: Mapping[str, Any] = meta.get("HTTPHeaders", {})
    code = str(info.get("Code", "")) or "Unknown"

    def field(name: str) -> Any:
        # Modelled members arrive at the top level (or inside "Error" for some parsers).
        value = response.get(name)
        return info.get(name) if value is None else value

    retry_after = _number(field("RetryAfterSeconds"))
    if retry_after is None:
        retry_after = _number(headers.get("retry-after"))
    cls = ERROR_CLASSES.get(code, ServiceError)
    return cls(
        str(info.get("Message") or field("Message") or error),
        code=code,
        operation=operation,
        http_status=meta.get("HTTPStatusCode"),
        request_id=meta.get("RequestId") or headers.get("x-amzn-requestid"),
        resource_id=field("ResourceId"),
        resource_type=field("ResourceType"),
        quota_code=field("QuotaCode"),
        service_code=field("ServiceCode"),
        retry_after=retry_after,
    )
