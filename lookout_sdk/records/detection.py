"""The result of asking a hosted model about one image."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["Anomaly", "DetectionResult"]


@attrs.frozen
class Anomaly:
    """One class of a segmentation result: its name, share of the image and mask colour.

    The first anomaly of a segmentation result is the background.
    """

    name: str
    total_percentage_area: float | None = None
    color: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Anomaly:
        """Build from the API's ``Anomaly`` shape."""
        pixel = data.get("PixelAnomaly") or {}
        return cls(
            name=data.get("Name", ""),
            total_percentage_area=pixel.get("TotalPercentageArea"),
            color=pixel.get("Color"),
        )


@attrs.frozen
class DetectionResult:
    """Whether an image is anomalous, how confident the model is, and where.

    ``anomaly_mask`` is a PNG image in the colours of the project's colour map
    (segmentation models only); ``anomalies`` lists each class found.
    """

    is_anomalous: bool
    confidence: float
    source_type: str | None = None
    anomalies: tuple[Anomaly, ...] = ()
    anomaly_mask: bytes | None = attrs.field(default=None, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> DetectionResult:
        """Build from the API's ``DetectAnomalyResult`` shape."""
        return cls(
            is_anomalous=bool(data.get("IsAnomalous", False)),
            confidence=float(data.get("Confidence", 0.0)),
            source_type=(data.get("Source") or {}).get("Type"),
            anomalies=tuple(Anomaly.from_api(a) for a in data.get("Anomalies", ())),
            anomaly_mask=data.get("AnomalyMask"),
        )

    @property
    def anomaly_classes(self) -> tuple[Anomaly, ...]:
        """The anomalies without the background (the first entry) of a segmentation."""
        return tuple(a for a in self.anomalies if a.name.lower() != "background")
