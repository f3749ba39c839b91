"""The success path of every API operation, driven through the SDK's public methods.

Every response is queued on a botocore ``Stubber`` with ``expected_params``, so each
test proves what the SDK sends as well as how it reads the answer back into typed
records. Pollers consume queued describe responses; the fake clock means no test
really sleeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore import xform_name
from botocore.stub import ANY, Stubber

from lookout_sdk import (
    Anomaly,
    AnomalyClass,
    DatasetDescription,
    DatasetStatus,
    DatasetSummary,
    DatasetType,
    DetectionResult,
    GreengrassConfiguration,
    GreengrassOutput,
    ImageStats,
    LookoutVision,
    ModelDescription,
    ModelPerformance,
    ModelStatus,
    ModelSummary,
    Operation,
    PackagingJobDescription,
    PackagingJobStatus,
    PackagingJobSummary,
    PollingPolicy,
    Project,
    ProjectDescription,
    ProjectSummary,
    RetryPolicy,
    S3Location,
    S3Object,
    TargetDevice,
    TargetPlatform,
    TargetPlatformAccelerator,
    TargetPlatformArch,
    TargetPlatformOs,
)
from lookout_sdk.manifests.entry import ManifestEntry
from tests.operation_table import (
    CALLER_TOKEN,
    ENTRY,
    ENTRY_LINE,
    JOB,
    MANIFEST_URI,
    MODEL_ARN,
    OPERATIONS,
    PNG,
    PROJECT,
    PROJECT_ARN,
    TOKEN_OPERATIONS,
    VERSION,
    OperationCase,
    png_bytes,
    record_operations,
)

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from tests.conftest import FakeClock

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)
MODEL_IDS = {"ProjectName": PROJECT, "ModelVersion": VERSION}
TRAIN_IDS = {"ProjectName": PROJECT, "DatasetType": "train"}
TEST_IDS = {"ProjectName": PROJECT, "DatasetType": "test"}
TOKEN_PATTERN = re.compile(r"[a-zA-Z0-9-]{1,64}")


@pytest.fixture
def service(shared_client: BaseClient, clock: FakeClock) -> LookoutVision:
    """Like conftest's ``service``, but over one client shared by the module (fast)."""
    return LookoutVision(
        client=shared_client,
        retry=RetryPolicy(sleep=clock.sleep, clock=clock, jitter=False),
        polling=PollingPolicy(sleep=clock.sleep, clock=clock),
    )


@pytest.fixture
def sent(service: LookoutVision) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """``(operation, params)`` of every request the test makes, in order."""
    with record_operations(service.client) as seen:
        yield seen


# ----------------------------------------------------------------------------- describes


def _model_description(status: str, **extra: Any) -> dict[str, Any]:
    return {"ModelDescription": {"ModelVersion": VERSION, "Status": status, **extra}}


def _dataset_description(dataset_type: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "DatasetDescription": {
            "ProjectName": PROJECT,
            "DatasetType": dataset_type,
            "Status": status,
            **extra,
        }
    }


def _job_description(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "ModelPackagingDescription": {
            "JobName": JOB,
            "ProjectName": PROJECT,
            "ModelVersion": VERSION,
            "Status": status,
            **extra,
        }
    }


def _project_description() -> dict[str, Any]:
    return {"ProjectDescription": {"ProjectName": PROJECT, "ProjectArn": PROJECT_ARN}}


def _not_found(stubber: Stubber, method: str, params: dict[str, Any]) -> None:
    stubber.add_client_error(
        method,
        "ResourceNotFoundException",
        "gone",
        404,
        modeled_fields={"Message": "gone", "ResourceId": PROJECT, "ResourceType": "MODEL"},
        expected_params=params,
    )


# ----------------------------------------------------------------------------- projects


def test_create_project_sends_the_name_and_a_generated_token(
    service: LookoutVision, stubber: Stubber, sent: list[tuple[str, dict[str, Any]]]
) -> None:
    stubber.add_response(
        "create_project",
        {
            "ProjectMetadata": {
                "ProjectName": PROJECT,
                "ProjectArn": PROJECT_ARN,
                "CreationTimestamp": T0,
            }
        },
        {"ProjectName": PROJECT, "ClientToken": ANY},
    )

    project = service.create_project(PROJECT)

    assert isinstance(project, Project)
    assert project == service.project(PROJECT)
    assert project.name == PROJECT
    assert project.service is service
    [(operation, params)] = sent
    assert operation == "CreateProject"
    token = params["ClientToken"]
    assert len(token) == 36
    assert TOKEN_PATTERN.fullmatch(token)


