"""Turning raw anomaly scores into decisions: thresholds and probabilities.

Shared by the engines: a threshold from held-out normal scores, moved to the F1-best
place when labelled anomalies are given, and a logistic read of the distance to it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["best_threshold", "logistic"]


def logistic(value: float) -> float:
    """The logistic function, without overflow for large ``|value|``."""
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def best_threshold(
    normal: NDArray[np.floating], anomalous: NDArray[np.floating], statistical: float
) -> float:
    """The F1-best threshold on labelled scores, with a margin on both sides.

    Without anomalous scores, ``statistical`` itself. Otherwise, among the cuts between
    two distinct scores that give the best F1, the widest gap is taken, and the
    threshold is the larger of ``statistical`` and the gap's middle (geometric, for
    positive scores), kept within the gap's inner 80%. A threshold hard against the
    highest normal score would flag the next normal image a little above it.
    """
    if len(anomalous) == 0:
        return statistical
    scores = np.concatenate([normal, anomalous]).astype(np.float64)
    labels = np.concatenate([np.zeros(len(normal)), np.ones(len(anomalous))])
    order = np.argsort(-scores, kind="stable")
    scores, labels = scores[order], labels[order]
    # A cut after position i (scores sorted high to low) calls the first i + 1 anomalous;
    # cuts are only between distinct scores.
    cuts = np.flatnonzero(np.diff(scores) < 0)
    if len(cuts) == 0:
        return statistical
    true_positives = np.cumsum(labels)[cuts]
    f1 = 2 * true_positives / (len(anomalous) + cuts + 1)
    gaps = scores[cuts] - scores[cuts + 1]
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    chosen = best[np.argmax(gaps[best])]
    high, low = float(scores[cuts[chosen]]), float(scores[cuts[chosen] + 1])
    middle = math.sqrt(low * high) if low > 0 else (low + high) / 2
    margin = 0.1 * (high - low)
    return min(max(statistical, middle, low + margin), high - margin)
