"""The local object store, directly and through the S3 API it serves to boto3."""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws
from werkzeug.wrappers import Request

from lookout_sdk.datasets.layout import scan_folder
from lookout_sdk.datasets.s3 import UploadItem, scan_s3, upload_files
from lookout_sdk.local.http.wsgi import WsgiTransport, call_wsgi
from lookout_sdk.local.objects import (
    MIN_PART_SIZE,
    BucketNotEmpty,
    EntityTooSmall,
    FolderObjectStore,
    InvalidObjectName,
    InvalidPart,
    InvalidPartOrder,
    InvalidRange,
    NoSuchBucket,
    NoSuchKey,
    NoSuchUpload,
    ObjectStore,
    S3ObjectStore,
    s3_api,
)
from lookout_sdk.local.objects.s3_api import handle_s3
from lookout_sdk.synthetic import write_dataset_folder
from tests.conftest import isolate_aws_environment

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_names = itertools.count(1)
ENDPOINT = "https://s3.local.test"


class S3App:
    """A WSGI app answering S3 requests from whichever store a test plugs in."""

    def __init__(self) -> None:
        self.store: ObjectStore | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        assert self.store is not None
        response = handle_s3(Request(environ), self.store)
        return response(environ, start_response)


class TextHeaderTransport(WsgiTransport):
    """``WsgiTransport`` with two fixes (each a no-op once ``wsgi.py`` has it).

    ``WsgiTransport`` turns botocore's bytes header values (``b"v"``) into ``"b'v'"``;
    and it passes on ``Transfer-Encoding: chunked`` with a body it sends whole, so
    werkzeug reads the body as empty.
    """

    def handle(self, request: Any) -> Any:
        request.headers.pop("Transfer-Encoding", None)
        for name, value in list(request.headers.items()):
            if isinstance(value, bytes):
                request.headers[name] = value.decode("latin-1")
        return super().handle(request)


def _client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def wired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[S3App, Any, Any]]:
    """One app and two boto3 clients on it: HTTPS (``aws-chunked`` bodies) and HTTP."""
    with pytest.MonkeyPatch.context() as patch:
        isolate_aws_environment(patch, tmp_path_factory.mktemp("aws"))
        app = S3App()
        secure, plain = _client(ENDPOINT), _client("http://s3.local.test")
        transport = TextHeaderTransport(app)
        hooks = [transport.attach(secure), transport.attach(plain)]
        yield app, secure, plain
        for hook in hooks:
            hook.close()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "objects"


@pytest.fixture
def folder_store(root: Path) -> Iterator[FolderObjectStore]:
    store = FolderObjectStore(root)
    yield store
    store.close()


@pytest.fixture
def s3(wired: tuple[S3App, Any, Any], folder_store: FolderObjectStore) -> Any:
    """A boto3 S3 client answered by ``handle_s3`` over this test's folder store."""
    app, secure, _ = wired
    app.store = folder_store
    return secure


@pytest.fixture(scope="module")
def moto_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        isolate_aws_environment(patch, tmp_path_factory.mktemp("aws"))
        yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture(params=["folder", "moto", "folder-over-http-api"])
def store(request: pytest.FixtureRequest, folder_store: FolderObjectStore) -> ObjectStore:
    """Each implementation (and the folder store behind the S3 API) behaves the same."""
    if request.param == "folder":
        return folder_store
    if request.param == "moto":
        return S3ObjectStore(request.getfixturevalue("moto_client"))
    return S3ObjectStore(request.getfixturevalue("s3"))


@pytest.fixture
def bucket() -> str:
    return f"bucket-{next(_names)}"


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def data_files(root: Path, bucket: str) -> set[str]:
    return files_under(root / bucket / "data")


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


# ----------------------------------------------------------------------------- behaviour


