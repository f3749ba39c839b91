"""The S3 side of datasets against moto's in-process S3: listings, layouts, uploads."""

from __future__ import annotations

import collections
import hashlib
import itertools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lookout_sdk.datasets import s3 as s3_module
from lookout_sdk.datasets.layout import DatasetLayout, scan_folder
from lookout_sdk.datasets.s3 import (
    PUT_LIMIT,
    RemoteObject,
    UploadItem,
    UploadReport,
    download_file,
    list_objects,
    read_object,
    scan_s3,
    upload_files,
)
from lookout_sdk.errors import InvalidInputError
from lookout_sdk.records.common import S3Location, S3Object
from lookout_sdk.synthetic import write_dataset_folder
from tests.conftest import isolate_aws_environment

_bucket_numbers = itertools.count(1)


class Requests:
    """The operations a client sent, counted by a ``before-send`` hook."""

    def __init__(self, client: Any) -> None:
        self.sent: list[str] = []
        self._events = client.meta.events
        self._events.register_first("before-send.s3", self._record)

    def close(self) -> None:
        self._events.unregister("before-send.s3", self._record)

    def _record(self, event_name: str, **_: Any) -> None:
        self.sent.append(event_name.rsplit(".", 1)[-1])  # list.append is thread-safe

    def counts(self) -> collections.Counter[str]:
        return collections.Counter(self.sent)

    def reset(self) -> None:
        self.sent.clear()


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One client on moto's in-process S3 for the module; each test has its own bucket."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        isolate_aws_environment(patch, tmp_path_factory.mktemp("aws"))
        yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"parts-{next(_bucket_numbers)}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def requests(s3: Any) -> Iterator[Requests]:
    counter = Requests(s3)
    yield counter
    counter.close()


def items_for(folder: Path, bucket: str, prefix: str) -> list[UploadItem]:
    return [
        UploadItem(path, bucket, prefix + path.relative_to(folder).as_posix())
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]


def shape(layout: DatasetLayout) -> list[tuple[Any, ...]]:
    return [
        (image.relative, image.label, image.dataset_type, image.mask_relative)
        for image in layout.images
    ]


# ----------------------------------------------------------------------------- URIs


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3://bucket/a/b.png", ("bucket", "a/b.png")),
        ("s3://bucket/prefix/", ("bucket", "prefix/")),
        ("s3://bucket", ("bucket", None)),
        ("s3://bucket/", ("bucket", None)),
    ],
)
def test_s3_locations_are_read_by_the_one_parser(
    uri: str, expected: tuple[str, str | None]
) -> None:
    location = S3Location.from_uri(uri)
    assert (location.bucket, location.prefix) == expected


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "bucket/key",
        "/tmp/x.png",
        "https://bucket/key",
        "s3:/bucket/key",
        "s3:///key",
        "s3://b/key",  # too short a bucket name for the API
        "s3://bad bucket/key",
    ],
)
def test_the_s3_parser_rejects_other_uris_naming_the_parameter(uri: str) -> None:
    with pytest.raises(ValueError, match="s3://") as caught:
        S3Location.from_uri(uri, parameter="destination")
    assert isinstance(caught.value, InvalidInputError)
    assert caught.value.problems[0].path == "destination"
    with pytest.raises(InvalidInputError):
        S3Object.from_uri(uri)


def test_an_s3_object_needs_a_key() -> None:
    assert S3Object.from_uri("s3://bucket/k") == S3Object("bucket", "k")
    with pytest.raises(InvalidInputError, match="names no key"):
        S3Object.from_uri("s3://bucket/")


# ----------------------------------------------------------------------------- reading


def test_listing_reads_every_page(s3: Any, bucket: str, requests: Requests) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    keys = {f"many/{number:05d}.txt" for number in range(1205)}
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
    for key in keys:  # straight into moto's store: 1,205 PutObject requests take seconds
        backend.put_object(bucket, key, b"x")
    s3.put_object(Bucket=bucket, Key="other/outside.txt", Body=b"x")
    requests.reset()

    found = list_objects(s3, bucket, "many/")

    assert set(found) == keys
    assert requests.counts()["ListObjectsV2"] == 2
    assert found["many/00042.txt"] == RemoteObject(
        "many/00042.txt", 1, hashlib.md5(b"x").hexdigest()
    )


