"""Decoding images to arrays for the engine, with the service's rules checked first.

Every image is judged from its header by :mod:`lookout_sdk.api.images` before Pillow
decodes a single pixel: PNG or JPEG (told from its bytes), at most 8 MB, and 64 to
``max_side`` pixels on each side. So a small file whose header claims a huge image (a
decompression bomb) is refused without the memory to hold it ever being asked for.
Pillow then re-reads the header, and the image is refused again if its idea of the size
differs, before ``load()``.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from lookout_sdk.api.images import MAX_SIDE, check_image
from lookout_sdk.errors import InvalidImageError

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "ImageRejected",
    "decode_image",
    "decode_mask",
    "image_header",
    "to_gray_array",
]


class ImageRejected(InvalidImageError):  # noqa: N818 - the name says what happened to the image
    """The bytes are not an image the engine accepts; ``problems`` say why."""


def image_header(data: bytes, *, max_side: int = MAX_SIDE) -> tuple[str, tuple[int, int]]:
    """Check ``data`` from its header alone; return its content type and ``(width, height)``.

    The rules are the service's (:func:`lookout_sdk.api.images.check_image`), with
    ``max_side`` as the largest side.

    Raises:
        ImageRejected: not PNG or JPEG, larger than 8 MB, an unreadable header, or a
            side outside ``64..max_side``.
    """
    try:
        info = check_image(data, max_side=max_side)
    except InvalidImageError as error:
        raise ImageRejected(error.operation, error.problems) from None
    return info.content_type, (info.width, info.height)


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
        raise ImageRejected.of("image", f"cannot be read: {error}") from error
    try:
        # The local pixel guard: nothing is decoded unless Pillow's view of the size is
        # the one already checked, so no global MAX_IMAGE_PIXELS setting is needed.
        if image.size != dimensions or image.width * image.height > max_side * max_side:
            reason = (
                f"has a header that says {dimensions[0]}x{dimensions[1]} but is "
                f"{image.width}x{image.height}"
            )
            raise ImageRejected.of("image", reason)
        if reduce_to is not None and image.format == "JPEG":
            image.draft("RGB", reduce_to)
        image.load()
        return image.convert("RGB")
    except ImageRejected:
        image.close()
        raise
    except (OSError, ValueError, SyntaxError) as error:
        image.close()
        raise ImageRejected.of("image", f"has corrupt pixel data: {error}") from error


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
