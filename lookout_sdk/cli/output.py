"""What commands print: results on stdout as JSON or as a table, nothing else there.

Records become JSON objects with their field names; enums become their values, times
ISO 8601 strings, bytes base64 text. Tables are for people: one row per item, with
nested values shown as compact JSON.
"""

from __future__ import annotations

import base64
import enum
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import PurePath
from typing import Any

import attrs
import click

__all__ = ["FORMATS", "emit", "jsonable", "render"]

#: The output formats every command offers.
FORMATS = ("json", "table")
_MAX_CELL = 60


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (records, enums, times, bytes and paths included)."""
    if attrs.has(type(value)):
        return {
            field.name: jsonable(getattr(value, field.name)) for field in attrs.fields(type(value))
        }
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _table(rows: Sequence[Mapping[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(line.rstrip() for line in lines)


def render(value: Any, output_format: str) -> str:
    """``value`` as the text a command prints in ``output_format`` (json or table)."""
    data = jsonable(value)
    if output_format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False)
    if isinstance(data, list):
        if all(isinstance(item, dict) for item in data):
            return _table(data) if data else "(none)"
        return "\n".join(_cell(item) for item in data)
    if isinstance(data, dict):
        return _table([{"field": key, "value": item} for key, item in data.items()])
    return _cell(data)


def emit(value: Any, output_format: str) -> None:
    """Print ``value`` on stdout in ``output_format``."""
    click.echo(render(value, output_format))
