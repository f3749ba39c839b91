"""The :class:`PackagingJob` handle."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from lookout_sdk.errors import LookoutError
from lookout_sdk.records.common import S3Object
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

    def package_location(self) -> S3Object:
        """Where the job's edge package is (or will be) in S3.

        Packaging jobs of the local backend write one there (see
        :mod:`lookout_sdk.edge`); the retired AWS service wrote Greengrass artefacts of
        its own instead.
        """
        from lookout_sdk.edge.package import package_key

        configuration = self.describe().configuration
        if configuration is None:
            raise LookoutError(
                f"packaging job {self.job_name!r} reports no Greengrass configuration"
            )
        greengrass = configuration.to_api()["Greengrass"]
        return S3Object(bucket=configuration.s3_output_location.bucket, key=package_key(greengrass))

    def download(self, destination: str | os.PathLike[str]) -> Path:
        """Save the job's edge package to ``destination`` (a file, or a folder for it).

        Load it with :meth:`lookout_sdk.edge.EdgeModel.load`. Uses the service's S3
        client (:meth:`LookoutVision.s3_client`).
        """
        location = self.package_location()
        target = Path(destination)
        if target.is_dir():
            target = target / location.key.rsplit("/", 1)[-1]
        s3: Any = self._service.s3_client()
        body = s3.get_object(Bucket=location.bucket, Key=location.key)
        target.write_bytes(body["Body"].read())
        return target

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
