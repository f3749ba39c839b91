"""The defects of the synthetic scenes, each painted on a canvas and marked in its labels."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from lookout_sdk.synthetic.canvas import (
    Canvas,
    Mask,
    blob_cover,
    blur,
    disc_cover,
    grid_coords,
    random_point,
    random_walk,
    stroke_cover,
)
from lookout_sdk.synthetic.parts import BOARD, BRACKET_PLATE

__all__ = ["DEFECTS"]


def _scratch(gen: np.random.Generator, canvas: Canvas, label: int, region: Mask | None) -> None:
    height, width = canvas.shape
    start = random_point(gen, canvas, 10 * canvas.scale)
    length = gen.uniform(0.25, 0.7) * min(height, width)
    angle = gen.uniform(0, 2 * math.pi)
    bend = gen.uniform(-0.15, 0.15)
    points = [
        (
            start[0] + t * length * math.cos(angle + bend * t),
            start[1] + t * length * math.sin(angle + bend * t),
        )
        for t in np.linspace(0, 1, 12)
    ]
    cover = stroke_cover(canvas.shape, points, gen.uniform(0.8, 1.6) * canvas.scale)
    if region is not None:
        cover *= region
    delta = gen.uniform(18, 70) * (1 if gen.random() < 0.5 else -1)
    canvas.rgb += delta * cover[..., None]
    canvas.mark(cover > 0.3, label)


def _crack(gen: np.random.Generator, canvas: Canvas, label: int, region: Mask | None) -> None:
    start = random_point(gen, canvas, 30 * canvas.scale)
    points = random_walk(gen, start, int(gen.integers(10, 30)), 3.0 * canvas.scale)
    cover = stroke_cover(canvas.shape, points, gen.uniform(1.0, 2.0) * canvas.scale)
    if region is not None:
        cover *= region
    darkening = gen.uniform(0.25, 0.7)
    canvas.rgb *= (1 - darkening * cover)[..., None]
    canvas.mark(cover > 0.3, label)


def _stain(gen: np.random.Generator, canvas: Canvas, label: int, region: Mask | None) -> None:
    radius = gen.uniform(8, 24) * canvas.scale
    cx, cy = random_point(gen, canvas, radius + 8 * canvas.scale)
    blob = blob_cover(gen, canvas.shape, cx, cy, radius)
    if region is not None:
        blob *= region
    strength = gen.uniform(0.06, 0.3)
    tone = np.array([0.75, 0.62, 0.4], dtype=np.float32) * gen.uniform(0.6, 1.0)
    mean = canvas.rgb.reshape(-1, 3).mean(axis=0)
    target = mean * tone
    canvas.rgb += strength * blob[..., None] * (target - canvas.rgb)
    canvas.mark(blob > 0.35, label)


def _hole(gen: np.random.Generator, canvas: Canvas, label: int, region: Mask | None) -> None:
    radius = gen.uniform(2.5, 8) * canvas.scale
    cx, cy = random_point(gen, canvas, radius + 6 * canvas.scale)
    squash = gen.uniform(0.7, 1.0)
    disc = disc_cover(canvas.shape, cx, cy, radius, radius * squash)
    outer = radius + 1.5 * canvas.scale
    rim = np.clip(disc_cover(canvas.shape, cx, cy, outer, outer * squash) - disc, 0, 1)
    depth = gen.uniform(0.45, 0.9)
    canvas.rgb *= (1 - depth * disc)[..., None]
    canvas.rgb += 25 * rim[..., None]
    canvas.mark(disc > 0.5, label)


def _cut(gen: np.random.Generator, canvas: Canvas, label: int, region: Mask | None) -> None:
    """A patch of the same material, turned a quarter or zoomed in, pasted elsewhere."""
    from PIL import Image

    height, width = canvas.shape
    side = int(gen.uniform(16, 40) * canvas.scale)
    x0, y0 = int(gen.integers(0, width - side)), int(gen.integers(0, height - side))
    sx, sy = int(gen.integers(0, width - side)), int(gen.integers(0, height - side))
    source = canvas.rgb[sy : sy + side, sx : sx + side].copy()
    if gen.random() < 0.5:
        patch = np.ascontiguousarray(np.rot90(source))
    else:
        crop = max(4, int(side / gen.uniform(1.4, 2.0)))
        small = Image.fromarray(np.clip(source[:crop, :crop], 0, 255).astype(np.uint8))
        patch = np.asarray(small.resize((side, side), Image.Resampling.BILINEAR), np.float32)
    rows, cols = np.mgrid[0:side, 0:side].astype(np.float32)
    edge = np.minimum(np.minimum(rows, cols), np.minimum(side - 1 - rows, side - 1 - cols))
    alpha = np.clip(edge / 2.0, 0, 1)
    target = canvas.rgb[y0 : y0 + side, x0 : x0 + side]
    target += alpha[..., None] * (patch - target)
    window = np.zeros(canvas.shape, dtype=bool)
    window[y0 : y0 + side, x0 : x0 + side] = alpha > 0.5
    canvas.mark(window, label)


def _thread(gen: np.random.Generator, canvas: Canvas, label: int, region: Mask | None) -> None:
    """A pulled thread: a band one thread wide, brighter or darker, along a weave axis."""
    height, width = canvas.shape
    band = 4.0 * canvas.scale * gen.uniform(0.6, 1.2)
    length = gen.uniform(0.3, 0.9)
    cx, cy = random_point(gen, canvas, 10 * canvas.scale)
    rows, cols = grid_coords(canvas.shape)
    if gen.random() < 0.5:
        across, along, extent = rows - cy, cols - cx, width
    else:
        across, along, extent = cols - cx, rows - cy, height
    cover = np.clip(band / 2 - np.abs(across) + 0.5, 0, 1) * (np.abs(along) < length * extent / 2)
    delta = gen.uniform(15, 45) * (1 if gen.random() < 0.5 else -1)
    canvas.rgb += delta * cover[..., None]
    canvas.mark(cover > 0.5, label)


def _solder(gen: np.random.Generator, canvas: Canvas, label: int, region: Mask | None) -> None:
    """A solder bridge or splash: a small bright blob on the board."""
    chip = BOARD[[p.kind for p in BOARD].index("chip") + int(gen.integers(3))]
    k = canvas.scale
    x = gen.uniform(chip.box[0], chip.box[2]) * k + canvas.offset[0]
    y = (chip.box[1] - 4 if gen.random() < 0.5 else chip.box[3] + 4) * k + canvas.offset[1]
    blob = disc_cover(canvas.shape, x, y, gen.uniform(2, 4.5) * k, gen.uniform(1.5, 3) * k)
    before = canvas.rgb.copy()
    canvas.rgb += blob[..., None] * (np.float32(215) - canvas.rgb)
    canvas.mark((blob > 0.5) & (np.abs(canvas.rgb - before).max(axis=2) > 10), label)


def _trace_cut(gen: np.random.Generator, canvas: Canvas, label: int, region: Mask | None) -> None:
    """A break in a copper trace: a short gap in the board's own colour."""
    traces = [p for p in BOARD if p.kind == "trace"]
    trace = traces[int(gen.integers(len(traces)))]
    k = canvas.scale
    dx, dy = canvas.offset
    x0, y0, corner_x = trace.box[0] * k + dx, trace.box[1] * k + dy, trace.extra[0] * k + dx
    t = gen.uniform(0.2, 0.8)
    x = x0 + t * (corner_x - x0)
    gap = gen.uniform(2, 5) * k
    box = disc_cover(canvas.shape, x, y0, gap, 3.5 * k)
    canvas.rgb += box[..., None] * (np.array([34, 104, 58], dtype=np.float32) - canvas.rgb)
    canvas.mark(box > 0.5, label)


