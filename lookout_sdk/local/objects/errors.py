"""The object store's errors, each carrying the S3 error code and HTTP status."""

from __future__ import annotations

from lookout_sdk.errors import LookoutError

__all__ = [
    "BadDigest",
    "BucketNotEmpty",
    "EntityTooLarge",
    "EntityTooSmall",
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
]

# ----------------------------------------------------------------------------- errors


class ObjectStoreError(LookoutError):
    """A refused object-store request, with the S3 error code and HTTP status it maps to."""

    code = "InternalError"
    http_status = 500

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


class NoSuchBucket(ObjectStoreError):  # noqa: N818 - S3's error code
    """The bucket does not exist."""

    code = "NoSuchBucket"
    http_status = 404


class NoSuchKey(ObjectStoreError):  # noqa: N818 - S3's error code
    """The bucket holds no object with that key."""

    code = "NoSuchKey"
    http_status = 404


class NoSuchUpload(ObjectStoreError):  # noqa: N818 - S3's error code
    """No multipart upload with that id is in progress for that key."""

    code = "NoSuchUpload"
    http_status = 404


class BucketNotEmpty(ObjectStoreError):  # noqa: N818 - S3's error code
    """Only an empty bucket can be deleted."""

    code = "BucketNotEmpty"
    http_status = 409


class InvalidArgument(ObjectStoreError, ValueError):  # noqa: N818 - S3's error code
    """A request argument S3 would refuse."""

    code = "InvalidArgument"
    http_status = 400


class InvalidObjectName(InvalidArgument):
    """A bucket name or key that S3 (or this store's path-safety rules) refuses."""


class MetadataTooLarge(InvalidArgument):
    """User metadata over :data:`MAX_METADATA_BYTES`."""

    code = "MetadataTooLarge"


class InvalidRange(ObjectStoreError):  # noqa: N818 - S3's error code
    """A byte range that starts past the end of the object."""

    code = "InvalidRange"
    http_status = 416


class BadDigest(ObjectStoreError):  # noqa: N818 - S3's error code
    """The bytes received do not match the digest the client sent with them."""

    code = "BadDigest"
    http_status = 400


class EntityTooLarge(ObjectStoreError):  # noqa: N818 - S3's error code
    """A body over the size this server accepts in one request."""

    code = "EntityTooLarge"
    http_status = 400


class EntityTooSmall(ObjectStoreError):  # noqa: N818 - S3's error code
    """A multipart part, other than the last, under :data:`MIN_PART_SIZE`."""

    code = "EntityTooSmall"
    http_status = 400


class InvalidPart(ObjectStoreError):  # noqa: N818 - S3's error code
    """A part named in CompleteMultipartUpload is missing or has another ETag."""

    code = "InvalidPart"
    http_status = 400


class InvalidPartOrder(ObjectStoreError):  # noqa: N818 - S3's error code
    """CompleteMultipartUpload must list its parts in ascending order."""

    code = "InvalidPartOrder"
    http_status = 400
