"""Preflight: every image and mask of a layout checked, every problem named in one report."""

from __future__ import annotations

import io
import random
import shutil
import struct
import sys
import threading
import zlib
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from lookout_sdk.api.images import MAX_IMAGE_BYTES
from lookout_sdk.datasets.checks import (
    DatasetCounts,
    Minimums,
    PreflightError,
    PreflightReport,
    preflight,
)
from lookout_sdk.datasets.layout import layout_from_keys, scan_folder
from lookout_sdk.errors import InvalidInputError, Problem
from lookout_sdk.records.enums import DatasetType
from lookout_sdk.synthetic import make_image, write_dataset_folder


def encode(fmt: str, size: tuple[int, int], color: tuple[int, int, int] = (90, 90, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def synthetic(seed: int, **options: object) -> bytes:
    return make_image(random.Random(seed), **options).data  # type: ignore[arg-type]


def check(root: Path, **options: object) -> PreflightReport:
    return preflight(scan_folder(root), **options)  # type: ignore[arg-type]


def reasons(report: PreflightReport) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in report.problems:
        found.setdefault(problem.path, []).append(problem.reason)
    return found


def edit_mask(path: Path, size: tuple[int, int] | None = None, **fills: str) -> None:
    """Repaint a mask: ``box=colour`` paints a square, ``all=colour`` the whole mask."""
    mask = Image.open(path).convert("RGB")
    if size is not None:
        mask = mask.resize(size, Image.Resampling.NEAREST)
    if "all" in fills:
        mask.paste(fills["all"], (0, 0, *mask.size))
    if "box" in fills:
        mask.paste(fills["box"], (4, 4, 20, 20))
    mask.save(path, format="PNG")


# ----------------------------------------------------------------------------- one report


def test_one_report_lists_every_problem_of_a_folder(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts", normal=20, anomaly=20, masks=True)
    normal = root / "normal"
    jpeg = synthetic(101, image_format="JPEG")
    (normal / "broken.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (normal / "tiny.png").write_bytes(synthetic(102, size=(32, 32)))
    (normal / "really-tiff.png").write_bytes(encode("TIFF", (96, 96)))
    (normal / "wide.png").write_bytes(synthetic(103, size=(128, 96)))
    edit_mask(root / "masks" / "anomaly-0000.png", box="#123456")

    report = check(root)

    found = reasons(report)
    assert sorted(found) == sorted(
        str(path)
        for path in (
            normal / "broken.jpg",
            normal / "tiny.png",
            normal / "really-tiff.png",
            normal / "wide.png",
            root / "masks" / "anomaly-0000.png",
        )
    )
    [broken] = found[str(normal / "broken.jpg")]
    assert broken.startswith("is a damaged JPEG that cannot be decoded (")
    assert "truncated" in broken
    assert sorted(found[str(normal / "tiny.png")]) == [
        "is 32x32 px but most images are 96x96 px; all images must have the same size",
        "is 32x32 px; each side must be 64 to 4096 px",
    ]
    assert found[str(normal / "really-tiff.png")] == [
        "is TIFF, not a PNG or JPEG image (checked from its bytes)"
    ]
    assert found[str(normal / "wide.png")] == [
        "is 128x96 px but most images are 96x96 px; all images must have the same size"
    ]
    assert found[str(root / "masks" / "anomaly-0000.png")] == [
        "has colour #123456 not in the colour map"
    ]
    assert report.problems == tuple(sorted(report.problems, key=lambda p: (p.path, p.reason)))
    assert report.checked == 44
    assert report.image_size == (96, 96)
    assert not report.ok


def test_layout_problems_are_part_of_the_report(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts", anomaly=10, masks=True, classes=["scratch"])
    (root / "masks" / "anomaly-0003.png").unlink()
    (root / "masks" / "orphan.png").write_bytes(encode("PNG", (96, 96)))

    found = reasons(check(root, minimums=Minimums(per_label=9)))

    assert found == {
        str(root / "anomaly" / "anomaly-0003.png"): ["has no mask in masks/"],
        str(root / "masks" / "orphan.png"): ["matches no image named orphan.*"],
    }


def test_results_do_not_depend_on_the_number_of_workers(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts", normal=12, anomaly=6, masks=True)
    (root / "normal" / "small.png").write_bytes(encode("PNG", (40, 40)))
    layout = scan_folder(root)

    assert preflight(layout, workers=1) == preflight(layout, workers=8)


# ----------------------------------------------------------------------------- clean folders


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_a_clean_classification_folder_passes(tmp_path: Path, image_format: str) -> None:
    root = write_dataset_folder(tmp_path / "parts", image_format=image_format)

    report = check(root)

    assert report.ok, report.summary()
    assert report.counts == (DatasetCounts(None, normal=20, anomaly=10),)
    assert report.image_size == (96, 96)
    assert report.checked == 30
    report.raise_for_problems()
    assert str(report).splitlines() == [
        f"Preflight of {root}: 30 images checked, no problems",
        "  dataset: 20 normal, 10 anomaly",
        "  image size: 96x96 px",
    ]


def test_a_clean_segmentation_folder_passes_and_counts_each_class(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts", anomaly=20, masks=True)

    report = check(root)

    assert report.ok, report.summary()
    [counts] = report.counts
    assert counts.per_label == (("scratch", 10), ("hole", 10))
    assert counts.label_count("SCRATCH") == 10
    assert counts.label_count("stain") == 0
    assert counts.total == 40
    assert "  dataset: 20 normal, 20 anomaly (scratch 10, hole 10)" in str(report)


# ----------------------------------------------------------------------------- minimum counts


def test_minimums_of_a_single_dataset(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts", normal=19, anomaly=1)

    report = check(root)

    assert reasons(report) == {
        str(root): [
            "dataset has 1 anomaly image; at least 10 are needed",
            "dataset has 19 normal images; at least 20 are needed",
        ]
    }
    assert check(root, minimums=Minimums(single_normal=19, single_anomaly=1)).ok


def test_minimums_of_separate_datasets(tmp_path: Path) -> None:
    root = tmp_path / "parts"
    write_dataset_folder(root / "train", normal=7, anomaly=0, seed=1)
    write_dataset_folder(root / "test", normal=10, anomaly=9, seed=2)

    report = check(root)

    assert report.counts == (
        DatasetCounts(DatasetType.TRAIN, normal=7, anomaly=0),
        DatasetCounts(DatasetType.TEST, normal=10, anomaly=9),
    )
    assert reasons(report) == {
        f"{root}/test": ["test dataset has 9 anomaly images; at least 10 are needed"],
        f"{root}/train": ["train dataset has 7 normal images; at least 10 are needed"],
    }


def test_separate_datasets_at_their_minimums_pass(tmp_path: Path) -> None:
    root = tmp_path / "parts"
    write_dataset_folder(root / "train", normal=10, anomaly=0, seed=1)
    write_dataset_folder(root / "test", normal=10, anomaly=10, seed=2)

    assert check(root).ok


def test_a_training_folder_alone_is_a_single_dataset(tmp_path: Path) -> None:
    root = tmp_path / "parts"
    write_dataset_folder(root / "train", normal=10, anomaly=10)

    assert reasons(check(root)) == {
        f"{root}/train": ["train dataset has 10 normal images; at least 20 are needed"]
    }


def test_per_label_minimums_for_segmentation(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts", anomaly=10, masks=True)

    report = check(root)

    assert reasons(report) == {
        str(root): [
            "dataset has 5 anomaly images showing hole; at least 10 are needed",
            "dataset has 5 anomaly images showing scratch; at least 10 are needed",
        ]
    }
    assert check(root, minimums=Minimums(per_label=5)).ok


def test_per_label_minimums_apply_only_to_datasets_with_anomalies(tmp_path: Path) -> None:
    root = tmp_path / "parts"
    write_dataset_folder(root / "train", normal=10, anomaly=0, masks=True, seed=1)
    write_dataset_folder(
        root / "test", normal=10, anomaly=10, masks=True, classes=["scratch", "hole"], seed=2
    )

    report = check(root, minimums=Minimums(per_label=6))

    assert report.counts[0] == DatasetCounts(
        DatasetType.TRAIN, 10, 0, (("scratch", 0), ("hole", 0))
    )
    assert reasons(report) == {
        f"{root}/test": [
            "test dataset has 5 anomaly images showing hole; at least 6 are needed",
            "test dataset has 5 anomaly images showing scratch; at least 6 are needed",
        ]
    }


# ----------------------------------------------------------------------------- single problems


def test_duplicates_name_the_first_file(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts")
    first = root / "normal" / "normal-0003.png"
    shutil.copy(first, root / "normal" / "normal-0100.png")
    shutil.copy(first, root / "normal" / "normal-0200.png")

    assert reasons(check(root)) == {
        str(root / "normal" / "normal-0200.png"): [
            "is the same image as normal/normal-0003.png (same bytes)"
        ],
        str(root / "normal" / "normal-0100.png"): [
            "is the same image as normal/normal-0003.png (same bytes)"
        ],
    }


def test_mask_problems(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts", anomaly=20, masks=True)
    masks = root / "masks"
    edit_mask(masks / "anomaly-0001.png", size=(64, 64))
    edit_mask(masks / "anomaly-0002.png", all="#000000")
    edit_mask(masks / "anomaly-0003.png", all="#FEDCBA")
    as_jpeg = Image.open(masks / "anomaly-0005.png").convert("RGB")
    as_jpeg.save(masks / "anomaly-0005.png", format="JPEG")
    (masks / "anomaly-0007.png").write_bytes((masks / "anomaly-0007.png").read_bytes()[:60])
    (masks / "anomaly-0009.png").write_bytes((masks / "anomaly-0009.png").read_bytes()[:-12])
    (masks / "normal-0000.png").write_bytes((masks / "anomaly-0004.png").read_bytes())

    report = check(root, minimums=Minimums(per_label=0))

    found = reasons(report)
    [truncated] = found.pop(str(masks / "anomaly-0007.png"))
    assert truncated.startswith("is a damaged PNG that cannot be decoded (")
    assert found == {
        str(masks / "anomaly-0001.png"): [
            "is 64x64 px but its image anomaly/anomaly-0001.png is 96x96 px"
        ],
        str(masks / "anomaly-0002.png"): ["mask shows no anomaly (only the background colour)"],
        str(masks / "anomaly-0003.png"): ["has colour #fedcba not in the colour map"],
        str(masks / "anomaly-0005.png"): ["is JPEG, not a PNG mask (checked from its bytes)"],
        str(masks / "anomaly-0009.png"): [
            "is a damaged PNG that cannot be decoded (it ends before its IEND chunk)"
        ],
        str(masks / "normal-0000.png"): ["shows scratch but its image is labelled normal"],
    }
    # scratch on even anomalies, hole on odd: 2 shows nothing; 3, 5, 7 and 9 are unusable
    assert report.counts[0].per_label == (("scratch", 9), ("hole", 6))


def test_unknown_mask_colours_are_named_case_insensitively(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts", normal=20, anomaly=10, masks=True)
    colormap = root / "colormap.json"
    colormap.write_text(colormap.read_text().replace("#ff0000", "#FF0000"))
    mask = root / "masks" / "anomaly-0000.png"
    image = Image.open(mask).convert("RGB")
    for x, color in enumerate(["#0a0b0c", "#010203", "#ffffff"]):
        image.paste(color, (x, 0, x + 1, 1))
    image.save(mask, format="PNG")

    report = check(root, minimums=Minimums(per_label=0))

    assert reasons(report) == {
        str(mask): ["has colours #010203, #0a0b0c, #ffffff not in the colour map"]
    }


def test_an_oversized_file_is_reported_and_still_decoded(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts")
    png = synthetic(7)
    payload = bytes(MAX_IMAGE_BYTES)
    chunk = (
        struct.pack(">I", len(payload))
        + b"prVt"
        + payload
        + struct.pack(">I", zlib.crc32(b"prVt" + payload))
    )
    big = png[:33] + chunk + png[33:]  # after the 8-byte signature and 25-byte IHDR
    (root / "normal" / "big.png").write_bytes(big)

    report = check(root)

    assert reasons(report) == {
        str(root / "normal" / "big.png"): [
            f"is {len(big):,} bytes; an image may be at most 8,388,608 bytes (8 MB)"
        ]
    }
    assert report.counts[0].normal == 21


def test_a_truncated_jpeg_is_caught_even_when_pillow_is_told_to_be_lenient(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_dataset_folder(tmp_path / "parts", image_format="JPEG")
    jpeg = (root / "normal" / "normal-0000.jpg").read_bytes()
    (root / "normal" / "normal-0000.jpg").write_bytes(jpeg[: len(jpeg) * 2 // 3])
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    report = check(root)

    [problem] = report.problems
    assert problem.reason.startswith("is a damaged JPEG that cannot be decoded")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_a_bad_colour_map_is_reported(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts", anomaly=10, masks=True, classes=["scratch"])
    (root / "colormap.json").write_text(
        '{"background": "#000000", "scratch": "#ff0000", "dent": "#FF0000", "hole": "green"}'
    )

    found = reasons(check(root, minimums=Minimums(per_label=0)))

    assert found == {
        str(root): [
            "colour map gives #ff0000 to each of scratch, dent",
            "colour map gives hole 'green', not a #rrggbb colour",
        ]
    }


# ----------------------------------------------------------------------------- errors and reading


def test_raise_for_problems_raises_a_value_error_listing_them(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts", normal=20, anomaly=10)
    (root / "normal" / "tiny.png").write_bytes(encode("PNG", (32, 96)))
    report = check(root)

    with pytest.raises(ValueError, match=r"tiny\.png") as caught:
        report.raise_for_problems()

    assert isinstance(caught.value, PreflightError)
    assert isinstance(caught.value, InvalidInputError)
    assert caught.value.problems == tuple(Problem(p.path, p.reason) for p in report.problems)
    assert len(caught.value.problems) == 2
    assert str(report).splitlines()[-3:] == [
        "Problems:",
        f"  {root}/normal/tiny.png: is 32x96 px but most images are 96x96 px; "
        "all images must have the same size",
        f"  {root}/normal/tiny.png: is 32x96 px; each side must be 64 to 4096 px",
    ]


def test_read_is_used_once_for_every_location(tmp_path: Path) -> None:
    root = write_dataset_folder(tmp_path / "parts", normal=20, anomaly=20, masks=True)
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    def read(location: str) -> bytes:
        with lock:
            calls[location] += 1
        return Path(location).read_bytes()

    report = preflight(scan_folder(root), read=read)

    assert report.ok
    expected = {
        str(p) for folder in ("normal", "anomaly", "masks") for p in (root / folder).iterdir()
    }
    assert set(calls) == expected
    assert set(calls.values()) == {1}
    assert sum(calls.values()) == 60


def test_a_reader_for_other_storage(tmp_path: Path) -> None:
    source = write_dataset_folder(tmp_path / "parts", normal=20, anomaly=10)
    prefix = "s3://bucket/parts"
    store = {
        f"{prefix}/{path.relative_to(source).as_posix()}": path.read_bytes()
        for path in source.rglob("*")
        if path.is_file()
    }
    store[f"{prefix}/normal/gone.png"] = b""
    listing = {key.removeprefix(prefix + "/"): key for key in store}
    layout = layout_from_keys(prefix, listing, lambda key: store[key].decode())

    def read(key: str) -> bytes:
        if key.endswith("gone.png"):
            raise KeyError(key)
        return store[key]

    report = preflight(layout, read=read)

    assert report.problems == (
        Problem(
            f"{prefix}/normal/gone.png", "cannot be read ('s3://bucket/parts/normal/gone.png')"
        ),
    )


def test_pillow_is_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_dataset_folder(tmp_path / "parts", normal=1, anomaly=0)
    layout = scan_folder(root)
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)

    with pytest.raises(ImportError, match=r"pip install 'lookout-sdk\[datasets\]'"):
        preflight(layout)
