"""The :class:`Dataset` handle."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from lookout_sdk.errors import InvalidInputError, Problem, ResourceNotFoundError
from lookout_sdk.manifests.chunks import (
    MAX_CHANGES_BYTES,
    ChunkedUpdateResult,
    apply_in_chunks,
)
from lookout_sdk.manifests.entry import ManifestEntry, dump_manifest
from lookout_sdk.manifests.validate import validate_manifest
from lookout_sdk.records.dataset import DatasetDescription
from lookout_sdk.records.enums import DATASET_TERMINAL, AnomalyClass, DatasetStatus, DatasetType
from lookout_sdk.resources._base import describe_or_none, make_poller, status_outcome
from lookout_sdk.runtime.paging import ItemPaged
from lookout_sdk.runtime.polling import Outcome, Poller

if TYPE_CHECKING:
    from pathlib import Path

    from lookout_sdk.datasets.export import DatasetStatistics, ExportResult
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["Dataset", "encode_changes"]

_DATASET_RUNNING = frozenset(DatasetStatus) - DATASET_TERMINAL
_DATASET_SUCCEEDED = frozenset(
    {DatasetStatus.CREATE_COMPLETE, DatasetStatus.UPDATE_COMPLETE, DatasetStatus.DELETE_COMPLETE}
)
_DATASET_KINDS = ("create_dataset", "update_dataset", "delete_dataset")


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
        raise InvalidInputError(
            "UpdateDatasetEntries", [Problem("Changes", "holds no dataset entries")]
        )
    return dump_manifest(report.entries).encode("utf-8")


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
        self, *, missing_ok: bool = True, client_token: str | None = None
    ) -> Poller[DatasetDescription | None]:
        """Delete the dataset; the poller ends when it is gone.

        Deleting a dataset that is already gone is not an error unless
        ``missing_ok=False``.
        """
        try:
            self._service.invoker.call("DeleteDataset", self._ids(), client_token=client_token)
        except ResourceNotFoundError:
            if not missing_ok:
                raise
        return self.poller("delete_dataset")

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
        call = self._service.invoker.call

        def fetch(token: str | None, limit: int | None) -> tuple[list[ManifestEntry], str | None]:
            page = call("ListDatasetEntries", {**filters, "NextToken": token, "MaxResults": limit})
            # Entries are decoded only when a field is read, so a listing stays cheap.
            entries = [ManifestEntry.parse(line) for line in page.get("DatasetEntries", ())]
            return entries, page.get("NextToken")

        return ItemPaged(fetch, page_size=page_size, max_items=max_items)

    def update_entries(
        self,
        changes: ChangeLines,
        *,
        client_token: str | None = None,
        on_status: Callable[[str, DatasetDescription], None] | None = None,
    ) -> Poller[DatasetDescription]:
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
    ) -> Poller[DatasetDescription]:
        params = {**self._ids(), "Changes": changes}
        self._service.invoker.call("UpdateDatasetEntries", params, client_token=client_token)
        return self.poller("update_dataset", on_status=on_status)

    def apply_entries(
        self,
        entries: Iterable[str | Mapping[str, Any] | ManifestEntry],
        *,
        max_bytes: int = MAX_CHANGES_BYTES,
        timeout: float | None = None,
    ) -> ChunkedUpdateResult:
        """Add or change any number of entries, in as many requests as needed.

        Entries are checked first (nothing is sent if one is wrong), packed in order
        into requests of at most ``max_bytes``, and sent one at a time, each waited on
        (``timeout`` seconds per request). Each entry is sent exactly once.

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

    def export(self, folder: str | Path, *, workers: int = 8) -> ExportResult:
        """Copy the dataset into ``folder``: the manifest, the images and the masks.

        See :func:`lookout_sdk.datasets.export_dataset` for the folder's layout.
        """
        from lookout_sdk.datasets.export import export_dataset

        return export_dataset(self, folder, s3=self._service.s3_client(), workers=workers)

    def poller(
        self,
        kind: str = "create_dataset",
        *,
        on_status: Callable[[str, Any], None] | None = None,
    ) -> Poller[Any]:
        """A poller for the dataset operation under way, for example to wait in another process.

        ``kind`` is ``create_dataset``, ``update_dataset`` or ``delete_dataset``.
        """
        if kind not in _DATASET_KINDS:
            raise ValueError(f"kind must be one of {', '.join(_DATASET_KINDS)}, not {kind!r}")
        deleting = kind == "delete_dataset"

        def outcome(record: DatasetDescription | None) -> str:
            if record is None:
                return Outcome.SUCCEEDED if deleting else Outcome.FAILED
            return status_outcome(
                record.status, running=_DATASET_RUNNING, succeeded=_DATASET_SUCCEEDED
            )

        return make_poller(
            self._service,
            kind=kind,
            identity={"project": self.project_name, "dataset_type": self.dataset_type.value},
            fetch=(lambda: describe_or_none(self.describe)) if deleting else self.describe,
            outcome=outcome,
            status_of=lambda r: "DELETED" if r is None else str(r.status),
            message_of=lambda r: None if r is None else r.status_message,
            initial=None,
            on_status=on_status,
        )
