"""The local backend in-process: the whole workflow and the service's semantics."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lookout_sdk import (
    ConflictError,
    DatasetStatus,
    GreengrassConfiguration,
    LookoutVision,
    ModelStatus,
    OperationFailedError,
    ResourceNotFoundError,
    S3Location,
)
from lookout_sdk.manifests.entry import ManifestEntry
from lookout_sdk.synthetic import make_image, write_dataset_folder

BUCKET = "local-data"


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LookoutVision]:
    service = LookoutVision.local(tmp_path / "data")
    service.s3_client().create_bucket(Bucket=BUCKET)
    yield service
    service.close()


@pytest.fixture
def trained(local: LookoutVision, tmp_path: Path) -> tuple[LookoutVision, str]:
    folder = write_dataset_folder(tmp_path / "parts", normal=24, anomaly=12, seed=11)
    project = local.create_project("parts")
    project.import_folder(folder, f"s3://{BUCKET}/parts/", progress=False, timeout=60)
    record = project.create_model(output=f"s3://{BUCKET}/output/").result(timeout=120)
    return local, record.version


def test_whole_flow(trained: tuple[LookoutVision, str], tmp_path: Path) -> None:
    service, version = trained
    project = service.project("parts")
    model = project.model(version)
    description = model.describe()
    assert description.status is ModelStatus.TRAINED
    assert description.performance is not None
    assert description.performance.f1_score is not None
    assert description.evaluation_result is not None
    result = json.loads(
        service.s3_client()
        .get_object(Bucket=BUCKET, Key=description.evaluation_result.key)["Body"]
        .read()
    )
    assert {"ROCAUC", "AveragePrecision", "Precision", "Recall", "F1Score"} <= set(result)

    with pytest.raises(ConflictError):  # detection needs a hosted model
        model.detect(make_image(random.Random(1)).data)
    model.start(min_inference_units=1, max_inference_units=2).result(timeout=60)
    assert model.describe().status is ModelStatus.HOSTED
    rng = random.Random(5)
    normal = model.detect(make_image(rng).data)
    defect = model.detect(make_image(rng, defects=["hole"]).data)
    assert 0 <= normal.confidence <= 1
    assert defect.is_anomalous

    with pytest.raises(ConflictError) as info:
        model.delete()
    assert info.value.resource_type == "MODEL"
    model.stop().result(timeout=60)

    job = model.package(
        GreengrassConfiguration(
            component_name="parts-detector",
            s3_output_location=S3Location(bucket=BUCKET, prefix="edge/"),
            component_version="1.0.0",
        )
    ).result(timeout=60)
    assert job.status == "SUCCEEDED"
    assert job.output is not None
    assert job.output.component_name == "parts-detector"
    assert [j.job_name for j in project.list_packaging_jobs()] == [job.job_name]

    model.tag({"team": "qa"})
    assert model.tags() == {"team": "qa"}
    model.untag(["team"])
    assert model.tags() == {}

    with pytest.raises(ConflictError):  # a project with models cannot go
        project.delete(missing_ok=False)
    assert model.delete().result(timeout=60) is None
    project.delete()
    assert not project.exists()


def test_errors_carry_resource_fields(local: LookoutVision) -> None:
    with pytest.raises(ResourceNotFoundError) as info:
        local.project("nope").describe()
    assert (info.value.resource_type, info.value.resource_id) == ("PROJECT", "nope")
    assert info.value.request_id
    local.create_project("p")
    with pytest.raises(ConflictError):
        local.create_project("p")
    with pytest.raises(ResourceNotFoundError) as model_info:
        local.project("p").model(3).describe()
    assert model_info.value.resource_type == "MODEL"


def test_the_server_validates_what_botocore_does_not(local: LookoutVision) -> None:
    # The raw client checks only types and minimums; the backend checks the rest.
    with pytest.raises(ClientError) as info:
        local.client.describe_project(ProjectName="not a valid name!")
    assert info.value.response["Error"]["Code"] == "ValidationException"


def test_bad_manifest_fails_the_import_naming_the_lines(local: LookoutVision) -> None:
    s3 = local.s3_client()
    good = ManifestEntry.classification(f"s3://{BUCKET}/a.png", "normal").to_json()
    s3.put_object(Bucket=BUCKET, Key="bad.manifest", Body=f"{good}\nnot json\n{good}\n".encode())
    project = local.create_project("p")
    with pytest.raises(OperationFailedError) as info:
        project.create_dataset("train", manifest=f"s3://{BUCKET}/bad.manifest").result(timeout=30)
    assert info.value.status == DatasetStatus.CREATE_FAILED
    assert "line 2" in (info.value.status_message or "")
    assert "line 3" in (info.value.status_message or "")


def test_training_fails_with_too_few_images(local: LookoutVision, tmp_path: Path) -> None:
    project = local.create_project("small")
    project.create_dataset("train").result(timeout=30)
    entries = [ManifestEntry.classification(f"s3://{BUCKET}/n{i}.png", "normal") for i in range(5)]
    project.dataset("train").apply_entries(entries, timeout=30)
    with pytest.raises(OperationFailedError) as info:
        project.create_model(output=f"s3://{BUCKET}/out/").result(timeout=60)
    assert info.value.status == ModelStatus.TRAINING_FAILED
    assert "at least 20 normal" in (info.value.status_message or "")


def test_entries_paging_and_filters(local: LookoutVision) -> None:
    project = local.create_project("p")
    project.create_dataset("train").result(timeout=30)
    dataset = project.dataset("train")
    entries = [
        ManifestEntry.classification(
            f"s3://{BUCKET}/img-{i:03d}.png", "anomaly" if i % 4 == 0 else "normal"
        )
        for i in range(150)
    ] + [ManifestEntry({"source-ref": f"s3://{BUCKET}/unlabelled-{i}.png"}) for i in range(7)]
    dataset.apply_entries(entries, timeout=30)
    assert len(dataset.list_entries(page_size=40).to_list()) == 157
    pages = list(dataset.list_entries(page_size=40).by_page())
    assert [len(p) for p in pages] == [40, 40, 40, 37]
    assert len(dataset.list_entries(anomaly_class="anomaly").to_list()) == 38
    assert len(dataset.list_entries(labeled=False).to_list()) == 7
    assert len(dataset.list_entries(source_ref_contains="img-01").to_list()) == 10
    stats = dataset.describe().image_stats
    assert (stats.total, stats.labeled, stats.normal, stats.anomaly) == (157, 150, 112, 38)


def _prepare(service: LookoutVision) -> dict[str, tuple[Any, dict[str, Any], dict[str, Any]]]:
    """For each token-taking operation: the raw client method, params, and other params."""
    client: Any = service.client
    project = "tokens"
    first_entry = service.project("parts").dataset("train").list_entries(max_items=1).first()
    assert first_entry is not None
    changes = first_entry.to_json().encode()  # an image that exists, so training still works
    output = {"S3Location": {"Bucket": BUCKET}}
    greengrass = {"Greengrass": {"ComponentName": "c", "S3OutputLocation": {"Bucket": BUCKET}}}
    return {
        "CreateProject": (client.create_project, {"ProjectName": "p2"}, {"ProjectName": "p3"}),
        "CreateDataset": (
            client.create_dataset,
            {"ProjectName": "p2", "DatasetType": "train"},
            {"ProjectName": "p2", "DatasetType": "test"},
        ),
        "UpdateDatasetEntries": (
            client.update_dataset_entries,
            {"ProjectName": project, "DatasetType": "train", "Changes": changes},
            {"ProjectName": project, "DatasetType": "train", "Changes": changes + b"\n"},
        ),
        "CreateModel": (
            client.create_model,
            {"ProjectName": project, "OutputConfig": output},
            {"ProjectName": project, "OutputConfig": output, "Description": "other"},
        ),
        "StartModel": (
            client.start_model,
            {"ProjectName": project, "ModelVersion": "1", "MinInferenceUnits": 1},
            {"ProjectName": project, "ModelVersion": "1", "MinInferenceUnits": 2},
        ),
        "StopModel": (
            client.stop_model,
            {"ProjectName": project, "ModelVersion": "1"},
            {"ProjectName": project, "ModelVersion": "2"},
        ),
        "StartModelPackagingJob": (
            client.start_model_packaging_job,
            {
                "ProjectName": project,
                "ModelVersion": "1",
                "JobName": "j1",
                "Configuration": greengrass,
            },
            {
                "ProjectName": project,
                "ModelVersion": "1",
                "JobName": "j2",
                "Configuration": greengrass,
            },
        ),
        "DeleteModel": (
            client.delete_model,
            {"ProjectName": project, "ModelVersion": "1"},
            {"ProjectName": project, "ModelVersion": "2"},
        ),
        "DeleteDataset": (
            client.delete_dataset,
            {"ProjectName": "p2", "DatasetType": "train"},
            {"ProjectName": "p2", "DatasetType": "test"},
        ),
        "DeleteProject": (client.delete_project, {"ProjectName": "p2"}, {"ProjectName": "p4"}),
    }


def test_every_token_operation_replays_and_refuses_other_parameters(
    trained: tuple[LookoutVision, str],
) -> None:
    service, _ = trained
    client: Any = service.client
    # A project whose model 1 is trained, to host, stop, package and delete.
    client.create_project(ProjectName="tokens")
    folder_entries = service.project("parts").dataset("train").list_entries().to_list()
    service.project("tokens").create_dataset("train").result(timeout=30)
    service.project("tokens").dataset("train").apply_entries(folder_entries, timeout=30)
    calls = _prepare(service)
    assert len(calls) == 10
    waits = {
        "CreateModel": lambda: (
            service.project("tokens").model(1).poller("train_model").result(timeout=120)
        ),
        "StartModel": lambda: (
            service.project("tokens").model(1).poller("start_model").result(timeout=60)
        ),
        "StopModel": lambda: (
            service.project("tokens").model(1).poller("stop_model").result(timeout=60)
        ),
        "UpdateDatasetEntries": lambda: (
            service.project("tokens").dataset("train").poller("update_dataset").result(timeout=30)
        ),
        "StartModelPackagingJob": lambda: (
            service.project("tokens").packaging_job("j1").poller().result(timeout=60)
        ),
        "DeleteModel": lambda: (
            service.project("tokens").model(1).poller("delete_model").result(timeout=60)
        ),
        "DeleteDataset": lambda: (
            service.project("p2").dataset("train").poller("delete_dataset").result(timeout=30)
        ),
    }
    for name, (method, params, other) in calls.items():
        token = f"token-{name.lower()}"
        first = method(ClientToken=token, **params)
        waits.get(name, lambda: None)()
        second = method(ClientToken=token, **params)
        first.pop("ResponseMetadata")
        second.pop("ResponseMetadata")
        assert second == first, name
        with pytest.raises(ClientError) as info:
            method(ClientToken=token, **other)
        assert info.value.response["Error"]["Code"] == "ConflictException", name
    # Replays created nothing new.
    assert [m.version for m in service.project("tokens").list_models()] == []
    assert sorted(p.name for p in service.list_projects()) == ["parts", "tokens"]


def test_state_survives_a_restart(tmp_path: Path) -> None:
    first = LookoutVision.local(tmp_path / "data")
    first.create_project("kept").tag({"a": "b"})
    first.close()
    second = LookoutVision.local(tmp_path / "data")
    try:
        assert second.project("kept").tags() == {"a": "b"}
    finally:
        second.close()


def test_objects_can_live_in_another_s3_endpoint(tmp_path: Path) -> None:
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="elsewhere")
        service = LookoutVision.local(tmp_path / "data", s3=s3)
        try:
            assert service.s3_client() is s3
            folder = write_dataset_folder(tmp_path / "parts", normal=24, anomaly=12, seed=2)
            project = service.create_project("remote-objects")
            project.import_folder(folder, "s3://elsewhere/parts/", progress=False, timeout=60)
            record = project.create_model(output="s3://elsewhere/out/").result(timeout=120)
            assert record.status is ModelStatus.TRAINED
            assert record.evaluation_result is not None
            # the evaluation was written to that endpoint, and nothing to the data folder
            s3.head_object(Bucket="elsewhere", Key=record.evaluation_result.key)
            assert not (tmp_path / "data" / "objects" / "elsewhere").exists()
        finally:
            service.close()
