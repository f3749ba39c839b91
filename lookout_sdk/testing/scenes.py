"""Seeded inspection scenes for benchmarks: textures and aligned parts, with subtle defects.

Six categories, each drawn at any size from one ``random.Random``:

* textures, where every image is a new patch of material: ``metal`` (brushed),
  ``fabric`` (a plain weave), ``granite`` (grains over multi-scale mottling) and
  ``gravel`` (loose stones, a hard stochastic one);
* aligned parts, drawn from one fixed layout per category and placed with a jitter of a
  few pixels and a small change of lighting: ``board`` (a circuit board with chips,
  passives, traces and vias) and ``bracket`` (a machined plate with holes and a slot).

Each category has its own defects (:data:`CATEGORY_DEFECTS`). Their size and contrast
are drawn from wide ranges fixed in advance, so a fair share is faint or thin: a hairline
scratch one pixel wide at 224 px, a stain that shifts the gray level by a few percent, a
component shifted by two pixels. The mask marks the pixels each defect changed. Needs
numpy and scipy (the ``local`` extra) besides Pillow.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from lookout_sdk.testing.categories import (
    CATEGORIES,
    CATEGORY_DEFECTS,
    DEFECT_COLORS,
    OBJECT_CATEGORIES,
    TEXTURE_CATEGORIES,
)

__all__ = [
    "CATEGORIES",
    "CATEGORY_DEFECTS",
    "DEFECT_COLORS",
    "OBJECT_CATEGORIES",
    "TEXTURE_CATEGORIES",
    "Scene",
    "draw_scene",
]

Array = NDArray[np.float32]
Mask = NDArray[np.bool_]


@attrs.frozen
class Scene:
    """A drawn scene: ``H x W x 3`` uint8 RGB and, per pixel, the defect index (0 = none)."""

    rgb: NDArray[np.uint8]
    labels: NDArray[np.int16]


class _Canvas:
    """A float RGB image with a per-pixel defect label, and the size-relative scale."""

    def __init__(self, rgb: Array) -> None:
        self.rgb = rgb
        self.labels = np.zeros(rgb.shape[:2], dtype=np.int16)
        self.scale = min(rgb.shape[:2]) / 224.0
        self.offset = (0.0, 0.0)  # where an aligned part was placed, in pixels

    @property
    def shape(self) -> tuple[int, int]:
        return self.rgb.shape[0], self.rgb.shape[1]

    def mark(self, where: Mask, label: int) -> None:
        self.labels[where] = label


# ----------------------------------------------------------------------------- helpers


def _blur(values: Array, sigma: float | tuple[float, float]) -> Array:
    from scipy import ndimage  # type: ignore[import-untyped, unused-ignore]

    return np.asarray(ndimage.gaussian_filter(values, sigma, mode="wrap"), dtype=np.float32)


def _unit_noise(gen: np.random.Generator, shape: tuple[int, int], sigma: Any) -> Array:
    """Smooth noise with zero mean and unit deviation."""
    noise = _blur(gen.standard_normal(shape).astype(np.float32), sigma)
    scaled: Array = (noise - noise.mean()) / max(float(noise.std()), 1e-6)
    return scaled


def _grid(shape: tuple[int, int]) -> tuple[Array, Array]:
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    return rows, cols


def _stroke(shape: tuple[int, int], points: list[tuple[float, float]], width: float) -> Array:
    """Coverage (0..1) of an antialiased polyline of ``(x, y)`` points."""
    from PIL import Image, ImageDraw

    factor = 4  # drawn four times larger, then averaged down: soft, thin edges
    height, width_px = shape
    layer = Image.new("L", (width_px * factor, height * factor), 0)
    scaled = [(x * factor, y * factor) for x, y in points]
    ImageDraw.Draw(layer).line(scaled, fill=255, width=max(1, round(width * factor)), joint="curve")
    small = layer.resize((width_px, height), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0


def _disc(shape: tuple[int, int], cx: float, cy: float, rx: float, ry: float) -> Array:
    rows, cols = _grid(shape)
    distance = np.sqrt(((cols - cx) / rx) ** 2 + ((rows - cy) / ry) ** 2)
    return np.clip((1.0 - distance) * min(rx, ry) + 0.5, 0.0, 1.0)


def _blob(
    gen: np.random.Generator, shape: tuple[int, int], cx: float, cy: float, r: float
) -> Array:
    """A soft blob with a ragged outline, 0..1."""
    rows, cols = _grid(shape)
    ragged = 1.0 + 0.25 * _unit_noise(gen, shape, max(1.0, r / 3))
    distance = np.hypot(cols - cx, rows - cy) / (r * ragged)
    blob: Array = np.clip(1.0 - distance**2, 0.0, 1.0) ** 0.7
    return blob


def _walk(
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


def _random_point(gen: np.random.Generator, canvas: _Canvas, margin: float) -> tuple[float, float]:
    height, width = canvas.shape
    return gen.uniform(margin, width - margin), gen.uniform(margin, height - margin)


# ---------------------------------------------------------------------------- textures


def _metal(gen: np.random.Generator, shape: tuple[int, int], scale: float) -> Array:
    streaks = _unit_noise(gen, shape, (0.5 * scale, 14 * scale))
    grain = _unit_noise(gen, shape, 0.6)
    bands = _unit_noise(gen, shape, (20 * scale, 60 * scale))
    level = gen.uniform(125, 150)
    gray = level + 9 * streaks + 3 * grain + 5 * bands
    tint = np.array([1.0, 1.0, 1.03], dtype=np.float32)
    return gray[..., None] * tint


def _fabric(gen: np.random.Generator, shape: tuple[int, int], scale: float) -> Array:
    rows, cols = _grid(shape)
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
    fuzz = 4 * _unit_noise(gen, shape, 0.7)
    rgb: Array = (0.45 + 0.6 * level)[..., None] * color + fuzz[..., None]
    return rgb


def _granite(gen: np.random.Generator, shape: tuple[int, int], scale: float) -> Array:
    mottle = sum(w * _unit_noise(gen, shape, s * scale) for w, s in ((6, 1), (8, 3), (10, 9)))
    dark = _unit_noise(gen, shape, 1.3 * scale) > 1.9
    light = _unit_noise(gen, shape, 1.0 * scale) > 2.1
    pink = np.array([188, 160, 152], dtype=np.float32)
    gray = np.array([150, 150, 155], dtype=np.float32)
    mix = np.clip(0.5 + 0.25 * _unit_noise(gen, shape, 6 * scale), 0, 1)[..., None]
    rgb: Array = mix * pink + (1 - mix) * gray + np.asarray(mottle)[..., None]
    rgb[dark] = rgb[dark] * 0.35
    rgb[light] = rgb[light] * 0.3 + 170
    return rgb


def _gravel(gen: np.random.Generator, shape: tuple[int, int], scale: float) -> Array:
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
    return base + 4 * _unit_noise(gen, shape, 0.6)[..., None]


_TEXTURES: dict[str, Callable[[np.random.Generator, tuple[int, int], float], Array]] = {
    "metal": _metal,
    "fabric": _fabric,
    "granite": _granite,
    "gravel": _gravel,
}


# ------------------------------------------------------------------------ aligned parts


@attrs.frozen
class _Part:
    """One drawable piece of an aligned object: a kind, its box and extra numbers."""

    kind: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 at 224 px
    extra: tuple[float, ...] = ()


def _board_layout() -> list[_Part]:
    rng = random.Random(2024)  # one layout for every board: the parts are aligned
    parts: list[_Part] = []
    for left, top, wide, high in ((30, 40, 46, 30), (120, 32, 56, 40), (70, 140, 40, 40)):
        parts.append(_Part("chip", (left, top, left + wide, top + high)))
    for _ in range(9):
        x, y = rng.uniform(20, 200), rng.uniform(95, 200)
        vertical = rng.random() < 0.5
        w, h = (5.0, 11.0) if vertical else (11.0, 5.0)
        parts.append(_Part("resistor", (x, y, x + w, y + h), (float(vertical),)))
    for x, y in ((185, 120), (160, 185), (30, 195)):
        parts.append(_Part("capacitor", (x - 9, y - 9, x + 9, y + 9)))
    for _ in range(8):
        x, y = rng.uniform(15, 210), rng.uniform(15, 210)
        parts.append(_Part("via", (x - 3, y - 3, x + 3, y + 3)))
    for _ in range(12):
        x0, y0 = rng.uniform(10, 214), rng.uniform(10, 214)
        x1, y1 = rng.uniform(10, 214), rng.uniform(10, 214)
        parts.insert(0, _Part("trace", (x0, y0, x1, y1), (x1, y0)))
    return parts


_BOARD = _board_layout()


def _draw_board_part(draw: Any, part: _Part, k: float, dx: float, dy: float) -> None:
    x0, y0, x1, y1 = ((v * k) for v in part.box)
    x0, x1, y0, y1 = x0 + dx, x1 + dx, y0 + dy, y1 + dy
    if part.kind == "trace":
        corner = (part.extra[0] * k + dx, y0)
        draw.line([(x0, y0), corner, (x1, y1)], fill=(176, 148, 70), width=max(1, round(3 * k)))
    elif part.kind == "chip":
        pin = max(1.0, 3 * k)
        for i in range(int((x1 - x0) // (2 * pin))):
            px = x0 + pin * (2 * i + 0.5)
            draw.rectangle([px, y0 - 2 * pin, px + pin, y1 + 2 * pin], fill=(200, 200, 205))
        draw.rectangle([x0, y0, x1, y1], fill=(28, 28, 32))
        draw.ellipse([x0 + 2 * k, y0 + 2 * k, x0 + 6 * k, y0 + 6 * k], fill=(70, 70, 74))
    elif part.kind == "resistor":
        draw.rectangle([x0, y0, x1, y1], fill=(40, 36, 30))
        end = 2.5 * k
        if part.extra[0]:
            draw.rectangle([x0, y0, x1, y0 + end], fill=(210, 210, 210))
            draw.rectangle([x0, y1 - end, x1, y1], fill=(210, 210, 210))
        else:
            draw.rectangle([x0, y0, x0 + end, y1], fill=(210, 210, 210))
            draw.rectangle([x1 - end, y0, x1, y1], fill=(210, 210, 210))
    elif part.kind == "capacitor":
        draw.ellipse([x0, y0, x1, y1], fill=(150, 150, 160), outline=(60, 60, 70), width=2)
        draw.pieslice([x0, y0, x1, y1], 200, 250, fill=(60, 60, 90))
    elif part.kind == "via":
        draw.ellipse([x0, y0, x1, y1], fill=(190, 160, 80))
        draw.ellipse([x0 + 1.5 * k, y0 + 1.5 * k, x1 - 1.5 * k, y1 - 1.5 * k], fill=(15, 15, 15))


def _render_parts(
    shape: tuple[int, int],
    *,
    background: Array,
    parts: list[_Part],
    painter: Callable[[Any, _Part, float, float, float], None],
    offset: tuple[float, float],
    moved: dict[int, tuple[float, float]] | None = None,
) -> Array:
    from PIL import Image, ImageDraw

    image = Image.fromarray(np.clip(background, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    k = min(shape) / 224.0
    for index, part in enumerate(parts):
        shift = (moved or {}).get(index, (0.0, 0.0))
        painter(draw, part, k, offset[0] + shift[0] * k, offset[1] + shift[1] * k)
    return np.asarray(image, dtype=np.float32)


def _board(
    gen: np.random.Generator, canvas_shape: tuple[int, int], defect: str | None
) -> tuple[Array, Mask | None, tuple[float, float]]:
    k = min(canvas_shape) / 224.0
    offset = (gen.uniform(-2, 2) * k, gen.uniform(-2, 2) * k)
    weave = 5 * _unit_noise(gen, canvas_shape, 0.8)
    green = np.array([34, 104, 58], dtype=np.float32)
    background = green + weave[..., None] * np.array([0.4, 1.0, 0.5], dtype=np.float32)
    parts = list(_BOARD)
    moved: dict[int, tuple[float, float]] = {}
    clean = _render_parts(
        canvas_shape, background=background, parts=parts, painter=_draw_board_part, offset=offset
    )
    if defect == "missing":
        candidates = [i for i, p in enumerate(parts) if p.kind in ("resistor", "capacitor", "chip")]
        del parts[int(gen.choice(candidates))]
    elif defect == "shift":
        candidates = [i for i, p in enumerate(parts) if p.kind in ("resistor", "capacitor", "chip")]
        index = int(gen.choice(candidates))
        distance, angle = gen.uniform(2, 5), gen.uniform(0, 2 * math.pi)
        moved[index] = (distance * math.cos(angle), distance * math.sin(angle))
    rgb = _render_parts(
        canvas_shape,
        background=background,
        parts=parts,
        painter=_draw_board_part,
        offset=offset,
        moved=moved,
    )
    if defect in ("missing", "shift"):
        changed = np.abs(rgb - clean).max(axis=2) > 12
        return rgb, changed, offset
    return rgb, None, offset


def _draw_bracket_part(draw: Any, part: _Part, k: float, dx: float, dy: float) -> None:
    x0, y0, x1, y1 = ((v * k) for v in part.box)
    box = [x0 + dx, y0 + dy, x1 + dx, y1 + dy]
    if part.kind == "hole":
        draw.ellipse(box, fill=(24, 24, 27))
    elif part.kind == "slot":
        draw.rounded_rectangle(box, radius=(y1 - y0) / 2, fill=(24, 24, 27))


_BRACKET_PLATE = (28.0, 48.0, 196.0, 176.0)
_BRACKET_HOLES = [
    _Part("hole", (40, 60, 60, 80)),
    _Part("hole", (164, 60, 184, 80)),
    _Part("hole", (40, 144, 60, 164)),
    _Part("hole", (164, 144, 184, 164)),
    _Part("slot", (82, 104, 142, 120)),
    _Part("hole", (104, 64, 120, 80)),
    _Part("hole", (104, 144, 120, 160)),
]


def _bracket(
    gen: np.random.Generator, canvas_shape: tuple[int, int], defect: str | None
) -> tuple[Array, Mask | None, Mask, tuple[float, float]]:
    from PIL import Image, ImageDraw

    k = min(canvas_shape) / 224.0
    dx, dy = gen.uniform(-2, 2) * k, gen.uniform(-2, 2) * k
    height, width = canvas_shape
    plate = Image.new("L", (width, height), 0)
    x0, y0, x1, y1 = (v * k for v in _BRACKET_PLATE)
    ImageDraw.Draw(plate).rounded_rectangle(
        [x0 + dx, y0 + dy, x1 + dx, y1 + dy], radius=14 * k, fill=255
    )
    holes = list(_BRACKET_HOLES)
    if defect == "missing_hole":
        del holes[int(gen.integers(len(holes)))]
    hole_layer = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(hole_layer)
    for part in holes:
        _draw_bracket_part(draw, part, k, dx, dy)
    drilled = np.asarray(hole_layer)[..., 0] < 128
    solid = (np.asarray(plate) > 127) & ~drilled
    metal = _metal(gen, canvas_shape, k) * 1.1
    floor = (
        np.full((height, width, 3), 24.0, dtype=np.float32)
        + 3 * _unit_noise(gen, canvas_shape, 1)[..., None]
    )
    coverage = _blur(solid.astype(np.float32), 0.6)[..., None]
    rgb = coverage * metal + (1 - coverage) * floor
    changed: Mask | None = None
    if defect == "missing_hole":
        full = Image.new("RGB", (width, height), (255, 255, 255))
        full_draw = ImageDraw.Draw(full)
        for part in _BRACKET_HOLES:
            _draw_bracket_part(full_draw, part, k, dx, dy)
        changed = (np.asarray(full)[..., 0] < 128) & ~drilled
    return rgb, changed, solid, (dx, dy)


# ------------------------------------------------------------------------------ defects


def _scratch(gen: np.random.Generator, canvas: _Canvas, label: int, region: Mask | None) -> None:
    height, width = canvas.shape
    start = _random_point(gen, canvas, 10 * canvas.scale)
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
    cover = _stroke(canvas.shape, points, gen.uniform(0.8, 1.6) * canvas.scale)
    if region is not None:
        cover *= region
    delta = gen.uniform(18, 70) * (1 if gen.random() < 0.5 else -1)
    canvas.rgb += delta * cover[..., None]
    canvas.mark(cover > 0.3, label)


def _crack(gen: np.random.Generator, canvas: _Canvas, label: int, region: Mask | None) -> None:
    start = _random_point(gen, canvas, 30 * canvas.scale)
    points = _walk(gen, start, int(gen.integers(10, 30)), 3.0 * canvas.scale)
    cover = _stroke(canvas.shape, points, gen.uniform(1.0, 2.0) * canvas.scale)
    if region is not None:
        cover *= region
    darkening = gen.uniform(0.25, 0.7)
    canvas.rgb *= (1 - darkening * cover)[..., None]
    canvas.mark(cover > 0.3, label)


def _stain(gen: np.random.Generator, canvas: _Canvas, label: int, region: Mask | None) -> None:
    radius = gen.uniform(8, 24) * canvas.scale
    cx, cy = _random_point(gen, canvas, radius + 8 * canvas.scale)
    blob = _blob(gen, canvas.shape, cx, cy, radius)
    if region is not None:
        blob *= region
    strength = gen.uniform(0.06, 0.3)
    tone = np.array([0.75, 0.62, 0.4], dtype=np.float32) * gen.uniform(0.6, 1.0)
    mean = canvas.rgb.reshape(-1, 3).mean(axis=0)
    target = mean * tone
    canvas.rgb += strength * blob[..., None] * (target - canvas.rgb)
    canvas.mark(blob > 0.35, label)


def _hole(gen: np.random.Generator, canvas: _Canvas, label: int, region: Mask | None) -> None:
    radius = gen.uniform(2.5, 8) * canvas.scale
    cx, cy = _random_point(gen, canvas, radius + 6 * canvas.scale)
    squash = gen.uniform(0.7, 1.0)
    disc = _disc(canvas.shape, cx, cy, radius, radius * squash)
    rim = np.clip(
        _disc(canvas.shape, cx, cy, radius + 1.5 * canvas.scale, (radius + 1.5) * squash) - disc,
        0,
        1,
    )
    depth = gen.uniform(0.45, 0.9)
    canvas.rgb *= (1 - depth * disc)[..., None]
    canvas.rgb += 25 * rim[..., None]
    canvas.mark(disc > 0.5, label)


def _cut(gen: np.random.Generator, canvas: _Canvas, label: int, region: Mask | None) -> None:
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


def _thread(gen: np.random.Generator, canvas: _Canvas, label: int, region: Mask | None) -> None:
    """A pulled thread: a band one thread wide, brighter or darker, along a weave axis."""
    height, width = canvas.shape
    band = 4.0 * canvas.scale * gen.uniform(0.6, 1.2)
    length = gen.uniform(0.3, 0.9)
    cx, cy = _random_point(gen, canvas, 10 * canvas.scale)
    rows, cols = _grid(canvas.shape)
    if gen.random() < 0.5:
        across, along, extent = rows - cy, cols - cx, width
    else:
        across, along, extent = cols - cx, rows - cy, height
    cover = np.clip(band / 2 - np.abs(across) + 0.5, 0, 1) * (np.abs(along) < length * extent / 2)
    delta = gen.uniform(15, 45) * (1 if gen.random() < 0.5 else -1)
    canvas.rgb += delta * cover[..., None]
    canvas.mark(cover > 0.5, label)


def _solder(gen: np.random.Generator, canvas: _Canvas, label: int, region: Mask | None) -> None:
    """A solder bridge or splash: a small bright blob on the board."""
    chip = _BOARD[[p.kind for p in _BOARD].index("chip") + int(gen.integers(3))]
    k = canvas.scale
    x = gen.uniform(chip.box[0], chip.box[2]) * k + canvas.offset[0]
    y = (chip.box[1] - 4 if gen.random() < 0.5 else chip.box[3] + 4) * k + canvas.offset[1]
    blob = _disc(canvas.shape, x, y, gen.uniform(2, 4.5) * k, gen.uniform(1.5, 3) * k)
    before = canvas.rgb.copy()
    canvas.rgb += blob[..., None] * (np.float32(215) - canvas.rgb)
    canvas.mark((blob > 0.5) & (np.abs(canvas.rgb - before).max(axis=2) > 10), label)


def _trace_cut(gen: np.random.Generator, canvas: _Canvas, label: int, region: Mask | None) -> None:
    """A break in a copper trace: a short gap in the board's own colour."""
    traces = [p for p in _BOARD if p.kind == "trace"]
    trace = traces[int(gen.integers(len(traces)))]
    k = canvas.scale
    dx, dy = canvas.offset
    x0, y0, corner_x = trace.box[0] * k + dx, trace.box[1] * k + dy, trace.extra[0] * k + dx
    t = gen.uniform(0.2, 0.8)
    x = x0 + t * (corner_x - x0)
    gap = gen.uniform(2, 5) * k
    box = _disc(canvas.shape, x, y0, gap, 3.5 * k)
    canvas.rgb += box[..., None] * (np.array([34, 104, 58], dtype=np.float32) - canvas.rgb)
    canvas.mark(box > 0.5, label)


