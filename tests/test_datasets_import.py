"""Folder and S3 imports end to end: moto S3 in-process, the service answered in-process."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from botocore.awsrequest import AWSPreparedRequest
from moto import mock_aws
from PIL import Image

from lookout_sdk import DatasetType, LookoutVision, PollingPolicy
from lookout_sdk.datasets.checks import PreflightError
from lookout_sdk.datasets.importer import UploadFailedError, split_layout
from lookout_sdk.datasets.layout import scan_folder
from lookout_sdk.manifests.entry import ManifestEntry, read_manifest
from lookout_sdk.synthetic import make_image, write_dataset_folder
from lookout_sdk.testing import InProcessTransport, Reply, error_reply, json_reply
from tests.conftest import FakeClock

BUCKET = "inspection-data"


class DatasetBackend:
    """Just enough of Lookout for Vision's dataset API, reading manifests from S3."""

    def __init__(self, s3: Any) -> None:
        self.s3 = s3
        self.entries: dict[str, dict[str, str]] = {}
        self.created_from: dict[str, str] = {}

    def __call__(self, request: AWSPreparedRequest) -> Reply:
        parts = unquote(urlsplit(request.url).path).split("/")  # /2020-11-20/projects/p/datasets...
        body = request.body or b"{}"
        payload = json.loads(body if isinstance(body, (bytes, str)) else b"{}")
        if request.method == "POST" and parts[-1] == "datasets":
            kind = payload["DatasetType"]
            source = payload["DatasetSource"]["GroundTruthManifest"]["S3Object"]
            self.created_from[kind] = f"s3://{source['Bucket']}/{source['Key']}"
            text = self.s3.get_object(Bucket=source["Bucket"], Key=source["Key"])["Body"].read()
            self.entries[kind] = {
                json.loads(line)["source-ref"]: line for line in text.decode().splitlines()
            }
            meta = {"DatasetType": kind, "Status": "CREATE_IN_PROGRESS"}
            return json_reply({"DatasetMetadata": meta}, status=202)
        kind = parts[5] if len(parts) > 5 else ""
        if request.method == "PATCH":
            changes = base64.b64decode(payload["Changes"]).decode()
            for line in changes.splitlines():
                self.entries[kind][json.loads(line)["source-ref"]] = line
            return json_reply({"Status": "UPDATE_IN_PROGRESS"}, status=202)
        if kind not in self.entries:
            return error_reply(
                "ResourceNotFoundException",
                "no dataset",
                status=404,
                ResourceId=kind,
                ResourceType="DATASET",
            )
        if parts[-1] == "entries":
            return json_reply({"DatasetEntries": list(self.entries[kind].values())})
        labels = [json.loads(line) for line in self.entries[kind].values()]
        anomalies = sum(
            1 for e in labels if e.get("anomaly-label-metadata", {}).get("class-name") == "anomaly"
        )
        description = {
            "ProjectName": parts[3],
            "DatasetType": kind,
            "Status": "CREATE_COMPLETE",
            "ImageStats": {
                "Total": len(labels),
                "Labeled": len(labels),
                "Normal": len(labels) - anomalies,
                "Anomaly": anomalies,
            },
        }
        return json_reply({"DatasetDescription": description})


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        import boto3

        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def setup(s3: Any, clock: FakeClock) -> tuple[LookoutVision, DatasetBackend]:
    service = LookoutVision(
        region_name="us-east-1", s3=s3, polling=PollingPolicy(sleep=clock.sleep, clock=clock)
    )
    backend = DatasetBackend(s3)
    InProcessTransport(service.client, backend)
    return service, backend


def keys(s3: Any) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_a_bad_folder_gives_one_report_and_uploads_nothing(
    tmp_path: Path, s3: Any, setup: tuple[LookoutVision, DatasetBackend]
) -> None:
    service, backend = setup
    folder = write_dataset_folder(tmp_path / "parts", masks=True, size=(96, 96), seed=3)
    good_jpeg = io.BytesIO()
    Image.new("RGB", (96, 96), (90, 90, 90)).save(good_jpeg, format="JPEG")
    (folder / "normal" / "corrupt.jpg").write_bytes(good_jpeg.getvalue()[:300])
    tiny = io.BytesIO()
    Image.new("RGB", (32, 32)).save(tiny, format="PNG")
    (folder / "normal" / "tiny.png").write_bytes(tiny.getvalue())
    tiff = io.BytesIO()
    Image.new("RGB", (96, 96)).save(tiff, format="TIFF")
    (folder / "normal" / "really-a-tiff.png").write_bytes(tiff.getvalue())
    import random

    other_size = make_image(random.Random(9), size=(128, 96))
    (folder / "normal" / "wider.png").write_bytes(other_size.data)
    mask = Image.open(folder / "masks" / "anomaly-0000.png").convert("RGB")
    mask.putpixel((1, 1), (12, 34, 56))
    mask.save(folder / "masks" / "anomaly-0000.png")

    with pytest.raises(PreflightError) as info:
        service.project("parts").import_folder(folder, f"s3://{BUCKET}/parts/")

    report = "\n".join(f"{p.path}: {p.reason}" for p in info.value.problems)
    for name in ("corrupt.jpg", "tiny.png", "really-a-tiff.png", "wider.png", "anomaly-0000.png"):
        assert name in report, report
    assert "#0c2238" in report.lower()
    assert keys(s3) == []  # zero objects uploaded
    assert backend.entries == {}


