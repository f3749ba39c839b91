"""The :class:`Model` handle: one model version of a project."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from lookout_sdk.api.images import ImageSource, check_image, load_image
from lookout_sdk.errors import InvalidImageError, Problem, ResourceNotFoundError
from lookout_sdk.records.detection import DetectionResult
from lookout_sdk.records.enums import ModelStatus
from lookout_sdk.records.model import ModelDescription
from lookout_sdk.records.packaging import GreengrassConfiguration, PackagingJobDescription
from lookout_sdk.resources._base import Taggable, describe_or_none, make_poller, status_outcome
from lookout_sdk.resources.packaging import PackagingJob
from lookout_sdk.runtime.batch import BatchItem, map_bounded
from lookout_sdk.runtime.polling import Outcome, Poller

if TYPE_CHECKING:
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["MODEL_OPERATIONS", "Model"]

_S = ModelStatus
#: For each long-running model operation: the statuses during it, and those ending it well.
MODEL_OPERATIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "train_model": (
        frozenset({_S.TRAINING}),
        frozenset(
            {
                _S.TRAINED,
                _S.STARTING_HOSTING,
                _S.HOSTED,
                _S.STOPPING_HOSTING,
                _S.HOSTING_FAILED,
                _S.SYSTEM_UPDATING,
            }
        ),
    ),
    "start_model": (frozenset({_S.STARTING_HOSTING, _S.SYSTEM_UPDATING}), frozenset({_S.HOSTED})),
    "stop_model": (
        frozenset({_S.STOPPING_HOSTING, _S.HOSTED, _S.SYSTEM_UPDATING}),
        frozenset({_S.TRAINED}),
    ),
    "delete_model": (frozenset({_S.DELETING}), frozenset()),
}


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
        self, *, missing_ok: bool = True, client_token: str | None = None
    ) -> Poller[ModelDescription | None]:
        """Delete the model version (stop it first if hosted); the poller ends when gone.

        Deleting a model that is already gone is not an error unless ``missing_ok=False``.
        """
        try:
            self._service.invoker.call("DeleteModel", self._ids(), client_token=client_token)
        except ResourceNotFoundError:
            if not missing_ok:
                raise
        return self.poller("delete_model")

    def start(
        self,
        min_inference_units: int = 1,
        *,
        max_inference_units: int | None = None,
        client_token: str | None = None,
        on_status: Callable[[str, ModelDescription], None] | None = None,
    ) -> Poller[ModelDescription]:
        """Start hosting the model; the poller ends when it is ``HOSTED``.

        ``max_inference_units`` lets the service scale between the two bounds.
        """
        params = {
            **self._ids(),
            "MinInferenceUnits": min_inference_units,
            "MaxInferenceUnits": max_inference_units,
        }
        self._service.invoker.call("StartModel", params, client_token=client_token)
        return self.poller("start_model", on_status=on_status)

    def stop(
        self,
        *,
        client_token: str | None = None,
        on_status: Callable[[str, ModelDescription], None] | None = None,
    ) -> Poller[ModelDescription]:
        """Stop hosting the model; the poller ends when it is ``TRAINED`` again."""
        self._service.invoker.call("StopModel", self._ids(), client_token=client_token)
        return self.poller("stop_model", on_status=on_status)

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
        max_workers: int = 4,
    ) -> Iterator[BatchItem[ImageSource, DetectionResult]]:
        """Ask the hosted model about many images, ``max_workers`` requests at a time.

        Results come back in input order as :class:`~lookout_sdk.BatchItem` values
        (``source``, and ``result`` or ``error``). Images are read only as they are
        needed and at most twice ``max_workers`` are in flight, so memory stays bounded
        however many there are. A failure on one image (a bad file, an error answer) is
        reported in its item; the rest go on. Start the model with enough inference
        units to answer that many requests at once.
        """
        return map_bounded(self.detect, images, max_workers=max_workers)

    def package(
        self,
        configuration: GreengrassConfiguration,
        *,
        job_name: str | None = None,
        description: str | None = None,
        client_token: str | None = None,
        on_status: Callable[[str, PackagingJobDescription], None] | None = None,
    ) -> Poller[PackagingJobDescription]:
        """Package the model as a Greengrass component; the poller follows the job."""
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
        return job.poller(on_status=on_status)

    def poller(
        self,
        kind: str,
        *,
        initial: ModelDescription | None = None,
        on_status: Callable[[str, Any], None] | None = None,
    ) -> Poller[Any]:
        """A poller for the model operation under way, for example to wait in another process.

        ``kind`` is ``train_model``, ``start_model``, ``stop_model`` or ``delete_model``.
        """
        if kind not in MODEL_OPERATIONS:
            raise ValueError(f"kind must be one of {', '.join(MODEL_OPERATIONS)}, not {kind!r}")
        running, succeeded = MODEL_OPERATIONS[kind]
        deleting = kind == "delete_model"

        def outcome(record: ModelDescription | None) -> str:
            if record is None:
                return Outcome.SUCCEEDED if deleting else Outcome.FAILED
            return status_outcome(record.status, running=running, succeeded=succeeded)

        return make_poller(
            self._service,
            kind=kind,
            identity={"project": self.project_name, "version": self.version},
            fetch=(lambda: describe_or_none(self.describe)) if deleting else self.describe,
            outcome=outcome,
            status_of=lambda r: "DELETED" if r is None else str(r.status),
            message_of=lambda r: None if r is None else r.status_message,
            initial=initial,
            on_status=on_status,
        )
