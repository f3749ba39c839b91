"""From images on disk or in S3 to datasets that train: manifests, checks, uploads.

The usual way in is through a project::

    project.import_folder("parts/", "s3://my-bucket/parts/")   # check, upload, import
    project.import_s3("s3://my-bucket/parts/")                  # check, import in place

and the pieces are here for finer work: :class:`ManifestEntry` and
:func:`validate_manifest` for manifests, :func:`scan_folder` and :func:`preflight` for
checking images, :func:`upload_files` for resumable concurrent uploads, and
:func:`plan_chunks` for splitting large updates. Image checks need Pillow and progress
bars need tqdm: ``pip install 'lookout-sdk[datasets]'``.
"""

from lookout_sdk.datasets.chunks import (
    MAX_CHANGES_BYTES,
    ChunkedUpdateError,
    ChunkedUpdateResult,
    plan_chunks,
)
from lookout_sdk.datasets.export import (
    DatasetStatistics,
    ExportResult,
    dataset_statistics,
    export_dataset,
)
from lookout_sdk.datasets.importer import (
    ImportResult,
    UploadFailedError,
    import_folder,
    import_s3,
    split_layout,
)
from lookout_sdk.datasets.layout import DatasetLayout, FileProblem, LabeledImage, scan_folder
from lookout_sdk.datasets.manifest import (
    ManifestEntry,
    MaskClass,
    dump_manifest,
    read_manifest,
    write_manifest,
)
from lookout_sdk.datasets.preflight import (
    DatasetCounts,
    Minimums,
    PreflightError,
    PreflightReport,
    preflight,
)
from lookout_sdk.datasets.s3 import UploadItem, UploadReport, scan_s3, upload_files
from lookout_sdk.datasets.validate import (
    LineProblem,
    ManifestError,
    ManifestReport,
    validate_manifest,
)

__all__ = [
    "MAX_CHANGES_BYTES",
    "ChunkedUpdateError",
    "ChunkedUpdateResult",
    "DatasetCounts",
    "DatasetLayout",
    "DatasetStatistics",
    "ExportResult",
    "FileProblem",
    "ImportResult",
    "LabeledImage",
    "LineProblem",
    "ManifestEntry",
    "ManifestError",
    "ManifestReport",
    "MaskClass",
    "Minimums",
    "PreflightError",
    "PreflightReport",
    "UploadFailedError",
    "UploadItem",
    "UploadReport",
    "dataset_statistics",
    "dump_manifest",
    "export_dataset",
    "import_folder",
    "import_s3",
    "plan_chunks",
    "preflight",
    "read_manifest",
    "scan_folder",
    "scan_s3",
    "split_layout",
    "upload_files",
    "validate_manifest",
    "write_manifest",
]
