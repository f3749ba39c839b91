"""A simple, real detector: per-pixel statistics of normal images.

Method, at a fixed working size (64 x 64 by default; every image is resized to it, so
the images of one project should share an aspect ratio):

* Features: four channels per pixel — the gray level minus the image's median (so an
  overall change of lighting is not a defect), the same blurred (sigma 2, for dark or
  bright *areas*), the gradient magnitude (Sobel, for edges and thin lines), and the
  chroma ``max(R, G, B) - min(R, G, B)`` (for colour on grey parts, which gray levels
  alone miss).
* Normal model: per pixel and channel, the mean and standard deviation over the normal
  images. The variance is smoothed spatially (sigma 2) because there are few images, and
  the deviation has a floor (1 gray level, and a quarter of the channel's median).
* Anomaly map: per pixel, the largest ``|z|`` over the channels, smoothed (sigma 1).
  :attr:`Prediction.anomaly_map` shows it divided by twice the pixel threshold (below)
  and clipped to 0..1, so 0.5 is the pixel threshold.
* Image score: the mean of the top 1% of the map.
* Threshold: the normal images are split in five seeded folds and each fold is scored
  by statistics of the other four, which gives scores of normal images the statistics
  have not seen. Without anomalous images the threshold is their mean plus three
  standard deviations. With anomalous images, scored by the final model, the threshold
  maximises F1 over those held-out normal scores and the anomalous scores; among equally
  good intervals between two scores the widest is taken, and the statistical threshold
  is kept when it lies inside it, else clamped to the inner 80% of it.
* Confidence: ``p = logistic((score - threshold) / s)``, with ``s`` the standard
  deviation of the held-out normal scores, is read as P(anomalous). The API's
  ``Confidence`` is the confidence in the decision made, so it is ``p`` for an anomalous
  decision and ``1 - p`` for a normal one; it is never below 0.5.
* Segmentation (with masks and a colour map), for images classified anomalous only:
  an *area* is a connected part of the map above the pixel threshold (the 99.9th
  percentile of the held-out normal maps) whose peak beats the normal images' peaks
  (mean + 3 sd of their maxima) and that has at least 3 working pixels. It is outlined
  at half its peak on a sharp map (gray level and chroma only, smoothed with sigma 0.5,
  as blur and derivatives widen thin defects; the full map if the sharp one does not
  show the area): for a blurred step, half the height falls on the edge. Each region
  takes the class whose mean signed-z feature vector, over that class's training pixels
  that the map marks anomalous, is nearest to the region's (classes without training
  pixels are never chosen; if no class has any, every region takes the first class).
  The mask is drawn at the input size: the outline map is resized bilinearly and cut
  at the same level, and each pixel takes the class of the nearest region.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage  # type: ignore[import-untyped, unused-ignore]
from typing_extensions import Self

from lookout_sdk.engine import base
from lookout_sdk.engine.base import ColorMap, EngineError, Prediction, TrainedModel
from lookout_sdk.engine.calibration import best_threshold, logistic
from lookout_sdk.engine.images import decode_image, decode_mask, image_header, to_gray_array
from lookout_sdk.errors import InvalidInputError

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["SimpleEngine", "SimpleModel"]

Array = NDArray[np.float32]

CHANNELS = ("gray", "blurred", "gradient", "chroma")
#: The channels without spatial spread (no blur, no derivative), which outline regions.
_SHARP_CHANNELS = (0, 3)
_SHARP_SIGMA = 0.5
_FORMAT = 1
_STD_FLOOR = 1.0
_STD_FLOOR_SHARE = 0.25
_VARIANCE_SIGMA = 2.0
_BLUR_SIGMA = 2.0


def _features(image: Image.Image, size: tuple[int, int]) -> Array:
    """The ``C x H x W`` feature stack of an RGB image at the working size."""
    from PIL import Image

    if image.size != size:
        image = image.resize(size, Image.Resampling.BILINEAR)
    rgb = np.asarray(image, dtype=np.float32)
    gray = to_gray_array(image, size)
    gray -= np.float32(np.median(gray))
    smooth = ndimage.gaussian_filter(gray, 0.7)
    gradient = np.hypot(ndimage.sobel(smooth, axis=0), ndimage.sobel(smooth, axis=1))
    chroma = rgb.max(axis=2) - rgb.min(axis=2)
    blurred = ndimage.gaussian_filter(gray, _BLUR_SIGMA)
    return np.stack([gray, blurred, gradient, chroma]).astype(np.float32)


def _normal_statistics(stack: Array) -> tuple[Array, Array]:
    """Per-pixel, per-channel mean and floored, smoothed deviation of ``N x C x H x W``."""
    mean = stack.mean(axis=0)
    variance = stack.var(axis=0)
    std = np.empty_like(mean)
    for channel in range(mean.shape[0]):
        smoothed = np.sqrt(ndimage.gaussian_filter(variance[channel], _VARIANCE_SIGMA))
        floor = max(_STD_FLOOR, _STD_FLOOR_SHARE * float(np.median(smoothed)))
        std[channel] = np.maximum(smoothed, floor)
    return mean.astype(np.float32), std.astype(np.float32)


def _top_mean(values: Array, fraction: float) -> float:
    flat = values.ravel()
    count = max(1, math.ceil(fraction * flat.size))
    return float(np.partition(flat, flat.size - count)[flat.size - count :].mean())


class _Scorer:
    """The map and score of feature stacks under one set of normal statistics."""

    def __init__(self, mean: Array, std: Array, map_sigma: float, top_fraction: float) -> None:
        self.mean, self.std = mean, std
        self.map_sigma, self.top_fraction = map_sigma, top_fraction

    def signed_z(self, features: Array) -> Array:
        return ((features - self.mean) / self.std).astype(np.float32)

    def z_map(
        self, signed: Array, channels: Sequence[int] | None = None, sigma: float | None = None
    ) -> Array:
        raw = np.abs(signed if channels is None else signed[list(channels)]).max(axis=0)
        sigma = self.map_sigma if sigma is None else sigma
        return np.asarray(ndimage.gaussian_filter(raw, sigma), dtype=np.float32)

    def score(self, z_map: Array) -> float:
        return _top_mean(z_map, self.top_fraction)


@base.register_model("simple")
class SimpleModel(TrainedModel):
    """A model trained by :class:`SimpleEngine` (see the module notes for the method)."""

    def __init__(
        self,
        *,
        mean: Array,
        std: Array,
        threshold: float,
        score_scale: float,
        pixel_threshold: float,
        image_size: tuple[int, int],
        peak_threshold: float = 0.0,
        color_map: ColorMap = (),
        class_means: Array | None = None,
        map_sigma: float = 1.0,
        top_fraction: float = 0.01,
        min_region: int = 3,
        relative_level: float = 0.5,
        normal_scores: Array | None = None,
    ) -> None:
        self.threshold = float(threshold)
        self.score_scale = float(score_scale)
        self.pixel_threshold = float(pixel_threshold)
        self.peak_threshold = float(peak_threshold)
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.color_map = tuple((str(name), str(color)) for name, color in color_map)
        self.background, self.classes = base.split_color_map(self.color_map)
        if self.color_map and not self.classes:
            raise InvalidInputError.of(
                "color_map", "the colour map names no anomaly class besides the background"
            )
        channels = mean.shape[0]
        self.class_means = (
            np.asarray(class_means, dtype=np.float32)
            if class_means is not None
            else np.full((len(self.classes), channels), np.nan, dtype=np.float32)
        )
        self.min_region = int(min_region)
        self.relative_level = float(relative_level)
        self.normal_scores = (
            np.asarray(normal_scores, dtype=np.float32)
            if normal_scores is not None
            else np.zeros(0, dtype=np.float32)
        )
        self._scorer = _Scorer(
            np.asarray(mean, dtype=np.float32),
            np.asarray(std, dtype=np.float32),
            float(map_sigma),
            float(top_fraction),
        )

    # ------------------------------------------------------------------ scoring

    def features(self, image: bytes) -> tuple[Array, tuple[int, int]]:
        """The feature stack of an encoded image, and the image's own ``(width, height)``."""
        _, size = image_header(image)
        decoded = decode_image(image, reduce_to=self.image_size)
        return _features(decoded, self.image_size), size

    def probability(self, score: float) -> float:
        """P(anomalous) for a raw score: a logistic around the threshold."""
        return logistic((score - self.threshold) / self.score_scale)

    def score(self, image: bytes) -> Prediction:
        """Score one encoded image (see :class:`Prediction`)."""
        features, size = self.features(image)
        signed = self._scorer.signed_z(features)
        z_map = self._scorer.z_map(signed)
        value = self._scorer.score(z_map)
        anomalous = value >= self.threshold
        probability = self.probability(value)
        shown = np.clip(z_map / (2.0 * self.pixel_threshold), 0.0, 1.0).astype(np.float32)
        prediction = Prediction(
            is_anomalous=anomalous,
            confidence=probability if anomalous else 1.0 - probability,
            score=value,
            anomaly_map=shown,
        )
        if not self.is_segmentation:
            return prediction
        labels = self.segment(signed, z_map, size, anomalous=anomalous)
        mask_png, anomalies = self._paint(labels)
        return attrs.evolve(prediction, mask_png=mask_png, anomalies=anomalies)

    # ------------------------------------------------------------- segmentation

    def regions(self, signed: Array, z_map: Array) -> tuple[NDArray[np.int32], Array, Array]:
        """Working-size anomalous regions: a label image, a cut map and each region's cut.

        Labels are 0 for the background and ``k`` for the ``k``-th class (1-based). An
        area is connected and above the pixel threshold in the anomaly map. Its outline
        comes from the cut map: the map of the sharp channels (gray level and chroma,
        which are not spread by blurring or derivatives) when they show the area, else
        the anomaly map itself; the region is where the cut map reaches
        ``relative_level`` times its peak in the area (never below the pixel threshold).
        The level map holds that cut over the whole area.
        """
        areas, count = ndimage.label(z_map > self.pixel_threshold)
        labels = np.zeros(z_map.shape, dtype=np.int32)
        levels = np.zeros(z_map.shape, dtype=np.float32)
        sharp = self._scorer.z_map(signed, _SHARP_CHANNELS, _SHARP_SIGMA)
        cut_map = z_map.copy()
        known = ~np.isnan(self.class_means).any(axis=1)
        for area in range(1, count + 1):
            inside = areas == area
            if int(inside.sum()) < self.min_region or z_map[inside].max() < self.peak_threshold:
                continue
            if float(sharp[inside].max()) > self.pixel_threshold:
                cut_map[inside] = sharp[inside]
            peak = float(cut_map[inside].max())
            level = max(self.pixel_threshold, self.relative_level * peak)
            kept = inside & (cut_map >= level)
            levels[inside] = level
            if not known.any():
                labels[kept] = 1
                continue
            centre = signed[:, kept].mean(axis=1)
            distance = np.linalg.norm(np.nan_to_num(self.class_means) - centre, axis=1)
            labels[kept] = int(np.argmin(np.where(known, distance, np.inf))) + 1
        return labels, levels, cut_map

    def segment(
        self, signed: Array, z_map: Array, size: tuple[int, int], *, anomalous: bool
    ) -> NDArray[np.int32]:
        """The label image at ``size`` (``(width, height)``); all background if not anomalous."""
        from PIL import Image

        width, height = size
        if not anomalous:
            return np.zeros((height, width), dtype=np.int32)
        labels, levels, cut_map = self.regions(signed, z_map)
        if not labels.any():
            return np.zeros((height, width), dtype=np.int32)
        # Each working pixel takes the label and cut level of its nearest labelled pixel;
        # the input-size pixels take those of the working pixels under them, and are
        # anomalous where the bilinearly resized map reaches that level.
        _, (rows, cols) = ndimage.distance_transform_edt(labels == 0, return_indices=True)
        work_h, work_w = z_map.shape
        row_index = np.minimum(
            ((np.arange(height) + 0.5) * work_h / height).astype(np.intp), work_h - 1
        )
        col_index = np.minimum(
            ((np.arange(width) + 0.5) * work_w / width).astype(np.intp), work_w - 1
        )
        grid = np.ix_(row_index, col_index)
        support = ndimage.binary_dilation(labels > 0)[grid]
        full_cut = np.asarray(
            Image.fromarray(cut_map).resize(size, Image.Resampling.BILINEAR),
            dtype=np.float32,
        )
        inside = support & (full_cut >= levels[rows, cols][grid])
        return np.where(inside, labels[rows, cols][grid], 0).astype(np.int32)

    def _paint(self, labels: NDArray[np.int32]) -> tuple[bytes, tuple[tuple[str, float, str], ...]]:
        return base.paint_labels(labels, self.background, self.classes)

    # ------------------------------------------------------------------- files

    def save(self, folder: Path) -> None:
        """Write ``model.json`` and ``model.npz`` into ``folder``."""
        folder = Path(folder)
        settings: dict[str, Any] = {
            "engine": self.kind,
            "format": _FORMAT,
            "channels": list(CHANNELS),
            "image_size": list(self.image_size),
            "threshold": self.threshold,
            "score_scale": self.score_scale,
            "pixel_threshold": self.pixel_threshold,
            "peak_threshold": self.peak_threshold,
            "map_sigma": self._scorer.map_sigma,
            "top_fraction": self._scorer.top_fraction,
            "min_region": self.min_region,
            "relative_level": self.relative_level,
            "color_map": [list(entry) for entry in self.color_map],
        }
        (folder / base.MODEL_SETTINGS).write_text(json.dumps(settings, indent=2) + "\n", "utf-8")
        with (folder / base.MODEL_ARRAYS).open("wb") as handle:
            np.savez(
                handle,
                mean=self._scorer.mean,
                std=self._scorer.std,
                class_means=self.class_means,
                normal_scores=self.normal_scores,
            )

    @classmethod
    def load(cls, folder: Path) -> Self:
        """Read a folder that :meth:`save` wrote.

        Raises:
            ValueError: the files are not a model of this engine and format.
        """
        folder = Path(folder)
        settings = base.read_settings(folder)
        if settings.get("engine") != cls.kind or settings.get("format") != _FORMAT:
            raise EngineError(f"{folder} does not hold a {cls.kind!r} model of format {_FORMAT}")
        with np.load(folder / base.MODEL_ARRAYS, allow_pickle=False) as arrays:
            mean, std = arrays["mean"], arrays["std"]
            class_means, normal_scores = arrays["class_means"], arrays["normal_scores"]
        width, height = (int(side) for side in settings["image_size"])
        if mean.shape != (len(CHANNELS), height, width) or std.shape != mean.shape:
            raise EngineError(f"{folder}: the statistics do not match the working size")
        return cls(
            mean=mean,
            std=std,
            threshold=float(settings["threshold"]),
            score_scale=float(settings["score_scale"]),
            pixel_threshold=float(settings["pixel_threshold"]),
            peak_threshold=float(settings["peak_threshold"]),
            image_size=(width, height),
            color_map=[(str(name), str(color)) for name, color in settings["color_map"]],
            class_means=class_means,
            map_sigma=float(settings["map_sigma"]),
            top_fraction=float(settings["top_fraction"]),
            min_region=int(settings["min_region"]),
            relative_level=float(settings["relative_level"]),
            normal_scores=normal_scores,
        )


