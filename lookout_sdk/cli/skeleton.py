"""Skeletons of an operation's input or output, with values its rules accept.

Where the AWS CLI fills a skeleton with empty strings and zeros, these samples satisfy
each member's pattern, length and range, so a skeleton passed back unchanged through
``--cli-input-json`` is a valid request (one that names an ``example`` project).
"""

from __future__ import annotations

import re
from typing import Any

from botocore.model import Shape

__all__ = ["sample"]

_STRING_CANDIDATES = (
    "example",
    "example-1",
    "1",
    "1.0.0",
    "s3://example/key",
    "arn:aws:lookoutvision:us-east-1:123456789012:project/example",
    "EXAMPLE",
    "e",
)
_TIMESTAMP = "2026-01-01T00:00:00+00:00"


def _string(shape: Shape) -> str:
    from lookout_sdk.api.validation import python_pattern

    enum: list[str] = shape.metadata.get("enum") or []
    if enum:
        return str(enum[0])
    low = int(shape.metadata.get("min", 0))
    high = int(shape.metadata.get("max", 1 << 30))
    pattern = shape.metadata.get("pattern")
    rule = re.compile(python_pattern(pattern), re.DOTALL) if pattern else None
    # literal alternatives of the pattern itself ("train|test") come after the usual ones
    literals = re.split(r"[|()^$]", pattern or "")
    for candidate in (*_STRING_CANDIDATES, *literals):
        if low <= len(candidate) <= high and (rule is None or rule.fullmatch(candidate)):
            return candidate
    return "x" * max(low, 1)


def _number(shape: Shape) -> int:
    low = int(shape.metadata.get("min", 1))
    high = int(shape.metadata.get("max", low))
    return min(max(low, 1), high)


def sample(shape: Shape, *, blob: str = "fileb://path/to/file") -> Any:
    """A value of ``shape`` that its rules accept (every member of a structure filled)."""
    kind = shape.type_name
    if kind == "structure":
        members: Any = getattr(shape, "members", {})
        return {name: sample(member, blob=blob) for name, member in members.items()}
    if kind == "list":
        return [sample(getattr(shape, "member"), blob=blob)]  # noqa: B009 - botocore shapes
    if kind == "map":
        return {str(sample(getattr(shape, "key"))): sample(getattr(shape, "value"), blob=blob)}  # noqa: B009
    if kind == "string":
        return _string(shape)
    if kind in ("integer", "long"):
        return _number(shape)
    if kind in ("float", "double"):
        return float(_number(shape))
    if kind == "boolean":
        return False
    if kind == "timestamp":
        return _TIMESTAMP
    if kind == "blob":
        return blob
    return None
