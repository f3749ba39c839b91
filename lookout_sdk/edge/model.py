"""Detecting with an edge package on this machine, with no server and no network."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from lookout_sdk._boundary import checked
from lookout_sdk.api.images import ImageSource, check_image, load_image
from lookout_sdk.edge.package import PackageManifest, read_package
from lookout_sdk.records.detection import DetectionResult
from lookout_sdk.runtime.batch import DEFAULT_WORKERS, BatchItem, map_bounded, pick_workers

if TYPE_CHECKING:
    from lookout_sdk.engine import TrainedModel

__all__ = ["EdgeModel"]


@checked
class EdgeModel:
    """A packaged model, loaded for offline detection (needs the ``local`` extra).

    Load one with :meth:`load`; :attr:`manifest` says what it is. Detection answers
    exactly what the hosted model answers for the same image.
    """

    def __init__(self, manifest: PackageManifest, model: TrainedModel) -> None:
        self.manifest = manifest
        self._model = model

    def __repr__(self) -> str:
        return (
            f"EdgeModel(project={self.manifest.project!r}, "
            f"version={self.manifest.model_version!r}, engine={self.manifest.engine!r})"
        )

    @classmethod
    def load(cls, package: bytes | str | os.PathLike[str] | IO[bytes]) -> EdgeModel:
        """Load an edge package from its bytes, a path or a binary file object.

        Raises:
            PackageError: the package is damaged or not one this SDK reads.
        """
        from lookout_sdk.engine import load_model

        if isinstance(package, bytes):
            data = package
        elif isinstance(package, (str, os.PathLike)):
            data = Path(package).read_bytes()
        else:
            data = package.read()
        manifest, files = read_package(data)
        with tempfile.TemporaryDirectory(prefix="lookout-edge-") as folder:
            for name, content in files.items():
                (Path(folder) / name).write_bytes(content)
            model = load_model(folder)
        return cls(manifest, model)

    def detect(self, image: ImageSource) -> DetectionResult:
        """Whether ``image`` (bytes, a path or a binary file object) shows an anomaly.

        The image is checked against the service's rules first, as the hosted model
        would check it.
        """
        from lookout_sdk.engine.api_shapes import detect_anomaly_result

        data = load_image(image)
        check_image(data, operation="DetectAnomalies")
        return DetectionResult.from_api(detect_anomaly_result(self._model.score(data)))

    def detect_many(
        self,
        images: Iterable[ImageSource],
        *,
        workers: int = DEFAULT_WORKERS,
        max_workers: int | None = None,
    ) -> Iterator[BatchItem[ImageSource, DetectionResult]]:
        """Detect on many images, ``workers`` at a time, yielding in input order.

        Images are read only as they are needed, so memory stays bounded however many
        there are. A failure on one image is reported in its item; the rest go on.
        ``max_workers`` is the deprecated name of ``workers``.
        """
        count = pick_workers(workers, max_workers, where="EdgeModel.detect_many")
        return map_bounded(self.detect, images, workers=count)
