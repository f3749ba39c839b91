"""Buckets as folders on disk, indexed by SQLite (the embedded default)."""

from __future__ import annotations

import builtins
import hashlib
import itertools
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from lookout_sdk.local.objects.base import (
    ABANDONED_UPLOAD_AGE,
    CHUNK_SIZE,
    DEFAULT_CONTENT_TYPE,
    Body,
    ByteRange,
    Chunks,
    Listing,
    Measured,
    ObjectInfo,
    StoreHelpers,
    disk_space,
    prefix_end,
    resolve_range,
    utc_now,
)
from lookout_sdk.local.objects.errors import (
    BucketNotEmpty,
    InsufficientStorage,
    InvalidArgument,
    InvalidRange,
    NoSuchBucket,
    NoSuchKey,
)
from lookout_sdk.local.objects.names import (
    BUCKET_NAME,
    check_bucket_name,
    check_key,
    check_metadata,
)
from lookout_sdk.local.objects.uploads import UPLOADS, FolderUploads
from lookout_sdk.local.store.space import DiskReserve

__all__ = [
    "FolderObjectStore",
]

# ----------------------------------------------------------------------------- folders

_INDEX = ".index.sqlite3"
_DATA = "data"
_TEMP = ".tmp"
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
        chunk = handle.read(min(CHUNK_SIZE, remaining))
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk


class FolderObjectStore(FolderUploads, StoreHelpers):
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
        reserve: the backend's disk reserve, when the store shares its disk: writes
            then follow the Lookout store's rules on a full disk (refused while the
            reserve is spent; deletes may spend it).
    """

    def __init__(
        self,
        root: str | Path,
        *,
        durable: bool = True,
        sweep_age: float = 3600.0,
        reserve: DiskReserve | None = None,
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.durable = durable
        self.sweep_age = sweep_age
        self.reserve = reserve
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
        for name in (_DATA, _TEMP, UPLOADS):
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
        for upload in (folder / UPLOADS).iterdir():
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
        with self._lock, disk_space(bucket, reserve=self.reserve):
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
            if not (folder / _INDEX).exists() or not BUCKET_NAME.fullmatch(folder.name):
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
        data: Body,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> ObjectInfo:
        """Store ``data`` (bytes, or chunks written as they come) at ``key``.

        An iterator of chunks that raises stores nothing. On a full disk,
        :class:`InsufficientStorage`.
        """
        check_key(key, bucket)
        cleaned = check_metadata(metadata)
        self._conn_or_missing(bucket)
        measured = Measured(data)
        with disk_space(bucket, key, reserve=self.reserve):
            temp = self._write_temp(bucket, measured)
            info = ObjectInfo(
                key=key,
                size=measured.size,
                etag=measured.etag,
                last_modified=utc_now(),
                metadata=cleaned,
                content_type=content_type or DEFAULT_CONTENT_TYPE,
            )
            return self._commit(bucket, temp, info)

    def delete(self, bucket: str, key: str) -> None:
        """Delete the object; a key with no object is not an error.

        On a full disk it may spend the backend's disk reserve; where the index still
        cannot commit, the object's bytes are removed first and the commit tried again
        in the room they leave.
        """
        check_key(key, bucket)
        try:
            with disk_space(bucket, key, reserve=self.reserve, essential=True):
                file = self._unindex(bucket, key)
        except InsufficientStorage:
            with self._lock:
                row = (
                    self._conn(bucket)
                    .execute("SELECT file FROM objects WHERE key = ?", (key,))
                    .fetchone()
                )
            if row is None:
                return
            self._discard(self._bucket_dir(bucket) / _DATA / row[0])
            with disk_space(bucket, key, reserve=self.reserve, essential=True):
                file = self._unindex(bucket, key)
        if file is not None:
            self._discard(self._bucket_dir(bucket) / _DATA / file)

    def _unindex(self, bucket: str, key: str) -> str | None:
        """Remove the key's index row; return the data file it named."""
        with self._lock:
            conn = self._conn(bucket)
            with _transaction(conn):
                row = conn.execute("SELECT file FROM objects WHERE key = ?", (key,)).fetchone()
                conn.execute("DELETE FROM objects WHERE key = ?", (key,))
        return None if row is None else str(row[0])

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
                    if attempt == 2:  # a delete on a full disk removed the bytes first
                        raise NoSuchKey(
                            "The specified key does not exist.", bucket=bucket, key=key
                        ) from None
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
        end = prefix_end(prefix)
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
                    following = prefix_end(common)  # jump past everything under it
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
