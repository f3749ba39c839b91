"""The local backend's object store: S3-style buckets and objects, on disk or in S3.

:class:`ObjectStore` is what the backend reads images and writes manifests and model
artefacts through. Two implementations keep the same behaviour:

* :class:`FolderObjectStore` keeps one folder per bucket. An object's bytes live in a
  file named after the SHA-256 of its key (never after the key itself, so no key can
  reach outside its bucket), and a per-bucket SQLite index, ordered by key, holds
  what a listing needs. A write lands in a temporary file that is synced and renamed
  into place before the index row that names it is committed, so a crash never leaves
  a listed object with partial bytes.
* :class:`S3ObjectStore` forwards to a real S3-compatible endpoint (AWS S3, MinIO)
  through a boto3 client and maps its errors onto the same exceptions.

Both refuse bucket names S3 would refuse and keys that look like paths escaping a
folder (``..`` segments, a leading ``/``, backslashes), so code tested against one
behaves the same against the other.
"""

from __future__ import annotations

from lookout_sdk.local.objects.base import (
    ABANDONED_UPLOAD_AGE,
    DEFAULT_CONTENT_TYPE,
    MAX_KEY_BYTES,
    MAX_METADATA_BYTES,
    MAX_PARTS,
    MIN_PART_SIZE,
    ByteRange,
    Chunks,
    Listing,
    ObjectInfo,
    ObjectStore,
    check_bucket_name,
    check_key,
    parse_uri,
    resolve_range,
)
from lookout_sdk.local.objects.errors import (
    BadDigest,
    BucketNotEmpty,
    EntityTooLarge,
    EntityTooSmall,
    InvalidArgument,
    InvalidObjectName,
    InvalidPart,
    InvalidPartOrder,
    InvalidRange,
    MetadataTooLarge,
    NoSuchBucket,
    NoSuchKey,
    NoSuchUpload,
    ObjectStoreError,
)
from lookout_sdk.local.objects.folder import (
    FolderObjectStore,
)
from lookout_sdk.local.objects.s3 import (
    S3ObjectStore,
)

__all__ = [
    "ABANDONED_UPLOAD_AGE",
    "DEFAULT_CONTENT_TYPE",
    "MAX_KEY_BYTES",
    "MAX_METADATA_BYTES",
    "MAX_PARTS",
    "MIN_PART_SIZE",
    "BadDigest",
    "BucketNotEmpty",
    "ByteRange",
    "Chunks",
    "EntityTooLarge",
    "EntityTooSmall",
    "FolderObjectStore",
    "InvalidArgument",
    "InvalidObjectName",
    "InvalidPart",
    "InvalidPartOrder",
    "InvalidRange",
    "Listing",
    "MetadataTooLarge",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchUpload",
    "ObjectInfo",
    "ObjectStore",
    "ObjectStoreError",
    "S3ObjectStore",
    "check_bucket_name",
    "check_key",
    "parse_uri",
    "resolve_range",
]
