r"""Check request parameters against every constraint of the API definition.

botocore checks types, required members and minimums. The service also enforces
maximum lengths, patterns, enumerations and ranges, and a request that breaks one of
those costs a round trip (and, on a slow link, a retry budget) before it fails. This
module checks all of them locally, from the same definition botocore uses, and reports
every problem at once with the path of the parameter that has it.

Patterns in the definition are Java regular expressions matched against the whole
value; :func:`python_pattern` translates the one construct Python's :mod:`re` lacks
(``\\p{L}``, ``\\p{N}``, ``\\p{Z}`` inside a character class).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from lookout_sdk.errors import InvalidInputError, Problem

if TYPE_CHECKING:
    from botocore.model import OperationModel, Shape

__all__ = ["check_params", "python_pattern"]

# What Python's ``re`` can match for each Unicode general category class Java allows.
_CATEGORY_ALTERNATIVES = {
    "L": r"[^\W\d_]",  # letters: word characters that are not digits or underscore
    "N": r"(?![^\W\d_])[^\W_]",  # numbers: word characters that are not letters or "_"
    "Z": r"[^\S\t\n\x0b\x0c\r\x1c-\x1f\x85]",  # separators: white space minus controls
}
_CLASS_WITH_CATEGORY = re.compile(r"\[((?:\\.|[^\]\\])*?\\p\{[LNZ]\}(?:\\.|[^\]\\])*)\]")
_CATEGORY = re.compile(r"\\p\{([LNZ])\}")


def python_pattern(java_pattern: str) -> str:
    """Translate a pattern of the API definition into Python :mod:`re` syntax."""

    def expand(match: re.Match[str]) -> str:
        body = match.group(1)
        categories = _CATEGORY.findall(body)
        rest = _CATEGORY.sub("", body)
        options = [_CATEGORY_ALTERNATIVES[c] for c in categories]
        if rest:
            options.insert(0, f"[{rest}]")
        return "(?:" + "|".join(options) + ")"

    translated = _CLASS_WITH_CATEGORY.sub(expand, java_pattern)
    # Java reads "0-9-_" in a class as a range followed by a literal "-"; Python warns
    # about the same text, so escape a "-" that follows a range.
    return re.sub(r"(?<=[A-Za-z0-9]-[A-Za-z0-9])-(?!\])", r"\\-", translated)


@cache
def _compiled(java_pattern: str) -> re.Pattern[str]:
    return re.compile(python_pattern(java_pattern), re.DOTALL)


def check_params(operation: OperationModel, params: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidInputError` listing every problem of ``params``.

    ``operation`` is the botocore operation model; the check walks its input shape.
    """
    shape = operation.input_shape
    if shape is None:
        return
    problems: list[Problem] = []
    _check_structure(shape, params, "", problems)
    if problems:
        raise InvalidInputError(operation.name, problems)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _check_structure(shape: Shape, value: Any, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, Mapping):
        problems.append(Problem(path, f"must be a mapping, not {type(value).__name__}"))
        return
    members = shape.members  # type: ignore[attr-defined]
    for name in shape.required_members:
        if value.get(name) is None:
            problems.append(Problem(_join(path, name), "is required"))
    for name, item in value.items():
        member = members.get(name)
        if member is None:
            problems.append(Problem(_join(path, name), "is not a parameter of this operation"))
        elif item is not None:
            _check(member, item, _join(path, name), problems)


def _check_list(shape: Shape, value: Any, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, (list, tuple)):
        problems.append(Problem(path, f"must be a list, not {type(value).__name__}"))
        return
    _check_size(shape, len(value), "items", path, problems)
    member = shape.member  # type: ignore[attr-defined]
    for index, item in enumerate(value):
        _check(member, item, f"{path}[{index}]", problems)


def _check_size(shape: Shape, size: int, unit: str, path: str, problems: list[Problem]) -> None:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if low is not None and size < low:
        problems.append(Problem(path, f"has {size} {unit}, fewer than the minimum {low}"))
    if high is not None and size > high:
        problems.append(Problem(path, f"has {size} {unit}, more than the maximum {high}"))


def _check_string(shape: Shape, value: Any, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, str):
        problems.append(Problem(path, f"must be a string, not {type(value).__name__}"))
        return
    _check_size(shape, len(value), "characters", path, problems)
    allowed = shape.enum  # type: ignore[attr-defined]
    if allowed and value not in allowed:
        problems.append(Problem(path, f"is {value!r}; allowed values: {', '.join(allowed)}"))
    pattern = shape.metadata.get("pattern")
    if pattern is not None and _compiled(pattern).fullmatch(value) is None:
        problems.append(Problem(path, f"{value!r} does not match the pattern {pattern}"))


def _check_integer(shape: Shape, value: Any, path: str, problems: list[Problem]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(Problem(path, f"must be an integer, not {type(value).__name__}"))
        return
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{low if low is not None else '-inf'} to {high if high is not None else 'inf'}"
        problems.append(Problem(path, f"is {value}, outside the range {bounds}"))


def _check_blob(shape: Shape, value: Any, path: str, problems: list[Problem]) -> None:
    if isinstance(value, str):
        value = value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        _check_size(shape, len(value), "bytes", path, problems)
    elif not hasattr(value, "read"):
        problems.append(
            Problem(path, f"must be bytes or a file object, not {type(value).__name__}")
        )


def _check_scalar(expected: tuple[type, ...], label: str) -> _Checker:
    def check(shape: Shape, value: Any, path: str, problems: list[Problem]) -> None:
        if isinstance(value, bool) != (bool in expected) or not isinstance(value, expected):
            problems.append(Problem(path, f"must be {label}, not {type(value).__name__}"))

    return check


_Checker = Callable[["Shape", Any, str, list[Problem]], None]

_CHECKERS: dict[str, _Checker] = {
    "structure": _check_structure,
    "list": _check_list,
    "string": _check_string,
    "integer": _check_integer,
    "long": _check_integer,
    "blob": _check_blob,
    "boolean": _check_scalar((bool,), "true or false"),
    "float": _check_scalar((int, float), "a number"),
    "double": _check_scalar((int, float), "a number"),
    "timestamp": _check_scalar((_dt.datetime, _dt.date, str, int, float), "a timestamp"),
}


def _check(shape: Shape, value: Any, path: str, problems: list[Problem]) -> None:
    _CHECKERS[shape.type_name](shape, value, path, problems)