def test_describe_project_returns_the_project_and_its_datasets(
    service: LookoutVision, stubber: Stubber
) -> None:
    stubber.add_response(
        "describe_project",
        {
            "ProjectDescription": {
                "ProjectName": PROJECT,
                "ProjectArn": PROJECT_ARN,
                "CreationTimestamp": T0,
                "Datasets": [
                    {
                        "DatasetType": "train",
                        "Status": "CREATE_COMPLETE",
                        "StatusMessage": "Dataset created",
                        "CreationTimestamp": T1,
                    },
                    {"DatasetType": "test", "Status": "UPDATE_IN_PROGRESS"},
                ],
            }
        },
        {"ProjectName": PROJECT},
    )

    description = service.project(PROJECT).describe()

    assert description == ProjectDescription(
        name=PROJECT,
        arn=PROJECT_ARN,
        created=T0,
        datasets=(
            DatasetSummary(
                dataset_type=DatasetType.TRAIN,
                status=DatasetStatus.CREATE_COMPLETE,
                status_message="Dataset created",
                created=T1,
            ),
            DatasetSummary(dataset_type=DatasetType.TEST, status=DatasetStatus.UPDATE_IN_PROGRESS),
        ),
    )
    assert description.datasets[0].status is DatasetStatus.CREATE_COMPLETE
    assert description.datasets[1].dataset_type is DatasetType.TEST
    assert description.created is not None
    assert description.created.tzinfo is not None


