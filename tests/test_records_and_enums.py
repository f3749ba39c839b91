"""Records are frozen and typed; enums tolerate values the SDK does not know yet."""

from __future__ import annotations

import datetime as dt
import pickle

import attrs
import pytest

from lookout_sdk import (
    DatasetStatus,
    DatasetType,
    DetectionResult,
    GreengrassConfiguration,
    InvalidInputError,
    ModelStatus,
    Operation,
    Outcome,
    PackagingJobStatus,
    S3Location,
    S3Object,
    TargetPlatform,
)
from lookout_sdk.records.enums import DATASET_FAILED, DATASET_TERMINAL, MODEL_FAILED, MODEL_TERMINAL


def test_unknown_enum_values_become_stable_members() -> None:
    value = ModelStatus("SOMETHING_NEW")
    assert value == "SOMETHING_NEW"
    assert value is ModelStatus("SOMETHING_NEW")
    assert isinstance(value, ModelStatus)
    assert not value.is_known
    assert not value.is_terminal
    assert not value.is_failed
    assert pickle.loads(pickle.dumps(value)) is value
    assert ModelStatus.TRAINED.is_known


def test_enums_compare_and_print_as_strings() -> None:
    assert ModelStatus.HOSTED == "HOSTED"
    assert str(DatasetType.TRAIN) == "train"
    assert f"{DatasetStatus.CREATE_COMPLETE}" == "CREATE_COMPLETE"


def test_terminal_and_failed_sets() -> None:
    assert MODEL_FAILED <= MODEL_TERMINAL
    assert DATASET_FAILED <= DATASET_TERMINAL
    assert ModelStatus.TRAINING_FAILED.is_failed
    assert ModelStatus.TRAINING_FAILED.is_terminal
    assert not ModelStatus.TRAINING.is_terminal
    assert ModelStatus.HOSTED.is_terminal
    assert not ModelStatus.HOSTED.is_failed
    assert DatasetStatus.UPDATE_FAILED_ROLLBACK_COMPLETE.is_failed
    assert not DatasetStatus.UPDATE_FAILED_ROLLBACK_IN_PROGRESS.is_terminal
    assert PackagingJobStatus.FAILED.is_failed
    assert PackagingJobStatus.SUCCEEDED.is_terminal
    assert not PackagingJobStatus.RUNNING.is_terminal


def test_records_are_frozen() -> None:
    location = S3Location(bucket="bucket", prefix="out/")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        location.bucket = "other"  # type: ignore[misc]
    assert location.uri == "s3://bucket/out/"


def test_s3_object_from_uri() -> None:
    assert S3Object.from_uri("s3://bkt/k/e/y.json") == S3Object(bucket="bkt", key="k/e/y.json")
    with pytest.raises(InvalidInputError, match="s3://") as caught:
        S3Object.from_uri("https://example.com/x", parameter="manifest")
    assert caught.value.problems[0].path == "manifest"


def test_greengrass_configuration_round_trips_through_the_api_shape() -> None:
    config = GreengrassConfiguration(
        component_name="boards-detector",
        s3_output_location=S3Location(bucket="bucket", prefix="edge/"),
        component_version="1.0.0",
        component_description="inspection model",
        compiler_options='{"gpu-code": "sm_72"}',
        target_platform=TargetPlatform(os="LINUX", arch="ARM64", accelerator=None),
        tags={"team": "qa"},
    )
    api = config.to_api()
    assert api["Greengrass"]["TargetPlatform"] == {"Os": "LINUX", "Arch": "ARM64"}
    assert api["Greengrass"]["Tags"] == [{"Key": "team", "Value": "qa"}]
    assert GreengrassConfiguration.from_api(api["Greengrass"]) == config


def test_detection_result_separates_background_from_classes() -> None:
    result = DetectionResult.from_api(
        {
            "Source": {"Type": "direct"},
            "IsAnomalous": True,
            "Confidence": 0.93,
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
            "AnomalyMask": b"\x89PNG...",
        }
    )
    assert [a.name for a in result.anomaly_classes] == ["scratch"]
    assert result.anomalies[1].color == "#FF0000"
    assert "AnomalyMask" not in repr(result)
    assert result.source_type == "direct"


