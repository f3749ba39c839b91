"""Records of model packaging jobs and their Greengrass configuration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from lookout_sdk._boundary import checked, unchecked
from lookout_sdk.records.common import S3Location, S3Object, Tags, tags_from_api, tags_to_api
from lookout_sdk.records.enums import (
    PackagingJobStatus,
    TargetDevice,
    TargetPlatformAccelerator,
    TargetPlatformArch,
    TargetPlatformOs,
)

__all__ = [
    "DEFAULT_COMPONENT_VERSION",
    "GreengrassConfiguration",
    "GreengrassOutput",
    "PackagingJobDescription",
    "PackagingJobSummary",
    "TargetPlatform",
]

#: The component version of a packaging job that names none (as the service defaulted it).
DEFAULT_COMPONENT_VERSION = "1.0.0"


def _os(value: TargetPlatformOs | str) -> TargetPlatformOs:
    return TargetPlatformOs(value)


def _arch(value: TargetPlatformArch | str) -> TargetPlatformArch:
    return TargetPlatformArch(value)


def _accelerator(value: TargetPlatformAccelerator | str | None) -> TargetPlatformAccelerator | None:
    return None if value is None else TargetPlatformAccelerator(value)


def _device(value: TargetDevice | str | None) -> TargetDevice | None:
    return None if value is None else TargetDevice(value)


def _tags(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> Tags:
    return Tags(value)


@checked
@attrs.frozen
class TargetPlatform:
    """The platform a model is compiled for when no target device is named."""

    os: TargetPlatformOs = attrs.field(converter=_os)
    arch: TargetPlatformArch = attrs.field(converter=_arch)
    accelerator: TargetPlatformAccelerator | None = attrs.field(
        default=None, converter=_accelerator
    )

    @classmethod
    @unchecked
    def from_api(cls, data: Mapping[str, Any]) -> TargetPlatform:
        """Build from the API's ``TargetPlatform`` shape."""
        accelerator = data.get("Accelerator")
        return cls(
            os=data["Os"],
            arch=data["Arch"],
            accelerator=TargetPlatformAccelerator(accelerator) if accelerator else None,
        )

    def to_api(self) -> dict[str, Any]:
        """Return the API's ``TargetPlatform`` shape."""
        out: dict[str, Any] = {"Os": self.os.value, "Arch": self.arch.value}
        if self.accelerator is not None:
            out["Accelerator"] = self.accelerator.value
        return out


@checked
@attrs.frozen
class GreengrassConfiguration:
    """How to package a model as an AWS IoT Greengrass component.

    Give either ``target_device`` or ``target_platform``; ``compiler_options`` are
    needed for an NVIDIA accelerator.
    """

    component_name: str
    s3_output_location: S3Location
    component_version: str | None = None
    component_description: str | None = None
    compiler_options: str | None = None
    target_device: TargetDevice | None = attrs.field(default=None, converter=_device)
    target_platform: TargetPlatform | None = None
    tags: Mapping[str, str] = attrs.field(factory=Tags, converter=_tags)

    @classmethod
    @unchecked
    def from_api(cls, data: Mapping[str, Any]) -> GreengrassConfiguration:
        """Build from the API's ``GreengrassConfiguration`` shape."""
        device = data.get("TargetDevice")
        platform = data.get("TargetPlatform")
        return cls(
            component_name=data["ComponentName"],
            s3_output_location=S3Location.from_api(data["S3OutputLocation"]),
            component_version=data.get("ComponentVersion"),
            component_description=data.get("ComponentDescription"),
            compiler_options=data.get("CompilerOptions"),
            target_device=TargetDevice(device) if device else None,
            target_platform=TargetPlatform.from_api(platform) if platform else None,
            tags=tags_from_api(data.get("Tags")),
        )

    def to_api(self) -> dict[str, Any]:
        """Return the API's ``ModelPackagingConfiguration`` shape."""
        out: dict[str, Any] = {
            "ComponentName": self.component_name,
            "S3OutputLocation": self.s3_output_location.to_api(),
        }
        optional = {
            "ComponentVersion": self.component_version,
            "ComponentDescription": self.component_description,
            "CompilerOptions": self.compiler_options,
            "TargetDevice": self.target_device.value if self.target_device else None,
            "TargetPlatform": self.target_platform.to_api() if self.target_platform else None,
            "Tags": tags_to_api(self.tags) if self.tags else None,
        }
        out.update({key: value for key, value in optional.items() if value is not None})
        return {"Greengrass": out}

    @property
    def package_location(self) -> S3Object:
        """Where a packaging job with this configuration writes its edge package.

        ``<prefix><component name>-<component version>.zip`` in the output bucket, the
        version being :data:`DEFAULT_COMPONENT_VERSION` when none is named. Packaging
        jobs of the local backend write one there (see :mod:`lookout_sdk.edge`); the
        retired AWS service wrote Greengrass artefacts of its own instead.
        """
        location = self.s3_output_location
        version = self.component_version or DEFAULT_COMPONENT_VERSION
        key = f"{location.prefix or ''}{self.component_name}-{version}.zip"
        return S3Object(bucket=location.bucket, key=key)


@attrs.frozen
class GreengrassOutput:
    """The Greengrass component a successful packaging job created."""

    component_name: str | None = None
    component_version: str | None = None
    component_version_arn: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> GreengrassOutput:
        """Build from the API's ``GreengrassOutputDetails`` shape."""
        return cls(
            component_name=data.get("ComponentName"),
            component_version=data.get("ComponentVersion"),
            component_version_arn=data.get("ComponentVersionArn"),
        )


@attrs.frozen
class PackagingJobSummary:
    """A model packaging job as listed."""

    job_name: str
    project_name: str
    model_version: str
    status: PackagingJobStatus
    status_message: str | None = None
    description: str | None = None
    method: str | None = None
    created: datetime | None = None
    last_updated: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PackagingJobSummary:
        """Build from the API's ``ModelPackagingJobMetadata`` shape."""
        return cls(**_common_fields(data))


@attrs.frozen
class PackagingJobDescription(PackagingJobSummary):
    """Everything the service reports about a packaging job: the summary and more."""

    configuration: GreengrassConfiguration | None = None
    output: GreengrassOutput | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PackagingJobDescription:
        """Build from the API's ``ModelPackagingDescription`` shape."""
        configuration = (data.get("ModelPackagingConfiguration") or {}).get("Greengrass")
        output = (data.get("ModelPackagingOutputDetails") or {}).get("Greengrass")
        return cls(
            **_common_fields(data),
            configuration=GreengrassConfiguration.from_api(configuration)
            if configuration
            else None,
            output=GreengrassOutput.from_api(output) if output else None,
        )


def _common_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "job_name": data["JobName"],
        "project_name": data["ProjectName"],
        "model_version": data["ModelVersion"],
        "status": PackagingJobStatus(data["Status"]),
        "status_message": data.get("StatusMessage"),
        "description": data.get("ModelPackagingJobDescription"),
        "method": data.get("ModelPackagingMethod"),
        "created": data.get("CreationTimestamp"),
        "last_updated": data.get("LastUpdatedTimestamp"),
    }