def test_describe_project_through_exists(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response("describe_project", _project_description(), {"ProjectName": PROJECT})

    assert service.project(PROJECT).exists() is True


def test_list_projects_follows_page_tokens(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response(
        "list_projects",
        {
            "Projects": [
                {"ProjectName": "alpha", "ProjectArn": "arn:alpha", "CreationTimestamp": T0},
                {"ProjectName": "beta", "ProjectArn": "arn:beta", "CreationTimestamp": T1},
            ],
            "NextToken": "cGFnZTI=",
        },
        {"MaxResults": 2},
    )
    stubber.add_response(
        "list_projects",
        {"Projects": [{"ProjectName": "gamma", "ProjectArn": "arn:gamma"}]},
        {"MaxResults": 2, "NextToken": "cGFnZTI="},
    )

    projects = service.list_projects(page_size=2).to_list()

    assert projects == [
        ProjectSummary(name="alpha", arn="arn:alpha", created=T0),
        ProjectSummary(name="beta", arn="arn:beta", created=T1),
        ProjectSummary(name="gamma", arn="arn:gamma", created=None),
    ]


def test_delete_project_sends_a_generated_token(
    service: LookoutVision, stubber: Stubber, sent: list[tuple[str, dict[str, Any]]]
) -> None:
    stubber.add_response(
        "delete_project",
        {"ProjectArn": PROJECT_ARN},
        {"ProjectName": PROJECT, "ClientToken": ANY},
    )

    service.project(PROJECT).delete()

    assert [operation for operation, _ in sent] == ["DeleteProject"]


# ----------------------------------------------------------------------------- datasets


def test_create_dataset_from_a_manifest_polls_until_complete(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    stubber.add_response(
        "create_dataset",
        {"DatasetMetadata": {"DatasetType": "train", "Status": "CREATE_IN_PROGRESS"}},
        {
            **TRAIN_IDS,
            "DatasetSource": {
                "GroundTruthManifest": {"S3Object": {"Bucket": "bucket", "Key": "key.manifest"}}
            },
            "ClientToken": ANY,
        },
    )
    stubber.add_response(
        "describe_dataset", _dataset_description("train", "CREATE_IN_PROGRESS"), TRAIN_IDS
    )
    stubber.add_response(
        "describe_dataset",
        _dataset_description(
            "train",
            "CREATE_COMPLETE",
            StatusMessage="Dataset created",
            CreationTimestamp=T0,
            LastUpdatedTimestamp=T1,
            ImageStats={"Total": 30, "Labeled": 28, "Normal": 20, "Anomaly": 8},
        ),
        TRAIN_IDS,
    )
    seen: list[str] = []

    poller = service.project(PROJECT).create_dataset(
        "train", manifest=MANIFEST_URI, on_status=lambda status, _record: seen.append(status)
    )
    result = poller.result()

    assert result == DatasetDescription(
        project_name=PROJECT,
        dataset_type=DatasetType.TRAIN,
        status=DatasetStatus.CREATE_COMPLETE,
        status_message="Dataset created",
        created=T0,
        last_updated=T1,
        image_stats=ImageStats(total=30, labeled=28, normal=20, anomaly=8),
    )
    assert result.status is DatasetStatus.CREATE_COMPLETE
    assert poller.status() == "CREATE_COMPLETE"
    assert poller.dataset == service.project(PROJECT).dataset("train")
    assert seen == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]
    assert clock.sleeps == [2.0]


def test_create_dataset_from_a_versioned_s3_object_or_empty(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    stubber.add_response(
        "create_dataset",
        {"DatasetMetadata": {"DatasetType": "test", "Status": "CREATE_IN_PROGRESS"}},
        {
            **TEST_IDS,
            "DatasetSource": {
                "GroundTruthManifest": {
                    "S3Object": {"Bucket": "bucket", "Key": "test.manifest", "VersionId": "v7"}
                }
            },
            "ClientToken": ANY,
        },
    )
    stubber.add_response(
        "create_dataset",
        {"DatasetMetadata": {"DatasetType": "train", "Status": "CREATE_IN_PROGRESS"}},
        {**TRAIN_IDS, "ClientToken": ANY},
    )
    stubber.add_response(
        "describe_dataset", _dataset_description("train", "CREATE_COMPLETE"), TRAIN_IDS
    )
    project = service.project(PROJECT)

    project.create_dataset(
        DatasetType.TEST, manifest=S3Object(bucket="bucket", key="test.manifest", version_id="v7")
    )
    empty = project.create_dataset("train").result()

    assert empty.status is DatasetStatus.CREATE_COMPLETE
    assert empty.image_stats == ImageStats()
    assert clock.sleeps == []  # one look was enough


def test_describe_dataset_returns_status_and_image_stats(
    service: LookoutVision, stubber: Stubber
) -> None:
    stubber.add_response(
        "describe_dataset",
        _dataset_description(
            "test",
            "UPDATE_FAILED_ROLLBACK_COMPLETE",
            StatusMessage="manifest line 3 is invalid",
            CreationTimestamp=T0,
            LastUpdatedTimestamp=T2,
            ImageStats={"Total": 12, "Labeled": 12, "Normal": 6, "Anomaly": 6},
        ),
        TEST_IDS,
    )

    description = service.project(PROJECT).dataset("test").describe()

    assert description.project_name == PROJECT
    assert description.dataset_type is DatasetType.TEST
    assert description.status is DatasetStatus.UPDATE_FAILED_ROLLBACK_COMPLETE
    assert description.status.is_terminal
    assert description.status.is_failed
    assert description.status_message == "manifest line 3 is invalid"
    assert description.created == T0
    assert description.last_updated == T2
    assert description.image_stats == ImageStats(total=12, labeled=12, normal=6, anomaly=6)


def test_delete_dataset_polls_until_the_dataset_is_gone(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    stubber.add_response("delete_dataset", {}, {**TEST_IDS, "ClientToken": ANY})
    stubber.add_response(
        "describe_dataset", _dataset_description("test", "DELETE_IN_PROGRESS"), TEST_IDS
    )
    _not_found(stubber, "describe_dataset", TEST_IDS)

    poller = service.project(PROJECT).dataset("test").delete()

    assert poller.result() is None
    assert poller.status() == "DELETED"
    assert clock.sleeps == [2.0]


def test_list_dataset_entries_sends_every_filter_and_follows_pages(
    service: LookoutVision, stubber: Stubber
) -> None:
    filters = {
        **TRAIN_IDS,
        "Labeled": True,
        "AnomalyClass": "anomaly",
        "BeforeCreationDate": T2,
        "AfterCreationDate": T0,
        "SourceRefContains": "x",
        "MaxResults": 50,
    }
    line_a = (
        '{"source-ref":"s3://bucket/x-1.png","anomaly-label":1,'
        '"anomaly-label-metadata":{"class-name":"anomaly","human-annotated":"yes"}}'
    )
    line_b = '{"source-ref":"s3://bucket/x-2.png","anomaly-label":1}'
    stubber.add_response(
        "list_dataset_entries", {"DatasetEntries": [line_a], "NextToken": "t2"}, filters
    )
    stubber.add_response(
        "list_dataset_entries", {"DatasetEntries": [line_b]}, {**filters, "NextToken": "t2"}
    )

    entries = (
        service.project(PROJECT)
        .dataset("train")
        .list_entries(
            labeled=True,
            anomaly_class="anomaly",
            created_before=T2,
            created_after=T0,
            source_ref_contains="x",
            page_size=50,
        )
    )

    listed = list(entries)
    assert all(isinstance(entry, ManifestEntry) for entry in listed)
    assert [entry.to_json() for entry in listed] == [line_a, line_b]
    assert listed[0].source_ref == "s3://bucket/x-1.png"
    assert listed[0].label is AnomalyClass.ANOMALY
    assert listed[0].human_annotated is True
    assert listed[1].label is None  # no label metadata: an unlabelled entry


def test_list_dataset_entries_takes_the_anomaly_class_enum(
    service: LookoutVision, stubber: Stubber
) -> None:
    stubber.add_response(
        "list_dataset_entries",
        {"DatasetEntries": []},
        {**TEST_IDS, "AnomalyClass": "normal", "Labeled": False},
    )

    entries = (
        service.project(PROJECT)
        .dataset("test")
        .list_entries(labeled=False, anomaly_class=AnomalyClass.NORMAL)
    )

    assert entries.to_list() == []


def test_update_dataset_entries_sends_json_lines_and_polls(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    second = '{"source-ref":"s3://bucket/images/board-002.png","anomaly-label":0}'
    stubber.add_response(
        "update_dataset_entries",
        {"Status": "UPDATE_IN_PROGRESS"},
        {**TRAIN_IDS, "Changes": ENTRY_LINE + second.encode() + b"\n", "ClientToken": ANY},
    )
    stubber.add_response(
        "describe_dataset", _dataset_description("train", "UPDATE_IN_PROGRESS"), TRAIN_IDS
    )
    stubber.add_response(
        "describe_dataset", _dataset_description("train", "UPDATE_IN_PROGRESS"), TRAIN_IDS
    )
    stubber.add_response(
        "describe_dataset",
        _dataset_description(
            "train",
            "UPDATE_COMPLETE",
            ImageStats={"Total": 2, "Labeled": 2, "Normal": 1, "Anomaly": 1},
        ),
        TRAIN_IDS,
    )

    poller = service.project(PROJECT).dataset("train").update_entries([ENTRY, second])
    result = poller.result()

    assert result.status is DatasetStatus.UPDATE_COMPLETE
    assert result.image_stats == ImageStats(total=2, labeled=2, normal=1, anomaly=1)
    assert clock.sleeps == [2.0, 3.0]  # the pause grows while the status stands still


# ----------------------------------------------------------------------------- models


def test_create_model_returns_the_new_version_and_polls_training(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    kms = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    stubber.add_response(
        "create_model",
        {
            "ModelMetadata": {
                "ModelVersion": VERSION,
                "ModelArn": MODEL_ARN,
                "Status": "TRAINING",
                "StatusMessage": "Training started",
                "Description": "first-try",
                "CreationTimestamp": T0,
            }
        },
        {
            "ProjectName": PROJECT,
            "OutputConfig": {"S3Location": {"Bucket": "bucket", "Prefix": "models/"}},
            "Description": "first-try",
            "KmsKeyId": kms,
            "Tags": [{"Key": "team", "Value": "vision"}, {"Key": "stage", "Value": "dev"}],
            "ClientToken": ANY,
        },
    )
    stubber.add_response("describe_model", _model_description("TRAINING"), MODEL_IDS)
    stubber.add_response(
        "describe_model",
        _model_description(
            "TRAINED",
            ModelArn=MODEL_ARN,
            StatusMessage="Training completed",
            Description="first-try",
            CreationTimestamp=T0,
            Performance={"F1Score": 0.91, "Recall": 0.88, "Precision": 0.94},
            OutputConfig={"S3Location": {"Bucket": "bucket", "Prefix": "models/"}},
            EvaluationManifest={"Bucket": "bucket", "Key": "models/eval/manifest.json"},
            EvaluationResult={"Bucket": "bucket", "Key": "models/eval/result.json"},
            EvaluationEndTimestamp=T2,
            KmsKeyId=kms,
        ),
        MODEL_IDS,
    )

    poller = service.project(PROJECT).create_model(
        output=S3Location(bucket="bucket", prefix="models/"),
        description="first-try",
        kms_key_id=kms,
        tags={"team": "vision", "stage": "dev"},
    )

    assert poller.model == service.project(PROJECT).model(VERSION)  # known at once
    initial = poller.record
    assert initial is not None
    assert initial.version == VERSION
    assert initial.status is ModelStatus.TRAINING
    assert initial.status_message == "Training started"
    assert poller.status() == "TRAINING"
    result = poller.result()
    assert result == ModelDescription(
        project_name=PROJECT,
        version=VERSION,
        status=ModelStatus.TRAINED,
        arn=MODEL_ARN,
        status_message="Training completed",
        description="first-try",
        created=T0,
        performance=ModelPerformance(f1_score=0.91, recall=0.88, precision=0.94),
        output_location=S3Location(bucket="bucket", prefix="models/"),
        evaluation_manifest=S3Object(bucket="bucket", key="models/eval/manifest.json"),
        evaluation_result=S3Object(bucket="bucket", key="models/eval/result.json"),
        evaluation_ended=T2,
        kms_key_id=kms,
    )
    assert clock.sleeps == [2.0]


def test_describe_model_returns_every_field(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response(
        "describe_model",
        _model_description(
            "HOSTED",
            ModelArn=MODEL_ARN,
            StatusMessage="Hosted",
            CreationTimestamp=T0,
            Performance={"F1Score": 0.5},
            OutputConfig={"S3Location": {"Bucket": "out-bucket"}},
            MinInferenceUnits=2,
            MaxInferenceUnits=4,
        ),
        MODEL_IDS,
    )

    description = service.project(PROJECT).model(VERSION).describe()

    assert description.project_name == PROJECT
    assert description.version == VERSION
    assert description.status is ModelStatus.HOSTED
    assert description.status.is_terminal
    assert not description.status.is_failed
    assert description.arn == MODEL_ARN
    assert description.status_message == "Hosted"
    assert description.created == T0
    assert description.performance == ModelPerformance(f1_score=0.5)
    assert description.output_location == S3Location(bucket="out-bucket")
    assert description.output_location.uri == "s3://out-bucket/"
    assert description.evaluation_manifest is None
    assert description.evaluation_result is None
    assert description.min_inference_units == 2
    assert description.max_inference_units == 4


def test_describe_model_keeps_a_status_the_sdk_does_not_know(
    service: LookoutVision, stubber: Stubber
) -> None:
    stubber.add_response("describe_model", _model_description("QUANTUM_TUNING"), MODEL_IDS)

    description = service.project(PROJECT).model(1).describe()

    assert description.status == "QUANTUM_TUNING"
    assert isinstance(description.status, ModelStatus)
    assert not description.status.is_known
    assert not description.status.is_terminal


def test_list_models_returns_summaries(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response(
        "list_models",
        {
            "Models": [
                {
                    "ModelVersion": "2",
                    "ModelArn": MODEL_ARN[:-1] + "2",
                    "Status": "TRAINING_FAILED",
                    "StatusMessage": "not enough images",
                    "CreationTimestamp": T1,
                },
                {
                    "ModelVersion": "1",
                    "ModelArn": MODEL_ARN,
                    "Status": "HOSTED",
                    "Description": "first-try",
                    "CreationTimestamp": T0,
                    "Performance": {"F1Score": 0.9, "Recall": 0.8, "Precision": 1.0},
                },
            ]
        },
        {"ProjectName": PROJECT, "MaxResults": 10},
    )

    models = service.project(PROJECT).list_models(max_items=10).to_list()

    assert models == [
        ModelSummary(
            project_name=PROJECT,
            version="2",
            status=ModelStatus.TRAINING_FAILED,
            arn=MODEL_ARN[:-1] + "2",
            status_message="not enough images",
            created=T1,
        ),
        ModelSummary(
            project_name=PROJECT,
            version="1",
            status=ModelStatus.HOSTED,
            arn=MODEL_ARN,
            description="first-try",
            created=T0,
            performance=ModelPerformance(f1_score=0.9, recall=0.8, precision=1.0),
        ),
    ]
    assert models[0].status.is_failed


def test_start_model_sends_inference_units_and_waits_until_hosted(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    stubber.add_response(
        "start_model",
        {"Status": "STARTING_HOSTING"},
        {**MODEL_IDS, "MinInferenceUnits": 2, "MaxInferenceUnits": 4, "ClientToken": ANY},
    )
    stubber.add_response("describe_model", _model_description("STARTING_HOSTING"), MODEL_IDS)
    stubber.add_response(
        "describe_model",
        _model_description("HOSTED", MinInferenceUnits=2, MaxInferenceUnits=4),
        MODEL_IDS,
    )

    poller = (
        service.project(PROJECT).model(VERSION).start(min_inference_units=2, max_inference_units=4)
    )
    result = poller.result()

    assert result.status is ModelStatus.HOSTED
    assert (result.min_inference_units, result.max_inference_units) == (2, 4)
    assert poller.operation is Operation.START_MODEL
    assert clock.sleeps == [2.0]


def test_stop_model_waits_until_trained(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    stubber.add_response(
        "stop_model", {"Status": "STOPPING_HOSTING"}, {**MODEL_IDS, "ClientToken": ANY}
    )
    stubber.add_response("describe_model", _model_description("STOPPING_HOSTING"), MODEL_IDS)
    stubber.add_response("describe_model", _model_description("TRAINED"), MODEL_IDS)

    result = service.project(PROJECT).model(VERSION).stop().result()

    assert result.status is ModelStatus.TRAINED
    assert result.version == VERSION
    assert clock.sleeps == [2.0]


def test_delete_model_polls_until_the_model_is_gone(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    stubber.add_response("delete_model", {"ModelArn": MODEL_ARN}, {**MODEL_IDS, "ClientToken": ANY})
    stubber.add_response("describe_model", _model_description("DELETING"), MODEL_IDS)
    stubber.add_response("describe_model", _model_description("DELETING"), MODEL_IDS)
    _not_found(stubber, "describe_model", MODEL_IDS)

    poller = service.project(PROJECT).model(VERSION).delete()

    assert poller.result() is None
    assert poller.status() == "DELETED"
    assert clock.sleeps == [2.0, 3.0]


def test_detect_anomalies_returns_the_segmentation_result(
    service: LookoutVision, stubber: Stubber
) -> None:
    mask = png_bytes(64, 64, shade=0xFF)
    stubber.add_response(
        "detect_anomalies",
        {
            "DetectAnomalyResult": {
                "Source": {"Type": "direct"},
                "IsAnomalous": True,
                "Confidence": 0.97,
                "Anomalies": [
                    {
                        "Name": "background",
                        "PixelAnomaly": {"TotalPercentageArea": 0.9, "Color": "#FFFFFF"},
                    },
                    {
                        "Name": "scratch",
                        "PixelAnomaly": {"TotalPercentageArea": 0.1, "Color": "#FF0000"},
                    },
                ],
                "AnomalyMask": mask,
            }
        },
        {**MODEL_IDS, "Body": PNG, "ContentType": "image/png"},
    )

    result = service.project(PROJECT).model(VERSION).detect(PNG)

    assert isinstance(result, DetectionResult)
    assert result.is_anomalous is True
    assert result.confidence == pytest.approx(0.97)
    assert result.source_type == "direct"
    assert result.anomalies == (
        Anomaly(name="background", total_percentage_area=0.9, color="#FFFFFF"),
        Anomaly(name="scratch", total_percentage_area=0.1, color="#FF0000"),
    )
    assert result.anomaly_classes == (
        Anomaly(name="scratch", total_percentage_area=0.1, color="#FF0000"),
    )
    assert result.anomaly_mask == mask
    assert result.anomaly_mask.startswith(b"\x89PNG\r\n\x1a\n")


def test_detect_anomalies_reads_an_image_file(
    service: LookoutVision, stubber: Stubber, tmp_path: Path
) -> None:
    image = tmp_path / "board.png"
    image.write_bytes(PNG)
    stubber.add_response(
        "detect_anomalies",
        {"DetectAnomalyResult": {"IsAnomalous": False, "Confidence": 0.99}},
        {**MODEL_IDS, "Body": PNG, "ContentType": "image/png"},
    )

    result = service.project(PROJECT).model(VERSION).detect(image, content_type="image/png")

    assert result == DetectionResult(is_anomalous=False, confidence=0.99)
    assert result.anomalies == ()
    assert result.anomaly_mask is None


# ----------------------------------------------------------------------------- packaging


def _full_configuration() -> tuple[GreengrassConfiguration, dict[str, Any]]:
    configuration = GreengrassConfiguration(
        component_name="circuit-board-detector",
        s3_output_location=S3Location(bucket="bucket", prefix="components/"),
        component_version="1.0.0",
        component_description="Finds scratches on circuit boards",
        compiler_options='{"gpu-code": "sm_72", "trt-ver": "7.1.3", "cuda-ver": "10.2"}',
        target_platform=TargetPlatform(
            os="LINUX", arch="ARM64", accelerator=TargetPlatformAccelerator.NVIDIA
        ),
        tags={"team": "vision"},
    )
    api = {
        "Greengrass": {
            "ComponentName": "circuit-board-detector",
            "S3OutputLocation": {"Bucket": "bucket", "Prefix": "components/"},
            "ComponentVersion": "1.0.0",
            "ComponentDescription": "Finds scratches on circuit boards",
            "CompilerOptions": '{"gpu-code": "sm_72", "trt-ver": "7.1.3", "cuda-ver": "10.2"}',
            "TargetPlatform": {"Os": "LINUX", "Arch": "ARM64", "Accelerator": "NVIDIA"},
            "Tags": [{"Key": "team", "Value": "vision"}],
        }
    }
    return configuration, api


def test_start_model_packaging_job_round_trips_the_greengrass_configuration(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    configuration, api = _full_configuration()
    component_arn = "arn:aws:greengrass:us-east-1:123456789012:components:circuit-board-detector"
    stubber.add_response(
        "start_model_packaging_job",
        {"JobName": JOB},
        {
            **MODEL_IDS,
            "Configuration": api,
            "JobName": JOB,
            "Description": "edge build",
            "ClientToken": ANY,
        },
    )
    describe_ids = {"ProjectName": PROJECT, "JobName": JOB}
    stubber.add_response(
        "describe_model_packaging_job",
        _job_description("RUNNING", ModelPackagingConfiguration=api),
        describe_ids,
    )
    stubber.add_response(
        "describe_model_packaging_job",
        _job_description(
            "SUCCEEDED",
            StatusMessage="Packaged",
            ModelPackagingJobDescription="edge build",
            ModelPackagingMethod="Greengrass",
            CreationTimestamp=T0,
            LastUpdatedTimestamp=T1,
            ModelPackagingConfiguration=api,
            ModelPackagingOutputDetails={
                "Greengrass": {
                    "ComponentName": "circuit-board-detector",
                    "ComponentVersion": "1.0.0",
                    "ComponentVersionArn": f"{component_arn}:versions:1.0.0",
                }
            },
        ),
        describe_ids,
    )

    poller = (
        service.project(PROJECT)
        .model(VERSION)
        .package(configuration, job_name=JOB, description="edge build")
    )
    result = poller.result()

    assert result == PackagingJobDescription(
        job_name=JOB,
        project_name=PROJECT,
        model_version=VERSION,
        status=PackagingJobStatus.SUCCEEDED,
        status_message="Packaged",
        description="edge build",
        method="Greengrass",
        created=T0,
        last_updated=T1,
        configuration=configuration,
        output=GreengrassOutput(
            component_name="circuit-board-detector",
            component_version="1.0.0",
            component_version_arn=f"{component_arn}:versions:1.0.0",
        ),
    )
    assert result.configuration is not None
    platform = result.configuration.target_platform
    assert platform is not None
    assert platform.os is TargetPlatformOs.LINUX
    assert platform.arch is TargetPlatformArch.ARM64
    assert platform.accelerator is TargetPlatformAccelerator.NVIDIA
    assert result.configuration.to_api() == api
    assert poller.identity == {"project": PROJECT, "job": JOB}
    assert poller.job == service.project(PROJECT).packaging_job(JOB)
    assert clock.sleeps == [2.0]


def test_describe_model_packaging_job_for_a_target_device(
    service: LookoutVision, stubber: Stubber
) -> None:
    api = {
        "Greengrass": {
            "ComponentName": "detector",
            "S3OutputLocation": {"Bucket": "bucket"},
            "TargetDevice": "jetson_xavier",
        }
    }
    stubber.add_response(
        "describe_model_packaging_job",
        _job_description(
            "FAILED", StatusMessage="compilation failed", ModelPackagingConfiguration=api
        ),
        {"ProjectName": PROJECT, "JobName": JOB},
    )

    description = service.project(PROJECT).packaging_job(JOB).describe()

    assert description.status is PackagingJobStatus.FAILED
    assert description.status.is_failed
    assert description.status_message == "compilation failed"
    assert description.output is None
    assert description.configuration == GreengrassConfiguration(
        component_name="detector",
        s3_output_location=S3Location(bucket="bucket"),
        target_device=TargetDevice.JETSON_XAVIER,
    )
    assert description.configuration.tags == {}
    assert description.configuration.to_api() == api


def test_list_model_packaging_jobs_returns_summaries(
    service: LookoutVision, stubber: Stubber
) -> None:
    stubber.add_response(
        "list_model_packaging_jobs",
        {
            "ModelPackagingJobs": [
                {
                    "JobName": JOB,
                    "ProjectName": PROJECT,
                    "ModelVersion": VERSION,
                    "Status": "SUCCEEDED",
                    "StatusMessage": "Packaged",
                    "ModelPackagingJobDescription": "edge build",
                    "ModelPackagingMethod": "Greengrass",
                    "CreationTimestamp": T0,
                    "LastUpdatedTimestamp": T1,
                }
            ],
            "NextToken": "more",
        },
        {"ProjectName": PROJECT, "MaxResults": 1},
    )

    jobs = service.project(PROJECT).list_packaging_jobs(max_items=1).to_list()

    assert jobs == [
        PackagingJobSummary(
            job_name=JOB,
            project_name=PROJECT,
            model_version=VERSION,
            status=PackagingJobStatus.SUCCEEDED,
            status_message="Packaged",
            description="edge build",
            method="Greengrass",
            created=T0,
            last_updated=T1,
        )
    ]


# ----------------------------------------------------------------------------- tags


def test_list_tags_for_resource_from_the_service_project_and_model(
    service: LookoutVision, stubber: Stubber
) -> None:
    tags = [{"Key": "team", "Value": "vision"}, {"Key": "stage", "Value": "dev"}]
    stubber.add_response("list_tags_for_resource", {"Tags": tags}, {"ResourceArn": PROJECT_ARN})
    stubber.add_response("describe_project", _project_description(), {"ProjectName": PROJECT})
    stubber.add_response("list_tags_for_resource", {"Tags": tags}, {"ResourceArn": PROJECT_ARN})
    stubber.add_response(
        "describe_model", _model_description("TRAINED", ModelArn=MODEL_ARN), MODEL_IDS
    )
    stubber.add_response("list_tags_for_resource", {}, {"ResourceArn": MODEL_ARN})

    assert service.list_tags(PROJECT_ARN) == {"team": "vision", "stage": "dev"}
    assert service.project(PROJECT).tags() == {"team": "vision", "stage": "dev"}
    assert service.project(PROJECT).model(VERSION).tags() == {}


def test_tag_resource_from_the_service_project_and_model(
    service: LookoutVision, stubber: Stubber, sent: list[tuple[str, dict[str, Any]]]
) -> None:
    tags = {"team": "vision", "cost-centre": "42"}
    api_tags = [{"Key": "team", "Value": "vision"}, {"Key": "cost-centre", "Value": "42"}]
    stubber.add_response("tag_resource", {}, {"ResourceArn": PROJECT_ARN, "Tags": api_tags})
    stubber.add_response("describe_project", _project_description(), {"ProjectName": PROJECT})
    stubber.add_response("tag_resource", {}, {"ResourceArn": PROJECT_ARN, "Tags": api_tags})
    stubber.add_response(
        "describe_model", _model_description("TRAINED", ModelArn=MODEL_ARN), MODEL_IDS
    )
    stubber.add_response("tag_resource", {}, {"ResourceArn": MODEL_ARN, "Tags": api_tags})

    service.tag_resource(PROJECT_ARN, tags)
    service.project(PROJECT).tag(tags)
    service.project(PROJECT).model(VERSION).tag(tags)

    assert [operation for operation, _ in sent] == [
        "TagResource",
        "DescribeProject",
        "TagResource",
        "DescribeModel",
        "TagResource",
    ]


def test_untag_resource_from_the_service_project_and_model(
    service: LookoutVision, stubber: Stubber, sent: list[tuple[str, dict[str, Any]]]
) -> None:
    stubber.add_response(
        "untag_resource", {}, {"ResourceArn": PROJECT_ARN, "TagKeys": ["team", "stage"]}
    )
    stubber.add_response("describe_project", _project_description(), {"ProjectName": PROJECT})
    stubber.add_response("untag_resource", {}, {"ResourceArn": PROJECT_ARN, "TagKeys": ["team"]})
    stubber.add_response(
        "describe_model", _model_description("TRAINED", ModelArn=MODEL_ARN), MODEL_IDS
    )
    stubber.add_response("untag_resource", {}, {"ResourceArn": MODEL_ARN, "TagKeys": ["stage"]})

    service.untag_resource(PROJECT_ARN, ("team", "stage"))
    service.project(PROJECT).untag(iter(["team"]))
    service.project(PROJECT).model(VERSION).untag({"stage"})

    assert [operation for operation, _ in sent] == [
        "UntagResource",
        "DescribeProject",
        "UntagResource",
        "DescribeModel",
        "UntagResource",
    ]


# ----------------------------------------------------------------------------- tokens


@pytest.mark.parametrize("case", list(TOKEN_OPERATIONS.values()), ids=list(TOKEN_OPERATIONS))
def test_a_caller_client_token_is_sent_as_is(
    case: OperationCase, service: LookoutVision, stubber: Stubber
) -> None:
    assert case.call_with_token is not None
    stubber.add_response(case.method, dict(case.response), case.params_with_token(CALLER_TOKEN))

    result = case.call_with_token(service, CALLER_TOKEN)

    assert isinstance(result, case.returns)


def test_generated_client_tokens_are_fresh_for_each_call(
    service: LookoutVision, stubber: Stubber, sent: list[tuple[str, dict[str, Any]]]
) -> None:
    for _ in range(2):
        stubber.add_response(
            "stop_model", {"Status": "STOPPING_HOSTING"}, {**MODEL_IDS, "ClientToken": ANY}
        )
    model = service.project(PROJECT).model(VERSION)

    model.stop()
    model.stop()

    first, second = (params["ClientToken"] for _, params in sent)
    assert first != second
    assert TOKEN_PATTERN.fullmatch(first)
    assert TOKEN_PATTERN.fullmatch(second)


# ----------------------------------------------------------------------------- coverage


@pytest.mark.parametrize("case", list(OPERATIONS.values()), ids=list(OPERATIONS))
def test_table_case_sends_its_params_and_returns_its_type(
    case: OperationCase,
    service: LookoutVision,
    stubber: Stubber,
    sent: list[tuple[str, dict[str, Any]]],
) -> None:
    stubber.add_response(case.method, dict(case.response), dict(case.params))

    result = case.call(service)

    assert isinstance(result, case.returns)
    assert [operation for operation, _ in sent] == [case.operation]


def test_every_operation_is_reached_by_a_public_method(
    service: LookoutVision, stubber: Stubber
) -> None:
    operation_names = set(service.client.meta.service_model.operation_names)
    assert len(operation_names) == 22
    assert set(OPERATIONS) == operation_names

    with record_operations(service.client) as sent:
        for case in OPERATIONS.values():
            stubber.add_response(case.method, dict(case.response), dict(case.params))
            case.call(service)

    assert {operation for operation, _ in sent} == operation_names
    assert len(sent) == 22  # exactly one request per public call
    # Every operation also has a dedicated test above that checks its typed result.
    tests = [name for name in globals() if name.startswith("test_")]
    missing = {
        name
        for name in operation_names
        if not any(test.startswith(f"test_{xform_name(name)}") for test in tests)
    }
    assert missing == set()
