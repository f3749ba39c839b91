"""Patch features at three grids: two from the pretrained backbone, one of colour.

Two levels are concatenations of block outputs of EfficientNet-Lite0 (see
:mod:`lookout_sdk.engine.backbone`), each output first averaged over its 3 x 3
neighbourhood (so a feature describes a patch, not a pixel):

* ``fine``: blocks 1 and 2 (24 + 24 channels) on the stride-4 grid (56 x 56 at 224 px),
  for thin and small defects;
* ``coarse``: blocks 4 and 7 (40 + 80 channels) on the stride-8 grid (28 x 28), block 7
  (stride 16) repeated up to it, for larger and structural defects.

The third, ``colour``, is not learned: luminance and two opponent colours (red against
green, yellow against blue), blurred over a few pixels, on the stride-4 grid. ImageNet
features hardly change under a faint, soft change of tone over an area (a stain, a
discoloured patch); local colour does.

The forward pass runs in numpy (``runtime="numpy"``, the only runtime so far).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage  # type: ignore[import-untyped, unused-ignore]

from lookout_sdk.engine.backbone import block_scale, forward
from lookout_sdk.errors import InvalidInputError

__all__ = ["LEVELS", "Level", "extract_levels", "grid_shape"]

Array = NDArray[np.float32]

_POOL = 3


@attrs.frozen
class Level:
    """One feature level: its grid stride in pixels, and what it is made of.

    A level with ``blocks`` concatenates those backbone blocks' outputs; one without is
    a colour level, whose channels are blurred by a Gaussian of ``blur`` pixels.
    """

    name: str
    blocks: tuple[int, ...]
    stride: int
    blur: float = 0.0


LEVELS: tuple[Level, ...] = (
    Level("fine", (1, 2), 4),
    Level("coarse", (4, 7), 8),
    Level("colour", (), 4, blur=4.0),
)


def grid_shape(image_size: tuple[int, int], level: Level) -> tuple[int, int]:
    """The ``(rows, cols)`` of a level's grid for a working size ``(width, height)``."""
    return image_size[1] // level.stride, image_size[0] // level.stride


def _to_grid(output: Array, scale: int, stride: int) -> Array:
    pooled = ndimage.uniform_filter(output, size=(1, _POOL, _POOL, 1), mode="nearest")
    if scale < stride:
        factor = stride // scale
        n, h, w, c = pooled.shape
        pooled = pooled.reshape(n, h // factor, factor, w // factor, factor, c).mean(axis=(2, 4))
    elif scale > stride:
        factor = scale // stride
        pooled = np.repeat(np.repeat(pooled, factor, axis=1), factor, axis=2)
    return np.asarray(pooled, dtype=np.float32)


def _colour(images: Array, level: Level) -> Array:
    """Blurred luminance and opponent colours of ``N x H x W x 3`` RGB, on the level's grid."""
    red, green, blue = images[..., 0], images[..., 1], images[..., 2]
    channels = np.stack(
        [(red + green + blue) / 3.0, red - green, (red + green) / 2.0 - blue], axis=-1
    )
    blurred = ndimage.gaussian_filter(channels, (0, level.blur, level.blur, 0), mode="nearest")
    half = level.stride // 2
    return np.ascontiguousarray(blurred[:, half :: level.stride, half :: level.stride], np.float32)


def extract_levels(
    images: Array, levels: Sequence[Level] = LEVELS, *, runtime: str = "numpy"
) -> list[Array]:
    """Per level, the ``N x rows x cols x C`` features of ``N x H x W x 3`` RGB (0..255).

    ``runtime`` names the forward pass (``"numpy"``). The working size must be a
    multiple of 32 on both sides.
    """
    if images.shape[1] % 32 or images.shape[2] % 32:
        raise InvalidInputError.of(
            "images", "the working size must be a multiple of 32 on both sides"
        )
    taps = sorted({block for level in levels for block in level.blocks})
    if runtime != "numpy":
        raise InvalidInputError.of(
            "runtime", f"unknown runtime {runtime!r}; only 'numpy' is available"
        )
    outputs = forward(images, taps) if taps else {}
    return [
        np.concatenate(
            [_to_grid(outputs[b], block_scale(b), level.stride) for b in level.blocks], axis=-1
        )
        if level.blocks
        else _colour(images, level)
        for level in levels
    ]
