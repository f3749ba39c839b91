"""Decoding images for the engine, with the service's limits checked first.

Every image is judged from its header before Pillow decodes a single pixel: it must be
PNG or JPEG (told from its bytes), at most 8 MB, and 64 to ``max_side`` pixels on each
side. So a small file whose header claims a huge image (a decompression bomb) is refused
without the memory to hold it ever being asked for. Pillow then re-reads the header,
and the image is refused again if its idea of the size differs, before ``load()``.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from lookout_sdk.api.images import (
    MAX_IMAGE_BYTES,
    MAX_SIDE,
    MIN_SIDE,
    image_dimensions,
    sniff_content_type,
)

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "ImageRejected",
    "decode_image",
    "decode_mask",
    "image_header",
    "parse_color",
    "to_gray_array",
]

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


class ImageRejected(ValueError):  # noqa: N818 - the name says what happened to the image
    """The bytes are not an image the engine accepts; the message says why."""


def image_header(data: bytes, *, max_side: int = MAX_SIDE) -> tuple[str, tuple[int, int]]:
    """Check ``data`` from its header alone; return its content type and ``(width, height)``.

    Raises:
        ImageRejected: not PNG or JPEG, larger than 8 MB, an unreadable header, or a
            side outside ``64..max_side``.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(f"the image is larger than the {MAX_IMAGE_BYTES} byte limit")
    content_type = sniff_content_type(data)
    if content_type is None:
        raise ImageRejected("the bytes are not a PNG or JPEG image")
    dimensions = image_dimensions(data)
    if dimensions is None:
        raise ImageRejected(f"the {content_type} header cannot be read")
    for side, value in zip(("width", "height"), dimensions, strict=True):
        if not MIN_SIDE <= value <= max_side:
            raise ImageRejected(
                f"the image {side} is {value} px; it must be {MIN_SIDE} to {max_side}"
            )
    return content_type, dimensions


def decode_image(
    data: bytes, *, max_side: int = MAX_SIDE, reduce_to: tuple[int, int] | None = None
) -> Image.Image:
    """Decode ``data`` to an RGB Pillow image, after :func:`image_header` accepted it.

    With ``reduce_to``, a JPEG may be decoded at a power-of-two reduced scale that is
    still at least that size (Pillow's ``draft``), which makes large photos cheap when
    only a small working copy is needed. The result then is smaller than the header says.

    Raises:
        ImageRejected: the header is refused, Pillow disagrees with it, or the pixel
            data is corrupt or truncated.
    """
    from PIL import Image, UnidentifiedImageError

    _, dimensions = image_header(data, max_side=max_side)
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        raise ImageRejected(f"the image cannot be read: {error}") from error
    try:
        # The local pixel guard: nothing is decoded unless Pillow's view of the size is
        # the one already checked, so no global MAX_IMAGE_PIXELS setting is needed.
        if image.size != dimensions or image.width * image.height > max_side * max_side:
            raise ImageRejected(
                f"the image header says {dimensions[0]}x{dimensions[1]} but the image "
                f"is {image.width}x{image.height}"
            )
        if reduce_to is not None and image.format == "JPEG":
            image.draft("RGB", reduce_to)
        image.load()
        return image.convert("RGB")
    except ImageRejected:
        image.close()
        raise
    except (OSError, ValueError, SyntaxError) as error:
        image.close()
        raise ImageRejected(f"the image data is corrupt: {error}") from error


def decode_mask(data: bytes, size: tuple[int, int]) -> NDArray[np.uint8]:
    """Decode a mask image to an ``H x W x 3`` RGB array at ``size`` (``(width, height)``).

    A mask of another size is resized with nearest-neighbour sampling, so that no colour
    appears that the mask did not have.
    """
    from PIL import Image

    image = decode_image(data)
    if image.size != size:
        image = image.resize(size, Image.Resampling.NEAREST)
    return np.asarray(image, dtype=np.uint8)


def to_gray_array(image: Image.Image, size: tuple[int, int]) -> NDArray[np.float32]:
    """The image's luminance at ``size`` (``(width, height)``) as ``H x W`` float32, 0..255."""
    from PIL import Image

    gray = image.convert("L")
    if gray.size != size:
        gray = gray.resize(size, Image.Resampling.BILINEAR)
    return np.asarray(gray, dtype=np.float32)


def parse_color(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` (any case) as an ``(r, g, b)`` tuple.

    Raises:
        ValueError: not a ``#`` followed by six hex digits.
    """
    if not _COLOR.fullmatch(color.strip()):
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    value = int(color.strip()[1:], 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF
