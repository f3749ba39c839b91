"""The :class:`PackagingJob` handle."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from lookout_sdk.records.enums import PACKAGING_TERMINAL, PackagingJobStatus
from lookout_sdk.records.packaging import PackagingJobDescription
from lookout_sdk.resources._base import describe_or_none, make_poller, status_outcome
from lookout_sdk.runtime.polling import Poller

if TYPE_CHECKING:
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["PackagingJob"]

_RUNNING = frozenset(PackagingJobStatus) - PACKAGING_TERMINAL
_SUCCEEDED = frozenset({PackagingJobStatus.SUCCEEDED})


@attrs.frozen
class PackagingJob:
    """Model packaging job ``job_name`` of project ``project_name``."""

    _service: LookoutVision = attrs.field(eq=False, repr=False, alias="service")
    project_name: str
    job_name: str

    def describe(self) -> PackagingJobDescription:
        """Return the job's status, configuration and output."""
        params = {"ProjectName": self.project_name, "JobName": self.job_name}
        answer = self._service.invoker.call("DescribeModelPackagingJob", params)
        return PackagingJobDescription.from_api(answer["ModelPackagingDescription"])

    def exists(self) -> bool:
        """Whether the job exists."""
        return describe_or_none(self.describe) is not None

    def poller(
        self, *, on_status: Callable[[str, Any], None] | None = None
    ) -> Poller[PackagingJobDescription]:
        """A poller that ends when the job succeeds or fails."""
        return make_poller(
            self._service,
            kind="package_model",
            identity={"project": self.project_name, "job": self.job_name},
            fetch=self.describe,
            outcome=lambda r: status_outcome(r.status, running=_RUNNING, succeeded=_SUCCEEDED),
            status_of=lambda r: str(r.status),
            message_of=lambda r: r.status_message,
            initial=None,
            on_status=on_status,
        )
