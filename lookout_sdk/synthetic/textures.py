"""The materials of the synthetic scenes: every image is a new patch of one of them."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from lookout_sdk.synthetic.canvas import Array, grid_coords, unit_noise

__all__ = ["TEXTURES", "fabric", "granite", "gravel", "metal"]


def metal(gen: np.random.Generator, shape: tuple[int, int], scale: float) -> Array:
    """Brushed metal: streaks along one axis over fine grain and broad bands."""
    streaks = unit_noise(gen, shape, (0.5 * scale, 14 * scale))
    grain = unit_noise(gen, shape, 0.6)
    bands = unit_noise(gen, shape, (20 * scale, 60 * scale))
    level = gen.uniform(125, 150)
    gray = level + 9 * streaks + 3 * grain + 5 * bands
    tint = np.array([1.0, 1.0, 1.03], dtype=np.float32)
    return gray[..., None] * tint


def fabric(gen: np.random.Generator, shape: tuple[int, int], scale: float) -> Array:
    """A plain weave, slightly rotated, with uneven threads."""
    rows, cols = grid_coords(shape)
    angle = math.radians(gen.uniform(-3, 3))
    period = 8.0 * scale * gen.uniform(0.97, 1.03)
    u = (cols * math.cos(angle) + rows * math.sin(angle)) / period + gen.uniform(0, 2)
    v = (rows * math.cos(angle) - cols * math.sin(angle)) / period + gen.uniform(0, 2)
    iu, iv = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
    warp = np.sin(math.pi * (u - iu)) ** 0.6
    weft = np.sin(math.pi * (v - iv)) ** 0.6
    over = (iu + iv) % 2 == 0
    jitter_u = 1 + 0.06 * gen.standard_normal(int(iu.max() - iu.min()) + 1)
    jitter_v = 1 + 0.06 * gen.standard_normal(int(iv.max() - iv.min()) + 1)
    level = np.where(
        over, warp * jitter_u[iu - iu.min()], weft * 0.92 * jitter_v[iv - iv.min()]
    ).astype(np.float32)
    color = np.array([70, 88, 138], dtype=np.float32) * gen.uniform(0.95, 1.05)
    fuzz = 4 * unit_noise(gen, shape, 0.7)
    rgb: Array = (0.45 + 0.6 * level)[..., None] * color + fuzz[..., None]
    return rgb


def granite(gen: np.random.Generator, shape: tuple[int, int], scale: float) -> Array:
    """Grains over multi-scale mottling, in pink and grey."""
    mottle = sum(w * unit_noise(gen, shape, s * scale) for w, s in ((6, 1), (8, 3), (10, 9)))
    dark = unit_noise(gen, shape, 1.3 * scale) > 1.9
    light = unit_noise(gen, shape, 1.0 * scale) > 2.1
    pink = np.array([188, 160, 152], dtype=np.float32)
    gray = np.array([150, 150, 155], dtype=np.float32)
    mix = np.clip(0.5 + 0.25 * unit_noise(gen, shape, 6 * scale), 0, 1)[..., None]
    rgb: Array = mix * pink + (1 - mix) * gray + np.asarray(mottle)[..., None]
    rgb[dark] = rgb[dark] * 0.35
    rgb[light] = rgb[light] * 0.3 + 170
    return rgb


def gravel(gen: np.random.Generator, shape: tuple[int, int], scale: float) -> Array:
    """Loose stones of random size, tone and angle on a dark floor."""
    height, width = shape
    base = np.full((height, width, 3), 38.0, dtype=np.float32)
    count = int(1.2 * height * width / (110 * scale * scale))
    for _ in range(count):
        rx, ry = gen.uniform(5, 13) * scale, gen.uniform(4, 10) * scale
        cx, cy = gen.uniform(-5, width + 5), gen.uniform(-5, height + 5)
        angle = gen.uniform(0, math.pi)
        top, bottom = max(0, int(cy - 14 * scale)), min(height, int(cy + 14 * scale) + 1)
        left, right = max(0, int(cx - 14 * scale)), min(width, int(cx + 14 * scale) + 1)
        if top >= bottom or left >= right:
            continue
        rows, cols = np.mgrid[top:bottom, left:right].astype(np.float32)
        du, dv = cols - cx, rows - cy
        a = (du * math.cos(angle) + dv * math.sin(angle)) / rx
        b = (dv * math.cos(angle) - du * math.sin(angle)) / ry
        radius = a * a + b * b
        inside = radius < 1
        shade = 1.0 - 0.45 * radius - 0.15 * b
        tone = gen.uniform(70, 200) * np.array(
            [1.0, gen.uniform(0.9, 1.0), gen.uniform(0.78, 0.95)], dtype=np.float32
        )
        patch = base[top:bottom, left:right]
        patch[inside] = tone * shade[inside][:, None]
    return base + 4 * unit_noise(gen, shape, 0.6)[..., None]


TEXTURES: dict[str, Callable[[np.random.Generator, tuple[int, int], float], Array]] = {
    "metal": metal,
    "fabric": fabric,
    "granite": granite,
    "gravel": gravel,
}
