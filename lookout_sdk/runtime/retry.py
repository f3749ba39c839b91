"""Retrying calls the service could not answer now.

Clients run botocore in its ``standard`` retry mode. :class:`RetryPolicy`, with
tenacity, retries a call that failed with throttling, an internal or gateway error, or
an unreachable endpoint: it waits at least the ``Retry-After`` the service asked for,
backs off with jitter, logs a warning before each sleep, never runs past one overall
deadline, and in the end re-raises the last error.

The same policy retries the requests of the S3 client the service makes
(:meth:`RetryPolicy.attach`, :mod:`lookout_sdk.runtime.client_retry`): uploads,
imports, exports and downloads meet throttling and dropped connections as the Lookout
for Vision calls do. ``SlowDown``, ``RequestTimeout`` and HTTP 429 count as retryable
there too.

By default botocore makes one attempt per call (``botocore_max_attempts=1``) and this
layer does the retrying. botocore's own retries would answer a 429 at once, without
reading ``Retry-After``, outside the deadline and without a log line, and the two
layers' attempts would multiply. Raise ``botocore_max_attempts`` to let botocore also
retry quickly on its own; both layers send the same idempotency token on every attempt.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import attrs

from lookout_sdk._boundary import at_least, checked
from lookout_sdk.errors import (
    ConnectionFailedError,
    InternalServerError,
    LookoutError,
    ServiceError,
    ThrottlingError,
)

if TYPE_CHECKING:
    import tenacity
    from botocore.client import BaseClient

__all__ = ["RetryPolicy", "is_retryable"]

_log = logging.getLogger("lookout_sdk.retry")
T = TypeVar("T")

_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
#: Codes other services (S3 above all) answer for "try again" with other statuses.
_RETRYABLE_CODES = frozenset(
    {
        "RequestLimitExceeded",
        "RequestTimeout",
        "RequestTimeoutException",
        "SlowDown",
        "Throttling",
        "TooManyRequestsException",
    }
)


def is_retryable(error: BaseException) -> bool:
    """Whether trying the same call again may succeed."""
    if isinstance(error, (ThrottlingError, InternalServerError, ConnectionFailedError)):
        return True
    return isinstance(error, ServiceError) and (
        error.http_status in _RETRYABLE_STATUS or error.code in _RETRYABLE_CODES
    )


@checked
@attrs.frozen
class RetryPolicy:
    """How one logical call is retried.

    Attributes:
        max_attempts: attempts of the whole call, the first included (1 turns this
            layer off).
        deadline: seconds one logical call may take, all attempts and sleeps included;
            ``None`` for no limit.
        initial_backoff: the first back-off in seconds; it doubles after each attempt.
        max_backoff: the longest back-off in seconds, ``Retry-After`` aside.
        jitter: draw each back-off uniformly between half and all of its value.
        botocore_max_attempts: attempts botocore's ``standard`` mode makes within each
            attempt of this layer (1: botocore does not retry); Lookout for Vision
            calls only (the S3 client makes one per attempt of this policy).
        sleep: the function that waits (tests pass a fake).
        clock: a monotonic clock in seconds (tests pass a fake).
    """

    max_attempts: int = attrs.field(default=5, validator=at_least(1))
    deadline: float | None = attrs.field(default=120.0, validator=at_least(0, above=True))
    initial_backoff: float = attrs.field(default=0.5, validator=at_least(0))
    max_backoff: float = attrs.field(default=20.0, validator=at_least(0))
    jitter: bool = True
    botocore_max_attempts: int = attrs.field(default=1, validator=at_least(1))
    sleep: Callable[[float], None] = attrs.field(default=time.sleep, eq=False, repr=False)
    clock: Callable[[], float] = attrs.field(default=time.monotonic, eq=False, repr=False)

    def backoff(self, attempt: int, error: BaseException | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        base = min(self.max_backoff, self.initial_backoff * 2 ** (attempt - 1))
        if self.jitter:
            base = random.uniform(base / 2, base)
        retry_after = error.retry_after if isinstance(error, ServiceError) else None
        return float(max(base, retry_after or 0.0))

    def run(self, call: Callable[[], T], *, started: float, first_error: LookoutError) -> T:
        """Retry ``call`` after its first attempt failed with ``first_error``.

        The first attempt is made by the caller without this machinery, so a call
        that succeeds at once pays nothing for it; the caller also checks that
        ``first_error`` is retryable before coming here.
        """
        first = {"pending": True}

        def attempt() -> T:
            if first["pending"]:
                first["pending"] = False
                raise first_error
            return call()

        return self.retrying(started)(attempt)

    def retrying(self, started: float) -> tenacity.Retrying:
        """The tenacity ``Retrying`` that applies this policy to one call begun at ``started``.

        ``started`` is a reading of :attr:`clock`; the deadline counts from it.
        """
        import tenacity

        return tenacity.Retrying(
            retry=tenacity.retry_if_exception(is_retryable),
            stop=self._stop(started),
            wait=self._wait(started),
            sleep=self.sleep,
            before_sleep=_log_before_sleep,
            reraise=True,
        )

    def attach(self, client: BaseClient) -> None:
        """Retry every request of a boto3 ``client`` (an S3 client, say) by this policy.

        The policy's tenacity strategies decide inside botocore's own retry loop, so
        streamed bodies are rewound and each attempt is signed again. Give the client
        ``retries={"total_max_attempts": 1}`` so that botocore adds no attempts of its
        own; :meth:`LookoutVision.s3_client` does this for the client it makes. A client
        follows the first policy attached to it.
        """
        from lookout_sdk.runtime.client_retry import ClientRetries

        ClientRetries(self, client)

    def _remaining(self, started: float) -> float:
        if self.deadline is None:
            return float("inf")
        return self.deadline - (self.clock() - started)

    def _stop(self, started: float) -> Callable[[tenacity.RetryCallState], bool]:
        def stop(state: tenacity.RetryCallState) -> bool:
            error = state.outcome.exception() if state.outcome else None
            asked = error.retry_after if isinstance(error, ServiceError) else None
            remaining = self._remaining(started)
            # Give up when out of attempts or time, or when the service asks for a
            # longer pause than the deadline leaves.
            return (
                state.attempt_number >= self.max_attempts
                or remaining <= 0
                or (asked is not None and asked > remaining)
            )

        return stop

    def _wait(self, started: float) -> Callable[[tenacity.RetryCallState], float]:
        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return max(
                0.0, min(self.backoff(state.attempt_number, error), self._remaining(started))
            )

        return wait


def _log_before_sleep(state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    _log.warning(
        "attempt %d failed (%s); retrying in %.2fs",
        state.attempt_number,
        error,
        delay,
    )
