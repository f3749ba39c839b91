"""Registering aligned parts: the whole-pixel shift that best matches a reference image.

Parts photographed on a fixture still move by a few pixels. The shift is found by phase
correlation of the gray image with a reference (the mean of the aligned normal images),
searched within ``max_shift`` pixels, and undone by moving the image and repeating its
edge pixels. Textures have no reference to speak of, so the engine turns this off for
them (see :func:`structure_ratio`).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = ["apply_shift", "estimate_shift", "reference_image", "structure_ratio"]

Array = NDArray[np.float32]


def _spectrum(gray: Array) -> NDArray[np.complex128]:
    return np.fft.rfft2(gray - gray.mean())


def estimate_shift(gray: Array, reference: Array, max_shift: int) -> tuple[int, int]:
    """The ``(dy, dx)`` by which ``gray`` is displaced from ``reference``, within ``max_shift``."""
    cross = _spectrum(gray) * np.conj(_spectrum(reference))
    cross /= np.abs(cross) + 1e-9
    surface = np.fft.irfft2(cross, s=gray.shape)
    window = np.arange(-max_shift, max_shift + 1)
    local = surface[np.ix_(window % gray.shape[0], window % gray.shape[1])]
    row, col = np.unravel_index(int(np.argmax(local)), local.shape)
    return int(window[row]), int(window[col])


_T = TypeVar("_T", bound=np.generic)


def apply_shift(image: NDArray[_T], shift: tuple[int, int]) -> NDArray[_T]:
    """``image`` (``H x W`` or ``H x W x C``) moved back by ``shift``, edges repeated."""
    dy, dx = shift
    height, width = image.shape[:2]
    rows = np.clip(np.arange(height) + dy, 0, height - 1)
    cols = np.clip(np.arange(width) + dx, 0, width - 1)
    moved: NDArray[_T] = image[rows][:, cols]
    return moved


def reference_image(grays: Array, max_shift: int, rounds: int = 2) -> Array:
    """The mean of ``N x H x W`` gray images after aligning them to it, ``rounds`` times."""
    reference: Array = grays[0]
    for _ in range(rounds):
        aligned = [apply_shift(g, estimate_shift(g, reference, max_shift)) for g in grays]
        reference = np.asarray(np.mean(aligned, axis=0), dtype=np.float32)
    return reference


def structure_ratio(grays: Array) -> float:
    """How much of the images' own contrast survives averaging them (0 to about 1).

    Near 1 when the images show the same aligned part, near 0 for a texture whose
    every image is a new patch.
    """
    mean_image = grays.mean(axis=0)
    own = float(np.mean([g.std() for g in grays]))
    return float(mean_image.std()) / max(own, 1e-6)
