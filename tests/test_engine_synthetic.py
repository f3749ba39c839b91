"""The generator's benchmark categories, and its old outputs left byte for byte as they were."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lookout_sdk.synthetic import (
    BACKGROUND_COLOR,
    CATEGORIES,
    CATEGORY_DEFECTS,
    DEFECT_COLORS,
    make_image,
    write_dataset_folder,
)


def test_existing_outputs_are_unchanged(tmp_path: Path) -> None:
    digest = hashlib.sha256()
    for seed in range(5):
        rng = random.Random(seed)
        for defects in ([], ["scratch"], ["hole", "stain"]):
            for image_format in ("PNG", "JPEG"):
                image = make_image(
                    rng, size=(96 + seed * 10, 80), defects=defects, image_format=image_format
                )
                digest.update(image.data)
                digest.update(image.mask or b"")
    write_dataset_folder(
        tmp_path, normal=5, anomaly=4, masks=True, classes=("scratch", "hole", "stain"), seed=3
    )
    for path in sorted(tmp_path.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    # The digest of the same calls before the categories were added.
    assert digest.hexdigest() == "f7d022a0b96bf698134086be6d90a586d4a52d769b7fddc127fa6c86200033d1"


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_defect_is_drawn_and_masked(category: str) -> None:
    allowed = {BACKGROUND_COLOR, *DEFECT_COLORS.values()}
    for kind in CATEGORY_DEFECTS[category]:
        first = make_image(random.Random(3), size=(128, 128), category=category, defects=[kind])
        again = make_image(random.Random(3), size=(128, 128), category=category, defects=[kind])
        assert first.data == again.data
        assert first.mask is not None
        mask = np.asarray(Image.open(io.BytesIO(first.mask)).convert("RGB"))
        colours = {"#{:02x}{:02x}{:02x}".format(*c) for c in np.unique(mask.reshape(-1, 3), axis=0)}
        assert colours <= allowed
        assert DEFECT_COLORS[kind] in colours, (category, kind)


def test_unknown_category_or_defect_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown category"):
        make_image(random.Random(0), category="wood")
    with pytest.raises(ValueError, match="no defect"):
        make_image(random.Random(0), category="fabric", defects=["missing"])
