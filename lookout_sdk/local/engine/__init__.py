"""The local backend's anomaly detector, behind an interface other methods can implement.

:class:`Engine` trains, :class:`TrainedModel` scores and saves, :func:`load_model` loads
any saved model, and :func:`evaluate` measures a model on labelled test images.
:class:`SimpleEngine` is the built-in method: per-pixel statistics of normal images.
Needs the ``local`` extra (numpy, scipy, Pillow).
"""

from __future__ import annotations

from lookout_sdk.local.engine.base import (
    ColorMap,
    Engine,
    Prediction,
    TrainedModel,
    load_model,
    register_model,
)
from lookout_sdk.local.engine.images import ImageRejected, decode_image, decode_mask
from lookout_sdk.local.engine.metrics import (
    EvaluationReport,
    PixelScores,
    average_precision,
    evaluate,
    pixel_metrics,
    precision_recall_f1,
    roc_auc,
)
from lookout_sdk.local.engine.patch import PatchEngine, PatchModel
from lookout_sdk.local.engine.simple import SimpleEngine, SimpleModel

__all__ = [
    "ColorMap",
    "Engine",
    "EvaluationReport",
    "ImageRejected",
    "PatchEngine",
    "PatchModel",
    "PixelScores",
    "Prediction",
    "SimpleEngine",
    "SimpleModel",
    "TrainedModel",
    "average_precision",
    "decode_image",
    "decode_mask",
    "evaluate",
    "load_model",
    "pixel_metrics",
    "precision_recall_f1",
    "register_model",
    "roc_auc",
]
