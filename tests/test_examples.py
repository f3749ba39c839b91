"""The examples run, as the README promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import use_default_engine

_default_engine = use_default_engine()  # detection end to end: the real detector

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_workflow_runs_end_to_end_on_the_local_backend() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "workflow.py")],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "endpoint: http://lookout.localhost" in out
    assert "train and evaluate" in out
    assert "F1 " in out
    assert "hole     -> anomalous" in out
    lines = out.rstrip().splitlines()
    assert lines[-3].startswith("clean up")
    assert lines[-2].startswith("metrics: F1 ")
    assert lines[-1].startswith("done in ")
