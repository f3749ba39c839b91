"""lookout_sdk: a typed, high-level SDK for the Amazon Lookout for Vision API.

Start with :class:`LookoutVision`::

    import lookout_sdk as lv

    service = lv.LookoutVision(region_name="us-east-1")
    project = service.create_project("circuit-boards")

Names are loaded on first use, so ``import lookout_sdk`` itself is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lookout_sdk._lazy import lazy_exports
from lookout_sdk._version import __version__

if TYPE_CHECKING:
    from lookout_sdk.api.images import ImageInfo as ImageInfo
    from lookout_sdk.api.registry import register_service as register_service
    from lookout_sdk.errors import AccessDeniedError as AccessDeniedError
    from lookout_sdk.errors import BackendUnavailableError as BackendUnavailableError
    from lookout_sdk.errors import ConflictError as ConflictError
    from lookout_sdk.errors import ConnectionFailedError as ConnectionFailedError
    from lookout_sdk.errors import InternalServerError as InternalServerError
    from lookout_sdk.errors import InvalidImageError as InvalidImageError
    from lookout_sdk.errors import InvalidInputError as InvalidInputError
    from lookout_sdk.errors import LookoutError as LookoutError
    from lookout_sdk.errors import OperationFailedError as OperationFailedError
    from lookout_sdk.errors import PaginationError as PaginationError
    from lookout_sdk.errors import ResourceNotFoundError as ResourceNotFoundError
    from lookout_sdk.errors import ServiceError as ServiceError
    from lookout_sdk.errors import ServiceQuotaExceededError as ServiceQuotaExceededError
    from lookout_sdk.errors import ThrottlingError as ThrottlingError
    from lookout_sdk.errors import ValidationError as ValidationError
    from lookout_sdk.errors import WaitTimeoutError as WaitTimeoutError
    from lookout_sdk.records.common import S3Location as S3Location
    from lookout_sdk.records.common import S3Object as S3Object
    from lookout_sdk.records.dataset import DatasetDescription as DatasetDescription
    from lookout_sdk.records.dataset import DatasetSummary as DatasetSummary
    from lookout_sdk.records.dataset import ImageStats as ImageStats
    from lookout_sdk.records.detection import Anomaly as Anomaly
    from lookout_sdk.records.detection import DetectionResult as DetectionResult
    from lookout_sdk.records.enums import AnomalyClass as AnomalyClass
    from lookout_sdk.records.enums import DatasetStatus as DatasetStatus
    from lookout_sdk.records.enums import DatasetType as DatasetType
    from lookout_sdk.records.enums import ModelHostingStatus as ModelHostingStatus
    from lookout_sdk.records.enums import ModelStatus as ModelStatus
    from lookout_sdk.records.enums import PackagingJobStatus as PackagingJobStatus
    from lookout_sdk.records.enums import TargetDevice as TargetDevice
    from lookout_sdk.records.enums import TargetPlatformAccelerator as TargetPlatformAccelerator
    from lookout_sdk.records.enums import TargetPlatformArch as TargetPlatformArch
    from lookout_sdk.records.enums import TargetPlatformOs as TargetPlatformOs
    from lookout_sdk.records.model import ModelDescription as ModelDescription
    from lookout_sdk.records.model import ModelPerformance as ModelPerformance
    from lookout_sdk.records.model import ModelSummary as ModelSummary
    from lookout_sdk.records.operations import Operation as Operation
    from lookout_sdk.records.operations import Outcome as Outcome
    from lookout_sdk.records.packaging import GreengrassConfiguration as GreengrassConfiguration
    from lookout_sdk.records.packaging import GreengrassOutput as GreengrassOutput
    from lookout_sdk.records.packaging import PackagingJobDescription as PackagingJobDescription
    from lookout_sdk.records.packaging import PackagingJobSummary as PackagingJobSummary
    from lookout_sdk.records.packaging import TargetPlatform as TargetPlatform
    from lookout_sdk.records.project import ProjectDescription as ProjectDescription
    from lookout_sdk.records.project import ProjectSummary as ProjectSummary
    from lookout_sdk.resources.dataset import Dataset as Dataset
    from lookout_sdk.resources.dataset import DatasetPoller as DatasetPoller
    from lookout_sdk.resources.model import Model as Model
    from lookout_sdk.resources.model import ModelPoller as ModelPoller
    from lookout_sdk.resources.packaging import PackagingJob as PackagingJob
    from lookout_sdk.resources.packaging import PackagingJobPoller as PackagingJobPoller
    from lookout_sdk.resources.project import Project as Project
    from lookout_sdk.resources.service import LookoutVision as LookoutVision
    from lookout_sdk.resources.service import ResumablePoller as ResumablePoller
    from lookout_sdk.runtime.batch import DEFAULT_WORKERS as DEFAULT_WORKERS
    from lookout_sdk.runtime.batch import BatchItem as BatchItem
    from lookout_sdk.runtime.paging import ItemPaged as ItemPaged
    from lookout_sdk.runtime.polling import Poller as Poller
    from lookout_sdk.runtime.polling import PollingPolicy as PollingPolicy
    from lookout_sdk.runtime.retry import RetryPolicy as RetryPolicy
    from lookout_sdk.runtime.timeouts import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
    from lookout_sdk.runtime.timeouts import DefaultTimeout as DefaultTimeout
    from lookout_sdk.runtime.timeouts import Timeout as Timeout
    from lookout_sdk.runtime.transport import Transport as Transport

# Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["ImageInfo"], "lookout_sdk.api.images"),
    **dict.fromkeys(["register_service"], "lookout_sdk.api.registry"),
    **dict.fromkeys(
        [
            "AccessDeniedError",
            "BackendUnavailableError",
            "ConflictError",
            "ConnectionFailedError",
            "InternalServerError",
            "InvalidImageError",
            "InvalidInputError",
            "LookoutError",
            "OperationFailedError",
            "PaginationError",
            "ResourceNotFoundError",
            "ServiceError",
            "ServiceQuotaExceededError",
            "ThrottlingError",
            "ValidationError",
            "WaitTimeoutError",
        ],
        "lookout_sdk.errors",
    ),
    **dict.fromkeys(["S3Location", "S3Object"], "lookout_sdk.records.common"),
    **dict.fromkeys(
        ["DatasetDescription", "DatasetSummary", "ImageStats"], "lookout_sdk.records.dataset"
    ),
    **dict.fromkeys(["Anomaly", "DetectionResult"], "lookout_sdk.records.detection"),
    **dict.fromkeys(
        [
            "AnomalyClass",
            "DatasetStatus",
            "DatasetType",
            "ModelHostingStatus",
            "ModelStatus",
            "PackagingJobStatus",
            "TargetDevice",
            "TargetPlatformAccelerator",
            "TargetPlatformArch",
            "TargetPlatformOs",
        ],
        "lookout_sdk.records.enums",
    ),
    **dict.fromkeys(
        ["ModelDescription", "ModelPerformance", "ModelSummary"], "lookout_sdk.records.model"
    ),
    **dict.fromkeys(["Operation", "Outcome"], "lookout_sdk.records.operations"),
    **dict.fromkeys(
        [
            "GreengrassConfiguration",
            "GreengrassOutput",
            "PackagingJobDescription",
            "PackagingJobSummary",
            "TargetPlatform",
        ],
        "lookout_sdk.records.packaging",
    ),
    **dict.fromkeys(["ProjectDescription", "ProjectSummary"], "lookout_sdk.records.project"),
    **dict.fromkeys(["Dataset", "DatasetPoller"], "lookout_sdk.resources.dataset"),
    **dict.fromkeys(["Model", "ModelPoller"], "lookout_sdk.resources.model"),
    **dict.fromkeys(["PackagingJob", "PackagingJobPoller"], "lookout_sdk.resources.packaging"),
    **dict.fromkeys(["Project"], "lookout_sdk.resources.project"),
    **dict.fromkeys(["LookoutVision", "ResumablePoller"], "lookout_sdk.resources.service"),
    **dict.fromkeys(["BatchItem", "DEFAULT_WORKERS"], "lookout_sdk.runtime.batch"),
    **dict.fromkeys(["ItemPaged"], "lookout_sdk.runtime.paging"),
    **dict.fromkeys(["Poller", "PollingPolicy"], "lookout_sdk.runtime.polling"),
    **dict.fromkeys(["RetryPolicy"], "lookout_sdk.runtime.retry"),
    **dict.fromkeys(
        ["DEFAULT_TIMEOUT", "DefaultTimeout", "Timeout"], "lookout_sdk.runtime.timeouts"
    ),
    **dict.fromkeys(["Transport"], "lookout_sdk.runtime.transport"),
}

__all__ = ["__version__", *sorted(_EXPORTS)]  # noqa: PLE0604 - names are strings


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
