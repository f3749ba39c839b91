"""The local server's SigV4 checks, bind policy and body limits, driven by real boto3."""

from __future__ import annotations

import http.client
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import botocore
import botocore.auth
import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials as BotoCredentials
from botocore.exceptions import ClientError

import lookout_sdk
from lookout_sdk import AccessDeniedError, RetryPolicy
from lookout_sdk.local.http.auth import AuthError, Credentials, load_credentials, verify_request
from lookout_sdk.local.http.server import AuthMiddleware, RunningServer, check_bind, start_in_thread

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

ACCESS = "AKIDLOCALTEST"
SECRET = "local/secret+key"
CREDS = {ACCESS: SECRET}
ARN = "arn:aws:lookoutvision:us-east-1:123456789012:project/p"
ENCODED_ARN = "arn%3Aaws%3Alookoutvision%3Aus-east-1%3A123456789012%3Aproject%2Fp"
ODD_KEYS = ["a b/ü ñ.txt", "x+y=z&q?#.jpg", "dir//double/./dot/../x", "~t!*'()[]", "ключ.png"]


class EchoApp:
    """Answers ``{"ok": true}`` for the API, keeps S3 PUT bodies and returns them on GET."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bytes]] = []
        self.objects: dict[str, bytes] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        path = str(environ.get("REQUEST_URI", "")).split("?")[0]
        method = environ["REQUEST_METHOD"]
        self.calls.append((method, path, body))
        if path.startswith("/2020-11-20/"):
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"ok": true}']
        if method == "PUT":
            self.objects[path] = body
        payload = b"" if method == "PUT" else self.objects.get(path, b"")
        start_response("200 OK", [("Content-Length", str(len(payload)))])
        return [payload]


@pytest.fixture
def app() -> EchoApp:
    return EchoApp()


@pytest.fixture
def server(app: EchoApp) -> Iterator[RunningServer]:
    with start_in_thread(app, "127.0.0.1", 0, credentials=CREDS, max_body_bytes=64 * 1024) as s:
        yield s


@pytest.fixture
def open_server(app: EchoApp) -> Iterator[RunningServer]:
    with start_in_thread(app, "127.0.0.1", 0) as running:
        yield running


def lookout(
    url: str, secret: str = SECRET, access: str = ACCESS, config: Config | None = None
) -> lookout_sdk.LookoutVision:
    session = boto3.Session(aws_access_key_id=access, aws_secret_access_key=secret)
    return lookout_sdk.LookoutVision(
        endpoint_url=url,
        region_name="us-east-1",
        session=session,
        retry=RetryPolicy(max_attempts=1),
        config=config,
    )


def s3_client(url: str, secret: str = SECRET, **config: Any) -> Any:
    session = boto3.Session(aws_access_key_id=ACCESS, aws_secret_access_key=secret)
    settings = Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}, **config)
    return session.client("s3", endpoint_url=url, region_name="us-east-1", config=settings)


def signed(
    url: str,
    method: str = "GET",
    body: bytes = b"",
    *,
    service: str = "lookoutvision",
    headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """A request's headers once botocore signed it (S3's signer for service s3)."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    signer = S3SigV4Auth if service == "s3" else SigV4Auth
    signer(BotoCredentials(ACCESS, SECRET), service, "us-east-1").add_auth(request)
    return {"Host": urlsplit(url).netloc, **{str(k): str(v) for k, v in request.headers.items()}}


def send(
    url: str, method: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Send one raw request; the path goes on the wire exactly as in ``url``."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=5)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code"))


# ----------------------------------------------------------------------------- signed clients


def test_signed_lookoutvision_requests_pass(server: RunningServer, app: EchoApp) -> None:
    with lookout(server.url) as service:
        assert (
            service.client.list_projects(MaxResults=5)["ResponseMetadata"]["HTTPStatusCode"] == 200
        )
        service.client.list_tags_for_resource(ResourceArn=ARN)
        service.client.tag_resource(ResourceArn=ARN, Tags=[{"Key": "k", "Value": "v  w"}])
        service.client.untag_resource(ResourceArn=ARN, TagKeys=["a b", "c/d", "é"])
        assert service.list_tags(ARN) == {}
    paths = [path for _, path, _ in app.calls]
    assert paths[1] == f"/2020-11-20/tags/{ENCODED_ARN}"  # the ARN reached the app as sent
    assert json.loads(app.calls[2][2]) == {"Tags": [{"Key": "k", "Value": "v  w"}]}


