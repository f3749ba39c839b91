"""The drawing surface of the synthetic scenes, and the soft shapes they are made of."""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Array",
    "Canvas",
    "Mask",
    "Scene",
    "blob_cover",
    "blur",
    "disc_cover",
    "grid_coords",
    "random_point",
    "random_walk",
    "stroke_cover",
    "unit_noise",
]


Array = NDArray[np.float32]
Mask = NDArray[np.bool_]


@attrs.frozen
class Scene:
    """A drawn scene: ``H x W x 3`` uint8 RGB and, per pixel, the defect index (0 = none)."""

    rgb: NDArray[np.uint8]
    labels: NDArray[np.int16]


class Canvas:
    """A float RGB image with a per-pixel defect label, and the size-relative scale."""

    def __init__(self, rgb: Array) -> None:
        self.rgb = rgb
        self.labels = np.zeros(rgb.shape[:2], dtype=np.int16)
        self.scale = min(rgb.shape[:2]) / 224.0
        self.offset = (0.0, 0.0)  # where an aligned part was placed, in pixels

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)`` in pixels."""
        return self.rgb.shape[0], self.rgb.shape[1]

    def mark(self, where: Mask, label: int) -> None:
        """Record that defect ``label`` changed the pixels ``where``."""
        self.labels[where] = label


# ----------------------------------------------------------------------------- shapes


def blur(values: Array, sigma: float | tuple[float, float]) -> Array:
    """A Gaussian blur that wraps around the edges."""
    from scipy import ndimage  # type: ignore[import-untyped, unused-ignore]

    return np.asarray(ndimage.gaussian_filter(values, sigma, mode="wrap"), dtype=np.float32)


def unit_noise(gen: np.random.Generator, shape: tuple[int, int], sigma: Any) -> Array:
    """Smooth noise with zero mean and unit deviation."""
    noise = blur(gen.standard_normal(shape).astype(np.float32), sigma)
    scaled: Array = (noise - noise.mean()) / max(float(noise.std()), 1e-6)
    return scaled


def grid_coords(shape: tuple[int, int]) -> tuple[Array, Array]:
    """The row and column of every pixel."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    return rows, cols


def stroke_cover(shape: tuple[int, int], points: list[tuple[float, float]], width: float) -> Array:
    """Coverage (0..1) of an antialiased polyline of ``(x, y)`` points."""
    from PIL import Image, ImageDraw

    factor = 4  # drawn four times larger, then averaged down: soft, thin edges
    height, width_px = shape
    layer = Image.new("L", (width_px * factor, height * factor), 0)
    scaled = [(x * factor, y * factor) for x, y in points]
    ImageDraw.Draw(layer).line(scaled, fill=255, width=max(1, round(width * factor)), joint="curve")
    small = layer.resize((width_px, height), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0


def disc_cover(shape: tuple[int, int], cx: float, cy: float, rx: float, ry: float) -> Array:
    """Coverage (0..1) of an antialiased ellipse centred on ``(cx, cy)``."""
    rows, cols = grid_coords(shape)
    distance = np.sqrt(((cols - cx) / rx) ** 2 + ((rows - cy) / ry) ** 2)
    return np.clip((1.0 - distance) * min(rx, ry) + 0.5, 0.0, 1.0)


def blob_cover(
    gen: np.random.Generator, shape: tuple[int, int], cx: float, cy: float, r: float
) -> Array:
    """A soft blob with a ragged outline, 0..1."""
    rows, cols = grid_coords(shape)
    ragged = 1.0 + 0.25 * unit_noise(gen, shape, max(1.0, r / 3))
    distance = np.hypot(cols - cx, rows - cy) / (r * ragged)
    blob: Array = np.clip(1.0 - distance**2, 0.0, 1.0) ** 0.7
    return blob


def random_walk(
    gen: np.random.Generator, start: tuple[float, float], steps: int, step: float
) -> list[tuple[float, float]]:
    """A random walk with momentum: the path of a crack."""
    x, y = start
    heading = gen.uniform(0, 2 * math.pi)
    points = [(x, y)]
    for _ in range(steps):
        heading += gen.normal(0, 0.45)
        x, y = x + step * math.cos(heading), y + step * math.sin(heading)
        points.append((x, y))
    return points


def random_point(gen: np.random.Generator, canvas: Canvas, margin: float) -> tuple[float, float]:
    """A point ``(x, y)`` at least ``margin`` pixels inside the canvas."""
    height, width = canvas.shape
    return gen.uniform(margin, width - margin), gen.uniform(margin, height - margin)
