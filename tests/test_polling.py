"""Pollers: backoff, callbacks, failures, timeouts and resuming, on a fake clock."""

from __future__ import annotations

import base64
import json
import pickle
from typing import Any

import attrs
import pytest
from botocore.stub import Stubber

from lookout_sdk import (
    DEFAULT_TIMEOUT,
    DatasetPoller,
    InvalidInputError,
    LookoutVision,
    ModelDescription,
    ModelPoller,
    ModelStatus,
    Operation,
    OperationFailedError,
    PackagingJobPoller,
    PollingPolicy,
    WaitTimeoutError,
)
from lookout_sdk.runtime.polling import Poller, decode_resume_token
from tests.conftest import FakeClock

MODEL_IDS = {"ProjectName": "boards", "ModelVersion": "3"}


def model_answer(status: str, message: str | None = None) -> dict[str, object]:
    description: dict[str, object] = {"ModelVersion": "3", "Status": status, "ModelArn": "arn:m"}
    if message:
        description["StatusMessage"] = message
    return {"ModelDescription": description}


def queue_statuses(stubber: Stubber, *statuses: str) -> None:
    for status in statuses:
        stubber.add_response("describe_model", model_answer(status), MODEL_IDS)


def test_training_poller_backs_off_then_returns_the_final_record(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    queue_statuses(stubber, "TRAINING", "TRAINING", "TRAINING", "TRAINED")
    poller = service.project("boards").model(3).poller("train_model")
    record = poller.result()
    assert isinstance(record, ModelDescription)
    assert record.status is ModelStatus.TRAINED
    # polled at once, then 2 s, then 3 s, then 4.5 s (initial 2, multiplier 1.5)
    assert clock.sleeps == [2.0, 3.0, 4.5]
    assert poller.done()
    assert poller.status() == "TRAINED"


def test_delay_starts_short_again_when_the_status_changes(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    queue_statuses(
        stubber,
        "STARTING_HOSTING",
        "STARTING_HOSTING",
        "SYSTEM_UPDATING",
        "SYSTEM_UPDATING",
        "HOSTED",
    )
    service.project("boards").model(3).poller("start_model").result()
    assert clock.sleeps == [2.0, 3.0, 2.0, 3.0]


@attrs.frozen
class Job:
    status: str
    status_message: str | None = None


def test_max_delay_caps_the_pause(clock: FakeClock) -> None:
    statuses = iter(["RUNNING"] * 5 + ["SUCCEEDED"])
    poller: Poller[Job] = Poller(
        operation=Operation.PACKAGE_MODEL,
        identity={"thing": "x"},
        fetch=lambda: Job(next(statuses)),
        policy=PollingPolicy(
            initial_delay=1, max_delay=3, multiplier=2, sleep=clock.sleep, clock=clock
        ),
    )
    assert poller.result() == Job("SUCCEEDED")
    assert clock.sleeps == [1, 2, 3, 3, 3]


def test_timeout_none_waits_without_limit_and_default_uses_the_operation(
    clock: FakeClock,
) -> None:
    statuses = iter(["RUNNING"] * 600 + ["SUCCEEDED"])
    policy = PollingPolicy(initial_delay=60, max_delay=60, sleep=clock.sleep, clock=clock)
    poller: Poller[Job] = Poller(
        operation=Operation.PACKAGE_MODEL,
        identity={"job": "j"},
        fetch=lambda: Job(next(statuses)),
        policy=policy,
    )
    assert poller.wait() is False  # the packaging default: four hours
    assert sum(clock.sleeps) == pytest.approx(Operation.PACKAGE_MODEL.default_timeout)
    assert poller.wait(timeout=DEFAULT_TIMEOUT) is False
    assert poller.result(None) == Job("SUCCEEDED")  # 600 looks in all: 10 hours of pauses
    assert sum(clock.sleeps) > 2 * Operation.PACKAGE_MODEL.default_timeout


@pytest.mark.parametrize("timeout", [-1, "soon", True])
def test_a_bad_timeout_is_an_invalid_input(service: LookoutVision, timeout: Any) -> None:
    with pytest.raises(InvalidInputError, match="timeout"):
        service.project("boards").model(3).poller("train_model").wait(timeout)


def test_on_status_sees_each_change_once_and_done_callbacks_run(
    service: LookoutVision, stubber: Stubber
) -> None:
    queue_statuses(stubber, "TRAINING", "TRAINING", "TRAINED")
    seen: list[str] = []
    finished: list[str | None] = []
    poller = (
        service.project("boards")
        .model(3)
        .poller("train_model", on_status=lambda s, _: seen.append(s))
    )
    poller.add_done_callback(lambda p: finished.append(p.status()))
    poller.result()
    assert seen == ["TRAINING", "TRAINED"]
    assert finished == ["TRAINED"]
    late: list[str | None] = []
    poller.add_done_callback(lambda p: late.append(p.status()))
    assert late == ["TRAINED"]  # already done: called at once


def test_failure_raises_a_typed_error_with_message_and_record(
    service: LookoutVision, stubber: Stubber
) -> None:
    stubber.add_response("describe_model", model_answer("TRAINING"), MODEL_IDS)
    stubber.add_response(
        "describe_model", model_answer("TRAINING_FAILED", "too few anomalies"), MODEL_IDS
    )
    poller = service.project("boards").model(3).poller("train_model")
    with pytest.raises(OperationFailedError) as info:
        poller.result()
    error = info.value
    assert error.status == "TRAINING_FAILED"
    assert error.status_message == "too few anomalies"
    assert isinstance(error.record, ModelDescription)
    assert "too few anomalies" in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert copy.status == "TRAINING_FAILED"
    assert copy.record == error.record


def test_timeout_raises_with_the_last_record_and_the_poller_can_wait_again(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    queue_statuses(stubber, "TRAINING", "TRAINING", "TRAINING")
    poller = service.project("boards").model(3).poller("train_model")
    with pytest.raises(WaitTimeoutError) as info:
        poller.result(timeout=4)
    assert isinstance(info.value, TimeoutError)
    assert info.value.status == "TRAINING"
    assert info.value.record is not None
    assert info.value.record.status is ModelStatus.TRAINING
    assert sum(clock.sleeps) == pytest.approx(4)
    queue_statuses(stubber, "TRAINED")
    assert poller.result(timeout=10).status is ModelStatus.TRAINED


def test_wait_reports_without_raising(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response("describe_model", model_answer("STARTING_HOSTING"), MODEL_IDS)
    stubber.add_response("describe_model", model_answer("HOSTING_FAILED", "no capacity"), MODEL_IDS)
    poller = service.project("boards").model(3).poller("start_model")
    assert poller.wait(timeout=60) is True
    with pytest.raises(OperationFailedError):
        poller.result()


def test_default_timeouts_are_finite_and_keyed_by_operation() -> None:
    policy = PollingPolicy()
    assert all(0 < policy.timeout_for(op) < float("inf") for op in Operation)
    assert policy.timeout_for(Operation.TRAIN_MODEL) == 8 * 3600
    assert policy.timeout_for("train_model") == 8 * 3600  # the name works too
    assert policy.timeout_for("anything-else") == policy.default_timeout


def test_polling_policy_accepts_string_keys_for_operations() -> None:
    policy = PollingPolicy(timeouts={"start_model": 5, Operation.STOP_MODEL: 6})
    assert policy.timeout_for(Operation.START_MODEL) == 5
    assert policy.timeout_for("stop_model") == 6
    assert set(policy.timeouts) == {Operation.START_MODEL, Operation.STOP_MODEL}


def test_delete_poller_succeeds_when_the_resource_is_gone(
    service: LookoutVision, stubber: Stubber
) -> None:
    queue_statuses(stubber, "DELETING")
    stubber.add_client_error(
        "describe_model",
        "ResourceNotFoundException",
        "gone",
        404,
        modeled_fields={"Message": "gone", "ResourceId": "3", "ResourceType": "MODEL"},
    )
    poller = service.project("boards").model(3).poller("delete_model")
    assert poller.result() is None
    assert poller.status() == "DELETED"


def test_unknown_status_keeps_waiting_instead_of_failing(
    service: LookoutVision, stubber: Stubber
) -> None:
    queue_statuses(stubber, "TRAINING", "QUANTUM_TUNING", "TRAINED")
    seen: list[str] = []
    poller = (
        service.project("boards")
        .model(3)
        .poller("train_model", on_status=lambda s, _: seen.append(s))
    )
    assert poller.result().status is ModelStatus.TRAINED
    assert seen == ["TRAINING", "QUANTUM_TUNING", "TRAINED"]


def test_resume_token_rebuilds_the_poller_in_another_service_object(
    service: LookoutVision, stubber: Stubber, clock: FakeClock
) -> None:
    first = service.project("boards").model(3).poller("train_model")
    token = first.resume_token
    assert decode_resume_token(token) == {
        "kind": "train_model",
        "project": "boards",
        "version": "3",
    }
    later = LookoutVision(
        client=service.client, polling=PollingPolicy(sleep=clock.sleep, clock=clock)
    )
    resumed = later.resume(token)
    assert isinstance(resumed, ModelPoller)
    assert (resumed.operation, resumed.identity) == (first.operation, first.identity)
    assert resumed.model == first.model
    queue_statuses(stubber, "TRAINING", "TRAINED")
    assert resumed.result().status is ModelStatus.TRAINED


def test_resume_tokens_for_datasets_and_packaging_jobs(service: LookoutVision) -> None:
    dataset_poller = service.project("boards").dataset("test").poller("update_dataset")
    job_poller = service.project("boards").packaging_job("job-1").poller()
    for poller in (dataset_poller, job_poller):
        resumed = service.resume(poller.resume_token)
        assert type(resumed) is type(poller)
        assert (resumed.operation, resumed.identity) == (poller.operation, poller.identity)


def test_tokens_saved_by_earlier_versions_still_resume(service: LookoutVision) -> None:
    # the format is unchanged: base64 of {"kind": ..., identity...} after "lv1."
    payload = {"kind": "delete_dataset", "project": "boards", "dataset_type": "train"}
    token = "lv1." + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    resumed = service.resume(token)
    assert isinstance(resumed, DatasetPoller)
    assert resumed.operation is Operation.DELETE_DATASET
    assert resumed.dataset == service.project("boards").dataset("train")


def _token(payload: dict[str, str]) -> str:
    return "lv1." + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "token",
    [
        "",
        "lv1.!!!",
        "other.abc",
        "lv1.W10",
        _token({"kind": "warp_model", "project": "p", "version": "1"}),
        _token({"kind": "train_model", "project": "p", "dataset_type": "train"}),
        _token({"kind": "package_model", "version": "1"}),
    ],
)
def test_damaged_resume_tokens_are_invalid_input(service: LookoutVision, token: str) -> None:
    with pytest.raises(InvalidInputError, match="token") as caught:
        service.resume(token)
    assert caught.value.problems[0].path == "token"


def test_a_wrong_operation_for_the_resource_names_operation(service: LookoutVision) -> None:
    project = service.project("boards")
    with pytest.raises(InvalidInputError, match="train_model") as caught:
        project.model(3).poller("warp_model")
    assert caught.value.problems[0].path == "operation"
    with pytest.raises(InvalidInputError, match="create_dataset"):
        project.dataset("train").poller(Operation.TRAIN_MODEL)
    with pytest.raises(InvalidInputError, match="package_model"):
        project.packaging_job("j").poller("delete_model")


def test_pollers_hold_their_handles(service: LookoutVision) -> None:
    project = service.project("boards")
    model_poller = project.model(3).poller(Operation.STOP_MODEL)
    assert model_poller.model == project.model(3)
    assert project.dataset("test").poller("create_dataset").dataset == project.dataset("test")
    job_poller = project.packaging_job("j").poller(Operation.PACKAGE_MODEL)
    assert isinstance(job_poller, PackagingJobPoller)
    assert job_poller.job == project.packaging_job("j")


def test_deprecated_spellings_still_work_and_warn(service: LookoutVision) -> None:
    project = service.project("boards")
    with pytest.deprecated_call(match="Model.poller"):
        poller = project.model(3).poller(kind="start_model")
    assert poller.operation is Operation.START_MODEL
    with pytest.deprecated_call(match="Poller.kind"):
        assert poller.kind == "start_model"
    with pytest.deprecated_call(match="Dataset.poller"):
        dataset_poller = project.dataset("train").poller()
    assert dataset_poller.operation is Operation.CREATE_DATASET
    with pytest.raises(InvalidInputError, match="kind"):
        project.model(3).poller("train_model", kind="start_model")