def test_signed_s3_requests_with_odd_keys_pass(server: RunningServer, app: EchoApp) -> None:
    s3 = s3_client(server.url)
    for number, key in enumerate(ODD_KEYS):
        data = f"body {number} ✓".encode()
        s3.put_object(Bucket="bucket", Key=key, Body=data)
        assert s3.get_object(Bucket="bucket", Key=key)["Body"].read() == data
    s3.list_objects_v2(Bucket="bucket", Prefix="a b/", Delimiter="/")
    assert len(app.calls) == 2 * len(ODD_KEYS) + 1


def test_presigned_s3_url(server: RunningServer, app: EchoApp) -> None:
    s3 = s3_client(server.url, signature_version="s3v4")
    s3.put_object(Bucket="bucket", Key="a b/ü.txt", Body=b"shared")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "bucket", "Key": "a b/ü.txt"}, ExpiresIn=60
    )
    assert send(url, "GET", {})[::2] == (200, b"shared")
    status, _, body = send(url.replace("/a%20b/", "/other/"), "GET", {})
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body
    parts = urlsplit(url)
    later = datetime.now(timezone.utc) + timedelta(seconds=120)
    with pytest.raises(AuthError, match="expired"):
        verify_request(
            "GET", parts.path, parts.query, {"Host": parts.netloc}, b"", CREDS, now=later
        )


# ----------------------------------------------------------------------------- refusals


def test_wrong_secret_is_refused(server: RunningServer, app: EchoApp) -> None:
    with lookout(server.url, secret="not-the-secret") as service:
        with pytest.raises(AccessDeniedError, match="signature does not match") as caught:
            service.list_tags(ARN)
        assert caught.value.http_status == 403
        with pytest.raises(ClientError) as raw:
            service.client.list_projects()
        assert error_code(raw.value) == "AccessDeniedException"
    with pytest.raises(ClientError) as s3_error:
        s3_client(server.url, secret="not-the-secret").put_object(Bucket="b", Key="k", Body=b"x")
    assert error_code(s3_error.value) == "AccessDenied"
    assert s3_error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert app.calls == []


def test_unknown_access_key_is_refused(server: RunningServer, app: EchoApp) -> None:
    service = lookout(server.url, access="AKIDSOMEONEELSE")
    with service, pytest.raises(AccessDeniedError, match="not known"):
        service.list_tags(ARN)
    assert app.calls == []


def test_unsigned_requests_are_refused(server: RunningServer, app: EchoApp) -> None:
    unsigned = Config(signature_version=botocore.UNSIGNED)
    service = lookout(server.url, config=unsigned)
    with service, pytest.raises(AccessDeniedError, match="not signed"):
        service.list_tags(ARN)
    with pytest.raises(ClientError) as s3_error:
        s3_client(server.url, signature_version=botocore.UNSIGNED).get_object(Bucket="b", Key="k")
    assert error_code(s3_error.value) == "AccessDenied"
    assert app.calls == []


def test_tampered_requests_are_refused(server: RunningServer, app: EchoApp) -> None:
    url = f"{server.url}/2020-11-20/projects"
    body = b'{"ProjectName": "good"}'
    headers = signed(url, "POST", body)
    assert send(url, "POST", headers, body)[0] == 200  # the untouched request passes
    status, response_headers, answer = send(url, "POST", headers, b'{"ProjectName": "evil"}')
    assert status == 403
    assert response_headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert "signature does not match" in json.loads(answer)["message"]
    # the same signature on another resource's path
    tags_url = f"{server.url}/2020-11-20/tags/{ENCODED_ARN}"
    headers = signed(tags_url)
    assert send(tags_url, "GET", headers)[0] == 200
    assert send(tags_url.replace("project%2Fp", "project%2Fq"), "GET", headers)[0] == 403
    # S3 signs the body's hash in x-amz-content-sha256, which must match the body
    object_url = f"{server.url}/bucket/a%20b.txt"
    headers = signed(object_url, "PUT", b"original", service="s3")
    status, _, answer = send(object_url, "PUT", headers, b"tampered")
    assert status == 403
    assert b"x-amz-content-sha256 does not match" in answer
    assert len(app.calls) == 2


