"""Manifests stream through the backend: lines with a cap, checks across lines in the
store, the same findings as the SDK's own check, and memory that does not grow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lookout_sdk.local.store import Store
from lookout_sdk.local.store.entries import MAX_LINE_CHARS, ManifestCheck, manifest_lines
from lookout_sdk.manifests.entry import ManifestEntry, MaskClass
from lookout_sdk.manifests.validate import validate_manifest

ROOT = Path(__file__).resolve().parents[1]


def _split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("chunk", [1, 3, 7, 1 << 20])
def test_lines_are_cut_at_line_feeds_whatever_the_chunks(chunk: int) -> None:
    text = 'first\r\nsecond é\n\nlast "ü" without a line feed'
    lines = list(manifest_lines(_split(text.encode(), chunk)))
    assert [(line.number, line.text) for line in lines] == [
        (1, "first"),
        (2, "second é"),
        (3, ""),
        (4, 'last "ü" without a line feed'),
    ]


@pytest.mark.parametrize("chunk", [5, 4096])
def test_a_long_line_is_counted_in_characters_not_kept(chunk: int) -> None:
    long = "é" * (MAX_LINE_CHARS + 10)  # two bytes a character
    data = f"ok\n{long}\n{'x' * MAX_LINE_CHARS}\n".encode()
    lines = list(manifest_lines(_split(data, chunk)))
    assert lines[1].text is None
    assert lines[1].problem == f"has {MAX_LINE_CHARS + 10} characters; the limit is 8192"
    assert lines[2].text == "x" * MAX_LINE_CHARS  # at the limit: kept


def test_a_line_that_is_not_utf8_is_named() -> None:
    lines = list(manifest_lines([b'{"a": 1}\n\xff\xfe\n']))
    assert lines[1].problem == "is not UTF-8 text"


def _entry(source: str, label: str = "normal") -> str:
    known = label if label in ("normal", "anomaly") else "normal"
    line = json.loads(ManifestEntry.classification(source, known).to_json())
    if known != label:
        metadata = next(key for key in line if key.endswith("-metadata"))
        line[metadata]["class-name"] = label
    return json.dumps(line)


def _segmentation(source: str, mask: str, name: str, color: str) -> str:
    classes = [MaskClass("background", "#ffffff"), MaskClass(name, color)]
    entry = ManifestEntry.segmentation(source, "anomaly", mask_ref=mask, color_map=classes)
    return entry.to_json()


MANIFESTS = {
    "good": [_entry(f"s3://bucket/{i}.png") for i in range(5)],
    "bad json and labels": [
        _entry("s3://bucket/a.png"),
        "not json",
        _entry("s3://bucket/b.png", "weird"),
        "[1, 2]",
        _entry("s3:/nobucket"),
    ],
    "repeated images": [_entry(f"s3://bucket/{i % 3}.png") for i in range(8)],
    "segmentation": [
        _segmentation("s3://bucket/s1.png", "s3://bucket/m1.png", "crack", "#ff0000"),
        _entry("s3://bucket/plain.png", "anomaly"),
        _segmentation("s3://bucket/s2.png", "s3://bucket/m2.png", "crack", "#00ff00"),
        _entry("s3://bucket/s1.png"),
        _entry("s3://bucket/plain2.png", "anomaly"),
    ],
}


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_the_streaming_check_finds_what_the_sdk_check_finds(name: str, tmp_path: Path) -> None:
    lines = MANIFESTS[name]
    report = validate_manifest(lines)
    store = Store(tmp_path / "lookout.sqlite3")
    check = ManifestCheck(store.transaction, job=1, attempt=1)
    for line in manifest_lines(["\n".join(lines).encode()]):
        check.add(line)
    message = check.finish()
    if report.ok:
        assert message is None
        assert check.entries == len(report.entries)
        return
    assert message is not None
    assert check.problems == len(report.problems)
    assert check.bad_lines == len({problem.line for problem in report.problems})
    for problem in report.problems[:5]:
        assert str(problem) in message
    clean = [line for line in lines if validate_manifest([line]).ok]
    staged = store.read().execute("SELECT COUNT(*) FROM staged_entries").fetchone()[0]
    assert staged == len(clean)  # every line clean on its own is staged, for the checks


def test_server_memory_stays_flat_for_a_64_mib_manifest() -> None:
    """The old backend grew by ten times a manifest's size; the cap keeps it flat."""
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "manifest_memory.py"),
            "--size-mb",
            "64",
            "--check",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_server_memory_grows_less_than_100_mb_for_1_gib_manifests() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "manifest_memory.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
