"""The workflow commands on a local backend: each one's exit code and JSON output."""

from __future__ import annotations

import json
from pathlib import Path

from lookout_sdk.synthetic import write_dataset_folder
from tests.cli.conftest import Lookout

MODEL_FIELDS = {
    "project_name", "version", "status", "arn", "status_message", "description", "created",
    "performance", "output_location", "evaluation_manifest", "evaluation_result",
    "evaluation_ended", "kms_key_id", "min_inference_units", "max_inference_units",
}  # fmt: skip
DATASET_FIELDS = {
    "project_name", "dataset_type", "status", "status_message", "created", "last_updated",
    "image_stats",
}  # fmt: skip


def test_projects(lookout: Lookout) -> None:
    created = lookout.json("projects", "create", "boards")
    assert set(created) == {"name", "arn", "created", "datasets"}
    assert created["name"] == "boards"
    assert created["datasets"] == []
    listed = lookout.json("projects", "list")
    assert [set(p) for p in listed] == [{"name", "arn", "created"}]
    assert lookout.json("projects", "describe", "boards")["arn"] == created["arn"]
    assert lookout.json("projects", "delete", "boards") == {"deleted": "boards"}
    assert lookout.json("projects", "list") == []
    table = lookout("projects", "list", "-o", "table")
    assert table.exit_code == 0
    assert table.stdout.strip() == "(none)"


def test_deleting_what_is_gone_is_fine_unless_asked(lookout: Lookout) -> None:
    lookout.json("projects", "create", "boards")
    gone = {
        "datasets": ("datasets", "delete", "-p", "boards", "train"),
        "models": ("models", "delete", "-p", "boards", "-m", "7"),
    }
    for words in gone.values():
        assert lookout(*words).exit_code == 0  # --missing-ok is the default
        refused = lookout(*words, "--no-missing-ok")
        assert refused.exit_code == 1
        assert "ResourceNotFoundException" in refused.stderr
    assert lookout("projects", "delete", "nowhere", "--no-missing-ok").exit_code == 1


def test_datasets_from_a_folder_and_back(lookout: Lookout, tmp_path: Path) -> None:
    folder = write_dataset_folder(tmp_path / "parts", normal=34, anomaly=34, seed=5)
    lookout.json("projects", "create", "parts")
    # the local backend's S3 holds the images: make the bucket through the raw S3 subset
    made = lookout(
        "datasets", "create", "-p", "parts", "--from-folder", str(folder), "--to",
        "s3://images/parts/", "--split", "0.3",
    )  # fmt: skip
    assert made.exit_code == 1  # the bucket does not exist yet: a service error
    assert "NoSuchBucket" in made.stderr
    assert "Traceback" not in made.stderr
    _make_bucket(lookout, "images")
    imported = lookout.json(
        "datasets", "create", "-p", "parts", "--from-folder", str(folder), "--to",
        "s3://images/parts/", "--split", "0.3",
    )  # fmt: skip
    assert set(imported) == {"datasets", "manifests", "uploaded", "skipped"}
    assert set(imported["datasets"]) == {"train", "test"}
    assert set(imported["datasets"]["train"]) == DATASET_FIELDS
    assert imported["uploaded"] == 68
    described = lookout.json("datasets", "describe", "-p", "parts", "train")
    assert (
        described["image_stats"]["total"] == imported["datasets"]["train"]["image_stats"]["total"]
    )
    entries = lookout.json(
        "datasets", "entries", "-p", "parts", "test", "--anomaly-class", "anomaly"
    )
    assert len(entries) == 10
    assert all(e["source-ref"].startswith("s3://images/parts/") for e in entries)
    exported = lookout.json("datasets", "export", "-p", "parts", "test", str(tmp_path / "out"))
    assert set(exported) == {"manifest", "entries", "files"}
    assert Path(exported["manifest"]).is_file()
    gone = lookout.json("datasets", "delete", "-p", "parts", "test", "--wait")
    assert gone == {"deleted": "parts/test"}


def _make_bucket(lookout: Lookout, bucket: str) -> None:
    from lookout_sdk import LookoutVision

    service = LookoutVision.local(lookout.data)
    try:
        service.s3_client().create_bucket(Bucket=bucket)
    finally:
        service.close()