def test_read_and_download(s3: Any, bucket: str, tmp_path: Path) -> None:
    s3.put_object(Bucket=bucket, Key="a/b.bin", Body=b"payload" * 1000)

    assert read_object(s3, f"s3://{bucket}/a/b.bin") == b"payload" * 1000
    target = download_file(s3, f"s3://{bucket}/a/b.bin", tmp_path / "out" / "b.bin")
    assert target.read_bytes() == b"payload" * 1000
    assert [p.name for p in target.parent.iterdir()] == ["b.bin"]


def test_failed_download_leaves_no_file(s3: Any, bucket: str, tmp_path: Path) -> None:
    with pytest.raises(s3.exceptions.NoSuchKey):
        download_file(s3, f"s3://{bucket}/missing.bin", tmp_path / "missing.bin")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("masks", [True, False])
def test_scan_s3_matches_scan_folder(s3: Any, bucket: str, tmp_path: Path, masks: bool) -> None:
    folder = write_dataset_folder(
        tmp_path / "parts", normal=4, anomaly=3, size=(32, 32), masks=masks
    )
    assert upload_files(s3, items_for(folder, bucket, "data/parts/"), progress=False).ok
    # A sibling prefix that starts with the same text is not part of the dataset.
    s3.put_object(Bucket=bucket, Key="data/parts-old/normal/stray.png", Body=b"x")

    local = scan_folder(folder)
    remote = scan_s3(s3, f"s3://{bucket}/data/parts")

    assert remote.root == f"s3://{bucket}/data/parts"
    assert shape(remote) == shape(local)
    assert remote.color_map == local.color_map
    assert remote.segmentation is masks
    assert remote.problems == local.problems == ()
    first = remote.images[0]
    assert first.location == f"s3://{bucket}/data/parts/{first.relative}"
    assert scan_s3(s3, f"s3://{bucket}/data/parts/") == remote


def test_scan_s3_of_separate_datasets(s3: Any, bucket: str, tmp_path: Path) -> None:
    for name, seed in (("train", 1), ("test", 2)):
        write_dataset_folder(
            tmp_path / "sep" / name, normal=2, anomaly=2, size=(32, 32), masks=True, seed=seed
        )
    assert upload_files(s3, items_for(tmp_path / "sep", bucket, "sep/"), progress=False).ok

    local = scan_folder(tmp_path / "sep")
    remote = scan_s3(s3, f"s3://{bucket}/sep")

    assert remote.separate
    assert shape(remote) == shape(local)
    assert remote.color_map == local.color_map
    assert remote.problems == ()


def test_scan_s3_reports_a_missing_bucket(s3: Any) -> None:
    layout = scan_s3(s3, "s3://no-such-bucket/parts")

    assert layout.images == ()
    assert [p.path for p in layout.problems] == ["s3://no-such-bucket/parts"]
    assert "NoSuchBucket" in layout.problems[0].reason


def test_scan_s3_reports_an_unreadable_color_map(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="p/anomaly/a.png", Body=b"x")
    s3.put_object(Bucket=bucket, Key="p/masks/a.png", Body=b"x")
    s3.put_object(Bucket=bucket, Key="p/colormap.json", Body=b"\xff\xfe not text")

    layout = scan_s3(s3, f"s3://{bucket}/p")

    reasons = [str(problem) for problem in layout.problems]
    assert reasons[0].startswith(f"s3://{bucket}/p/colormap.json: cannot be read")
    assert any("need a colormap.json" in reason for reason in reasons[1:])


def test_scan_s3_of_an_empty_prefix(s3: Any, bucket: str) -> None:
    layout = scan_s3(s3, f"s3://{bucket}/nothing")
    assert [p.reason for p in layout.problems] == ["holds no images under normal/ or anomaly/"]


