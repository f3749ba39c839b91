"""The long-running operations of the API, and what each status means for each of them.

The service answers training, hosting, dataset imports and updates, deletions and
packaging at once and does the work afterwards. :class:`Operation` names each such
operation and knows, for the resource it acts on, which statuses mean it is still in
progress, which mean it has not begun yet (keep looking: a model is still ``HOSTED``
just after StopModel), which mean it succeeded and which report its failure, whether it
removes the resource, and its default timeout. Pollers, the command line, resume tokens,
the status enums' ``is_terminal`` / ``is_failed`` and the local backend's job kinds all
read this one table.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Literal, get_args

import attrs

from lookout_sdk.errors import InvalidInputError
from lookout_sdk.records.enums import (
    DatasetStatus,
    ModelHostingStatus,
    ModelStatus,
    OpenStrEnum,
    PackagingJobStatus,
    ResourceType,
)

__all__ = [
    "DatasetChangeName",
    "DatasetDeleteName",
    "Lifecycle",
    "ModelChangeName",
    "ModelDeleteName",
    "Operation",
    "Outcome",
    "PackagingName",
    "failed_statuses",
    "terminal_statuses",
]

# Each operation's name is written once, here, as a literal type: ``poller(<its name>)``
# is then typed as precisely as ``poller(Operation.<its member>)``, and the members of
# :class:`Operation` take their values from these types.
#: Model operations whose poller ends with a model description.
ModelChangeName = Literal["train_model", "start_model", "stop_model"]
#: The model operation whose poller ends when the model is gone.
ModelDeleteName = Literal["delete_model"]
#: Dataset operations whose poller ends with a dataset description.
DatasetChangeName = Literal["create_dataset", "update_dataset"]
#: The dataset operation whose poller ends when the dataset is gone.
DatasetDeleteName = Literal["delete_dataset"]
#: The packaging job's operation.
PackagingName = Literal["package_model"]


def _names(literal: object) -> tuple[str, ...]:
    return tuple(str(name) for name in get_args(literal))


_TRAIN, _START, _STOP = _names(ModelChangeName)
(_DELETE_MODEL,) = _names(ModelDeleteName)
_CREATE, _UPDATE = _names(DatasetChangeName)
(_DELETE_DATASET,) = _names(DatasetDeleteName)
(_PACKAGE,) = _names(PackagingName)


class Outcome(str, enum.Enum):
    """Where an operation stands after one look at its resource."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    def __str__(self) -> str:
        return str(self.value)


@attrs.frozen
class Lifecycle:
    """What the statuses of one resource mean for one operation.

    Attributes:
        resource: the kind of resource the operation acts on.
        statuses: the status enum of that resource's description.
        running: statuses reported while the operation is in progress.
        pending: statuses that mean it has not begun yet: keep looking.
        succeeded: statuses that mean it succeeded.
        failed: statuses that report its failure. Any other status the SDK knows
            also ends it as failed; one it does not know keeps it running.
        removes: whether it removes the resource (then "gone" is success).
        timeout: how long a wait lasts, in seconds, when no timeout is given.
    """

    resource: ResourceType
    statuses: type[OpenStrEnum]
    running: frozenset[str]
    pending: frozenset[str]
    succeeded: frozenset[str]
    failed: frozenset[str]
    removes: bool
    timeout: float


class Operation(str, enum.Enum):
    """A long-running operation of the API; a ``str`` enum of its name."""

    _value_: str
    TRAIN_MODEL = _TRAIN
    START_MODEL = _START
    STOP_MODEL = _STOP
    DELETE_MODEL = _DELETE_MODEL
    CREATE_DATASET = _CREATE
    UPDATE_DATASET = _UPDATE
    DELETE_DATASET = _DELETE_DATASET
    PACKAGE_MODEL = _PACKAGE

    def __str__(self) -> str:
        return str(self.value)

    @property
    def lifecycle(self) -> Lifecycle:
        """The statuses, resource and default timeout of this operation."""
        return _LIFECYCLES[self]

    @property
    def resource(self) -> ResourceType:
        """The kind of resource this operation acts on."""
        return self.lifecycle.resource

    @property
    def removes_resource(self) -> bool:
        """Whether this operation deletes its resource (then "gone" is success)."""
        return self.lifecycle.removes

    @property
    def default_timeout(self) -> float:
        """How long a wait lasts, in seconds, when no timeout is given (always finite)."""
        return self.lifecycle.timeout

    def outcome(self, status: str | None) -> Outcome:
        """Where this operation stands when its resource reports ``status``.

        ``None`` means the resource is gone: success for a deletion, failure otherwise.
        A status this version of the SDK does not know counts as running, so a value
        the service adds later makes a wait time out rather than fail at once.
        """
        life = self.lifecycle
        if status is None:
            return Outcome.SUCCEEDED if life.removes else Outcome.FAILED
        value = life.statuses(status)
        if value in life.running or value in life.pending or not value.is_known:
            return Outcome.RUNNING
        return Outcome.SUCCEEDED if value in life.succeeded else Outcome.FAILED

    @classmethod
    def under_way(cls, status: str, *, resource: ResourceType | None = None) -> Operation | None:
        """The operation in progress while a resource reports ``status``, if any.

        For example ``TRAINING`` gives :attr:`TRAIN_MODEL` and ``TRAINED`` ``None``.
        """
        for operation in cls.of(resource) if resource is not None else cls:
            if status in operation.lifecycle.running:
                return operation
        return None

    @classmethod
    def of(cls, resource: ResourceType) -> tuple[Operation, ...]:
        """The operations that act on ``resource``, in declaration order."""
        return tuple(operation for operation in cls if operation.resource is resource)

    @classmethod
    def parse(
        cls,
        value: Operation | str,
        *,
        resource: ResourceType | None = None,
        parameter: str = "operation",
    ) -> Operation:
        """``value`` as an operation (of ``resource``, when given).

        Raises:
            InvalidInputError: ``value`` names no such operation; the problem names
                ``parameter``.
        """
        allowed = cls.of(resource) if resource is not None else tuple(cls)
        try:
            operation = cls(value)
        except ValueError:
            operation = None
        if operation is None or operation not in allowed:
            names = ", ".join(str(op) for op in allowed)
            raise InvalidInputError.of(parameter, f"must be one of {names}, not {value!r}")
        return operation


