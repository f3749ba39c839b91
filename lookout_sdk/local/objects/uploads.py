"""Multipart uploads of the folder store: parts in a folder per upload, joined on completion.

An upload lives in ``<bucket>/.uploads/<upload id>/``: ``upload.json`` describes it
(key, metadata, content type) and ``NNNNN.part`` holds each part. Completing it streams
the parts, checking each one's ETag, into one new object; the folder then keeps only a
note of what it made, so that a retried CompleteMultipartUpload whose first answer was
lost gets the same answer (while the object is unchanged) instead of ``NoSuchUpload``.
Notes and abandoned uploads are swept when their bucket is opened, after
:data:`~lookout_sdk.local.objects.base.ABANDONED_UPLOAD_AGE`.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import itertools
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lookout_sdk.local.objects.base import (
    CHUNK_SIZE,
    DEFAULT_CONTENT_TYPE,
    MAX_PARTS,
    MIN_PART_SIZE,
    UPLOAD_ID,
    Body,
    Measured,
    ObjectInfo,
    check_key,
    check_metadata,
    disk_space,
    utc_now,
)
from lookout_sdk.local.objects.errors import (
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    NoSuchKey,
    NoSuchUpload,
)
from lookout_sdk.local.store.space import DiskReserve

__all__ = ["UPLOADS", "FolderUploads"]

#: The folder of a bucket holding its multipart uploads.
UPLOADS = ".uploads"


class FolderUploads:
    """The multipart methods of :class:`~lookout_sdk.local.objects.FolderObjectStore`."""

    if TYPE_CHECKING:
        reserve: DiskReserve | None

        def _bucket_dir(self, bucket: str) -> Path: ...
        def _conn_or_missing(self, bucket: str) -> sqlite3.Connection: ...
        def _write_temp(self, bucket: str, data: Iterable[bytes]) -> Path: ...
        def _commit(self, bucket: str, temp: Path, info: ObjectInfo) -> ObjectInfo: ...
        @staticmethod
        def _discard(*paths: Path) -> None: ...
        def head(self, bucket: str, key: str) -> ObjectInfo:
            """The object's information."""

    def _upload_dir(
        self, bucket: str, key: str, upload_id: str, *, completed: bool = False
    ) -> tuple[Path, dict[str, Any]]:
        """The upload's folder and its description, checked against ``key``.

        An upload already completed counts as gone, unless ``completed`` is asked for.
        """
        check_key(key, bucket)
        self._conn_or_missing(bucket)
        missing = NoSuchUpload("The specified upload does not exist.", bucket=bucket, key=key)
        if not isinstance(upload_id, str) or not UPLOAD_ID.fullmatch(upload_id):
            raise missing
        folder = self._bucket_dir(bucket) / UPLOADS / upload_id
        try:
            described: dict[str, Any] = json.loads((folder / "upload.json").read_text("utf-8"))
        except (OSError, ValueError):
            raise missing from None
        if described.get("key") != key or ("completed" in described and not completed):
            raise missing
        return folder, described

    def create_multipart(
        self,
        bucket: str,
        key: str,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> str:
        """Start a multipart upload to ``key``; return its upload id."""
        check_key(key, bucket)
        described = {
            "key": key,
            "metadata": check_metadata(metadata),
            "content_type": content_type or DEFAULT_CONTENT_TYPE,
            "initiated": time.time(),
        }
        self._conn_or_missing(bucket)
        upload_id = uuid.uuid4().hex
        folder = self._bucket_dir(bucket) / UPLOADS / upload_id
        with disk_space(bucket, key, reserve=self.reserve):
            temp = self._write_temp(bucket, [json.dumps(described).encode("utf-8")])
        try:
            folder.mkdir()
            os.replace(temp, folder / "upload.json")
        finally:
            self._discard(temp)
        return upload_id

    def upload_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, data: Body
    ) -> str:
        """Store one part (numbered 1 to :data:`MAX_PARTS`, bytes or chunks); its ETag."""
        folder, _ = self._upload_dir(bucket, key, upload_id)
        if not 1 <= part_number <= MAX_PARTS:
            raise InvalidArgument(
                f"Part number must be an integer between 1 and {MAX_PARTS}, inclusive",
                bucket=bucket,
                key=key,
            )
        measured = Measured(data)
        with disk_space(bucket, key, reserve=self.reserve):
            temp = self._write_temp(bucket, measured)
        try:
            os.replace(temp, folder / f"{part_number:05d}.part")
        except FileNotFoundError:  # aborted meanwhile
            raise NoSuchUpload(
                "The specified upload does not exist.", bucket=bucket, key=key
            ) from None
        finally:
            self._discard(temp)
        return measured.etag

    def complete_multipart(
        self, bucket: str, key: str, upload_id: str, parts: Sequence[tuple[int, str]]
    ) -> ObjectInfo:
        """Join the listed ``(part number, ETag)`` parts, in order, into the object.

        Completing an upload again with the same parts (a retry whose first answer was
        lost) answers as the first time did while the object it made is still there.
        """
        folder, described = self._upload_dir(bucket, key, upload_id, completed=True)
        listed = [[number, etag.strip('"').lower()] for number, etag in parts]
        if "completed" in described:
            return self._completed_again(bucket, key, described, listed)
        if not parts:
            raise InvalidPart("You must specify at least one part", bucket=bucket, key=key)
        numbers = [number for number, _ in parts]
        if any(a >= b for a, b in itertools.pairwise(numbers)):
            raise InvalidPartOrder(
                "The list of parts was not in ascending order.", bucket=bucket, key=key
            )
        files = [folder / f"{number:05d}.part" for number in numbers]
        for index, path in enumerate(files):
            if not path.is_file():
                raise InvalidPart(f"Part {numbers[index]} was not uploaded", bucket=bucket, key=key)
            if index < len(files) - 1 and path.stat().st_size < MIN_PART_SIZE:
                raise EntityTooSmall(
                    "Your proposed upload is smaller than the minimum allowed size",
                    bucket=bucket,
                    key=key,
                )
        digests: builtins.list[bytes] = []
        size = 0

        def joined() -> Iterator[bytes]:
            nonlocal size
            for (number, etag), path in zip(parts, files, strict=True):
                digest = hashlib.md5(usedforsecurity=False)
                try:
                    handle = path.open("rb")
                except FileNotFoundError:  # aborted meanwhile
                    raise NoSuchUpload(
                        "The specified upload does not exist.", bucket=bucket, key=key
                    ) from None
                with handle:
                    for chunk in iter(functools.partial(handle.read, CHUNK_SIZE), b""):
                        digest.update(chunk)
                        size += len(chunk)
                        yield chunk
                if digest.hexdigest() != etag.strip('"').lower():
                    raise InvalidPart(
                        f"Part {number} does not have the ETag {etag}", bucket=bucket, key=key
                    )
                digests.append(digest.digest())

        with disk_space(bucket, key, reserve=self.reserve):
            temp = self._write_temp(bucket, joined())
        etag = hashlib.md5(b"".join(digests), usedforsecurity=False).hexdigest()
        info = ObjectInfo(
            key=key,
            size=size,
            etag=f"{etag}-{len(parts)}",
            last_modified=utc_now(),
            metadata=dict(described["metadata"]),
            content_type=str(described["content_type"]),
        )
        with disk_space(bucket, key, reserve=self.reserve):
            self._commit(bucket, temp, info)
        self._mark_completed(bucket, folder, {**described, "completed": info.etag, "parts": listed})
        return info

    def _mark_completed(self, bucket: str, folder: Path, described: dict[str, Any]) -> None:
        """Keep only a note that the upload made its object (swept with old uploads)."""
        try:
            temp = self._write_temp(bucket, [json.dumps(described).encode("utf-8")])
            os.replace(temp, folder / "upload.json")
        except OSError:  # no note: a retry is then told the upload is gone
            shutil.rmtree(folder, ignore_errors=True)
            return
        for part in folder.glob("*.part"):
            self._discard(part)

    def _completed_again(
        self, bucket: str, key: str, described: Mapping[str, Any], parts: builtins.list[Any]
    ) -> ObjectInfo:
        missing = NoSuchUpload("The specified upload does not exist.", bucket=bucket, key=key)
        if described.get("parts") != parts:
            raise missing
        try:
            info = self.head(bucket, key)
        except NoSuchKey:
            raise missing from None
        if info.etag != described["completed"]:
            raise missing  # replaced or deleted since: the retry is too late
        return info

    def abort_multipart(self, bucket: str, key: str, upload_id: str) -> None:
        """Drop a multipart upload and its parts."""
        folder, _ = self._upload_dir(bucket, key, upload_id)
        shutil.rmtree(folder, ignore_errors=True)