class SimpleEngine(base.CheckedEngine[SimpleModel]):
    """Trains :class:`SimpleModel` detectors (see the module notes for the method).

    It needs at least two normal images.

    Args:
        image_size: The working size ``(width, height)``.
        folds: How many seeded folds the normal images are split into to get held-out
            normal scores (each fold holds out ``1 / folds`` of them).
        seed: Seeds the split, so the same images always give the same model.
        normal_sds: Without anomalous images, the threshold is this many standard
            deviations above the mean held-out normal score.
        pixel_quantile: The percentile of held-out normal map values above which a
            pixel is painted anomalous.
    """

    def __init__(
        self,
        *,
        image_size: tuple[int, int] = (64, 64),
        folds: int = 5,
        seed: int = 0,
        normal_sds: float = 3.0,
        pixel_quantile: float = 99.9,
        map_sigma: float = 1.0,
        top_fraction: float = 0.01,
        min_region: int = 3,
        relative_level: float = 0.5,
    ) -> None:
        if min(image_size) < 16:
            raise InvalidInputError.of("image_size", "the working size must be at least 16 x 16")
        if folds < 2:
            raise InvalidInputError.of("folds", "folds must be at least 2")
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.folds, self.seed, self.normal_sds = folds, seed, normal_sds
        self.pixel_quantile, self.map_sigma = pixel_quantile, map_sigma
        self.top_fraction, self.min_region = top_fraction, min_region
        self.relative_level = relative_level

    def _stack(self, images: Sequence[bytes]) -> Array:
        if not images:
            return np.zeros((0, len(CHANNELS), self.image_size[1], self.image_size[0]), np.float32)
        return np.stack(
            [
                _features(decode_image(data, reduce_to=self.image_size), self.image_size)
                for data in images
            ]
        )

    def _scorer(self, stack: Array) -> _Scorer:
        mean, std = _normal_statistics(stack)
        return _Scorer(mean, std, self.map_sigma, self.top_fraction)

    def _held_out(self, stack: Array) -> tuple[Array, Array]:
        """Scores and maps of every normal image under statistics that did not see it."""
        count = len(stack)
        order = list(range(count))
        random.Random(self.seed).shuffle(order)
        folds = min(self.folds, count)
        scores = np.zeros(count, dtype=np.float32)
        maps = np.zeros((count, *stack.shape[2:]), dtype=np.float32)
        for fold in range(folds):
            held = np.array(order[fold::folds], dtype=np.intp)
            scorer = self._scorer(np.delete(stack, held, axis=0))
            for index in held:
                maps[index] = scorer.z_map(scorer.signed_z(stack[index]))
                scores[index] = scorer.score(maps[index])
        return scores, maps

    def _train(self, data: base.TrainingData) -> SimpleModel:
        normal, anomalous, anomalous_masks = data.normal, data.anomalous, data.anomalous_masks
        color_map, background, classes = data.color_map, data.background, data.classes
        normal_stack = self._stack(normal)
        held_scores, held_maps = self._held_out(normal_stack)
        scorer = self._scorer(normal_stack)
        anomalous_stack = self._stack(anomalous)
        signed = [scorer.signed_z(features) for features in anomalous_stack]
        maps = [scorer.z_map(item) for item in signed]
        anomalous_scores = np.array([scorer.score(item) for item in maps], dtype=np.float32)

        mean = float(held_scores.mean())
        scale = max(float(held_scores.std(ddof=1)), 1e-3 * abs(mean), 1e-6)
        threshold = best_threshold(held_scores, anomalous_scores, mean + self.normal_sds * scale)
        pixel_threshold = float(np.percentile(held_maps, self.pixel_quantile))
        peaks = held_maps.reshape(len(held_maps), -1).max(axis=1)
        peak_threshold = float(peaks.mean() + self.normal_sds * peaks.std(ddof=1))

        class_means = None
        if color_map:
            colors = [background, *(color for _, color in classes)]
            class_means = _class_means(
                signed=signed,
                maps=maps,
                masks=anomalous_masks,
                colors=colors,
                size=self.image_size,
                pixel_threshold=pixel_threshold,
            )
        return SimpleModel(
            mean=scorer.mean,
            std=scorer.std,
            threshold=threshold,
            score_scale=scale,
            pixel_threshold=pixel_threshold,
            peak_threshold=peak_threshold,
            image_size=self.image_size,
            color_map=list(color_map),
            class_means=class_means,
            map_sigma=self.map_sigma,
            top_fraction=self.top_fraction,
            min_region=self.min_region,
            relative_level=self.relative_level,
            normal_scores=held_scores,
        )