_HOUR = 3600.0
_M = ModelStatus
_D = DatasetStatus
_DATASET_BUSY = frozenset(
    {
        _D.CREATE_IN_PROGRESS,
        _D.UPDATE_IN_PROGRESS,
        _D.UPDATE_FAILED_ROLLBACK_IN_PROGRESS,
        _D.DELETE_IN_PROGRESS,
    }
)
_DATASET_DONE = frozenset({_D.CREATE_COMPLETE, _D.UPDATE_COMPLETE, _D.DELETE_COMPLETE})


def _model(
    running: Iterable[ModelStatus],
    succeeded: Iterable[ModelStatus],
    *,
    pending: Iterable[ModelStatus] = (),
    failed: Iterable[ModelStatus] = (),
    removes: bool = False,
    timeout: float = _HOUR,
) -> Lifecycle:
    return Lifecycle(
        ResourceType.MODEL,
        ModelStatus,
        frozenset(running),
        frozenset(pending),
        frozenset(succeeded),
        frozenset(failed),
        removes,
        timeout,
    )


def _dataset(
    running: Iterable[DatasetStatus], failed: DatasetStatus, *, removes: bool = False
) -> Lifecycle:
    # Another change of the same dataset under way means "keep looking", and any
    # completed change ends the wait, as the service reports one status per dataset.
    in_progress = frozenset(running)
    return Lifecycle(
        ResourceType.DATASET,
        DatasetStatus,
        in_progress,
        _DATASET_BUSY - in_progress,
        _DATASET_DONE,
        frozenset({failed}),
        removes,
        _HOUR,
    )


_LIFECYCLES: dict[Operation, Lifecycle] = {
    # After training, whatever hosting does next, the training itself succeeded.
    Operation.TRAIN_MODEL: _model(
        {_M.TRAINING},
        {
            _M.TRAINED,
            _M.STARTING_HOSTING,
            _M.HOSTED,
            _M.STOPPING_HOSTING,
            _M.HOSTING_FAILED,
            _M.SYSTEM_UPDATING,
        },
        failed={_M.TRAINING_FAILED},
        timeout=8 * _HOUR,
    ),
    Operation.START_MODEL: _model(
        {_M.STARTING_HOSTING, _M.SYSTEM_UPDATING}, {_M.HOSTED}, failed={_M.HOSTING_FAILED}
    ),
    Operation.STOP_MODEL: _model(
        {_M.STOPPING_HOSTING}, {_M.TRAINED}, pending={_M.HOSTED, _M.SYSTEM_UPDATING}
    ),
    Operation.DELETE_MODEL: _model({_M.DELETING}, (), removes=True),
    Operation.CREATE_DATASET: _dataset({_D.CREATE_IN_PROGRESS}, _D.CREATE_FAILED),
    # An update is under way until the service has finished rolling a failed one back.
    Operation.UPDATE_DATASET: _dataset(
        {_D.UPDATE_IN_PROGRESS, _D.UPDATE_FAILED_ROLLBACK_IN_PROGRESS},
        _D.UPDATE_FAILED_ROLLBACK_COMPLETE,
    ),
    Operation.DELETE_DATASET: _dataset({_D.DELETE_IN_PROGRESS}, _D.DELETE_FAILED, removes=True),
    Operation.PACKAGE_MODEL: Lifecycle(
        ResourceType.MODEL_PACKAGE_JOB,
        PackagingJobStatus,
        frozenset({PackagingJobStatus.CREATED, PackagingJobStatus.RUNNING}),
        frozenset(),
        frozenset({PackagingJobStatus.SUCCEEDED}),
        frozenset({PackagingJobStatus.FAILED}),
        False,
        4 * _HOUR,
    ),
}
#: The resource each status enum describes.
_STATUS_RESOURCES: dict[type[OpenStrEnum], ResourceType] = {
    ModelStatus: ResourceType.MODEL,
    ModelHostingStatus: ResourceType.MODEL,
    DatasetStatus: ResourceType.DATASET,
    PackagingJobStatus: ResourceType.MODEL_PACKAGE_JOB,
}


def terminal_statuses(statuses: type[OpenStrEnum]) -> frozenset[str]:
    """The members of a status enum that no operation reports while in progress."""
    operations = Operation.of(_STATUS_RESOURCES[statuses])
    return frozenset(
        status
        for status in statuses
        if not any(status in operation.lifecycle.running for operation in operations)
    )


def failed_statuses(statuses: type[OpenStrEnum]) -> frozenset[str]:
    """The members of a status enum that report the failure of an operation."""
    operations = Operation.of(_STATUS_RESOURCES[statuses])
    return frozenset(
        status
        for status in statuses
        if any(status in operation.lifecycle.failed for operation in operations)
    )
