"""Check every image of a dataset layout before anything is uploaded.

:func:`preflight` reads each image (and its mask) once, decodes it once, and reports
every problem it finds, each naming the file and why, in one :class:`PreflightReport`:

* each image: readable; PNG or JPEG, told from its bytes (not its name); decodable to
  the last byte; 64 to 4096 pixels on each side; at most 8 MB;
* all images: one size for the whole layout (an image that differs from the most
  common size is reported, naming both sizes); no image twice (same bytes);
* each mask: a decodable PNG the size of its image, holding only the colour map's
  colours, and showing an anomaly when its image is labelled anomaly;
* each dataset: at least the labelled counts the service needs (see :class:`Minimums`),
  and for segmentation, enough anomaly images of every class.

Pillow does the decoding; it comes with the ``datasets`` extra.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from lookout_sdk._boundary import checked
from lookout_sdk.api.colors import RGB, hex_color, parse_hex_color
from lookout_sdk.api.images import MAX_IMAGE_BYTES, MAX_SIDE, MIN_SIDE, sniff_content_type
from lookout_sdk.api.minimums import Minimums
from lookout_sdk.datasets.layout import DatasetLayout, LabeledImage
from lookout_sdk.errors import InvalidInputError, MissingExtraError, Problem
from lookout_sdk.manifests.entry import MaskClass
from lookout_sdk.records.enums import AnomalyClass, DatasetType
from lookout_sdk.runtime.batch import DEFAULT_WORKERS

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "DatasetCounts",
    "PreflightError",
    "PreflightReport",
    "preflight",
]

#: A mask with more distinct colours than this is not counted colour by colour.
MAX_MASK_COLORS = 4096
_NAMED_COLORS = 8
_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}
_PNG_END = b"\x00\x00\x00\x00IEND"  # the zero length and type of the last chunk


# ----------------------------------------------------------------------------- public records


@attrs.frozen
class DatasetCounts:
    """How many images one dataset holds, by label and, for segmentation, by class.

    ``dataset_type`` is ``None`` for a single-dataset layout. ``per_label`` pairs each
    anomaly class of the colour map, in its order, with the number of anomaly images
    whose mask shows it.
    """

    dataset_type: DatasetType | None
    normal: int
    anomaly: int
    per_label: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        """All images of the dataset."""
        return self.normal + self.anomaly

    def label_count(self, name: str) -> int:
        """The anomaly images whose mask shows class ``name`` (any case); 0 if none."""
        return next((n for label, n in self.per_label if label.lower() == name.lower()), 0)

    def __str__(self) -> str:
        name = f"{self.dataset_type.value} dataset" if self.dataset_type else "dataset"
        text = f"{name}: {self.normal} normal, {self.anomaly} anomaly"
        if self.per_label:
            text += " (" + ", ".join(f"{label} {n}" for label, n in self.per_label) + ")"
        return text


class PreflightError(InvalidInputError):
    """A dataset layout has problems; ``problems`` names each file and why."""


@attrs.frozen
class PreflightReport:
    """The outcome of :func:`preflight`.

    ``problems`` holds every problem found (the layout's own included), sorted by path
    then reason; ``counts`` the labelled counts of each dataset; ``image_size`` the most
    common ``(width, height)`` of the images, ``None`` when none could be read;
    ``checked`` the number of images checked.
    """

    problems: tuple[Problem, ...]
    counts: tuple[DatasetCounts, ...]
    image_size: tuple[int, int] | None
    checked: int
    root: str = ""

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise :class:`PreflightError` listing the problems, if there are any."""
        if self.problems:
            raise PreflightError("preflight", self.problems)

    def summary(self) -> str:
        """The report as readable lines: what was checked, the counts, each problem."""
        found = _plural(len(self.problems), "problem") if self.problems else "no problems"
        where = f" of {self.root}" if self.root else ""
        lines = [f"Preflight{where}: {_plural(self.checked, 'image')} checked, {found}"]
        lines.extend(f"  {counts}" for counts in self.counts)
        if self.image_size is not None:
            lines.append(f"  image size: {_size(self.image_size)} px")
        if self.problems:
            lines.append("Problems:")
            lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# ----------------------------------------------------------------------------- the check


@checked
def preflight(
    layout: DatasetLayout,
    *,
    read: Callable[[str], bytes] | None = None,
    minimums: Minimums = Minimums(),
    workers: int = DEFAULT_WORKERS,
) -> PreflightReport:
    """Check every image and mask of ``layout``; report every problem found.

    ``read`` loads the bytes at an image's or mask's location (a local file by
    default; pass a reader for S3). Each location is read once. ``workers`` images are
    read and decoded at the same time; the report does not depend on their order.

    Raises:
        MissingExtraError: Pillow is not installed (a ModuleNotFoundError too).
    """
    _require_pillow()
    reader = read if read is not None else _read_file
    palette, palette_problems = _palette(layout)
    check = _ImageCheck(reader, palette)
    with _strict_decoding, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(check, layout.images))
    problems = [*layout.problems, *palette_problems]
    for result in results:
        problems.extend(result.problems)
    image_size = _common_size(results)
    problems.extend(_size_mismatches(results, image_size))
    problems.extend(_duplicates(results))
    counts = _counts(layout, results)
    problems.extend(_count_problems(layout, counts, minimums))
    ordered = sorted(dict.fromkeys(problems), key=lambda p: (p.path, p.reason))
    return PreflightReport(
        problems=tuple(ordered),
        counts=tuple(counts),
        image_size=image_size,
        checked=len(layout.images),
        root=layout.root,
    )


