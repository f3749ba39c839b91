"""Every exception the SDK raises.

There is one root, :class:`LookoutError`. Below it:

* :class:`InvalidInputError` (also a :class:`ValueError`): a mistake the caller can fix,
  found before any request was sent. Nothing was sent; it is never retried.
* :class:`ServiceError`: the service (AWS or the local backend) answered with an error.
  There is one subclass per error code in the API definition, so callers can write
  ``except ResourceNotFoundError``. Each carries the fields the service sent back
  (resource id and type, quota and service codes, Retry-After) and the request id.
* :class:`WaitTimeoutError` (also a :class:`TimeoutError`) and
  :class:`OperationFailedError`: a long-running operation did not finish in time, or
  finished in a failed state. Both carry the last record the poller saw.

All of them pickle, so they cross process pools and task queues intact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from typing_extensions import Self

__all__ = [
    "AccessDeniedError",
    "BackendUnavailableError",
    "ConflictError",
    "ConnectionFailedError",
    "InternalServerError",
    "InvalidImageError",
    "InvalidInputError",
    "LookoutError",
    "MissingExtraError",
    "OperationFailedError",
    "PaginationError",
    "Problem",
    "ResourceNotFoundError",
    "ServiceError",
    "ServiceQuotaExceededError",
    "ThrottlingError",
    "ValidationError",
    "WaitTimeoutError",
]


class LookoutError(Exception):
    """Root of every error raised by lookout_sdk."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild from the message, then restore every attribute: subclasses add
        # keyword-only fields that the default ``Exception`` pickling would drop.
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls: type[LookoutError], message: str, state: dict[str, Any]) -> LookoutError:
    error = cls.__new__(cls)
    LookoutError.__init__(error, message)
    error.__dict__.update(state)
    return error


# ----------------------------------------------------------------------------- caller mistakes


class Problem:
    """One thing wrong with the caller's input: where and why.

    ``path`` says where: a parameter's dotted path, a file (a path or an S3 URI), or a
    manifest line (``"line 3"``, with ``line`` then giving its number, from 1).
    """

    __slots__ = ("line", "path", "reason")

    def __init__(self, path: str, reason: str, *, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line

    @classmethod
    def at_line(cls, line: int, reason: str) -> Problem:
        """A problem of manifest line ``line`` (numbered from 1)."""
        return cls(f"line {line}", reason, line=line)

    def __repr__(self) -> str:
        line = "" if self.line is None else f", line={self.line!r}"
        return f"Problem(path={self.path!r}, reason={self.reason!r}{line})"

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason

    def _key(self) -> tuple[str, str, int | None]:
        return (self.path, self.reason, self.line)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self) -> tuple[Any, ...]:
        return (_problem, self._key())


def _problem(path: str, reason: str, line: int | None) -> Problem:
    return Problem(path, reason, line=line)


