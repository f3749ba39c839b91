"""Two processes on one data folder: a notebook-like process trains while another opens
the folder, describes, lists and imports; the training ends TRAINED and every import
runs once."""

from __future__ import annotations

import logging
import os
import random
import re
import sqlite3
import subprocess
import sys
import textwrap
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

from lookout_sdk import ModelStatus
from lookout_sdk.local import connect
from lookout_sdk.manifests.entry import ManifestEntry
from lookout_sdk.synthetic import write_dataset_folder

BUCKET = "shared"
# What the process that trains runs: a notebook's cells, in one go.
TRAINER = textwrap.dedent(
    """
    import logging, sys
    from lookout_sdk.local import connect

    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    data, folder = sys.argv[1], sys.argv[2]
    with connect(data) as service:
        service.s3_client().create_bucket(Bucket="shared")
        project = service.create_project("trained")
        project.import_folder(folder, "s3://shared/parts/", progress=False, timeout=120)
        poller = project.create_model(output="s3://shared/out/")
        print("TRAINING", poller.record.version, flush=True)
        print("RESULT", poller.result(timeout=600).status.value, flush=True)
    """
)
_STARTED = re.compile(r"job (\w+ [\w-]+/\w+) started")


def _lookout(data: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """One short-lived ``lookout --local`` command, logging at INFO."""
    return subprocess.run(
        [sys.executable, "-m", "lookout_sdk.cli", "-v", "--local", str(data), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def _manifest(service_s3: object, key: str, count: int) -> str:
    lines = [
        ManifestEntry.classification(f"s3://{BUCKET}/imported/{key}/{i}.png", "normal").to_json()
        for i in range(count)
    ]
    service_s3.put_object(Bucket=BUCKET, Key=key, Body="\n".join(lines).encode())  # type: ignore[attr-defined]
    return f"s3://{BUCKET}/{key}"


def test_one_process_trains_while_another_opens_describes_lists_and_imports(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    folder = write_dataset_folder(tmp_path / "parts", normal=60, anomaly=30, size=(160, 160))
    environment = {k: v for k, v in os.environ.items() if k != "LOOKOUT_SDK_ENGINE"}
    # the default detector keeps the training going while the other process works
    trainer = subprocess.Popen(
        [sys.executable, "-c", TRAINER, str(data), str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        assert trainer.stdout is not None
        first = trainer.stdout.readline()
        assert first.startswith("TRAINING"), first + (
            trainer.stderr.read() if trainer.stderr else ""
        )
        version = first.split()[1]
        outputs: list[str] = []
        caplog.set_level(logging.INFO, logger="lookout_sdk.local")
        # The other process: a notebook cell that opens the same folder...
        with connect(data) as other:
            model = other.project("trained").model(version)
            assert model.describe().status is ModelStatus.TRAINING
            assert [p.name for p in other.list_projects()] == ["trained"]
            assert [m.version for m in other.project("trained").list_models()] == [version]
            s3 = other.s3_client()
            imported = other.create_project("imported")
            imported.create_dataset("train", manifest=_manifest(s3, "a.jsonl", 50)).result(
                timeout=120
            )
            changes = [
                ManifestEntry.classification(f"s3://{BUCKET}/more/{i}.png", "anomaly")
                for i in range(10)
            ]
            imported.dataset("train").update_entries(changes).result(timeout=120)
            # ... and short-lived commands in another terminal.
            for arguments in (
                ("models", "describe", "-p", "trained", "-m", version),
                ("projects", "list"),
                ("datasets", "entries", "-p", "imported", "train"),
                ("datasets", "create", "-p", "imported", "--type", "test", "--wait",
                 "--manifest", _manifest(s3, "b.jsonl", 30)),
            ):  # fmt: skip
                done = _lookout(data, *arguments)
                outputs.append(done.stderr)
            assert model.describe().status is ModelStatus.TRAINING  # nobody disturbed it
            stats = imported.dataset("test").describe().image_stats
            assert stats.total == 30
        result = trainer.stdout.readline()
        assert result.split() == ["RESULT", "TRAINED"], result
        trainer.wait(timeout=60)
    finally:
        if trainer.poll() is None:
            trainer.kill()
    assert trainer.stderr is not None
    outputs.append(trainer.stderr.read())
    outputs.append(caplog.text)
    started = Counter(name for text in outputs for name in _STARTED.findall(text))
    assert started[f"train_model trained/{version}"] == 1
    imports = {name: n for name, n in started.items() if name.split()[0].endswith("_dataset")}
    assert imports == {
        "create_dataset trained/train": 1,
        "create_dataset imported/train": 1,
        "update_dataset imported/train": 1,
        "create_dataset imported/test": 1,
    }
    # every process unregistered when it closed, and left no job behind
    with closing(sqlite3.connect(data / "lookout.sqlite3")) as db:
        assert db.execute("SELECT COUNT(*) FROM instances").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM jobs").fetchone() == (0,)


def test_a_second_backend_serves_a_model_the_first_hosts_without_disturbing_it(
    tmp_path: Path,
) -> None:
    from lookout_sdk import ConflictError
    from lookout_sdk.synthetic import make_image

    folder = write_dataset_folder(tmp_path / "parts", normal=20, anomaly=10, seed=5)
    image = make_image(random.Random(9)).data
    with connect(tmp_path / "data") as first:
        first.s3_client().create_bucket(Bucket=BUCKET)
        project = first.create_project("hosted")
        project.import_folder(folder, f"s3://{BUCKET}/parts/", progress=False, timeout=60)
        version = project.create_model(output=f"s3://{BUCKET}/out/").result(timeout=120).version
        project.model(version).start().result(timeout=60)
        with connect(tmp_path / "data") as second:  # a notebook cell run again, say
            model = second.project("hosted").model(version)
            assert model.describe().status is ModelStatus.HOSTED  # left as it was
            answer = model.detect(image)  # loaded here on first use
            assert answer == project.model(version).detect(image)
            project.model(version).stop().result(timeout=60)
            with pytest.raises(ConflictError):
                model.detect(image)