@pytest.mark.parametrize("skew", [timedelta(minutes=-20), timedelta(minutes=20)])
def test_skewed_request_time_is_refused(
    server: RunningServer, app: EchoApp, monkeypatch: pytest.MonkeyPatch, skew: timedelta
) -> None:
    monkeypatch.setattr(
        botocore.auth, "get_current_datetime", lambda: datetime.now(timezone.utc) + skew
    )
    service = lookout(server.url)
    with service, pytest.raises(AccessDeniedError, match="server's time"):
        service.list_tags(ARN)
    assert app.calls == []


def test_other_signing_mistakes_are_refused() -> None:
    url = "http://127.0.0.1:9/2020-11-20/projects"
    headers = signed(url, "POST", b"{}")

    def check(path: str = "/2020-11-20/projects", body: bytes = b"{}", **changes: str) -> str:
        with pytest.raises(AuthError) as caught:
            verify_request("POST", path, "", {**headers, **changes}, body, CREDS)
        assert caught.value.code == "AccessDeniedException"
        return caught.value.message

    assert verify_request("POST", "/2020-11-20/projects", "", headers, b"{}", CREDS) == ACCESS
    assert "garbled" in check(Authorization="AWS4-HMAC-SHA256 nonsense")
    assert "Signature Version 4" in check(Authorization="AWS AKID:abc")
    unsigned_payload = {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    with pytest.raises(AuthError, match="only accepted for S3"):
        verify_request(
            "POST",
            "/2020-11-20/projects",
            "",
            signed(url, "POST", headers=unsigned_payload),
            b"",
            CREDS,
        )
    assert "must be signed" in check(**{"X-Amz-Meta-Extra": "1"})
    # a signature scoped to s3 does not open the Lookout for Vision API
    s3_headers = signed(url, "POST", b"{}", service="s3")
    with pytest.raises(AuthError, match="for service 's3'"):
        verify_request("POST", "/2020-11-20/projects", "", s3_headers, b"{}", CREDS)


def test_open_server_passes_everything(open_server: RunningServer, app: EchoApp) -> None:
    with lookout(open_server.url, secret="anything") as service:
        assert service.list_tags(ARN) == {}
    with lookout(open_server.url, config=Config(signature_version=botocore.UNSIGNED)) as service:
        service.client.list_projects()
    s3_client(open_server.url, signature_version=botocore.UNSIGNED).put_object(
        Bucket="b", Key="k", Body=b"x"
    )
    assert len(app.calls) == 3


# ----------------------------------------------------------------------------- binding and limits


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST", "::ffff:127.0.0.1"],
)
def test_loopback_hosts_need_no_credentials(host: str) -> None:
    check_bind(host, {})
    check_bind(host, CREDS)


@pytest.mark.parametrize("host", ["0.0.0.0", "", "::", "192.168.1.10", "example.com"])
def test_other_hosts_need_credentials(host: str) -> None:
    with pytest.raises(ValueError, match="without credentials"):
        check_bind(host, {})
    check_bind(host, CREDS)


def test_start_refuses_an_open_public_server(app: EchoApp) -> None:
    with pytest.raises(ValueError, match="without credentials"):
        start_in_thread(app, "0.0.0.0", 0)


def test_oversized_bodies_are_refused_unread(server: RunningServer, app: EchoApp) -> None:
    big = b"x" * (64 * 1024 + 1)
    assert send(f"{server.url}/bucket/big", "PUT", {}, big)[0] == 413
    assert send(f"{server.url}/2020-11-20/projects", "POST", {}, big)[0] == 413
    with pytest.raises(ClientError) as caught:
        s3_client(server.url).put_object(Bucket="bucket", Key="big", Body=big)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert app.calls == []


