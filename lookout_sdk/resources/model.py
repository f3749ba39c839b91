"""The :class:`Model` handle, one model version of a project, and its poller."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import attrs

from lookout_sdk._boundary import checked
from lookout_sdk._deprecation import warn_deprecated
from lookout_sdk.api.images import ImageSource, check_image, load_image
from lookout_sdk.errors import InvalidImageError, InvalidInputError, Problem
from lookout_sdk.records.detection import DetectionResult
from lookout_sdk.records.enums import ResourceType
from lookout_sdk.records.model import ModelDescription
from lookout_sdk.records.operations import ModelChangeName, ModelDeleteName, Operation
from lookout_sdk.records.packaging import GreengrassConfiguration, PackagingJobDescription
from lookout_sdk.resources._base import ResourcePoller, Taggable, describe_or_none, send_delete
from lookout_sdk.resources.packaging import PackagingJob, PackagingJobPoller
from lookout_sdk.runtime.batch import DEFAULT_WORKERS, BatchItem, map_bounded, pick_workers
from lookout_sdk.runtime.polling import StatusCallback

if TYPE_CHECKING:
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["Model", "ModelPoller"]

#: What a model poller ends with: a description, or ``None`` once a deletion is done.
R = TypeVar("R", bound="ModelDescription | None")
#: Operations whose poller ends with the model's description.
ModelChange = (
    Literal[Operation.TRAIN_MODEL, Operation.START_MODEL, Operation.STOP_MODEL] | ModelChangeName
)
#: The operation whose poller ends when the model is gone.
ModelDelete = Literal[Operation.DELETE_MODEL] | ModelDeleteName
OnModel = StatusCallback[ModelDescription]
OnModelOrGone = StatusCallback["ModelDescription | None"]


class ModelPoller(ResourcePoller["Model", R]):
    """A poller of a model operation; :attr:`model` is the model's handle.

    ``R`` is :class:`~lookout_sdk.ModelDescription`, or ``ModelDescription | None`` for a
    deletion (``None`` once the model is gone).
    """

    @property
    def model(self) -> Model:
        """The model version this operation acts on."""
        return self._handle


@checked
@attrs.frozen
class Model(Taggable):
    """Model version ``version`` of project ``project_name``."""

    _service: LookoutVision = attrs.field(eq=False, repr=False, alias="service")
    project_name: str
    version: str

    def _ids(self) -> dict[str, Any]:
        return {"ProjectName": self.project_name, "ModelVersion": self.version}

    def _arn(self) -> str:
        return self.describe().arn

    def describe(self) -> ModelDescription:
        """Return everything the service reports about this model version."""
        answer = self._service.invoker.call("DescribeModel", self._ids())
        return ModelDescription.from_api(self.project_name, answer["ModelDescription"])

    def exists(self) -> bool:
        """Whether this model version exists."""
        return describe_or_none(self.describe) is not None

    def delete(
        self, *, missing_ok: bool = False, client_token: str | None = None
    ) -> ModelPoller[ModelDescription | None]:
        """Delete the model version (stop it first if hosted); the poller ends when gone.

        Raises:
            ResourceNotFoundError: the model version does not exist, unless
                ``missing_ok=True`` (then the poller ends at once).
        """
        send_delete(
            self._service,
            "DeleteModel",
            self._ids(),
            missing_ok=missing_ok,
            client_token=client_token,
        )
        return ModelPoller(self, Operation.DELETE_MODEL)

    def start(
        self,
        min_inference_units: int = 1,
        *,
        max_inference_units: int | None = None,
        client_token: str | None = None,
        on_status: Callable[[str, ModelDescription], None] | None = None,
    ) -> ModelPoller[ModelDescription]:
        """Start hosting the model; the poller ends when it is ``HOSTED``.

        ``max_inference_units`` lets the service scale between the two bounds.
        """
        params = {
            **self._ids(),
            "MinInferenceUnits": min_inference_units,
            "MaxInferenceUnits": max_inference_units,
        }
        self._service.invoker.call("StartModel", params, client_token=client_token)
        return ModelPoller(self, Operation.START_MODEL, on_status=on_status)

    def stop(
        self,
        *,
        client_token: str | None = None,
        on_status: Callable[[str, ModelDescription], None] | None = None,
    ) -> ModelPoller[ModelDescription]:
        """Stop hosting the model; the poller ends when it is ``TRAINED`` again."""
        self._service.invoker.call("StopModel", self._ids(), client_token=client_token)
        return ModelPoller(self, Operation.STOP_MODEL, on_status=on_status)

    def detect(self, image: ImageSource, *, content_type: str | None = None) -> DetectionResult:
        """Ask the hosted model whether ``image`` shows an anomaly.

        ``image`` is bytes, a path or a binary file object. The content type is read
        from the image's header; the image is checked against the service's rules
        (PNG or JPEG, 64 to 4096 px a side, at most 8 MB) before it is sent.
        """
        data = load_image(image)
        info = check_image(data, operation="DetectAnomalies")
        if content_type is not None and content_type != info.content_type:
            reason = f"content_type {content_type!r} does not match the image ({info.content_type})"
            raise InvalidImageError("DetectAnomalies", [Problem("ContentType", reason)])
        params = {**self._ids(), "Body": data, "ContentType": info.content_type}
        answer = self._service.invoker.call("DetectAnomalies", params)
        return DetectionResult.from_api(answer["DetectAnomalyResult"])

    def detect_many(
        self,
        images: Iterable[ImageSource],
        *,
        workers: int = DEFAULT_WORKERS,
        max_workers: int | None = None,
    ) -> Iterator[BatchItem[ImageSource, DetectionResult]]:
        """Ask the hosted model about many images, ``workers`` requests at a time.

        Results come back in input order as :class:`~lookout_sdk.BatchItem` values
        (``source``, and ``result`` or ``error``). Images are read only as they are
        needed and at most twice ``workers`` are in flight, so memory stays bounded
        however many there are. A failure on one image (a bad file, an error answer) is
        reported in its item; the rest go on. Start the model with enough inference
        units to answer that many requests at once. ``max_workers`` is the deprecated
        name of ``workers``.
        """
        count = pick_workers(workers, max_workers, where="Model.detect_many")
        return map_bounded(self.detect, images, workers=count)

    def package(
        self,
        configuration: GreengrassConfiguration,
        *,
        job_name: str | None = None,
        description: str | None = None,
        client_token: str | None = None,
        on_status: Callable[[str, PackagingJobDescription], None] | None = None,
    ) -> PackagingJobPoller:
        """Package the model as a Greengrass component; the poller follows the job.

        The poller's :attr:`~PackagingJobPoller.job` is the new job's handle.
        """
        params = {
            **self._ids(),
            "Configuration": configuration.to_api(),
            "JobName": job_name,
            "Description": description,
        }
        answer = self._service.invoker.call(
            "StartModelPackagingJob", params, client_token=client_token
        )
        job = PackagingJob(self._service, self.project_name, answer["JobName"])
        return PackagingJobPoller(job, Operation.PACKAGE_MODEL, on_status=on_status)

    @overload
    def poller(
        self, operation: ModelChange, *, on_status: OnModel | None = None
    ) -> ModelPoller[ModelDescription]: ...

    @overload
    def poller(
        self, operation: ModelDelete, *, on_status: OnModelOrGone | None = None
    ) -> ModelPoller[ModelDescription | None]: ...

    @overload
    def poller(
        self,
        operation: Operation | str | None = None,
        *,
        on_status: StatusCallback[Any] | None = None,
        kind: str | None = None,
    ) -> ModelPoller[ModelDescription] | ModelPoller[ModelDescription | None]: ...

    def poller(
        self,
        operation: Operation | str | None = None,
        *,
        on_status: StatusCallback[Any] | None = None,
        kind: str | None = None,
    ) -> ModelPoller[ModelDescription] | ModelPoller[ModelDescription | None]:
        """A poller for the model operation under way, for example to wait in another process.

        ``operation`` is :attr:`Operation.TRAIN_MODEL`, ``START_MODEL``, ``STOP_MODEL``
        or ``DELETE_MODEL`` (or its name as a string). ``kind`` is its
        deprecated name.

        Raises:
            InvalidInputError: ``operation`` is not a model operation.
        """
        if kind is not None:
            if operation is not None:
                raise InvalidInputError.of("kind", "cannot be combined with operation")
            warn_deprecated("Model.poller(kind=...)", "Model.poller(operation)")
            operation = kind
        if operation is None:
            raise InvalidInputError.of("operation", "names no operation")
        chosen = Operation.parse(operation, resource=ResourceType.MODEL)
        if chosen.removes_resource:
            return ModelPoller[ModelDescription | None](self, chosen, on_status=on_status)
        return ModelPoller[ModelDescription](self, chosen, on_status=on_status)
