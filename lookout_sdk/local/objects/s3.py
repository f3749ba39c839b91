"""Forwarding to a real S3-compatible endpoint (AWS S3, MinIO)."""

from __future__ import annotations

import builtins
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from lookout_sdk.local.objects.base import (
    CHUNK_SIZE,
    DEFAULT_CONTENT_TYPE,
    Body,
    ByteRange,
    Chunks,
    Listing,
    Measured,
    ObjectInfo,
    StoreHelpers,
    utc_now,
)
from lookout_sdk.local.objects.errors import (
    ERRORS_BY_CODE,
    InvalidArgument,
    InvalidObjectName,
    InvalidRange,
    NoSuchBucket,
    NoSuchKey,
    ObjectStoreError,
)
from lookout_sdk.local.objects.names import check_bucket_name, check_key, check_metadata

__all__ = [
    "S3ObjectStore",
]

# ----------------------------------------------------------------------------- S3

_NAME_ERRORS = ("InvalidBucketName", "KeyTooLongError", "InvalidArgument")
_SPOOL = 8 * 1024 * 1024


@contextmanager
def _spooled(data: Body) -> Iterator[tuple[Any, Measured]]:
    """``data`` whole, ready to send: bytes as they are, chunks in a spool file."""
    measured = Measured(data)
    if isinstance(data, bytes):
        for _ in measured:  # measure it
            pass
        yield data, measured
        return
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as spool:
        for chunk in measured:
            spool.write(chunk)
        spool.seek(0)
        yield spool, measured