def chunked_post(app: AuthMiddleware, path: str) -> str:
    """POST a body of unknown length (no Content-Length, chunked transfer); the status."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    builder = EnvironBuilder(path=path, method="POST", headers={"Transfer-Encoding": "chunked"})
    environ = builder.get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = io.BytesIO(b"x" * 11)
    return run_wsgi_app(app, environ, buffered=True)[1]


def test_middleware_answers_in_each_apis_error_form(app: EchoApp) -> None:
    from werkzeug.test import Client

    middleware = AuthMiddleware(app, CREDS, max_body_bytes=10)
    client = Client(middleware)
    response = client.post("/2020-11-20/projects", data=b"x" * 11)
    assert response.status_code == 413
    assert response.headers["x-amzn-ErrorType"] == "ValidationException"
    assert "limit of 10 bytes" in response.get_json()["message"]
    response = client.put("/bucket/key", data=b"x" * 11)
    assert (response.status_code, response.mimetype) == (413, "application/xml")
    assert b"<Code>EntityTooLarge</Code>" in response.data
    assert chunked_post(middleware, "/2020-11-20/projects").startswith("411")
    assert chunked_post(middleware, "/bucket/key").startswith("413")  # read up to the limit
    response = client.get("/2020-11-20/projects")
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert response.get_json() == {
        "message": "the request is not signed: it has no Authorization header"
    }
    response = client.get("/bucket/key")
    assert response.status_code == 403
    assert b"<Error><Code>AccessDenied</Code>" in response.data
    assert app.calls == []
    # a signed request reaches the app with its body intact
    headers = signed("http://localhost/2020-11-20/projects", "POST", b"{}")
    response = client.post("/2020-11-20/projects", data=b"{}", headers=headers)
    assert response.status_code == 200
    assert app.calls == [("POST", "/2020-11-20/projects", b"{}")]


# ----------------------------------------------------------------------------- credentials


def test_load_credentials_from_pairs_and_files(tmp_path: Path) -> None:
    assert load_credentials(None) == {}
    assert load_credentials("  ") == {}
    assert load_credentials("AK1:s/1+x, AK2:s2") == {"AK1": "s/1+x", "AK2": "s2"}
    path = tmp_path / "creds.json"
    path.write_text(json.dumps({"AK1": "s1"}))
    assert load_credentials(str(path)) == {"AK1": "s1"}
    for bad in ("AK1:", ":s1", "AK1:s1,AK1:s2", str(tmp_path / "missing.json")):
        with pytest.raises(ValueError, match="credentials") as caught:
            load_credentials(bad)
        assert "s1" not in str(caught.value).replace("AK1", "") or bad.endswith(".json")
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        load_credentials(str(path))
    assert "s1" not in repr(Credentials("AK1", "s1"))


# ----------------------------------------------------------------------------- scope and headers


def test_a_signature_scoped_to_another_region_is_refused(
    server: RunningServer, app: EchoApp
) -> None:
    for region in ("eu-west-1", "anything"):
        session = boto3.Session(aws_access_key_id=ACCESS, aws_secret_access_key=SECRET)
        service = lookout_sdk.LookoutVision(
            endpoint_url=server.url,
            region_name=region,
            session=session,
            retry=RetryPolicy(max_attempts=1),
        )
        with pytest.raises(ClientError) as caught:
            service.client.list_projects()
        assert error_code(caught.value) == "AccessDeniedException"
        assert f"region {region!r}" in caught.value.response["Error"]["Message"]
        s3 = session.client(
            "s3",
            endpoint_url=server.url,
            region_name=region,
            config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}),
        )
        with pytest.raises(ClientError) as s3_error:
            s3.get_object(Bucket="bucket", Key="k")
        assert error_code(s3_error.value) == "AccessDenied"
    assert app.calls == []


def test_headers_that_matter_must_be_signed() -> None:
    url = "http://127.0.0.1:9/2020-11-20/projects"
    headers = signed(url, "POST", b"{}")
    with pytest.raises(AuthError, match="must be signed: x-amzn-client-token"):
        verify_request(
            "POST",
            "/2020-11-20/projects",
            "",
            {**headers, "X-Amzn-Client-Token": "replayed"},
            b"{}",
            CREDS,
        )
    # signed, the same token passes; a tracing proxy's header needs no signature
    with_token = signed(url, "POST", b"{}", headers={"X-Amzn-Client-Token": "t-1"})
    with_token["X-Amzn-Trace-Id"] = "Root=1-abc"
    assert verify_request("POST", "/2020-11-20/projects", "", with_token, b"{}", CREDS) == ACCESS
    # S3 requests signed in the header must carry x-amz-content-sha256
    object_url = "http://127.0.0.1:9/bucket/k"
    s3_headers = signed(object_url, "GET", service="s3")
    del s3_headers["X-Amz-Content-SHA256"]
    with pytest.raises(AuthError, match="x-amz-content-sha256"):
        verify_request("GET", "/bucket/k", "", s3_headers, b"", CREDS)
    # the region the server answers for is checked when it is given
    assert verify_request(
        "POST", "/2020-11-20/projects", "", headers, b"{}", CREDS, region="us-east-1"
    )
    with pytest.raises(AuthError, match="region 'us-east-1'"):
        verify_request(
            "POST", "/2020-11-20/projects", "", headers, b"{}", CREDS, region="eu-west-1"
        )