def test_buckets_are_created_checked_and_deleted(store: ObjectStore, bucket: str) -> None:
    assert not store.bucket_exists(bucket)
    store.create_bucket(bucket)
    store.create_bucket(bucket)  # idempotent
    assert store.bucket_exists(bucket)
    assert bucket in [name for name, _ in store.list_buckets()]
    store.put(bucket, "k", b"x")
    with pytest.raises(BucketNotEmpty):
        store.delete_bucket(bucket)
    store.delete(bucket, "k")
    store.delete_bucket(bucket)
    assert not store.bucket_exists(bucket)
    with pytest.raises(NoSuchBucket):
        store.put(bucket, "k", b"x")
    with pytest.raises(NoSuchBucket):
        store.head(bucket, "k")
    with pytest.raises(NoSuchBucket):
        store.list(bucket)


def test_objects_keep_bytes_metadata_and_content_type(store: ObjectStore, bucket: str) -> None:
    store.create_bucket(bucket)
    data = b"hello object"
    info = store.put(
        bucket, "dir/a.png", data, metadata={"SHA256": "abc", "x": "1"}, content_type="image/png"
    )
    assert info.etag == hashlib.md5(data).hexdigest()
    assert info.size == len(data)
    assert info.metadata == {"sha256": "abc", "x": "1"}

    got, got_info = store.get(bucket, "dir/a.png")
    head = store.head(bucket, "dir/a.png")
    assert got == data
    for found in (got_info, head):
        assert (found.key, found.size, found.etag) == ("dir/a.png", len(data), info.etag)
        assert found.metadata == {"sha256": "abc", "x": "1"}
        assert found.content_type == "image/png"
        assert found.last_modified.tzinfo is not None
    assert store.read_uri(f"s3://{bucket}/dir/a.png") == data

    store.write_uri(f"s3://{bucket}/dir/a.png", b"new")  # replaces
    assert store.get(bucket, "dir/a.png")[0] == b"new"
    assert store.head(bucket, "dir/a.png").metadata == {}
    store.delete(bucket, "dir/a.png")
    store.delete(bucket, "dir/a.png")  # a missing key is not an error
    with pytest.raises(NoSuchKey):
        store.get(bucket, "dir/a.png")
    with pytest.raises(NoSuchKey):
        store.head(bucket, "dir/a.png")


def test_byte_ranges(store: ObjectStore, bucket: str) -> None:
    store.create_bucket(bucket)
    store.put(bucket, "r", b"0123456789")
    assert store.get(bucket, "r", byte_range=(2, 5))[0] == b"2345"
    assert store.get(bucket, "r", byte_range=(7, None))[0] == b"789"
    assert store.get(bucket, "r", byte_range=(None, 3))[0] == b"789"
    assert store.get(bucket, "r", byte_range=(8, 100))[0] == b"89"
    data, info = store.get(bucket, "r", byte_range=(0, 0))
    assert (data, info.size) == (b"0", 10)
    with pytest.raises(InvalidRange):
        store.get(bucket, "r", byte_range=(10, None))


def test_a_key_and_keys_under_it_coexist(store: ObjectStore, bucket: str) -> None:
    store.create_bucket(bucket)
    for key in ("a", "a/b", "a/b/c", "a/"):
        store.put(bucket, key, key.encode())
    for key in ("a", "a/b", "a/b/c", "a/"):
        assert store.get(bucket, key)[0] == key.encode()
    assert [o.key for o in store.list(bucket)[0]] == ["a", "a/", "a/b", "a/b/c"]


def test_listing_pages_prefixes_and_delimiters(store: ObjectStore, bucket: str) -> None:
    store.create_bucket(bucket)
    keys = ["top.txt", "x/1", "x/2", "x/y/3", "z/1", "za", "é/1"]
    for key in keys:
        store.put(bucket, key, b"-")

    objects, truncated = store.list(bucket)
    assert [o.key for o in objects] == keys  # key order (UTF-8 bytes)
    assert not truncated
    objects, truncated = store.list(bucket, "x/", max_keys=2)
    assert ([o.key for o in objects], truncated) == (["x/1", "x/2"], True)
    objects, truncated = store.list(bucket, "x/", start_after="x/2")
    assert ([o.key for o in objects], truncated) == (["x/y/3"], False)
    assert [o.key for o in store.iter_objects(bucket, "z")] == ["z/1", "za"]

    page = store.list_page(bucket, delimiter="/")
    assert [o.key for o in page.objects] == ["top.txt", "za"]
    assert page.common_prefixes == ("x/", "z/", "é/")
    page = store.list_page(bucket, "x/", delimiter="/")
    assert ([o.key for o in page.objects], page.common_prefixes) == (["x/1", "x/2"], ("x/y/",))

    seen: list[str] = []
    after: str | None = None
    while True:  # one item per page: prefixes are never repeated
        page = store.list_page(bucket, delimiter="/", start_after=after, max_keys=1)
        seen += [o.key for o in page.objects] + list(page.common_prefixes)
        if not page.truncated:
            break
        after = page.last
    assert seen == ["top.txt", "x/", "z/", "za", "é/"]


