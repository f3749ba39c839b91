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

import builtins
import functools
import hashlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Protocol

import attrs

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

#: What S3 reports for an object stored without a content type.
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
#: The longest key S3 accepts, in UTF-8 bytes.
MAX_KEY_BYTES = 1024
#: The most user metadata S3 accepts, keys and values together, in UTF-8 bytes.
MAX_METADATA_BYTES = 2048
#: The smallest part of a multipart upload, except for the last one.
MIN_PART_SIZE = 5 * 1024 * 1024
#: The most parts a multipart upload may have.
MAX_PARTS = 10_000
#: A multipart upload left this many seconds is dropped when its bucket is next opened.
ABANDONED_UPLOAD_AGE = 7 * 24 * 3600

_CHUNK = 1024 * 1024
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_DRIVE = re.compile(r"[A-Za-z]:")
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")

#: An HTTP byte range: ``(first, last)`` inclusive, ``(first, None)`` to the end, or
#: ``(None, n)`` for the last ``n`` bytes.
ByteRange = tuple[int | None, int | None]


# ----------------------------------------------------------------------------- errors


class ObjectStoreError(Exception):
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
        self.message = message
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


# ----------------------------------------------------------------------------- checks


def check_bucket_name(bucket: str) -> str:
    """Return ``bucket`` if S3 would accept it as a new bucket's name.

    Raises:
        InvalidObjectName: it is not 3-63 lowercase letters, digits, dots and hyphens
            starting and ending with a letter or digit, or it looks like an IP address
            or holds ``..``.
    """
    if (
        not isinstance(bucket, str)
        or not _BUCKET_NAME.fullmatch(bucket)
        or ".." in bucket
        or ".-" in bucket
        or "-." in bucket
        or _IP_ADDRESS.fullmatch(bucket)
    ):
        raise InvalidObjectName(
            f"The specified bucket is not valid: {bucket!r}",
            bucket=str(bucket),
            code="InvalidBucketName",
        )
    return bucket


def check_key(key: str, bucket: str | None = None) -> str:
    """Return ``key`` if it is a usable object key.

    Keys may hold ``/`` (and be a prefix of other keys), but not a NUL, a backslash,
    a ``..`` segment, a leading ``/`` or drive letter, or over :data:`MAX_KEY_BYTES`.

    Raises:
        InvalidObjectName: the key is refused.
    """

    def refuse(why: str, code: str = "InvalidArgument") -> InvalidObjectName:
        return InvalidObjectName(f"Invalid key {key!r}: {why}", bucket=bucket, key=key, code=code)

    if not isinstance(key, str) or not key:
        raise refuse("a key cannot be empty")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise refuse("a key must be valid UTF-8") from None
    if size > MAX_KEY_BYTES:
        raise refuse(f"a key is at most {MAX_KEY_BYTES} bytes", "KeyTooLongError")
    if "\x00" in key or "\\" in key:
        raise refuse("a key cannot hold a NUL or a backslash")
    if key.startswith("/") or _DRIVE.match(key):
        raise refuse("a key cannot be an absolute path")
    if ".." in key.split("/"):
        raise refuse("a key cannot hold a '..' segment")
    return key


def _check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """User metadata with lowercase keys, checked as S3 checks it."""
    cleaned: dict[str, str] = {}
    for name, value in (metadata or {}).items():
        if not _HEADER_NAME.fullmatch(name) or not _HEADER_VALUE.fullmatch(value):
            raise InvalidArgument(f"User metadata must be ASCII header text: {name!r}")
        cleaned[name.lower()] = value
    if sum(len(k) + len(v) for k, v in cleaned.items()) > MAX_METADATA_BYTES:
        raise MetadataTooLarge(f"User metadata is over {MAX_METADATA_BYTES} bytes")
    return cleaned


def parse_uri(uri: str) -> tuple[str, str]:
    """Split ``s3://bucket/key`` into its bucket and key.

    Raises:
        InvalidArgument: ``uri`` is not an ``s3://`` URI naming a bucket and a key.
    """
    scheme, _, rest = uri.partition("://")
    bucket, _, key = rest.partition("/")
    if scheme != "s3" or not bucket or not key:
        raise InvalidArgument(f"Not an S3 object URI such as s3://bucket/key: {uri!r}")
    return bucket, key


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


