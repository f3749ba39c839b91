"""The folder layout a dataset is read from, on disk or under an S3 prefix.

::

    my-parts/                      one dataset (the service splits it for testing)
        normal/   *.png | *.jpg    images of good parts
        anomaly/  *.png | *.jpg    images of defective parts
        masks/    <stem>.png       optional: one mask per anomaly image, same file stem
        colormap.json              with masks: {"background": "#000000", "scratch": "#ff0000"}

    my-parts/                      separate training and test datasets
        train/ normal/ anomaly/ [masks/ colormap.json]
        test/  normal/ anomaly/ [masks/ colormap.json]

``colormap.json`` maps class names to ``#rrggbb`` colours in mask order; a
``background`` entry (any case) is the background, first in the colour map, and is
``#ffffff`` when not given. Files whose names start with ``.`` are ignored. Nothing is
decided from file extensions beyond picking candidate files: the preflight checks the
bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import attrs

from lookout_sdk._boundary import checked
from lookout_sdk._deprecation import warn_deprecated
from lookout_sdk.api.colors import DEFAULT_BACKGROUND
from lookout_sdk.errors import Problem
from lookout_sdk.manifests.entry import MaskClass
from lookout_sdk.records.enums import AnomalyClass, DatasetType

__all__ = [
    "COLOR_MAP_FILE",
    "DEFAULT_BACKGROUND",
    "DatasetLayout",
    "FileProblem",
    "LabeledImage",
    "layout_from_keys",
    "scan_folder",
]

COLOR_MAP_FILE = "colormap.json"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_LABEL_FOLDERS = {"normal": AnomalyClass.NORMAL, "anomaly": AnomalyClass.ANOMALY}


def FileProblem(path: str, reason: str) -> Problem:  # noqa: N802 - the old class's name
    """Deprecated: a problem of one file; use ``lookout_sdk.errors.Problem(path, reason)``."""
    warn_deprecated("FileProblem", "lookout_sdk.errors.Problem")
    return Problem(path, reason)


@attrs.frozen
class LabeledImage:
    """One image of a layout: where it is, its label, its mask, and its dataset."""

    location: str
    relative: str
    label: AnomalyClass
    dataset_type: DatasetType | None = None
    mask: str | None = None
    mask_relative: str | None = None


@attrs.frozen
class DatasetLayout:
    """What a folder or prefix holds: labelled images, the colour map, layout problems."""

    root: str
    images: tuple[LabeledImage, ...]
    color_map: tuple[MaskClass, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def separate(self) -> bool:
        """Whether the layout has separate ``train/`` and ``test/`` datasets."""
        return any(image.dataset_type is not None for image in self.images)

    @property
    def segmentation(self) -> bool:
        """Whether the layout has masks (and so trains a segmentation model)."""
        return bool(self.color_map)

    def of(self, dataset_type: DatasetType | None) -> list[LabeledImage]:
        """The images of one dataset (``None`` for a single-dataset layout)."""
        return [image for image in self.images if image.dataset_type == dataset_type]


def parse_color_map(text: str, where: str) -> tuple[tuple[MaskClass, ...], list[Problem]]:
    """Read ``colormap.json``: class names to colours, background first."""
    try:
        raw: Any = json.loads(text)
    except ValueError as error:
        return (), [Problem(where, f"is not valid JSON ({error})")]
    if not isinstance(raw, Mapping) or not raw:
        return (), [Problem(where, 'must be an object such as {"scratch": "#ff0000"}')]
    background = [name for name in raw if str(name).lower() == "background"]
    classes = [
        MaskClass(str(name), str(color)) for name, color in raw.items() if name not in background
    ]
    first = (
        MaskClass(background[0], str(raw[background[0]]))
        if background
        else MaskClass("background", DEFAULT_BACKGROUND)
    )
    return (first, *classes), []


# A listing is (path relative to the root, with "/" separators) -> location.
Listing = Mapping[str, str]


def layout_from_keys(root: str, listing: Listing, read_text: Callable[[str], str]) -> DatasetLayout:
    """Build a layout from relative paths; ``read_text`` reads a colour map's location."""
    tops = {PurePosixPath(rel).parts[0] for rel in listing if PurePosixPath(rel).parts}
    separate = {"train", "test"} & tops
    problems: list[Problem] = []
    images: list[LabeledImage] = []
    color_maps: dict[str, tuple[MaskClass, ...]] = {}
    groups: Iterable[tuple[str, DatasetType | None]] = (
        [(f"{name}/", DatasetType(name)) for name in sorted(separate)] if separate else [("", None)]
    )
    for prefix, dataset_type in groups:
        found, color_map, group_problems = _scan_group(
            root, prefix, dataset_type, listing, read_text
        )
        images.extend(found)
        problems.extend(group_problems)
        if color_map:
            color_maps[prefix] = color_map
    if separate and "train" not in separate:
        problems.append(Problem(root, "has test/ but no train/ folder"))
    if not images:
        problems.append(Problem(root, "holds no images under normal/ or anomaly/"))
    distinct = set(color_maps.values())
    if len(distinct) > 1:
        problems.append(Problem(root, "train/ and test/ have different colour maps"))
    color_map = next(iter(distinct)) if distinct else ()
    return DatasetLayout(root, tuple(images), color_map, tuple(problems))