def test_names_are_checked(store: ObjectStore, bucket: str) -> None:
    for name in ("ab", "Upper", "under_score", "-dash", "a..b", "192.168.1.1", "x" * 64):
        with pytest.raises(InvalidObjectName):
            store.create_bucket(name)
    store.create_bucket(bucket)
    for key in ("", "../x", "a/../../x", "/etc/passwd", "a\\b", "nul\x00", "k" * 1025, "C:x"):
        with pytest.raises(InvalidObjectName):
            store.put(bucket, key, b"x")
    with pytest.raises(ValueError, match="bucket"):
        store.bucket_exists("Bad_Name")
    assert store.list(bucket) == ([], False)


def test_multipart_uploads(store: ObjectStore, bucket: str, request: pytest.FixtureRequest) -> None:
    store.create_bucket(bucket)
    first, second = b"a" * MIN_PART_SIZE, b"tail"
    upload = store.create_multipart(bucket, "big", metadata={"m": "v"}, content_type="text/x")
    etags = [
        store.upload_part(bucket, "big", upload, 2, second),
        store.upload_part(bucket, "big", upload, 1, first),
    ]
    assert etags == [hashlib.md5(second).hexdigest(), hashlib.md5(first).hexdigest()]
    # moto does not check the order, and finds part 2 too small to come first
    kind = request.node.callspec.params["store"]
    disorder = EntityTooSmall if kind == "moto" else InvalidPartOrder
    with pytest.raises(disorder):
        store.complete_multipart(bucket, "big", upload, [(2, etags[0]), (1, etags[1])])
    with pytest.raises(InvalidPart):
        store.complete_multipart(bucket, "big", upload, [(1, etags[0]), (2, etags[0])])

    info = store.complete_multipart(bucket, "big", upload, [(1, etags[1]), (2, etags[0])])

    expected = hashlib.md5(hashlib.md5(first).digest() + hashlib.md5(second).digest())
    assert info.etag == f"{expected.hexdigest()}-2"
    assert info.multipart
    data, head = store.get(bucket, "big")
    assert data == first + second
    assert (head.etag, head.metadata, head.content_type) == (info.etag, {"m": "v"}, "text/x")

    small, tiny = store.create_multipart(bucket, "small"), hashlib.md5(b"tiny").hexdigest()
    for number in (1, 2):
        store.upload_part(bucket, "small", small, number, b"tiny")
    with pytest.raises(EntityTooSmall):
        store.complete_multipart(bucket, "small", small, [(1, tiny), (2, tiny)])
    store.abort_multipart(bucket, "small", small)
    if kind != "moto":  # moto fails with a KeyError here
        with pytest.raises(NoSuchUpload):
            store.upload_part(bucket, "small", small, 3, b"late")
    assert [o.key for o in store.list(bucket)[0]] == ["big"]


# ----------------------------------------------------------------------------- folder store


def test_hostile_keys_never_touch_the_filesystem(
    s3: Any, folder_store: FolderObjectStore, root: Path, tmp_path: Path
) -> None:
    s3.create_bucket(Bucket="safe")
    s3.put_object(Bucket="safe", Key="ok/fine..name/..x", Body=b"ok")  # '..' only in a name
    before = files_under(tmp_path)
    for key in ("../escape", "a/../../escape", "/abs/olute", "..", "back\\slash"):
        with pytest.raises((ClientError, InvalidObjectName)):
            s3.put_object(Bucket="safe", Key=key, Body=b"bad")
        with pytest.raises(InvalidObjectName):
            folder_store.put("safe", key, b"bad")
    assert files_under(tmp_path) == before
    assert not list(tmp_path.rglob("escape"))
    assert not (root.parent / "escape").exists()
    assert [o.key for o in folder_store.list("safe")[0]] == ["ok/fine..name/..x"]
    # Nothing but hashed names under the bucket: no key ever becomes a path.
    assert all("/" not in name.split("/", 1)[1] for name in data_files(root, "safe"))


