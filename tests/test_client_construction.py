"""Building a :class:`LookoutVision`: no network, boto3's endpoint and profile rules."""

from __future__ import annotations

import socket
import textwrap
from pathlib import Path
from typing import Any

import boto3
import botocore
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import UnknownServiceError

import lookout_sdk
from lookout_sdk import InvalidInputError, LookoutVision, PollingPolicy
from lookout_sdk.api.registry import service_is_known

#: botocore 1.40.61 dropped the lookoutvision model that lookout_sdk bundles.
BOTOCORE_WITHOUT_MODEL = tuple(int(p) for p in botocore.__version__.split(".")[:3]) >= (1, 40, 61)
US_EAST_1 = "https://lookoutvision.us-east-1.amazonaws.com"


def plain_client(**options: Any) -> BaseClient:
    """A lookoutvision client built by boto3 alone (after registering the model)."""
    session = boto3.Session()
    lookout_sdk.register_service(session)
    client: BaseClient = session.client("lookoutvision", **options)  # type: ignore[call-overload]
    return client


# ----------------------------------------------------------------------------- no network


@pytest.fixture
def connect_attempts(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Refuse and record every outgoing connection; let the credential chain reach IMDS."""
    attempts: list[object] = []

    def refuse_connect(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise ConnectionRefusedError(f"no network in this test: {address!r}")

    def refuse_create_connection(address: object, *args: object, **kwargs: object) -> None:
        attempts.append(address)
        raise ConnectionRefusedError(f"no network in this test: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(socket, "create_connection", refuse_create_connection)
    # Nothing in the environment or files: an eager credential lookup would go all the
    # way down the chain to the EC2 instance metadata service.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    return attempts


def test_construction_makes_no_network_call(connect_attempts: list[object]) -> None:
    service = LookoutVision(region_name="us-east-1")

    assert connect_attempts == []
    model = service.client.meta.service_model
    assert model.service_name == "lookoutvision"
    assert len(model.operation_names) == 22
    assert service.client.meta.endpoint_url == US_EAST_1
    assert service.client.meta.region_name == "us-east-1"


def test_the_network_guard_would_catch_an_eager_credential_lookup(
    connect_attempts: list[object],
) -> None:
    """Control: a plain boto3 client resolves credentials at once and reaches for IMDS."""
    plain_client(region_name="us-east-1")

    assert connect_attempts, "the guard saw no connection: the test above proves nothing"
    assert all("169.254.169.254" in str(address) for address in connect_attempts)


# ----------------------------------------------------------------------------- endpoints


def test_endpoint_url_environment_variable_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_LOOKOUTVISION", "http://127.0.0.1:9999")

    service = LookoutVision(region_name="us-east-1")

    assert service.client.meta.endpoint_url == "http://127.0.0.1:9999"


def test_endpoint_url_argument_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_LOOKOUTVISION", "http://127.0.0.1:9999")

    service = LookoutVision(region_name="us-east-1", endpoint_url="http://localhost:8080")

    assert service.client.meta.endpoint_url == "http://localhost:8080"


@pytest.fixture
def aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A shared config file with three profiles (the files of conftest are empty)."""
    path = tmp_path / "config"
    path.write_text(
        textwrap.dedent(
            """\
            [profile services-section]
            region = eu-west-1
            services = local-lookout

            [services local-lookout]
            lookoutvision =
              endpoint_url = http://127.0.0.1:9998

            [profile profile-level]
            region = ap-northeast-1
            endpoint_url = http://127.0.0.1:9997

            [profile region-only]
            region = eu-central-1
            """
        )
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    return path


PROFILES = {
    "services-section": ("eu-west-1", "http://127.0.0.1:9998"),
    "profile-level": ("ap-northeast-1", "http://127.0.0.1:9997"),
    "region-only": ("eu-central-1", "https://lookoutvision.eu-central-1.amazonaws.com"),
}


@pytest.mark.usefixtures("aws_config")
@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("via", ["profile_name", "session"])
def test_profile_region_and_endpoint_are_honoured(profile: str, via: str) -> None:
    if via == "profile_name":
        service = LookoutVision(profile_name=profile)
    else:
        service = LookoutVision(session=boto3.Session(profile_name=profile))

    region, endpoint = PROFILES[profile]
    assert service.client.meta.region_name == region
    assert service.client.meta.endpoint_url == endpoint


@pytest.mark.usefixtures("aws_config")
def test_endpoint_url_argument_wins_over_the_profile() -> None:
    service = LookoutVision(profile_name="services-section", endpoint_url="http://localhost:1")

    assert service.client.meta.endpoint_url == "http://localhost:1"


def test_profile_name_and_session_together_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="profile_name") as caught:
        LookoutVision(session=boto3.Session(region_name="us-east-1"), profile_name="x")
    assert caught.value.problems[0].path == "profile_name"


# ----------------------------------------------------------------------------- config


def test_config_merges_with_the_sdk_defaults() -> None:
    service = LookoutVision(region_name="us-east-1", config=Config(read_timeout=7))

    config: Any = service.client.meta.config
    assert config.read_timeout == 7
    assert config.retries is not None
    assert config.retries["mode"] == "standard"
    assert config.retries["total_max_attempts"] == service.retry.botocore_max_attempts == 1
    assert config.user_agent_extra is not None
    assert "lookout-sdk/" in config.user_agent_extra


def test_default_config_uses_standard_retries_with_one_botocore_attempt() -> None:
    config: Any = LookoutVision(region_name="us-east-1").client.meta.config

    assert config.retries == {"mode": "standard", "total_max_attempts": 1}


def test_a_callers_retry_settings_are_merged_not_swapped() -> None:
    config: Any = LookoutVision(
        region_name="us-east-1", config=Config(retries={"total_max_attempts": 4})
    ).client.meta.config

    assert config.retries == {"mode": "standard", "total_max_attempts": 4}


# ----------------------------------------------------------------------------- client=


def test_an_existing_client_is_used_as_it_is() -> None:
    client = plain_client(region_name="eu-west-1")

    service = LookoutVision(client=client)

    assert service.client is client
    assert service.invoker.client is client


@pytest.mark.parametrize(
    "option",
    [
        {"region_name": "us-east-1"},
        {"endpoint_url": "http://localhost:1"},
        {"profile_name": "x"},
        {"config": Config(read_timeout=7)},
    ],
    ids=["region_name", "endpoint_url", "profile_name", "config"],
)
def test_client_excludes_the_other_client_options(option: dict[str, Any]) -> None:
    client = plain_client(region_name="us-east-1")

    with pytest.raises(InvalidInputError, match="client") as caught:
        LookoutVision(client=client, **option)
    assert caught.value.problems[0].path == next(iter(option))


def test_client_with_a_session_is_refused() -> None:
    client = plain_client(region_name="us-east-1")

    with pytest.raises(InvalidInputError, match="session"):
        LookoutVision(client=client, session=boto3.Session())


def test_s3_and_s3_endpoint_url_together_are_refused() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    with pytest.raises(InvalidInputError, match="s3_endpoint_url"):
        LookoutVision(region_name="us-east-1", s3=s3, s3_endpoint_url="http://127.0.0.1:9")


# ----------------------------------------------------------------------------- registration


def test_register_service_is_idempotent_and_enables_plain_boto3(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    session = boto3.Session()

    first = lookout_sdk.register_service(session)
    second = lookout_sdk.register_service(session)

    # An older botocore still ships the model, and then there is nothing to add.
    assert first is BOTOCORE_WITHOUT_MODEL
    assert second is False
    client = session.client("lookoutvision", region_name="us-east-1")  # type: ignore[call-overload]
    assert client.meta.service_model.service_name == "lookoutvision"
    assert client.meta.endpoint_url == US_EAST_1


@pytest.mark.skipif(
    not BOTOCORE_WITHOUT_MODEL,
    reason=f"botocore {botocore.__version__} still ships the lookoutvision model",
)
def test_plain_boto3_does_not_know_the_service_without_registration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)

    with pytest.raises(UnknownServiceError):
        boto3.Session().client("lookoutvision", region_name="us-east-1")  # type: ignore[call-overload]


def test_registering_one_session_leaves_others_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    lookout_sdk.register_service(boto3.Session())
    LookoutVision(region_name="us-east-1")

    other = boto3.Session()
    assert service_is_known(other) is not BOTOCORE_WITHOUT_MODEL


def test_registration_works_on_a_session_that_already_made_clients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    session = boto3.Session(region_name="us-east-1")
    session.client("s3")  # the loader now caches a service list without lookoutvision

    service = LookoutVision(session=session)

    assert service.client.meta.service_model.service_name == "lookoutvision"


@pytest.mark.parametrize(
    ("endpoint", "quick"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080", True),
        ("http://[::1]:8080", True),
        ("http://lookout.localhost", True),
        ("https://lookoutvision.us-east-1.amazonaws.com", False),
        ("http://10.0.0.5:8080", False),
    ],
)
def test_an_endpoint_on_this_machine_is_polled_quickly(endpoint: str, quick: bool) -> None:
    service = LookoutVision(region_name="us-east-1", endpoint_url=endpoint)
    assert (service.polling == PollingPolicy.quick()) is quick
    chosen = PollingPolicy(initial_delay=5.0)
    assert (
        LookoutVision(region_name="us-east-1", endpoint_url=endpoint, polling=chosen).polling
        is chosen
    )


# ----------------------------------------------------------------------------- transports


def test_a_transport_answers_both_clients_with_a_placeholder_endpoint() -> None:
    from lookout_sdk.testing import InProcessTransport, Reply, json_reply

    def answer(request: Any) -> Reply:
        if "/2020-11-20/" in str(request.url):
            return json_reply({"Projects": [{"ProjectName": "p", "ProjectArn": "arn:p"}]})
        return Reply(
            200,
            {"Content-Type": "application/xml"},
            b"<ListAllMyBucketsResult><Buckets><Bucket><Name>parts</Name></Bucket></Buckets></ListAllMyBucketsResult>",
        )

    transport = InProcessTransport(answer)
    closed: list[bool] = []
    transport.close = lambda: closed.append(True)  # type: ignore[method-assign]
    service = LookoutVision(region_name="us-east-1", transport=transport)
    assert service.client.meta.endpoint_url == "http://lookout.localhost"
    assert [p.name for p in service.list_projects()] == ["p"]
    assert [b["Name"] for b in service.s3_client().list_buckets()["Buckets"]] == ["parts"]
    assert len(transport.requests) == 2
    service.close()
    assert closed == [True]


def test_a_transport_must_have_a_handle_method() -> None:
    with pytest.raises(InvalidInputError, match="transport"):
        LookoutVision(region_name="us-east-1", transport=object())  # type: ignore[arg-type]


def test_local_without_its_entry_point_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from lookout_sdk import BackendUnavailableError

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **_: [])
    with pytest.raises(BackendUnavailableError, match=r"pip install 'lookout-sdk\[local\]'") as e:
        LookoutVision.local("unused")
    assert isinstance(e.value, ModuleNotFoundError)
    assert e.value.backend == "local"


def test_local_with_a_missing_dependency_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from lookout_sdk import BackendUnavailableError

    class Broken:
        def load(self) -> Any:
            raise ModuleNotFoundError("No module named 'werkzeug'")

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **_: [Broken()])
    with pytest.raises(BackendUnavailableError, match="werkzeug"):
        LookoutVision.local("unused")
