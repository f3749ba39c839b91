"""Housekeeping: leftovers swept on start (never a live instance's), tokens kept for
their eight hours and no longer, heavy checks off the control lane, clear messages."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lookout_sdk import ModelStatus, OperationFailedError
from lookout_sdk.local import connect
from lookout_sdk.local.inprocess import LocalLookoutVision
from lookout_sdk.local.jobs import worker
from lookout_sdk.local.store.tokens import TOKEN_LIFETIME
from lookout_sdk.manifests.entry import ManifestEntry
from lookout_sdk.records.operations import Operation
from lookout_sdk.synthetic import write_dataset_folder

BUCKET = "house"


def _leftovers(data: Path) -> list[Path]:
    """Plant what a killed process leaves: temporary files, unindexed data, a training
    folder of an attempt that never settled, staged lines and token rows."""
    bucket = data / "objects" / BUCKET
    temp = bucket / ".tmp" / "deadbeef.tmp"
    temp.write_bytes(b"half an object")
    unindexed = bucket / "data" / "ab" / "ab-123456789012"
    unindexed.parent.mkdir(parents=True, exist_ok=True)
    unindexed.write_bytes(b"renamed, never indexed")
    training = data / "models" / "p" / ".1.999-1"
    training.mkdir(parents=True)
    (training / "model.json").write_text("{}")
    return [temp, unindexed, training]


def _count(service: LocalLookoutVision, table: str) -> int:
    row = service.backend.store.read().execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    return int(row[0])


def test_leftovers_are_swept_on_start_when_no_other_instance_runs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with connect(data) as first:
        s3 = first.s3_client()
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="kept.txt", Body=b"kept")
        # An upload in progress is no leftover: a client may finish it after a restart.
        open_upload = s3.create_multipart_upload(Bucket=BUCKET, Key="later")["UploadId"]
        part = s3.upload_part(
            Bucket=BUCKET, Key="later", UploadId=open_upload, PartNumber=1, Body=b"late"
        )
        # Nor is the note of a completed one, which answers a retried completion.
        done = s3.create_multipart_upload(Bucket=BUCKET, Key="done")["UploadId"]
        done_part = s3.upload_part(
            Bucket=BUCKET, Key="done", UploadId=done, PartNumber=1, Body=b"done"
        )
        done_parts = {"Parts": [{"PartNumber": 1, "ETag": done_part["ETag"]}]}
        first_answer = s3.complete_multipart_upload(
            Bucket=BUCKET, Key="done", UploadId=done, MultipartUpload=done_parts
        )
        with first.backend.store.transaction() as db:
            db.execute(
                "INSERT INTO staged_entries (job, attempt, line_no, source_ref, line) "
                "VALUES (999, 1, 1, 's3://a/b', '{}')"
            )
    planted = _leftovers(data)
    with connect(data) as second:
        assert [path for path in planted if path.exists()] == []
        assert _count(second, "staged_entries") == 0
        s3 = second.s3_client()
        assert s3.get_object(Bucket=BUCKET, Key="kept.txt")["Body"].read() == b"kept"
        s3.complete_multipart_upload(
            Bucket=BUCKET,
            Key="later",
            UploadId=open_upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
        )
        assert s3.get_object(Bucket=BUCKET, Key="later")["Body"].read() == b"late"
        again = s3.complete_multipart_upload(
            Bucket=BUCKET, Key="done", UploadId=done, MultipartUpload=done_parts
        )
        assert again["ETag"] == first_answer["ETag"]


def test_a_live_instances_files_in_flight_are_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with connect(data) as live:
        live.s3_client().create_bucket(Bucket=BUCKET)
        planted = _leftovers(data)  # as if ``live`` were writing them now
        with connect(data):
            pass
        temp, unindexed, _ = planted
        assert temp.exists()
        assert unindexed.exists()


def test_tokens_are_replayed_for_eight_hours_then_pruned(tmp_path: Path) -> None:
    with connect(tmp_path / "data") as service:
        client = service.client
        client.create_project(ProjectName="first", ClientToken="token-1")
        with pytest.raises(ClientError):  # within 8 hours: another call with it is refused
            client.create_project(ProjectName="second", ClientToken="token-1")
        with service.backend.store.transaction() as db:  # nine hours pass
            db.execute("UPDATE tokens SET created = created - ?", (TOKEN_LIFETIME + 3600,))
        client.create_project(ProjectName="second", ClientToken="token-1")  # a new call
        with service.backend.store.transaction() as db:
            db.execute("UPDATE tokens SET created = created - ?", (TOKEN_LIFETIME + 3600,))
        service.backend.housekeeping.round()
        assert _count(service, "tokens") == 0


def test_checking_a_large_update_does_not_hold_up_control_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big UpdateDatasetEntries is checked in the data lane; deletions go on meanwhile."""
    entered, release = threading.Event(), threading.Event()
    checking = worker._TASKS[Operation.UPDATE_DATASET]

    def slow_check(ctx: Any, job: Any) -> None:
        entered.set()
        release.wait(60)
        checking(ctx, job)

    monkeypatch.setitem(worker._TASKS, Operation.UPDATE_DATASET, slow_check)
    with connect(tmp_path / "data") as service:
        project = service.create_project("lanes")
        project.create_dataset("train").result(timeout=30)
        project.create_dataset("test").result(timeout=30)
        bad = "\n".join(["not json"] * 200_000)
        service.client.update_dataset_entries(
            ProjectName="lanes", DatasetType="train", Changes=bad.encode()
        )
        assert entered.wait(30)
        project.dataset("test").delete().result(timeout=30)  # the control lane is free
        release.set()
        with pytest.raises(OperationFailedError) as failed:
            project.dataset("train").poller("update_dataset").result(timeout=120)
        assert "the manifest has 200000 bad line(s): line 1: is not valid JSON" in str(
            failed.value.status_message
        )


