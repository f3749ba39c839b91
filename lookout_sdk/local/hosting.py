"""Hosted models of the local backend: loaded detectors serving DetectAnomalies.

Each hosted model version keeps its trained detector in memory and a pool of serving
workers, one per inference unit, so that many requests are answered in parallel.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lookout_sdk.local.service.errors import ApiError, conflict, validation

__all__ = ["Hosting"]


class _Hosted:
    def __init__(self, model: Any, units: int) -> None:
        self.model = model
        self.pool = ThreadPoolExecutor(max_workers=units, thread_name_prefix="lookout-serve")


class Hosting:
    """The models being served, by project and version."""

    def __init__(self, models_root: Path) -> None:
        self.models_root = models_root
        self._hosted: dict[tuple[str, int], _Hosted] = {}
        self._lock = threading.Lock()

    def folder(self, project: str, version: int | str) -> Path:
        """Where a model version's trained files live."""
        return self.models_root / project / str(version)

    def load(self, project: str, version: int | str, units: int) -> None:
        """Load a trained model and start ``units`` serving workers for it."""
        from lookout_sdk.local.engine import load_model

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

    def detect(self, project: str, version: int | str, image: bytes) -> dict[str, Any]:
        """Run one image through a hosted model; the API's DetectAnomalyResult."""
        from lookout_sdk.local.engine import ImageRejected

        with self._lock:
            hosted = self._hosted.get((project, int(version)))
        if hosted is None:
            raise conflict(
                "MODEL", f"{project}/{version}", "the model is not loaded; start it again"
            )
        try:
            prediction = hosted.pool.submit(hosted.model.score, image).result()
        except ImageRejected as error:
            raise validation(str(error)) from error
        except ApiError:
            raise
        result: dict[str, Any] = {
            "Source": {"Type": "direct"},
            "IsAnomalous": bool(prediction.is_anomalous),
            "Confidence": float(prediction.confidence),
        }
        if prediction.mask_png is not None:
            result["AnomalyMask"] = prediction.mask_png
            result["Anomalies"] = [
                {"Name": name, "PixelAnomaly": {"TotalPercentageArea": float(area), "Color": color}}
                for name, area, color in prediction.anomalies
            ]
        return result

    def close(self) -> None:
        """Stop serving every model."""
        with self._lock:
            hosted = list(self._hosted.values())
            self._hosted.clear()
        for item in hosted:
            item.pool.shutdown(wait=False)
