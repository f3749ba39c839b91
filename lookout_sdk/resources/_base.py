"""What every resource handle shares: the service it talks through."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from lookout_sdk.errors import ResourceNotFoundError
from lookout_sdk.records.operations import Operation

if TYPE_CHECKING:
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["Taggable", "describe_for", "describe_or_none", "send_delete"]

T = TypeVar("T")


def describe_or_none(describe: Callable[[], T]) -> T | None:
    """Run ``describe``; ``None`` when the resource does not exist."""
    try:
        return describe()
    except ResourceNotFoundError:
        return None


def describe_for(operation: Operation, describe: Callable[[], T]) -> Callable[[], Any]:
    """How a poller of ``operation`` describes its resource.

    A deletion's poller sees ``None`` once the resource is gone; any other poller lets
    :class:`~lookout_sdk.ResourceNotFoundError` through.
    """
    if operation.removes_resource:
        return lambda: describe_or_none(describe)
    return describe


def send_delete(
    service: LookoutVision,
    name: str,
    params: Mapping[str, Any],
    *,
    missing_ok: bool,
    client_token: str | None,
) -> None:
    """Send the delete operation ``name``; a missing resource is fine if ``missing_ok``.

    Raises:
        ResourceNotFoundError: the resource does not exist and ``missing_ok`` is false.
    """
    try:
        service.invoker.call(name, dict(params), client_token=client_token)
    except ResourceNotFoundError:
        if not missing_ok:
            raise


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
