"""Killing ``lookout serve`` (kill -9) mid-work leaves a store that opens cleanly and
loses no acknowledged write; the restarted server takes the interrupted work over."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from lookout_sdk import ModelStatus
from lookout_sdk.manifests.entry import ManifestEntry
from lookout_sdk.synthetic import write_dataset_folder
from tests.conftest import use_default_engine
from tests.server_process import connect, start_server

# the slower default detector keeps the training under way while the test kills it
_default_engine = use_default_engine()

BUCKET = "crash"


def integrity(data: Path) -> str:
    with closing(sqlite3.connect(data / "lookout.sqlite3")) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def wait_for_running_job(data: Path, kind: str, timeout: float = 60.0) -> None:
    """Return as soon as the server's worker has started a job of ``kind``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(data / "lookout.sqlite3")) as db:
            running = db.execute(
                "SELECT 1 FROM jobs WHERE kind = ? AND state = 'running'", (kind,)
            ).fetchone()
        if running:
            return
        time.sleep(0.005)
    raise AssertionError(f"no {kind} job started within {timeout} s")


def test_kill_during_training_then_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = write_dataset_folder(
        tmp_path / "parts", normal=60, anomaly=30, size=(160, 160), seed=3
    )
    server = start_server(data)
    try:
        service = connect(server.url)
        service.s3_client().create_bucket(Bucket=BUCKET)
        project = service.create_project("crash")
        project.import_folder(folder, f"s3://{BUCKET}/parts/", progress=False, timeout=120)
        version = project.create_model(output=f"s3://{BUCKET}/out/").record
        assert version is not None
        wait_for_running_job(data, "train_model")
    finally:
        server.kill()  # mid-training: the job is marked running until training ends
    assert integrity(data) == "ok"
    server = start_server(data, verbose=True)
    try:
        service = connect(server.url)
        model = service.project("crash").model(version.version)
        # The acknowledged CreateModel survived, and the new server, which knows at once
        # that the old one stopped, takes the training over and finishes it.
        assert model.describe().status in (ModelStatus.TRAINING, ModelStatus.TRAINED)
        finished = model.poller("train_model").result(timeout=300)
        assert finished.status is ModelStatus.TRAINED
        assert "attempt 2" in server.log.read_text()
        # one model, one set of evaluation files
        assert [m.version for m in service.project("crash").list_models()] == ["1"]
        listed = service.s3_client().list_objects_v2(Bucket=BUCKET, Prefix="out/")
        names = sorted(item["Key"].rsplit("/", 1)[1] for item in listed["Contents"])
        assert names == ["evaluation-manifest.jsonl", "evaluation-result.json"]
    finally:
        server.stop()


def test_kill_during_a_20000_entry_update_then_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    entries = [
        ManifestEntry.classification(
            f"s3://{BUCKET}/images/{i:06d}.png", "normal" if i % 5 else "anomaly"
        )
        for i in range(20_000)
    ]
    server = start_server(data)
    try:
        service = connect(server.url)
        project = service.create_project("bulk")
        project.create_dataset("train").result(timeout=30)
        poller = project.dataset("train").update_entries(entries)  # acknowledged (202)
        assert poller.status() is None
    finally:
        server.kill()
    assert integrity(data) == "ok"
    server = start_server(data)
    try:
        service = connect(server.url)
        dataset = service.project("bulk").dataset("train")
        description = dataset.poller("update_dataset").result(timeout=120)
        stats = description.image_stats
        assert (stats.total, stats.anomaly) == (20_000, 4_000)  # whole, not partial
        assert len({e.source_ref for e in dataset.list_entries()}) == 20_000
    finally:
        server.stop()
