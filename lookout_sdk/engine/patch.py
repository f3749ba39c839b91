"""The pretrained-feature detector: per-position Gaussians of ImageNet patch features.

Method, at a working size of 224 x 224 (every image is resized to it):

* Alignment: when the normal images show one aligned part (their mean image keeps at
  least half their contrast, :func:`~lookout_sdk.engine.alignment.structure_ratio`),
  each image is first moved by the whole-pixel shift (up to 8 px) that matches it to the
  mean normal image. Textures are left as they are.
* Features: two levels of EfficientNet-Lite0 patch features
  (:mod:`lookout_sdk.engine.features`), ``fine`` on a 56 x 56 grid and ``coarse``
  on a 28 x 28 grid, and a ``colour`` level (blurred luminance and opponent colours on
  the 56 x 56 grid) for faint, soft changes of tone such as stains.
* Normal model, per level: a Gaussian per grid position sharing one whitening
  (:class:`~lookout_sdk.engine.gaussian.PositionGaussian`); its distance map.
* Z-normalised ensemble: the normal images are split in five seeded folds, and each
  fold's maps are computed by Gaussians fitted on the other folds. Each level's distance
  is turned into a z-score per position with the mean and (smoothed) deviation of those
  held-out maps, so the levels share a scale and places that vary more among normal
  images (edges of parts, the image border) count less. The map is the larger of the two
  levels' z-scores (coarser ones repeated onto the fine grid), smoothed (sigma 1 cell).
* Image score: the map's maximum. Threshold: held-out normal scores (each fold
  z-normalised by the other folds alone) give mean + 3 sd; labelled anomalies, when
  given, move it to the F1-best place
  (:func:`~lookout_sdk.engine.calibration.best_threshold`).
* Confidence: ``p = logistic((score - threshold) / s)`` with ``s`` the deviation of the
  held-out normal scores is P(anomalous); the confidence is ``p`` for an anomalous
  decision and ``1 - p`` otherwise.
* Anomaly map (:attr:`Prediction.anomaly_map`): the map brought to the working size, in
  the image's own frame, divided by twice the pixel threshold (the 99.9th percentile of
  the held-out normal maps) and clipped to 0..1, so 0.5 is the pixel threshold.
* Segmentation (with a colour map): pixels of an anomalous image whose map reaches the
  pixel threshold are painted; each takes the anomaly class that a softmax head
  (:class:`~lookout_sdk.engine.head.SoftmaxHead`), trained on the standardised
  deviations of the masked training anomalies' grid cells, rates most likely. Without
  masks every painted pixel takes the first class.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage  # type: ignore[import-untyped, unused-ignore]
from typing_extensions import Self

from lookout_sdk.engine import base
from lookout_sdk.engine.alignment import (
    apply_shift,
    estimate_shift,
    reference_image,
    structure_ratio,
)
from lookout_sdk.engine.base import ColorMap, EngineError, Prediction, TrainedModel
from lookout_sdk.engine.calibration import best_threshold, logistic
from lookout_sdk.engine.features import LEVELS, extract_levels
from lookout_sdk.engine.gaussian import PositionGaussian
from lookout_sdk.engine.head import SoftmaxHead
from lookout_sdk.engine.images import decode_image, decode_mask, image_header
from lookout_sdk.engine.weights import WEIGHTS_PACKAGE
from lookout_sdk.errors import InvalidInputError

__all__ = ["PatchEngine", "PatchModel"]

Array = NDArray[np.float32]

_FORMAT = 2
_STD_FLOOR = 0.05
_STRUCTURE_LEVEL = 0.5
_CELL_SHARE = 0.125  # a grid cell takes a class that covers at least this share of it
_BACKGROUND_PER_DEFECT = 4  # background cells kept per anomalous cell to train the head


def _load_rgb(image: bytes, size: tuple[int, int]) -> tuple[Array, tuple[int, int]]:
    """The image at the working size as ``H x W x 3`` float32, and its own size."""
    from PIL import Image

    _, own = image_header(image)
    decoded = decode_image(image, reduce_to=size)
    if decoded.size != size:
        decoded = decoded.resize(size, Image.Resampling.BILINEAR)
    return np.asarray(decoded, dtype=np.float32), own


def _resize_map(values: Array, size: tuple[int, int], *, nearest: bool = False) -> Array:
    """A 2-D float map resized to ``size`` (``(width, height)``)."""
    from PIL import Image

    resample = Image.Resampling.NEAREST if nearest else Image.Resampling.BILINEAR
    resized = Image.fromarray(np.ascontiguousarray(values, dtype=np.float32)).resize(size, resample)
    return np.asarray(resized, dtype=np.float32)


@attrs.frozen
class _Normaliser:
    """Per-position mean and deviation of held-out distance maps of one level."""

    mean: Array
    std: Array

    @classmethod
    def of(cls, held: Array) -> _Normaliser:
        std = ndimage.gaussian_filter(held.std(axis=0), 1.0, mode="nearest")
        floor = max(_STD_FLOOR, 0.25 * float(np.median(std)))
        return cls(held.mean(axis=0).astype(np.float32), np.maximum(std, floor).astype(np.float32))

    def __call__(self, distance: Array) -> Array:
        return ((distance - self.mean) / self.std).astype(np.float32)


def _combine(z_maps: Sequence[Array], sigma: float) -> Array:
    """The larger of the levels' z-maps on the finest grid, smoothed: ``N x h x w``."""
    fine_rows = z_maps[0].shape[1]
    total = z_maps[0]
    for z_map in z_maps[1:]:
        factor = fine_rows // z_map.shape[1]
        total = np.maximum(total, np.repeat(np.repeat(z_map, factor, axis=1), factor, axis=2))
    return np.asarray(ndimage.gaussian_filter(total, (0, sigma, sigma)), dtype=np.float32)


