"""One public-method call per API operation, shared by the stubbed test modules.

Each :class:`OperationCase` names an operation of the bundled API definition, the
parameters the SDK must send for it, a minimal valid response, and a callable that
reaches the operation through the SDK's public methods with exactly one request.
``tests/test_operations.py`` drives the success path of every case and
``tests/test_service_errors.py`` every modelled error of every case.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore import xform_name
from botocore.stub import ANY

from lookout_sdk import (
    GreengrassConfiguration,
    LookoutVision,
    Poller,
    Project,
    ProjectDescription,
    S3Location,
)
from lookout_sdk.records.dataset import DatasetDescription
from lookout_sdk.records.detection import DetectionResult
from lookout_sdk.records.model import ModelDescription
from lookout_sdk.records.packaging import PackagingJobDescription

if TYPE_CHECKING:
    from botocore.client import BaseClient

PROJECT = "circuit-boards"
VERSION = "1"
JOB = "circuit-boards-pkg-1"
ACCOUNT = "123456789012"
PROJECT_ARN = f"arn:aws:lookoutvision:us-east-1:{ACCOUNT}:project/{PROJECT}"
MODEL_ARN = f"arn:aws:lookoutvision:us-east-1:{ACCOUNT}:model/{PROJECT}/{VERSION}"
MANIFEST_URI = "s3://bucket/key.manifest"
CALLER_TOKEN = "my-token-1"

#: One JSON Lines entry of a dataset, as a mapping and as the line the SDK sends.
ENTRY: Mapping[str, Any] = {
    "source-ref": "s3://bucket/images/board-001.png",
    "anomaly-label": 1,
}
ENTRY_LINE = b'{"source-ref":"s3://bucket/images/board-001.png","anomaly-label":1}\n'

#: The smallest packaging configuration the API accepts.
MINIMAL_PACKAGING = GreengrassConfiguration(
    component_name="circuit-board-detector",
    s3_output_location=S3Location(bucket="bucket", prefix="components/"),
)
MINIMAL_PACKAGING_API: Mapping[str, Any] = {
    "Greengrass": {
        "ComponentName": "circuit-board-detector",
        "S3OutputLocation": {"Bucket": "bucket", "Prefix": "components/"},
    }
}


def png_bytes(width: int = 64, height: int = 64, shade: int = 0x80) -> bytes:
    """A valid 8-bit grayscale PNG of one flat shade, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit gray, no interlace
    rows = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))  # filter 0 rows
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = png_bytes()


@dataclass(frozen=True)
class OperationCase:
    """How one operation is reached through the SDK, and what it sends and gets."""

    operation: str
    #: What the SDK must send; ``ClientToken`` is ``ANY`` where the SDK makes one.
    params: Mapping[str, Any]
    #: A minimal response that passes the stubber's validation.
    response: Mapping[str, Any]
    #: Calls the public method; sends exactly one request for ``operation``.
    call: Callable[[LookoutVision], object]
    #: What ``call`` returns (``type(None)`` for methods that return nothing).
    returns: type
    #: The same call with a caller-chosen ``client_token`` (operations that take one).
    call_with_token: Callable[[LookoutVision, str], object] | None = field(default=None)

    @property
    def method(self) -> str:
        """The boto3 client method of the operation."""
        return xform_name(self.operation)

    def params_with_token(self, token: str) -> dict[str, Any]:
        """``params`` with the given ``ClientToken``."""
        return {**self.params, "ClientToken": token}


_IDS = {"ProjectName": PROJECT}
_MODEL_IDS = {"ProjectName": PROJECT, "ModelVersion": VERSION}
_TRAIN = {"ProjectName": PROJECT, "DatasetType": "train"}
_TEST = {"ProjectName": PROJECT, "DatasetType": "test"}
_MANIFEST_SOURCE = {
    "GroundTruthManifest": {"S3Object": {"Bucket": "bucket", "Key": "key.manifest"}}
}


