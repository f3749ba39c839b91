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

import random

import numpy as np

from lookout_sdk.errors import InvalidInputError
from lookout_sdk.synthetic.canvas import Canvas, Mask, Scene
from lookout_sdk.synthetic.categories import (
    CATEGORIES,
    CATEGORY_DEFECTS,
    DEFECT_COLORS,
    OBJECT_CATEGORIES,
    TEXTURE_CATEGORIES,
)
from lookout_sdk.synthetic.defects import DEFECTS
from lookout_sdk.synthetic.parts import draw_board, draw_bracket
from lookout_sdk.synthetic.textures import TEXTURES

__all__ = [
    "CATEGORIES",
    "CATEGORY_DEFECTS",
    "DEFECT_COLORS",
    "OBJECT_CATEGORIES",
    "TEXTURE_CATEGORIES",
    "Scene",
    "draw_scene",
]


def draw_scene(
    rng: random.Random, category: str, size: tuple[int, int], defects: tuple[str, ...] = ()
) -> Scene:
    """Draw one image of ``category`` at ``size`` (``(width, height)``) with ``defects``.

    ``labels`` holds ``k`` (1-based) where ``defects[k - 1]`` changed the image.

    Raises:
        InvalidInputError: an unknown category, or a defect the category does not have.
    """
    if category not in CATEGORY_DEFECTS:
        reason = f"unknown category {category!r}; choose from {', '.join(CATEGORIES)}"
        raise InvalidInputError.of("category", reason)
    for defect in defects:
        if defect not in CATEGORY_DEFECTS[category]:
            raise InvalidInputError.of("defects", f"{category!r} has no defect {defect!r}")
    gen = np.random.default_rng(rng.getrandbits(64))
    shape = (size[1], size[0])
    structural = next((d for d in defects if d in ("missing", "shift", "missing_hole")), None)
    region: Mask | None = None
    changed: Mask | None = None
    offset = (0.0, 0.0)
    if category == "board":
        rgb, changed, offset = draw_board(gen, shape, structural)
    elif category == "bracket":
        rgb, changed, region, offset = draw_bracket(gen, shape, structural)
    else:
        rgb = TEXTURES[category](gen, shape, min(shape) / 224.0)
    canvas = Canvas(rgb.astype(np.float32))
    canvas.offset = offset
    if category in OBJECT_CATEGORIES:
        canvas.rgb *= np.float32(gen.uniform(0.95, 1.05))
    for label, defect in enumerate(defects, start=1):
        if defect == structural and changed is not None:
            canvas.mark(changed, label)
            continue
        DEFECTS[defect](gen, canvas, label, region)
    noise = gen.normal(0, 1.5, canvas.rgb.shape).astype(np.float32)
    rgb8 = np.clip(canvas.rgb + noise + 0.5, 0, 255).astype(np.uint8)
    return Scene(rgb=rgb8, labels=canvas.labels)
