"""Mask colours as the API writes them: ``#rrggbb`` in any case, and RGB triples.

A segmentation manifest names each class's colour as ``hex-color``; masks paint the
class's pixels in that colour. The manifest checks, the dataset preflight and the
engine all read colours here.
"""

from __future__ import annotations

import re
from typing import TypeGuard

__all__ = ["DEFAULT_BACKGROUND", "HEX_COLOR", "RGB", "hex_color", "is_hex_color", "parse_hex_color"]

#: The mask background of a colour map that names none.
DEFAULT_BACKGROUND = "#ffffff"

#: An RGB colour, each channel 0 to 255.
RGB = tuple[int, int, int]
#: ``#`` and six hex digits, in any case (the manifest's ``hex-color``).
HEX_COLOR = re.compile(r"#([0-9a-fA-F]{6})")


def is_hex_color(text: object) -> TypeGuard[str]:
    """Whether ``text`` is a ``#rrggbb`` colour (surrounding spaces are not allowed)."""
    return isinstance(text, str) and HEX_COLOR.fullmatch(text) is not None


def parse_hex_color(text: str) -> RGB | None:
    """``#rrggbb`` (any case, surrounding spaces ignored) as ``(r, g, b)``; else ``None``."""
    match = HEX_COLOR.fullmatch(text.strip())
    if match is None:
        return None
    value = int(match.group(1), 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


def hex_color(rgb: RGB) -> str:
    """``(r, g, b)`` as ``#rrggbb`` in lower case."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)