def _cases() -> list[OperationCase]:
    none = type(None)
    return [
        OperationCase(
            operation="CreateDataset",
            params={**_TRAIN, "DatasetSource": _MANIFEST_SOURCE, "ClientToken": ANY},
            response={"DatasetMetadata": {"DatasetType": "train", "Status": "CREATE_IN_PROGRESS"}},
            call=lambda s: s.project(PROJECT).create_dataset("train", manifest=MANIFEST_URI),
            call_with_token=lambda s, t: s.project(PROJECT).create_dataset(
                "train", manifest=MANIFEST_URI, client_token=t
            ),
            returns=Poller,
        ),
        OperationCase(
            operation="CreateModel",
            params={
                **_IDS,
                "OutputConfig": {"S3Location": {"Bucket": "bucket", "Prefix": "models/"}},
                "ClientToken": ANY,
            },
            response={"ModelMetadata": {"ModelVersion": VERSION, "Status": "TRAINING"}},
            call=lambda s: s.project(PROJECT).create_model(output="s3://bucket/models/"),
            call_with_token=lambda s, t: s.project(PROJECT).create_model(
                output="s3://bucket/models/", client_token=t
            ),
            returns=Poller,
        ),
        OperationCase(
            operation="CreateProject",
            params={**_IDS, "ClientToken": ANY},
            response={"ProjectMetadata": {"ProjectName": PROJECT, "ProjectArn": PROJECT_ARN}},
            call=lambda s: s.create_project(PROJECT),
            call_with_token=lambda s, t: s.create_project(PROJECT, client_token=t),
            returns=Project,
        ),
        OperationCase(
            operation="DeleteDataset",
            params={**_TEST, "ClientToken": ANY},
            response={},
            call=lambda s: s.project(PROJECT).dataset("test").delete(missing_ok=False),
            call_with_token=lambda s, t: (
                s.project(PROJECT).dataset("test").delete(missing_ok=False, client_token=t)
            ),
            returns=Poller,
        ),
        OperationCase(
            operation="DeleteModel",
            params={**_MODEL_IDS, "ClientToken": ANY},
            response={"ModelArn": MODEL_ARN},
            call=lambda s: s.project(PROJECT).model(VERSION).delete(missing_ok=False),
            call_with_token=lambda s, t: (
                s.project(PROJECT).model(VERSION).delete(missing_ok=False, client_token=t)
            ),
            returns=Poller,
        ),
        OperationCase(
            operation="DeleteProject",
            params={**_IDS, "ClientToken": ANY},
            response={"ProjectArn": PROJECT_ARN},
            call=lambda s: s.project(PROJECT).delete(missing_ok=False),
            call_with_token=lambda s, t: s.project(PROJECT).delete(
                missing_ok=False, client_token=t
            ),
            returns=none,
        ),
        OperationCase(
            operation="DescribeDataset",
            params=_TRAIN,
            response={
                "DatasetDescription": {
                    **_TRAIN,
                    "Status": "CREATE_COMPLETE",
                }
            },
            call=lambda s: s.project(PROJECT).dataset("train").describe(),
            returns=DatasetDescription,
        ),
        OperationCase(
            operation="DescribeModel",
            params=_MODEL_IDS,
            response={"ModelDescription": {"ModelVersion": VERSION, "Status": "TRAINED"}},
            call=lambda s: s.project(PROJECT).model(VERSION).describe(),
            returns=ModelDescription,
        ),
        OperationCase(
            operation="DescribeModelPackagingJob",
            params={**_IDS, "JobName": JOB},
            response={
                "ModelPackagingDescription": {
                    "JobName": JOB,
                    "ProjectName": PROJECT,
                    "ModelVersion": VERSION,
                    "Status": "RUNNING",
                }
            },
            call=lambda s: s.project(PROJECT).packaging_job(JOB).describe(),
            returns=PackagingJobDescription,
        ),
        OperationCase(
            operation="DescribeProject",
            params=_IDS,
            response={"ProjectDescription": {"ProjectName": PROJECT, "ProjectArn": PROJECT_ARN}},
            call=lambda s: s.project(PROJECT).describe(),
            returns=ProjectDescription,
        ),
        OperationCase(
            operation="DetectAnomalies",
            params={**_MODEL_IDS, "Body": PNG, "ContentType": "image/png"},
            response={"DetectAnomalyResult": {"IsAnomalous": False, "Confidence": 0.5}},
            call=lambda s: s.project(PROJECT).model(VERSION).detect(PNG),
            returns=DetectionResult,
        ),
        OperationCase(
            operation="ListDatasetEntries",
            params=_TRAIN,
            response={"DatasetEntries": []},
            call=lambda s: s.project(PROJECT).dataset("train").list_entries().to_list(),
            returns=list,
        ),
        OperationCase(
            operation="ListModelPackagingJobs",
            params=_IDS,
            response={"ModelPackagingJobs": []},
            call=lambda s: s.project(PROJECT).list_packaging_jobs().to_list(),
            returns=list,
        ),
        OperationCase(
            operation="ListModels",
            params=_IDS,
            response={"Models": []},
            call=lambda s: s.project(PROJECT).list_models().to_list(),
            returns=list,
        ),
        OperationCase(
            operation="ListProjects",
            params={},
            response={"Projects": []},
            call=lambda s: s.list_projects().to_list(),
            returns=list,
        ),
        OperationCase(
            operation="ListTagsForResource",
            params={"ResourceArn": PROJECT_ARN},
            response={"Tags": []},
            call=lambda s: s.list_tags(PROJECT_ARN),
            returns=dict,
        ),
        OperationCase(
            operation="StartModel",
            params={**_MODEL_IDS, "MinInferenceUnits": 1, "ClientToken": ANY},
            response={"Status": "STARTING_HOSTING"},
            call=lambda s: s.project(PROJECT).model(VERSION).start(),
            call_with_token=lambda s, t: s.project(PROJECT).model(VERSION).start(client_token=t),
            returns=Poller,
        ),
        OperationCase(
            operation="StartModelPackagingJob",
            params={**_MODEL_IDS, "Configuration": MINIMAL_PACKAGING_API, "ClientToken": ANY},
            response={"JobName": JOB},
            call=lambda s: s.project(PROJECT).model(VERSION).package(MINIMAL_PACKAGING),
            call_with_token=lambda s, t: (
                s.project(PROJECT).model(VERSION).package(MINIMAL_PACKAGING, client_token=t)
            ),
            returns=Poller,
        ),
        OperationCase(
            operation="StopModel",
            params={**_MODEL_IDS, "ClientToken": ANY},
            response={"Status": "STOPPING_HOSTING"},
            call=lambda s: s.project(PROJECT).model(VERSION).stop(),
            call_with_token=lambda s, t: s.project(PROJECT).model(VERSION).stop(client_token=t),
            returns=Poller,
        ),
        OperationCase(
            operation="TagResource",
            params={"ResourceArn": PROJECT_ARN, "Tags": [{"Key": "team", "Value": "vision"}]},
            response={},
            call=lambda s: s.tag_resource(PROJECT_ARN, {"team": "vision"}),
            returns=none,
        ),
        OperationCase(
            operation="UntagResource",
            params={"ResourceArn": PROJECT_ARN, "TagKeys": ["team"]},
            response={},
            call=lambda s: s.untag_resource(PROJECT_ARN, ["team"]),
            returns=none,
        ),
        OperationCase(
            operation="UpdateDatasetEntries",
            params={**_TRAIN, "Changes": ENTRY_LINE, "ClientToken": ANY},
            response={"Status": "UPDATE_IN_PROGRESS"},
            call=lambda s: s.project(PROJECT).dataset("train").update_entries([ENTRY]),
            call_with_token=lambda s, t: (
                s.project(PROJECT).dataset("train").update_entries([ENTRY], client_token=t)
            ),
            returns=Poller,
        ),
    ]


#: Every case, by operation name.
OPERATIONS: dict[str, OperationCase] = {case.operation: case for case in _cases()}
#: The cases whose operation takes a ``ClientToken``.
TOKEN_OPERATIONS: dict[str, OperationCase] = {
    name: case for name, case in OPERATIONS.items() if case.call_with_token is not None
}


@contextmanager
def record_operations(client: BaseClient) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Record ``(operation name, params)`` for every call made on ``client``."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        seen.append((model.name, dict(params)))

    events = client.meta.events
    events.register("before-parameter-build", record, unique_id="tests-record-operations")
    try:
        yield seen
    finally:
        events.unregister("before-parameter-build", unique_id="tests-record-operations")
