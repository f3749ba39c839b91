"""Edge packages: a trained model in one checksummed file, for detection without a server.

A model packaging job of the local backend writes an edge package to S3;
:meth:`~lookout_sdk.PackagingJob.download` fetches it, and :class:`EdgeModel` loads it
and detects offline, for lines where images never leave the machine::

    from lookout_sdk.edge import EdgeModel

    model = EdgeModel.load("boards-detector-1.0.0.zip")
    result = model.detect("board-0042.png")
"""

from __future__ import annotations

from lookout_sdk.edge.model import EdgeModel
from lookout_sdk.edge.package import PackageError, PackageManifest, read_package, write_package

__all__ = ["EdgeModel", "PackageError", "PackageManifest", "read_package", "write_package"]
