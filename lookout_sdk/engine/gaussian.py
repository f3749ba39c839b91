"""A per-position Gaussian of patch features, with one shared whitening.

Fit on ``N x H x W x C`` features of normal images: a whitening matrix from the
covariance of all positions pooled (well estimated from ``N * H * W`` samples), and per
position the mean and the per-channel variance of the whitened features (few samples,
so the variance is shrunk halfway to its average over positions). The map of an image is
``sqrt(sum_c z_c^2)`` per position, with ``z`` the whitened deviation over its deviation:
a Mahalanobis distance under a covariance that shares its axes across positions.
"""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

__all__ = ["PositionGaussian"]

Array = NDArray[np.float32]

_EPS = 1e-2
_VARIANCE_SHRINK = 0.5
#: The smallest per-position variance of a whitened channel (whitened channels have
#: variance 1 overall).
_MIN_VARIANCE = 1e-2


@attrs.frozen
class PositionGaussian:
    """The fitted statistics: ``whiten`` (``C x C``), ``mean`` and ``variance`` (``H x W x C``)."""

    whiten: Array
    mean: Array
    variance: Array

    @classmethod
    def fit(cls, features: Array) -> PositionGaussian:
        """Fit on ``N x H x W x C`` features (``N >= 2``)."""
        count, _, _, channels = features.shape
        mean = features.mean(axis=0, dtype=np.float64)
        centred = (features - mean).reshape(-1, channels).astype(np.float64)
        covariance = centred.T @ centred / len(centred)
        # a channel that never varies (the colour channels of grey parts) still gets a
        # scale: a tenth of the typical channel's deviation
        covariance += _EPS * max(float(np.trace(covariance)) / channels, 1e-6) * np.eye(channels)
        values, vectors = np.linalg.eigh(covariance)
        whiten = vectors / np.sqrt(np.maximum(values, 1e-9))
        white = (features - mean) @ whiten
        variance = (white**2).sum(axis=0) / (count - 1)
        variance = (1 - _VARIANCE_SHRINK) * variance + _VARIANCE_SHRINK * variance.mean(axis=(0, 1))
        variance = np.maximum(variance, _MIN_VARIANCE)
        return cls(
            whiten=whiten.astype(np.float32),
            mean=mean.astype(np.float32),
            variance=variance.astype(np.float32),
        )

    def deviation(self, features: Array) -> Array:
        """The standardised whitened deviation, ``N x H x W x C``."""
        white: Array = ((features - self.mean) @ self.whiten).astype(np.float32)
        white /= np.sqrt(self.variance)
        return white

    def distance(self, features: Array) -> Array:
        """The ``N x H x W`` distance map of ``N x H x W x C`` features."""
        deviation = self.deviation(features)
        squared: Array = np.einsum("nhwc,nhwc->nhw", deviation, deviation)
        return np.sqrt(squared).astype(np.float32)
