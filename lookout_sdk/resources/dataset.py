"""The :class:`Dataset` handle."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from lookout_sdk.errors import InvalidInputError, Problem, ResourceNotFoundError
from lookout_sdk.records.dataset import DatasetDescription
from lookout_sdk.records.enums import DATASET_TERMINAL, AnomalyClass, DatasetStatus, DatasetType
from lookout_sdk.resources._base import describe_or_none, make_poller, status_outcome
from lookout_sdk.runtime.paging import ItemPaged
from lookout_sdk.runtime.polling import Outcome, Poller

if TYPE_CHECKING:
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["MAX_ENTRY_CHARS", "Dataset", "encode_changes"]

#: The longest dataset entry (one JSON Lines line) the service accepts.
MAX_ENTRY_CHARS = 8192
_DATASET_RUNNING = frozenset(DatasetStatus) - DATASET_TERMINAL
_DATASET_SUCCEEDED = frozenset(
    {DatasetStatus.CREATE_COMPLETE, DatasetStatus.UPDATE_COMPLETE, DatasetStatus.DELETE_COMPLETE}
)
_DATASET_KINDS = ("create_dataset", "update_dataset", "delete_dataset")


def encode_changes(changes: bytes | str | Iterable[str | Mapping[str, Any]]) -> bytes:
    """Turn dataset changes into the JSON Lines bytes UpdateDatasetEntries takes.

    ``changes`` is JSON Lines text or bytes, or an iterable of lines or of mappings
    (each serialised as one line). Every line must be a JSON object of at most
    8,192 characters; all problems are reported together, by line number.
    """
    if isinstance(changes, bytes):
        changes = changes.decode("utf-8")
    if isinstance(changes, str):
        lines = changes.splitlines()
    else:
        lines = [
            item if isinstance(item, str) else json.dumps(item, separators=(",", ":"))
            for item in changes
        ]
    problems: list[Problem] = []
    kept: list[str] = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        where = f"Changes line {number}"
        if len(text) > MAX_ENTRY_CHARS:
            problems.append(Problem(where, f"has {len(text)} characters, over {MAX_ENTRY_CHARS}"))
            continue
        try:
            entry = json.loads(text)
        except ValueError as error:
            problems.append(Problem(where, f"is not valid JSON ({error})"))
            continue
        if not isinstance(entry, dict):
            problems.append(Problem(where, "is not a JSON object"))
            continue
        kept.append(text)
    if not kept and not problems:
        problems.append(Problem("Changes", "holds no dataset entries"))
    if problems:
        raise InvalidInputError("UpdateDatasetEntries", problems)
    return ("\n".join(kept) + "\n").encode("utf-8")


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
    ) -> ItemPaged[str]:
        """List the dataset's entries (JSON Lines manifest lines), lazily.

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

        def fetch(token: str | None, limit: int | None) -> tuple[list[str], str | None]:
            page = call("ListDatasetEntries", {**filters, "NextToken": token, "MaxResults": limit})
            return page.get("DatasetEntries", []), page.get("NextToken")

        return ItemPaged(fetch, page_size=page_size, max_items=max_items)

    def update_entries(
        self,
        changes: bytes | str | Iterable[str | Mapping[str, Any]],
        *,
        client_token: str | None = None,
        on_status: Callable[[str, DatasetDescription], None] | None = None,
    ) -> Poller[DatasetDescription]:
        """Add or change entries (a new ``source-ref`` adds, a known one replaces).

        Returns a poller that ends when the update is applied or rolled back.
        """
        params = {**self._ids(), "Changes": encode_changes(changes)}
        self._service.invoker.call("UpdateDatasetEntries", params, client_token=client_token)
        return self.poller("update_dataset", on_status=on_status)

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
