"""Waiting for long-running operations.

The service answers training, hosting, dataset imports and updates, deletions and
packaging at once and does the work afterwards; the API has no waiters. A
:class:`Poller` follows one such operation by describing the resource until its
status is terminal. It polls once at once, then backs off (the delay grows while the
status stays the same and starts again short when it changes), reports each change to
an ``on_status`` callback and the log, and ends with the final record or a typed error.
What each status means comes from :class:`~lookout_sdk.records.operations.Operation`;
the waiting itself is tenacity's, the same machinery as :class:`~lookout_sdk.RetryPolicy`.

A poller is named by its resume token, so a later process (a CI job that did not start
the training, say) can go on waiting: ``LookoutVision.resume(token)``.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeAlias, TypeVar, runtime_checkable

import attrs

from lookout_sdk._boundary import at_least, checked
from lookout_sdk._deprecation import warn_deprecated
from lookout_sdk.errors import InvalidInputError, OperationFailedError, WaitTimeoutError
from lookout_sdk.records.operations import Operation, Outcome
from lookout_sdk.runtime.timeouts import DEFAULT_TIMEOUT, Timeout, check_timeout

if TYPE_CHECKING:
    import tenacity

__all__ = [
    "Outcome",
    "Poller",
    "PollingPolicy",
    "StatusCallback",
    "StatusRecord",
    "decode_resume_token",
]

_log = logging.getLogger("lookout_sdk.polling")
_TOKEN_PREFIX = "lv1."
#: The status a poller reports once a deletion has removed its resource.
GONE = "DELETED"


@runtime_checkable
class StatusRecord(Protocol):
    """What a poller reads from a record: its status and status message."""

    @property
    def status(self) -> str:
        """The resource's status."""

    @property
    def status_message(self) -> str | None:
        """The service's explanation of the status, if any."""


T = TypeVar("T", bound="StatusRecord | None")
R = TypeVar("R")

#: What ``on_status`` takes: a function called with ``(status, record)`` on each change.
StatusCallback: TypeAlias = Callable[[str, R], None]


def _timeouts(value: Mapping[Operation | str, float]) -> Mapping[Operation | str, float]:
    out: dict[Operation | str, float] = {}
    for key, seconds in value.items():
        if not 0 < seconds < math.inf:
            reason = f"must be a finite number of seconds above 0, not {seconds!r}"
            raise InvalidInputError.of(f"timeouts[{str(key)!r}]", reason)
        try:
            out[Operation(key)] = float(seconds)
        except ValueError:  # a key of this SDK's future; kept as given
            out[key] = float(seconds)
    return out


@checked
@attrs.frozen
class PollingPolicy:
    """How often to look and how long to wait.

    Attributes:
        initial_delay: seconds before the second look.
        max_delay: the longest pause between looks.
        multiplier: growth of the pause while the status does not change.
        timeouts: default timeout in seconds per :class:`~lookout_sdk.Operation` (its
            name as a string is accepted too), for waits that do not name one; by
            default each operation's own. Every default is finite.
        default_timeout: the timeout for operations not in ``timeouts``.
        sleep: the function that waits (tests pass a fake).
        clock: a monotonic clock in seconds (tests pass a fake).
    """

    initial_delay: float = attrs.field(default=2.0, validator=at_least(0))
    max_delay: float = attrs.field(default=60.0, validator=at_least(0))
    multiplier: float = attrs.field(default=1.5, validator=at_least(1))
    timeouts: Mapping[Operation | str, float] = attrs.field(
        factory=lambda: {operation: operation.default_timeout for operation in Operation},
        converter=_timeouts,
    )
    default_timeout: float = attrs.field(default=3600.0, validator=at_least(0, above=True))
    sleep: Callable[[float], None] = attrs.field(default=time.sleep, eq=False, repr=False)
    clock: Callable[[], float] = attrs.field(default=time.monotonic, eq=False, repr=False)

    @classmethod
    def quick(cls) -> PollingPolicy:
        """A policy for a backend on this machine, whose operations end in moments."""
        return cls(initial_delay=0.1, max_delay=1.0, multiplier=1.5)

    def timeout_for(self, operation: Operation | str) -> float:
        """The default timeout in seconds for ``operation``."""
        return self.timeouts.get(operation, self.default_timeout)


