"""The :class:`Project` handle."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from lookout_sdk._boundary import checked, unchecked
from lookout_sdk.records.common import S3Location, S3Object, tags_to_api
from lookout_sdk.records.dataset import DatasetDescription
from lookout_sdk.records.enums import DatasetType, ModelStatus, ResourceType
from lookout_sdk.records.model import ModelDescription, ModelSummary
from lookout_sdk.records.operations import Operation
from lookout_sdk.records.packaging import PackagingJobSummary
from lookout_sdk.records.project import ProjectDescription
from lookout_sdk.resources._base import Taggable, describe_or_none, send_delete
from lookout_sdk.resources.dataset import Dataset, DatasetPoller
from lookout_sdk.resources.model import Model, ModelPoller
from lookout_sdk.resources.packaging import PackagingJob
from lookout_sdk.runtime.batch import DEFAULT_WORKERS
from lookout_sdk.runtime.paging import ItemPaged, list_operation
from lookout_sdk.runtime.timeouts import DEFAULT_TIMEOUT, Timeout

if TYPE_CHECKING:
    from pathlib import Path

    from lookout_sdk.api.minimums import Minimums
    from lookout_sdk.datasets.importer import ImportResult
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["Project"]


@checked
@attrs.frozen
class Project(Taggable):
    """A Lookout for Vision project, named by ``name``.

    A handle holds no state from the service: equality and hashing use the name, and
    only methods send requests.
    """

    _service: LookoutVision = attrs.field(eq=False, repr=False, alias="service")
    name: str

    @property
    def service(self) -> LookoutVision:
        """The :class:`LookoutVision` this handle talks through."""
        return self._service

    def describe(self) -> ProjectDescription:
        """Return the project's ARN, creation time and datasets."""
        answer = self._service.invoker.call("DescribeProject", {"ProjectName": self.name})
        return ProjectDescription.from_api(answer["ProjectDescription"])

    def exists(self) -> bool:
        """Whether the project exists."""
        return describe_or_none(self.describe) is not None

    def delete(
        self,
        *,
        missing_ok: bool = False,
        force: bool = False,
        timeout: Timeout = DEFAULT_TIMEOUT,
        client_token: str | None = None,
    ) -> None:
        """Delete the project and its datasets (it must have no model versions left).

        DeleteProject is answered at once, so this returns nothing to wait on. With
        ``force``, every model version is removed first: hosted ones are stopped, and
        each step is waited on, for at most ``timeout`` (by default each step's own
        default timeout; ``None`` for no limit; or seconds).

        Raises:
            ResourceNotFoundError: the project does not exist, unless ``missing_ok=True``.
        """
        if force and (missing_ok is False or self.exists()):
            self._delete_models(timeout)
        send_delete(
            self._service,
            "DeleteProject",
            {"ProjectName": self.name},
            missing_ok=missing_ok,
            client_token=client_token,
        )

    def _delete_models(self, timeout: Timeout) -> None:
        for summary in self.list_models():
            model = self.model(summary.version)
            # let a change under way settle; then a hosted model must stop before it goes
            settling = Operation.under_way(summary.status, resource=ResourceType.MODEL)
            if settling is not None:
                model.poller(settling).wait(timeout)
                if settling.removes_resource:
                    continue
            if model.describe().status in (ModelStatus.HOSTED, ModelStatus.HOSTING_FAILED):
                model.stop().result(timeout)
            model.delete(missing_ok=True).result(timeout)

    # -- datasets ---------------------------------------------------------------------

    def dataset(self, dataset_type: DatasetType | str) -> Dataset:
        """Return a handle for the ``train`` or ``test`` dataset (no request is sent)."""
        return Dataset(self._service, self.name, DatasetType(dataset_type))

    def create_dataset(
        self,
        dataset_type: DatasetType | str,
        *,
        manifest: S3Object | str | None = None,
        client_token: str | None = None,
        on_status: Callable[[str, DatasetDescription], None] | None = None,
    ) -> DatasetPoller[DatasetDescription]:
        """Create the ``train`` or ``test`` dataset, empty or from a manifest in S3.

        ``manifest`` is an :class:`S3Object` or an ``s3://bucket/key`` URI of a JSON
        Lines manifest. Returns a poller that ends when the import does; its
        :attr:`~DatasetPoller.dataset` is the dataset's handle.
        """
        dataset = self.dataset(dataset_type)
        params: dict[str, Any] = {"ProjectName": self.name, "DatasetType": dataset.dataset_type}
        if manifest is not None:
            source = manifest if isinstance(manifest, S3Object) else S3Object.from_uri(manifest)
            params["DatasetSource"] = {"GroundTruthManifest": {"S3Object": source.to_api()}}
        self._service.invoker.call("CreateDataset", params, client_token=client_token)
        return DatasetPoller(dataset, Operation.CREATE_DATASET, on_status=on_status)

    def import_folder(
        self,
        folder: str | Path,
        destination: str,
        *,
        split: float | None = None,
        seed: int = 0,
        minimums: Minimums | None = None,
        workers: int = DEFAULT_WORKERS,
        progress: bool | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
    ) -> ImportResult:
        """Check a local dataset folder, upload it under ``destination``, and import it.

        See :func:`lookout_sdk.datasets.import_folder` for the layout and the steps;
        nothing is uploaded when a check fails. ``timeout`` bounds the wait for the
        dataset import (omitted: its default; ``None``: no limit). Needs the
        ``datasets`` extra.
        """
        from lookout_sdk.datasets.importer import import_folder

        return import_folder(
            self,
            folder,
            destination,
            split=split,
            seed=seed,
            minimums=minimums,
            workers=workers,
            progress=progress,
            timeout=timeout,
        )

    def import_s3(
        self,
        source: str,
        *,
        manifest_destination: str | None = None,
        split: float | None = None,
        seed: int = 0,
        minimums: Minimums | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
    ) -> ImportResult:
        """Check a dataset laid out under an S3 prefix and import it where it is.

        See :func:`lookout_sdk.datasets.import_s3`; ``timeout`` as for
        :meth:`import_folder`. Needs the ``datasets`` extra.
        """
        from lookout_sdk.datasets.importer import import_s3

        return import_s3(
            self,
            source,
            manifest_destination=manifest_destination,
            split=split,
            seed=seed,
            minimums=minimums,
            timeout=timeout,
        )

    # -- models -------------------------------------------------------------------

    def model(self, version: str | int) -> Model:
        """Return a handle for model version ``version`` (no request is sent)."""
        return Model(self._service, self.name, str(version))

    def create_model(
        self,
        *,
        output: S3Location | str,
        description: str | None = None,
        kms_key_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        client_token: str | None = None,
        on_status: Callable[[str, ModelDescription], None] | None = None,
    ) -> ModelPoller[ModelDescription]:
        """Train a new model version; return a poller that ends when training does.

        ``output`` (an :class:`S3Location` or ``s3://bucket/prefix``) receives the
        evaluation results. The poller's :attr:`~ModelPoller.model` is the new
        version's handle at once.
        """
        params: dict[str, Any] = {
            "ProjectName": self.name,
            "OutputConfig": {
                "S3Location": (
                    output if isinstance(output, S3Location) else S3Location.from_uri(output)
                ).to_api()
            },
            "Description": description,
            "KmsKeyId": kms_key_id,
            "Tags": tags_to_api(tags) if tags else None,
        }
        answer = self._service.invoker.call("CreateModel", params, client_token=client_token)
        initial = ModelDescription.from_api(self.name, answer["ModelMetadata"])
        model = self.model(initial.version)
        return ModelPoller(model, Operation.TRAIN_MODEL, initial=initial, on_status=on_status)

    def list_models(
        self, *, page_size: int | None = None, max_items: int | None = None
    ) -> ItemPaged[ModelSummary]:
        """List the project's model versions, lazily."""
        return list_operation(
            self._service.invoker.call,
            "ListModels",
            {"ProjectName": self.name},
            lambda model: ModelSummary.from_api(self.name, model),
            page_size=page_size,
            max_items=max_items,
        )

    # -- packaging jobs -------------------------------------------------------------

    @unchecked
    def packaging_job(self, job_name: str) -> PackagingJob:
        """Return a handle for packaging job ``job_name`` (no request is sent)."""
        return PackagingJob(self._service, self.name, job_name)

    def list_packaging_jobs(
        self, *, page_size: int | None = None, max_items: int | None = None
    ) -> ItemPaged[PackagingJobSummary]:
        """List the project's model packaging jobs, lazily."""
        return list_operation(
            self._service.invoker.call,
            "ListModelPackagingJobs",
            {"ProjectName": self.name},
            PackagingJobSummary.from_api,
            page_size=page_size,
            max_items=max_items,
        )

    def _arn(self) -> str:
        return self.describe().arn
