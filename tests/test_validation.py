"""Model-driven validation: every constraint kind, the Java pattern translation, paths."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from lookout_sdk import InvalidInputError, LookoutVision
from lookout_sdk.api.validation import check_params, python_pattern
from lookout_sdk.errors import Problem

MODEL_FILE = (
    Path(__file__).parents[1] / "lookout_sdk/api/data/lookoutvision/2020-11-20/service-2.json"
)
SHAPES: dict[str, Any] = json.loads(MODEL_FILE.read_text())["shapes"]


def problems(service: LookoutVision, operation: str, params: dict[str, Any]) -> list[Problem]:
    model = service.client.meta.service_model.operation_model(operation)
    with pytest.raises(InvalidInputError) as info:
        check_params(model, params)
    assert isinstance(info.value, ValueError)
    assert info.value.operation == operation
    return list(info.value.problems)


def test_every_pattern_of_the_model_translates_and_compiles_without_warnings() -> None:
    patterns = {shape["pattern"] for shape in SHAPES.values() if "pattern" in shape}
    assert len(patterns) > 15
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for pattern in patterns:
            re.compile(python_pattern(pattern))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("line-1", True),
        ("Ünïcode Lëtters", True),
        ("日本語", True),
        ("digits 123 ²", True),
        ("a:b/c=d+e-f@g_h.i", True),
        ("tab\there", False),
        ("new\nline", False),
        ("bang!", False),
        ("hash#", False),
    ],
)
def test_tag_key_unicode_categories(value: str, ok: bool) -> None:
    rule = re.compile(python_pattern(SHAPES["TagKey"]["pattern"]))
    assert (rule.fullmatch(value) is not None) is ok


def test_patterns_match_the_whole_value(service: LookoutVision) -> None:
    found = problems(service, "DescribeProject", {"ProjectName": "good-start but bad end!"})
    assert found[0].path == "ProjectName"
    assert "pattern" in found[0].reason


def test_all_problems_are_reported_at_once_with_their_paths(service: LookoutVision) -> None:
    params = {
        "ProjectName": "x" * 256,
        "ModelVersion": "1",
        "Configuration": {
            "Greengrass": {
                "ComponentName": "bad name!",
                "ComponentVersion": "1.0",
                "S3OutputLocation": {"Bucket": "ab"},
                "TargetDevice": "toaster",
                "Tags": [{"Key": "k" * 129, "Value": "v"}],
            }
        },
        "JobName": "job_with_underscore",
    }
    found = {p.path: p.reason for p in problems(service, "StartModelPackagingJob", params)}
    assert set(found) == {
        "ProjectName",
        "Configuration.Greengrass.ComponentName",
        "Configuration.Greengrass.ComponentVersion",
        "Configuration.Greengrass.S3OutputLocation.Bucket",
        "Configuration.Greengrass.TargetDevice",
        "Configuration.Greengrass.Tags[0].Key",
        "JobName",
    }
    assert "more than the maximum 255" in found["ProjectName"]
    assert "jetson_xavier" in found["Configuration.Greengrass.TargetDevice"]


def test_required_types_ranges_and_unknown_members(service: LookoutVision) -> None:
    found = {
        p.path: p.reason
        for p in problems(
            service,
            "StartModel",
            {"ProjectName": "p", "ModelVersion": "0", "MinInferenceUnits": 0, "Surprise": 1},
        )
    }
    assert "outside the range" in found["MinInferenceUnits"]
    assert "pattern" in found["ModelVersion"]
    assert "not a parameter" in found["Surprise"]
    found = {p.path: p.reason for p in problems(service, "StartModel", {"ProjectName": 5})}
    assert found["ProjectName"].startswith("must be a string")
    assert found["ModelVersion"] == "is required"
    assert found["MinInferenceUnits"] == "is required"


def test_booleans_are_not_integers_and_integers_are_not_booleans(service: LookoutVision) -> None:
    found = {
        p.path: p.reason
        for p in problems(
            service,
            "ListDatasetEntries",
            {"ProjectName": "p", "DatasetType": "train", "Labeled": 1, "MaxResults": True},
        )
    }
    assert found["Labeled"].startswith("must be true or false")
    assert found["MaxResults"].startswith("must be an integer")


def test_blob_size_limit(service: LookoutVision) -> None:
    found = problems(
        service,
        "UpdateDatasetEntries",
        {"ProjectName": "p", "DatasetType": "train", "Changes": b"x" * (10_485_760 + 1)},
    )
    assert found == [Problem("Changes", "has 10485761 bytes, more than the maximum 10485760")]


def test_list_length_limit(service: LookoutVision) -> None:
    found = problems(
        service, "UntagResource", {"ResourceArn": "arn:x", "TagKeys": [f"k{i}" for i in range(201)]}
    )
    assert found == [Problem("TagKeys", "has 201 items, more than the maximum 200")]


def test_valid_parameters_pass_and_are_sent(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response(
        "start_model",
        {"Status": "STARTING_HOSTING"},
        {"ProjectName": "p", "ModelVersion": "12", "MinInferenceUnits": 1, "ClientToken": "tok-1"},
    )
    service.invoker.call(
        "StartModel",
        {"ProjectName": "p", "ModelVersion": "12", "MinInferenceUnits": 1},
        client_token="tok-1",
    )


def test_client_token_rules_apply_to_caller_tokens(
    service: LookoutVision, stubber: Stubber
) -> None:
    with pytest.raises(InvalidInputError, match="ClientToken"):
        service.create_project("p", client_token="not valid!")
    with pytest.raises(InvalidInputError, match="client_token: is not taken") as caught:
        service.invoker.call("DescribeProject", {"ProjectName": "p"}, client_token="t")
    assert caught.value.operation == "DescribeProject"


def test_error_message_names_operation_and_each_problem(service: LookoutVision) -> None:
    with pytest.raises(InvalidInputError) as info:
        service.project("p").model("v1").describe()
    text = str(info.value)
    assert text.startswith("invalid input for DescribeModel: ModelVersion:")
    assert "'v1'" in text
