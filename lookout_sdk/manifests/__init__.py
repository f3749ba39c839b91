"""Dataset manifests: typed entries, the service's rules for them, and chunked updates.

A dataset is a list of JSON Lines entries. :class:`ManifestEntry` is a typed view of one,
:func:`validate_manifest` checks lines as the service did (every problem by line
number), and :func:`plan_chunks` packs entries into update requests the service
accepts. Nothing here needs an extra; :mod:`lookout_sdk.datasets` re-exports these names
beside the image checks and uploads.
"""

from __future__ import annotations

from lookout_sdk.manifests.chunks import (
    MAX_CHANGES_BYTES,
    ChunkedUpdateError,
    ChunkedUpdateResult,
    plan_chunks,
)
from lookout_sdk.manifests.entry import (
    ManifestEntry,
    MaskClass,
    dump_manifest,
    read_manifest,
    write_manifest,
)
from lookout_sdk.manifests.validate import (
    LineProblem,
    ManifestError,
    ManifestReport,
    validate_manifest,
)

__all__ = [
    "MAX_CHANGES_BYTES",
    "ChunkedUpdateError",
    "ChunkedUpdateResult",
    "LineProblem",
    "ManifestEntry",
    "ManifestError",
    "ManifestReport",
    "MaskClass",
    "dump_manifest",
    "plan_chunks",
    "read_manifest",
    "validate_manifest",
    "write_manifest",
]
