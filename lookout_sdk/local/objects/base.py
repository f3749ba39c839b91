"""What every object store shares: limits, values, checks, the protocol.

The name checks live in :mod:`lookout_sdk.local.objects.names` and are exported here too.
"""

from __future__ import annotations

import builtins
import hashlib
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Protocol

import attrs

from lookout_sdk.errors import InvalidInputError
from lookout_sdk.local.objects.errors import (
    InsufficientStorage,
    InvalidArgument,
    InvalidRange,
)
from lookout_sdk.local.objects.names import (
    BUCKET_NAME,
    MAX_KEY_BYTES,
    MAX_METADATA_BYTES,
    check_bucket_name,
    check_key,
    check_metadata,
)
from lookout_sdk.local.store.space import (
    DiskFullError,
    DiskReserve,
    disk_full_message,
    is_disk_full,
)
from lookout_sdk.records.common import S3Object

__all__ = [
    "ABANDONED_UPLOAD_AGE",
    "BUCKET_NAME",
    "CHUNK_SIZE",
    "DEFAULT_CONTENT_TYPE",
    "MAX_KEY_BYTES",
    "MAX_METADATA_BYTES",
    "MAX_PARTS",
    "MIN_PART_SIZE",
    "UPLOAD_ID",
    "Body",
    "ByteRange",
    "Chunks",
    "Listing",
    "Measured",
    "ObjectInfo",
    "ObjectStore",
    "StoreHelpers",
    "check_bucket_name",
    "check_key",
    "check_metadata",
    "disk_space",
    "parse_uri",
    "prefix_end",
    "resolve_range",
    "utc_now",
]

#: What S3 reports for an object stored without a content type.
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
#: The smallest part of a multipart upload, except for the last one.
MIN_PART_SIZE = 5 * 1024 * 1024
#: The most parts a multipart upload may have.
MAX_PARTS = 10_000
#: A multipart upload left this many seconds is dropped when its bucket is next opened.
ABANDONED_UPLOAD_AGE = 7 * 24 * 3600

CHUNK_SIZE = 1024 * 1024
UPLOAD_ID = re.compile(r"[0-9a-f]{32}")

#: An HTTP byte range: ``(first, last)`` inclusive, ``(first, None)`` to the end, or
#: ``(None, n)`` for the last ``n`` bytes.
ByteRange = tuple[int | None, int | None]


# ----------------------------------------------------------------------------- values


@attrs.frozen
class ObjectInfo:
    """What a store knows about one object (``etag`` has no quotes).

    ``metadata`` is the user metadata (``x-amz-meta-*``) with lowercase keys.
    """

    key: str
    size: int
    etag: str
    last_modified: datetime
    metadata: dict[str, str] = attrs.field(factory=dict)
    content_type: str = DEFAULT_CONTENT_TYPE

    @property
    def multipart(self) -> bool:
        """Whether the object was assembled from parts (its ETag is not its MD5)."""
        return "-" in self.etag


@attrs.frozen
class Listing:
    """One page of a listing, in key order.

    ``common_prefixes`` holds the prefixes rolled up by a delimiter; ``truncated`` says
    whether more objects (or prefixes) follow the last one returned.
    """

    objects: tuple[ObjectInfo, ...] = ()
    common_prefixes: tuple[str, ...] = ()
    truncated: bool = False

    @property
    def last(self) -> str | None:
        """The greatest key or prefix of the page: the ``start_after`` of the next page."""
        names = [*(o.key for o in self.objects[-1:]), *self.common_prefixes[-1:]]
        return max(names) if names else None


#: What a store writes: bytes, or chunks of them written as they come.
Body = bytes | Iterable[bytes]


class Measured:
    """Chunks of a body passing through, counted and MD5-hashed on the way."""

    def __init__(self, data: Body) -> None:
        self._chunks: Iterable[bytes] = [data] if isinstance(data, bytes) else data
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.size += len(chunk)
            self._md5.update(chunk)
            yield chunk

    @property
    def etag(self) -> str:
        """The MD5 of what has passed, in hexadecimal."""
        return self._md5.hexdigest()


