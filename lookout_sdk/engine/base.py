"""The engine interface: what trains a detector, and what a trained detector answers.

An :class:`Engine` turns labelled images into a :class:`TrainedModel`; a trained model
scores one image at a time (a :class:`Prediction`), and saves itself to a folder as
``model.json`` (settings) plus ``model.npz`` (arrays) — plain data, never pickle, so a
model folder from anywhere can be loaded without running its code. :func:`load_model`
reads the ``engine`` field of ``model.json`` to pick the class that loads the folder.

Images travel as encoded PNG or JPEG bytes, as in the API. A colour map is a sequence
of ``(name, "#rrggbb")`` pairs; an entry named ``background`` (any case) is the mask
background, and the other entries are the anomaly classes, in order.
"""

from __future__ import annotations

import abc
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import attrs
import numpy as np
from numpy.typing import NDArray
from typing_extensions import Self

from lookout_sdk.api.colors import DEFAULT_BACKGROUND, RGB, parse_hex_color
from lookout_sdk.errors import InvalidInputError, LookoutError

__all__ = [
    "DEFAULT_BACKGROUND",
    "MODEL_ARRAYS",
    "MODEL_SETTINGS",
    "CheckedEngine",
    "ColorMap",
    "Engine",
    "EngineError",
    "Prediction",
    "TrainedModel",
    "TrainingData",
    "check_training_input",
    "load_model",
    "mask_labels",
    "paint_labels",
    "read_settings",
    "register_model",
    "render_mask",
    "split_color_map",
]

#: The file names of a saved model.
MODEL_SETTINGS = "model.json"
MODEL_ARRAYS = "model.npz"

ColorMap = Sequence[tuple[str, str]]


class EngineError(LookoutError, ValueError):
    """A saved model, or what an engine produced, is not something this SDK can use."""


def parse_color(color: str) -> RGB:
    """``#rrggbb`` (any case) as an ``(r, g, b)`` tuple.

    Raises:
        InvalidInputError: not a ``#`` followed by six hex digits.
    """
    rgb = parse_hex_color(color)
    if rgb is None:
        raise InvalidInputError.of("color_map", f"{color!r} is not a #rrggbb colour")
    return rgb


@attrs.frozen
class Prediction:
    """One image's result.

    Attributes:
        is_anomalous: The decision: the score reached the model's threshold.
        confidence: The probability, from 0 to 1, that the decision is right: the
            model's P(anomalous) when ``is_anomalous``, else 1 minus it.
        score: The raw anomaly score; the decision is ``score >= threshold``.
        anomaly_map: ``H x W`` float32 in 0..1 at the model's working size; how unusual
            each place is (the engine documents its scale).
        mask_png: Segmentation models only: an RGB PNG at the input image's size, each
            anomaly class painted in its colour on the background colour.
        anomalies: Segmentation models only: ``(name, area, colour)`` for the background
            (always first) and each class present, ``area`` being the fraction (0..1) of
            the image's pixels, as ``TotalPercentageArea`` is reported.
    """

    is_anomalous: bool
    confidence: float
    score: float
    anomaly_map: NDArray[np.float32] = attrs.field(eq=False, repr=False)
    mask_png: bytes | None = attrs.field(default=None, repr=False)
    anomalies: tuple[tuple[str, float, str], ...] = ()


