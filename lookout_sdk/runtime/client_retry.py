"""A :class:`~lookout_sdk.RetryPolicy` applied to every request of a plain boto3 client.

The Lookout for Vision calls go through the :class:`~lookout_sdk.runtime.invoker.Invoker`,
which retries whole calls. The S3 client that dataset imports, exports and downloads use
is a plain boto3 client, called from many places (and from s3transfer's threads), so
its requests are retried where botocore retries: the ``needs-retry`` event, emitted
after every attempt. There the policy's own tenacity strategies decide (whether the
failure is retryable, whether attempts or the deadline are used up, how long to wait,
``Retry-After`` included) and the policy's ``sleep`` waits. botocore then rewinds a
streamed body and signs the request again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import tenacity
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachable

from lookout_sdk.runtime.invoker import translate_error

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from lookout_sdk.errors import LookoutError
    from lookout_sdk.runtime.retry import RetryPolicy

__all__ = ["ClientRetries"]

#: Where the start of a logical call is kept in botocore's request context.
_STARTED = "lookout_sdk_started"


class ClientRetries:
    """Retry ``client``'s requests by ``policy`` from now on (see the module's text).

    A client follows the first policy attached to it.
    """

    def __init__(self, policy: RetryPolicy, client: BaseClient) -> None:
        self.policy = policy
        service = client.meta.service_model.service_id.hyphenize()
        events: Any = client.meta.events
        # Named hooks: attaching again (any policy) keeps the first, never doubles pauses.
        for event, handler in (("before-call", self._start), ("needs-retry", self._needs_retry)):
            events.register_first(f"{event}.{service}", handler, unique_id=f"lookout_sdk-{event}")

    def _start(self, context: dict[str, Any], **_: Any) -> None:
        context[_STARTED] = self.policy.clock()

    def _needs_retry(
        self,
        response: tuple[Any, dict[str, Any]] | None,
        attempts: int,
        caught_exception: Exception | None,
        operation: Any,
        request_dict: dict[str, Any],
        **_: Any,
    ) -> float | None:
        """``None`` to stop (botocore then returns or raises), else a pause (0: we slept)."""
        error = _failure(response, caught_exception, operation.name)
        if error is None:
            return None
        context = request_dict.get("context", {})
        retrying = self.policy.retrying(context.get(_STARTED, self.policy.clock()))
        state = tenacity.RetryCallState(retrying, fn=None, args=(), kwargs={})
        state.attempt_number = attempts
        state.set_exception((type(error), error, None))
        if not retrying.retry(state) or retrying.stop(state):
            return None
        pause = retrying.wait(state)
        state.next_action = tenacity.RetryAction(pause)
        if retrying.before_sleep is not None:
            retrying.before_sleep(state)
        self.policy.sleep(pause)
        return 0.0


def _failure(
    response: tuple[Any, dict[str, Any]] | None,
    caught: Exception | None,
    operation: str,
) -> LookoutError | None:
    """The SDK's error for a failed attempt; ``None`` for a success or a redirect."""
    if isinstance(caught, (HTTPClientError, EndpointUnreachable)):
        return translate_error(caught, operation)
    if caught is not None or response is None:
        return None  # not a transport failure: botocore raises it as it is
    http, parsed = response
    if http.status_code < 400:
        return None
    return translate_error(ClientError(cast(Any, parsed), operation), operation)
