"""The :class:`Dataset` handle and its poller."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import attrs

from lookout_sdk._boundary import checked
from lookout_sdk._deprecation import warn_deprecated
from lookout_sdk.errors import InvalidInputError
from lookout_sdk.manifests.chunks import MAX_CHANGES_BYTES, ChunkedUpdateResult, apply_in_chunks
from lookout_sdk.manifests.entry import ManifestEntry, dump_manifest
from lookout_sdk.manifests.validate import validate_manifest
from lookout_sdk.records.dataset import DatasetDescription
from lookout_sdk.records.enums import AnomalyClass, DatasetType, ResourceType
from lookout_sdk.records.operations import DatasetChangeName, DatasetDeleteName, Operation
from lookout_sdk.resources._base import ResourcePoller, describe_or_none, send_delete
from lookout_sdk.runtime.batch import DEFAULT_WORKERS
from lookout_sdk.runtime.paging import ItemPaged, list_operation
from lookout_sdk.runtime.polling import StatusCallback
from lookout_sdk.runtime.timeouts import DEFAULT_TIMEOUT, Timeout

if TYPE_CHECKING:
    from pathlib import Path

    from lookout_sdk.datasets.export import DatasetStatistics, ExportResult
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["Dataset", "DatasetPoller", "encode_changes"]

#: What a dataset poller ends with: a description, or ``None`` once a deletion is done.
R = TypeVar("R", bound="DatasetDescription | None")
#: Operations whose poller ends with the dataset's description.
DatasetChange = Literal[Operation.CREATE_DATASET, Operation.UPDATE_DATASET] | DatasetChangeName
#: The operation whose poller ends when the dataset is gone.
DatasetDelete = Literal[Operation.DELETE_DATASET] | DatasetDeleteName
#: ``on_status`` of a dataset poller, and of one that ends when the dataset is gone.
OnDataset = StatusCallback[DatasetDescription] | None
OnGone = StatusCallback["DatasetDescription | None"] | None


#: What dataset changes can be given as.
ChangeLines = bytes | str | Iterable[str | Mapping[str, Any] | ManifestEntry]


def encode_changes(changes: ChangeLines) -> bytes:
    """Check dataset changes and turn them into the JSON Lines bytes the API takes.

    ``changes`` is JSON Lines text or bytes, or an iterable of lines, mappings or
    :class:`~lookout_sdk.datasets.ManifestEntry` objects. Every line is checked as a
    manifest entry (see :func:`lookout_sdk.datasets.validate_manifest`) and all
    problems are reported together, by line number; lines given as text are sent as
    they are.
    """
    if isinstance(changes, bytes):
        changes = changes.decode("utf-8")
    lines = changes.splitlines() if isinstance(changes, str) else changes
    report = validate_manifest(lines)
    report.raise_for_problems("UpdateDatasetEntries", where="Changes line")
    if not report.entries:
        raise InvalidInputError.of(
            "Changes", "holds no dataset entries", operation="UpdateDatasetEntries"
        )
    return dump_manifest(report.entries).encode("utf-8")


class DatasetPoller(ResourcePoller["Dataset", R]):
    """A poller of a dataset operation; :attr:`dataset` is the dataset's handle.

    ``R`` is :class:`~lookout_sdk.DatasetDescription`, or ``DatasetDescription | None``
    for a deletion (``None`` once the dataset is gone).
    """

    @property
    def dataset(self) -> Dataset:
        """The dataset this operation acts on."""
        return self._handle


#: The pollers of dataset operations: until a change is done, or until the dataset is gone.
ChangePoller = DatasetPoller[DatasetDescription]
GonePoller = DatasetPoller[DatasetDescription | None]


@checked
@attrs.frozen
class Dataset:
    """The ``train`` or ``test`` dataset of a project."""

    _service: LookoutVision = attrs.field(eq=False, repr=False, alias="service")
    project_name: str
    dataset_type: DatasetType

    def _ids(self) -> dict[str, Any]:
        return {"ProjectName": self.project_name, "DatasetType": self.dataset_type.value}

    def describe(self) -> DatasetDescription:
        """Return the dataset's status and image statistics."""
        answer = self._service.invoker.call("DescribeDataset", self._ids())
        return DatasetDescription.from_api(answer["DatasetDescription"])

    def exists(self) -> bool:
        """Whether the dataset exists."""
        return describe_or_none(self.describe) is not None

    def delete(
        self, *, missing_ok: bool = False, client_token: str | None = None
    ) -> DatasetPoller[DatasetDescription | None]:
        """Delete the dataset; the poller ends when it is gone.

        Raises:
            ResourceNotFoundError: the dataset does not exist, unless ``missing_ok=True``
                (then the poller ends at once).
        """
        send_delete(
            self._service,
            "DeleteDataset",
            self._ids(),
            missing_ok=missing_ok,
            client_token=client_token,
        )
        return DatasetPoller(self, Operation.DELETE_DATASET)

    def list_entries(
        self,
        *,
        labeled: bool | None = None,
        anomaly_class: AnomalyClass | str | None = None,
        created_before: datetime | None = None,
        created_after: datetime | None = None,
        source_ref_contains: str | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> ItemPaged[ManifestEntry]:
        """List the dataset's entries as typed manifest entries, lazily.

        Filters: ``labeled``, ``anomaly_class`` (``normal`` or ``anomaly``), creation
        time bounds and a substring of the image's ``source-ref``.
        """
        filters = {
            **self._ids(),
            "Labeled": labeled,
            "AnomalyClass": None if anomaly_class is None else str(AnomalyClass(anomaly_class)),
            "BeforeCreationDate": created_before,
            "AfterCreationDate": created_after,
            "SourceRefContains": source_ref_contains,
        }
        # Entries are decoded only when a field is read, so a listing stays cheap.
        return list_operation(
            self._service.invoker.call,
            "ListDatasetEntries",
            filters,
            ManifestEntry.parse,
            page_size=page_size,
            max_items=max_items,
        )

    def update_entries(
        self,
        changes: ChangeLines,
        *,
        client_token: str | None = None,
        on_status: Callable[[str, DatasetDescription], None] | None = None,
    ) -> DatasetPoller[DatasetDescription]:
        """Add or change entries in one request; the poller ends when they are applied.

        A new ``source-ref`` adds an entry, a known one replaces it; the poller fails
        if the service rolls the update back. For more than one request's worth
        (10,485,760 bytes), use :meth:`apply_entries`.
        """
        return self._send_changes(encode_changes(changes), client_token, on_status)

    def _send_changes(
        self,
        changes: bytes,
        client_token: str | None = None,
        on_status: Callable[[str, DatasetDescription], None] | None = None,
    ) -> DatasetPoller[DatasetDescription]:
        params = {**self._ids(), "Changes": changes}
        self._service.invoker.call("UpdateDatasetEntries", params, client_token=client_token)
        return DatasetPoller(self, Operation.UPDATE_DATASET, on_status=on_status)

    def apply_entries(
        self,
        entries: Iterable[str | Mapping[str, Any] | ManifestEntry],
        *,
        max_bytes: int = MAX_CHANGES_BYTES,
        timeout: Timeout = DEFAULT_TIMEOUT,
    ) -> ChunkedUpdateResult:
        """Add or change any number of entries, in as many requests as needed.

        Entries are checked first (nothing is sent if one is wrong), packed in order
        into requests of at most ``max_bytes``, and sent one at a time, each waited on
        (``timeout`` per request: by default the update's default timeout, ``None`` for
        no limit, or seconds). Each entry is sent exactly once.

        Raises:
            ManifestError: an entry would be rejected; nothing was sent.
            ChunkedUpdateError: a request failed; ``not_applied`` lists the entries
                that did not get in.
        """
        return apply_in_chunks(
            entries,
            lambda chunk: self._send_changes(dump_manifest(chunk).encode("utf-8")),
            max_bytes=max_bytes,
            timeout=timeout,
        )

    def statistics(self) -> DatasetStatistics:
        """Count the dataset's labels, anomaly classes and buckets (lists every entry)."""
        from lookout_sdk.datasets.export import dataset_statistics

        return dataset_statistics(self.list_entries())

    def export(self, folder: str | Path, *, workers: int = DEFAULT_WORKERS) -> ExportResult:
        """Copy the dataset into ``folder``: the manifest, the images and the masks.

        See :func:`lookout_sdk.datasets.export_dataset` for the folder's layout.
        """
        from lookout_sdk.datasets.export import export_dataset

        return export_dataset(self, folder, s3=self._service.s3_client(), workers=workers)

    @overload
    def poller(self) -> ChangePoller: ...
    @overload
    def poller(self, operation: DatasetChange, *, on_status: OnDataset = None) -> ChangePoller: ...
    @overload
    def poller(self, operation: DatasetDelete, *, on_status: OnGone = None) -> GonePoller: ...
    @overload
    def poller(
        self, operation: Operation | str, *, on_status: StatusCallback[Any] | None = None
    ) -> ChangePoller | GonePoller: ...

    def poller(
        self,
        operation: Operation | str | None = None,
        *,
        on_status: StatusCallback[Any] | None = None,
    ) -> ChangePoller | GonePoller:
        """A poller for the dataset operation under way, for example to wait in another process.

        ``operation`` is :attr:`Operation.CREATE_DATASET`, ``UPDATE_DATASET`` or
        ``DELETE_DATASET`` (or its name as a string). Leaving it out is
        deprecated (it meant ``CREATE_DATASET``).

        Raises:
            InvalidInputError: ``operation`` is not a dataset operation.
        """
        if operation is None:
            warn_deprecated("Dataset.poller() without an operation", "Dataset.poller(operation)")
            operation = Operation.CREATE_DATASET
        chosen = Operation.parse(operation, resource=ResourceType.DATASET)
        if chosen.removes_resource:
            return DatasetPoller[DatasetDescription | None](self, chosen, on_status=on_status)
        return DatasetPoller[DatasetDescription](self, chosen, on_status=on_status)
