"""Evaluation metrics, in numpy alone, and the evaluation of a model on test images.

Image metrics treat "anomaly" as the positive class. Pixel metrics are per anomaly
class, computed from label images (0 = background, ``k`` = the ``k``-th class):

* ``precision``, ``recall``, ``f1``: pooled over every pixel of every test image
  (normal test images included, so pixels painted on them count as false positives);
  0.0 when the denominator is 0.
* ``aiou`` (average intersection over union): for each test image whose true mask
  contains the class, the class's pixel count of ``true AND predicted`` divided by that
  of ``true OR predicted``; then the mean over those images. ``None`` when no true mask
  contains the class.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from lookout_sdk.engine.base import (
    Prediction,
    TrainedModel,
    mask_labels,
    split_color_map,
)
from lookout_sdk.engine.images import decode_mask, image_header
from lookout_sdk.errors import InvalidInputError

__all__ = [
    "EvaluationReport",
    "PixelScores",
    "average_precision",
    "evaluate",
    "pixel_metrics",
    "precision_recall_f1",
    "roc_auc",
]


def _binary(labels: ArrayLike, scores: ArrayLike) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    truth = np.asarray(labels).astype(bool).ravel()
    values = np.asarray(scores, dtype=np.float64).ravel()
    if truth.shape != values.shape:
        raise InvalidInputError.of("scores", "labels and scores must have the same length")
    if truth.all() or not truth.any():
        raise InvalidInputError.of("labels", "the labels must contain both classes")
    return truth, values


def roc_auc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve: P(an anomaly outscores a normal), ties counting half.

    Computed from ranks (Mann-Whitney U) with tied scores given their average rank.

    Raises:
        InvalidInputError: the lengths differ, or only one class is present.
    """
    truth, values = _binary(labels, scores)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    average_rank = ends - (counts - 1) / 2.0  # 1-based mean rank of each tied group
    ranks = average_rank[inverse]
    positives, negatives = int(truth.sum()), int((~truth).sum())
    u = ranks[truth].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))


def average_precision(labels: ArrayLike, scores: ArrayLike) -> float:
    """Average precision: the sum over score thresholds of ``(R_n - R_{n-1}) * P_n``.

    Thresholds are the distinct scores, high to low (tied scores enter together), as in
    scikit-learn's ``average_precision_score``.

    Raises:
        InvalidInputError: the lengths differ, or only one class is present.
    """
    truth, values = _binary(labels, scores)
    order = np.argsort(-values, kind="stable")
    values, hits = values[order], truth[order].astype(np.float64)
    last_of_group = np.r_[np.flatnonzero(np.diff(values) != 0), len(values) - 1]
    true_positives = np.cumsum(hits)[last_of_group]
    precision = true_positives / (last_of_group + 1)
    recall = true_positives / hits.sum()
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def precision_recall_f1(labels: ArrayLike, predictions: ArrayLike) -> tuple[float, float, float]:
    """Precision, recall and F1 of boolean predictions; each is 0.0 when undefined."""
    truth = np.asarray(labels).astype(bool).ravel()
    guess = np.asarray(predictions).astype(bool).ravel()
    if truth.shape != guess.shape:
        raise InvalidInputError.of(
            "predictions", "labels and predictions must have the same length"
        )
    true_positives = int((truth & guess).sum())
    return _prf(true_positives, int(guess.sum()), int(truth.sum()))


def _prf(true_positives: int, predicted: int, actual: int) -> tuple[float, float, float]:
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / actual if actual else 0.0
    f1 = 2 * true_positives / (predicted + actual) if predicted + actual else 0.0
    return precision, recall, f1


@attrs.frozen
class PixelScores:
    """One anomaly class's pixel metrics (see the module notes for the definitions)."""

    precision: float
    recall: float
    f1: float
    aiou: float | None
    images: int  # how many true masks contain the class

    def to_dict(self) -> dict[str, float | None]:
        """The class's entry of ``PixelMetrics`` in the evaluation result."""
        return {
            "Precision": self.precision,
            "Recall": self.recall,
            "F1Score": self.f1,
            "AIOU": self.aiou,
        }


def pixel_metrics(
    true_masks: Sequence[NDArray[np.integer[Any]]],
    predicted_masks: Sequence[NDArray[np.integer[Any]]],
    classes: Sequence[str],
) -> dict[str, PixelScores]:
    """Per-class pixel precision, recall, F1 and AIOU of label images.

    Label ``k`` (1-based) is ``classes[k - 1]``; 0 is the background.

    Raises:
        InvalidInputError: the sequences differ in length, or a pair differs in shape.
    """
    if len(true_masks) != len(predicted_masks):
        raise InvalidInputError.of("predicted_masks", "give one predicted mask per true mask")
    result: dict[str, PixelScores] = {}
    pairs = list(zip(true_masks, predicted_masks, strict=True))
    for truth, guess in pairs:
        if np.shape(truth) != np.shape(guess):
            raise InvalidInputError.of(
                "predicted_masks", "a predicted mask differs in shape from its true mask"
            )
    for k, name in enumerate(classes, start=1):
        true_positives = predicted = actual = 0
        ious: list[float] = []
        for truth, guess in pairs:
            real, painted = np.asarray(truth) == k, np.asarray(guess) == k
            overlap = int((real & painted).sum())
            true_positives += overlap
            predicted += int(painted.sum())
            actual += int(real.sum())
            if real.any():
                ious.append(overlap / int((real | painted).sum()))
        precision, recall, f1 = _prf(true_positives, predicted, actual)
        aiou = float(np.mean(ious)) if ious else None
        result[name] = PixelScores(precision, recall, f1, aiou, len(ious))
    return result