def _prefix_end(prefix: str) -> str | None:
    """The least string greater than every string starting with ``prefix`` (``None``: none)."""
    stripped = prefix.rstrip("\U0010ffff")
    if not stripped:
        return None
    following = ord(stripped[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored; skip past them
        following = 0xE000
    return stripped[:-1] + chr(following)


def _now() -> datetime:
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
        data: bytes,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> ObjectInfo:
        """Store ``data`` at ``key``, replacing any object there."""
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
        self, bucket: str, key: str, upload_id: str, part_number: int, data: bytes
    ) -> str:
        """Store one part (numbered 1 to :data:`MAX_PARTS`); return its ETag."""
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


class _StoreHelpers:
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
        data: bytes,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> ObjectInfo:
        raise NotImplementedError

    def read_uri(self, uri: str) -> bytes:
        """The bytes of the object at ``s3://bucket/key``."""
        bucket, key = parse_uri(uri)
        return self.get(bucket, key)[0]

    def write_uri(self, uri: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        """Store ``data`` at ``s3://bucket/key``."""
        bucket, key = parse_uri(uri)
        return self.put(bucket, key, data, content_type=content_type)


# ----------------------------------------------------------------------------- folders

_INDEX = ".index.sqlite3"
_DATA = "data"
_TEMP = ".tmp"
_UPLOADS = ".uploads"
_TRASH = ".trash-"
_COLUMNS = "key, size, etag, modified, metadata, content_type, file"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    key TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    modified REAL NOT NULL,
    metadata TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bucket (created REAL NOT NULL);
"""


def _row_info(row: Sequence[Any]) -> ObjectInfo:
    return ObjectInfo(
        key=row[0],
        size=row[1],
        etag=row[2],
        last_modified=datetime.fromtimestamp(row[3], timezone.utc),
        metadata=json.loads(row[4]),
        content_type=row[5],
    )


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _read_chunks(handle: IO[bytes], remaining: int) -> Iterator[bytes]:
    while remaining > 0:
        chunk = handle.read(min(_CHUNK, remaining))
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk


class FolderObjectStore(_StoreHelpers):
    """Buckets as folders under ``root``, each with a SQLite index of its objects.

    Layout of a bucket ``<root>/<bucket>/``: ``.index.sqlite3`` (WAL mode) maps each
    key to its size, ETag, time, metadata, content type and data file;
    ``data/<h[:2]>/<h>-<n>`` holds the bytes, where ``h`` is the SHA-256 of the key and
    ``n`` is fresh for every write (so a replaced object's old bytes stay intact until
    the index points elsewhere); ``.tmp/`` holds writes in progress and ``.uploads/``
    multipart uploads in progress.

    Safe to share between threads. Several stores (or processes) may open one root:
    SQLite serialises their writes. Files a crash left behind (temporary files, data no
    index row names) are removed when a bucket is first opened, once older than
    ``sweep_age`` seconds, so that another process's write in flight is never taken.

    Args:
        root: the folder holding the buckets (created when missing).
        durable: sync files and folders to disk before a write is acknowledged;
            ``False`` is faster and still never exposes partial objects, but the last
            writes may be lost if the machine (not just the process) stops.
        sweep_age: how old a leftover file must be before it is removed.
    """

    def __init__(
        self, root: str | Path, *, durable: bool = True, sweep_age: float = 3600.0
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.durable = durable
        self.sweep_age = sweep_age
        self._lock = threading.RLock()
        self._conns: dict[str, sqlite3.Connection] = {}
        for trash in self.root.glob(_TRASH + "*"):
            shutil.rmtree(trash, ignore_errors=True)

    def close(self) -> None:
        """Close the index connections (the store reopens them when used again)."""
        with self._lock:
            for conn in self._conns.values():
                conn.close()
            self._conns.clear()

    # ------------------------------------------------------------------ buckets

    def _bucket_dir(self, bucket: str) -> Path:
        return self.root / check_bucket_name(bucket)

    def _conn(self, bucket: str, *, create: bool = False) -> sqlite3.Connection:
        """The bucket's index connection (caller holds the lock)."""
        folder = self._bucket_dir(bucket)
        index = folder / _INDEX
        conn = self._conns.get(bucket)
        if not index.exists() and not create:
            if conn is not None:  # deleted by another store on the same root
                conn.close()
                del self._conns[bucket]
            raise NoSuchBucket("The specified bucket does not exist", bucket=bucket)
        if conn is not None:
            return conn
        for name in (_DATA, _TEMP, _UPLOADS):
            (folder / name).mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(index, check_same_thread=False, isolation_level=None, timeout=30)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if self.durable else 'NORMAL'}")
            conn.executescript(_SCHEMA)
            with _transaction(conn):
                if conn.execute("SELECT count(*) FROM bucket").fetchone()[0] == 0:
                    conn.execute("INSERT INTO bucket VALUES (?)", (time.time(),))
            self._sweep(folder, conn)
        except BaseException:
            conn.close()
            raise
        self._conns[bucket] = conn
        return conn

    def _sweep(self, folder: Path, conn: sqlite3.Connection) -> None:
        """Remove old leftovers: temporary and unindexed files, abandoned uploads."""
        cutoff = time.time() - self.sweep_age
        named = {row[0] for row in conn.execute("SELECT file FROM objects")}
        data = folder / _DATA
        for path in (folder / _TEMP).iterdir():
            self._remove_if_older(path, cutoff)
        for group in data.iterdir():
            for path in group.iterdir():
                if f"{group.name}/{path.name}" not in named:
                    self._remove_if_older(path, cutoff)
        abandoned = time.time() - max(self.sweep_age, ABANDONED_UPLOAD_AGE)
        for upload in (folder / _UPLOADS).iterdir():
            with suppress(OSError):
                if upload.stat().st_mtime <= abandoned:
                    shutil.rmtree(upload)

    @staticmethod
    def _remove_if_older(path: Path, cutoff: float) -> None:
        with suppress(OSError):
            if path.stat().st_mtime <= cutoff:
                path.unlink()

    def create_bucket(self, bucket: str) -> None:
        """Create a bucket; creating one that exists does nothing."""
        with self._lock:
            self._conn(bucket, create=True)

    def bucket_exists(self, bucket: str) -> bool:
        """Whether the bucket exists."""
        return (self._bucket_dir(bucket) / _INDEX).exists()

    def delete_bucket(self, bucket: str) -> None:
        """Delete an empty bucket, with any multipart uploads left in it."""
        with self._lock:
            conn = self._conn(bucket)
            if conn.execute("SELECT 1 FROM objects LIMIT 1").fetchone() is not None:
                raise BucketNotEmpty("The bucket you tried to delete is not empty", bucket=bucket)
            conn.close()
            del self._conns[bucket]
            # One rename makes the bucket vanish at once; the rest is tidying up.
            trash = self.root / f"{_TRASH}{uuid.uuid4().hex}"
            os.replace(self._bucket_dir(bucket), trash)
            shutil.rmtree(trash, ignore_errors=True)

    def list_buckets(self) -> builtins.list[tuple[str, datetime]]:
        """Every bucket's name and creation time, by name."""
        found: builtins.list[tuple[str, datetime]] = []
        for folder in sorted(self.root.iterdir()):
            if not (folder / _INDEX).exists() or not _BUCKET_NAME.fullmatch(folder.name):
                continue
            with self._lock:
                try:
                    conn = self._conn(folder.name)
                except NoSuchBucket:
                    continue
                row = conn.execute("SELECT created FROM bucket").fetchone()
            found.append((folder.name, datetime.fromtimestamp(row[0], timezone.utc)))
        return found

    # ------------------------------------------------------------------ writing

    def _temp_file(self, bucket: str) -> Path:
        return self._bucket_dir(bucket) / _TEMP / f"{uuid.uuid4().hex}.tmp"

    def _conn_or_missing(self, bucket: str) -> sqlite3.Connection:
        """The bucket's index connection, taking the lock (:class:`NoSuchBucket` if none)."""
        with self._lock:
            return self._conn(bucket)

    def _write_temp(self, bucket: str, data: Iterable[bytes]) -> Path:
        """Write ``data`` to a new temporary file of the bucket, synced when durable."""
        path = self._temp_file(bucket)
        try:
            try:
                handle = path.open("xb")
            except FileNotFoundError:
                self._conn_or_missing(bucket)  # deleted meanwhile: say so
                raise
            with handle:
                for chunk in data:
                    handle.write(chunk)
                if self.durable:
                    handle.flush()
                    os.fsync(handle.fileno())
        except BaseException:
            self._discard(path)
            raise
        return path

    def _sync_folder(self, folder: Path) -> None:
        if not self.durable or os.name != "posix":
            return
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    @staticmethod
    def _discard(*paths: Path) -> None:
        """Remove files, ignoring those already gone (or, on Windows, still open)."""
        for path in paths:
            with suppress(OSError):
                path.unlink()

    def _index_put(self, conn: sqlite3.Connection, info: ObjectInfo, file: str) -> str | None:
        """Point the key's index row at ``file``; return the data file it named before."""
        with _transaction(conn):
            old = conn.execute("SELECT file FROM objects WHERE key = ?", (info.key,)).fetchone()
            conn.execute(
                f"INSERT OR REPLACE INTO objects ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    info.key,
                    info.size,
                    info.etag,
                    info.last_modified.timestamp(),
                    json.dumps(info.metadata, sort_keys=True),
                    info.content_type,
                    file,
                ),
            )
        return None if old is None else str(old[0])

    def _commit(self, bucket: str, temp: Path, info: ObjectInfo) -> ObjectInfo:
        """Move a complete temporary file into place, then index it (in that order)."""
        digest = hashlib.sha256(info.key.encode("utf-8")).hexdigest()
        file = f"{digest[:2]}/{digest}-{uuid.uuid4().hex[:12]}"
        final = self._bucket_dir(bucket) / _DATA / file
        indexed = False
        try:
            try:
                final.parent.mkdir(exist_ok=True)
                os.replace(temp, final)
            except FileNotFoundError:
                self._conn_or_missing(bucket)  # deleted meanwhile: say so
                raise
            self._sync_folder(final.parent)
            with self._lock:
                old = self._index_put(self._conn(bucket), info, file)
                indexed = True
        finally:
            if not indexed:
                self._discard(temp, final)
        if old is not None:
            self._discard(final.parent.parent / old)
        return info

    def put(
        self,
        bucket: str,
        key: str,
        data: bytes,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> ObjectInfo:
        """Store ``data`` at ``key``, replacing any object there."""
        check_key(key, bucket)
        info = ObjectInfo(
            key=key,
            size=len(data),
            etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            last_modified=_now(),
            metadata=_check_metadata(metadata),
            content_type=content_type or DEFAULT_CONTENT_TYPE,
        )
        self._conn_or_missing(bucket)
        return self._commit(bucket, self._write_temp(bucket, [data]), info)

    def delete(self, bucket: str, key: str) -> None:
        """Delete the object; a key with no object is not an error."""
        check_key(key, bucket)
        with self._lock:
            conn = self._conn(bucket)
            with _transaction(conn):
                row = conn.execute("SELECT file FROM objects WHERE key = ?", (key,)).fetchone()
                conn.execute("DELETE FROM objects WHERE key = ?", (key,))
        if row is not None:
            self._discard(self._bucket_dir(bucket) / _DATA / row[0])

    # ------------------------------------------------------------------ reading

    def _row(self, bucket: str, key: str) -> Sequence[Any]:
        check_key(key, bucket)
        conn = self._conn(bucket)
        row = conn.execute(f"SELECT {_COLUMNS} FROM objects WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise NoSuchKey("The specified key does not exist.", bucket=bucket, key=key)
        return tuple(row)

    def head(self, bucket: str, key: str) -> ObjectInfo:
        """The object's information (:class:`NoSuchKey` when there is none)."""
        with self._lock:
            return _row_info(self._row(bucket, key))

    def stream(
        self, bucket: str, key: str, *, byte_range: ByteRange | None = None
    ) -> tuple[Chunks, ObjectInfo]:
        """The object's bytes (or the range's) in chunks, and its information."""
        for attempt in itertools.count():
            # Opened under the lock, so a replacing write here cannot remove it first; a
            # write by another process can, and then the row names a newer file.
            with self._lock:
                row = self._row(bucket, key)
                info = _row_info(row)
                try:
                    handle = (self._bucket_dir(bucket) / _DATA / row[6]).open("rb")
                    break
                except FileNotFoundError:
                    if attempt == 2:
                        raise
        try:
            start, stop = (
                (0, info.size) if byte_range is None else resolve_range(byte_range, info.size)
            )
        except InvalidRange:
            handle.close()
            raise
        handle.seek(start)
        return Chunks(_read_chunks(handle, stop - start), handle.close), info

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
        if max_keys < 0:
            raise InvalidArgument("max_keys cannot be negative")
        end = _prefix_end(prefix)
        lower, inclusive = prefix, True
        if start_after is not None and start_after >= prefix:
            lower, inclusive = start_after, False
        objects: builtins.list[ObjectInfo] = []
        prefixes: builtins.list[str] = []

        def page(truncated: bool) -> Listing:
            return Listing(tuple(objects), tuple(prefixes), truncated)

        while True:
            wanted = max_keys - len(objects) - len(prefixes) + 1  # one more: is there a next?
            sql = f"SELECT {_COLUMNS} FROM objects WHERE key {'>=' if inclusive else '>'} ?"
            params: builtins.list[Any] = [lower]
            if end is not None:
                sql += " AND key < ?"
                params.append(end)
            with self._lock:
                rows = (
                    self._conn(bucket)
                    .execute(sql + " ORDER BY key LIMIT ?", [*params, wanted])
                    .fetchall()
                )
            for row in rows:
                key: str = row[0]
                cut = key.find(delimiter, len(prefix)) if delimiter else -1
                if cut >= 0 and delimiter:
                    common = key[: cut + len(delimiter)]
                    skipped = start_after is not None and common <= start_after
                    if not skipped:
                        if len(objects) + len(prefixes) == max_keys:
                            return page(True)
                        prefixes.append(common)
                    following = _prefix_end(common)  # jump past everything under it
                    if following is None:
                        return page(False)
                    lower, inclusive = following, True
                    break
                if len(objects) + len(prefixes) == max_keys:
                    return page(True)
                objects.append(_row_info(row))
                lower, inclusive = key, False
            else:
                if len(rows) < wanted:
                    return page(False)

    # ------------------------------------------------------------------ multipart

    def _upload_dir(self, bucket: str, key: str, upload_id: str) -> tuple[Path, dict[str, Any]]:
        """The upload's folder and its description, checked against ``key``."""
        check_key(key, bucket)
        self._conn_or_missing(bucket)
        missing = NoSuchUpload("The specified upload does not exist.", bucket=bucket, key=key)
        if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
            raise missing
        folder = self._bucket_dir(bucket) / _UPLOADS / upload_id
        try:
            described: dict[str, Any] = json.loads((folder / "upload.json").read_text("utf-8"))
        except (OSError, ValueError):
            raise missing from None
        if described.get("key") != key:
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
            "metadata": _check_metadata(metadata),
            "content_type": content_type or DEFAULT_CONTENT_TYPE,
            "initiated": time.time(),
        }
        self._conn_or_missing(bucket)
        upload_id = uuid.uuid4().hex
        folder = self._bucket_dir(bucket) / _UPLOADS / upload_id
        temp = self._write_temp(bucket, [json.dumps(described).encode("utf-8")])
        try:
            folder.mkdir()
            os.replace(temp, folder / "upload.json")
        finally:
            self._discard(temp)
        return upload_id

    def upload_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, data: bytes
    ) -> str:
        """Store one part (numbered 1 to :data:`MAX_PARTS`); return its ETag."""
        folder, _ = self._upload_dir(bucket, key, upload_id)
        if not 1 <= part_number <= MAX_PARTS:
            raise InvalidArgument(
                f"Part number must be an integer between 1 and {MAX_PARTS}, inclusive",
                bucket=bucket,
                key=key,
            )
        temp = self._write_temp(bucket, [data])
        try:
            os.replace(temp, folder / f"{part_number:05d}.part")
        except FileNotFoundError:  # aborted meanwhile
            raise NoSuchUpload(
                "The specified upload does not exist.", bucket=bucket, key=key
            ) from None
        finally:
            self._discard(temp)
        return hashlib.md5(data, usedforsecurity=False).hexdigest()

    def complete_multipart(
        self, bucket: str, key: str, upload_id: str, parts: Sequence[tuple[int, str]]
    ) -> ObjectInfo:
        """Join the listed ``(part number, ETag)`` parts, in order, into the object."""
        folder, described = self._upload_dir(bucket, key, upload_id)
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
                    for chunk in iter(functools.partial(handle.read, _CHUNK), b""):
                        digest.update(chunk)
                        size += len(chunk)
                        yield chunk
                if digest.hexdigest() != etag.strip('"').lower():
                    raise InvalidPart(
                        f"Part {number} does not have the ETag {etag}", bucket=bucket, key=key
                    )
                digests.append(digest.digest())

        temp = self._write_temp(bucket, joined())
        etag = hashlib.md5(b"".join(digests), usedforsecurity=False).hexdigest()
        info = ObjectInfo(
            key=key,
            size=size,
            etag=f"{etag}-{len(parts)}",
            last_modified=_now(),
            metadata=dict(described["metadata"]),
            content_type=str(described["content_type"]),
        )
        self._commit(bucket, temp, info)
        shutil.rmtree(folder, ignore_errors=True)
        return info

    def abort_multipart(self, bucket: str, key: str, upload_id: str) -> None:
        """Drop a multipart upload and its parts."""
        folder, _ = self._upload_dir(bucket, key, upload_id)
        shutil.rmtree(folder, ignore_errors=True)


