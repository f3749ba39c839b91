"""Faults scripted below the SDK: throttling, 5xx, dropped connections, bad input.

Every test drives a real boto3 client through :class:`InProcessTransport`, so request
serialisation, signing, botocore's ``standard`` retries and response parsing all run;
only the socket is replaced.
"""

from __future__ import annotations

import json
import logging
import re
import struct
import time
from collections.abc import Callable, Iterator
from typing import Any

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ClientError, EndpointConnectionError
from hypothesis import given, settings
from hypothesis import strategies as st

from lookout_sdk import (
    ConflictError,
    InternalServerError,
    InvalidImageError,
    InvalidInputError,
    LookoutVision,
    RetryPolicy,
    ThrottlingError,
    ValidationError,
)
from lookout_sdk.testing import InProcessTransport, Reply, error_reply, json_reply
from tests.conftest import FakeClock

TOKEN_RULE = re.compile(r"[a-zA-Z0-9-]+")
PROJECT_NAME_RULE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_\-]*")
ARN = "arn:aws:lookoutvision:us-east-1:123456789012:project/p"


# ----------------------------------------------------------------------------- helpers


def scripted(*steps: Reply | Callable[[AWSPreparedRequest], Reply]) -> Callable[..., Reply]:
    """A handler that plays ``steps`` in order (a callable step may raise), then fails."""
    queue: Iterator[Reply | Callable[[AWSPreparedRequest], Reply]] = iter(steps)

    def handler(request: AWSPreparedRequest) -> Reply:
        step = next(queue, None)
        if step is None:
            raise AssertionError(f"unexpected extra request: {request.method} {request.url}")
        return step(request) if callable(step) else step

    return handler


def drop_connection(request: AWSPreparedRequest) -> Reply:
    raise EndpointConnectionError(endpoint_url=request.url)


def throttled(retry_after: float) -> Reply:
    return error_reply(
        "ThrottlingException",
        "Rate exceeded",
        status=429,
        headers={"Retry-After": f"{retry_after:g}"},
    )


def internal_error() -> Reply:
    return error_reply("InternalServerException", "Something broke", status=500)


def header(request: AWSPreparedRequest, name: str) -> str | None:
    """A request header as text (botocore keeps the values it serialised as bytes)."""
    value: Any = request.headers.get(name)
    return value.decode() if isinstance(value, bytes) else value


def body_json(request: AWSPreparedRequest) -> Any:
    body: Any = request.body
    return json.loads(body or b"{}")


def tokens_of(transport: InProcessTransport) -> set[str]:
    """The distinct X-Amzn-Client-Token values the transport saw."""
    found = set()
    for request in transport.requests:
        value = header(request, "X-Amzn-Client-Token")
        assert value is not None, f"a request carried no client token: {request.url}"
        found.add(value)
    return found


def fault_scenario() -> Callable[..., Reply]:
    """429 with Retry-After 3, then 500, then a dropped connection, then success."""
    return scripted(
        throttled(3),
        internal_error(),
        drop_connection,
        json_reply({"Status": "STARTING_HOSTING"}, status=202),
    )


def retry_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "lookout_sdk.retry" and r.levelno == logging.WARNING
    ]


def make_service(clock: FakeClock, **retry: Any) -> LookoutVision:
    return LookoutVision(
        region_name="us-east-1",
        retry=RetryPolicy(sleep=clock.sleep, clock=clock, jitter=False, **retry),
    )


class _BotocoreTime:
    """Stands in for the ``time`` module inside ``botocore.endpoint``: sleeps are recorded."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def botocore_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record botocore's own retry sleeps (``Endpoint._needs_retry``) instead of waiting."""
    fake = _BotocoreTime()
    monkeypatch.setattr(botocore.endpoint, "time", fake)
    return fake.sleeps


# ----------------------------------------------------------------------------- acceptance


def test_botocore_retries_then_sdk_retries_with_one_token(
    clock: FakeClock, botocore_sleeps: list[float]
) -> None:
    """With botocore's layer turned on (3 attempts), it absorbs 429 and 500, gives up on
    the dropped connection, and the SDK's own layer makes the fourth attempt."""
    service = make_service(clock, botocore_max_attempts=3)
    transport = InProcessTransport(service.client, fault_scenario())

    poller = service.project("p").model("1").start(min_inference_units=1)

    assert poller is not None
    assert len(transport.requests) == 4
    tokens = tokens_of(transport)
    assert len(tokens) == 1
    assert TOKEN_RULE.fullmatch(tokens.pop())
    # botocore slept between its three attempts (it reads x-amz-retry-after, not
    # Retry-After); the SDK slept once, its first back-off, before the fourth.
    assert len(botocore_sleeps) == 2
    assert clock.sleeps == [0.5]
    # Three botocore attempts in the first SDK attempt, one in the second.
    attempts = [
        re.match(r"attempt=(\d+)", header(r, "amz-sdk-request") or "") for r in transport.requests
    ]
    assert [int(m.group(1)) if m else None for m in attempts] == [1, 2, 3, 1]


