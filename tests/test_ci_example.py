"""The example CI workflow runs, step by step, as GitHub Actions would run it.

Each ``run`` step of ``examples/ci/train-and-deploy.yml`` is executed with bash in a
checkout-like folder holding generated images, with the workflow's environment,
``$GITHUB_ENV`` carried from step to step as the runner does.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import yaml

from lookout_sdk.synthetic import make_image, write_dataset_folder
from tests.conftest import use_default_engine
from tests.server_process import free_port

_default_engine = use_default_engine()  # detection end to end: the real detector

WORKFLOW = Path(__file__).parents[1] / "examples" / "ci" / "train-and-deploy.yml"


def _checkout(root: Path) -> None:
    write_dataset_folder(root / "inspection" / "parts", normal=40, anomaly=34, seed=3)
    rng = random.Random(11)
    good = root / "inspection" / "smoke" / "good"
    good.mkdir(parents=True)
    for number in range(3):
        (good / f"good-{number}.png").write_bytes(make_image(rng).data)
    defect = make_image(rng, defects=["hole"]).data
    (root / "inspection" / "smoke" / "defect.png").write_bytes(defect)


def test_the_example_workflow_trains_gates_deploys_and_smoke_tests(tmp_path: Path) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = [step for step in workflow["jobs"]["model"]["steps"] if "run" in step]
    assert [step["name"] for step in steps][:2] == ["Install", "Start the local backend"]
    checkout = tmp_path / "checkout"
    _checkout(checkout)
    port = str(free_port())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOOKOUT_"))}
    env.update({key: str(value).replace("8080", port) for key, value in workflow["env"].items()})
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["RUNNER_TEMP"] = str(tmp_path / "runner")
    env["GITHUB_ENV"] = str(tmp_path / "github-env")
    (tmp_path / "runner").mkdir()
    Path(env["GITHUB_ENV"]).touch()
    try:
        for step in steps[1:]:  # "Install" is this test's own environment
            script = step["run"].replace("8080", port)
            done = subprocess.run(
                ["bash", "-eo", "pipefail", "-c", script],
                cwd=checkout,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert done.returncode == 0, f"{step['name']}: {done.stdout}\n{done.stderr}"
            for line in Path(env["GITHUB_ENV"]).read_text().splitlines():
                key, _, value = line.partition("=")
                env[key] = value
            if step["name"].startswith("Gate"):
                assert "F1" in done.stdout
                assert env.get("LOOKOUT_MODEL_VERSION") == "1"
    finally:
        subprocess.run(["pkill", "-f", "--", f"serve --data .* --port {port}"], check=False)
