"""``lookout api``: every operation, kebab-case flags, input documents and skeletons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from lookout_sdk import LookoutVision
from lookout_sdk.api.registry import bundled_service_model
from lookout_sdk.cli import api as api_module
from lookout_sdk.cli.app import cli
from lookout_sdk.cli.settings import Settings
from tests.cli.conftest import Lookout


def test_every_operation_is_a_command_with_a_summary() -> None:
    operations = bundled_service_model().operation_names
    result = CliRunner().invoke(cli, ["api", "--help"])
    assert result.exit_code == 0
    for name in operations:
        assert api_module._kebab(name) in result.stdout
        assert name in api_module._SUMMARIES
    assert len(operations) == 22


@pytest.mark.parametrize("operation", sorted(bundled_service_model().operation_names))
def test_each_input_skeleton_is_accepted_back_unchanged(operation: str) -> None:
    runner = CliRunner()
    command = api_module._kebab(operation)
    skeleton = runner.invoke(cli, ["api", command, "--generate-cli-skeleton", "input"])
    assert skeleton.exit_code == 0, skeleton.output
    document = json.loads(skeleton.stdout)
    blobs = {k for k, v in document.items() if v == "fileb://path/to/file"}
    for key in blobs:  # a blob's placeholder names a file; give it one
        document[key] = "text"
    echoed = runner.invoke(
        cli, ["api", command, "--cli-input-json", json.dumps(document), "--dry-run"]
    )
    assert echoed.exit_code == 0, echoed.output
    sent = json.loads(echoed.stdout)
    for key in blobs:
        assert sent[key] == "dGV4dA=="  # base64 of "text"
        sent[key] = "text"
    assert sent == json.loads(json.dumps(document))


def test_start_model_skeleton_round_trip_exactly() -> None:
    runner = CliRunner()
    skeleton = runner.invoke(cli, ["api", "start-model", "--generate-cli-skeleton", "input"])
    echoed = runner.invoke(
        cli, ["api", "start-model", "--cli-input-json", skeleton.stdout, "--dry-run"]
    )
    assert echoed.exit_code == 0
    assert json.loads(echoed.stdout) == json.loads(skeleton.stdout)
    output = runner.invoke(cli, ["api", "start-model", "--generate-cli-skeleton", "output"])
    assert json.loads(output.stdout) == {"Status": "STARTING_HOSTING"}


def test_flags_win_over_the_input_document_and_yaml_works(tmp_path: Path) -> None:
    runner = CliRunner()
    document = tmp_path / "in.yaml"
    document.write_text("ProjectName: from-yaml\nModelVersion: '2'\nMinInferenceUnits: 3\n")
    result = runner.invoke(
        cli,
        ["api", "start-model", "--cli-input-yaml", f"file://{document}",
         "--project-name", "from-flag", "--dry-run"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "ProjectName": "from-flag",
        "ModelVersion": "2",
        "MinInferenceUnits": 3,
    }


def test_input_mistakes_exit_2_and_send_nothing() -> None:
    runner = CliRunner()
    cases = [
        ["api", "start-model", "--project-name", "p"],  # required members missing
        ["api", "start-model", "--cli-input-json", '{"Nope": 1}'],  # unknown member
        ["api", "start-model", "--cli-input-json", "{not json"],
        ["api", "describe-project", "--project-name", "not a valid name!", "--dry-run"],
        ["api", "create-model", "--project-name", "p", "--output-config", "[1,"],
    ]
    for args in cases:
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)


def test_the_raw_operations_on_a_local_backend(lookout: Lookout, tmp_path: Path) -> None:
    created = lookout.json("api", "create-project", "--project-name", "raw")
    assert created["ProjectMetadata"]["ProjectName"] == "raw"
    token = lookout.json(
        "api", "create-project", "--project-name", "twice", "--client-token", "same-token"
    )
    again = lookout.json(
        "api", "create-project", "--project-name", "twice", "--client-token", "same-token"
    )
    assert again == token  # replayed, not created twice
    for number in range(3):
        lookout.json("api", "create-project", "--project-name", f"many-{number}")
    everything = lookout.json("api", "list-projects", "--max-results", "2")
    assert len(everything["Projects"]) == 5  # every page was read
    assert "NextToken" not in everything
    first_page = lookout.json("api", "list-projects", "--max-results", "2", "--no-paginate")
    assert len(first_page["Projects"]) == 2
    assert "NextToken" in first_page
    lookout.json("api", "create-dataset", "--project-name", "raw", "--dataset-type", "train")
    changes = tmp_path / "changes.jsonl"
    line = {
        "source-ref": "s3://bucket/a.png",
        "anomaly-label": 0,
        "anomaly-label-metadata": {"class-name": "normal", "human-annotated": "yes"},
    }
    changes.write_text(json.dumps(line) + "\n")
    updated = lookout.json(
        "api", "update-dataset-entries", "--project-name", "raw", "--dataset-type", "train",
        "--changes", f"fileb://{changes}",
    )  # fmt: skip
    assert updated == {"Status": "UPDATE_IN_PROGRESS"}
    listed = lookout.json(
        "api", "list-dataset-entries", "--project-name", "raw", "--dataset-type", "train",
        "--labeled",
    )  # fmt: skip
    assert [json.loads(e)["source-ref"] for e in listed["DatasetEntries"]] == ["s3://bucket/a.png"]
    arn = created["ProjectMetadata"]["ProjectArn"]
    lookout.json(
        "api", "tag-resource", "--resource-arn", arn, "--tags", '[{"Key":"k","Value":"v"}]'
    )
    assert lookout.json("api", "list-tags-for-resource", "--resource-arn", arn) == {
        "Tags": [{"Key": "k", "Value": "v"}]
    }
    missing = lookout("api", "describe-project", "--project-name", "ghost")
    assert missing.exit_code == 1
    assert "ResourceNotFoundException" in missing.stderr


def test_api_through_a_stubbed_client(monkeypatch: pytest.MonkeyPatch) -> None:
    client: Any = LookoutVision(region_name="us-east-1").client
    stubber = Stubber(client)
    stubber.add_response(
        "describe_model",
        {
            "ModelDescription": {
                "ModelVersion": "3",
                "Status": "TRAINED",
                "CreationTimestamp": "2026-01-01T00:00:00Z",
            }
        },
        {"ProjectName": "boards", "ModelVersion": "3"},
    )
    stubbed = LookoutVision(client=client)
    monkeypatch.setattr(Settings, "service", lambda self: stubbed)
    with stubber:
        result = CliRunner().invoke(
            cli, ["api", "describe-model", "--project-name", "boards", "--model-version", "3"]
        )
        stubber.assert_no_pending_responses()
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["ModelDescription"]["Status"] == "TRAINED"
    assert answer["ModelDescription"]["CreationTimestamp"].startswith("2026-01-01")
    assert boto3.__version__
