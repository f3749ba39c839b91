"""Pages of the local backend's list operations, and their NextToken values."""

from __future__ import annotations

import base64
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lookout_sdk.local.service.errors import shown, validation

__all__ = ["DEFAULT_PAGE", "decode_token", "encode_token", "page"]

#: How many items a page holds when the caller gives no MaxResults.
DEFAULT_PAGE = 100
_OFFSET = re.compile(r"[0-9]{1,15}")  # ASCII digits only, and within SQLite's integers


def encode_token(offset: int) -> str:
    """A NextToken for the listing position ``offset`` (base64, as the API's pattern allows)."""
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_token(token: str | None) -> int:
    """The listing position a NextToken stands for (0 without one)."""
    if not token:
        return 0
    try:
        kind, _, value = base64.b64decode(token, validate=True).decode().partition(":")
        if kind != "offset" or not _OFFSET.fullmatch(value):
            raise ValueError(token)
    except ValueError as error:
        raise validation(f"NextToken {shown(token)} is not one this service issued") from error
    return int(value)


def page(
    db: sqlite3.Connection,
    query: str,
    values: Sequence[Any],
    params: Mapping[str, Any],
    *,
    key: str,
    convert: Callable[[sqlite3.Row], Any],
) -> dict[str, Any]:
    """One page of ``query``'s rows as ``{key: [...], "NextToken": ...}``.

    ``query`` is an ordered SELECT without LIMIT; ``params`` holds the request's
    ``NextToken`` and ``MaxResults``. The token is left out on the last page.
    """
    offset = decode_token(params.get("NextToken"))
    limit = params.get("MaxResults") or DEFAULT_PAGE
    rows = db.execute(f"{query} LIMIT ? OFFSET ?", (*values, limit + 1, offset)).fetchall()
    answer: dict[str, Any] = {key: [convert(row) for row in rows[:limit]]}
    if len(rows) > limit:
        answer["NextToken"] = encode_token(offset + limit)
    return answer