def _chip(gen: np.random.Generator, canvas: _Canvas, label: int, region: Mask | None) -> None:
    """A bite out of the plate's edge: the floor shows through."""
    dx, dy = canvas.offset
    x0, x1 = (v * canvas.scale + dx for v in _BRACKET_PLATE[::2])
    y0, y1 = (v * canvas.scale + dy for v in _BRACKET_PLATE[1::2])
    side = int(gen.integers(4))
    t = gen.uniform(0.2, 0.8)
    cx, cy = [
        (x0 + t * (x1 - x0), y0),
        (x0 + t * (x1 - x0), y1),
        (x0, y0 + t * (y1 - y0)),
        (x1, y0 + t * (y1 - y0)),
    ][side]
    radius = gen.uniform(3, 8) * canvas.scale
    bite = _disc(canvas.shape, cx, cy, radius, radius * gen.uniform(0.6, 1.0))
    if region is not None:
        bite *= _blur(region.astype(np.float32), 0.6)
    canvas.rgb += bite[..., None] * (np.float32(24) - canvas.rgb)
    canvas.mark(bite > 0.5, label)


_DEFECTS: dict[str, Callable[[np.random.Generator, _Canvas, int, Mask | None], None]] = {
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


def draw_scene(
    rng: random.Random, category: str, size: tuple[int, int], defects: tuple[str, ...] = ()
) -> Scene:
    """Draw one image of ``category`` at ``size`` (``(width, height)``) with ``defects``.

    ``labels`` holds ``k`` (1-based) where ``defects[k - 1]`` changed the image.

    Raises:
        ValueError: an unknown category, or a defect the category does not have.
    """
    if category not in CATEGORY_DEFECTS:
        raise ValueError(f"unknown category {category!r}; choose from {', '.join(CATEGORIES)}")
    for defect in defects:
        if defect not in CATEGORY_DEFECTS[category]:
            raise ValueError(f"{category!r} has no defect {defect!r}")
    gen = np.random.default_rng(rng.getrandbits(64))
    shape = (size[1], size[0])
    structural = next((d for d in defects if d in ("missing", "shift", "missing_hole")), None)
    region: Mask | None = None
    changed: Mask | None = None
    offset = (0.0, 0.0)
    if category == "board":
        rgb, changed, offset = _board(gen, shape, structural)
    elif category == "bracket":
        rgb, changed, region, offset = _bracket(gen, shape, structural)
    else:
        rgb = _TEXTURES[category](gen, shape, min(shape) / 224.0)
    canvas = _Canvas(rgb.astype(np.float32))
    canvas.offset = offset
    if category in OBJECT_CATEGORIES:
        canvas.rgb *= np.float32(gen.uniform(0.95, 1.05))
    for label, defect in enumerate(defects, start=1):
        if defect == structural and changed is not None:
            canvas.mark(changed, label)
            continue
        _DEFECTS[defect](gen, canvas, label, region)
    noise = gen.normal(0, 1.5, canvas.rgb.shape).astype(np.float32)
    rgb8 = np.clip(canvas.rgb + noise + 0.5, 0, 255).astype(np.uint8)
    return Scene(rgb=rgb8, labels=canvas.labels)
