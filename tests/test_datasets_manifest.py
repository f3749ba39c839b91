"""Manifest entries: building, reading, writing, and the line-by-line validator."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import pytest

from lookout_sdk import AnomalyClass, InvalidInputError
from lookout_sdk.errors import Problem
from lookout_sdk.manifests.entry import (
    ManifestEntry,
    MaskClass,
    dump_manifest,
    read_manifest,
    write_manifest,
)
from lookout_sdk.manifests.validate import ManifestError, validate_manifest

COLORS = [
    MaskClass("BACKGROUND", "#FFFFFF"),
    MaskClass("scratch", "#ff0000"),
    MaskClass("dent", "#00FF00"),
]


def segmentation_entries(count: int) -> list[ManifestEntry]:
    return [
        ManifestEntry.segmentation(
            f"s3://bucket/images/part-{i}.jpg",
            "anomaly" if i % 2 else "normal",
            mask_ref=f"s3://bucket/masks/part-{i}.png",
            color_map=COLORS,
            job_name="labeling-job/parts",
            creation_date="2026-11-23T10:00:00.000",
        )
        for i in range(count)
    ]


def test_segmentation_manifests_round_trip(tmp_path: Path) -> None:
    entries = segmentation_entries(12)
    path = tmp_path / "train.manifest"
    write_manifest(entries, path)
    read = read_manifest(path)
    report = validate_manifest(read)
    assert report.ok, report.problems
    assert list(report.entries) == entries
    assert [e.to_json() for e in read] == [e.to_json() for e in entries]
    first = read[1]
    assert first.label is AnomalyClass.ANOMALY
    assert first.mask_ref == "s3://bucket/masks/part-1.png"
    assert first.color_map["0"] == MaskClass("BACKGROUND", "#FFFFFF")
    assert first.anomaly_class_names == ("scratch", "dent")
    assert first.is_segmentation


def test_classification_entry_fields_and_json_shape() -> None:
    entry = ManifestEntry.classification(
        "s3://bucket/a.png", "anomaly", confidence=0.9, job_name="job", creation_date="2026-01-01"
    )
    data = json.loads(entry.to_json())
    assert data == {
        "source-ref": "s3://bucket/a.png",
        "anomaly-label": 1,
        "anomaly-label-metadata": {
            "class-name": "anomaly",
            "type": "groundtruth/image-classification",
            "human-annotated": "yes",
            "confidence": 0.9,
            "job-name": "job",
            "creation-date": "2026-01-01",
        },
    }
    assert entry.is_anomaly
    assert not entry.is_segmentation
    assert entry.label_key == "anomaly-label"


def test_keys_are_named_freely_and_case_does_not_matter() -> None:
    line = json.dumps(
        {
            "source-ref": "s3://bucket/b.jpg",
            "defect": 0,
            "defect-metadata": {"class-name": "NORMAL", "human-annotated": "YES"},
            "where": "s3://bucket/b-mask.png",
            "where-metadata": {
                "internal-color-map": {
                    "0": {"class-name": "background", "hex-color": "#ffffff"},
                    "1": {"class-name": "Crack", "hex-color": "#AbCdEf"},
                }
            },
        }
    )
    entry = ManifestEntry.parse(line)
    assert entry.label_key == "defect"
    assert entry.label is AnomalyClass.NORMAL
    assert entry.human_annotated is True
    assert entry.mask_key == "where"
    assert validate_manifest([line]).ok


def test_parsed_lines_are_kept_exactly_and_unknown_keys_survive() -> None:
    line = '{"source-ref": "s3://bucket/c.png", "extra": {"x": [1, 2]}, "anomaly-label": 0}'
    entry = ManifestEntry.parse(line)
    assert entry.to_json() == line
    assert entry.get("extra") == {"x": [1, 2]}
    assert dump_manifest([entry]) == line + "\n"
    assert pickle.loads(pickle.dumps(entry)) == entry
    copy = entry.data
    copy["extra"] = None
    assert entry.get("extra") == {"x": [1, 2]}  # the entry cannot be changed from outside


def test_unlabelled_entries_are_valid() -> None:
    report = validate_manifest(['{"source-ref":"s3://bucket/u.png"}'])
    assert report.ok
    assert report.entries[0].label is None


def test_every_problem_is_reported_with_its_line_number() -> None:
    good = ManifestEntry.classification("s3://bucket/ok.png", "normal").to_json()
    lines = [
        good,
        "not json",
        "[1, 2]",
        "",
        json.dumps({"anomaly-label": 1, "anomaly-label-metadata": {"class-name": "anomaly"}}),
        json.dumps({"source-ref": "https://x/y.png", "l-metadata": {"class-name": "broken"}}),
        json.dumps(
            {
                "source-ref": "s3://bucket/two.png",
                "a-metadata": {"class-name": "normal"},
                "b-metadata": {"class-name": "anomaly"},
            }
        ),
        good,
        '{"source-ref":"s3://bucket/' + "x" * 8200 + '.png"}',
        json.dumps(
            {
                "source-ref": "s3://bucket/conf.png",
                "l-metadata": {"class-name": "normal", "confidence": 3, "human-annotated": "maybe"},
            }
        ),
    ]
    report = validate_manifest(lines)
    found = {(p.line, p.reason.split(" ")[0]) for p in report.problems}
    assert {line for line, _ in found} == {2, 3, 5, 6, 7, 8, 9, 10}
    reasons = {p.line: p.reason for p in report.problems}
    assert "not valid JSON" in reasons[2]
    assert reasons[3] == "is not a JSON object"
    assert reasons[5] == "has no source-ref"
    assert reasons[8] == "s3://bucket/ok.png is already listed on line 1"
    assert "limit is 8192" in reasons[9]
    problems_6 = [p.reason for p in report.problems if p.line == 6]
    assert any("not an s3://bucket/key URI" in r for r in problems_6)
    assert any("'broken' is neither 'normal' nor 'anomaly'" in r for r in problems_6)
    assert any("2 label attributes" in p.reason for p in report.problems if p.line == 7)
    problems_10 = [p.reason for p in report.problems if p.line == 10]
    assert len(problems_10) == 2
    with pytest.raises(ManifestError) as info:
        report.raise_for_problems()
    assert isinstance(info.value, InvalidInputError)
    assert isinstance(info.value, ValueError)
    assert info.value.problems[0].path == "line 2"


def test_colour_map_rules() -> None:
    def with_map(source: str, color_map: dict[str, object]) -> str:
        return json.dumps(
            {
                "source-ref": source,
                "anomaly-label": 1,
                "anomaly-label-metadata": {"class-name": "anomaly"},
                "anomaly-mask-ref": source.replace(".png", "-mask.png"),
                "anomaly-mask-ref-metadata": {"internal-color-map": color_map},
            }
        )

    background = {"class-name": "BACKGROUND", "hex-color": "#ffffff"}
    lines = [
        with_map(
            "s3://bucket/1.png",
            {"0": background, "1": {"class-name": "scratch", "hex-color": "#ff0000"}},
        ),
        with_map(
            "s3://bucket/2.png",
            {"0": background, "1": {"class-name": "scratch", "hex-color": "#FFFFFF"}},
        ),
        with_map(
            "s3://bucket/3.png",
            {"0": background, "1": {"class-name": "bad name", "hex-color": "red"}},
        ),
        with_map(
            "s3://bucket/4.png",
            {"0": background, "1": {"class-name": "scratch", "hex-color": "#00ff00"}},
        ),
        with_map(
            "s3://bucket/5.png",
            {"0": background, "1": {"class-name": "Scratch", "hex-color": "#FF0000"}},
        ),
        ManifestEntry.classification("s3://bucket/6.png", "anomaly").to_json(),
        with_map("s3://bucket/7.png", {"1": {"class-name": "scratch", "hex-color": "#ff0000"}}),
    ]
    reasons = [(p.line, p.reason) for p in validate_manifest(lines).problems]
    assert (7, 'internal-color-map has no background (index "0")') in reasons
    assert any(line == 2 and "used twice" in r for line, r in reasons)
    assert any(line == 3 and "letters and digits" in r for line, r in reasons)
    assert any(line == 3 and "is not #rrggbb" in r for line, r in reasons)
    # line 4 gives scratch a new colour; line 5 agrees with line 1 (case ignored)
    assert any(line == 4 and "class 'scratch' is #00ff00 here" in r for line, r in reasons)
    assert not any(line == 5 for line, _ in reasons)
    assert (6, "is an anomaly without a mask in a segmentation dataset") in reasons


def test_read_manifest_from_a_text_file_object_skips_blank_lines() -> None:
    text = dump_manifest(segmentation_entries(3)) + "\n\n"
    assert len(read_manifest(io.StringIO(text))) == 3


def test_a_line_problem_renders_its_line() -> None:
    problem = Problem.at_line(3, "is wrong")
    assert str(problem) == "line 3: is wrong"
    assert (problem.path, problem.line, problem.reason) == ("line 3", 3, "is wrong")
    assert pickle.loads(pickle.dumps(problem)) == problem


def test_validate_manifest_reports_problems_of_the_one_problem_type() -> None:
    report = validate_manifest(['{"source-ref": "nowhere"}'])
    assert all(type(problem) is Problem for problem in report.problems)
    assert report.problems[0].line == 1
