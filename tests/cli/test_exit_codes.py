"""Exit codes, one-line errors, Ctrl-C during waits, completion, serve and help."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lookout_sdk.cli.app import cli
from lookout_sdk.cli.exits import ExitCode
from lookout_sdk.errors import WaitTimeoutError
from lookout_sdk.runtime.polling import Poller
from tests.cli.conftest import Lookout


def test_exit_codes_are_documented_in_the_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for code, meaning in ((0, "ok"), (1, "service error"), (2, "usage"), (3, "timeout"),
                          (4, "anomaly"), (130, "interrupted")):  # fmt: skip
        assert f"{code} {meaning}" in " ".join(result.stdout.split())
    assert [int(code) for code in ExitCode] == [0, 1, 2, 3, 4, 130]


def test_a_service_error_is_one_line_with_code_and_request_id(lookout: Lookout) -> None:
    result = lookout("projects", "describe", "ghost")
    assert result.exit_code == ExitCode.SERVICE_ERROR
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "ResourceNotFoundException" in lines[0]
    assert "request id" in lines[0]
    assert result.stdout == ""


def test_verbose_adds_the_traceback(lookout: Lookout, caplog: pytest.LogCaptureFixture) -> None:
    result = lookout("-v", "projects", "describe", "ghost")
    assert result.exit_code == ExitCode.SERVICE_ERROR
    assert any(record.exc_info for record in caplog.records)


def test_validation_and_usage_mistakes_exit_2(lookout: Lookout) -> None:
    invalid = lookout("projects", "create", "not a valid name!")
    assert invalid.exit_code == ExitCode.USAGE_ERROR
    assert "invalid input" in invalid.stderr
    assert lookout("projects", "list").stdout.strip() == "[]"  # nothing was created
    assert lookout("models", "train").exit_code == ExitCode.USAGE_ERROR  # no --project
    assert lookout("no-such-command").exit_code == ExitCode.USAGE_ERROR
    both = CliRunner().invoke(
        cli, ["--local", "x", "--endpoint-url", "http://e", "projects", "list"]
    )
    assert both.exit_code == ExitCode.USAGE_ERROR


@pytest.mark.parametrize(
    ("raised", "code"),
    [
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (
            WaitTimeoutError(
                "train_model did not finish within 5 s", operation="train_model",
                status="TRAINING", timeout=5, record=None,
            ),
            ExitCode.TIMEOUT,
        ),
    ],
)  # fmt: skip
def test_a_stopped_wait_leaves_the_operation_and_says_how_to_resume(
    demo_data: tuple[Lookout, Path],
    monkeypatch: pytest.MonkeyPatch,
    raised: BaseException,
    code: ExitCode,
) -> None:
    lookout, _ = demo_data
    newest = max(int(m["version"]) for m in lookout.json("models", "list", "-p", "lookout-demo"))

    def interrupted(self: Poller[Any], timeout: float | None = None) -> Any:
        raise raised

    with monkeypatch.context() as patch:
        patch.setattr(Poller, "result", interrupted)
        result = lookout("models", "train", "-p", "lookout-demo", "--wait")
    assert result.exit_code == code
    assert "goes on" in result.stderr
    hint = result.stderr.split("Wait again with: ")[1].splitlines()[0]
    words = hint.split()
    assert words[:3] == ["lookout", "--local", str(lookout.data)]
    assert words[3] == "wait"
    # the hint works: it waits for that training and prints the trained model
    resumed = lookout.json(*words[3:], "--timeout", "120")
    assert resumed["status"] == "TRAINED"
    assert resumed["version"] == str(newest + 1)


def test_shell_completion_scripts() -> None:
    for shell, marker in (("bash", "complete "), ("zsh", "compdef"), ("fish", "complete ")):
        result = CliRunner().invoke(cli, ["completion", shell])
        assert result.exit_code == 0
        assert "_LOOKOUT_COMPLETE" in result.stdout
        assert marker in result.stdout
    environment = {
        "_LOOKOUT_COMPLETE": "bash_complete",
        "COMP_WORDS": "lookout mo",
        "COMP_CWORD": "1",
    }
    completed = CliRunner().invoke(cli, [], env=environment, prog_name="lookout")
    assert "models" in completed.stdout


def test_serve_refuses_a_public_address_without_credentials(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--data", str(tmp_path)])
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "credentials" in result.stderr


def test_demo_prints_its_summary_as_json(lookout: Lookout) -> None:
    result = CliRunner().invoke(cli, ["demo"])  # a temporary local backend
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary) == {
        "endpoint", "project", "datasets", "model_version", "performance", "detections",
        "timings", "kept", "sample_images",
    }  # fmt: skip
    assert summary["kept"] is False
    assert {d["name"]: d["is_anomalous"] for d in summary["detections"]}["hole"] is True
    assert "train and evaluate" in summary["timings"]
    assert "train and evaluate" in result.stderr  # the steps go to stderr