def test_sdk_layer_alone_honours_retry_after_and_logs(
    clock: FakeClock, botocore_sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    """By default botocore makes one attempt and the SDK's layer retries all three faults."""
    warnings_before_sleep: list[int] = []

    def sleep(seconds: float) -> None:
        warnings_before_sleep.append(len(retry_warnings(caplog)))
        clock.sleep(seconds)

    service = LookoutVision(
        region_name="us-east-1",
        retry=RetryPolicy(sleep=sleep, clock=clock, jitter=False),
    )
    transport = InProcessTransport(service.client, fault_scenario())

    with caplog.at_level(logging.WARNING, logger="lookout_sdk.retry"):
        service.project("p").model("1").start(min_inference_units=1)

    assert len(transport.requests) == 4
    tokens = tokens_of(transport)
    assert len(tokens) == 1
    assert TOKEN_RULE.fullmatch(tokens.pop())
    assert botocore_sleeps == []
    assert clock.sleeps[0] >= 3  # Retry-After: 3 from the 429 was honoured
    assert clock.sleeps == [3.0, 1.0, 2.0]
    # One more WARNING had been logged before each of the three sleeps.
    assert warnings_before_sleep == [1, 2, 3]
    records = retry_warnings(caplog)
    assert len(records) == 3
    assert "ThrottlingException" in records[0].getMessage()
    assert "retrying in 3.00s" in records[0].getMessage()
    assert "InternalServerException" in records[1].getMessage()
    assert "could not reach the endpoint" in records[2].getMessage()


def test_create_project_keeps_its_token_across_botocore_retries(
    clock: FakeClock, botocore_sleeps: list[float]
) -> None:
    service = make_service(clock, botocore_max_attempts=3)
    created = {"ProjectMetadata": {"ProjectName": "p", "ProjectArn": ARN}}
    transport = InProcessTransport(
        service.client, scripted(throttled(1), internal_error(), json_reply(created))
    )

    project = service.create_project("p", client_token="my-token-1")

    assert project.name == "p"
    assert len(transport.requests) == 3
    assert tokens_of(transport) == {"my-token-1"}
    assert len(botocore_sleeps) == 2


# ----------------------------------------------------------------------------- deadline


def test_deadline_bounds_total_sleep_and_reraises_last_error(clock: FakeClock) -> None:
    service = make_service(clock, deadline=10, max_attempts=100, botocore_max_attempts=1)
    transport = InProcessTransport(service.client, lambda request: internal_error())

    with pytest.raises(InternalServerError) as caught:
        service.project("p").model("1").describe()

    assert isinstance(caught.value.__cause__, ClientError)
    assert caught.value.http_status == 500
    assert sum(clock.sleeps) <= 10
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 2.5]  # the last wait is cut to the deadline
    assert len(transport.requests) == len(clock.sleeps) + 1


def test_retry_after_beyond_deadline_stops_at_once(clock: FakeClock) -> None:
    service = make_service(clock, deadline=10, botocore_max_attempts=1)
    transport = InProcessTransport(service.client, lambda request: throttled(30))

    with pytest.raises(ThrottlingError) as caught:
        service.project("p").model("1").describe()

    assert caught.value.retry_after == 30
    assert isinstance(caught.value.__cause__, ClientError)
    assert clock.sleeps == []
    assert len(transport.requests) == 1


def test_retry_after_beyond_remaining_deadline_stops_without_sleeping(clock: FakeClock) -> None:
    service = make_service(clock, deadline=10, botocore_max_attempts=1)
    transport = InProcessTransport(
        service.client, scripted(internal_error(), internal_error(), throttled(9))
    )

    with pytest.raises(ThrottlingError):
        service.project("p").model("1").describe()

    # 0.5 + 1.0 slept; 8.5 s remain, less than the 9 s asked for: no third sleep.
    assert clock.sleeps == [0.5, 1.0]
    assert len(transport.requests) == 3


# ----------------------------------------------------------------------------- not retried


@pytest.mark.parametrize(
    "case",
    [
        ("ValidationException", 400, ValidationError),
        ("ConflictException", 409, ConflictError),
    ],
    ids=["validation-400", "conflict-409"],
)
def test_non_retryable_errors_are_raised_after_one_request(
    service: LookoutVision,
    clock: FakeClock,
    botocore_sleeps: list[float],
    case: tuple[str, int, type[Exception]],
) -> None:
    code, status, error_class = case
    transport = InProcessTransport(
        service.client,
        lambda request: error_reply(
            code, "no", status=status, ResourceId="p", ResourceType="PROJECT"
        ),
    )

    with pytest.raises(error_class) as caught:
        service.project("p").model("1").start(min_inference_units=1)

    assert len(transport.requests) == 1
    assert clock.sleeps == []
    assert botocore_sleeps == []
    error: Any = caught.value
    assert error.code == code
    assert error.http_status == status


# ----------------------------------------------------------------------------- caller mistakes


def png(width: int, height: int) -> bytes:
    header = struct.pack(">II", width, height) + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header + b"\x00" * 4


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64