_UNSET: Any = object()


class _Backoff:
    """The pause before each next look: short at first and after every change of status."""

    def __init__(
        self, status: Callable[[], str | None], policy: PollingPolicy, deadline: float | None
    ) -> None:
        self._current = status
        self._policy = policy
        self._deadline = deadline
        self._delay = policy.initial_delay
        self._status = status()

    def out_of_time(self, _: tenacity.RetryCallState) -> bool:
        return self._deadline is not None and self._deadline - self._policy.clock() <= 0

    def pause(self, _: tenacity.RetryCallState) -> float:
        if self._current() != self._status:  # something moved: look again soon
            self._delay = self._policy.initial_delay
            self._status = self._current()
        pause = self._delay
        if self._deadline is not None:
            pause = min(pause, self._deadline - self._policy.clock())
        self._delay = min(self._policy.max_delay, self._delay * self._policy.multiplier)
        return pause


@checked
class Poller(Generic[T]):
    """Follows one long-running operation until its resource reaches a terminal status.

    Resources make pollers (``model.start()``, ``model.poller(...)``…); their
    subclasses also hold the resource's handle.

    Args:
        operation: the operation followed: it says what each status means, and gives
            the default timeout and the resume token's name.
        identity: what names the resource (project, version, dataset type, job).
        fetch: describes the resource once and returns the record (``None`` once a
            deletion has removed it).
        policy: delays and default timeouts.
        initial: a record already in hand (from the call that started the operation).
        on_status: called with ``(status, record)`` each time a new status is seen.
    """

    def __init__(
        self,
        *,
        operation: Operation,
        identity: Mapping[str, str],
        fetch: Callable[[], T],
        policy: PollingPolicy,
        initial: T = _UNSET,
        on_status: Callable[[str, T], None] | None = None,
    ) -> None:
        self.operation = operation
        self.identity = dict(identity)
        self._fetch = fetch
        self._policy = policy
        self._status_callbacks: list[Callable[[str, T], None]] = [on_status] if on_status else []
        self._lock = threading.RLock()
        self._callbacks: list[Callable[[Poller[T]], None]] = []
        self._record: T = _UNSET
        self._status: str | None = None
        self._state = Outcome.RUNNING
        if initial is not _UNSET:
            self._observe(initial)

    def __repr__(self) -> str:
        ids = ", ".join(f"{k}={v!r}" for k, v in self.identity.items())
        return f"{type(self).__name__}({self.operation}: {ids}, status={self._status!r})"

    # -- what is known without a request ------------------------------------------

    @property
    def kind(self) -> str:
        """Deprecated: the operation's name; use :attr:`operation`."""
        warn_deprecated("Poller.kind", "Poller.operation")
        return self.operation.value

    @property
    def resume_token(self) -> str:
        """An opaque text naming this operation; ``LookoutVision.resume`` rebuilds it."""
        payload = json.dumps({"kind": self.operation.value, **self.identity}, sort_keys=True)
        return _TOKEN_PREFIX + base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def status(self) -> str | None:
        """The status seen last (``None`` before the first look); sends no request.

        After a deletion it is ``"DELETED"``.
        """
        return self._status

    @property
    def record(self) -> T | None:
        """The record seen last, or ``None`` before the first look (or once deleted)."""
        return None if self._record is _UNSET else self._record

    def add_done_callback(self, callback: Callable[[Poller[T]], None]) -> None:
        """Call ``callback(poller)`` once the operation ends (at once if it has)."""
        with self._lock:
            if self._state == Outcome.RUNNING:
                self._callbacks.append(callback)
                return
        callback(self)

    def add_status_callback(self, callback: Callable[[str, T], None]) -> None:
        """Also call ``callback(status, record)`` each time a new status is seen."""
        with self._lock:
            self._status_callbacks.append(callback)

    # -- looking ------------------------------------------------------------------

    def poll(self) -> Outcome:
        """Describe the resource once (unless already finished); return the outcome."""
        if self._state == Outcome.RUNNING:
            self._observe(self._fetch())
        return self._state

    def done(self) -> bool:
        """Whether the operation has ended; looks once if it was still running."""
        return self.poll() != Outcome.RUNNING

    def wait(self, timeout: Timeout = DEFAULT_TIMEOUT) -> bool:
        """Block until the operation ends or ``timeout`` seconds pass; return ``done()``.

        Unlike :meth:`result`, this raises neither on failure nor on timeout.
        ``timeout`` omitted: the operation's default (see :class:`PollingPolicy`);
        ``None``: no limit; a number: that many seconds.
        """
        import tenacity

        limit = self._limit(timeout)
        deadline = None if limit is None else self._policy.clock() + limit
        backoff = _Backoff(self.status, self._policy, deadline)
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_result(lambda outcome: outcome is Outcome.RUNNING),
            stop=backoff.out_of_time,
            wait=backoff.pause,
            sleep=self._policy.sleep,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )
        return retrying(self.poll) is not Outcome.RUNNING

    def result(self, timeout: Timeout = DEFAULT_TIMEOUT) -> T:
        """Wait for the end and return the final record (``None`` for a deletion).

        ``timeout`` as for :meth:`wait`.

        Raises:
            WaitTimeoutError: ``timeout`` seconds passed first; the operation goes on
                and this poller can be waited on again.
            OperationFailedError: the operation ended in a failed status.
        """
        limit = self._limit(timeout)
        if not self.wait(limit):
            raise WaitTimeoutError(
                f"{self.operation} did not finish within {limit:g}s; last status {self._status}",
                operation=self.operation.value,
                status=self._status,
                timeout=float(limit or 0.0),
                record=self.record,
            )
        if self._state == Outcome.FAILED:
            message = None if self._record is None else self._record.status_message
            raise OperationFailedError(
                f"{self.operation} failed with status {self._status}"
                + (f": {message}" if message else ""),
                operation=self.operation.value,
                status=self._status or "",
                status_message=message,
                record=self._record,
            )
        return self._record

    def _limit(self, timeout: Timeout) -> float | None:
        check_timeout(timeout)
        if timeout is DEFAULT_TIMEOUT:
            return self._policy.timeout_for(self.operation)
        return timeout

    def _observe(self, record: T) -> None:
        with self._lock:
            self._record = record
            status = GONE if record is None else str(record.status)
            changed = status != self._status
            self._status = status
            self._state = self.operation.outcome(None if record is None else record.status)
            callbacks = self._callbacks if self._state != Outcome.RUNNING else []
            if callbacks:
                self._callbacks = []
        if changed:
            ids = " ".join(f"{k}={v}" for k, v in self.identity.items())
            _log.info("%s %s: status %s", self.operation, ids, status)
            for on_status in list(self._status_callbacks):
                on_status(status, record)
        for callback in callbacks:
            callback(self)


def decode_resume_token(token: str) -> dict[str, str]:
    """Read a resume token back into its operation's name (``kind``) and identity.

    Raises:
        InvalidInputError: the text is not a resume token, or a damaged one.
    """
    if not isinstance(token, str) or not token.startswith(_TOKEN_PREFIX):
        raise InvalidInputError.of("token", f"is not a lookout_sdk resume token: {token!r}")
    body = token[len(_TOKEN_PREFIX) :]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInputError.of("token", f"is a damaged resume token: {token!r}") from error
    if not isinstance(data, dict) or "kind" not in data:
        raise InvalidInputError.of("token", f"is a damaged resume token: {token!r}")
    return {str(k): str(v) for k, v in data.items()}
