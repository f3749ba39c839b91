"""The object store's answers when things go wrong: lost answers, large bodies, full disks."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from lookout_sdk.local.app import LocalBackend
from lookout_sdk.local.http.server import RunningServer, start_in_thread
from lookout_sdk.local.objects import MIN_PART_SIZE, FolderObjectStore, NoSuchUpload
from lookout_sdk.local.objects.base import disk_space
from lookout_sdk.local.objects.errors import DISK_FULL_MESSAGE, InsufficientStorage
from lookout_sdk.local.store.space import disk_full_message, is_disk_full

MiB = 1024 * 1024


def client(url: str) -> Any:
    session = boto3.Session(aws_access_key_id="k", aws_secret_access_key="s")
    config = Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1})
    return session.client("s3", endpoint_url=url, region_name="us-east-1", config=config)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[RunningServer, LocalBackend]]:
    backend = LocalBackend(tmp_path / "data", start_worker=False)
    try:
        with start_in_thread(backend) as running:
            yield running, backend
    finally:
        backend.close()


# ----------------------------------------------------------------------------- lost answers


def test_a_retried_complete_multipart_upload_gets_the_first_answer(
    served: tuple[RunningServer, LocalBackend],
) -> None:
    s3 = client(served[0].url)
    s3.create_bucket(Bucket="parts")
    upload = s3.create_multipart_upload(Bucket="parts", Key="big")["UploadId"]
    first = s3.upload_part(
        Bucket="parts", Key="big", UploadId=upload, PartNumber=1, Body=b"a" * MIN_PART_SIZE
    )
    second = s3.upload_part(Bucket="parts", Key="big", UploadId=upload, PartNumber=2, Body=b"b")
    parts = {
        "Parts": [
            {"PartNumber": 1, "ETag": first["ETag"]},
            {"PartNumber": 2, "ETag": second["ETag"]},
        ]
    }
    done = s3.complete_multipart_upload(
        Bucket="parts", Key="big", UploadId=upload, MultipartUpload=parts
    )
    # the answer was lost: the client sends the same request again
    again = s3.complete_multipart_upload(
        Bucket="parts", Key="big", UploadId=upload, MultipartUpload=parts
    )
    assert again["ETag"] == done["ETag"]
    assert s3.head_object(Bucket="parts", Key="big")["ContentLength"] == MIN_PART_SIZE + 1
    with pytest.raises(ClientError, match="NoSuchUpload"):  # the upload itself is over
        s3.upload_part(Bucket="parts", Key="big", UploadId=upload, PartNumber=3, Body=b"c")
    other = {"Parts": parts["Parts"][:1]}
    with pytest.raises(ClientError, match="NoSuchUpload"):
        s3.complete_multipart_upload(
            Bucket="parts", Key="big", UploadId=upload, MultipartUpload=other
        )
    s3.put_object(Bucket="parts", Key="big", Body=b"replaced")  # too late now
    with pytest.raises(ClientError, match="NoSuchUpload"):
        s3.complete_multipart_upload(
            Bucket="parts", Key="big", UploadId=upload, MultipartUpload=parts
        )


# ----------------------------------------------------------------------------- large bodies


def test_large_bodies_stream_through_in_bounded_memory(
    served: tuple[RunningServer, LocalBackend], tmp_path: Path
) -> None:
    """The server runs in this process: tracemalloc sees its allocations too."""
    s3 = client(served[0].url)
    s3.create_bucket(Bucket="large")
    source = tmp_path / "large.bin"
    with source.open("wb") as handle:
        for block in range(96):
            handle.write(bytes([block]) * MiB)
    tracemalloc.start()
    try:
        with source.open("rb") as body:
            s3.put_object(Bucket="large", Key="large.bin", Body=body)
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        target = tmp_path / "back.bin"
        s3.download_file(
            "large", "large.bin", str(target), Config=TransferConfig(use_threads=False)
        )
        _, get_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert target.read_bytes() == source.read_bytes()
    print(f"96 MiB PUT: peak {put_peak / MiB:.1f} MiB; GET: peak {get_peak / MiB:.1f} MiB")
    assert put_peak < 24 * MiB
    assert get_peak < 24 * MiB


# ----------------------------------------------------------------------------- full disks


def full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_writes_on_a_full_disk_are_refused_clearly_and_deletes_still_work(
    served: tuple[RunningServer, LocalBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    running, backend = served
    s3 = client(running.url)
    s3.create_bucket(Bucket="full")
    s3.put_object(Bucket="full", Key="kept", Body=b"acknowledged")
    store = backend.objects
    assert isinstance(store, FolderObjectStore)
    files_before = set((store.root / "full").rglob("*"))

    monkeypatch.setattr(os, "fsync", full)  # every durable write now meets a full disk
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket="full", Key="new", Body=b"x" * 1000)
    error = refused.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 507
    assert error["Error"]["Code"] == "InsufficientStorage"
    assert error["Error"]["Message"].startswith(DISK_FULL_MESSAGE.split(";")[0])
    assert set((store.root / "full").rglob("*")) - files_before <= {  # nothing left behind
        p for p in (store.root / "full").rglob("*") if p.suffix in ("-wal", "-shm")
    }

    # SQLite cannot commit either: the delete frees the object's bytes first, then commits
    calls: list[str] = []
    real = FolderObjectStore._unindex

    def unindex_when_room(self: FolderObjectStore, bucket: str, key: str) -> str | None:
        calls.append(key)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, bucket, key)

    monkeypatch.setattr(FolderObjectStore, "_unindex", unindex_when_room)
    s3.delete_object(Bucket="full", Key="kept")
    assert calls == ["kept", "kept"]
    monkeypatch.undo()
    with pytest.raises(ClientError, match="NoSuchKey"):
        s3.get_object(Bucket="full", Key="kept")
    s3.put_object(Bucket="full", Key="new", Body=b"room again")
    assert s3.get_object(Bucket="full", Key="new")["Body"].read() == b"room again"


def test_the_object_stores_disk_full_is_the_backends() -> None:
    """One wording for both APIs, and a job that meets a 507 knows the disk is full."""
    with pytest.raises(InsufficientStorage) as refused, disk_space("b", "k"):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert str(refused.value) == disk_full_message()
    assert is_disk_full(refused.value)
    assert not is_disk_full(InsufficientStorage("said so, without a cause"))
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MiB tmpfs (needs the right to mount, as root in CI; skipped otherwise)."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small filesystem here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_really_full_disk(tiny_disk: Path) -> None:
    store = FolderObjectStore(tiny_disk / "objects")
    store.create_bucket("small")
    store.put("small", "first", b"1" * MiB)
    stored = 1
    refused: InsufficientStorage | None = None
    for number in range(20):
        try:
            store.put("small", f"fill-{number}", iter([b"f" * MiB]))
        except InsufficientStorage as error:
            refused = error
            break
        stored += 1
    assert refused is not None, "6 MiB held 20 MiB"
    assert DISK_FULL_MESSAGE in str(refused)
    assert not list((tiny_disk / "objects" / "small" / ".tmp").iterdir())  # no partial file
    for number in range(stored - 1):  # deletes work and free the space
        store.delete("small", f"fill-{number}")
    store.put("small", "after", b"a" * MiB)
    assert store.get("small", "first")[0] == b"1" * MiB  # nothing acknowledged was lost
    store.close()
    with pytest.raises(NoSuchUpload):
        store.complete_multipart("small", "x", "0" * 32, [(1, "e")])