def test_a_failure_before_indexing_leaves_no_trace(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FolderObjectStore(root)
    store.create_bucket("crash")
    store.put("crash", "kept", b"old bytes")
    files = data_files(root, "crash")

    def fail(*_: Any, **__: Any) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(FolderObjectStore, "_index_put", fail)
    for key in ("kept", "new"):
        with pytest.raises(RuntimeError, match="power cut"):
            store.put("crash", key, b"partial bytes")
    assert data_files(root, "crash") == files
    assert not any((root / "crash" / ".tmp").iterdir())

    # A hard crash (no cleanup at all) leaves files behind; reopening sweeps them.
    monkeypatch.setattr(FolderObjectStore, "_discard", staticmethod(lambda *_: None))
    with pytest.raises(RuntimeError, match="power cut"):
        store.put("crash", "new", b"partial bytes")
    (root / "crash" / ".tmp" / "half-written.tmp").write_bytes(b"half")
    assert len(data_files(root, "crash")) == 2
    store.close()
    monkeypatch.undo()

    reopened = FolderObjectStore(root, sweep_age=0)
    assert [o.key for o in reopened.list("crash")[0]] == ["kept"]
    assert reopened.get("crash", "kept")[0] == b"old bytes"
    assert data_files(root, "crash") == files
    assert not any((root / "crash" / ".tmp").iterdir())
    reopened.close()


def test_replacing_and_deleting_removes_old_files(
    folder_store: FolderObjectStore, root: Path
) -> None:
    folder_store.create_bucket("tidy")
    folder_store.put("tidy", "k", b"1")
    folder_store.put("tidy", "k", b"2")
    assert len(data_files(root, "tidy")) == 1
    folder_store.delete("tidy", "k")
    assert data_files(root, "tidy") == set()
    folder_store.delete_bucket("tidy")
    assert files_under(root) == set()


def test_two_stores_on_one_root_and_many_threads(root: Path) -> None:
    one, two = FolderObjectStore(root, durable=False), FolderObjectStore(root, durable=False)
    one.create_bucket("shared")

    def write(number: int) -> None:
        (one if number % 2 else two).put("shared", f"k/{number:03d}", str(number).encode())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(120)))
    assert len(two.list("shared")[0]) == len(one.list("shared")[0]) == 120
    assert one.get("shared", "k/007")[0] == b"7"
    for number in range(120):
        two.delete("shared", f"k/{number:03d}")
    two.delete_bucket("shared")
    assert not one.bucket_exists("shared")
    with pytest.raises(NoSuchBucket):
        one.put("shared", "k", b"x")
    one.close()
    two.close()


# ----------------------------------------------------------------------------- S3 API


