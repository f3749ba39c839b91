"""Detection quality and speed of the local engines on a seeded multi-category defect set.

The set comes from the project's generator (``lookout_sdk.synthetic`` with
``category=``): four textures (brushed metal, woven fabric, granite, gravel) and two
aligned parts (a circuit board and a machined bracket), at 224 x 224. Per category, 50
normal images train the model, 10 labelled anomalies (with masks) tune its threshold
and train its class head, and 30 normal plus 30 anomalous images (the category's defect
kinds in turn) test it. The defects' size and contrast are drawn from ranges fixed in
the generator, so many are faint or thin; nothing here is tuned to a detector.

One run prints, per category and engine: image ROC AUC, pixel ROC AUC (the anomaly map
against the true masks at the working size), pixel F1 of the painted masks, the false
positive rate on the normal test images at the model's own threshold, fit time per 50
images and ms per scored image (decode included), with BLAS held to 2 threads; then the
means and PASS/FAIL against the targets.

Usage::

    python benchmarks/engine.py                  # the default engine and SimpleEngine
    python benchmarks/engine.py --engines patch  # only the pretrained-feature engine
    python benchmarks/engine.py --check          # exit 1 if a target is missed
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "2")

import numpy as np  # noqa: E402 - BLAS reads its thread count when numpy is imported

SIZE = (224, 224)
TRAIN, TUNE, TEST = 50, 10, 30
TARGETS = {"mean_auroc": 0.92, "object_auroc": 0.99, "ms_per_image": 25.0, "fit_s_per_50": 10.0}


def build_category(category: str, seed: int) -> dict[str, Any]:
    from lookout_sdk.synthetic import CATEGORY_DEFECTS, make_image

    rng = random.Random(seed)
    kinds = CATEGORY_DEFECTS[category]

    def defective(count: int, start: int) -> list[Any]:
        return [
            make_image(rng, size=SIZE, category=category, defects=[kinds[(start + i) % len(kinds)]])
            for i in range(count)
        ]

    train = [make_image(rng, size=SIZE, category=category).data for _ in range(TRAIN)]
    tune = defective(TUNE, 0)
    test_normal = [make_image(rng, size=SIZE, category=category).data for _ in range(TEST)]
    test_anomalous = defective(TEST, 0)
    return {
        "train": train,
        "tune": [x.data for x in tune],
        "tune_masks": [x.mask for x in tune],
        "test_normal": test_normal,
        "test_anomalous": [x.data for x in test_anomalous],
        "test_masks": [x.mask for x in test_anomalous],
        "color_map": [("background", "#000000")] + [(k, _color(k)) for k in kinds],
    }


def _color(kind: str) -> str:
    from lookout_sdk.synthetic import DEFECT_COLORS

    return DEFECT_COLORS[kind]


def _truth(mask: bytes | None, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    if mask is None:
        return np.zeros((size[1], size[0]), dtype=bool)
    image = Image.open(io.BytesIO(mask)).convert("RGB").resize(size, Image.Resampling.NEAREST)
    return np.asarray(image).max(axis=2) > 0


def measure(engine: Any, data: dict[str, Any]) -> dict[str, float]:
    from lookout_sdk.engine import evaluate, roc_auc

    started = time.perf_counter()
    model = engine.fit(
        data["train"], data["tune"], anomalous_masks=data["tune_masks"], color_map=data["color_map"]
    )
    fit_seconds = (time.perf_counter() - started) * 50 / TRAIN
    images = [*data["test_normal"], *data["test_anomalous"]]
    model.score(images[0])  # warm caches (weights, BLAS)
    started = time.perf_counter()
    predictions = [model.score(image) for image in images]
    ms = (time.perf_counter() - started) * 1000 / len(images)
    labels = np.r_[np.zeros(TEST), np.ones(TEST)]
    scores = np.array([p.score for p in predictions])
    masks = [None] * TEST + list(data["test_masks"])
    truth = np.concatenate([_truth(m, model.image_size).ravel() for m in masks])
    values = np.concatenate([p.anomaly_map.ravel() for p in predictions])
    report = evaluate(
        model, data["test_normal"], data["test_anomalous"], data["test_masks"], data["color_map"]
    )
    pixel_f1 = [s.f1 for s in report.per_class.values() if s.images]
    false_alarms = np.mean([p.is_anomalous for p in predictions[:TEST]])
    return {
        "auroc": roc_auc(labels, scores),
        "pixel_auroc": roc_auc(truth, values),
        "pixel_f1": float(np.mean(pixel_f1)) if pixel_f1 else 0.0,
        "fpr": float(false_alarms),
        "recall": float(np.mean([p.is_anomalous for p in predictions[TEST:]])),
        "fit_s": fit_seconds,
        "ms": ms,
    }


def engines(names: Sequence[str]) -> dict[str, Callable[[], Any]]:
    from lookout_sdk.engine import PatchEngine, SimpleEngine

    known: dict[str, Callable[[], Any]] = {
        "patch": PatchEngine,
        "patch-onnx": lambda: PatchEngine(runtime="onnx"),
        "simple": SimpleEngine,
    }
    return {name: known[name] for name in names}


def main(argv: Sequence[str] | None = None) -> int:
    from lookout_sdk.synthetic import CATEGORIES
    from lookout_sdk.synthetic.categories import OBJECT_CATEGORIES

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", nargs="+", default=["patch", "simple"])
    parser.add_argument("--categories", nargs="+", default=list(CATEGORIES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    chosen = engines(args.engines)
    columns = ("auroc", "pixel_auroc", "pixel_f1", "fpr", "recall", "fit_s", "ms")
    print(
        f"engine benchmark: {len(args.categories)} categories at {SIZE[0]}x{SIZE[1]}, "
        f"{TRAIN} train / {TUNE} tune / {TEST}+{TEST} test each, "
        f"BLAS threads {os.environ['OMP_NUM_THREADS']}, seed {args.seed}"
    )
    results: dict[str, dict[str, dict[str, float]]] = {name: {} for name in chosen}
    header = f"{'engine':12s} {'category':9s} " + " ".join(f"{c:>11s}" for c in columns)
    print(header)
    for index, category in enumerate(args.categories):
        data = build_category(category, args.seed * 100 + index)
        for name, make in chosen.items():
            row = measure(make(), data)
            results[name][category] = row
            print(
                f"{name:12s} {category:9s} " + " ".join(f"{row[c]:11.3f}" for c in columns),
                flush=True,
            )
    failed = False
    for name, rows in results.items():
        mean = {c: float(np.mean([r[c] for r in rows.values()])) for c in columns}
        objects = [rows[c]["auroc"] for c in OBJECT_CATEGORIES if c in rows]
        print(f"{name:12s} {'MEAN':9s} " + " ".join(f"{mean[c]:11.3f}" for c in columns))
        checks = [
            ("mean image AUROC", mean["auroc"], ">=", TARGETS["mean_auroc"]),
            (
                "aligned-object AUROC (min)",
                min(objects) if objects else float("nan"),
                ">=",
                TARGETS["object_auroc"],
            ),
            ("ms/image at 224 px", mean["ms"], "<=", TARGETS["ms_per_image"]),
            (
                "fit s per 50 images",
                max(r["fit_s"] for r in rows.values()),
                "<=",
                TARGETS["fit_s_per_50"],
            ),
        ]
        for label, value, op, target in checks:
            ok = value >= target if op == ">=" else value <= target
            failed |= not ok and name == args.engines[0]
            print(f"  {name}: {label:28s} {value:8.3f} {op} {target:<6} {'PASS' if ok else 'FAIL'}")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
