"""Seeded synthetic inspection images with defects and masks, for tests and demos.

Each image is a grey, brushed-metal-like texture. Anomalous images carry one or more
defects drawn on top (a dark ``scratch``, a round ``hole``, a soft ``stain``), and their
masks paint each defect's pixels in its class colour over the background colour. The
same seed always gives the same bytes. Pillow is required (the ``datasets`` extra).

With ``category=`` (see :mod:`lookout_sdk.synthetic.scenes`), the image is instead one of
six benchmark categories (four textures, two aligned parts) with that category's
defects (:data:`CATEGORY_DEFECTS`), masks painted in :data:`DEFECT_COLORS`; these also
need numpy and scipy (the ``local`` extra). Without it, every output is as before.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from lookout_sdk.synthetic.categories import (
    BACKGROUND_COLOR,
    CATEGORIES,
    CATEGORY_DEFECTS,
    DEFECT_COLORS,
)

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "BACKGROUND_COLOR",
    "CATEGORIES",
    "CATEGORY_DEFECTS",
    "DEFECT_CLASSES",
    "DEFECT_COLORS",
    "SyntheticImage",
    "make_image",
    "write_dataset_folder",
]

#: The defect classes the generator can draw, with their mask colours.
DEFECT_CLASSES: dict[str, str] = {
    kind: DEFECT_COLORS[kind] for kind in ("scratch", "hole", "stain")
}


@attrs.frozen
class SyntheticImage:
    """One generated image: its encoded bytes, and the mask's for anomalies."""

    data: bytes
    defects: tuple[str, ...]
    mask: bytes | None = attrs.field(default=None, repr=False)


def _texture(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    from PIL import Image, ImageFilter

    width, height = size
    noise = Image.frombytes("L", size, rng.randbytes(width * height))
    grain = noise.resize((width, max(1, height // 8))).resize(size)  # streaks along x
    texture = Image.blend(noise.filter(ImageFilter.GaussianBlur(1.2)), grain, 0.5)
    level = rng.randint(110, 150)
    return texture.point(lambda v: max(0, min(255, level + (v - 128) // 4))).convert("RGB")


def _draw_defect(
    kind: str, rng: random.Random, size: tuple[int, int], image_draw: object, mask_draw: object
) -> None:
    from PIL import ImageDraw

    width, height = size
    assert isinstance(image_draw, ImageDraw.ImageDraw)
    assert isinstance(mask_draw, ImageDraw.ImageDraw)
    color = DEFECT_CLASSES[kind]
    if kind == "scratch":
        start = (rng.randint(0, width // 3), rng.randint(0, height - 1))
        end = (rng.randint(2 * width // 3, width - 1), rng.randint(0, height - 1))
        line_width = max(2, width // 48)
        image_draw.line([start, end], fill=(25, 25, 25), width=line_width)
        mask_draw.line([start, end], fill=color, width=line_width)
        return
    radius = rng.randint(max(3, width // 16), max(4, width // 8))
    cx, cy = rng.randint(radius, width - radius), rng.randint(radius, height - radius)
    box = [cx - radius, cy - radius, cx + radius, cy + radius]
    shade = (10, 10, 10) if kind == "hole" else (170, 120, 60)
    image_draw.ellipse(box, fill=shade)
    mask_draw.ellipse(box, fill=color)


def make_image(
    rng: random.Random,
    *,
    size: tuple[int, int] = (96, 96),
    defects: Sequence[str] = (),
    image_format: str = "PNG",
    category: str | None = None,
) -> SyntheticImage:
    """Draw one image with ``defects`` (names from :data:`DEFECT_CLASSES`).

    With ``category`` (one of :data:`CATEGORIES`), draw that category instead, with
    defects from ``CATEGORY_DEFECTS[category]``.
    """
    from PIL import Image, ImageDraw

    if category is not None:
        return _category_image(rng, category, size, tuple(defects), image_format)
    image = _texture(rng, size)
    mask = Image.new("RGB", size, BACKGROUND_COLOR)
    image_draw, mask_draw = ImageDraw.Draw(image), ImageDraw.Draw(mask)
    for kind in defects:
        _draw_defect(kind, rng, size, image_draw, mask_draw)
    return SyntheticImage(
        data=_encode(image, image_format),
        defects=tuple(defects),
        mask=_encode(mask, "PNG") if defects else None,
    )


def _category_image(
    rng: random.Random,
    category: str,
    size: tuple[int, int],
    defects: tuple[str, ...],
    image_format: str,
) -> SyntheticImage:
    from PIL import Image

    from lookout_sdk.synthetic.scenes import draw_scene

    scene = draw_scene(rng, category, size, defects)
    mask: bytes | None = None
    if defects:
        colors = [BACKGROUND_COLOR, *(DEFECT_COLORS[kind] for kind in defects)]
        palette = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in colors]
        painted = Image.new("RGB", size)
        painted.putdata([palette[label] for label in scene.labels.ravel().tolist()])
        mask = _encode(painted, "PNG")
    return SyntheticImage(
        data=_encode(Image.fromarray(scene.rgb), image_format), defects=defects, mask=mask
    )


def _encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    options = {"quality": 92} if image_format.upper() == "JPEG" else {}
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def write_dataset_folder(
    root: str | Path,
    *,
    normal: int = 20,
    anomaly: int = 10,
    size: tuple[int, int] = (96, 96),
    image_format: str = "PNG",
    masks: bool = False,
    classes: Sequence[str] = ("scratch", "hole"),
    seed: int = 0,
    category: str | None = None,
) -> Path:
    """Write a dataset folder in the layout ``lookout_sdk.datasets`` reads.

    ``normal/`` and ``anomaly/`` hold the images; with ``masks=True``, ``masks/`` holds
    one PNG mask per anomaly (same file stem) and ``colormap.json`` names the colours.
    Anomaly *i* gets the defect ``classes[i % len(classes)]``. With ``category``, the
    images are of that benchmark category, and ``classes`` must be among its defects.
    """
    root = Path(root)
    rng = random.Random(seed)
    suffix = ".jpg" if image_format.upper() == "JPEG" else ".png"
    for folder in ("normal", "anomaly", *(("masks",) if masks else ())):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for number in range(normal):
        image = make_image(rng, size=size, image_format=image_format, category=category)
        (root / "normal" / f"normal-{number:04d}{suffix}").write_bytes(image.data)
    for number in range(anomaly):
        kind = classes[number % len(classes)]
        image = make_image(
            rng, size=size, defects=[kind], image_format=image_format, category=category
        )
        (root / "anomaly" / f"anomaly-{number:04d}{suffix}").write_bytes(image.data)
        if masks and image.mask is not None:
            (root / "masks" / f"anomaly-{number:04d}.png").write_bytes(image.mask)
    if masks:
        colors = DEFECT_CLASSES if category is None else DEFECT_COLORS
        color_map = {"background": BACKGROUND_COLOR, **{c: colors[c] for c in classes}}
        (root / "colormap.json").write_text(json.dumps(color_map, indent=2) + "\n")
    return root
