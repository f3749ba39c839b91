"""The local backend over HTTP, end to end: signatures, hostile keys, hostile images."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lookout_sdk import AccessDeniedError, LookoutVision
from lookout_sdk.local.app import LocalBackend
from lookout_sdk.local.http.server import RunningServer, start_in_thread
from lookout_sdk.synthetic import make_image, write_dataset_folder
from tests.server_process import connect as connect_to

ACCESS, SECRET = "AKIDLOCALTEST", "local-secret"
BUCKET = "secure"


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackend]:
    backend = LocalBackend(tmp_path_factory.mktemp("secure") / "data")
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def server(backend: LocalBackend) -> Iterator[RunningServer]:
    with start_in_thread(backend, credentials={ACCESS: SECRET}) as running:
        yield running


def connect(url: str, secret: str = SECRET) -> LookoutVision:
    return connect_to(url, ACCESS, secret)


def test_a_wrong_signature_gets_403_and_changes_nothing(server: RunningServer) -> None:
    with pytest.raises(AccessDeniedError) as info:
        connect(server.url, secret="not-the-secret").create_project("intruder")
    assert info.value.http_status == 403
    assert [p.name for p in connect(server.url).list_projects()] == []


def test_a_dot_dot_key_is_refused_and_nothing_leaves_the_data_folder(
    server: RunningServer, backend: LocalBackend
) -> None:
    s3: Any = connect(server.url).s3_client()
    s3.create_bucket(Bucket=BUCKET)
    before = {p for p in backend.data.parent.rglob("*") if p.is_file()}
    for key in ("../escape.txt", "a/../../escape.txt", "..\\escape.txt"):
        with pytest.raises(ClientError) as info:
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400, key
    after = {p for p in backend.data.parent.rglob("*") if p.is_file()}
    assert not [p for p in after - before if "escape" in p.name]
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET)


def _huge_png(side: int) -> bytes:
    """A tiny file whose header claims a ``side`` x ``side`` RGB image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def test_a_30000_px_png_is_refused_by_a_hosted_model(
    server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = connect(server.url)
    service.s3_client().create_bucket(Bucket="images")
    folder = write_dataset_folder(tmp_path / "parts", normal=24, anomaly=12, seed=4)
    project = service.create_project("guarded")
    project.import_folder(folder, "s3://images/parts/", progress=False, timeout=60)
    version = project.create_model(output="s3://images/out/").result(timeout=120).version
    model = project.model(version)
    model.start(min_inference_units=1).result(timeout=60)

    from PIL import Image

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server decoded the pixels of a refused image")

    monkeypatch.setattr(Image.Image, "load", refuse)  # the server runs in this process
    bomb = _huge_png(30_000)
    client: Any = service.client  # the raw client: the SDK would refuse it before sending
    with pytest.raises(ClientError) as info:
        client.detect_anomalies(
            ProjectName="guarded", ModelVersion=version, Body=bomb, ContentType="image/png"
        )
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "30000" in info.value.response["Error"]["Message"]
    monkeypatch.undo()
    # the model still serves well-formed images afterwards
    image = make_image(random.Random(8)).data
    assert 0.0 <= model.detect(io.BytesIO(image)).confidence <= 1.0
    model.stop().result(timeout=60)


def test_a_presigned_get_url_returns_the_object(server: RunningServer) -> None:
    import urllib.request

    import boto3
    from botocore.config import Config

    s3: Any = boto3.Session(aws_access_key_id=ACCESS, aws_secret_access_key=SECRET).client(
        "s3",
        endpoint_url=server.url,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    s3.create_bucket(Bucket="shared")
    s3.put_object(Bucket="shared", Key="a b/ü.txt", Body=b"presigned bytes")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "shared", "Key": "a b/ü.txt"}, ExpiresIn=60
    )
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"presigned bytes"
    tampered = url.replace("X-Amz-Expires=60", "X-Amz-Expires=600")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(tampered, timeout=10)
    assert refused.value.code == 403


def test_the_sdks_s3_client_presigns_urls_the_server_accepts(server: RunningServer) -> None:
    import urllib.request

    s3: Any = connect(server.url).s3_client()
    s3.create_bucket(Bucket="presigned")
    s3.put_object(Bucket="presigned", Key="k.txt", Body=b"through the SDK")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "presigned", "Key": "k.txt"}, ExpiresIn=60
    )
    assert "X-Amz-Signature=" in url  # SigV4, not SigV2's ?AWSAccessKeyId=
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"through the SDK"
