"""Waiting for long-running operations.

The service answers training, hosting, dataset imports and updates, deletions and
packaging at once and does the work afterwards; the API has no waiters. A
:class:`Poller` follows one such operation by describing the resource until its
status is terminal. It polls once at once, then backs off (the delay grows while the
status stays the same and starts again short when it changes), reports each change to
an ``on_status`` callback and the log, and ends with the final record or a typed error.

A poller is named by its resume token, so a later process (a CI job that did not start
the training, say) can go on waiting: ``LookoutVision.resume(token)``.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from lookout_sdk.errors import OperationFailedError, WaitTimeoutError

__all__ = ["Outcome", "Poller", "PollingPolicy", "decode_resume_token"]

_log = logging.getLogger("lookout_sdk.polling")
T = TypeVar("T")
_TOKEN_PREFIX = "lv1."


class Outcome:
    """Where an operation stands after one look: running, succeeded or failed."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@attrs.frozen
class PollingPolicy:
    """How often to look and how long to wait.

    Attributes:
        initial_delay: seconds before the second look.
        max_delay: the longest pause between looks.
        multiplier: growth of the pause while the status does not change.
        timeouts: default timeout in seconds per operation kind, for waits that do
            not name one. Every default is finite.
        default_timeout: the timeout for kinds not in ``timeouts``.
        sleep: the function that waits (tests pass a fake).
        clock: a monotonic clock in seconds (tests pass a fake).
    """

    initial_delay: float = 2.0
    max_delay: float = 60.0
    multiplier: float = 1.5
    timeouts: Mapping[str, float] = attrs.field(
        factory=lambda: {
            "train_model": 8 * 3600.0,
            "start_model": 3600.0,
            "stop_model": 3600.0,
            "delete_model": 3600.0,
            "create_dataset": 3600.0,
            "update_dataset": 3600.0,
            "delete_dataset": 3600.0,
            "package_model": 4 * 3600.0,
        }
    )
    default_timeout: float = 3600.0
    sleep: Callable[[float], None] = attrs.field(default=time.sleep, eq=False, repr=False)
    clock: Callable[[], float] = attrs.field(default=time.monotonic, eq=False, repr=False)

    @classmethod
    def quick(cls) -> PollingPolicy:
        """A policy for a backend on this machine, whose operations end in moments."""
        return cls(initial_delay=0.1, max_delay=1.0, multiplier=1.5)

    def timeout_for(self, kind: str) -> float:
        """The default timeout in seconds for operation ``kind``."""
        return self.timeouts.get(kind, self.default_timeout)


_UNSET: Any = object()


class Poller(Generic[T]):
    """Follows one long-running operation until its resource reaches a terminal status.

    Args:
        kind: the operation (``"train_model"``, ``"start_model"``…), used for default
            timeouts, messages and the resume token.
        identity: what names the resource (project, version, dataset type, job).
        fetch: describes the resource once and returns the record.
        outcome: tells from a record whether the operation is running, succeeded or
            failed.
        status_of: the status text of a record (for logs, callbacks and errors).
        message_of: the status message of a record, if any.
        policy: delays and default timeouts.
        initial: a record already in hand (from the call that started the operation).
        on_status: called with ``(status, record)`` each time a new status is seen.
    """

    def __init__(
        self,
        *,
        kind: str,
        identity: Mapping[str, str],
        fetch: Callable[[], T],
        outcome: Callable[[T], str],
        status_of: Callable[[T], str],
        message_of: Callable[[T], str | None],
        policy: PollingPolicy,
        initial: T = _UNSET,
        on_status: Callable[[str, T], None] | None = None,
    ) -> None:
        self.kind = kind
        self.identity = dict(identity)
        self._fetch = fetch
        self._outcome = outcome
        self._status_of = status_of
        self._message_of = message_of
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
        return f"Poller({self.kind}: {ids}, status={self._status!r})"

    # -- what is known without a request ------------------------------------------

    @property
    def resume_token(self) -> str:
        """An opaque text naming this operation; ``LookoutVision.resume`` rebuilds it."""
        payload = json.dumps({"kind": self.kind, **self.identity}, sort_keys=True)
        return _TOKEN_PREFIX + base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def status(self) -> str | None:
        """The status seen last (``None`` before the first look); sends no request."""
        return self._status

    @property
    def record(self) -> T | None:
        """The record seen last, or ``None`` before the first look."""
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

    def poll(self) -> str:
        """Describe the resource once (unless already finished); return the outcome."""
        if self._state == Outcome.RUNNING:
            self._observe(self._fetch())
        return self._state

    def done(self) -> bool:
        """Whether the operation has ended; looks once if it was still running."""
        return self.poll() != Outcome.RUNNING

    def wait(self, timeout: float | None = _UNSET) -> bool:
        """Block until the operation ends or ``timeout`` seconds pass; return ``done()``.

        Unlike :meth:`result`, this raises neither on failure nor on timeout.
        ``timeout=None`` waits without limit; by default the policy's timeout applies.
        """
        limit = self._policy.timeout_for(self.kind) if timeout is _UNSET else timeout
        deadline = None if limit is None else self._policy.clock() + limit
        delay = self._policy.initial_delay
        last_status = self._status
        while self.poll() == Outcome.RUNNING:
            if self._status != last_status:  # something moved: look again soon
                delay = self._policy.initial_delay
                last_status = self._status
            pause = delay
            if deadline is not None:
                remaining = deadline - self._policy.clock()
                if remaining <= 0:
                    return False
                pause = min(pause, remaining)
            self._policy.sleep(pause)
            delay = min(self._policy.max_delay, delay * self._policy.multiplier)
        return True

    def result(self, timeout: float | None = _UNSET) -> T:
        """Wait for the end and return the final record.

        Raises:
            WaitTimeoutError: ``timeout`` seconds passed first; the operation goes on
                and this poller can be waited on again.
            OperationFailedError: the operation ended in a failed status.
        """
        limit = self._policy.timeout_for(self.kind) if timeout is _UNSET else timeout
        if not self.wait(limit):
            raise WaitTimeoutError(
                f"{self.kind} did not finish within {limit:g}s; last status {self._status}",
                operation=self.kind,
                status=self._status,
                timeout=float(limit or 0.0),
                record=self.record,
            )
        if self._state == Outcome.FAILED:
            message = self._message_of(self._record)
            raise OperationFailedError(
                f"{self.kind} failed with status {self._status}"
                + (f": {message}" if message else ""),
                operation=self.kind,
                status=self._status or "",
                status_message=message,
                record=self._record,
            )
        return self._record

    def _observe(self, record: T) -> None:
        with self._lock:
            self._record = record
            status = self._status_of(record)
            changed = status != self._status
            self._status = status
            self._state = self._outcome(record)
            callbacks = self._callbacks if self._state != Outcome.RUNNING else []
            if callbacks:
                self._callbacks = []
        if changed:
            ids = " ".join(f"{k}={v}" for k, v in self.identity.items())
            _log.info("%s %s: status %s", self.kind, ids, status)
            for on_status in list(self._status_callbacks):
                on_status(status, record)
        for callback in callbacks:
            callback(self)


def decode_resume_token(token: str) -> dict[str, str]:
    """Read a resume token back into its operation kind and identity."""
    if not token.startswith(_TOKEN_PREFIX):
        raise ValueError(f"not a lookout_sdk resume token: {token!r}")
    body = token[len(_TOKEN_PREFIX) :]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"damaged resume token: {token!r}") from error
    if not isinstance(data, dict) or "kind" not in data:
        raise ValueError(f"damaged resume token: {token!r}")
    return {str(k): str(v) for k, v in data.items()}