@contextmanager
def disk_space(
    bucket: str,
    key: str | None = None,
    *,
    reserve: DiskReserve | None = None,
    essential: bool = False,
) -> Iterator[None]:
    """Raise a full disk, from a file or SQLite, as :class:`InsufficientStorage`.

    With the backend's disk ``reserve``, a write is held to the same rules as the
    Lookout store's: an ordinary one is refused up front while the reserve is spent and
    space is short; an ``essential`` one (a delete) may spend the reserve, and gives it
    up when the disk turns out full, so that trying again can commit.
    """
    if reserve is not None and not reserve.admits(essential=essential):
        refused = DiskFullError("writes wait until space is freed")
        raise InsufficientStorage(str(refused), bucket=bucket, key=key) from refused
    try:
        yield
    except (OSError, sqlite3.Error) as error:
        if is_disk_full(error):
            if essential and reserve is not None:
                reserve.release()
            raise InsufficientStorage(disk_full_message(), bucket=bucket, key=key) from error
        raise


# ----------------------------------------------------------------------------- checks


def parse_uri(uri: str) -> tuple[str, str]:
    """Split ``s3://bucket/key`` into its bucket and key (with the SDK's one S3 URI reader).

    Raises:
        InvalidArgument: ``uri`` is not an ``s3://`` URI naming a bucket and a key.
    """
    try:
        location = S3Object.from_uri(uri)
    except InvalidInputError as error:
        raise InvalidArgument(f"Not an S3 object URI such as s3://bucket/key: {uri!r}") from error
    return location.bucket, location.key


def resolve_range(byte_range: ByteRange, size: int) -> tuple[int, int]:
    """The ``(start, stop)`` slice of an object of ``size`` bytes a byte range selects.

    Raises:
        InvalidRange: the range selects nothing (it starts past the end, or asks for
            the last 0 bytes, or the object is empty).
    """
    first, last = byte_range
    if first is None:
        count = last or 0
        if count <= 0 or size == 0:
            raise InvalidRange("The requested range is not satisfiable")
        return max(0, size - count), size
    if first >= size or (last is not None and last < first):
        raise InvalidRange("The requested range is not satisfiable")
    return first, size if last is None else min(size, last + 1)


