"""The :class:`PackagingJob` handle and its poller."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from lookout_sdk._boundary import checked
from lookout_sdk.errors import LookoutError
from lookout_sdk.records.common import S3Object
from lookout_sdk.records.enums import ResourceType
from lookout_sdk.records.operations import Operation, PackagingName
from lookout_sdk.records.packaging import PackagingJobDescription
from lookout_sdk.resources._base import ResourcePoller, describe_or_none

if TYPE_CHECKING:
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["PackagingJob", "PackagingJobPoller"]


class PackagingJobPoller(ResourcePoller["PackagingJob", PackagingJobDescription]):
    """A poller of a model packaging job; :attr:`job` is the job's handle."""

    @property
    def job(self) -> PackagingJob:
        """The packaging job this poller follows."""
        return self._handle


@checked
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
        :attr:`~lookout_sdk.GreengrassConfiguration.package_location`); the retired AWS
        service wrote Greengrass artefacts of its own instead.
        """
        configuration = self.describe().configuration
        if configuration is None:
            raise LookoutError(
                f"packaging job {self.job_name!r} reports no Greengrass configuration"
            )
        return configuration.package_location

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
        self,
        operation: Literal[Operation.PACKAGE_MODEL] | PackagingName | Operation | str = (
            Operation.PACKAGE_MODEL
        ),
        *,
        on_status: Callable[[str, PackagingJobDescription], None] | None = None,
    ) -> PackagingJobPoller:
        """A poller that ends when the job succeeds or fails.

        ``operation`` is :attr:`Operation.PACKAGE_MODEL`, the job's only one; it is
        there so ``poller()`` has one signature on every resource.

        Raises:
            InvalidInputError: ``operation`` is not the packaging operation.
        """
        chosen = Operation.parse(operation, resource=ResourceType.MODEL_PACKAGE_JOB)
        return PackagingJobPoller(self, chosen, on_status=on_status)