class TrainedModel(abc.ABC):
    """A trained detector: scores images, saves to and loads from a folder."""

    #: The ``engine`` value in ``model.json`` for this class (see :func:`register_model`).
    kind: ClassVar[str]
    #: The decision threshold on :attr:`Prediction.score`.
    threshold: float
    #: The working size ``(width, height)`` every image is brought to.
    image_size: tuple[int, int]
    #: The colour map, background first; empty for a classification model.
    color_map: tuple[tuple[str, str], ...]

    @property
    def is_segmentation(self) -> bool:
        """Whether the model paints anomaly masks (it was trained with a colour map)."""
        return bool(self.color_map)

    @abc.abstractmethod
    def score(self, image: bytes) -> Prediction:
        """Score one encoded image.

        Raises:
            ImageRejected: the bytes are not an acceptable PNG or JPEG image.
        """

    @abc.abstractmethod
    def save(self, folder: Path) -> None:
        """Write ``model.json`` and ``model.npz`` into ``folder`` (which must exist)."""

    @classmethod
    @abc.abstractmethod
    def load(cls, folder: Path) -> Self:
        """Read a model that :meth:`save` wrote."""


class Engine(abc.ABC):
    """A training method."""

    @abc.abstractmethod
    def fit(
        self,
        normal: Sequence[bytes],
        anomalous: Sequence[bytes] = (),
        anomalous_masks: Sequence[bytes | None] = (),
        color_map: ColorMap = (),
    ) -> TrainedModel:
        """Train on encoded images.

        Args:
            normal: Images of good parts; the model learns what normal looks like.
            anomalous: Optional images of defective parts, used to set the threshold
                (and, with masks, to learn the anomaly classes).
            anomalous_masks: One mask per anomalous image (``None`` where missing),
                painted with the colours of ``color_map``.
            color_map: ``(name, colour)`` pairs; a non-empty map makes a segmentation model.
        """


_M = TypeVar("_M", bound=TrainedModel)
_KINDS: dict[str, type[TrainedModel]] = {}


def register_model(kind: str) -> Callable[[type[_M]], type[_M]]:
    """Class decorator: :func:`load_model` loads folders whose ``engine`` is ``kind``."""

    def decorate(cls: type[_M]) -> type[_M]:
        cls.kind = kind
        _KINDS[kind] = cls
        return cls

    return decorate


def read_settings(folder: Path) -> dict[str, Any]:
    """The parsed ``model.json`` of a model folder."""
    settings = json.loads((Path(folder) / MODEL_SETTINGS).read_text(encoding="utf-8"))
    if not isinstance(settings, dict):
        raise EngineError(f"{MODEL_SETTINGS} must hold a JSON object")
    return settings


def load_model(folder: str | Path) -> TrainedModel:
    """Load a saved model, whatever engine trained it.

    Raises:
        ValueError: ``model.json`` names no engine, or one that is not known.
        OSError: the files cannot be read.
    """
    folder = Path(folder)
    kind = read_settings(folder).get("engine")
    cls = _KINDS.get(str(kind))
    if cls is None:
        raise EngineError(f"{folder}: unknown model engine {kind!r}")
    return cls.load(folder)


