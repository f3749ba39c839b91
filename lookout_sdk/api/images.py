"""The service's rules for images, checked from the bytes before anything is sent.

An image must be PNG or JPEG (told from its first bytes, not its file name), between
64 and 4096 pixels on each side, and at most 8 MB. The dimensions come from the PNG
``IHDR`` chunk or the JPEG start-of-frame marker, so no image library is needed: the
core SDK stays free of Pillow, which the local engine brings in its own extra.

This is the one place these rules live: the client checks images with
:func:`check_image` before sending them, and the engine (so the local backend and edge
packages) checks them with it before decoding a single pixel.
"""

from __future__ import annotations

import os
import struct
from typing import IO

import attrs

from lookout_sdk.errors import InvalidImageError, Problem

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_SIDE",
    "MIN_SIDE",
    "ImageInfo",
    "ImageSource",
    "check_image",
    "image_dimensions",
    "load_image",
    "sniff_content_type",
]

MIN_SIDE = 64
MAX_SIDE = 4096
MAX_IMAGE_BYTES = 8 * 1024 * 1024

#: What detection accepts: raw bytes, a path, or a binary file object.
ImageSource = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
# Start-of-frame markers carry the dimensions; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@attrs.frozen
class ImageInfo:
    """What the SDK learned from an image's header."""

    content_type: str
    width: int
    height: int
    size: int


def sniff_content_type(data: bytes) -> str | None:
    """Return ``image/png`` or ``image/jpeg`` from the leading bytes, else ``None``."""
    if data.startswith(_PNG_SIGNATURE):
        return "image/png"
    if data.startswith(_JPEG_SIGNATURE):
        return "image/jpeg"
    return None


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """Return ``(width, height)`` from a PNG or JPEG header, or ``None`` if unreadable."""
    if data.startswith(_PNG_SIGNATURE):
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith(_JPEG_SIGNATURE):
        return _jpeg_dimensions(data)
    return None


def _jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    position = 2
    end = len(data)
    while position + 4 <= end:
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD9)):  # markers without a length
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _JPEG_SOF:
            if position + 9 > end:
                return None
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return int(width), int(height)
        position += 2 + length
    return None


def load_image(source: ImageSource, *, label: str = "image") -> bytes:
    """Read an image from bytes, a path or a binary file object.

    At most one byte more than the limit is read, so an oversized file is rejected
    without loading it whole.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        try:
            with open(source, "rb") as handle:
                return handle.read(MAX_IMAGE_BYTES + 1)
        except OSError as error:
            raise InvalidImageError("", [Problem(label, f"cannot be read: {error}")]) from error
    read = getattr(source, "read", None)
    if read is None:
        kind = type(source).__name__
        problem = Problem(label, f"must be bytes, a path or a binary file object, not {kind}")
        raise InvalidImageError("", [problem])
    data = read(MAX_IMAGE_BYTES + 1)
    if not isinstance(data, bytes):
        raise InvalidImageError("", [Problem(label, "file object must be opened in binary mode")])
    return data


def check_image(
    data: bytes, *, label: str = "image", operation: str = "", max_side: int = MAX_SIDE
) -> ImageInfo:
    """Check ``data`` against the service's image rules; raise listing every problem.

    ``max_side`` lowers the largest side allowed (a detector's own limit, say).

    Raises:
        InvalidImageError: the image breaks a rule; ``problems`` lists each one.
    """
    problems: list[Problem] = []
    size = len(data)
    if size > MAX_IMAGE_BYTES:
        problems.append(Problem(label, f"is larger than the {MAX_IMAGE_BYTES} byte limit"))
    content_type = sniff_content_type(data)
    dimensions = image_dimensions(data) if content_type else None
    if content_type is None:
        problems.append(Problem(label, "is not a PNG or JPEG image (checked from its bytes)"))
    elif dimensions is None:
        problems.append(Problem(label, f"has a {content_type} header that cannot be read"))
    else:
        for side, value in zip(("width", "height"), dimensions, strict=True):
            if not MIN_SIDE <= value <= max_side:
                problems.append(
                    Problem(label, f"{side} is {value} px; it must be {MIN_SIDE} to {max_side}")
                )
    if problems or content_type is None or dimensions is None:
        raise InvalidImageError(operation, problems)
    return ImageInfo(
        content_type=content_type, width=dimensions[0], height=dimensions[1], size=size
    )
