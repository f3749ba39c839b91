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

from typing import TYPE_CHECKING

from lookout_sdk._lazy import lazy_exports

if TYPE_CHECKING:
    from lookout_sdk.api.minimums import Minimums as Minimums
    from lookout_sdk.datasets.checks import DatasetCounts as DatasetCounts
    from lookout_sdk.datasets.checks import PreflightError as PreflightError
    from lookout_sdk.datasets.checks import PreflightReport as PreflightReport
    from lookout_sdk.datasets.checks import preflight as preflight
    from lookout_sdk.datasets.export import DatasetStatistics as DatasetStatistics
    from lookout_sdk.datasets.export import ExportResult as ExportResult
    from lookout_sdk.datasets.export import dataset_statistics as dataset_statistics
    from lookout_sdk.datasets.export import export_dataset as export_dataset
    from lookout_sdk.datasets.importer import ImportResult as ImportResult
    from lookout_sdk.datasets.importer import UploadFailedError as UploadFailedError
    from lookout_sdk.datasets.importer import import_folder as import_folder
    from lookout_sdk.datasets.importer import import_s3 as import_s3
    from lookout_sdk.datasets.importer import split_layout as split_layout
    from lookout_sdk.datasets.layout import DatasetLayout as DatasetLayout
    from lookout_sdk.datasets.layout import FileProblem as FileProblem
    from lookout_sdk.datasets.layout import LabeledImage as LabeledImage
    from lookout_sdk.datasets.layout import scan_folder as scan_folder
    from lookout_sdk.datasets.s3 import UploadItem as UploadItem
    from lookout_sdk.datasets.s3 import UploadReport as UploadReport
    from lookout_sdk.datasets.s3 import scan_s3 as scan_s3
    from lookout_sdk.datasets.s3 import upload_files as upload_files
    from lookout_sdk.manifests.chunks import MAX_CHANGES_BYTES as MAX_CHANGES_BYTES
    from lookout_sdk.manifests.chunks import ChunkedUpdateError as ChunkedUpdateError
    from lookout_sdk.manifests.chunks import ChunkedUpdateResult as ChunkedUpdateResult
    from lookout_sdk.manifests.chunks import plan_chunks as plan_chunks
    from lookout_sdk.manifests.entry import ManifestEntry as ManifestEntry
    from lookout_sdk.manifests.entry import MaskClass as MaskClass
    from lookout_sdk.manifests.entry import dump_manifest as dump_manifest
    from lookout_sdk.manifests.entry import read_manifest as read_manifest
    from lookout_sdk.manifests.entry import write_manifest as write_manifest
    from lookout_sdk.manifests.validate import LineProblem as LineProblem
    from lookout_sdk.manifests.validate import ManifestError as ManifestError
    from lookout_sdk.manifests.validate import ManifestReport as ManifestReport
    from lookout_sdk.manifests.validate import validate_manifest as validate_manifest

# Public name -> the module that defines it; each loads on first use.
_EXPORTS: dict[str, str] = {
    "Minimums": "lookout_sdk.api.minimums",
    **dict.fromkeys(
        ["ChunkedUpdateError", "ChunkedUpdateResult", "MAX_CHANGES_BYTES", "plan_chunks"],
        "lookout_sdk.manifests.chunks",
    ),
    **dict.fromkeys(
        ["DatasetStatistics", "ExportResult", "dataset_statistics", "export_dataset"],
        "lookout_sdk.datasets.export",
    ),
    **dict.fromkeys(
        ["ImportResult", "UploadFailedError", "import_folder", "import_s3", "split_layout"],
        "lookout_sdk.datasets.importer",
    ),
    **dict.fromkeys(
        ["DatasetLayout", "FileProblem", "LabeledImage", "scan_folder"],
        "lookout_sdk.datasets.layout",
    ),
    **dict.fromkeys(
        ["ManifestEntry", "MaskClass", "dump_manifest", "read_manifest", "write_manifest"],
        "lookout_sdk.manifests.entry",
    ),
    **dict.fromkeys(
        ["DatasetCounts", "PreflightError", "PreflightReport", "preflight"],
        "lookout_sdk.datasets.checks",
    ),
    **dict.fromkeys(
        ["UploadItem", "UploadReport", "scan_s3", "upload_files"], "lookout_sdk.datasets.s3"
    ),
    **dict.fromkeys(
        ["LineProblem", "ManifestError", "ManifestReport", "validate_manifest"],
        "lookout_sdk.manifests.validate",
    ),
}

__all__ = [*sorted(_EXPORTS)]  # noqa: PLE0604 - names are strings
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