class S3ObjectStore(StoreHelpers):
    """The object store over a real S3-compatible endpoint, through a boto3 S3 client.

    Names are checked as :class:`FolderObjectStore` checks them, so both refuse the
    same keys. Listings carry no user metadata or content type (S3 does not list them).
    The ``last_modified`` that :meth:`put` returns is this machine's clock.
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    @contextmanager
    def _mapped(self, bucket: str | None = None, key: str | None = None) -> Iterator[None]:
        """Raise botocore's client errors as this module's exceptions."""
        from botocore.exceptions import ClientError

        try:
            yield
        except ClientError as error:
            details: Mapping[str, Any] = error.response.get("Error", {})
            code = str(details.get("Code", "InternalError"))
            message = str(details.get("Message", "") or code)
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
            if code in _NAME_ERRORS:
                raise InvalidObjectName(message, bucket=bucket, key=key, code=code) from error
            if code in ERRORS_BY_CODE:
                raise ERRORS_BY_CODE[code](message, bucket=bucket, key=key) from error
            if code in ("404", "NotFound") and key is not None:
                if not self.bucket_exists(str(bucket)):
                    raise NoSuchBucket(message, bucket=bucket) from error
                raise NoSuchKey(message, bucket=bucket, key=key) from error
            if code in ("404", "NotFound"):
                raise NoSuchBucket(message, bucket=bucket) from error
            raise ObjectStoreError(
                message, bucket=bucket, key=key, code=code, http_status=status
            ) from error

    def create_bucket(self, bucket: str) -> None:
        """Create a bucket; creating one that exists (and is ours) does nothing."""
        check_bucket_name(bucket)
        region = self.client.meta.region_name
        extra: dict[str, Any] = {}
        if region and region != "us-east-1":
            extra["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            with self._mapped(bucket):
                self.client.create_bucket(Bucket=bucket, **extra)
        except ObjectStoreError as error:
            if error.code != "BucketAlreadyOwnedByYou":
                raise

    def bucket_exists(self, bucket: str) -> bool:
        """Whether the bucket exists."""
        check_bucket_name(bucket)
        try:
            with self._mapped(bucket):
                self.client.head_bucket(Bucket=bucket)
        except NoSuchBucket:
            return False
        return True

    def delete_bucket(self, bucket: str) -> None:
        """Delete an empty bucket (:class:`BucketNotEmpty` otherwise)."""
        check_bucket_name(bucket)
        with self._mapped(bucket):
            self.client.delete_bucket(Bucket=bucket)

    def list_buckets(self) -> builtins.list[tuple[str, datetime]]:
        """Every bucket's name and creation time, by name."""
        with self._mapped():
            buckets = self.client.list_buckets().get("Buckets", [])
        return sorted((str(b["Name"]), b["CreationDate"]) for b in buckets)

    def put(
        self,
        bucket: str,
        key: str,
        data: Body,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> ObjectInfo:
        """Store ``data`` at ``key``, replacing any object there.

        Chunks are spooled (to disk past 8 MiB), and so checked whole, before anything
        is sent.
        """
        import base64

        check_bucket_name(bucket)
        check_key(key, bucket)
        cleaned = check_metadata(metadata)
        with _spooled(data) as (body, measured), self._mapped(bucket, key):
            response = self.client.put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ContentMD5=base64.b64encode(bytes.fromhex(measured.etag)).decode("ascii"),
                ContentType=content_type or DEFAULT_CONTENT_TYPE,
                Metadata=cleaned,
            )
        return ObjectInfo(
            key=key,
            size=measured.size,
            etag=str(response.get("ETag", measured.etag)).strip('"'),
            last_modified=utc_now(),
            metadata=cleaned,
            content_type=content_type or DEFAULT_CONTENT_TYPE,
        )

    @staticmethod
    def _info(key: str, response: Mapping[str, Any]) -> ObjectInfo:
        size = int(response.get("ContentLength", 0))
        content_range = str(response.get("ContentRange", ""))
        if "/" in content_range:
            size = int(content_range.rsplit("/", 1)[1])
        return ObjectInfo(
            key=key,
            size=size,
            etag=str(response["ETag"]).strip('"'),
            last_modified=response["LastModified"].astimezone(timezone.utc),
            metadata={str(k).lower(): str(v) for k, v in response.get("Metadata", {}).items()},
            content_type=str(response.get("ContentType") or DEFAULT_CONTENT_TYPE),
        )

    def head(self, bucket: str, key: str) -> ObjectInfo:
        """The object's information (:class:`NoSuchKey` when there is none)."""
        check_bucket_name(bucket)
        check_key(key, bucket)
        with self._mapped(bucket, key):
            return self._info(key, self.client.head_object(Bucket=bucket, Key=key))

    def stream(
        self, bucket: str, key: str, *, byte_range: ByteRange | None = None
    ) -> tuple[Chunks, ObjectInfo]:
        """The object's bytes (or the range's) in chunks, and its information."""
        check_bucket_name(bucket)
        check_key(key, bucket)
        extra: dict[str, Any] = {}
        if byte_range is not None:
            first, last = byte_range
            if first is None and not last:
                raise InvalidRange("The requested range is not satisfiable", bucket=bucket, key=key)
            text = "" if first is None else str(first)
            extra["Range"] = f"bytes={text}-{'' if last is None else last}"
        with self._mapped(bucket, key):
            response = self.client.get_object(Bucket=bucket, Key=key, **extra)
        body = response["Body"]
        return Chunks(iter(body.iter_chunks(CHUNK_SIZE)), body.close), self._info(key, response)

    def delete(self, bucket: str, key: str) -> None:
        """Delete the object; a key with no object is not an error."""
        check_bucket_name(bucket)
        check_key(key, bucket)
        with self._mapped(bucket, key):
            self.client.delete_object(Bucket=bucket, Key=key)

    def list_page(
        self,
        bucket: str,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        max_keys: int = 1000,
    ) -> Listing:
        """One page of a listing, rolling keys up to common prefixes at ``delimiter``."""
        check_bucket_name(bucket)
        if max_keys < 0:
            raise InvalidArgument("max_keys cannot be negative")
        request: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if delimiter:
            request["Delimiter"] = delimiter
        if start_after is not None:
            request["StartAfter"] = start_after
        objects: builtins.list[ObjectInfo] = []
        prefixes: builtins.list[str] = []
        while True:
            wanted = max_keys - len(objects) - len(prefixes) + 1  # one more: is there a next?
            with self._mapped(bucket):
                response = self.client.list_objects_v2(**request, MaxKeys=min(1000, wanted))
            items: builtins.list[tuple[str, ObjectInfo | None]] = [
                (str(item["Key"]), self._listed(item)) for item in response.get("Contents", [])
            ]
            items += [(str(p["Prefix"]), None) for p in response.get("CommonPrefixes", [])]
            for name, info in sorted(items, key=lambda item: item[0]):
                if info is None and start_after is not None and name <= start_after:
                    continue  # a prefix this page's caller has already seen
                if len(objects) + len(prefixes) == max_keys:
                    return Listing(tuple(objects), tuple(prefixes), True)
                if info is None:
                    prefixes.append(name)
                else:
                    objects.append(info)
            if not response.get("IsTruncated"):
                return Listing(tuple(objects), tuple(prefixes), False)
            request["ContinuationToken"] = response["NextContinuationToken"]

    @staticmethod
    def _listed(item: Mapping[str, Any]) -> ObjectInfo:
        return ObjectInfo(
            key=str(item["Key"]),
            size=int(item["Size"]),
            etag=str(item["ETag"]).strip('"'),
            last_modified=item["LastModified"].astimezone(timezone.utc),
        )

    def create_multipart(
        self,
        bucket: str,
        key: str,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> str:
        """Start a multipart upload to ``key``; return its upload id."""
        check_bucket_name(bucket)
        check_key(key, bucket)
        with self._mapped(bucket, key):
            response = self.client.create_multipart_upload(
                Bucket=bucket,
                Key=key,
                Metadata=check_metadata(metadata),
                ContentType=content_type or DEFAULT_CONTENT_TYPE,
            )
        return str(response["UploadId"])

    def upload_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, data: Body
    ) -> str:
        """Store one part (numbered 1 to :data:`MAX_PARTS`, bytes or chunks); its ETag."""
        check_bucket_name(bucket)
        check_key(key, bucket)
        with _spooled(data) as (body, _), self._mapped(bucket, key):
            response = self.client.upload_part(
                Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=part_number, Body=body
            )
        return str(response["ETag"]).strip('"')

    def complete_multipart(
        self, bucket: str, key: str, upload_id: str, parts: Sequence[tuple[int, str]]
    ) -> ObjectInfo:
        """Join the listed ``(part number, ETag)`` parts, in order, into the object."""
        check_bucket_name(bucket)
        check_key(key, bucket)
        listed = [{"PartNumber": n, "ETag": f'"{etag.strip(chr(34))}"'} for n, etag in parts]
        with self._mapped(bucket, key):
            self.client.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": listed}
            )
        return self.head(bucket, key)

    def abort_multipart(self, bucket: str, key: str, upload_id: str) -> None:
        """Drop a multipart upload and its parts."""
        check_bucket_name(bucket)
        check_key(key, bucket)
        with self._mapped(bucket, key):
            self.client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
