"""The S3 side of datasets: reading a layout under a prefix, uploads, downloads.

Every function takes a boto3 S3 client (``boto3.client("s3")``); none builds one, so
the caller chooses the credentials, region and endpoint. One client serves many
threads: :func:`upload_files` shares it between its workers. A client holds at most
10 connections unless built with ``Config(max_pool_connections=...)``, which also caps
how many uploads really run at once.

:func:`upload_files` can be run again after an interruption: it lists what is already
there and skips every file whose bytes S3 already holds. For a file sent in one
request the ETag is the MD5 of its bytes; for one sent in parts it is not, so each
upload also stores the SHA-256 of the bytes as ``sha256`` user metadata, which is read
back with a ``HeadObject`` when the ETag cannot tell.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import mimetypes
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import attrs
from botocore.exceptions import ClientError

from lookout_sdk._boundary import checked
from lookout_sdk.datasets.layout import COLOR_MAP_FILE, DatasetLayout, layout_from_keys
from lookout_sdk.errors import InvalidInputError, MissingExtraError, Problem
from lookout_sdk.records.common import S3Location, S3Object
from lookout_sdk.runtime.batch import DEFAULT_WORKERS

__all__ = [
    "PUT_LIMIT",
    "RemoteObject",
    "S3Client",
    "UploadItem",
    "UploadReport",
    "download_file",
    "list_objects",
    "read_object",
    "s3_uri",
    "scan_s3",
    "upload_files",
]

_log = logging.getLogger("lookout_sdk.datasets")

#: A boto3 S3 client. The installed stubs carry no S3 types, so it is ``Any`` here.
S3Client = Any

#: Files up to this size go in one ``PutObject``; larger ones in parts.
PUT_LIMIT = 8 * 1024 * 1024
_SHA256_METADATA = "sha256"
_CHUNK = 1024 * 1024
# Where a layout keeps colour maps: the root, or each of train/ and test/.
_GROUP_PREFIXES = ("", "train/", "test/")


# ----------------------------------------------------------------------------- URIs


def s3_uri(bucket: str, key: str) -> str:
    """The ``s3://bucket/key`` URI of an object (or of a prefix)."""
    return S3Location(bucket, key).uri


# ----------------------------------------------------------------------------- reading


@attrs.frozen
class RemoteObject:
    """One object of a listing: its key, its size in bytes and its ETag (no quotes)."""

    key: str
    size: int
    etag: str

    @property
    def multipart(self) -> bool:
        """Whether the object was sent in parts, so its ETag is not the MD5 of its bytes."""
        return "-" in self.etag


def list_objects(s3: S3Client, bucket: str, prefix: str = "") -> dict[str, RemoteObject]:
    """Every object of ``bucket`` whose key starts with ``prefix``, by key (all pages)."""
    found: dict[str, RemoteObject] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", ()):
            key = str(item["Key"])
            found[key] = RemoteObject(key, int(item["Size"]), str(item["ETag"]).strip('"'))
    return found


def read_object(s3: S3Client, uri: str) -> bytes:
    """The bytes of the object at ``uri``."""
    location = S3Object.from_uri(uri)
    body = s3.get_object(Bucket=location.bucket, Key=location.key)["Body"]
    try:
        return bytes(body.read())
    finally:
        body.close()


@checked
def scan_s3(s3: S3Client, uri: str) -> DatasetLayout:
    """Read the layout under an S3 prefix, as :func:`~.layout.scan_folder` reads a folder.

    ``uri`` names the prefix that plays the folder (``s3://bucket/my-parts``); keys are
    taken relative to it, and a ``/`` is added when it does not end with one. A listing
    that S3 refuses, and a colour map that cannot be read, are reported as problems.
    """
    location = S3Location.from_uri(uri)
    bucket, key = location.bucket, location.prefix or ""
    prefix = key if not key or key.endswith("/") else key + "/"
    root = s3_uri(bucket, prefix.rstrip("/")).rstrip("/")
    try:
        objects = list_objects(s3, bucket, prefix)
    except ClientError as error:
        return DatasetLayout(root, (), (), (Problem(root, f"cannot be listed ({error})"),))
    listing = {
        name[len(prefix) :]: s3_uri(bucket, name)
        for name in objects
        if not name.endswith("/") and name != prefix
    }
    texts, problems = _read_color_maps(s3, listing)
    # A colour map that cannot be read is left out, so the layout reads as if it had none.
    maps = {group + COLOR_MAP_FILE for group in _GROUP_PREFIXES}
    readable = {rel: where for rel, where in listing.items() if rel not in maps or where in texts}
    layout = layout_from_keys(root, readable, texts.__getitem__)
    return attrs.evolve(layout, problems=(*problems, *layout.problems)) if problems else layout


