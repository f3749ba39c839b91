"""The acceptance sequence, as a pipeline would run it: real processes, `lookout serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import use_default_engine
from tests.server_process import running_server

_default_engine = use_default_engine()  # detection end to end: the real detector

LOOKOUT = str(Path(sys.executable).parent / "lookout")


def test_demo_then_train_then_detect_over_http(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOOKOUT_"))}
        env.update(
            AWS_ACCESS_KEY_ID="ci",
            AWS_SECRET_ACCESS_KEY="ci",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ENDPOINT_URL_LOOKOUTVISION=server.url,
            AWS_ENDPOINT_URL_S3=server.url,
            LOOKOUT_PROJECT="lookout-demo",
        )

        def lookout(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [LOOKOUT, *args], env=env, capture_output=True, text=True, timeout=600, check=False
            )

        demo = lookout("demo", "--keep", "--workdir", str(tmp_path / "demo"))
        assert demo.returncode == 0, demo.stderr
        assert json.loads(demo.stdout)["kept"] is True

        train = subprocess.run(
            f"{LOOKOUT} models train --wait --timeout 600 --output json | "
            f"{sys.executable} -c 'import json, sys; print(json.load(sys.stdin)[\"status\"])'",
            shell=True, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert train.returncode == 0, train.stderr
        assert train.stdout.strip() == "TRAINED"

        assert lookout("models", "start", "--wait").returncode == 0
        defect = lookout("detect", "--fail-on-anomaly", str(tmp_path / "demo/new/hole.png"))
        assert defect.returncode == 4, defect.stderr
        good = lookout("detect", "--fail-on-anomaly", str(tmp_path / "demo/new/normal.png"))
        assert good.returncode == 0, good.stderr
        assert lookout("models", "stop", "--wait").returncode == 0