def big_changes(lines: int) -> list[str]:
    """``lines`` dataset entries of about 8,030 characters each (the limit is 8,192)."""
    return [
        json.dumps({"source-ref": f"s3://bucket/img/{i:07d}.png", "pad": "x" * 8000})
        for i in range(lines)
    ]


MISTAKES: dict[str, tuple[Callable[[LookoutVision], object], str, type[InvalidInputError]]] = {
    "project name": (lambda s: s.create_project("bad name!"), "ProjectName", InvalidInputError),
    "page size 0": (
        lambda s: s.list_projects(page_size=0).first(),
        "MaxResults",
        InvalidInputError,
    ),
    "page size 101": (
        lambda s: s.project("p").list_models(page_size=101).first(),
        "MaxResults",
        InvalidInputError,
    ),
    "model version 0": (
        lambda s: s.project("p").model("0").describe(),
        "ModelVersion",
        InvalidInputError,
    ),
    "tag key too long": (
        lambda s: s.tag_resource(ARN, {"k" * 129: "v"}),
        "Tags[0].Key",
        InvalidInputError,
    ),
    "changes too large": (
        lambda s: s.project("p").dataset("train").update_entries(big_changes(1400)),
        "Changes",
        InvalidInputError,
    ),
    "image 32x32": (
        lambda s: s.project("p").model("1").detect(png(32, 32)),
        "image",
        InvalidImageError,
    ),
    "TIFF image": (lambda s: s.project("p").model("1").detect(TIFF), "image", InvalidImageError),
    "jpeg sent as png": (
        lambda s: s.project("p").model("1").detect(jpeg(100, 100), content_type="image/png"),
        "ContentType",
        InvalidImageError,
    ),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_caller_mistakes_raise_before_sending(service: LookoutVision, mistake: str) -> None:
    action, path, error_class = MISTAKES[mistake]
    transport = InProcessTransport(service.client, lambda request: json_reply({}))

    with pytest.raises(error_class) as caught:
        action(service)

    error = caught.value
    assert isinstance(error, ValueError)
    assert transport.requests == []
    assert path in [p.path for p in error.problems], error.problems
    assert path in str(error)


def test_changes_just_under_the_limit_are_sent(service: LookoutVision) -> None:
    """The size check of the mistake above is the 10,485,760-byte limit, not earlier."""
    transport = InProcessTransport(
        service.client, lambda request: json_reply({"Status": "UPDATE_IN_PROGRESS"}, status=202)
    )
    changes = big_changes(1200)
    assert len("\n".join(changes)) + 1 <= 10_485_760 < len("\n".join(big_changes(1400)))

    service.project("p").dataset("train").update_entries(changes)

    assert len(transport.requests) == 1


@pytest.mark.parametrize("image", [png(64, 64), jpeg(100, 100)], ids=["png", "jpeg"])
def test_valid_images_are_sent(service: LookoutVision, image: bytes) -> None:
    transport = InProcessTransport(
        service.client,
        lambda request: json_reply({"DetectAnomalyResult": {"IsAnomalous": False}}),
    )

    result = service.project("p").model("1").detect(image)

    assert result.is_anomalous is False
    assert len(transport.requests) == 1
    assert transport.requests[0].body == image


# ----------------------------------------------------------------------------- properties


def _is_valid_project_name(name: str) -> bool:
    return 1 <= len(name) <= 255 and PROJECT_NAME_RULE.fullmatch(name) is not None


invalid_project_names = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="aZ9_-", min_size=256, max_size=300),
    st.from_regex(r"[_\-][a-zA-Z0-9_\-]*", fullmatch=True),
    st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9_\-]*[^a-zA-Z0-9_\-][a-zA-Z0-9_\-]*", fullmatch=True),
).filter(lambda name: not _is_valid_project_name(name))

valid_project_names = st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9_\-]{0,254}", fullmatch=True)


def test_invalid_project_names_always_raise_and_send_nothing(service: LookoutVision) -> None:
    transport = InProcessTransport(service.client, lambda request: json_reply({}))

    @settings(max_examples=300, deadline=None)
    @given(name=invalid_project_names)
    def check(name: str) -> None:
        with pytest.raises(InvalidInputError) as caught:
            service.create_project(name)
        assert {p.path for p in caught.value.problems} == {"ProjectName"}
        assert transport.requests == []

    check()


def test_valid_project_names_are_sent(service: LookoutVision) -> None:
    def handler(request: AWSPreparedRequest) -> Reply:
        name = body_json(request)["ProjectName"]
        return json_reply({"ProjectMetadata": {"ProjectName": name, "ProjectArn": ARN}})

    transport = InProcessTransport(service.client, handler)

    @settings(max_examples=150, deadline=None)
    @given(name=valid_project_names)
    def check(name: str) -> None:
        transport.requests.clear()
        assert service.create_project(name).name == name
        assert len(transport.requests) == 1
        assert body_json(transport.requests[0])["ProjectName"] == name

    check()