@attrs.frozen
class EvaluationReport:
    """A model's results on a test set.

    ``rows`` has one mapping per test image, normal images first, in the order given:
    ``name``, ``label`` and ``prediction`` (``"normal"`` or ``"anomaly"``), ``score`` and
    ``confidence``. ``per_class`` holds the pixel metrics of a segmentation model.
    """

    roc_auc: float
    average_precision: float
    precision: float
    recall: float
    f1: float
    threshold: float
    image_count: int
    rows: tuple[Mapping[str, Any], ...] = attrs.field(repr=False)
    per_class: Mapping[str, PixelScores] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The evaluation result document (see :meth:`to_json`)."""
        document: dict[str, Any] = {
            "ROCAUC": self.roc_auc,
            "AveragePrecision": self.average_precision,
            "Precision": self.precision,
            "Recall": self.recall,
            "F1Score": self.f1,
            "Threshold": self.threshold,
            "ImageCount": self.image_count,
        }
        if self.per_class:
            document["PixelMetrics"] = {
                name: scores.to_dict() for name, scores in self.per_class.items()
            }
        return document

    def to_json(self) -> str:
        """The evaluation result document as JSON, as the local backend stores it."""
        return json.dumps(self.to_dict(), indent=2) + "\n"


def evaluate(
    model: TrainedModel,
    test_normal: Sequence[bytes],
    test_anomalous: Sequence[bytes],
    test_masks: Sequence[bytes | None] | None = None,
    color_map: Sequence[tuple[str, str]] = (),
    *,
    names: Sequence[str] | None = None,
) -> EvaluationReport:
    """Score every test image and measure the model.

    Args:
        model: A trained model.
        test_normal: Encoded images of good parts.
        test_anomalous: Encoded images of defective parts.
        test_masks: For a segmentation model, one mask (or ``None``) per anomalous image;
            pixel metrics are computed over the images that have masks plus the normal
            images (whose true masks are all background).
        color_map: The colours of ``test_masks``; the model's colour map by default.
        names: One name per image, normal images first, for ``rows``.

    Raises:
        InvalidInputError: no normal or no anomalous images, or lengths that do not match.
        ImageRejected: a test image or mask is not acceptable.
    """
    if not test_normal or not test_anomalous:
        raise InvalidInputError.of(
            "test_anomalous", "evaluation needs at least one normal and one anomalous image"
        )
    images = [*test_normal, *test_anomalous]
    labels = np.array([False] * len(test_normal) + [True] * len(test_anomalous))
    if names is None:
        names = [f"normal-{i:04d}" for i in range(len(test_normal))]
        names += [f"anomaly-{i:04d}" for i in range(len(test_anomalous))]
    if len(names) != len(images):
        raise InvalidInputError.of("names", "give one name per test image")
    segmenting = model.is_segmentation and test_masks is not None
    if segmenting and test_masks is not None and len(test_masks) != len(test_anomalous):
        raise InvalidInputError.of("test_masks", "give one mask (or None) per anomalous test image")

    predictions = [model.score(image) for image in images]
    scores = np.array([p.score for p in predictions], dtype=np.float64)
    decisions = np.array([p.is_anomalous for p in predictions])
    precision, recall, f1 = precision_recall_f1(labels, decisions)
    rows = tuple(
        {
            "name": name,
            "label": "anomaly" if label else "normal",
            "prediction": "anomaly" if p.is_anomalous else "normal",
            "score": p.score,
            "confidence": p.confidence,
        }
        for name, label, p in zip(names, labels.tolist(), predictions, strict=True)
    )
    per_class: dict[str, PixelScores] = {}
    if segmenting and test_masks is not None:
        per_class = _pixel_report(
            model,
            images=images,
            predictions=predictions,
            masks=test_masks,
            normal_count=len(test_normal),
            color_map=color_map,
        )
    return EvaluationReport(
        roc_auc=roc_auc(labels, scores),
        average_precision=average_precision(labels, scores),
        precision=precision,
        recall=recall,
        f1=f1,
        threshold=model.threshold,
        image_count=len(images),
        rows=rows,
        per_class=per_class,
    )


def _pixel_report(
    model: TrainedModel,
    *,
    images: Sequence[bytes],
    predictions: Sequence[Prediction],
    masks: Sequence[bytes | None],
    normal_count: int,
    color_map: Sequence[tuple[str, str]],
) -> dict[str, PixelScores]:
    """Pixel metrics over the normal images and the anomalous images that have masks."""
    background, classes = split_color_map(model.color_map)
    model_colors = [background, *(color for _, color in classes)]
    true_background, given = split_color_map(color_map) if color_map else (background, classes)
    true_color = dict(given)
    true_colors = [true_background, *(true_color.get(name, color) for name, color in classes)]
    truths: list[NDArray[np.int16]] = []
    guesses: list[NDArray[np.int16]] = []
    for index, (image, prediction) in enumerate(zip(images, predictions, strict=True)):
        mask = masks[index - normal_count] if index >= normal_count else None
        if index >= normal_count and mask is None:
            continue
        _, (width, height) = image_header(image)
        truth = (
            mask_labels(decode_mask(mask, (width, height)), true_colors)
            if mask is not None
            else np.zeros((height, width), dtype=np.int16)
        )
        guess = (
            mask_labels(decode_mask(prediction.mask_png, (width, height)), model_colors)
            if prediction.mask_png is not None
            else np.zeros_like(truth)
        )
        truths.append(truth)
        guesses.append(guess)
    return pixel_metrics(truths, guesses, [name for name, _ in classes])