def prefix_end(prefix: str) -> str | None:
    """The least string greater than every string starting with ``prefix`` (``None``: none)."""
    stripped = prefix.rstrip("\U0010ffff")
    if not stripped:
        return None
    following = ord(stripped[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored; skip past them
        following = 0xE000
    return stripped[:-1] + chr(following)


def utc_now() -> datetime:
    """The time now, in UTC, to the millisecond (what S3 listings show)."""
    return datetime.fromtimestamp(round(time.time(), 3), timezone.utc)


# ----------------------------------------------------------------------------- protocol


class ObjectStore(Protocol):
    """Buckets of objects, as S3 has them; every implementation behaves the same.

    Bucket names and keys are checked with :func:`check_bucket_name` and
    :func:`check_key` and refused with :class:`InvalidObjectName`.
    """

    def create_bucket(self, bucket: str) -> None:
        """Create a bucket; creating one that exists does nothing."""
        ...

    def bucket_exists(self, bucket: str) -> bool:
        """Whether the bucket exists."""
        ...

    def delete_bucket(self, bucket: str) -> None:
        """Delete an empty bucket (:class:`BucketNotEmpty` otherwise)."""
        ...

    def list_buckets(self) -> builtins.list[tuple[str, datetime]]:
        """Every bucket's name and creation time, by name."""
        ...

    def put(
        self,
        bucket: str,
        key: str,
        data: Body,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> ObjectInfo:
        """Store ``data`` (bytes, or chunks written as they come) at ``key``.

        Any object there is replaced; an iterator of chunks that raises stores nothing.
        """
        ...

    def get(
        self, bucket: str, key: str, *, byte_range: ByteRange | None = None
    ) -> tuple[bytes, ObjectInfo]:
        """The object's bytes (only the range's, if given) and its information."""
        ...

    def stream(
        self, bucket: str, key: str, *, byte_range: ByteRange | None = None
    ) -> tuple[Chunks, ObjectInfo]:
        """Like :meth:`get`, but the bytes come in chunks; close the chunks when done."""
        ...

    def head(self, bucket: str, key: str) -> ObjectInfo:
        """The object's information (:class:`NoSuchKey` when there is none)."""
        ...

    def delete(self, bucket: str, key: str) -> None:
        """Delete the object; a key with no object is not an error."""
        ...

    def list(
        self,
        bucket: str,
        prefix: str = "",
        *,
        start_after: str | None = None,
        max_keys: int = 1000,
    ) -> tuple[builtins.list[ObjectInfo], bool]:
        """Up to ``max_keys`` objects under ``prefix`` after ``start_after``, and if more follow."""
        ...

    def list_page(
        self,
        bucket: str,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        max_keys: int = 1000,
    ) -> Listing:
        """One page of a listing, rolling keys up to common prefixes at ``delimiter``.

        A common prefix that is not after ``start_after`` is skipped whole, so passing
        :attr:`Listing.last` as the next ``start_after`` walks every page once.
        """
        ...

    def iter_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object under ``prefix``, in key order, page after page."""
        ...

    def read_uri(self, uri: str) -> bytes:
        """The bytes of the object at ``s3://bucket/key``."""
        ...

    def write_uri(self, uri: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        """Store ``data`` at ``s3://bucket/key``."""
        ...

    def create_multipart(
        self,
        bucket: str,
        key: str,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> str:
        """Start a multipart upload to ``key``; return its upload id."""
        ...

    def upload_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, data: Body
    ) -> str:
        """Store one part (numbered 1 to :data:`MAX_PARTS`, bytes or chunks); its ETag."""
        ...

    def complete_multipart(
        self, bucket: str, key: str, upload_id: str, parts: Sequence[tuple[int, str]]
    ) -> ObjectInfo:
        """Join the listed ``(part number, ETag)`` parts, in order, into the object."""
        ...

    def abort_multipart(self, bucket: str, key: str, upload_id: str) -> None:
        """Drop a multipart upload and its parts."""
        ...


class Chunks:
    """An object's bytes as an iterator of chunks, holding its source open until closed."""

    def __init__(self, chunks: Iterator[bytes], close: Any = None) -> None:
        self._chunks = chunks
        self._close = close

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        """Release the source (idempotent)."""
        close, self._close = self._close, None
        if close is not None:
            close()

    def read_all(self) -> bytes:
        """Every remaining chunk joined; the chunks are closed."""
        try:
            return b"".join(self)
        finally:
            self.close()


class StoreHelpers:
    """What both stores build the same way on top of their own methods."""

    def get(
        self, bucket: str, key: str, *, byte_range: ByteRange | None = None
    ) -> tuple[bytes, ObjectInfo]:
        """The object's bytes (only the range's, if given) and its information."""
        chunks, info = self.stream(bucket, key, byte_range=byte_range)
        return chunks.read_all(), info

    def stream(
        self, bucket: str, key: str, *, byte_range: ByteRange | None = None
    ) -> tuple[Chunks, ObjectInfo]:
        """The object's bytes as chunks to iterate, and its information."""
        raise NotImplementedError

    def list(
        self,
        bucket: str,
        prefix: str = "",
        *,
        start_after: str | None = None,
        max_keys: int = 1000,
    ) -> tuple[builtins.list[ObjectInfo], bool]:
        """Up to ``max_keys`` objects under ``prefix`` after ``start_after``, and if more follow."""
        page = self.list_page(bucket, prefix, start_after=start_after, max_keys=max_keys)
        return builtins.list(page.objects), page.truncated

    def list_page(
        self,
        bucket: str,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        max_keys: int = 1000,
    ) -> Listing:
        """One page of the objects (and delimited prefixes) under ``prefix``."""
        raise NotImplementedError

    def iter_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object under ``prefix``, in key order, page after page."""
        start_after: str | None = None
        while True:
            page = self.list_page(bucket, prefix, start_after=start_after)
            yield from page.objects
            if not page.truncated or page.last is None:
                return
            start_after = page.last

    def put(
        self,
        bucket: str,
        key: str,
        data: Body,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> ObjectInfo:
        """Store ``data`` as the object ``key``, replacing any object of that key."""
        raise NotImplementedError

    def read_uri(self, uri: str) -> bytes:
        """The bytes of the object at ``s3://bucket/key``."""
        bucket, key = parse_uri(uri)
        return self.get(bucket, key)[0]

    def write_uri(self, uri: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        """Store ``data`` at ``s3://bucket/key``."""
        bucket, key = parse_uri(uri)
        return self.put(bucket, key, data, content_type=content_type)
