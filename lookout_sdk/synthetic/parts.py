"""The aligned parts of the synthetic scenes: a circuit board and a machined bracket.

Each is drawn from one fixed layout (at 224 px, scaled to the image) and placed with a
jitter of a few pixels, so images of one category line up as parts on a line do.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from lookout_sdk.synthetic.canvas import Array, Mask, blur, unit_noise
from lookout_sdk.synthetic.textures import metal

__all__ = ["BOARD", "BRACKET_PLATE", "draw_board", "draw_bracket"]


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


BOARD = _board_layout()


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


def draw_board(
    gen: np.random.Generator, canvas_shape: tuple[int, int], defect: str | None
) -> tuple[Array, Mask | None, tuple[float, float]]:
    """Draw the circuit board, with ``defect`` if it is a structural one.

    Returns the RGB image, the pixels a structural defect changed, and the placement.
    """
    k = min(canvas_shape) / 224.0
    offset = (gen.uniform(-2, 2) * k, gen.uniform(-2, 2) * k)
    weave = 5 * unit_noise(gen, canvas_shape, 0.8)
    green = np.array([34, 104, 58], dtype=np.float32)
    background = green + weave[..., None] * np.array([0.4, 1.0, 0.5], dtype=np.float32)
    parts = list(BOARD)
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


BRACKET_PLATE = (28.0, 48.0, 196.0, 176.0)
_BRACKET_HOLES = [
    _Part("hole", (40, 60, 60, 80)),
    _Part("hole", (164, 60, 184, 80)),
    _Part("hole", (40, 144, 60, 164)),
    _Part("hole", (164, 144, 184, 164)),
    _Part("slot", (82, 104, 142, 120)),
    _Part("hole", (104, 64, 120, 80)),
    _Part("hole", (104, 144, 120, 160)),
]


def draw_bracket(
    gen: np.random.Generator, canvas_shape: tuple[int, int], defect: str | None
) -> tuple[Array, Mask | None, Mask, tuple[float, float]]:
    """Draw the bracket, with ``defect`` if it is a structural one.

    Returns the RGB image, the pixels a structural defect changed, the plate's pixels
    and the placement.
    """
    from PIL import Image, ImageDraw

    k = min(canvas_shape) / 224.0
    dx, dy = gen.uniform(-2, 2) * k, gen.uniform(-2, 2) * k
    height, width = canvas_shape
    plate = Image.new("L", (width, height), 0)
    x0, y0, x1, y1 = (v * k for v in BRACKET_PLATE)
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
    plate_rgb = metal(gen, canvas_shape, k) * 1.1
    floor = (
        np.full((height, width, 3), 24.0, dtype=np.float32)
        + 3 * unit_noise(gen, canvas_shape, 1)[..., None]
    )
    coverage = blur(solid.astype(np.float32), 0.6)[..., None]
    rgb = coverage * plate_rgb + (1 - coverage) * floor
    changed: Mask | None = None
    if defect == "missing_hole":
        full = Image.new("RGB", (width, height), (255, 255, 255))
        full_draw = ImageDraw.Draw(full)
        for part in _BRACKET_HOLES:
            _draw_bracket_part(full_draw, part, k, dx, dy)
        changed = (np.asarray(full)[..., 0] < 128) & ~drilled
    return rgb, changed, solid, (dx, dy)
