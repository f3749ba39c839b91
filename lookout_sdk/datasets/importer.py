"""From a folder of images, or an S3 prefix, to datasets of a project.

The steps, in order, each stopping the import if it finds a problem:

1. read the layout (:mod:`lookout_sdk.datasets.layout`) and, when asked, split a
   single dataset into train and test, stratified by label, with a seed;
2. preflight every image and mask (:mod:`lookout_sdk.datasets.checks`): nothing is
   uploaded or created when it fails;
3. build and validate the manifest entries;
4. upload the images and masks concurrently, skipping those already in S3
   (folders only; an S3 prefix is used where it is);
5. write each manifest next to the images and create the dataset from it, or, when the
   dataset already exists, add the entries with UpdateDatasetEntries in chunks;
6. wait for every dataset with the core poller.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from lookout_sdk._boundary import checked
from lookout_sdk.datasets.layout import DatasetLayout, LabeledImage, scan_folder
from lookout_sdk.errors import InvalidInputError, LookoutError
from lookout_sdk.manifests.entry import ManifestEntry, dump_manifest
from lookout_sdk.manifests.validate import validate_manifest
from lookout_sdk.records.common import S3Location, S3Object
from lookout_sdk.records.enums import AnomalyClass, DatasetType
from lookout_sdk.runtime.batch import DEFAULT_WORKERS
from lookout_sdk.runtime.timeouts import DEFAULT_TIMEOUT, Timeout

if TYPE_CHECKING:
    from lookout_sdk.api.minimums import Minimums
    from lookout_sdk.datasets.checks import PreflightReport
    from lookout_sdk.datasets.s3 import UploadReport
    from lookout_sdk.records.dataset import DatasetDescription
    from lookout_sdk.resources.project import Project

__all__ = ["ImportResult", "UploadFailedError", "import_folder", "import_s3", "split_layout"]

_log = logging.getLogger("lookout_sdk.datasets")


@attrs.frozen
class ImportResult:
    """What an import did: the checks, the upload, the manifests and the datasets."""

    preflight: PreflightReport
    datasets: dict[DatasetType, DatasetDescription]
    manifests: dict[DatasetType, str]
    upload: UploadReport | None = None


class UploadFailedError(LookoutError):
    """Some files could not be uploaded; no dataset was created or changed.

    ``report`` lists the uploaded, skipped and failed files; running the import again
    uploads only what is missing.
    """

    def __init__(self, message: str, *, report: UploadReport) -> None:
        self.report = report
        super().__init__(message)


@checked
def split_layout(layout: DatasetLayout, test_fraction: float, seed: int = 0) -> DatasetLayout:
    """Split a single-dataset layout into train and test, keeping each label's share.

    Within each label, images are shuffled with ``seed`` and ``test_fraction`` of them
    (rounded, at least one when the label has two or more) go to test.
    """
    if layout.separate:
        raise InvalidInputError.of("layout", "already has separate train/ and test/ datasets")
    if not 0 < test_fraction < 1:
        raise InvalidInputError.of(
            "test_fraction", f"must be between 0 and 1 (both excluded), not {test_fraction}"
        )
    rng = random.Random(seed)
    images: list[LabeledImage] = []
    for label in (AnomalyClass.NORMAL, AnomalyClass.ANOMALY):
        group = sorted((i for i in layout.images if i.label is label), key=lambda i: i.relative)
        rng.shuffle(group)
        count = round(len(group) * test_fraction)
        count = max(count, 1) if len(group) >= 2 else count
        for position, image in enumerate(group):
            kind = DatasetType.TEST if position < count else DatasetType.TRAIN
            images.append(attrs.evolve(image, dataset_type=kind))
    images.sort(key=lambda i: i.relative)
    return attrs.evolve(layout, images=tuple(images))


def _entries(
    layout: DatasetLayout,
    dataset_type: DatasetType | None,
    where: Callable[[str], str],
) -> list[ManifestEntry]:
    entries = []
    for image in layout.of(dataset_type):
        source = where(image.relative) if image.relative else image.location
        if layout.segmentation and (image.mask or image.label is AnomalyClass.ANOMALY):
            entries.append(
                ManifestEntry.segmentation(
                    source,
                    image.label,
                    mask_ref=where(image.mask_relative or ""),
                    color_map=layout.color_map,
                )
            )
        else:
            entries.append(ManifestEntry.classification(source, image.label))
    return entries


def _dataset_types(layout: DatasetLayout) -> list[DatasetType | None]:
    if not layout.separate:
        return [None]
    return [t for t in (DatasetType.TRAIN, DatasetType.TEST) if layout.of(t)]


def _create_or_update(
    project: Project,
    dataset_type: DatasetType,
    manifest_uri: str,
    entries: Sequence[ManifestEntry],
    timeout: Timeout,
) -> DatasetDescription:
    dataset = project.dataset(dataset_type)
    if dataset.exists():
        _log.info("adding %d entries to the existing %s dataset", len(entries), dataset_type)
        result = dataset.apply_entries(entries, timeout=timeout)
        return result.dataset or dataset.describe()
    _log.info("creating the %s dataset from %s", dataset_type, manifest_uri)
    return project.create_dataset(dataset_type, manifest=manifest_uri).result(timeout)


def _finish(
    project: Project,
    layout: DatasetLayout,
    report: PreflightReport,
    *,
    s3: Any,
    where: Callable[[str], str],
    manifest_prefix: str,
    timeout: Timeout,
    upload: UploadReport | None,
) -> ImportResult:
    datasets: dict[DatasetType, DatasetDescription] = {}
    manifests: dict[DatasetType, str] = {}
    for group in _dataset_types(layout):
        dataset_type = group or DatasetType.TRAIN
        entries = _entries(layout, group, where)
        validate_manifest(entries).raise_for_problems()
        uri = f"{manifest_prefix}{dataset_type.value}.manifest"
        target = S3Object.from_uri(uri, parameter="manifest_destination")
        s3.put_object(
            Bucket=target.bucket, Key=target.key, Body=dump_manifest(entries).encode("utf-8")
        )
        manifests[dataset_type] = uri
        datasets[dataset_type] = _create_or_update(project, dataset_type, uri, entries, timeout)
    return ImportResult(preflight=report, datasets=datasets, manifests=manifests, upload=upload)


def _checked(
    layout: DatasetLayout,
    split: float | None,
    seed: int,
    minimums: Minimums | None,
    read: Callable[[str], bytes] | None,
) -> tuple[DatasetLayout, PreflightReport]:
    from lookout_sdk.api.minimums import Minimums
    from lookout_sdk.datasets.checks import preflight

    if split is not None:
        layout = split_layout(layout, split, seed)
    report = preflight(layout, read=read, minimums=minimums or Minimums())
    report.raise_for_problems()
    return layout, report


@checked
def import_folder(
    project: Project,
    folder: str | Path,
    destination: str,
    *,
    split: float | None = None,
    seed: int = 0,
    minimums: Minimums | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: bool | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> ImportResult:
    """Check, upload and import a local dataset folder into ``project``.

    ``destination`` is an ``s3://bucket/prefix/`` under which the folder's files keep
    their relative paths; the manifests go to ``<prefix>manifests/``. ``split`` moves
    that fraction of a single dataset into a test dataset (stratified, ``seed``).
    ``workers`` files are uploaded at a time. ``timeout`` bounds each wait for a dataset
    import or update: omitted, the operation's default; ``None``, no limit; or seconds.

    Raises:
        PreflightError: an image, mask or count is wrong; nothing was uploaded.
        UploadFailedError: some uploads failed; no dataset was created or changed.
    """
    from lookout_sdk.datasets.s3 import UploadItem, upload_files

    location = S3Location.from_uri(destination.rstrip("/") + "/", parameter="destination")
    bucket, prefix = location.bucket, location.prefix or ""
    layout, report = _checked(scan_folder(folder), split, seed, minimums, read=None)
    s3 = project.service.s3_client()
    items = [
        UploadItem(path=location, bucket=bucket, key=prefix + relative)
        for image in layout.images
        for location, relative in (
            (image.location, image.relative),
            (image.mask, image.mask_relative),
        )
        if location and relative
    ]
    upload = upload_files(s3, items, workers=workers, progress=progress)
    if not upload.ok:
        raise UploadFailedError(
            f"{len(upload.failed)} of {len(items)} files could not be uploaded; "
            f"first: {upload.failed[0][0]}: {upload.failed[0][1]}",
            report=upload,
        )
    return _finish(
        project,
        layout,
        report,
        s3=s3,
        where=lambda relative: f"s3://{bucket}/{prefix}{relative}",
        manifest_prefix=f"s3://{bucket}/{prefix}manifests/",
        timeout=timeout,
        upload=upload,
    )


@checked
def import_s3(
    project: Project,
    source: str,
    *,
    manifest_destination: str | None = None,
    split: float | None = None,
    seed: int = 0,
    minimums: Minimums | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> ImportResult:
    """Check and import a dataset laid out under an S3 prefix, where it is.

    Every page of the listing is read; the preflight downloads each image and mask
    once. The manifests go to ``manifest_destination`` (an ``s3://`` prefix), by
    default ``<source>/manifests/``. ``timeout`` as for :func:`import_folder`.

    Raises:
        PreflightError: an image, mask or count is wrong; no dataset was created.
    """
    from lookout_sdk.datasets.s3 import read_object, scan_s3

    source = source.rstrip("/") + "/"
    location = S3Location.from_uri(source, parameter="source")
    bucket, prefix = location.bucket, location.prefix or ""
    s3 = project.service.s3_client()
    layout, report = _checked(
        scan_s3(s3, source), split, seed, minimums, read=lambda uri: read_object(s3, uri)
    )
    return _finish(
        project,
        layout,
        report,
        s3=s3,
        where=lambda relative: f"s3://{bucket}/{prefix}{relative}",
        manifest_prefix=(manifest_destination or f"{source}manifests/").rstrip("/") + "/",
        timeout=timeout,
        upload=None,
    )
