"""Status and type enumerations of the API.

Every enum is a ``str`` enum, so members compare equal to the service's strings and
serialise as themselves. They tolerate values this version does not know: a status the
service adds later becomes a member built on the fly (``ModelStatus("NEW_STATE")``)
instead of an error, and is treated as not terminal.

Each status enum knows which of its values no operation reports while in progress
(``is_terminal``) and which report a failure (``is_failed``); both are read from the
lifecycle table of :class:`~lookout_sdk.records.operations.Operation`.
"""

from __future__ import annotations

import enum
import threading
from typing import Any

__all__ = [
    "DATASET_FAILED",
    "DATASET_TERMINAL",
    "MODEL_FAILED",
    "MODEL_TERMINAL",
    "PACKAGING_FAILED",
    "PACKAGING_TERMINAL",
    "AnomalyClass",
    "DatasetStatus",
    "DatasetType",
    "ModelHostingStatus",
    "ModelStatus",
    "PackagingJobStatus",
    "ResourceType",
    "TargetDevice",
    "TargetPlatformAccelerator",
    "TargetPlatformArch",
    "TargetPlatformOs",
]

_UNKNOWN_LOCK = threading.Lock()
# Members made on the fly for values an enum does not list, per enum class, so that
# the same unknown value always gives the same object.
_UNKNOWN_MEMBERS: dict[type, dict[str, Any]] = {}


class OpenStrEnum(str, enum.Enum):
    """A ``str`` enum that accepts values it does not list, keeping them as members."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        with _UNKNOWN_LOCK:
            extra = _UNKNOWN_MEMBERS.setdefault(cls, {})
            member = extra.get(value)
            if member is None:
                member = str.__new__(cls, value)
                member._name_ = value
                member._value_ = value
                extra[value] = member
            return member

    def __str__(self) -> str:
        return str(self.value)

    @property
    def is_known(self) -> bool:
        """Whether this value is one this version of the SDK lists."""
        return self._name_ in type(self).__members__


class _StatusEnum(OpenStrEnum):
    """A status enum whose terminal and failed values come from the lifecycle table."""

    @property
    def is_terminal(self) -> bool:
        """Whether no operation of the resource is in progress in this status.

        A value the SDK does not know is not terminal.
        """
        from lookout_sdk.records.operations import terminal_statuses

        return self in terminal_statuses(type(self))

    @property
    def is_failed(self) -> bool:
        """Whether this status reports that an operation failed."""
        from lookout_sdk.records.operations import failed_statuses

        return self in failed_statuses(type(self))


class DatasetType(OpenStrEnum):
    """Which dataset of a project: ``train`` or ``test``."""

    TRAIN = "train"
    TEST = "test"


class AnomalyClass(OpenStrEnum):
    """The label of a dataset entry."""

    NORMAL = "normal"
    ANOMALY = "anomaly"


class DatasetStatus(_StatusEnum):
    """The status of a dataset."""

    CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
    CREATE_COMPLETE = "CREATE_COMPLETE"
    CREATE_FAILED = "CREATE_FAILED"
    UPDATE_IN_PROGRESS = "UPDATE_IN_PROGRESS"
    UPDATE_COMPLETE = "UPDATE_COMPLETE"
    UPDATE_FAILED_ROLLBACK_IN_PROGRESS = "UPDATE_FAILED_ROLLBACK_IN_PROGRESS"
    UPDATE_FAILED_ROLLBACK_COMPLETE = "UPDATE_FAILED_ROLLBACK_COMPLETE"
    DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
    DELETE_COMPLETE = "DELETE_COMPLETE"
    DELETE_FAILED = "DELETE_FAILED"


class ModelStatus(_StatusEnum):
    """The status of a model version, covering training and hosting."""

    TRAINING = "TRAINING"
    TRAINED = "TRAINED"
    TRAINING_FAILED = "TRAINING_FAILED"
    STARTING_HOSTING = "STARTING_HOSTING"
    HOSTED = "HOSTED"
    HOSTING_FAILED = "HOSTING_FAILED"
    STOPPING_HOSTING = "STOPPING_HOSTING"
    SYSTEM_UPDATING = "SYSTEM_UPDATING"
    DELETING = "DELETING"


class ModelHostingStatus(_StatusEnum):
    """The hosting status StartModel and StopModel answer with."""

    STARTING_HOSTING = "STARTING_HOSTING"
    HOSTED = "HOSTED"
    HOSTING_FAILED = "HOSTING_FAILED"
    STOPPING_HOSTING = "STOPPING_HOSTING"
    SYSTEM_UPDATING = "SYSTEM_UPDATING"


class PackagingJobStatus(_StatusEnum):
    """The status of a model packaging job."""

    CREATED = "CREATED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class ResourceType(OpenStrEnum):
    """The kind of resource an error names."""

    PROJECT = "PROJECT"
    DATASET = "DATASET"
    MODEL = "MODEL"
    TRIAL = "TRIAL"
    MODEL_PACKAGE_JOB = "MODEL_PACKAGE_JOB"


class TargetDevice(OpenStrEnum):
    """An edge device a model can be compiled for."""

    JETSON_XAVIER = "jetson_xavier"


class TargetPlatformOs(OpenStrEnum):
    """Operating system of a target platform."""

    LINUX = "LINUX"


class TargetPlatformArch(OpenStrEnum):
    """Processor architecture of a target platform."""

    ARM64 = "ARM64"
    X86_64 = "X86_64"


class TargetPlatformAccelerator(OpenStrEnum):
    """Accelerator of a target platform."""

    NVIDIA = "NVIDIA"


#: Statuses that end an operation, and those of them that are failures, per status enum;
#: derived from the lifecycle table when first read.
DATASET_TERMINAL: frozenset[DatasetStatus]
DATASET_FAILED: frozenset[DatasetStatus]
MODEL_TERMINAL: frozenset[ModelStatus]
MODEL_FAILED: frozenset[ModelStatus]
PACKAGING_TERMINAL: frozenset[PackagingJobStatus]
PACKAGING_FAILED: frozenset[PackagingJobStatus]

_DERIVED: dict[str, tuple[type[OpenStrEnum], bool]] = {
    "DATASET_TERMINAL": (DatasetStatus, True),
    "DATASET_FAILED": (DatasetStatus, False),
    "MODEL_TERMINAL": (ModelStatus, True),
    "MODEL_FAILED": (ModelStatus, False),
    "PACKAGING_TERMINAL": (PackagingJobStatus, True),
    "PACKAGING_FAILED": (PackagingJobStatus, False),
}


def __getattr__(name: str) -> frozenset[str]:
    """The derived status sets (PEP 562): the lifecycle table is read on first use."""
    if name not in _DERIVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from lookout_sdk.records.operations import failed_statuses, terminal_statuses

    statuses, terminal = _DERIVED[name]
    value = terminal_statuses(statuses) if terminal else failed_statuses(statuses)
    globals()[name] = value
    return value