# ----------------------------------------------------------------------------- Pillow


def _require_pillow() -> None:
    try:
        import PIL.Image
        import PIL.ImageFile  # noqa: F401
    except ImportError as error:
        raise MissingExtraError("datasets", str(error), feature="checking images") from error


class _StrictDecoding:
    """Keeps Pillow's ``LOAD_TRUNCATED_IMAGES`` off while any preflight runs.

    A truncated image then fails to decode; the caller's setting is restored when the
    last running preflight ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved = False

    def __enter__(self) -> None:
        from PIL import ImageFile

        with self._lock:
            if self._depth == 0:
                self._saved = ImageFile.LOAD_TRUNCATED_IMAGES
                ImageFile.LOAD_TRUNCATED_IMAGES = False
            self._depth += 1

    def __exit__(self, *exc_info: object) -> None:
        from PIL import ImageFile

        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                ImageFile.LOAD_TRUNCATED_IMAGES = self._saved


_strict_decoding = _StrictDecoding()


def _read_file(location: str) -> bytes:
    return Path(location).read_bytes()


def _other_format(data: bytes) -> str | None:
    """The name of the format Pillow recognises in ``data``, if any."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return str(image.format) if image.format else None
    except Exception:
        return None


# ----------------------------------------------------------------------------- one image


@attrs.frozen
class _Result:
    """What checking one image learned."""

    image: LabeledImage
    problems: tuple[Problem, ...]
    size: tuple[int, int] | None
    digest: str | None
    classes: frozenset[str] | None  # anomaly classes the mask shows; None: unknown


@attrs.frozen
class _Palette:
    """The colour map as RGB values: the background and each anomaly class."""

    background: RGB | None
    classes: tuple[tuple[str, RGB], ...]

    def name_of(self, color: RGB) -> str | None:
        """The class of ``color``: "" for the background, ``None`` when not in the map."""
        if color == self.background:
            return ""
        return next((name for name, rgb in self.classes if rgb == color), None)


@attrs.frozen
class _Decoded:
    """A decoded file: its size, or why it could not be used."""

    size: tuple[int, int] | None
    problems: tuple[str, ...]
    colors: list[tuple[int, RGB]] | None = None