def _class_means(
    *,
    signed: Sequence[Array],
    maps: Sequence[Array],
    masks: Sequence[bytes | None],
    colors: Sequence[str],
    size: tuple[int, int],
    pixel_threshold: float,
) -> Array:
    """Per class, the mean signed-z feature vector of its anomalous training pixels.

    Pixels of the class that the map marks anomalous are used; when there are none, all
    of the class's pixels. A class without any training pixels gets a row of NaN.
    """
    channels = len(CHANNELS)
    sums = np.zeros((len(colors) - 1, 2, channels), dtype=np.float64)
    counts = np.zeros((len(colors) - 1, 2), dtype=np.int64)
    for features, z_map, mask in zip(signed, maps, masks, strict=False):
        if mask is None:
            continue
        labels = base.mask_labels(decode_mask(mask, size), colors)
        hot = z_map > pixel_threshold
        for k in range(1, len(colors)):
            member = labels == k
            for slot, where in enumerate((member & hot, member)):
                sums[k - 1, slot] += features[:, where].sum(axis=1)
                counts[k - 1, slot] += int(where.sum())
    means = np.full((len(colors) - 1, channels), np.nan, dtype=np.float32)
    for k in range(len(colors) - 1):
        for slot in range(2):
            if counts[k, slot] > 0:
                means[k] = sums[k, slot] / counts[k, slot]
                break
    return means
