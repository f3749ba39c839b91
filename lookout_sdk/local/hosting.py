"""Hosted models of the local backend: loaded detectors serving DetectAnomalies.

Each hosted model version keeps its trained detector in memory and a pool of serving
threads, one per inference unit, so several requests are answered at once (numpy and
scipy release the GIL for the heavy work).

Whether a model is hosted is the store's to say (its status); what is loaded is each
process's own. Several processes may serve one data folder, so a process loads a
HOSTED model when it first detects with it, and lets go of models that are no longer
hosted (:meth:`Hosting.retain`).
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from lookout_sdk.errors import LookoutError

if TYPE_CHECKING:
    from lookout_sdk.engine import Prediction, TrainedModel

__all__ = ["Hosting", "ModelNotLoadedError"]


class ModelNotLoadedError(LookoutError, LookupError):
    """The model version is not being served (for example, after a failed load)."""


class _Hosted:
    def __init__(self, model: TrainedModel, units: int) -> None:
        self.model = model
        self.pool = ThreadPoolExecutor(max_workers=units, thread_name_prefix="lookout-serve")


class Hosting:
    """The models being served, by project and version; model files live under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._hosted: dict[tuple[str, int], _Hosted] = {}
        self._lock = threading.Lock()
        self._loading = threading.Lock()

    def folder(self, project: str, version: int | str) -> Path:
        """Where a model version's trained files live."""
        return self.root / project / str(version)

    def load(self, project: str, version: int | str, units: int) -> None:
        """Load a trained model and start ``units`` serving threads for it."""
        from lookout_sdk.engine import load_model

        model = load_model(self.folder(project, version))
        with self._lock:
            old = self._hosted.pop((project, int(version)), None)
            self._hosted[(project, int(version))] = _Hosted(model, max(1, units))
        if old is not None:
            old.pool.shutdown(wait=False)

    def unload(self, project: str, version: int | str) -> None:
        """Stop serving a model version (nothing happens if it is not served)."""
        with self._lock:
            hosted = self._hosted.pop((project, int(version)), None)
        if hosted is not None:
            hosted.pool.shutdown(wait=True)

    def detect(
        self, project: str, version: int | str, image: bytes, *, units: int | None = None
    ) -> Prediction:
        """Score one encoded image with a hosted model, on one of its serving threads.

        With ``units``, a model not loaded in this process yet is loaded first, with
        that many serving threads.

        Raises:
            ModelNotLoadedError: the model version is not being served here (or cannot
                be loaded).
            ImageRejected: the image is not an acceptable PNG or JPEG.
        """
        key = (project, int(version))
        with self._lock:
            hosted = self._hosted.get(key)
        if hosted is None and units is not None:
            with self._loading:  # one load at a time, and only one per model
                with self._lock:
                    hosted = self._hosted.get(key)
                if hosted is None:
                    try:
                        self.load(project, version, units)
                    except Exception as error:  # missing or damaged files
                        raise ModelNotLoadedError(
                            f"model {version} of project {project} cannot be loaded: {error}"
                        ) from error
                    with self._lock:
                        hosted = self._hosted.get(key)
        if hosted is None:
            raise ModelNotLoadedError(f"model {version} of project {project} is not loaded")
        return hosted.pool.submit(hosted.model.score, image).result()

    def loaded(self) -> list[tuple[str, int]]:
        """The ``(project, version)`` of every model loaded here."""
        with self._lock:
            return list(self._hosted)

    def retain(self, hosted: Collection[tuple[str, int]]) -> None:
        """Unload every model loaded here that is not in ``hosted``."""
        for project, version in self.loaded():
            if (project, version) not in hosted:
                self.unload(project, version)

    def close(self) -> None:
        """Stop serving every model."""
        with self._lock:
            hosted = list(self._hosted.values())
            self._hosted.clear()
        for item in hosted:
            item.pool.shutdown(wait=False)