def _head_features(deviations: Sequence[Array], combined: Array) -> Array:
    """Per fine-grid cell: every level's deviation (coarse repeated) and the map value."""
    fine_rows = deviations[0].shape[1]
    parts = [deviations[0]]
    for deviation in deviations[1:]:
        factor = fine_rows // deviation.shape[1]
        parts.append(np.repeat(np.repeat(deviation, factor, axis=1), factor, axis=2))
    parts.append(combined[..., None])
    return np.concatenate(parts, axis=-1)


@base.register_model("lite0-patch")
class PatchModel(TrainedModel):
    """A model trained by :class:`PatchEngine` (see the module notes for the method)."""

    def __init__(
        self,
        *,
        gaussians: Sequence[PositionGaussian],
        normalisers: Sequence[_Normaliser],
        threshold: float,
        score_scale: float,
        pixel_threshold: float,
        image_size: tuple[int, int],
        reference: Array | None = None,
        max_shift: int = 8,
        map_sigma: float = 1.0,
        color_map: ColorMap = (),
        head: SoftmaxHead | None = None,
        known_classes: NDArray[np.bool_] | None = None,
        normal_scores: Array | None = None,
        runtime: str = "numpy",
    ) -> None:
        self.gaussians = tuple(gaussians)
        self.normalisers = tuple(normalisers)
        self.threshold = float(threshold)
        self.score_scale = float(score_scale)
        self.pixel_threshold = float(pixel_threshold)
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.reference = reference
        self.max_shift = int(max_shift)
        self.map_sigma = float(map_sigma)
        self.color_map = tuple((str(name), str(color)) for name, color in color_map)
        self.background, self.classes = base.split_color_map(self.color_map)
        if self.color_map and not self.classes:
            raise InvalidInputError.of(
                "color_map", "the colour map names no anomaly class besides the background"
            )
        self.head = head
        self.known_classes = (
            np.asarray(known_classes, dtype=bool)
            if known_classes is not None
            else np.zeros(len(self.classes), dtype=bool)
        )
        self.normal_scores = (
            np.asarray(normal_scores, dtype=np.float32)
            if normal_scores is not None
            else np.zeros(0, dtype=np.float32)
        )
        self.runtime = runtime

    # ------------------------------------------------------------------ scoring

    def maps(self, rgb: Array) -> tuple[Array, list[Array], tuple[int, int]]:
        """The combined map (``h x w`` grid), the levels' deviations, and the shift undone."""
        shift = (0, 0)
        if self.reference is not None:
            shift = estimate_shift(rgb.mean(axis=2), self.reference, self.max_shift)
            rgb = apply_shift(rgb, shift)
        levels = extract_levels(rgb[None], runtime=self.runtime)
        deviations = [g.deviation(f) for g, f in zip(self.gaussians, levels, strict=True)]
        z_maps = [
            norm(np.sqrt(np.einsum("nhwc,nhwc->nhw", d, d)))
            for norm, d in zip(self.normalisers, deviations, strict=True)
        ]
        return _combine(z_maps, self.map_sigma)[0], deviations, shift

    def probability(self, score: float) -> float:
        """P(anomalous) for a raw score: a logistic around the threshold."""
        return logistic((score - self.threshold) / self.score_scale)

    def _to_image_frame(self, grid_map: Array, shift: tuple[int, int], *, nearest: bool) -> Array:
        full = _resize_map(grid_map, self.image_size, nearest=nearest)
        return apply_shift(full, (-shift[0], -shift[1]))

    def score(self, image: bytes) -> Prediction:
        """Score one encoded image (see :class:`Prediction`)."""
        rgb, own_size = _load_rgb(image, self.image_size)
        combined, deviations, shift = self.maps(rgb)
        value = float(combined.max())
        anomalous = value >= self.threshold
        probability = self.probability(value)
        working = self._to_image_frame(combined, shift, nearest=False)
        shown = np.clip(working / (2.0 * self.pixel_threshold), 0.0, 1.0).astype(np.float32)
        prediction = Prediction(
            is_anomalous=anomalous,
            confidence=probability if anomalous else 1.0 - probability,
            score=value,
            anomaly_map=shown,
        )
        if not self.is_segmentation:
            return prediction
        labels = self._segment(
            combined,
            deviations=deviations,
            shift=shift,
            working=working,
            size=own_size,
            anomalous=anomalous,
        )
        mask_png, anomalies = base.paint_labels(labels, self.background, self.classes)
        return attrs.evolve(prediction, mask_png=mask_png, anomalies=anomalies)

    def cell_classes(self, deviations: Sequence[Array], combined: Array) -> NDArray[np.int32]:
        """Per grid cell, the most likely known anomaly class (1-based)."""
        rows, cols = combined.shape
        if self.head is None or not self.known_classes.any():
            return np.ones((rows, cols), dtype=np.int32)
        features = _head_features(deviations, combined[None])[0].reshape(rows * cols, -1)
        odds = self.head.probabilities(features)[:, 1:]
        odds[:, ~self.known_classes] = -1.0
        best: NDArray[np.int32] = (np.argmax(odds, axis=1) + 1).astype(np.int32)
        return best.reshape(rows, cols)

    def _segment(
        self,
        combined: Array,
        *,
        deviations: Sequence[Array],
        shift: tuple[int, int],
        working: Array,
        size: tuple[int, int],
        anomalous: bool,
    ) -> NDArray[np.int32]:
        width, height = size
        if not anomalous:
            return np.zeros((height, width), dtype=np.int32)
        classes = self.cell_classes(deviations, combined).astype(np.float32)
        class_map = self._to_image_frame(classes, shift, nearest=True)
        inside = _resize_map(working, size) >= self.pixel_threshold
        painted = _resize_map(class_map, size, nearest=True).astype(np.int32)
        return np.where(inside, painted, 0).astype(np.int32)

    # ------------------------------------------------------------------- files

    def save(self, folder: Path) -> None:
        """Write ``model.json`` and ``model.npz`` into ``folder``."""
        from lookout_sdk.engine.backbone import load_lite0

        folder = Path(folder)
        settings: dict[str, Any] = {
            "engine": self.kind,
            "format": _FORMAT,
            "weights": {
                "backbone": "efficientnet-lite0",
                "package": WEIGHTS_PACKAGE,
                "sha256": load_lite0().source_digest,
            },
            "levels": [attrs.asdict(level) for level in LEVELS],
            "image_size": list(self.image_size),
            "threshold": self.threshold,
            "score_scale": self.score_scale,
            "pixel_threshold": self.pixel_threshold,
            "aligned": self.reference is not None,
            "max_shift": self.max_shift,
            "map_sigma": self.map_sigma,
            "color_map": [list(entry) for entry in self.color_map],
            "has_head": self.head is not None,
        }
        arrays: dict[str, NDArray[Any]] = {
            "normal_scores": self.normal_scores,
            "known_classes": self.known_classes,
        }
        for level, gaussian, norm in zip(LEVELS, self.gaussians, self.normalisers, strict=True):
            arrays[f"{level.name}.whiten"] = gaussian.whiten
            arrays[f"{level.name}.mean"] = gaussian.mean
            arrays[f"{level.name}.variance"] = gaussian.variance
            arrays[f"{level.name}.z_mean"] = norm.mean
            arrays[f"{level.name}.z_std"] = norm.std
        if self.reference is not None:
            arrays["reference"] = self.reference
        if self.head is not None:
            arrays["head.weights"] = self.head.weights
            arrays["head.centre"] = self.head.centre
            arrays["head.scale"] = self.head.scale
        (folder / base.MODEL_SETTINGS).write_text(json.dumps(settings, indent=2) + "\n", "utf-8")
        with (folder / base.MODEL_ARRAYS).open("wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type, unused-ignore]

    @classmethod
    def load(cls, folder: Path) -> Self:
        """Read a folder that :meth:`save` wrote.

        Raises:
            ValueError: the files are not a model of this engine and format, or were
                trained on other backbone weights than the installed ones.
        """
        from lookout_sdk.engine.backbone import load_lite0

        folder = Path(folder)
        settings = base.read_settings(folder)
        if settings.get("engine") != cls.kind or settings.get("format") != _FORMAT:
            raise EngineError(f"{folder} does not hold a {cls.kind!r} model of format {_FORMAT}")
        if (settings.get("weights") or {}).get("sha256") != load_lite0().source_digest:
            raise EngineError(f"{folder}: trained on other backbone weights than installed")
        with np.load(folder / base.MODEL_ARRAYS, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        gaussians = [
            PositionGaussian(
                whiten=arrays[f"{level.name}.whiten"],
                mean=arrays[f"{level.name}.mean"],
                variance=arrays[f"{level.name}.variance"],
            )
            for level in LEVELS
        ]
        normalisers = [
            _Normaliser(arrays[f"{level.name}.z_mean"], arrays[f"{level.name}.z_std"])
            for level in LEVELS
        ]
        head = None
        if settings.get("has_head"):
            head = SoftmaxHead(
                weights=arrays["head.weights"],
                centre=arrays["head.centre"],
                scale=arrays["head.scale"],
            )
        width, height = (int(side) for side in settings["image_size"])
        return cls(
            gaussians=gaussians,
            normalisers=normalisers,
            threshold=float(settings["threshold"]),
            score_scale=float(settings["score_scale"]),
            pixel_threshold=float(settings["pixel_threshold"]),
            image_size=(width, height),
            reference=arrays.get("reference") if settings.get("aligned") else None,
            max_shift=int(settings["max_shift"]),
            map_sigma=float(settings["map_sigma"]),
            color_map=[(str(name), str(color)) for name, color in settings["color_map"]],
            head=head,
            known_classes=arrays["known_classes"],
            normal_scores=arrays["normal_scores"],
        )


class PatchEngine(base.CheckedEngine[PatchModel]):
    """Trains :class:`PatchModel` detectors (see the module notes for the method).

    It needs at least four normal images, and the pretrained weights
    (:class:`~lookout_sdk.engine.weights.WeightsUnavailable` otherwise).

    Args:
        image_size: The working size ``(width, height)``, multiples of 32.
        folds: How many seeded folds give held-out normal maps.
        seed: Seeds the fold split, so the same images always give the same model.
        normal_sds: Without anomalous images, the threshold is this many standard
            deviations above the mean held-out normal score.
        pixel_quantile: The percentile of held-out normal map values that a pixel must
            reach to be painted anomalous.
        align: ``"auto"`` (align when the normal images show one part), ``"on"``, ``"off"``.
        max_shift: The largest shift, in working pixels, alignment searches.
        runtime: The forward pass (``"numpy"``).
    """

    least_normal = 4

    def __init__(
        self,
        *,
        image_size: tuple[int, int] = (224, 224),
        folds: int = 5,
        seed: int = 0,
        normal_sds: float = 3.0,
        pixel_quantile: float = 99.9,
        map_sigma: float = 1.0,
        align: str = "auto",
        max_shift: int = 8,
        runtime: str = "numpy",
    ) -> None:
        if image_size[0] % 32 or image_size[1] % 32 or min(image_size) < 64:
            raise InvalidInputError.of(
                "image_size", "the working size must be multiples of 32, at least 64"
            )
        if folds < 2:
            raise InvalidInputError.of("folds", "folds must be at least 2")
        if align not in ("auto", "on", "off"):
            raise InvalidInputError.of("align", "align must be 'auto', 'on' or 'off'")
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.folds, self.seed, self.normal_sds = folds, seed, normal_sds
        self.pixel_quantile, self.map_sigma = pixel_quantile, map_sigma
        self.align, self.max_shift, self.runtime = align, max_shift, runtime

    def _rgb(self, images: Sequence[bytes]) -> Array:
        return np.stack([_load_rgb(image, self.image_size)[0] for image in images])

    def _reference(self, rgb: Array) -> Array | None:
        grays = rgb.mean(axis=3)
        if self.align == "off" or (
            self.align == "auto" and structure_ratio(grays) < _STRUCTURE_LEVEL
        ):
            return None
        return reference_image(grays, self.max_shift)

    def _levels(self, rgb: Array, reference: Array | None) -> list[Array]:
        if reference is not None:
            rgb = np.stack(
                [
                    apply_shift(x, estimate_shift(x.mean(axis=2), reference, self.max_shift))
                    for x in rgb
                ]
            )
        return extract_levels(rgb, runtime=self.runtime)

    def _train(self, data: base.TrainingData) -> PatchModel:
        normal, anomalous, anomalous_masks = data.normal, data.anomalous, data.anomalous_masks
        color_map, background, classes = data.color_map, data.background, data.classes
        rgb = self._rgb(normal)
        reference = self._reference(rgb)
        levels = self._levels(rgb, reference)
        folds = self._fold_indices(len(normal))
        held = [np.empty(f.shape[:3], dtype=np.float32) for f in levels]
        for fold in folds:
            for features, maps in zip(levels, held, strict=True):
                rest = np.delete(features, fold, axis=0)
                maps[fold] = PositionGaussian.fit(rest).distance(features[fold])
        gaussians = [PositionGaussian.fit(features) for features in levels]
        normalisers = [_Normaliser.of(maps) for maps in held]
        held_combined = np.empty((len(normal), *held[0].shape[1:]), dtype=np.float32)
        for fold in folds:
            others = np.setdiff1d(np.arange(len(normal)), fold)
            z_maps = [_Normaliser.of(maps[others])(maps[fold]) for maps in held]
            held_combined[fold] = _combine(z_maps, self.map_sigma)
        held_scores = held_combined.reshape(len(normal), -1).max(axis=1)
        mean = float(held_scores.mean())
        scale = max(float(held_scores.std(ddof=1)), 1e-3 * abs(mean), 1e-6)
        model = PatchModel(
            gaussians=gaussians,
            normalisers=normalisers,
            threshold=mean + self.normal_sds * scale,
            score_scale=scale,
            pixel_threshold=max(float(np.percentile(held_combined, self.pixel_quantile)), 1e-3),
            image_size=self.image_size,
            reference=reference,
            max_shift=self.max_shift,
            map_sigma=self.map_sigma,
            color_map=list(color_map),
            normal_scores=held_scores.astype(np.float32),
            runtime=self.runtime,
        )
        if not anomalous:
            return model
        anomalous_rgb = self._rgb(anomalous)
        outputs = [model.maps(x) for x in anomalous_rgb]
        scores = np.array([float(combined.max()) for combined, _, _ in outputs])
        model.threshold = best_threshold(held_scores, scores, model.threshold)
        if color_map and anomalous_masks:
            colors = [background, *(color for _, color in classes)]
            self._train_head(model, outputs, anomalous_masks, colors)
        return model

    def _fold_indices(self, count: int) -> list[NDArray[np.intp]]:
        order = list(range(count))
        random.Random(self.seed).shuffle(order)
        folds = min(self.folds, count // 2)
        return [np.array(sorted(order[k::folds]), dtype=np.intp) for k in range(folds)]

    def _train_head(
        self,
        model: PatchModel,
        outputs: Sequence[tuple[Array, list[Array], tuple[int, int]]],
        masks: Sequence[bytes | None],
        colors: Sequence[str],
    ) -> None:
        """Fit the per-class head on grid cells of the masked training anomalies."""
        samples: list[Array] = []
        targets: list[NDArray[np.intp]] = []
        for (combined, deviations, shift), mask in zip(outputs, masks, strict=True):
            if mask is None:
                continue
            labels = base.mask_labels(decode_mask(mask, self.image_size), colors)
            cells = self._cell_labels(apply_shift(labels, shift), combined.shape, len(colors))
            features = _head_features(deviations, combined[None])[0]
            samples.append(features.reshape(-1, features.shape[-1]))
            targets.append(cells.ravel())
        if not samples:
            return
        x, y = np.concatenate(samples), np.concatenate(targets)
        defect = np.flatnonzero(y > 0)
        if len(defect) == 0:
            return
        rng = np.random.default_rng(self.seed)
        background = np.flatnonzero(y == 0)
        keep = min(len(background), _BACKGROUND_PER_DEFECT * len(defect))
        chosen = np.sort(np.concatenate([defect, rng.choice(background, keep, replace=False)]))
        model.head = SoftmaxHead.fit(x[chosen], y[chosen], len(colors))
        model.known_classes = np.bincount(y[defect], minlength=len(colors))[1:] > 0

    @staticmethod
    def _cell_labels(
        labels: NDArray[np.int16], grid: tuple[int, int], classes: int
    ) -> NDArray[np.intp]:
        """Per grid cell, the class covering at least an eighth of it (most wins), else 0."""
        rows, cols = grid
        height, width = labels.shape
        cell = labels[: rows * (height // rows), : cols * (width // cols)].reshape(
            rows, height // rows, cols, width // cols
        )
        shares = np.stack([(cell == k).mean(axis=(1, 3)) for k in range(1, classes)], axis=-1)
        best = np.argmax(shares, axis=-1)
        strong = np.take_along_axis(shares, best[..., None], axis=-1)[..., 0] >= _CELL_SHARE
        return np.where(strong, best + 1, 0).astype(np.intp)