def test_buckets_over_the_api(s3: Any) -> None:
    s3.create_bucket(Bucket="api-bucket")
    s3.create_bucket(Bucket="api-bucket")
    s3.head_bucket(Bucket="api-bucket")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["api-bucket"]
    with pytest.raises(ClientError) as missing:
        s3.head_bucket(Bucket="no-such-bucket")
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError, match="InvalidBucketName"):
        s3.create_bucket(Bucket="Bad_Name")
    s3.put_object(Bucket="api-bucket", Key="k", Body=b"x")
    with pytest.raises(ClientError, match="BucketNotEmpty"):
        s3.delete_bucket(Bucket="api-bucket")
    s3.delete_object(Bucket="api-bucket", Key="k")
    s3.delete_bucket(Bucket="api-bucket")
    with pytest.raises(ClientError, match="NoSuchBucket"):
        s3.get_object(Bucket="api-bucket", Key="k")


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_objects_over_the_api(wired: tuple[S3App, Any, Any], s3: Any, scheme: str) -> None:
    client = s3 if scheme == "https" else wired[2]
    client.create_bucket(Bucket="objects")
    data = b"some image bytes" * 100
    put = client.put_object(
        Bucket="objects",
        Key="dir/a b+c%d/ü.png",
        Body=data,
        ContentMD5=md5_b64(data),
        ContentType="image/png",
        Metadata={"sha256": hashlib.sha256(data).hexdigest()},
    )
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'

    got = client.get_object(Bucket="objects", Key="dir/a b+c%d/ü.png")
    assert got["Body"].read() == data
    head = client.head_object(Bucket="objects", Key="dir/a b+c%d/ü.png")
    for answer in (got, head):
        assert answer["ETag"] == put["ETag"]
        assert answer["ContentLength"] == len(data)
        assert answer["ContentType"] == "image/png"
        assert answer["Metadata"] == {"sha256": hashlib.sha256(data).hexdigest()}
        assert answer["LastModified"].year >= 2024

    part = client.get_object(Bucket="objects", Key="dir/a b+c%d/ü.png", Range="bytes=4-9")
    assert part["Body"].read() == data[4:10]
    assert part["ContentRange"] == f"bytes 4-9/{len(data)}"
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    tail = client.get_object(Bucket="objects", Key="dir/a b+c%d/ü.png", Range="bytes=-3")
    assert tail["Body"].read() == data[-3:]
    with pytest.raises(ClientError, match="InvalidRange"):
        client.get_object(Bucket="objects", Key="dir/a b+c%d/ü.png", Range="bytes=5000-")

    listed = client.list_objects_v2(Bucket="objects")["Contents"]
    assert [(o["Key"], o["Size"], o["ETag"]) for o in listed] == [
        ("dir/a b+c%d/ü.png", len(data), put["ETag"])
    ]
    assert (
        client.delete_object(Bucket="objects", Key="dir/a b+c%d/ü.png")["ResponseMetadata"][
            "HTTPStatusCode"
        ]
        == 204
    )
    with pytest.raises(ClientError, match="NoSuchKey"):
        client.get_object(Bucket="objects", Key="dir/a b+c%d/ü.png")


def test_a_wrong_content_md5_is_refused(s3: Any, folder_store: FolderObjectStore) -> None:
    s3.create_bucket(Bucket="digest")
    with pytest.raises(ClientError, match="BadDigest") as refused:
        s3.put_object(Bucket="digest", Key="k", Body=b"bytes", ContentMD5=md5_b64(b"other"))
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError, match="InvalidDigest"):
        s3.put_object(Bucket="digest", Key="k", Body=b"bytes", ContentMD5="not-md5")
    assert folder_store.list("digest") == ([], False)


def test_errors_are_s3_xml(wired: tuple[S3App, Any, Any], folder_store: FolderObjectStore) -> None:
    app = wired[0]
    app.store = folder_store
    folder_store.create_bucket("xml")
    status, headers, body = call_wsgi(app, "GET", f"{ENDPOINT}/xml/missing/key", {}, b"")
    assert status == 404
    assert headers["Content-Type"] == "application/xml"
    text = body.decode()
    for part in (
        "<Code>NoSuchKey</Code>",
        "<Key>missing/key</Key>",
        "<BucketName>xml</BucketName>",
    ):
        assert part in text
    assert f"<RequestId>{headers['x-amz-request-id']}</RequestId>" in text
    status, _, body = call_wsgi(app, "GET", f"{ENDPOINT}/xml/k?tagging", {}, b"")
    assert (status, b"<Code>NotImplemented</Code>" in body) == (501, True)
    status, _, body = call_wsgi(app, "GET", f"{ENDPOINT}/xml?list-type=2&max-keys=x", {}, b"")
    assert (status, b"<Code>InvalidArgument</Code>" in body) == (400, True)
    status, _, body = call_wsgi(
        app, "GET", f"{ENDPOINT}/xml?list-type=2&continuation-token=bogus", {}, b""
    )
    assert (status, b"<Code>InvalidArgument</Code>" in body) == (400, True)


