"""Image rules: content type from the bytes, dimensions from the header, size limits."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from lookout_sdk import InvalidImageError
from lookout_sdk.api.images import (
    MAX_IMAGE_BYTES,
    check_image,
    image_dimensions,
    load_image,
    sniff_content_type,
)


def encode(fmt: str, size: tuple[int, int], **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 30, 200)).save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        ("PNG", {}),
        ("JPEG", {}),
        ("JPEG", {"progressive": True}),
        ("JPEG", {"quality": 10, "optimize": True}),
    ],
)
@pytest.mark.parametrize("size", [(64, 64), (640, 480), (123, 4096)])
def test_dimensions_agree_with_pillow(
    fmt: str, options: dict[str, object], size: tuple[int, int]
) -> None:
    data = encode(fmt, size, **options)
    assert image_dimensions(data) == size
    info = check_image(data)
    assert (info.width, info.height, info.size) == (*size, len(data))
    assert info.content_type == f"image/{fmt.lower()}"


def test_jpeg_with_exif_segment_before_the_frame() -> None:
    exif = Image.Exif()
    exif[0x010E] = "x" * 5000  # a large APP1 segment ahead of SOF
    data = encode("JPEG", (300, 200), exif=exif.tobytes())
    assert image_dimensions(data) == (300, 200)


def test_content_type_comes_from_bytes_not_names(tmp_path: Path) -> None:
    tiff = encode("TIFF", (100, 100))
    disguised = tmp_path / "photo.png"
    disguised.write_bytes(tiff)
    assert sniff_content_type(tiff) is None
    with pytest.raises(InvalidImageError, match="not a PNG or JPEG"):
        check_image(load_image(disguised))


@pytest.mark.parametrize(("size", "side"), [((32, 32), "width"), ((64, 5000), "height")])
def test_sides_out_of_range(size: tuple[int, int], side: str) -> None:
    with pytest.raises(InvalidImageError) as info:
        check_image(encode("PNG", size))
    assert any(side in p.reason for p in info.value.problems)


def test_truncated_header_is_reported() -> None:
    with pytest.raises(InvalidImageError, match="cannot be read"):
        check_image(b"\xff\xd8\xff\xe0\x00\x10JFIF")


def test_oversized_files_are_read_only_up_to_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(encode("PNG", (64, 64)) + b"\0" * (MAX_IMAGE_BYTES + 10))
    data = load_image(big)
    assert len(data) == MAX_IMAGE_BYTES + 1
    with pytest.raises(InvalidImageError, match="8388608 byte limit"):
        check_image(data)


def test_sources_bytes_path_and_file_objects(tmp_path: Path) -> None:
    data = encode("PNG", (64, 64))
    path = tmp_path / "a.png"
    path.write_bytes(data)
    assert load_image(data) == data
    assert load_image(bytearray(data)) == data
    assert load_image(str(path)) == data
    assert load_image(path) == data
    with path.open("rb") as handle:
        assert load_image(handle) == data


def test_bad_sources_are_reported() -> None:
    with pytest.raises(InvalidImageError, match="cannot be read"):
        load_image("/no/such/file.png")
    with pytest.raises(InvalidImageError, match="binary mode"):
        load_image(io.StringIO("text"))
    with pytest.raises(InvalidImageError, match="must be bytes"):
        load_image(42)  # type: ignore[arg-type]
