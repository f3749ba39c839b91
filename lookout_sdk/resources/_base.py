"""What every resource handle shares: the service it talks through, pollers, tags."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

import attrs

from lookout_sdk._boundary import checked
from lookout_sdk.errors import ResourceNotFoundError
from lookout_sdk.records.operations import Operation
from lookout_sdk.runtime.polling import Poller, StatusCallback

if TYPE_CHECKING:
    from lookout_sdk.resources.service import LookoutVision
    from lookout_sdk.runtime.polling import StatusRecord

__all__ = [
    "ResourceHandle",
    "ResourcePoller",
    "Taggable",
    "describe_for",
    "describe_or_none",
    "send_delete",
]


@runtime_checkable
class ResourceHandle(Protocol):
    """What a resource poller follows: ``Model``, ``Dataset`` or ``PackagingJob``.

    A frozen attrs class that holds the service and the resource's names, and
    describes the resource.
    """

    __attrs_attrs__: ClassVar[Any]

    def describe(self) -> Any:
        """Describe the resource once."""


T = TypeVar("T")
#: A resource handle (``Model``, ``Dataset``, ``PackagingJob``).
H = TypeVar("H", bound=ResourceHandle)
#: What a resource poller ends with.
R = TypeVar("R", bound="StatusRecord | None")
#: Handle fields as resume tokens name them (the others keep their own names).
_TOKEN_KEYS = {"project_name": "project", "job_name": "job"}
_UNSET: Any = object()


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


@checked
class ResourcePoller(Poller[R], Generic[H, R]):
    """A poller of an operation on the resource whose handle it holds.

    Its identity (and so its resume token) comes from the handle's fields, and it
    describes the resource through the handle.
    """

    def __init__(
        self,
        handle: H,
        operation: Operation,
        *,
        on_status: StatusCallback[R] | None = None,
        initial: R = _UNSET,
    ) -> None:
        self._handle = handle
        service: Any = getattr(handle, "_service")  # noqa: B009 - the handles' private field
        identity = {
            _TOKEN_KEYS.get(field.name, field.name): str(getattr(handle, field.name))
            for field in attrs.fields(type(handle))
            if field.name != "_service"
        }
        options: dict[str, Any] = {} if initial is _UNSET else {"initial": initial}
        super().__init__(
            operation=operation,
            identity=identity,
            fetch=describe_for(operation, getattr(handle, "describe")),  # noqa: B009
            policy=service.polling,
            on_status=on_status,
            **options,
        )


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


@checked
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