class _ImageCheck:
    """Checks one image and its mask; called from the worker threads."""

    def __init__(self, read: Callable[[str], bytes], palette: _Palette | None) -> None:
        self._read = read
        self._palette = palette

    def __call__(self, image: LabeledImage) -> _Result:
        problems: list[Problem] = []
        try:
            data = self._read(image.location)
        except Exception as error:
            problems.append(Problem(image.location, f"cannot be read ({error})"))
            return _Result(image, tuple(problems), None, None, None)
        if len(data) > MAX_IMAGE_BYTES:
            problems.append(Problem(image.location, _too_big(len(data))))
        decoded = _decode(data, mask=False)
        problems.extend(Problem(image.location, reason) for reason in decoded.problems)
        size = decoded.size
        if size is not None and not all(MIN_SIDE <= side <= MAX_SIDE for side in size):
            problems.append(
                Problem(
                    image.location,
                    f"is {_size(size)} px; each side must be {MIN_SIDE} to {MAX_SIDE} px",
                )
            )
        classes: frozenset[str] | None = None
        if image.mask is not None:
            classes = self._check_mask(image, size, problems)
        digest = hashlib.sha256(data).hexdigest()
        return _Result(image, tuple(problems), size, digest, classes)

    def _check_mask(
        self, image: LabeledImage, image_size: tuple[int, int] | None, problems: list[Problem]
    ) -> frozenset[str] | None:
        where = image.mask or ""
        try:
            data = self._read(where)
        except Exception as error:
            problems.append(Problem(where, f"cannot be read ({error})"))
            return None
        decoded = _decode(data, mask=True)
        problems.extend(Problem(where, reason) for reason in decoded.problems)
        if decoded.size is not None and image_size is not None and decoded.size != image_size:
            problems.append(
                Problem(
                    where,
                    f"is {_size(decoded.size)} px but its image {image.relative} "
                    f"is {_size(image_size)} px",
                )
            )
        if decoded.colors is None or self._palette is None:
            return None
        classes: set[str] = set()
        unknown: list[RGB] = []
        for _, color in decoded.colors:
            name = self._palette.name_of(color)
            if name is None:
                unknown.append(color)
            elif name:
                classes.add(name)
        if unknown:
            problems.append(Problem(where, _unknown_colors(unknown)))
        if image.label is AnomalyClass.ANOMALY and not classes and not unknown:
            problems.append(Problem(where, "mask shows no anomaly (only the background colour)"))
        if image.label is AnomalyClass.NORMAL and classes:
            shown = ", ".join(sorted(classes))
            problems.append(Problem(where, f"shows {shown} but its image is labelled normal"))
        return frozenset(classes)


def _decode(data: bytes, *, mask: bool) -> _Decoded:
    """Open ``data`` once, load it once, and say what is wrong with it."""
    from PIL import Image

    content_type = sniff_content_type(data)
    fmt = _FORMATS.get(content_type or "")
    if fmt is None or (mask and fmt != "PNG"):
        other = fmt or _other_format(data)
        kind = "mask" if mask else "image"
        wanted = "PNG" if mask else "PNG or JPEG"
        found = f"is {other}, not" if other else "is not"
        return _Decoded(None, (f"{found} a {wanted} {kind} (checked from its bytes)",))
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as opened:
            size = opened.size
            if max(size) > MAX_SIDE:  # reported by size; not worth decoding
                return _Decoded(size, ())
            try:
                opened.load()
                colors = _colors(opened) if mask else None
            except Exception as error:
                return _Decoded(size, (_undecodable(fmt, error),))
    except Exception as error:
        return _Decoded(None, (_undecodable(fmt, error),))
    if fmt == "PNG" and _PNG_END not in data:  # Pillow stops once it has every row
        return _Decoded(size, (_undecodable(fmt, "it ends before its IEND chunk"),))
    if mask and colors is None:
        reason = f"has more than {MAX_MASK_COLORS} colours; a mask uses only the colour map's"
        return _Decoded(size, (reason,))
    return _Decoded(size, (), colors)


def _colors(image: Image.Image) -> list[tuple[int, RGB]] | None:
    rgb = image.convert("RGB")
    found = rgb.getcolors(maxcolors=MAX_MASK_COLORS)
    if found is None:
        return None
    return [
        (count, (int(c[0]), int(c[1]), int(c[2]))) for count, c in found if isinstance(c, tuple)
    ]


# ----------------------------------------------------------------------------- the whole layout


def _palette(layout: DatasetLayout) -> tuple[_Palette | None, list[Problem]]:
    if not layout.color_map:
        return None, []
    problems: list[Problem] = []
    parsed: list[tuple[MaskClass, RGB]] = []
    for mask_class in layout.color_map:
        rgb = parse_hex_color(mask_class.color)
        if rgb is None:
            reason = (
                f"colour map gives {mask_class.name} {mask_class.color!r}, not a #rrggbb colour"
            )
            problems.append(Problem(layout.root, reason))
        else:
            parsed.append((mask_class, rgb))
    by_color: dict[RGB, list[str]] = {}
    for mask_class, rgb in parsed:
        by_color.setdefault(rgb, []).append(mask_class.name)
    for rgb, names in by_color.items():
        if len(names) > 1:
            reason = f"colour map gives {hex_color(rgb)} to each of {', '.join(names)}"
            problems.append(Problem(layout.root, reason))
    background = parse_hex_color(layout.color_map[0].color)
    classes = tuple(
        (mask_class.name, rgb)
        for mask_class, rgb in parsed
        if mask_class is not layout.color_map[0]
    )
    return _Palette(background, classes), problems