# ----------------------------------------------------------------------------- uploads


def test_upload_then_upload_again_skips_everything(
    s3: Any, bucket: str, tmp_path: Path, requests: Requests
) -> None:
    folder = write_dataset_folder(
        tmp_path / "parts", normal=6, anomaly=4, size=(32, 32), masks=True
    )
    files = items_for(folder, bucket, "parts/")

    first = upload_files(s3, files, progress=False)

    uris = tuple(item.uri for item in files)
    assert first == UploadReport(uploaded=uris)
    assert requests.counts() == {"ListObjectsV2": 1, "PutObject": len(files)}
    head = s3.head_object(Bucket=bucket, Key="parts/colormap.json")
    assert head["Metadata"] == {
        "sha256": hashlib.sha256((folder / "colormap.json").read_bytes()).hexdigest()
    }
    assert head["ContentType"] == "application/json"
    requests.reset()

    second = upload_files(s3, files, progress=False)

    assert second.uploaded == ()
    assert second.skipped == uris
    assert second.ok
    assert requests.counts() == {"ListObjectsV2": 1}


def test_a_changed_file_is_uploaded_again(
    s3: Any, bucket: str, tmp_path: Path, requests: Requests
) -> None:
    folder = write_dataset_folder(tmp_path / "parts", normal=3, anomaly=0, size=(32, 32))
    files = items_for(folder, bucket, "parts/")
    upload_files(s3, files, progress=False)
    changed = folder / "normal" / "normal-0001.png"
    data = bytearray(changed.read_bytes())
    data[-20] ^= 0xFF  # same size, other bytes: only the MD5 tells
    changed.write_bytes(bytes(data))
    requests.reset()

    report = upload_files(s3, files, progress=False)

    assert report.uploaded == (f"s3://{bucket}/parts/normal/normal-0001.png",)
    assert len(report.skipped) == 2
    assert requests.counts()["PutObject"] == 1
    assert read_object(s3, report.uploaded[0]) == bytes(data)