def test_a_too_large_body_is_refused(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s3.create_bucket(Bucket="large")
    monkeypatch.setattr(s3_api, "MAX_PUT_SIZE", 1000)
    with pytest.raises(ClientError, match="EntityTooLarge"):
        s3.put_object(Bucket="large", Key="k", Body=b"x" * 1001)
    s3.put_object(Bucket="large", Key="k", Body=b"x" * 1000)
    assert s3.head_object(Bucket="large", Key="k")["ContentType"] == "binary/octet-stream"


def test_listing_pages_through_the_paginator(s3: Any, folder_store: FolderObjectStore) -> None:
    s3.create_bucket(Bucket="many")
    fast = FolderObjectStore(folder_store.root, durable=False)
    keys = [f"{group}/{n:04d}.png" for group in ("a", "b") for n in range(525)]
    for key in keys:
        fast.put("many", key, b"x")
    fast.put("many", "root.txt", b"x")
    fast.close()

    paginator = s3.get_paginator("list_objects_v2")
    pages = list(paginator.paginate(Bucket="many"))
    assert [page["KeyCount"] for page in pages] == [1000, 51]
    assert [o["Key"] for page in pages for o in page["Contents"]] == [*keys, "root.txt"]

    pages = list(paginator.paginate(Bucket="many", Prefix="b/", PaginationConfig={"PageSize": 200}))
    assert [page["KeyCount"] for page in pages] == [200, 200, 125]
    assert pages[0]["IsTruncated"]
    assert not pages[-1]["IsTruncated"]

    grouped = list(
        paginator.paginate(Bucket="many", Delimiter="/", PaginationConfig={"PageSize": 1})
    )
    assert [p.get("CommonPrefixes", [{}])[0].get("Prefix") for p in grouped] == [
        "a/",
        "b/",
        None,
    ]
    assert grouped[-1]["Contents"][0]["Key"] == "root.txt"
    assert s3.list_objects_v2(Bucket="many", Prefix="a/", StartAfter="a/0520.png")["KeyCount"] == 4

    v1 = list(s3.get_paginator("list_objects").paginate(Bucket="many", Prefix="a/"))
    assert sum(len(page["Contents"]) for page in v1) == 525


def test_delete_objects(s3: Any, folder_store: FolderObjectStore) -> None:
    s3.create_bucket(Bucket="bulk")
    for key in ("a", "b", "c"):
        s3.put_object(Bucket="bulk", Key=key, Body=b"x")
    answer = s3.delete_objects(
        Bucket="bulk", Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "../bad"}]}
    )
    assert sorted(d["Key"] for d in answer["Deleted"]) == ["a", "b"]
    assert [(e["Key"], e["Code"]) for e in answer["Errors"]] == [("../bad", "InvalidArgument")]
    assert [o.key for o in folder_store.list("bulk")[0]] == ["c"]


def test_multipart_upload_file(s3: Any, folder_store: FolderObjectStore, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="parts")
    path = tmp_path / "nine.bin"
    data = bytes(range(256)) * (9 * 1024 * 4)  # 9 MiB
    path.write_bytes(data)
    config = TransferConfig(multipart_threshold=MIN_PART_SIZE, multipart_chunksize=MIN_PART_SIZE)

    s3.upload_file(
        str(path),
        "parts",
        "big/nine.bin",
        Config=config,
        ExtraArgs={"Metadata": {"sha256": "s"}, "ContentType": "application/x-bin"},
    )

    head = s3.head_object(Bucket="parts", Key="big/nine.bin")
    assert head["ETag"].strip('"').endswith("-2")
    assert (head["ContentLength"], head["Metadata"]) == (len(data), {"sha256": "s"})
    assert head["ContentType"] == "application/x-bin"
    assert s3.get_object(Bucket="parts", Key="big/nine.bin")["Body"].read() == data
    # no part is left behind: only a note of what the upload made, for a retried Complete
    assert not any((folder_store.root / "parts" / ".uploads").glob("*/*.part"))

    upload = s3.create_multipart_upload(Bucket="parts", Key="gone")
    s3.abort_multipart_upload(Bucket="parts", Key="gone", UploadId=upload["UploadId"])
    with pytest.raises(ClientError, match="NoSuchUpload"):
        s3.upload_part(
            Bucket="parts", Key="gone", UploadId=upload["UploadId"], PartNumber=1, Body=b"x"
        )


