"""An external client this project did not write drives ``lookout serve`` unmodified.

A separate venv gets boto3 1.40.60 from PyPI, the last release that ships AWS's own
``lookoutvision`` model, and runs the whole flow over HTTP: project, dataset, training,
hosting, detection, stopping, tags and deletion.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lookout_sdk.synthetic import write_dataset_folder
from tests.server_process import running_server

SCRIPT = Path(__file__).parent / "external" / "drive_with_old_boto3.py"


@pytest.fixture(scope="session")
def old_boto3_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("old-boto3") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "boto3==1.40.60", "botocore==1.40.60"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"could not install boto3 1.40.60 from PyPI: {done.stderr}"
    return python


def test_boto3_1_40_60_drives_the_server_through_the_whole_flow(
    old_boto3_python: Path, tmp_path: Path
) -> None:
    images = write_dataset_folder(tmp_path / "images", normal=24, anomaly=12, seed=21)
    with running_server(tmp_path / "data") as server:
        done = subprocess.run(
            [str(old_boto3_python), str(SCRIPT), server.url, str(images)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert done.returncode == 0, done.stderr + server.log.read_text()
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["boto3"] == "1.40.60"
    assert seen["project_arn"].startswith("arn:aws:lookoutvision:us-east-1:")
    assert seen["dataset"] == "CREATE_COMPLETE"
    assert seen["entries"] == 36
    assert seen["trained"] == "TRAINED"
    assert set(seen["performance"]) == {"F1Score", "Recall", "Precision"}
    assert seen["hosted"] == "HOSTED"
    assert seen["detections"] == {"normal": False, "anomaly": True}
    assert seen["stopped"] == "TRAINED"
    assert seen["tags"] == [{"Key": "owner", "Value": "ci"}]
    assert seen["tags_after"] == []
    assert seen["model_deleted"] == "GONE"
    assert seen["dataset_deleted"] == "GONE"
    assert seen["projects_left"] == []
