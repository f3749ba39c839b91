"""The S3 client the SDK makes follows the service's RetryPolicy, as Lookout calls do.

A real boto3 S3 client is answered in-process by scripted replies: throttling with
``Retry-After``, 5xx, dropped connections; the policy's fake clock records each pause.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ClientError, ConnectionClosedError

from lookout_sdk import LookoutVision, RetryPolicy
from lookout_sdk.datasets import UploadItem, upload_files
from lookout_sdk.runtime.transport import request_body
from lookout_sdk.testing import InProcessTransport, Reply
from tests.conftest import FakeClock

Step = Reply | Callable[[AWSPreparedRequest], Reply]


def s3_error(status: int, code: str, **headers: str) -> Reply:
    body = f"<Error><Code>{code}</Code><Message>scripted</Message></Error>".encode()
    return Reply(status, {"Content-Type": "application/xml", **headers}, body)


def reset(request: AWSPreparedRequest) -> Reply:
    raise ConnectionClosedError(endpoint_url=request.url)


OK = Reply(200, {"ETag": '"0"'}, b"")


class Script:
    """Plays its steps in order, then answers OK; keeps every request's body."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.bodies: list[bytes] = []

    def __call__(self, request: AWSPreparedRequest) -> Reply:
        self.bodies.append(request_body(request))
        step = self.steps.pop(0) if self.steps else OK
        return step(request) if callable(step) else step


def service_with(script: Script, clock: FakeClock, **policy: object) -> LookoutVision:
    retry = RetryPolicy(sleep=clock.sleep, clock=clock, jitter=False, **policy)  # type: ignore[arg-type]
    return LookoutVision(region_name="us-east-1", transport=InProcessTransport(script), retry=retry)


def test_throttling_errors_and_resets_are_retried_honouring_retry_after(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script(
        s3_error(503, "SlowDown", **{"Retry-After": "3"}),
        reset,
        s3_error(500, "InternalError"),
        s3_error(429, "TooManyRequests"),
    )
    s3 = service_with(script, clock, initial_backoff=0.25).s3_client()
    with caplog.at_level(logging.WARNING, logger="lookout_sdk.retry"):
        answer = s3.put_object(Bucket="bucket", Key="k", Body=b"data")
    assert answer["ResponseMetadata"]["RetryAttempts"] == 4
    assert clock.sleeps == [3.0, 0.5, 1.0, 2.0]  # Retry-After, then the policy's back-off
    assert script.bodies == [b"data"] * 5
    assert len(caplog.records) == 4
    assert "SlowDown" in caplog.records[0].getMessage()


def test_attempts_are_bounded_by_the_policy(clock: FakeClock) -> None:
    script = Script(*[s3_error(503, "SlowDown")] * 10)
    s3 = service_with(script, clock, max_attempts=3).s3_client()
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket="bucket", Key="k")
    assert info.value.response["Error"]["Code"] == "SlowDown"
    assert len(script.bodies) == 3
    assert len(clock.sleeps) == 2


def test_the_deadline_bounds_the_retries(clock: FakeClock) -> None:
    script = Script(*[s3_error(503, "SlowDown", **{"Retry-After": "4"})] * 10)
    s3 = service_with(script, clock, max_attempts=10, deadline=10.0).s3_client()
    with pytest.raises(ClientError):
        s3.head_object(Bucket="bucket", Key="k")
    # 4 s, 4 s, then 2 s are left: a pause of 4 s would pass the deadline
    assert clock.sleeps == [4.0, 4.0]
    assert len(script.bodies) == 3


@pytest.mark.parametrize(("status", "code"), [(404, "NoSuchKey"), (403, "AccessDenied")])
def test_client_errors_are_not_retried(clock: FakeClock, status: int, code: str) -> None:
    script = Script(s3_error(status, code))
    s3 = service_with(script, clock).s3_client()
    with pytest.raises(ClientError):
        s3.get_object(Bucket="bucket", Key="k")
    assert len(script.bodies) == 1
    assert clock.sleeps == []


def test_a_streamed_body_is_sent_whole_again(clock: FakeClock) -> None:
    script = Script(reset, s3_error(500, "InternalError"))
    s3 = service_with(script, clock).s3_client()
    s3.put_object(Bucket="bucket", Key="k", Body=io.BytesIO(b"0123456789"))
    assert script.bodies == [b"0123456789"] * 3


def test_uploads_survive_faults(clock: FakeClock, tmp_path: Path) -> None:
    files = []
    for number in range(4):
        path = tmp_path / f"{number}.png"
        path.write_bytes(bytes([number]) * 10)
        files.append(UploadItem(path, "bucket", f"parts/{number}.png"))
    empty = b"<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"
    listing = Reply(200, {}, empty)
    script = Script(reset, listing, s3_error(503, "SlowDown", **{"Retry-After": "1"}), reset)
    s3 = service_with(script, clock).s3_client()
    report = upload_files(s3, files, workers=1)
    assert report.ok, report.failed
    assert len(report.uploaded) == 4


def test_a_given_client_keeps_its_own_retries_until_attached(clock: FakeClock) -> None:
    import boto3
    from botocore.config import Config

    script = Script(s3_error(503, "SlowDown"), s3_error(503, "SlowDown"))
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    given = boto3.Session(region_name="us-east-1").client("s3", config=config)
    InProcessTransport(given, script)
    service = LookoutVision(region_name="us-east-1", s3=given)
    assert service.s3_client() is given
    with pytest.raises(ClientError):  # its own settings: one attempt
        given.get_object(Bucket="bucket", Key="k")
    policy = RetryPolicy(sleep=clock.sleep, clock=clock, jitter=False)
    policy.attach(given)
    policy.attach(given)  # attaching again changes nothing: one pause per retry
    assert given.get_object(Bucket="bucket", Key="k")["ResponseMetadata"]["RetryAttempts"] == 1
    assert len(script.bodies) == 3
    assert clock.sleeps == [0.5]