def _multipart_object(
    s3: Any, bucket: str, key: str, data: bytes, metadata: dict[str, str]
) -> None:
    """An object sent as one part of a multipart upload: its ETag ends in ``-1``."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, Metadata=metadata)
    part = s3.upload_part(
        Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=data
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )


@pytest.mark.parametrize(
    "case", [("right", "skipped"), ("wrong", "uploaded"), (None, "uploaded")], ids=str
)
def test_a_multipart_etag_falls_back_to_the_sha256_metadata(
    s3: Any, bucket: str, tmp_path: Path, requests: Requests, case: tuple[str | None, str]
) -> None:
    stored, expected = case
    path = tmp_path / "image.png"
    path.write_bytes(b"image bytes" * 100)
    digests = {"right": hashlib.sha256(path.read_bytes()).hexdigest(), "wrong": "0" * 64}
    metadata = {"sha256": digests[stored]} if stored else {}
    _multipart_object(s3, bucket, "m/image.png", path.read_bytes(), metadata)
    assert list_objects(s3, bucket, "m/")["m/image.png"].multipart
    requests.reset()

    report = upload_files(s3, [UploadItem(path, bucket, "m/image.png")], progress=False)

    assert getattr(report, expected) == (f"s3://{bucket}/m/image.png",)
    assert requests.counts()["HeadObject"] == 1
    assert requests.counts()["PutObject"] == (expected == "uploaded")


def test_a_large_file_goes_in_parts_and_is_skipped_next_time(
    s3: Any, bucket: str, tmp_path: Path, requests: Requests
) -> None:
    path = tmp_path / "large.bin"
    path.write_bytes(bytes(range(256)) * (PUT_LIMIT // 256 + 1000))
    item = UploadItem(path, bucket, "big/large.bin")

    assert upload_files(s3, [item], progress=False).uploaded == (item.uri,)
    assert requests.counts()["UploadPart"] == 2
    assert list_objects(s3, bucket, "big/")["big/large.bin"].multipart
    requests.reset()

    assert upload_files(s3, [item], progress=False).skipped == (item.uri,)
    assert requests.counts() == {"ListObjectsV2": 1, "HeadObject": 1}


def test_failures_are_reported_per_file(s3: Any, bucket: str, tmp_path: Path) -> None:
    good = [tmp_path / f"good-{n}.png" for n in range(3)]
    for path in good:
        path.write_bytes(path.name.encode())
    files = [
        UploadItem(good[0], bucket, "f/good-0.png"),
        UploadItem(tmp_path / "missing.png", bucket, "f/missing.png"),
        UploadItem(good[1], "no-such-bucket", "f/good-1.png"),
        UploadItem(good[2], bucket, "f/good-2.png"),
    ]

    report = upload_files(s3, files, workers=2, progress=False)

    assert not report.ok
    assert report.uploaded == (f"s3://{bucket}/f/good-0.png", f"s3://{bucket}/f/good-2.png")
    assert [uri for uri, _ in report.failed] == [files[1].uri, files[2].uri]
    assert "No such file" in report.failed[0][1]
    assert "NoSuchBucket" in report.failed[1][1]
    assert str(report) == "2 uploaded, 0 skipped (already in S3), 2 failed"


def test_upload_checks_its_input(s3: Any, bucket: str, tmp_path: Path) -> None:
    item = UploadItem(tmp_path / "a.png", bucket, "a.png")
    with pytest.raises(InvalidInputError, match="workers: must be at least 1"):
        upload_files(s3, [item], workers=0)
    with pytest.raises(InvalidInputError, match=r"files\[1\]: names s3://.*/a.png a second time"):
        upload_files(s3, [item, item])


def test_nothing_to_upload(s3: Any, requests: Requests) -> None:
    assert upload_files(s3, [], progress=False) == UploadReport()
    assert requests.sent == []


@pytest.mark.parametrize("progress", [False, None])
def test_no_progress_prints_nothing(
    s3: Any, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], progress: bool | None
) -> None:
    folder = write_dataset_folder(tmp_path / "parts", normal=3, anomaly=1, size=(32, 32))

    assert upload_files(s3, items_for(folder, bucket, "p/"), progress=progress).ok

    assert capsys.readouterr() == ("", "")


def test_progress_shows_a_bar_on_stderr(
    s3: Any, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_dataset_folder(tmp_path / "parts", normal=3, anomaly=1, size=(32, 32))

    assert upload_files(s3, items_for(folder, bucket, "p/"), progress=True).ok

    out, err = capsys.readouterr()
    assert out == ""
    assert "Uploading" in err
    assert "4/4" in err


def test_progress_without_tqdm(
    s3: Any,
    bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)
    path = tmp_path / "a.png"
    path.write_bytes(b"a")
    with pytest.raises(ModuleNotFoundError, match="lookout-sdk\\[datasets\\]"):
        upload_files(s3, [UploadItem(path, bucket, "a.png")], progress=True)
    monkeypatch.setattr(s3_module.sys.stderr, "isatty", lambda: True, raising=False)
    assert upload_files(s3, [UploadItem(path, bucket, "a.png")], progress=None).ok
    assert capsys.readouterr().err == ""


def test_upload_logs(
    s3: Any, bucket: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(b"a")
    item = UploadItem(path, bucket, "logs/a.png")

    with caplog.at_level(logging.DEBUG, logger="lookout_sdk.datasets"):
        upload_files(s3, [item], progress=False)
        upload_files(s3, [item], progress=False)

    records = [r for r in caplog.records if r.name == "lookout_sdk.datasets"]
    debug = [r.getMessage() for r in records if r.levelno == logging.DEBUG]
    info = [r.getMessage() for r in records if r.levelno == logging.INFO]
    assert debug == [
        f"uploaded {path} to {item.uri}",
        f"skipped {path}: S3 already has {item.uri}",
    ]
    assert info[0].startswith("upload: 1 uploaded, 0 skipped (already in S3), 0 failed in ")
    assert info[1].startswith("upload: 0 uploaded, 1 skipped")