def _scan_group(
    root: str,
    prefix: str,
    dataset_type: DatasetType | None,
    listing: Listing,
    read_text: Callable[[str], str],
) -> tuple[list[LabeledImage], tuple[MaskClass, ...], list[Problem]]:
    problems: list[Problem] = []
    masks = {
        PurePosixPath(rel).stem: rel
        for rel in listing
        if rel.startswith(f"{prefix}masks/") and not PurePosixPath(rel).name.startswith(".")
    }
    color_map: tuple[MaskClass, ...] = ()
    map_rel = f"{prefix}{COLOR_MAP_FILE}"
    if map_rel in listing:
        color_map, map_problems = parse_color_map(read_text(listing[map_rel]), listing[map_rel])
        problems.extend(map_problems)
    elif masks:
        problems.append(Problem(f"{root}/{prefix}masks", f"masks need a {map_rel} colour map"))
    images: list[LabeledImage] = []
    used_masks: set[str] = set()
    for rel in sorted(listing):
        path = PurePosixPath(rel)
        if len(path.parts) != len(PurePosixPath(prefix).parts) + 2 or path.name.startswith("."):
            continue
        label = _LABEL_FOLDERS.get(path.parts[-2])
        if label is None or not rel.startswith(prefix) or path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        mask_rel = masks.get(path.stem)
        if mask_rel is not None:
            used_masks.add(mask_rel)
        elif label is AnomalyClass.ANOMALY and masks:
            problems.append(Problem(listing[rel], f"has no mask in {prefix}masks/"))
        images.append(
            LabeledImage(
                location=listing[rel],
                relative=rel,
                label=label,
                dataset_type=dataset_type,
                mask=listing[mask_rel] if mask_rel else None,
                mask_relative=mask_rel,
            )
        )
    for stem, rel in sorted(masks.items()):
        if rel not in used_masks:
            problems.append(Problem(listing[rel], f"matches no image named {stem}.*"))
    return images, color_map, problems


@checked
def scan_folder(folder: str | Path) -> DatasetLayout:
    """Read the layout of a local folder (see the module documentation)."""
    root = Path(folder)
    if not root.is_dir():
        return DatasetLayout(str(root), (), (), (Problem(str(root), "is not a folder"),))
    listing = {
        path.relative_to(root).as_posix(): str(path) for path in root.rglob("*") if path.is_file()
    }
    return layout_from_keys(str(root), listing, lambda location: Path(location).read_text())
