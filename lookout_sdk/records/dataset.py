"""Records describing datasets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from lookout_sdk.records.enums import DatasetStatus, DatasetType

__all__ = ["DatasetDescription", "DatasetSummary", "ImageStats"]


@attrs.frozen
class ImageStats:
    """Image counts of a dataset: all, labelled, and labelled normal or anomalous."""

    total: int = 0
    labeled: int = 0
    normal: int = 0
    anomaly: int = 0

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ImageStats:
        """Build from the API's ``DatasetImageStats`` shape."""
        return cls(
            total=data.get("Total", 0),
            labeled=data.get("Labeled", 0),
            normal=data.get("Normal", 0),
            anomaly=data.get("Anomaly", 0),
        )


@attrs.frozen
class DatasetSummary:
    """A dataset as a project description lists it."""

    dataset_type: DatasetType
    status: DatasetStatus | None = None
    status_message: str | None = None
    created: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> DatasetSummary:
        """Build from the API's ``DatasetMetadata`` shape."""
        status = data.get("Status")
        return cls(
            dataset_type=DatasetType(data["DatasetType"]),
            status=DatasetStatus(status) if status else None,
            status_message=data.get("StatusMessage"),
            created=data.get("CreationTimestamp"),
        )


@attrs.frozen
class DatasetDescription:
    """A dataset's status and image statistics."""

    project_name: str
    dataset_type: DatasetType
    status: DatasetStatus
    status_message: str | None = None
    created: datetime | None = None
    last_updated: datetime | None = None
    image_stats: ImageStats = ImageStats()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> DatasetDescription:
        """Build from the API's ``DatasetDescription`` shape."""
        return cls(
            project_name=data["ProjectName"],
            dataset_type=DatasetType(data["DatasetType"]),
            status=DatasetStatus(data["Status"]),
            status_message=data.get("StatusMessage"),
            created=data.get("CreationTimestamp"),
            last_updated=data.get("LastUpdatedTimestamp"),
            image_stats=ImageStats.from_api(data.get("ImageStats", {})),
        )