def test_datasets_from_s3_from_a_manifest_and_empty(lookout: Lookout, tmp_path: Path) -> None:
    folder = write_dataset_folder(tmp_path / "parts", normal=24, anomaly=12, seed=6)
    _make_bucket(lookout, "images")
    lookout.json("projects", "create", "first")
    first = lookout.json(
        "datasets", "create", "-p", "first", "--from-folder", str(folder), "--to", "s3://images/p/"
    )
    manifest = first["manifests"]["train"]
    lookout.json("projects", "create", "p")
    in_place = lookout.json("datasets", "create", "-p", "p", "--from-s3", "s3://images/p/")
    assert in_place["uploaded"] == 0  # read where it is
    assert in_place["datasets"]["train"]["image_stats"]["total"] == 36
    lookout.json("projects", "create", "q")
    from_manifest = lookout.json(
        "datasets", "create", "-p", "q", "--type", "train", "--manifest", manifest, "--wait"
    )
    assert set(from_manifest) == DATASET_FIELDS
    assert from_manifest["image_stats"]["total"] == 36
    empty = lookout.json("datasets", "create", "-p", "q", "--type", "test", "--wait")
    assert empty["status"] == "CREATE_COMPLETE"
    usage = lookout("datasets", "create", "-p", "p")
    assert usage.exit_code == 2
    both = lookout(
        "datasets", "create", "-p", "p", "--from-s3", "s3://b/x/", "--manifest", "s3://b/m"
    )
    assert both.exit_code == 2


def test_models_train_host_detect_package(demo_data: tuple[Lookout, Path], tmp_path: Path) -> None:
    lookout, images = demo_data
    trained = lookout.json("models", "train", "-p", "lookout-demo", "--wait", "--timeout", "600")
    assert set(trained) == MODEL_FIELDS
    assert trained["status"] == "TRAINED"
    assert set(trained["performance"]) == {"f1_score", "recall", "precision"}
    version = trained["version"]
    listed = lookout.json("models", "list", "-p", "lookout-demo")
    assert [m["version"] for m in listed][-1] == version
    assert lookout.json("models", "describe", "-p", "lookout-demo")["version"] == version
    hosted = lookout.json("models", "start", "-p", "lookout-demo", "--wait")
    assert hosted["status"] == "HOSTED"
    waited = lookout.json("models", "wait", "-p", "lookout-demo", "--until", "HOSTED")
    assert waited["status"] == "HOSTED"

    answers = lookout.json("detect", "-p", "lookout-demo", str(images / "*.png"))
    assert [Path(a["file"]).name for a in answers] == [
        "hole.png", "normal.png", "scratch.png", "stain.png",
    ]  # fmt: skip
    assert all(set(a) == {"file", "is_anomalous", "confidence", "anomalies"} for a in answers)
    found = lookout("detect", "-p", "lookout-demo", "--fail-on-anomaly", str(images / "hole.png"))
    assert found.exit_code == 4
    assert json.loads(found.stdout)[0]["is_anomalous"] is True
    fine = lookout("detect", "-p", "lookout-demo", "--fail-on-anomaly", str(images / "normal.png"))
    assert fine.exit_code == 0
    strict = lookout(
        "detect", "-p", "lookout-demo", "--fail-on-anomaly", "--min-confidence", "1.0",
        str(images / "normal.png"),
    )  # fmt: skip
    assert strict.exit_code == 0
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("not an image")
    bad = lookout("detect", "-p", "lookout-demo", str(not_an_image), str(images / "hole.png"))
    assert bad.exit_code == 2
    rows = json.loads(bad.stdout)
    assert set(rows[0]) == {"file", "error"}
    assert rows[1]["is_anomalous"] is True
    missing = lookout("detect", "-p", "lookout-demo", str(tmp_path / "*.jpg"))
    assert missing.exit_code == 2

    packaged = lookout.json(
        "models", "package", "-p", "lookout-demo", "--component-name", "demo-detector",
        "--s3", "s3://lookout-demo/components/", "--target-platform", "LINUX/X86_64",
        "--wait", "--download", str(tmp_path),
    )  # fmt: skip
    assert set(packaged) == {"job", "downloaded"}
    assert packaged["job"]["status"] == "SUCCEEDED"
    assert Path(packaged["downloaded"]).name == "demo-detector-1.0.0.zip"

    stopped = lookout.json("models", "stop", "-p", "lookout-demo", "--wait")
    assert stopped["status"] == "TRAINED"
    deleted = lookout.json("models", "delete", "-p", "lookout-demo", "-m", version, "--wait")
    assert deleted == {"deleted": f"lookout-demo/{version}"}
    assert lookout.json(
        "models", "wait", "-p", "lookout-demo", "-m", version, "--until", "DELETED"
    ) == {"status": "DELETED"}


def test_wait_for_a_status_that_will_not_come(demo_data: tuple[Lookout, Path]) -> None:
    lookout, _ = demo_data
    result = lookout("models", "wait", "-p", "lookout-demo", "-m", "1", "--until", "HOSTED")
    assert result.exit_code == 1
    assert "not HOSTED" in result.stderr
    assert json.loads(result.stdout)["status"] == "TRAINED"


def test_projects_delete_force_removes_models(demo_data: tuple[Lookout, Path]) -> None:
    lookout, _ = demo_data
    refused = lookout("projects", "delete", "lookout-demo")
    assert refused.exit_code == 1
    assert "ConflictException" in refused.stderr
    assert "request id" in refused.stderr
    assert lookout.json("projects", "delete", "lookout-demo", "--force") == {
        "deleted": "lookout-demo"
    }
    assert lookout.json("projects", "list") == []
