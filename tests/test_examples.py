"""The examples run, as the README promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_offline_workflow_runs_end_to_end() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "workflow.py"), "--offline"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "model 1: TRAINED" in lines
    assert any(line.startswith("normal part: anomalous=False") for line in lines)
    assert any(line.startswith("scratched part: anomalous=True") for line in lines)
    assert lines[-1] == "cleaned up"
