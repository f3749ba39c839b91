"""The pretrained-feature engine: detection, calibration, segmentation, files, choice."""

from __future__ import annotations

import io
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lookout_sdk.engine import (
    PatchEngine,
    PatchModel,
    SimpleEngine,
    default_engine,
    evaluate,
    load_model,
    roc_auc,
)
from lookout_sdk.synthetic import BACKGROUND_COLOR, DEFECT_CLASSES, make_image

KINDS = ("scratch", "hole", "stain")
COLOR_MAP = [("background", BACKGROUND_COLOR), *((k, DEFECT_CLASSES[k]) for k in KINDS)]
SIZE = (96, 96)


def _images(seed: int, count: int, kinds: tuple[str, ...] = ()) -> list[bytes]:
    rng = random.Random(seed)
    return [
        make_image(rng, size=SIZE, defects=[kinds[i % len(kinds)]] if kinds else []).data
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def engine() -> PatchEngine:
    return PatchEngine(image_size=(96, 96))


@pytest.fixture(scope="module")
def classifier(engine: PatchEngine) -> PatchModel:
    return engine.fit(_images(1, 16))


@pytest.fixture(scope="module")
def segmenter(engine: PatchEngine) -> PatchModel:
    rng = random.Random(2)
    anomalies = [make_image(rng, size=SIZE, defects=[KINDS[i % 3]]) for i in range(6)]
    return engine.fit(
        _images(1, 16),
        [a.data for a in anomalies],
        [a.mask for a in anomalies],
        COLOR_MAP,
    )


def test_defects_outscore_held_out_normal_images(classifier: PatchModel) -> None:
    normal = [classifier.score(x) for x in _images(3, 10)]
    defective = [classifier.score(x) for x in _images(4, 9, KINDS)]
    scores = [p.score for p in normal + defective]
    assert roc_auc([0] * 10 + [1] * 9, scores) == 1.0
    assert sum(p.is_anomalous for p in normal) <= 1  # mean + 3 sd of held-out normals
    assert sum(p.is_anomalous for p in defective) >= 8


def test_prediction_fields(classifier: PatchModel) -> None:
    for image in _images(5, 2) + _images(6, 2, KINDS):
        p = classifier.score(image)
        assert 0.5 <= p.confidence <= 1.0
        assert p.anomaly_map.shape == (96, 96)
        assert p.anomaly_map.dtype == np.float32
        assert 0.0 <= float(p.anomaly_map.min()) <= float(p.anomaly_map.max()) <= 1.0
        assert p.mask_png is None
        assert p.anomalies == ()
    assert classifier.threshold > float(np.median(classifier.normal_scores))


def test_anomaly_map_points_at_the_defect(classifier: PatchModel) -> None:
    image = make_image(random.Random(11), size=SIZE, defects=["hole"])
    assert image.mask is not None
    truth = np.asarray(Image.open(io.BytesIO(image.mask)).convert("L")) > 0
    values = classifier.score(image.data).anomaly_map
    assert roc_auc(truth.ravel(), values.ravel()) > 0.75  # measured 0.81 at 96 px


def test_images_of_any_allowed_size_are_scored(classifier: PatchModel) -> None:
    wide = make_image(random.Random(8), size=(300, 64), defects=["hole"]).data
    p = classifier.score(wide)
    assert p.anomaly_map.shape == (96, 96)


def test_segmentation_masks_are_input_sized_and_from_the_colour_map(
    segmenter: PatchModel,
) -> None:
    assert segmenter.head is not None
    assert segmenter.known_classes.tolist() == [True, True, True]
    image = make_image(random.Random(21), size=(160, 120), defects=["hole"])
    p = segmenter.score(image.data)
    assert p.is_anomalous
    assert p.mask_png is not None
    mask = Image.open(io.BytesIO(p.mask_png))
    assert (mask.format, mask.mode, mask.size) == ("PNG", "RGB", (160, 120))
    used = {
        "#{:02x}{:02x}{:02x}".format(*c) for c in np.unique(np.asarray(mask).reshape(-1, 3), axis=0)
    }
    assert used <= {color for _, color in COLOR_MAP}
    names = [name for name, _, _ in p.anomalies]
    assert names[0] == "background"
    assert len(names) >= 2
    assert sum(area for _, area, _ in p.anomalies) == pytest.approx(1.0)


def test_normal_image_gets_an_empty_mask(segmenter: PatchModel) -> None:
    p = segmenter.score(_images(30, 1)[0])
    assert not p.is_anomalous
    assert p.anomalies == (("background", 1.0, BACKGROUND_COLOR),)


def test_evaluation_reports_pixel_metrics(segmenter: PatchModel) -> None:
    rng = random.Random(40)
    anomalies = [make_image(rng, size=SIZE, defects=[KINDS[i % 3]]) for i in range(6)]
    report = evaluate(
        segmenter,
        _images(41, 6),
        [a.data for a in anomalies],
        [a.mask for a in anomalies],
        COLOR_MAP,
    )
    assert report.roc_auc == 1.0
    pixels = report.to_dict()["PixelMetrics"]
    assert set(pixels) == set(KINDS)
    assert pixels["hole"]["AIOU"] > 0.1  # measured 0.19: coarse masks at 96 px


def test_alignment_is_chosen_for_parts_and_not_for_textures() -> None:
    rng = random.Random(5)
    boards = [make_image(rng, size=(96, 96), category="board").data for _ in range(6)]
    fabric = [make_image(rng, size=(96, 96), category="fabric").data for _ in range(6)]
    engine = PatchEngine(image_size=(96, 96))
    assert engine.fit(boards).reference is not None
    assert engine.fit(fabric).reference is None


def test_saved_model_reloads_in_a_fresh_process_with_the_same_scores(
    segmenter: PatchModel, tmp_path: Path
) -> None:
    segmenter.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.npz"]
    assert json.loads((tmp_path / "model.json").read_text())["engine"] == "lite0-patch"
    images = _images(50, 2) + _images(51, 3, KINDS)
    for index, image in enumerate(images):
        (tmp_path / f"image-{index}.png").write_bytes(image)
    here = [segmenter.score(image) for image in images]
    script = (
        "import json, sys, pathlib\n"
        "from lookout_sdk.engine import load_model\n"
        "folder = pathlib.Path(sys.argv[1])\n"
        "model = load_model(folder)\n"
        "out = []\n"
        "for i in range(5):\n"
        "    p = model.score((folder / f'image-{i}.png').read_bytes())\n"
        "    out.append([p.score, p.confidence, p.is_anomalous, float(p.anomaly_map.sum()),"
        " p.mask_png.hex() if p.mask_png else None])\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    there = json.loads(result.stdout)
    for mine, theirs in zip(here, there, strict=True):
        assert theirs[0] == pytest.approx(mine.score, abs=1e-6)
        assert theirs[1] == pytest.approx(mine.confidence, abs=1e-6)
        assert theirs[2] == mine.is_anomalous
        assert theirs[3] == pytest.approx(float(mine.anomaly_map.sum()), abs=1e-3)
        assert theirs[4] == (mine.mask_png.hex() if mine.mask_png else None)
    loaded = load_model(tmp_path)
    assert isinstance(loaded, PatchModel)
    assert loaded.score(images[0]).score == pytest.approx(here[0].score, abs=1e-6)


def test_model_of_other_weights_is_refused(classifier: PatchModel, tmp_path: Path) -> None:
    classifier.save(tmp_path)
    settings = json.loads((tmp_path / "model.json").read_text())
    settings["weights"]["sha256"] = "0" * 64
    (tmp_path / "model.json").write_text(json.dumps(settings))
    with pytest.raises(ValueError, match="other backbone weights"):
        load_model(tmp_path)


def test_training_needs_four_normal_images(engine: PatchEngine) -> None:
    with pytest.raises(ValueError, match="at least 4 normal"):
        engine.fit(_images(1, 3))


def test_default_engine_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOOKOUT_SDK_ENGINE", raising=False)
    assert isinstance(default_engine(), PatchEngine)
    monkeypatch.setenv("LOOKOUT_SDK_ENGINE", "simple")
    assert isinstance(default_engine(), SimpleEngine)
    monkeypatch.setenv("LOOKOUT_SDK_ENGINE", "nonsense")
    with pytest.raises(ValueError, match="patch"):
        default_engine()
    monkeypatch.delenv("LOOKOUT_SDK_ENGINE")
    monkeypatch.setenv("LOOKOUT_SDK_WEIGHTS", "/nonexistent/weights.pth")
    # An explicit path is trusted as given; the package lookup is what falls back.
    assert isinstance(default_engine(), PatchEngine)


def test_grey_parts_train_and_score_with_finite_confidence() -> None:
    # Grey images have colour channels that never vary; they must not make NaNs.
    rng = random.Random(3)
    normal = [make_image(rng).data for _ in range(12)]
    anomalous = [make_image(rng, defects=["hole"]).data for _ in range(4)]
    model = PatchEngine().fit(normal, anomalous)
    assert math.isfinite(model.threshold)
    plain = model.score(make_image(rng).data)
    holed = model.score(make_image(rng, defects=["hole"]).data)
    assert math.isfinite(plain.confidence)
    assert holed.score > plain.score
    assert holed.is_anomalous
