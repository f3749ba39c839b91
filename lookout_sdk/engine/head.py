"""A small supervised head: softmax regression on patch features, for anomaly classes.

Trained by full-batch gradient descent on standardised features with an L2 penalty, each
class weighted by the inverse of its sample count (anomalous patches are few). Starts
from zeros and uses no randomness, so the same data always gives the same head.
"""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

__all__ = ["SoftmaxHead"]

Array = NDArray[np.float32]


def _softmax(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp: NDArray[np.float64] = np.exp(shifted)
    total: NDArray[np.float64] = exp.sum(axis=1, keepdims=True)
    return np.divide(exp, total)


@attrs.frozen
class SoftmaxHead:
    """Weights (``(D + 1) x K``, bias last) and the feature standardisation."""

    weights: Array
    centre: Array
    scale: Array

    @classmethod
    def fit(
        cls,
        features: Array,
        labels: NDArray[np.integer],
        classes: int,
        *,
        l2: float = 1e-3,
        steps: int = 300,
        rate: float = 0.5,
    ) -> SoftmaxHead:
        """Fit on ``M x D`` features and labels in ``0..classes - 1``."""
        centre = features.mean(axis=0)
        scale = features.std(axis=0) + 1e-6
        x = np.hstack([(features - centre) / scale, np.ones((len(features), 1))])
        target = np.eye(classes)[labels]
        counts = np.maximum(target.sum(axis=0), 1.0)
        sample_weight = (target / counts).sum(axis=1) * (len(labels) / classes)
        weights = np.zeros((x.shape[1], classes))
        for _ in range(steps):
            error = (_softmax(x @ weights) - target) * sample_weight[:, None]
            gradient = x.T @ error / len(x) + l2 * weights
            weights -= rate * gradient
        return cls(
            weights=weights.astype(np.float32),
            centre=centre.astype(np.float32),
            scale=scale.astype(np.float32),
        )

    def probabilities(self, features: Array) -> Array:
        """``M x K`` class probabilities of ``M x D`` features."""
        x = (features - self.centre) / self.scale
        logits = x @ self.weights[:-1] + self.weights[-1]
        return _softmax(logits.astype(np.float64)).astype(np.float32)
