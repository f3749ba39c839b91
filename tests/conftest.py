"""Shared fixtures: a service whose client is stubbed and whose clock is fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from lookout_sdk import LookoutVision, PollingPolicy, RetryPolicy

if TYPE_CHECKING:
    from botocore.client import BaseClient


#: lookout_sdk.engine.ENGINE_ENV (kept literal: conftest must not import numpy)
ENGINE_ENV = "LOOKOUT_SDK_ENGINE"


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


_AWS_SETTINGS_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_LOOKOUTVISION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_SESSION_TOKEN",
)


def isolate_aws_environment(patch: pytest.MonkeyPatch, folder: Path) -> None:
    """Hide the developer's AWS files and settings; set fake credentials; no IMDS."""
    for name in _AWS_SETTINGS_TO_CLEAR:
        patch.delenv(name, raising=False)
    patch.setenv("AWS_CONFIG_FILE", str(folder / "none"))
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "none"))
    patch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    patch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    patch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True, scope="session")
def _quick_engine() -> Iterator[None]:
    """Local backends train the quick SimpleEngine unless a module asks for the default.

    Tests of the service's semantics do not need the pretrained-feature detector; the
    modules that check detection end to end use :func:`use_default_engine`.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENGINE_ENV, "simple")
        yield


def use_default_engine() -> Any:
    """A module-wide autouse fixture: local backends train the default engine."""

    @pytest.fixture(autouse=True, scope="module")
    def _default_engine() -> Iterator[None]:
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv(ENGINE_ENV, raising=False)
            yield

    return _default_engine


@pytest.fixture(autouse=True)
def _isolated_aws_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test reads the developer's AWS files or reaches the instance metadata service."""
    isolate_aws_environment(monkeypatch, tmp_path_factory.mktemp("aws"))


@pytest.fixture(scope="module")
def shared_client(tmp_path_factory: pytest.TempPathFactory) -> BaseClient:
    """One isolated ``lookoutvision`` client for a whole module.

    Building a client costs about 0.1 s, so modules with many stubbed tests share one
    and wrap it in a fresh :class:`LookoutVision` (and ``Stubber``) per test.
    """
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch, tmp_path_factory.mktemp("aws"))
        return LookoutVision(region_name="us-east-1").client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(clock: FakeClock) -> LookoutVision:
    """A service for us-east-1 whose retries and polls sleep on the fake clock."""
    return LookoutVision(
        region_name="us-east-1",
        retry=RetryPolicy(sleep=clock.sleep, clock=clock, jitter=False),
        polling=PollingPolicy(sleep=clock.sleep, clock=clock),
    )


@pytest.fixture
def stubber(service: LookoutVision) -> Iterator[Stubber]:
    """The stubber of ``service``'s client; every queued response must be used."""
    with Stubber(service.client) as stub:
        yield stub
        stub.assert_no_pending_responses()