def _read_color_maps(
    s3: S3Client, listing: Mapping[str, str]
) -> tuple[dict[str, str], list[Problem]]:
    """Fetch the colour maps a layout may use, by location; failures become problems."""
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    for group in _GROUP_PREFIXES:
        location = listing.get(group + COLOR_MAP_FILE)
        if location is None:
            continue
        try:
            texts[location] = read_object(s3, location).decode("utf-8")
        except (ClientError, UnicodeDecodeError) as error:
            problems.append(Problem(location, f"cannot be read ({error})"))
    return texts, problems


def download_file(s3: S3Client, uri: str, path: str | Path) -> Path:
    """Save the object at ``uri`` to ``path`` (folders are made; a partial file never stays)."""
    location = S3Object.from_uri(uri)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    body = s3.get_object(Bucket=location.bucket, Key=location.key)["Body"]
    try:
        with partial.open("wb") as handle:
            for chunk in body.iter_chunks(_CHUNK):
                handle.write(chunk)
        os.replace(partial, target)
    finally:
        body.close()
        partial.unlink(missing_ok=True)
    _log.debug("downloaded %s to %s", uri, target)
    return target


# ----------------------------------------------------------------------------- uploads


def _path(value: str | os.PathLike[str]) -> Path:
    return Path(value)


@checked
@attrs.frozen
class UploadItem:
    """One file to upload: the local ``path`` and where it goes (``bucket``, ``key``)."""

    path: Path = attrs.field(converter=_path)
    bucket: str
    key: str

    @property
    def uri(self) -> str:
        """The destination as an ``s3://`` URI."""
        return s3_uri(self.bucket, self.key)


