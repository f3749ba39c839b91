"""Looking at a dataset: its statistics, and a copy of it in a local folder."""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from lookout_sdk._boundary import checked
from lookout_sdk.errors import InvalidInputError
from lookout_sdk.manifests.entry import ManifestEntry, write_manifest
from lookout_sdk.records.common import S3Location, S3Object
from lookout_sdk.runtime.batch import DEFAULT_WORKERS, check_workers

if TYPE_CHECKING:
    from lookout_sdk.resources.dataset import Dataset

__all__ = ["DatasetStatistics", "ExportResult", "dataset_statistics", "export_dataset"]


@attrs.frozen
class DatasetStatistics:
    """Counts over a dataset's entries.

    ``per_class`` counts the anomaly entries whose colour map names each class (for
    segmentation datasets); ``buckets`` are the S3 buckets the images live in.
    """

    total: int
    labeled: int
    normal: int
    anomaly: int
    segmentation: bool
    per_class: tuple[tuple[str, int], ...] = ()
    buckets: tuple[str, ...] = ()

    def class_count(self, name: str) -> int:
        """How many anomaly entries name class ``name`` (any case)."""
        return sum(count for key, count in self.per_class if key.lower() == name.lower())


@checked
def dataset_statistics(entries: Iterable[ManifestEntry]) -> DatasetStatistics:
    """Count labels, classes and buckets over ``entries``."""
    labels: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    buckets: set[str] = set()
    total = 0
    segmentation = False
    for entry in entries:
        total += 1
        label = entry.label
        if label is not None:
            labels[label.value] += 1
        segmentation = segmentation or entry.is_segmentation
        if entry.is_anomaly:
            classes.update(entry.anomaly_class_names)
        with contextlib.suppress(InvalidInputError):  # not an S3 image: no bucket
            buckets.add(S3Location.from_uri(entry.source_ref or "").bucket)
    return DatasetStatistics(
        total=total,
        labeled=labels["normal"] + labels["anomaly"],
        normal=labels["normal"],
        anomaly=labels["anomaly"],
        segmentation=segmentation,
        per_class=tuple(sorted(classes.items())),
        buckets=tuple(sorted(buckets)),
    )


@attrs.frozen
class ExportResult:
    """Where an export put the manifest and how many files it wrote."""

    manifest: Path
    entries: int
    files: int


def _local_path(folder: Path, uri: str) -> Path:
    location = S3Object.from_uri(uri)
    target = (folder / location.bucket / location.key).resolve()
    if folder.resolve() not in target.parents:
        raise InvalidInputError.of(uri, f"would be written outside {folder}")
    return target


@checked
def export_dataset(
    dataset: Dataset, folder: str | Path, *, s3: Any, workers: int = DEFAULT_WORKERS
) -> ExportResult:
    """Copy a dataset to ``folder``: its manifest, and every image and mask.

    The manifest is written unchanged as ``<folder>/<type>.manifest``; each file goes
    to ``<folder>/<bucket>/<key>``, so the manifest's S3 URIs map onto local paths.
    """
    from lookout_sdk.datasets.s3 import download_file

    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    entries = list(dataset.list_entries())
    manifest = root / f"{dataset.dataset_type.value}.manifest"
    write_manifest(entries, manifest)
    uris = sorted({uri for e in entries for uri in (e.source_ref, e.mask_ref) if uri})
    targets = [(uri, _local_path(root, uri)) for uri in uris]

    def fetch(pair: tuple[str, Path]) -> None:
        pair[1].parent.mkdir(parents=True, exist_ok=True)
        download_file(s3, pair[0], pair[1])

    with concurrent.futures.ThreadPoolExecutor(max_workers=check_workers(workers)) as pool:
        list(pool.map(fetch, targets))  # re-raises the first failure
    return ExportResult(manifest=manifest, entries=len(entries), files=len(targets))
