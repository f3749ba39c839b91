"""The object store's errors, each carrying the S3 error code and HTTP status."""

from __future__ import annotations

from typing import Any

from lookout_sdk.errors import LookoutError
from lookout_sdk.local.store.space import DISK_FULL_MESSAGE, is_disk_full

__all__ = [
    "DISK_FULL_MESSAGE",
    "ERRORS_BY_CODE",
    "BadDigest",
    "BucketNotEmpty",
    "EntityTooLarge",
    "EntityTooSmall",
    "InsufficientStorage",
    "InvalidArgument",
    "InvalidObjectName",
    "InvalidPart",
    "InvalidPartOrder",
    "InvalidRange",
    "MetadataTooLarge",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchUpload",
    "ObjectStoreError",
    "is_disk_full",
]

# ----------------------------------------------------------------------------- errors


class ObjectStoreError(LookoutError):
    """A refused object-store request, with the S3 error code and HTTP status it maps to.

    A subclass declared with ``status=`` stands for the S3 error code of its own name
    and is listed in :data:`ERRORS_BY_CODE`; one declared without it shares its parent's.
    """

    code = "InternalError"
    http_status = 500

    def __init_subclass__(cls, *, status: int | None = None, **options: Any) -> None:
        super().__init_subclass__(**options)
        if status is not None:
            cls.code, cls.http_status = cls.__name__, status
            ERRORS_BY_CODE[cls.code] = cls

    def __init__(
        self,
        message: str,
        *,
        bucket: str | None = None,
        key: str | None = None,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.bucket = bucket
        self.key = key
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status


#: The error classes of S3 error codes, by code.
ERRORS_BY_CODE: dict[str, type[ObjectStoreError]] = {}

# S3's error codes name these classes, hence the names without "Error".
# ruff: noqa: N818


class NoSuchBucket(ObjectStoreError, status=404):
    """The bucket does not exist."""


class NoSuchKey(ObjectStoreError, status=404):
    """The bucket holds no object with that key."""


class NoSuchUpload(ObjectStoreError, status=404):
    """No multipart upload with that id is in progress for that key."""


class BucketNotEmpty(ObjectStoreError, status=409):
    """Only an empty bucket can be deleted."""


class InvalidArgument(ObjectStoreError, ValueError, status=400):
    """A request argument S3 would refuse."""


class InvalidObjectName(InvalidArgument):
    """A bucket name or key that S3 (or this store's path-safety rules) refuses."""


class MetadataTooLarge(InvalidArgument, status=400):
    """User metadata over :data:`MAX_METADATA_BYTES`."""


class InvalidRange(ObjectStoreError, status=416):
    """A byte range that starts past the end of the object."""


class BadDigest(ObjectStoreError, status=400):
    """The bytes received do not match the digest the client sent with them."""


class EntityTooLarge(ObjectStoreError, status=400):
    """A body over the size this server accepts in one request."""


class EntityTooSmall(ObjectStoreError, status=400):
    """A multipart part, other than the last, under :data:`MIN_PART_SIZE`."""


class InvalidPart(ObjectStoreError, status=400):
    """A part named in CompleteMultipartUpload is missing or has another ETag."""


class InvalidPartOrder(ObjectStoreError, status=400):
    """CompleteMultipartUpload must list its parts in ascending order."""


class InsufficientStorage(ObjectStoreError, status=507):
    """The disk holding the objects is full: writes fail until space is freed.

    Answered with 507, which clients do not retry at once; deletes still work.
    """