def _chip(gen: np.random.Generator, canvas: Canvas, label: int, region: Mask | None) -> None:
    """A bite out of the plate's edge: the floor shows through."""
    dx, dy = canvas.offset
    x0, x1 = (v * canvas.scale + dx for v in BRACKET_PLATE[::2])
    y0, y1 = (v * canvas.scale + dy for v in BRACKET_PLATE[1::2])
    side = int(gen.integers(4))
    t = gen.uniform(0.2, 0.8)
    cx, cy = [
        (x0 + t * (x1 - x0), y0),
        (x0 + t * (x1 - x0), y1),
        (x0, y0 + t * (y1 - y0)),
        (x1, y0 + t * (y1 - y0)),
    ][side]
    radius = gen.uniform(3, 8) * canvas.scale
    bite = disc_cover(canvas.shape, cx, cy, radius, radius * gen.uniform(0.6, 1.0))
    if region is not None:
        bite *= blur(region.astype(np.float32), 0.6)
    canvas.rgb += bite[..., None] * (np.float32(24) - canvas.rgb)
    canvas.mark(bite > 0.5, label)


DEFECTS: dict[str, Callable[[np.random.Generator, Canvas, int, Mask | None], None]] = {
    "scratch": _scratch,
    "crack": _crack,
    "stain": _stain,
    "hole": _hole,
    "cut": _cut,
    "thread": _thread,
    "solder": _solder,
    "trace_cut": _trace_cut,
    "chip": _chip,
}
