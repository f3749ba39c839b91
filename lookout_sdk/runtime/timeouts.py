"""What ``timeout=`` means on every blocking call of the SDK.

Every call that waits takes ``timeout``, and it means the same everywhere:

* omitted (:data:`DEFAULT_TIMEOUT`): the operation's finite default, from the service's
  :class:`~lookout_sdk.PollingPolicy`;
* ``None``: no limit;
* a number: that many seconds.

:data:`DEFAULT_TIMEOUT` is a one-member enum, in the style of httpx's
``USE_CLIENT_DEFAULT``, so a type checker tells "not given" apart from ``None``.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Literal

from lookout_sdk.errors import InvalidInputError

if TYPE_CHECKING:
    from typing import TypeAlias

__all__ = ["DEFAULT_TIMEOUT", "DefaultTimeout", "Timeout", "check_timeout"]


class DefaultTimeout(enum.Enum):
    """The type of :data:`DEFAULT_TIMEOUT`: "use the operation's default timeout"."""

    DEFAULT = "DEFAULT"

    def __repr__(self) -> str:
        return "DEFAULT_TIMEOUT"


#: Wait as long as the operation's default timeout (always finite).
DEFAULT_TIMEOUT: Literal[DefaultTimeout.DEFAULT] = DefaultTimeout.DEFAULT

#: What ``timeout=`` takes: seconds, ``None`` for no limit, or :data:`DEFAULT_TIMEOUT`.
Timeout: TypeAlias = float | DefaultTimeout | None


def check_timeout(timeout: Timeout, *, parameter: str = "timeout") -> Timeout:
    """Return ``timeout`` if it is one :data:`Timeout` allows.

    Raises:
        InvalidInputError: a negative number, or something that is not a timeout.
    """
    if timeout is None or timeout is DEFAULT_TIMEOUT:
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        reason = f"must be a number of seconds, None or DEFAULT_TIMEOUT, not {timeout!r}"
        raise InvalidInputError.of(parameter, reason)
    if timeout < 0:
        raise InvalidInputError.of(parameter, f"must not be negative, not {timeout!r}")
    return timeout