def test_dataset_uploads_and_scans_work_unchanged(s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="datasets")
    folder = write_dataset_folder(
        tmp_path / "parts", normal=5, anomaly=3, size=(32, 32), masks=True
    )
    large = folder / "normal" / "large.bin"  # over PUT_LIMIT: sent in parts
    large.write_bytes(b"\x01" * (8 * 1024 * 1024 + 10))
    items = [
        UploadItem(path, "datasets", "data/parts/" + path.relative_to(folder).as_posix())
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]

    first = upload_files(s3, items, progress=False)
    assert first.ok
    assert len(first.uploaded) == len(items)
    second = upload_files(s3, items, progress=False)
    assert second.uploaded == ()
    assert len(second.skipped) == len(items)

    large.unlink()
    local, remote = scan_folder(folder), scan_s3(s3, "s3://datasets/data/parts")
    assert remote.problems == local.problems == ()
    assert remote.color_map == local.color_map
    assert [(i.relative, i.label, i.mask_relative) for i in remote.images] == [
        (i.relative, i.label, i.mask_relative) for i in local.images
    ]


def test_concurrent_requests(s3: Any) -> None:
    s3.create_bucket(Bucket="threads")
    barrier = threading.Barrier(4)

    def send(number: int) -> bytes:
        if number < 4:
            barrier.wait()
        s3.put_object(Bucket="threads", Key=f"t/{number}", Body=str(number).encode())
        return bytes(s3.get_object(Bucket="threads", Key=f"t/{number}")["Body"].read())

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(send, range(24))) == [str(n).encode() for n in range(24)]


def test_a_bad_trailing_checksum_is_refused(
    wired: tuple[S3App, Any, Any], folder_store: FolderObjectStore
) -> None:
    app = wired[0]
    app.store = folder_store
    folder_store.create_bucket("trailer")
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": "5",
        "x-amz-trailer": "x-amz-checksum-crc32",
    }
    good = base64.b64encode(zlib.crc32(b"hello").to_bytes(4, "big")).decode()
    for checksum, status in (("AAAAAA==", 400), (good, 200)):
        body = f"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:{checksum}\r\n\r\n".encode()
        answer = call_wsgi(app, "PUT", f"{ENDPOINT}/trailer/k", headers, body)
        assert answer[0] == status
    assert b"<Code>BadDigest</Code>" not in answer[2]
    assert folder_store.get("trailer", "k")[0] == b"hello"
    status, _, body = call_wsgi(app, "PUT", f"{ENDPOINT}/trailer/k", headers, b"5\r\nhel")
    assert (status, b"<Code>IncompleteBody</Code>" in body) == (400, True)


def test_over_real_http(folder_store: FolderObjectStore, tmp_path: Path) -> None:
    from lookout_sdk.local.http.server import start_in_thread

    app = S3App()
    app.store = folder_store
    server = start_in_thread(app, threads=4)
    client = _client(server.url)
    try:
        client.create_bucket(Bucket="served")
        client.put_object(Bucket="served", Key="a/b c.txt", Body=b"0123", Metadata={"m": "1"})
        got = client.get_object(Bucket="served", Key="a/b c.txt", Range="bytes=1-")
        assert got["Body"].read() == b"123"
        # some servers change the case of response header names (waitress made "M")
        assert {name.lower(): value for name, value in got["Metadata"].items()} == {"m": "1"}
        path = tmp_path / "six.bin"
        path.write_bytes(b"\x02" * (MIN_PART_SIZE + 1000))
        config = TransferConfig(
            multipart_threshold=MIN_PART_SIZE, multipart_chunksize=MIN_PART_SIZE
        )
        client.upload_file(str(path), "served", "six.bin", Config=config)
        listed = client.list_objects_v2(Bucket="served")["Contents"]
        assert [(o["Key"], o["ETag"][-3:]) for o in listed][1] == ("six.bin", '-2"')
        with pytest.raises(ClientError, match="NoSuchKey"):
            client.get_object(Bucket="served", Key="missing")
    finally:
        client.close()
        server.stop()
