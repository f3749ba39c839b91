"""An engine's prediction in the API's ``DetectAnomalyResult`` shape."""

from __future__ import annotations

import math
from typing import Any

from lookout_sdk.engine.base import EngineError, Prediction

__all__ = ["detect_anomaly_result"]


def detect_anomaly_result(prediction: Prediction) -> dict[str, Any]:
    """The ``DetectAnomalyResult`` a hosted model answers for ``prediction``.

    Segmentation models add ``AnomalyMask`` (PNG bytes) and ``Anomalies``, the
    background first, each with its share of the image and its colour.
    """
    if not math.isfinite(prediction.confidence):
        raise EngineError(f"the engine gave a confidence of {prediction.confidence}")
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