class InvalidInputError(LookoutError, ValueError):
    """The caller's input breaks a rule of the API; no request was sent.

    ``problems`` lists every violation found, each with the parameter path and reason.
    """

    def __init__(self, operation: str, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.operation = operation
        self.problems = tuple(problems)
        lines = "; ".join(str(p) for p in self.problems)
        where = f"{operation}: " if operation else ""
        super().__init__(
            f"invalid input for {where}{lines}" if where else f"invalid input: {lines}"
        )

    @classmethod
    def of(cls, parameter: str, reason: str, *, operation: str = "") -> Self:
        """The error for one problem: ``parameter`` (a name or dotted path) and why."""
        return cls(operation, [Problem(parameter, reason)])


class InvalidImageError(InvalidInputError):
    """An image is not one the service accepts (format, size in pixels or bytes)."""


# ----------------------------------------------------------------------------- service errors


class ServiceError(LookoutError):
    """The service answered a request with an error.

    Attributes mirror the error response: ``code`` (for example ``ConflictException``),
    ``http_status``, ``request_id``, ``operation``, and the modelled fields
    ``resource_id``, ``resource_type``, ``quota_code``, ``service_code`` and
    ``retry_after`` (seconds, from the ``Retry-After`` header).
    """

    #: The error code of the API definition this class stands for ("" for the base).
    error_code: ClassVar[str] = ""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        operation: str = "",
        http_status: int | None = None,
        request_id: str | None = None,
        resource_id: str | None = None,
        resource_type: str | None = None,
        quota_code: str | None = None,
        service_code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.code = code or self.error_code
        self.operation = operation
        self.http_status = http_status
        self.request_id = request_id
        self.resource_id = resource_id
        self.resource_type = resource_type
        self.quota_code = quota_code
        self.service_code = service_code
        self.retry_after = retry_after
        super().__init__(message)

    def __str__(self) -> str:
        parts = [f"{self.code or 'Error'}"]
        if self.operation:
            parts.append(f" in {self.operation}")
        parts.append(f": {self.message}")
        details = []
        if self.resource_type or self.resource_id:
            details.append(f"resource {self.resource_type or '?'} {self.resource_id or '?'}")
        if self.quota_code:
            details.append(f"quota {self.quota_code}")
        if self.retry_after is not None:
            details.append(f"retry after {self.retry_after:g}s")
        if self.http_status is not None:
            details.append(f"HTTP {self.http_status}")
        details.append(f"request id {self.request_id or 'unknown'}")
        return "".join(parts) + " (" + ", ".join(details) + ")"


class AccessDeniedError(ServiceError):
    """The caller is not allowed to perform the operation (HTTP 403)."""

    error_code = "AccessDeniedException"


class ConflictError(ServiceError):
    """The resource is in a state that does not allow the operation (HTTP 409)."""

    error_code = "ConflictException"


class InternalServerError(ServiceError):
    """The service failed internally (HTTP 500); retried automatically."""

    error_code = "InternalServerException"


class ResourceNotFoundError(ServiceError):
    """The named project, dataset, model or packaging job does not exist (HTTP 404)."""

    error_code = "ResourceNotFoundException"


class ServiceQuotaExceededError(ServiceError):
    """A service quota would be exceeded (HTTP 402)."""

    error_code = "ServiceQuotaExceededException"


class ThrottlingError(ServiceError):
    """The request rate is too high (HTTP 429); retried automatically."""

    error_code = "ThrottlingException"


class ValidationError(ServiceError):
    """The service rejected the input (HTTP 400).

    Input the SDK can check locally raises :class:`InvalidInputError` before sending;
    this is what is left, such as a manifest the service could not read.
    """

    error_code = "ValidationException"


#: Error classes by the error code the service sends.
ERROR_CLASSES: Mapping[str, type[ServiceError]] = {
    cls.error_code: cls
    for cls in (
        AccessDeniedError,
        ConflictError,
        InternalServerError,
        ResourceNotFoundError,
        ServiceQuotaExceededError,
        ThrottlingError,
        ValidationError,
    )
}


class ConnectionFailedError(LookoutError):
    """The endpoint could not be reached, even after retries."""


class PaginationError(LookoutError):
    """The service returned a page token it had already returned (a listing loop)."""


class MissingExtraError(LookoutError, ModuleNotFoundError):
    """A feature needs an optional extra of lookout-sdk that is not installed.

    ``extra`` names the extra and ``install`` is the command that installs it.
    """

    def __init__(self, extra: str, reason: str, *, feature: str | None = None) -> None:
        self.extra = extra
        self.reason = reason
        self.install = f"pip install 'lookout-sdk[{extra}]'"
        what = feature or f"the {extra!r} extra"
        super().__init__(f"{what} is not available ({reason}); install it with: {self.install}")


class BackendUnavailableError(MissingExtraError):
    """A backend (such as the local one), or a package it needs, is not installed.

    ``backend`` names it; its extra has the same name.
    """

    def __init__(self, backend: str, reason: str) -> None:
        self.backend = backend
        super().__init__(backend, reason, feature=f"the {backend} backend (the {backend!r} extra)")


# ----------------------------------------------------------------------------- long-running work


class OperationFailedError(LookoutError):
    """A long-running operation ended in a failed state.

    ``status`` and ``status_message`` are what the service reported; ``record`` is the
    last description the poller received.
    """

    def __init__(
        self, message: str, *, operation: str, status: str, status_message: str | None, record: Any
    ) -> None:
        self.operation = operation
        self.status = status
        self.status_message = status_message
        self.record = record
        super().__init__(message)


class WaitTimeoutError(LookoutError, TimeoutError):
    """Waiting for a long-running operation ran past its timeout.

    The operation itself goes on in the service; ``record`` is the last description seen
    and ``status`` its status, and the poller can be waited on again.
    """

    def __init__(
        self, message: str, *, operation: str, status: str | None, timeout: float, record: Any
    ) -> None:
        self.operation = operation
        self.status = status
        self.timeout = timeout
        self.record = record
        super().__init__(message)