@attrs.frozen
class UploadReport:
    """What :func:`upload_files` did, by destination URI, in the order files were given.

    ``failed`` pairs each URI with the error's text.
    """

    uploaded: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every file is now in S3 (uploaded or already there)."""
        return not self.failed

    def __str__(self) -> str:
        return (
            f"{len(self.uploaded)} uploaded, {len(self.skipped)} skipped "
            f"(already in S3), {len(self.failed)} failed"
        )


class _Bar(Protocol):
    def update(self, n: float | None = ...) -> bool | None: ...


@checked
def upload_files(
    s3: S3Client,
    files: Sequence[UploadItem],
    *,
    workers: int = DEFAULT_WORKERS,
    progress: bool | None = None,
) -> UploadReport:
    """Upload files concurrently, skipping those S3 already holds with the same bytes.

    A file is skipped when an object at its key has its size and its MD5 (or, for an
    object sent in parts, the ``sha256`` metadata every upload writes). Before uploading,
    each bucket is listed once, under the longest prefix its keys share. A file that
    fails is reported in :attr:`UploadReport.failed` and does not stop the others.

    Args:
        s3: a boto3 S3 client, shared by the workers.
        files: what to upload; each destination at most once.
        workers: how many files are in flight at once.
        progress: show a progress bar on standard error; ``None`` shows it only when
            standard error is a terminal. Needs ``tqdm`` (the ``datasets`` extra).

    Raises:
        InvalidInputError: ``workers`` is below 1, or a destination is named twice.
    """
    _check_upload_input(files, workers)
    started = time.monotonic()
    with _progress_bar(len(files), progress) as bar:
        existing = _existing_objects(s3, files)

        def run(item: UploadItem) -> tuple[str, str | None]:
            outcome = _upload_one(s3, item, existing.get((item.bucket, item.key)))
            bar.update(1)
            return outcome

        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            outcomes = list(pool.map(run, files))
        finally:
            # On Ctrl-C, files not yet started are dropped; the next run picks them up.
            pool.shutdown(cancel_futures=True)
    done: dict[str, list[str]] = {"uploaded": [], "skipped": []}
    failed: list[tuple[str, str]] = []
    for item, (kind, error) in zip(files, outcomes, strict=True):
        if error is None:
            done[kind].append(item.uri)
        else:
            failed.append((item.uri, error))
    report = UploadReport(tuple(done["uploaded"]), tuple(done["skipped"]), tuple(failed))
    _log.info("upload: %s in %.1f s", report, time.monotonic() - started)
    return report


def _check_upload_input(files: Sequence[UploadItem], workers: int) -> None:
    problems: list[Problem] = []
    if workers < 1:
        problems.append(Problem("workers", f"must be at least 1, not {workers}"))
    seen: set[str] = set()
    for index, item in enumerate(files):
        if item.uri in seen:
            problems.append(Problem(f"files[{index}]", f"names {item.uri} a second time"))
        seen.add(item.uri)
    if problems:
        raise InvalidInputError("upload_files", problems)


def _existing_objects(
    s3: S3Client, files: Sequence[UploadItem]
) -> dict[tuple[str, str], RemoteObject]:
    """What S3 already holds at the destinations: one listing per bucket."""
    keys_by_bucket: dict[str, list[str]] = {}
    for item in files:
        keys_by_bucket.setdefault(item.bucket, []).append(item.key)
    existing: dict[tuple[str, str], RemoteObject] = {}
    for bucket, keys in keys_by_bucket.items():
        prefix = _common_prefix(keys)
        try:
            objects = list_objects(s3, bucket, prefix)
        except ClientError as error:
            # Uploads may still be allowed (a write-only role); each file reports its own error.
            _log.debug("cannot list s3://%s/%s, so nothing is skipped: %s", bucket, prefix, error)
            continue
        wanted = set(keys)
        existing.update({(bucket, key): obj for key, obj in objects.items() if key in wanted})
    return existing


def _common_prefix(keys: Sequence[str]) -> str:
    """The longest text every key starts with (not cut at a ``/``: S3 prefixes need not be)."""
    first, last = min(keys), max(keys)
    size = next(
        (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b),
        min(len(first), len(last)),
    )
    return first[:size]


def _upload_one(
    s3: S3Client, item: UploadItem, remote: RemoteObject | None
) -> tuple[str, str | None]:
    """Upload one file unless ``remote`` already has its bytes: (outcome, error text)."""
    try:
        if remote is not None and _same_bytes(s3, item, remote):
            _log.debug("skipped %s: S3 already has %s", item.path, item.uri)
            return "skipped", None
        _send(s3, item)
    except Exception as error:  # one file's failure is reported, never raised
        _log.debug("failed to upload %s to %s: %s", item.path, item.uri, error, exc_info=True)
        return "failed", str(error) or type(error).__name__
    _log.debug("uploaded %s to %s", item.path, item.uri)
    return "uploaded", None


def _same_bytes(s3: S3Client, item: UploadItem, remote: RemoteObject) -> bool:
    if item.path.stat().st_size != remote.size:
        return False
    if not remote.multipart:
        return _file_digest(item.path, "md5") == remote.etag.lower()
    head = s3.head_object(Bucket=item.bucket, Key=item.key)
    stored = head.get("Metadata", {}).get(_SHA256_METADATA)
    return stored is not None and stored == _file_digest(item.path, "sha256")


def _file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm, usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _send(s3: S3Client, item: UploadItem) -> None:
    """One ``PutObject`` for a file up to :data:`PUT_LIMIT`; a managed upload in parts above."""
    content_type = mimetypes.guess_type(item.path.name)[0] or "application/octet-stream"
    if item.path.stat().st_size > PUT_LIMIT:
        metadata = {_SHA256_METADATA: _file_digest(item.path, "sha256")}
        extra = {"Metadata": metadata, "ContentType": content_type}
        s3.upload_file(str(item.path), item.bucket, item.key, ExtraArgs=extra)
        return
    data = item.path.read_bytes()
    s3.put_object(
        Bucket=item.bucket,
        Key=item.key,
        Body=data,
        ContentMD5=base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode(),
        ContentType=content_type,
        Metadata={_SHA256_METADATA: hashlib.sha256(data).hexdigest()},
    )


@contextmanager
def _progress_bar(total: int, progress: bool | None) -> Iterator[_Bar]:
    """A tqdm bar on standard error, or one that shows nothing."""
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        yield _NoBar()
        return
    try:
        from tqdm.auto import tqdm
    except ImportError as error:
        if progress:
            raise MissingExtraError("datasets", str(error), feature="progress=True") from None
        yield _NoBar()
        return
    with tqdm(total=total, unit="file", desc="Uploading", file=sys.stderr) as bar:
        yield bar


class _NoBar:
    def update(self, n: float | None = 1) -> None:
        """Show nothing."""