# ----------------------------------------------------------------------------- S3

_ERRORS: dict[str, type[ObjectStoreError]] = {
    cls.code: cls
    for cls in (
        NoSuchBucket,
        NoSuchKey,
        NoSuchUpload,
        BucketNotEmpty,
        MetadataTooLarge,
        InvalidRange,
        BadDigest,
        EntityTooLarge,
        EntityTooSmall,
        InvalidPart,
        InvalidPartOrder,
    )
}
_NAME_ERRORS = ("InvalidBucketName", "KeyTooLongError", "InvalidArgument")


class S3ObjectStore(_StoreHelpers):
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
            if code in _ERRORS:
                raise _ERRORS[code](message, bucket=bucket, key=key) from error
            if code in _NAME_ERRORS:
                raise InvalidObjectName(message, bucket=bucket, key=key, code=code) from error
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
        data: bytes,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> ObjectInfo:
        """Store ``data`` at ``key``, replacing any object there."""
        import base64

        check_bucket_name(bucket)
        check_key(key, bucket)
        cleaned = _check_metadata(metadata)
        digest = hashlib.md5(data, usedforsecurity=False)
        with self._mapped(bucket, key):
            response = self.client.put_object(
                Bucket=bucket,
                Key=key,
                Body=data,
                ContentMD5=base64.b64encode(digest.digest()).decode("ascii"),
                ContentType=content_type or DEFAULT_CONTENT_TYPE,
                Metadata=cleaned,
            )
        return ObjectInfo(
            key=key,
            size=len(data),
            etag=str(response.get("ETag", digest.hexdigest())).strip('"'),
            last_modified=_now(),
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
        return Chunks(iter(body.iter_chunks(_CHUNK)), body.close), self._info(key, response)

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
                Metadata=_check_metadata(metadata),
                ContentType=content_type or DEFAULT_CONTENT_TYPE,
            )
        return str(response["UploadId"])

    def upload_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, data: bytes
    ) -> str:
        """Store one part (numbered 1 to :data:`MAX_PARTS`); return its ETag."""
        check_bucket_name(bucket)
        check_key(key, bucket)
        with self._mapped(bucket, key):
            response = self.client.upload_part(
                Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=part_number, Body=data
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