def test_folder_import_uploads_writes_manifest_and_creates_the_dataset(
    tmp_path: Path, s3: Any, setup: tuple[LookoutVision, DatasetBackend]
) -> None:
    service, backend = setup
    folder = write_dataset_folder(tmp_path / "parts", anomaly=20, masks=True, seed=5)

    result = service.project("parts").import_folder(folder, f"s3://{BUCKET}/parts", progress=False)

    assert result.upload is not None
    assert len(result.upload.uploaded) == 60  # 40 images and 20 masks
    assert result.manifests == {DatasetType.TRAIN: f"s3://{BUCKET}/parts/manifests/train.manifest"}
    assert backend.created_from["train"] == result.manifests[DatasetType.TRAIN]
    train = result.datasets[DatasetType.TRAIN]
    assert (train.image_stats.normal, train.image_stats.anomaly) == (20, 20)
    stored = set(keys(s3))
    entries = [ManifestEntry.parse(line) for line in backend.entries["train"].values()]
    for entry in entries:
        assert entry.source_ref is not None
        assert entry.source_ref.removeprefix(f"s3://{BUCKET}/") in stored
        if entry.is_anomaly:
            assert entry.mask_ref is not None
            assert entry.mask_ref.removeprefix(f"s3://{BUCKET}/") in stored
            assert entry.anomaly_class_names == ("scratch", "hole")

    # Importing again uploads nothing and adds the entries to the existing dataset.
    again = service.project("parts").import_folder(folder, f"s3://{BUCKET}/parts", progress=False)
    assert again.upload is not None
    assert again.upload.uploaded == ()
    assert len(again.upload.skipped) == 60
    assert len(backend.entries["train"]) == 40


def test_split_is_stratified_and_seeded(tmp_path: Path) -> None:
    layout = scan_folder(write_dataset_folder(tmp_path / "p", normal=40, anomaly=20, seed=1))
    first = split_layout(layout, 0.25, seed=7)
    second = split_layout(layout, 0.25, seed=7)
    assert first == second
    test = first.of(DatasetType.TEST)
    assert sum(1 for i in test if i.label == "normal") == 10
    assert sum(1 for i in test if i.label == "anomaly") == 5
    assert len(first.of(DatasetType.TRAIN)) == 45
    assert split_layout(layout, 0.25, seed=8) != first


def test_folder_import_with_split_creates_train_and_test(
    tmp_path: Path, setup: tuple[LookoutVision, DatasetBackend]
) -> None:
    service, backend = setup
    folder = write_dataset_folder(tmp_path / "p", normal=30, anomaly=20, seed=2)
    result = service.project("p").import_folder(
        folder, f"s3://{BUCKET}/p/", split=0.5, seed=1, progress=False
    )
    assert set(result.datasets) == {DatasetType.TRAIN, DatasetType.TEST}
    assert len(backend.entries["train"]) == 25
    assert len(backend.entries["test"]) == 25


def test_s3_import_reads_the_prefix_in_place(
    tmp_path: Path, s3: Any, setup: tuple[LookoutVision, DatasetBackend]
) -> None:
    service, backend = setup
    folder = write_dataset_folder(tmp_path / "p", anomaly=20, masks=True, seed=4)
    for path in folder.rglob("*"):
        if path.is_file():
            s3.put_object(
                Bucket=BUCKET,
                Key=f"source/{path.relative_to(folder).as_posix()}",
                Body=path.read_bytes(),
            )
    before = set(keys(s3))

    result = service.project("p").import_s3(f"s3://{BUCKET}/source")

    assert set(keys(s3)) - before == {"source/manifests/train.manifest"}
    assert len(backend.entries["train"]) == 40
    assert all(ref.startswith(f"s3://{BUCKET}/source/") for ref in backend.entries["train"])
    assert result.upload is None


def test_upload_failures_stop_before_any_dataset_is_created(
    tmp_path: Path, s3: Any, setup: tuple[LookoutVision, DatasetBackend]
) -> None:
    service, backend = setup
    folder = write_dataset_folder(tmp_path / "p", seed=6)
    with pytest.raises(UploadFailedError) as info:
        service.project("p").import_folder(folder, "s3://no-such-bucket/p/", progress=False)
    assert len(info.value.report.failed) == 30
    assert backend.entries == {}


def test_export_and_statistics(tmp_path: Path, setup: tuple[LookoutVision, DatasetBackend]) -> None:
    service, _ = setup
    folder = write_dataset_folder(tmp_path / "p", anomaly=20, masks=True, seed=8)
    service.project("p").import_folder(folder, f"s3://{BUCKET}/p/", progress=False)
    dataset = service.project("p").dataset("train")

    stats = dataset.statistics()
    assert (stats.total, stats.labeled, stats.normal, stats.anomaly) == (40, 40, 20, 20)
    assert stats.segmentation
    assert stats.class_count("scratch") == 20  # every anomaly's colour map lists both
    assert stats.class_count("HOLE") == 20
    assert stats.buckets == (BUCKET,)

    exported = dataset.export(tmp_path / "copy")
    assert exported.entries == 40
    assert exported.files == 60
    manifest = read_manifest(exported.manifest)
    assert len(manifest) == 40
    for entry in manifest:
        local = tmp_path / "copy" / (entry.source_ref or "").removeprefix("s3://")
        original = folder / (entry.source_ref or "").split("/p/", 1)[1]
        assert local.read_bytes() == original.read_bytes()