def test_timestamps_pass_through_as_datetimes() -> None:
    from lookout_sdk import ProjectSummary

    when = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
    summary = ProjectSummary.from_api(
        {"ProjectName": "p", "ProjectArn": "arn", "CreationTimestamp": when}
    )
    assert summary.created == when


def test_records_holding_tags_are_hashable_immutable_and_picklable() -> None:
    config = GreengrassConfiguration(
        component_name="c", s3_output_location=S3Location(bucket="bucket"), tags={"a": "b"}
    )
    assert hash(config) == hash(
        GreengrassConfiguration(
            component_name="c", s3_output_location=S3Location(bucket="bucket"), tags={"a": "b"}
        )
    )
    assert config.tags == {"a": "b"}
    with pytest.raises(TypeError):
        config.tags["x"] = "y"  # type: ignore[index]
    assert pickle.loads(pickle.dumps(config)) == config


@pytest.mark.parametrize("operation", list(Operation), ids=str)
def test_enum_helpers_agree_with_every_operation(operation: Operation) -> None:
    life = operation.lifecycle
    for status in life.statuses:
        outcome = operation.outcome(status)
        if status in life.running:
            assert not status.is_terminal, status
            assert outcome is Outcome.RUNNING
            assert Operation.under_way(status) is not None
        if status in life.pending:
            assert outcome is Outcome.RUNNING
        if status in life.succeeded:
            assert outcome is Outcome.SUCCEEDED
        if status in life.failed:
            assert status.is_failed, status
            assert status.is_terminal, status
            assert outcome is Outcome.FAILED
        if not status.is_terminal:  # in progress for some operation of the resource
            assert Operation.under_way(status, resource=operation.resource) is not None
    assert life.running.isdisjoint(life.succeeded | life.failed | life.pending)
    assert operation.outcome(None) is (
        Outcome.SUCCEEDED if operation.removes_resource else Outcome.FAILED
    )
    assert 0 < operation.default_timeout < float("inf")


def test_the_derived_sets_match_the_helpers() -> None:
    assert {s for s in ModelStatus if s.is_terminal} == MODEL_TERMINAL
    assert {s for s in ModelStatus if s.is_failed} == MODEL_FAILED
    assert {s for s in DatasetStatus if s.is_terminal} == DATASET_TERMINAL
    assert {s for s in DatasetStatus if s.is_failed} == DATASET_FAILED
    # HOSTED ends StartModel; just after StopModel it means "not begun yet, keep looking"
    assert ModelStatus.HOSTED.is_terminal
    assert Operation.STOP_MODEL.outcome(ModelStatus.HOSTED) is Outcome.RUNNING
    assert Operation.START_MODEL.outcome(ModelStatus.HOSTED) is Outcome.SUCCEEDED


def test_under_way_names_the_operation_in_progress() -> None:
    assert Operation.under_way("TRAINING") is Operation.TRAIN_MODEL
    assert Operation.under_way(ModelStatus.DELETING) is Operation.DELETE_MODEL
    assert Operation.under_way("UPDATE_FAILED_ROLLBACK_IN_PROGRESS") is Operation.UPDATE_DATASET
    assert Operation.under_way("RUNNING") is Operation.PACKAGE_MODEL
    assert Operation.under_way("TRAINED") is None
    assert Operation.under_way("NEW_STATUS") is None


def test_unknown_statuses_keep_an_operation_running() -> None:
    assert Operation.TRAIN_MODEL.outcome("QUANTUM_TUNING") is Outcome.RUNNING
    assert Operation.TRAIN_MODEL.outcome("TRAINING_FAILED") is Outcome.FAILED
    assert Operation.TRAIN_MODEL.outcome("DELETING") is Outcome.FAILED  # known, not listed
