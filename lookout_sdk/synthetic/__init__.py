"""Synthetic inspection images: seeded sample pictures of parts with defects and masks.

:func:`make_image` draws one image (a brushed-metal texture with ``scratch``, ``hole``
or ``stain`` defects, or one of six benchmark categories with ``category=``), and
:func:`write_dataset_folder` writes a whole dataset folder in the layout
:func:`lookout_sdk.datasets.scan_folder` reads. The same seed always gives the same
bytes. Pillow is required (the ``datasets`` extra); the benchmark categories also need
numpy and scipy (the ``local`` extra).
"""

from __future__ import annotations

from lookout_sdk.synthetic.categories import (
    BACKGROUND_COLOR,
    CATEGORIES,
    CATEGORY_DEFECTS,
    DEFECT_COLORS,
    OBJECT_CATEGORIES,
    TEXTURE_CATEGORIES,
)
from lookout_sdk.synthetic.images import (
    DEFECT_CLASSES,
    SyntheticImage,
    make_image,
    write_dataset_folder,
)

__all__ = [
    "BACKGROUND_COLOR",
    "CATEGORIES",
    "CATEGORY_DEFECTS",
    "DEFECT_CLASSES",
    "DEFECT_COLORS",
    "OBJECT_CATEGORIES",
    "TEXTURE_CATEGORIES",
    "SyntheticImage",
    "make_image",
    "write_dataset_folder",
]
