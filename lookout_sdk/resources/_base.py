"""What every resource handle shares: the service it talks through."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from lookout_sdk.errors import ResourceNotFoundError
from lookout_sdk.runtime.polling import Outcome, Poller

if TYPE_CHECKING:
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["Taggable", "describe_or_none", "make_poller", "status_outcome"]

T = TypeVar("T")


def describe_or_none(describe: Callable[[], T]) -> T | None:
    """Run ``describe``; ``None`` when the resource does not exist."""
    try:
        return describe()
    except ResourceNotFoundError:
        return None


def status_outcome(status: Any, *, running: frozenset[str], succeeded: frozenset[str]) -> str:
    """Classify a status: running, succeeded, or (anything else it knows) failed.

    A status this version of the SDK does not know counts as still running, so a
    value the service adds later makes a wait time out rather than fail at once.
    """
    if status in running or not getattr(status, "is_known", True):
        return Outcome.RUNNING
    return Outcome.SUCCEEDED if status in succeeded else Outcome.FAILED


def make_poller(
    service: LookoutVision,
    *,
    kind: str,
    identity: dict[str, str],
    fetch: Callable[[], T],
    outcome: Callable[[T], str],
    status_of: Callable[[T], str],
    message_of: Callable[[T], str | None],
    initial: Any,
    on_status: Callable[[str, T], None] | None,
) -> Poller[T]:
    """Build a poller bound to ``service``'s polling policy."""
    options: dict[str, Any] = {} if initial is None else {"initial": initial}
    return Poller(
        kind=kind,
        identity=identity,
        fetch=fetch,
        outcome=outcome,
        status_of=status_of,
        message_of=message_of,
        policy=service.polling,
        on_status=on_status,
        **options,
    )


class Taggable:
    """Tag methods for handles whose resource has an ARN (projects and models)."""

    __slots__ = ()
    _service: LookoutVision

    def _arn(self) -> str:
        raise NotImplementedError

    def tags(self) -> dict[str, str]:
        """Return the resource's tags (describes it first to learn its ARN)."""
        return self._service.list_tags(self._arn())

    def tag(self, tags: Mapping[str, str]) -> None:
        """Add or replace tags on the resource."""
        self._service.tag_resource(self._arn(), tags)

    def untag(self, keys: Iterable[str]) -> None:
        """Remove the named tags from the resource."""
        self._service.untag_resource(self._arn(), keys)