def check_training_input(
    normal: Sequence[bytes],
    anomalous: Sequence[bytes],
    anomalous_masks: Sequence[bytes | None],
    color_map: ColorMap,
    *,
    least_normal: int,
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Check what :meth:`Engine.fit` was given; return the colour map's background and classes.

    Raises:
        ValueError: fewer than ``least_normal`` normal images, masks not matching the
            anomalous images, or a bad colour map.
    """
    if len(normal) < least_normal:
        raise InvalidInputError.of(
            "normal", f"training needs at least {least_normal} normal images"
        )
    if anomalous_masks and len(anomalous_masks) != len(anomalous):
        raise InvalidInputError.of("anomalous_masks", "give one mask (or None) per anomalous image")
    background, classes = split_color_map(color_map)
    if color_map and not classes:
        raise InvalidInputError.of(
            "color_map", "the colour map names no anomaly class besides the background"
        )
    return background, classes


@attrs.frozen
class TrainingData:
    """What :meth:`CheckedEngine.fit` was given, once checked, with the colour map split."""

    normal: Sequence[bytes]
    anomalous: Sequence[bytes]
    anomalous_masks: Sequence[bytes | None]
    color_map: ColorMap
    background: str
    classes: tuple[tuple[str, str], ...]


class CheckedEngine(Engine, Generic[_M]):
    """An engine whose input :func:`check_training_input` checks before it trains."""

    #: The fewest normal images this engine trains on.
    least_normal: ClassVar[int] = 2

    def fit(
        self,
        normal: Sequence[bytes],
        anomalous: Sequence[bytes] = (),
        anomalous_masks: Sequence[bytes | None] = (),
        color_map: ColorMap = (),
    ) -> _M:
        """Train on encoded images (see :meth:`Engine.fit`).

        Raises:
            InvalidInputError: fewer than :attr:`least_normal` normal images, masks not
                matching the anomalous images, or a bad colour map.
            ImageRejected: an image or mask is not acceptable.
        """
        background, classes = check_training_input(
            normal, anomalous, anomalous_masks, color_map, least_normal=self.least_normal
        )
        data = TrainingData(normal, anomalous, anomalous_masks, color_map, background, classes)
        return self._train(data)

    @abc.abstractmethod
    def _train(self, data: TrainingData) -> _M:
        """Train on input that passed the checks."""


def split_color_map(color_map: ColorMap) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The background colour and the anomaly classes of a colour map.

    Raises:
        ValueError: a colour is not ``#rrggbb``, or two entries share a name or colour.
    """
    background = DEFAULT_BACKGROUND
    classes: list[tuple[str, str]] = []
    for name, color in color_map:
        parse_color(color)
        if name.lower() == "background":
            background = color
        else:
            classes.append((name, color))
    names = [name.lower() for name, _ in classes]
    colors = [parse_color(color) for _, color in classes] + [parse_color(background)]
    if len(set(names)) != len(names) or len(set(colors)) != len(colors):
        raise InvalidInputError.of(
            "color_map", "colour map entries must have distinct names and colours"
        )
    return background, tuple(classes)


def render_mask(labels: NDArray[np.integer[Any]], colors: Sequence[str]) -> bytes:
    """Paint a label image (``H x W``, 0 = background) as an RGB PNG.

    ``colors[0]`` is the background colour and ``colors[k]`` the colour of label ``k``.
    """
    from PIL import Image

    palette = np.array([parse_color(color) for color in colors], dtype=np.uint8)
    rgb = palette[np.asarray(labels, dtype=np.intp)]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def paint_labels(
    labels: NDArray[np.integer[Any]], background: str, classes: Sequence[tuple[str, str]]
) -> tuple[bytes, tuple[tuple[str, float, str], ...]]:
    """The mask PNG and the ``anomalies`` entries of a label image (0 = background).

    ``anomalies`` lists the background first, then each class present, each with the
    fraction of the image's pixels it covers and its colour (see :class:`Prediction`).
    """
    colors = [background, *(color for _, color in classes)]
    counts = np.bincount(np.asarray(labels, dtype=np.intp).ravel(), minlength=len(colors))
    total = float(np.size(labels))
    anomalies = [("background", float(counts[0]) / total, background)]
    anomalies += [
        (name, float(counts[k]) / total, color)
        for k, (name, color) in enumerate(classes, start=1)
        if counts[k] > 0
    ]
    return render_mask(labels, colors), tuple(anomalies)


def mask_labels(mask: NDArray[np.uint8], colors: Sequence[str]) -> NDArray[np.int16]:
    """The label image of an ``H x W x 3`` mask: ``k`` where it shows ``colors[k]``.

    ``colors[0]`` is the background; pixels of any colour not listed count as background.
    """
    codes = (mask[..., 0].astype(np.int32) << 16) | (mask[..., 1].astype(np.int32) << 8)
    codes |= mask[..., 2].astype(np.int32)
    labels = np.zeros(mask.shape[:2], dtype=np.int16)
    for index, color in enumerate(colors[1:], start=1):
        red, green, blue = parse_color(color)
        labels[codes == (red << 16) | (green << 8) | blue] = index
    return labels
