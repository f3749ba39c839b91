"""Pollers: backoff, callbacks, failures, timeouts and resuming, on a fake clock."""

from __future__ import annotations

import pickle

import pytest
from botocore.stub import Stubber

from lookout_sdk import (
    LookoutVision,
    ModelDescription,
    ModelStatus,
    OperationFailedError,
    PollingPolicy,
    WaitTimeoutError,
)
from lookout_sdk.runtime.polling import Outcome, Poller, decode_resume_token
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


def test_max_delay_caps_the_pause(clock: FakeClock) -> None:
    statuses = iter(["A", "A", "A", "A", "A", "DONE"])
    poller: Poller[str] = Poller(
        kind="custom",
        identity={"thing": "x"},
        fetch=lambda: next(statuses),
        outcome=lambda s: Outcome.SUCCEEDED if s == "DONE" else Outcome.RUNNING,
        status_of=str,
        message_of=lambda _: None,
        policy=PollingPolicy(
            initial_delay=1, max_delay=3, multiplier=2, sleep=clock.sleep, clock=clock
        ),
    )
    assert poller.result() == "DONE"
    assert clock.sleeps == [1, 2, 3, 3, 3]


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


def test_default_timeouts_are_finite() -> None:
    policy = PollingPolicy()
    kinds = [
        "train_model",
        "start_model",
        "stop_model",
        "delete_model",
        "create_dataset",
        "update_dataset",
        "delete_dataset",
        "package_model",
        "anything-else",
    ]
    assert all(0 < policy.timeout_for(kind) < float("inf") for kind in kinds)


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
    assert (resumed.kind, resumed.identity) == (first.kind, first.identity)
    queue_statuses(stubber, "TRAINING", "TRAINED")
    assert resumed.result().status is ModelStatus.TRAINED


def test_resume_tokens_for_datasets_and_packaging_jobs(service: LookoutVision) -> None:
    dataset_poller = service.project("boards").dataset("test").poller("update_dataset")
    job_poller = service.project("boards").packaging_job("job-1").poller()
    for poller in (dataset_poller, job_poller):
        resumed = service.resume(poller.resume_token)
        assert (resumed.kind, resumed.identity) == (poller.kind, poller.identity)


@pytest.mark.parametrize("token", ["", "lv1.!!!", "other.abc", "lv1.W10"])
def test_damaged_resume_tokens_raise_value_error(service: LookoutVision, token: str) -> None:
    with pytest.raises(ValueError, match="resume token"):
        service.resume(token)


def test_unknown_poller_kind_is_a_value_error(service: LookoutVision) -> None:
    with pytest.raises(ValueError, match="train_model"):
        service.project("boards").model(3).poller("warp_model")
    with pytest.raises(ValueError, match="create_dataset"):
        service.project("boards").dataset("train").poller("shrink_dataset")
