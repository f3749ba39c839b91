"""Check manifest lines the way the service did, reporting every problem by line number.

The checks accept what the service accepted: label and mask attributes may have any
key, the label comes from ``class-name`` (not from the 0/1 value beside it), and class
names and colours are compared without regard to case. They reject what would fail an
import or a training run: lines that are not JSON objects or are too long, missing or
malformed ``source-ref``, no label or several, unknown class names, malformed colour
maps, anomalies without masks in a segmentation dataset, a class with two colours, and
the same image listed twice. A line with no label attribute is an unlabelled image,
which a dataset may hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from lookout_sdk._deprecation import warn_deprecated
from lookout_sdk.api.colors import is_hex_color
from lookout_sdk.errors import InvalidInputError, Problem
from lookout_sdk.manifests.entry import BACKGROUND_INDEX, ManifestEntry
from lookout_sdk.records.common import S3Object

__all__ = ["MAX_ENTRY_CHARS", "LineProblem", "ManifestError", "ManifestReport", "validate_manifest"]

#: The longest line the service accepts for one entry.
MAX_ENTRY_CHARS = 8192
# The API's AnomalyName shape: what DetectAnomalies can name a class.
_ANOMALY_NAME = re.compile(r"[a-zA-Z0-9]{1,256}")


def LineProblem(line: int, reason: str) -> Problem:  # noqa: N802 - the old class's name
    """Deprecated: a problem of manifest line ``line``; use ``Problem.at_line(line, reason)``."""
    warn_deprecated("LineProblem", "lookout_sdk.errors.Problem.at_line")
    return Problem.at_line(line, reason)


class ManifestError(InvalidInputError):
    """A manifest has lines the service would reject; ``problems`` lists each one."""


@attrs.frozen
class ManifestReport:
    """The outcome of :func:`validate_manifest`: the entries read and every problem."""

    entries: tuple[ManifestEntry, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems

    def raise_for_problems(self, operation: str = "manifest", where: str = "line") -> None:
        """Raise :class:`ManifestError` listing the problems, if there are any.

        Each problem's path is ``"<where> <line number>"``.
        """
        if self.problems:
            problems = [Problem(f"{where} {p.line}", p.reason, line=p.line) for p in self.problems]
            raise ManifestError(operation, problems)


def validate_manifest(lines: Iterable[str | ManifestEntry | Mapping[str, Any]]) -> ManifestReport:
    """Check manifest lines (text, entries or mappings) alone and together.

    Blank text lines are skipped but still counted, so line numbers match the file.
    """
    entries: list[ManifestEntry] = []
    problems: list[Problem] = []
    numbered: list[tuple[int, ManifestEntry]] = []
    for number, item in enumerate(lines, start=1):
        entry, reasons = _check_line(item)
        problems.extend(Problem.at_line(number, reason) for reason in reasons)
        if entry is not None:
            entries.append(entry)
            if not reasons:
                numbered.append((number, entry))
    problems.extend(_check_together(numbered))
    problems.sort(key=lambda p: p.line or 0)
    return ManifestReport(entries=tuple(entries), problems=tuple(problems))


def _check_line(
    item: str | ManifestEntry | Mapping[str, Any],
) -> tuple[ManifestEntry | None, list[str]]:
    if isinstance(item, str):
        text = item.strip()
        if not text:
            return None, []
        if len(text) > MAX_ENTRY_CHARS:
            return None, [f"has {len(text)} characters; the limit is {MAX_ENTRY_CHARS}"]
        try:
            value = json.loads(text)
        except ValueError as error:
            return None, [f"is not valid JSON ({error})"]
        if not isinstance(value, dict):
            return None, ["is not a JSON object"]
        entry = ManifestEntry._parsed(text, value)
    else:
        entry = item if isinstance(item, ManifestEntry) else ManifestEntry(item)
        length = len(entry.to_json())
        if length > MAX_ENTRY_CHARS:
            return entry, [f"has {length} characters; the limit is {MAX_ENTRY_CHARS}"]
    return entry, _check_entry(entry)


def _check_entry(entry: ManifestEntry) -> list[str]:
    reasons: list[str] = []
    source = entry.get("source-ref")
    if source is None:
        reasons.append("has no source-ref")
    elif not _is_object_uri(source):
        reasons.append(f"source-ref {source!r} is not an s3://bucket/key URI")
    reasons.extend(_check_label(entry))
    reasons.extend(_check_mask(entry))
    return reasons


def _is_object_uri(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        S3Object.from_uri(value)
    except InvalidInputError:
        return False
    return True


def _check_label(entry: ManifestEntry) -> list[str]:
    keys = entry.label_keys
    if not keys:
        return []  # an unlabelled image: allowed, but it does not count for training
    if len(keys) > 1:
        return [f"has {len(keys)} label attributes ({', '.join(keys)}); expected one"]
    reasons = []
    meta = entry.label_metadata
    name = meta.get("class-name")
    if entry.label is None:
        reasons.append(f"class-name {name!r} is neither 'normal' nor 'anomaly'")
    annotated = meta.get("human-annotated")
    if annotated is not None and str(annotated).lower() not in ("yes", "no"):
        reasons.append(f"human-annotated {annotated!r} is neither 'yes' nor 'no'")
    confidence = meta.get("confidence")
    if confidence is not None and (
        isinstance(confidence, bool)
        or not isinstance(confidence, (int, float))
        or not 0 <= confidence <= 1
    ):
        reasons.append(f"confidence {confidence!r} is not a number from 0 to 1")
    for field in ("type", "job-name", "creation-date"):
        if field in meta and not isinstance(meta[field], str):
            reasons.append(f"{field} must be text")
    return reasons


def _check_mask(entry: ManifestEntry) -> list[str]:
    keys = entry.mask_keys
    if not keys:
        return []
    if len(keys) > 1:
        return [f"has {len(keys)} mask attributes ({', '.join(keys)}); expected one"]
    reasons = []
    mask_ref = entry.get(keys[0])
    if not _is_object_uri(mask_ref):
        reasons.append(f"{keys[0]} {mask_ref!r} is not an s3://bucket/key URI")
    internal = entry.get(keys[0] + "-metadata", {}).get("internal-color-map")
    if not isinstance(internal, Mapping) or not internal:
        return [*reasons, "internal-color-map must be a non-empty object"]
    if BACKGROUND_INDEX not in internal:
        reasons.append('internal-color-map has no background (index "0")')
    names: set[str] = set()
    colors: set[str] = set()
    for index, item in internal.items():
        where = f"internal-color-map[{index}]"
        if not str(index).isdigit():
            reasons.append(f"{where}: the index must be a whole number")
        if not isinstance(item, Mapping):
            reasons.append(f"{where} must be an object")
            continue
        name, color = item.get("class-name"), item.get("hex-color")
        if not isinstance(name, str) or not name:
            reasons.append(f"{where} has no class-name")
        elif index != BACKGROUND_INDEX and not _ANOMALY_NAME.fullmatch(name):
            reasons.append(f"{where}: class-name {name!r} must be letters and digits only")
        elif name.lower() in names:
            reasons.append(f"{where}: class-name {name!r} is listed twice")
        if not is_hex_color(color):
            reasons.append(f"{where}: hex-color {color!r} is not #rrggbb")
        elif color.lower() in colors:
            reasons.append(f"{where}: hex-color {color!r} is used twice")
        if isinstance(name, str):
            names.add(name.lower())
        if isinstance(color, str):
            colors.add(color.lower())
    return reasons


def _check_together(numbered: list[tuple[int, ManifestEntry]]) -> list[Problem]:
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    class_colors: dict[str, tuple[str, int]] = {}
    segmentation = any(entry.is_segmentation for _, entry in numbered)
    for number, entry in numbered:
        source = entry.source_ref or ""
        if source in first_line:
            problems.append(
                Problem.at_line(number, f"{source} is already listed on line {first_line[source]}")
            )
        else:
            first_line[source] = number
        if segmentation and entry.is_anomaly and not entry.is_segmentation:
            problems.append(
                Problem.at_line(number, "is an anomaly without a mask in a segmentation dataset")
            )
        for index, mask_class in entry.color_map.items():
            if index == BACKGROUND_INDEX:
                continue
            name = mask_class.name.lower()
            known = class_colors.setdefault(name, (mask_class.color.lower(), number))
            if known[0] != mask_class.color.lower():
                problems.append(
                    Problem.at_line(
                        number,
                        f"class {mask_class.name!r} is {mask_class.color} here but "
                        f"{known[0]} on line {known[1]}",
                    )
                )
    return problems
