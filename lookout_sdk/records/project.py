"""Records describing projects."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from lookout_sdk.records.dataset import DatasetSummary

__all__ = ["ProjectDescription", "ProjectSummary"]


@attrs.frozen
class ProjectSummary:
    """A project as listed: name, ARN and creation time."""

    name: str
    arn: str
    created: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ProjectSummary:
        """Build from the API's ``ProjectMetadata`` shape."""
        return cls(
            name=data["ProjectName"],
            arn=data.get("ProjectArn", ""),
            created=data.get("CreationTimestamp"),
        )


@attrs.frozen
class ProjectDescription:
    """A project with the summaries of its datasets."""

    name: str
    arn: str
    created: datetime | None = None
    datasets: tuple[DatasetSummary, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ProjectDescription:
        """Build from the API's ``ProjectDescription`` shape."""
        return cls(
            name=data["ProjectName"],
            arn=data.get("ProjectArn", ""),
            created=data.get("CreationTimestamp"),
            datasets=tuple(DatasetSummary.from_api(d) for d in data.get("Datasets", ())),
        )