def test_training_on_an_object_that_is_not_an_image_names_it(tmp_path: Path) -> None:
    folder = write_dataset_folder(tmp_path / "parts", normal=20, anomaly=10, seed=4)
    with connect(tmp_path / "data") as service:
        s3 = service.s3_client()
        s3.create_bucket(Bucket=BUCKET)
        project = service.create_project("text")
        project.import_folder(folder, f"s3://{BUCKET}/parts/", progress=False, timeout=60)
        first = next(iter(project.dataset("train").list_entries()))
        location = (first.source_ref or "").removeprefix(f"s3://{BUCKET}/")
        s3.put_object(Bucket=BUCKET, Key=location, Body=b"just some text, not a picture")
        with pytest.raises(OperationFailedError) as failed:
            project.create_model(output=f"s3://{BUCKET}/out/").result(timeout=120)
    assert failed.value.status == ModelStatus.TRAINING_FAILED
    message = failed.value.status_message or ""
    assert f"{first.source_ref} is not an image training can use" in message
    assert " at 0x" not in message


def test_a_closed_backend_unregisters_and_leaves_no_work(tmp_path: Path) -> None:
    with connect(tmp_path / "data") as service:
        project = service.create_project("closing")
        project.create_dataset("train").result(timeout=30)
        entries = [ManifestEntry.classification(f"s3://bucket/{i}.png", "normal") for i in range(5)]
        project.dataset("train").apply_entries(entries, timeout=30)
        instance = service.backend.instance.id
        assert (tmp_path / "data" / "instances" / f"{instance}.lock").exists()
    with connect(tmp_path / "data") as again:
        left = again.backend.store.read().execute(
            "SELECT COUNT(*) FROM instances WHERE id = ?", (instance,)
        )
        assert left.fetchone()[0] == 0
        assert again.pending_work() == 0
    assert not (tmp_path / "data" / "instances" / f"{instance}.lock").exists()
