"""Pages of the local backend's list operations, and their NextToken values.

Paging is by key, not by position: a NextToken holds the sort key of the last item of
the page (base64 of a small JSON list), and the next page starts after it with
``WHERE (sort key) > (token's key)``, which the store answers from an index. Every page
costs the same, however deep, so walking 200,000 entries takes time in proportion to
their number; items added or removed meanwhile never shift a page.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lookout_sdk.local.service.errors import shown, validation

__all__ = ["DEFAULT_PAGE", "decode_token", "encode_token", "page"]

#: How many items a page holds when the caller gives no MaxResults.
DEFAULT_PAGE = 100
#: The tokens' version mark, so tokens of another form are refused, not misread.
_MARK = "k1"
_LARGEST = 2**63 - 1  # SQLite's integers
_LONGEST_TEXT = 2048
_INTEGER = re.compile(r"-?[0-9]{1,19}")  # ASCII digits only, and few enough to read at once


def encode_token(key: Sequence[Any]) -> str:
    """A NextToken that resumes after the item whose sort key is ``key``."""
    text = json.dumps([_MARK, *key], separators=(",", ":"))
    return base64.b64encode(text.encode()).decode()


def _integer(text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise ValueError(text)
    return int(text)


def _constant(text: str) -> Any:
    raise ValueError(text)  # NaN, Infinity and -Infinity are no sort keys


def _usable(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_LARGEST <= value <= _LARGEST
    if isinstance(value, float):
        return math.isfinite(value)
    if not isinstance(value, str) or len(value) > _LONGEST_TEXT:
        return False
    try:
        value.encode()  # a lone surrogate cannot be bound to an SQLite parameter
    except UnicodeEncodeError:
        return False
    return True


def decode_token(token: str | None, width: int) -> list[Any] | None:
    """The sort key a NextToken resumes after (``None`` without a token).

    Raises:
        ApiError: a ValidationException, when the token is not one this service issued
            for a listing sorted on ``width`` columns.
    """
    if not token:
        return None
    try:
        text = base64.b64decode(token, validate=True)
        value = json.loads(text, parse_int=_integer, parse_constant=_constant)
    except (binascii.Error, ValueError, RecursionError):
        value = None
    if (
        not isinstance(value, list)
        or len(value) != width + 1
        or value[0] != _MARK
        or not all(_usable(part) for part in value[1:])
    ):
        raise validation(
            f"NextToken {shown(token)} is not one this service issued for this listing"
        )
    return value[1:]


def page(
    db: sqlite3.Connection,
    table: str,
    where: Sequence[str],
    values: Sequence[Any],
    params: Mapping[str, Any],
    *,
    order: Sequence[str],
    key: str,
    convert: Callable[[sqlite3.Row], Any],
) -> dict[str, Any]:
    """One page of ``table``'s rows matching ``where`` as ``{key: [...], "NextToken": ...}``.

    ``order`` names the columns the listing is sorted on; together they must be unique
    within the listing. ``params`` holds the request's ``NextToken`` and
    ``MaxResults``. The token is left out on the last page.
    """
    after = decode_token(params.get("NextToken"), len(order))
    limit = params.get("MaxResults") or DEFAULT_PAGE
    conditions = list(where)
    arguments = list(values)
    if after is not None:
        marks = ", ".join("?" for _ in order)
        conditions.append(f"({', '.join(order)}) > ({marks})")
        arguments.extend(after)
    clause = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = db.execute(
        f"SELECT * FROM {table} {clause} ORDER BY {', '.join(order)} LIMIT ?",
        (*arguments, limit + 1),
    ).fetchall()
    answer: dict[str, Any] = {key: [convert(row) for row in rows[:limit]]}
    if len(rows) > limit:
        last = rows[limit - 1]
        answer["NextToken"] = encode_token([last[column] for column in order])
    return answer
