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


_Checker = Callable[[Any, str, "list[Problem]"], None]
# One checker per input shape of each operation, built on first use.
_OPERATION_CHECKERS: dict[OperationModel, _Checker] = {}


def check_params(operation: OperationModel, params: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidInputError` listing every problem of ``params``.

    ``operation`` is the botocore operation model; the check follows its input shape.
    The rules of each shape are read once and kept as a small function.
    """
    checker = _OPERATION_CHECKERS.get(operation)
    if checker is None:
        shape = operation.input_shape
        checker = _compile(shape) if shape is not None else _accept
        _OPERATION_CHECKERS[operation] = checker
    problems: list[Problem] = []
    checker(params, "", problems)
    if problems:
        raise InvalidInputError(operation.name, problems)


def _accept(value: Any, path: str, problems: list[Problem]) -> None:
    return None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _compile(shape: Shape) -> _Checker:
    return _COMPILERS[shape.type_name](shape)


def _compile_structure(shape: Shape) -> _Checker:
    members = {name: _compile(member) for name, member in shape.members.items()}  # type: ignore[attr-defined]
    required = tuple(shape.required_members)

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, Mapping):
            problems.append(Problem(path, f"must be a mapping, not {type(value).__name__}"))
            return
        for name in required:
            if value.get(name) is None:
                problems.append(Problem(_join(path, name), "is required"))
        for name, item in value.items():
            member = members.get(name)
            if member is None:
                problems.append(Problem(_join(path, name), "is not a parameter of this operation"))
            elif item is not None:
                member(item, _join(path, name), problems)

    return check


def _size_rule(shape: Shape, unit: str) -> Callable[[int, str, list[Problem]], None]:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")

    def check(size: int, path: str, problems: list[Problem]) -> None:
        if low is not None and size < low:
            problems.append(Problem(path, f"has {size} {unit}, fewer than the minimum {low}"))
        if high is not None and size > high:
            problems.append(Problem(path, f"has {size} {unit}, more than the maximum {high}"))

    return check


def _compile_list(shape: Shape) -> _Checker:
    size = _size_rule(shape, "items")
    member = _compile(shape.member)  # type: ignore[attr-defined]

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, (list, tuple)):
            problems.append(Problem(path, f"must be a list, not {type(value).__name__}"))
            return
        size(len(value), path, problems)
        for index, item in enumerate(value):
            member(item, f"{path}[{index}]", problems)

    return check


def _compile_string(shape: Shape) -> _Checker:
    size = _size_rule(shape, "characters")
    allowed = frozenset(shape.enum)  # type: ignore[attr-defined]
    pattern = shape.metadata.get("pattern")
    rule = _compiled(pattern) if pattern is not None else None

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, str):
            problems.append(Problem(path, f"must be a string, not {type(value).__name__}"))
            return
        size(len(value), path, problems)
        if allowed and value not in allowed:
            listed = ", ".join(sorted(allowed))
            problems.append(Problem(path, f"is {value!r}; allowed values: {listed}"))
        if rule is not None and rule.fullmatch(value) is None:
            problems.append(Problem(path, f"{value!r} does not match the pattern {pattern}"))

    return check


def _compile_integer(shape: Shape) -> _Checker:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    bounds = f"{low if low is not None else '-inf'} to {high if high is not None else 'inf'}"

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(Problem(path, f"must be an integer, not {type(value).__name__}"))
        elif (low is not None and value < low) or (high is not None and value > high):
            problems.append(Problem(path, f"is {value}, outside the range {bounds}"))

    return check


def _compile_blob(shape: Shape) -> _Checker:
    size = _size_rule(shape, "bytes")

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if isinstance(value, str):
            value = value.encode("utf-8")
        if isinstance(value, (bytes, bytearray, memoryview)):
            size(len(value), path, problems)
        elif not hasattr(value, "read"):
            kind = type(value).__name__
            problems.append(Problem(path, f"must be bytes or a file object, not {kind}"))

    return check


def _scalar(expected: tuple[type, ...], label: str) -> Callable[[Shape], _Checker]:
    def compile_scalar(shape: Shape) -> _Checker:
        def check(value: Any, path: str, problems: list[Problem]) -> None:
            if isinstance(value, bool) != (bool in expected) or not isinstance(value, expected):
                problems.append(Problem(path, f"must be {label}, not {type(value).__name__}"))

        return check

    return compile_scalar


_COMPILERS: dict[str, Callable[[Shape], _Checker]] = {
    "structure": _compile_structure,
    "list": _compile_list,
    "string": _compile_string,
    "integer": _compile_integer,
    "long": _compile_integer,
    "blob": _compile_blob,
    "boolean": _scalar((bool,), "true or false"),
    "float": _scalar((int, float), "a number"),
    "double": _scalar((int, float), "a number"),
    "timestamp": _scalar((_dt.datetime, _dt.date, str, int, float), "a timestamp"),
}