def _common_size(results: Sequence[_Result]) -> tuple[int, int] | None:
    sizes = Counter(result.size for result in results if result.size is not None)
    return sizes.most_common(1)[0][0] if sizes else None


def _size_mismatches(
    results: Iterable[_Result], common: tuple[int, int] | None
) -> Iterator[Problem]:
    for result in results:
        if result.size is not None and common is not None and result.size != common:
            yield Problem(
                result.image.location,
                f"is {_size(result.size)} px but most images are {_size(common)} px; "
                "all images must have the same size",
            )


def _duplicates(results: Iterable[_Result]) -> Iterator[Problem]:
    first: dict[str, LabeledImage] = {}
    for result in results:
        if result.digest is None:
            continue
        earlier = first.setdefault(result.digest, result.image)
        if earlier is not result.image:
            yield Problem(
                result.image.location, f"is the same image as {earlier.relative} (same bytes)"
            )


def _datasets(layout: DatasetLayout) -> list[DatasetType | None]:
    present = {image.dataset_type for image in layout.images}
    order: list[DatasetType | None] = [None, DatasetType.TRAIN, DatasetType.TEST]
    return [dataset_type for dataset_type in order if dataset_type in present]


def _counts(layout: DatasetLayout, results: Sequence[_Result]) -> list[DatasetCounts]:
    counts = []
    class_names = [mask_class.name for mask_class in layout.color_map[1:]]
    for dataset_type in _datasets(layout):
        mine = [result for result in results if result.image.dataset_type == dataset_type]
        normal = sum(1 for r in mine if r.image.label is AnomalyClass.NORMAL)
        anomaly = sum(1 for r in mine if r.image.label is AnomalyClass.ANOMALY)
        shown: Counter[str] = Counter()
        for result in mine:
            if result.image.label is AnomalyClass.ANOMALY and result.classes:
                shown.update(result.classes)
        per_label = tuple((name, shown[name]) for name in class_names)
        counts.append(DatasetCounts(dataset_type, normal, anomaly, per_label))
    return counts


def _count_problems(
    layout: DatasetLayout, counts: Sequence[DatasetCounts], minimums: Minimums
) -> Iterator[Problem]:
    separate = any(c.dataset_type is DatasetType.TEST for c in counts)
    base = layout.root.rstrip("/") or layout.root
    for dataset in counts:
        kind = dataset.dataset_type
        where = f"{base}/{kind.value}" if kind is not None else layout.root
        name = f"{kind.value} dataset" if kind is not None else "dataset"
        if not separate:
            needed = {"normal": minimums.single_normal, "anomaly": minimums.single_anomaly}
        elif kind is DatasetType.TRAIN:
            needed = {"normal": minimums.train_normal, "anomaly": 0}
        else:
            needed = {"normal": minimums.test_normal, "anomaly": minimums.test_anomaly}
        have = {"normal": dataset.normal, "anomaly": dataset.anomaly}
        for label, least in needed.items():
            if have[label] < least:
                yield Problem(where, _too_few(name, have[label], label, least))
        if layout.segmentation and dataset.anomaly:
            for label, number in dataset.per_label:
                if number < minimums.per_label:
                    reason = _too_few(name, number, "anomaly", minimums.per_label, label)
                    yield Problem(where, reason)


# ----------------------------------------------------------------------------- wording


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _too_few(dataset: str, number: int, label: str, least: int, showing: str = "") -> str:
    showing = f" showing {showing}" if showing else ""
    images = _plural(number, f"{label} image")
    return f"{dataset} has {images}{showing}; at least {least} are needed"


def _too_big(size: int) -> str:
    return f"is {size:,} bytes; an image may be at most {MAX_IMAGE_BYTES:,} bytes (8 MB)"


def _undecodable(fmt: str, error: Exception | str) -> str:
    detail = str(error) or type(error).__name__
    return f"is a damaged {fmt} that cannot be decoded ({detail})"


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def _unknown_colors(colors: Sequence[RGB]) -> str:
    names = sorted(hex_color(color) for color in colors)
    shown = ", ".join(names[:_NAMED_COLORS])
    more = f" and {len(names) - _NAMED_COLORS} more" if len(names) > _NAMED_COLORS else ""
    noun = "colour" if len(names) == 1 else "colours"
    return f"has {noun} {shown}{more} not in the colour map"
