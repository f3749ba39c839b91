"""Every modelled error of every operation becomes the matching typed SDK error.

The cases come from the bundled API definition: for each operation, each error shape
it lists is queued on a ``Stubber`` (with the shape's modelled fields and a request id)
and the operation is reached through the same public method as in
``tests/test_operations.py``. Retries are turned off for this module, so one queued
error is one raised error.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from botocore.model import ServiceModel, StructureShape
from botocore.stub import ANY, Stubber

from lookout_sdk import (
    AccessDeniedError,
    ConflictError,
    DatasetStatus,
    InternalServerError,
    LookoutVision,
    PollingPolicy,
    ResourceNotFoundError,
    RetryPolicy,
    ServiceError,
    ServiceQuotaExceededError,
    ThrottlingError,
    ValidationError,
)
from lookout_sdk.api.registry import DATA_PATH
from tests.operation_table import (
    JOB,
    OPERATIONS,
    PROJECT,
    VERSION,
)

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from tests.conftest import FakeClock

API = ServiceModel(
    json.loads(
        (Path(DATA_PATH) / "lookoutvision" / "2020-11-20" / "service-2.json").read_text("utf-8")
    ),
    service_name="lookoutvision",
)

#: The SDK class each error code of the API definition must become.
EXPECTED_CLASSES: Mapping[str, type[ServiceError]] = {
    "AccessDeniedException": AccessDeniedError,
    "ConflictException": ConflictError,
    "InternalServerException": InternalServerError,
    "ResourceNotFoundException": ResourceNotFoundError,
    "ServiceQuotaExceededException": ServiceQuotaExceededError,
    "ThrottlingException": ThrottlingError,
    "ValidationException": ValidationError,
}
#: A value for each member an error shape may have, and the attribute that carries it.
FIELD_VALUES: Mapping[str, Any] = {
    "Message": "msg",
    "ResourceId": "res-1",
    "ResourceType": "MODEL",
    "QuotaCode": "L-12345",
    "ServiceCode": "lookoutvision",
    "RetryAfterSeconds": 7,
}
FIELD_ATTRIBUTES: Mapping[str, tuple[str, Any]] = {
    "ResourceId": ("resource_id", "res-1"),
    "ResourceType": ("resource_type", "MODEL"),
    "QuotaCode": ("quota_code", "L-12345"),
    "ServiceCode": ("service_code", "lookoutvision"),
    "RetryAfterSeconds": ("retry_after", 7.0),
}
PICKLED_ATTRIBUTES = (
    "message",
    "code",
    "operation",
    "http_status",
    "request_id",
    "resource_id",
    "resource_type",
    "quota_code",
    "service_code",
    "retry_after",
)
ERROR_CASES = [
    (operation, shape.name)
    for operation in API.operation_names
    for shape in API.operation_model(operation).error_shapes
]
MODEL_IDS = {"ProjectName": PROJECT, "ModelVersion": VERSION}
TRAIN_IDS = {"ProjectName": PROJECT, "DatasetType": "train"}


_ERROR_SHAPES: dict[str, StructureShape] = {
    shape.name: shape
    for operation in API.operation_names
    for shape in API.operation_model(operation).error_shapes
    if isinstance(shape, StructureShape)
}


def _error_shape(code: str) -> StructureShape:
    return _ERROR_SHAPES[code]


@pytest.fixture
def service(shared_client: BaseClient, clock: FakeClock) -> LookoutVision:
    """A service that never retries: one queued error is the error raised."""
    return LookoutVision(
        client=shared_client,
        retry=RetryPolicy(max_attempts=1, sleep=clock.sleep, clock=clock, jitter=False),
        polling=PollingPolicy(sleep=clock.sleep, clock=clock),
    )


def _add_error(
    stubber: Stubber,
    method: str,
    code: str,
    *,
    params: Mapping[str, Any] | None = None,
    status: int | None = None,
) -> None:
    shape = _error_shape(code)
    stubber.add_client_error(
        method,
        code,
        "msg",
        status or shape.metadata["error"]["httpStatusCode"],
        modeled_fields={name: FIELD_VALUES[name] for name in shape.members},
        response_meta={"RequestId": "req-123"},
        expected_params=dict(params) if params is not None else None,
    )


# ----------------------------------------------------------------------------- the model


def test_the_cases_cover_every_operation_and_error_code() -> None:
    assert {operation for operation, _ in ERROR_CASES} == set(API.operation_names)
    assert {code for _, code in ERROR_CASES} == set(EXPECTED_CLASSES)
    assert len(API.operation_names) == 22
    # Every member of every error shape has a value (and the required ones are among them).
    for code in EXPECTED_CLASSES:
        shape = _error_shape(code)
        assert set(shape.members) <= set(FIELD_VALUES)
        assert set(shape.required_members) <= set(shape.members)


# ----------------------------------------------------------------------------- each error


@pytest.mark.parametrize(
    ("operation", "code"), ERROR_CASES, ids=[f"{op}-{code}" for op, code in ERROR_CASES]
)
def test_modelled_error_becomes_its_typed_error(
    operation: str, code: str, service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    case = OPERATIONS[operation]
    shape = _error_shape(code)
    status = shape.metadata["error"]["httpStatusCode"]
    _add_error(stubber, case.method, code, params=case.params)

    with pytest.raises(ServiceError) as caught:
        case.call(service)

    error = caught.value
    assert type(error) is EXPECTED_CLASSES[code]
    assert error.error_code == code
    assert error.code == code
    assert error.operation == operation
    assert error.http_status == status
    assert error.message == "msg"
    assert error.request_id == "req-123"
    text = str(error)
    assert "req-123" in text
    assert code in text
    assert operation in text
    assert f"HTTP {status}" in text
    for member, (attribute, value) in FIELD_ATTRIBUTES.items():
        assert getattr(error, attribute) == (value if member in shape.members else None), member
    assert isinstance(error.__cause__, ClientError)
    assert error.__cause__.response["Error"]["Code"] == code
    assert clock.sleeps == []  # retries are off: nothing waited

    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is type(error)
    assert str(clone) == text
    for attribute in PICKLED_ATTRIBUTES:
        assert getattr(clone, attribute) == getattr(error, attribute), attribute


def test_quota_error_names_the_resource_and_quota(service: LookoutVision, stubber: Stubber) -> None:
    _add_error(stubber, "start_model", "ServiceQuotaExceededException")

    with pytest.raises(ServiceQuotaExceededError) as caught:
        service.project(PROJECT).model(VERSION).start()

    assert str(caught.value) == (
        "ServiceQuotaExceededException in StartModel: msg "
        "(resource MODEL res-1, quota L-12345, HTTP 402, request id req-123)"
    )


def test_an_error_code_the_model_does_not_know_is_a_plain_service_error(
    service: LookoutVision, stubber: Stubber
) -> None:
    stubber.add_client_error(
        "describe_project",
        "SomethingNewException",
        "a brand new failure",
        418,
        response_meta={"RequestId": "req-123"},
        expected_params={"ProjectName": PROJECT},
    )

    with pytest.raises(ServiceError) as caught:
        service.project(PROJECT).describe()

    error = caught.value
    assert type(error) is ServiceError
    assert error.code == "SomethingNewException"
    assert error.error_code == ""
    assert error.operation == "DescribeProject"
    assert error.http_status == 418
    assert error.request_id == "req-123"
    assert error.message == "a brand new failure"
    assert error.resource_id is None
    assert "req-123" in str(error)
    assert isinstance(error.__cause__, ClientError)
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is ServiceError
    assert str(clone) == str(error)


# ----------------------------------------------------------------------------- missing_ok


def test_project_delete_raises_not_found_unless_missing_ok(
    service: LookoutVision, stubber: Stubber
) -> None:
    params = {"ProjectName": PROJECT, "ClientToken": ANY}
    _add_error(stubber, "delete_project", "ResourceNotFoundException", params=params)
    _add_error(stubber, "delete_project", "ResourceNotFoundException", params=params)
    project = service.project(PROJECT)

    project.delete(missing_ok=True)  # does not raise
    with pytest.raises(ResourceNotFoundError) as caught:
        project.delete()  # missing_ok is False by default
    assert caught.value.resource_id == "res-1"


def test_dataset_delete_raises_not_found_unless_missing_ok(
    service: LookoutVision, stubber: Stubber
) -> None:
    params = {**TRAIN_IDS, "ClientToken": ANY}
    _add_error(stubber, "delete_dataset", "ResourceNotFoundException", params=params)
    _add_error(stubber, "describe_dataset", "ResourceNotFoundException", params=TRAIN_IDS)
    _add_error(stubber, "delete_dataset", "ResourceNotFoundException", params=params)
    dataset = service.project(PROJECT).dataset("train")

    poller = dataset.delete(missing_ok=True)
    assert poller.result() is None  # the dataset is gone: the deletion is done
    with pytest.raises(ResourceNotFoundError):
        dataset.delete()  # missing_ok is False by default


def test_model_delete_raises_not_found_unless_missing_ok(
    service: LookoutVision, stubber: Stubber
) -> None:
    params = {**MODEL_IDS, "ClientToken": ANY}
    _add_error(stubber, "delete_model", "ResourceNotFoundException", params=params)
    _add_error(stubber, "describe_model", "ResourceNotFoundException", params=MODEL_IDS)
    _add_error(stubber, "delete_model", "ResourceNotFoundException", params=params)
    model = service.project(PROJECT).model(VERSION)

    poller = model.delete(missing_ok=True)
    assert poller.result() is None
    assert poller.model == model
    with pytest.raises(ResourceNotFoundError):
        model.delete()  # missing_ok is False by default


@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("delete_project", lambda s: s.project(PROJECT).delete()),
        ("delete_dataset", lambda s: s.project(PROJECT).dataset("test").delete()),
        ("delete_model", lambda s: s.project(PROJECT).model(VERSION).delete()),
    ],
    ids=["project", "dataset", "model"],
)
def test_delete_with_missing_ok_still_raises_other_errors(
    method: str, call: Any, service: LookoutVision, stubber: Stubber
) -> None:
    _add_error(stubber, method, "ConflictException")

    with pytest.raises(ConflictError) as caught:
        call(service)
    assert caught.value.request_id == "req-123"


# ----------------------------------------------------------------------------- exists


@pytest.mark.parametrize(
    ("method", "params", "handle"),
    [
        ("describe_project", {"ProjectName": PROJECT}, lambda s: s.project(PROJECT)),
        ("describe_dataset", TRAIN_IDS, lambda s: s.project(PROJECT).dataset("train")),
        ("describe_model", MODEL_IDS, lambda s: s.project(PROJECT).model(VERSION)),
        (
            "describe_model_packaging_job",
            {"ProjectName": PROJECT, "JobName": JOB},
            lambda s: s.project(PROJECT).packaging_job(JOB),
        ),
    ],
    ids=["project", "dataset", "model", "packaging-job"],
)
def test_exists_is_false_on_not_found_and_raises_other_errors(
    method: str,
    params: Mapping[str, Any],
    handle: Any,
    service: LookoutVision,
    stubber: Stubber,
) -> None:
    _add_error(stubber, method, "ResourceNotFoundException", params=params)
    _add_error(stubber, method, "AccessDeniedException", params=params)
    resource = handle(service)

    assert resource.exists() is False
    with pytest.raises(AccessDeniedError):
        resource.exists()


def test_exists_is_true_when_described(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response(
        "describe_dataset",
        {"DatasetDescription": {**TRAIN_IDS, "Status": DatasetStatus.CREATE_COMPLETE.value}},
        TRAIN_IDS,
    )

    assert service.project(PROJECT).dataset("train").exists() is True


def test_tags_of_a_missing_project_raise_not_found(
    service: LookoutVision, stubber: Stubber
) -> None:
    _add_error(stubber, "describe_project", "ResourceNotFoundException")

    with pytest.raises(ResourceNotFoundError):
        service.project(PROJECT).tags()
