"""Page tokens of the local backend's list operations."""

from __future__ import annotations

import base64

from lookout_sdk.local.service.errors import validation

__all__ = ["DEFAULT_PAGE", "decode_token", "encode_token"]

DEFAULT_PAGE = 100


def encode_token(offset: int) -> str:
    """A NextToken for the listing position ``offset`` (base64, as the API's pattern allows)."""
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_token(token: str | None) -> int:
    """The listing position a NextToken stands for (0 without one)."""
    if not token:
        return 0
    try:
        kind, _, value = base64.b64decode(token, validate=True).decode().partition(":")
        if kind != "offset" or not value.isdigit():
            raise ValueError(token)
    except ValueError as error:
        raise validation(f"NextToken {token!r} is not one this service issued") from error
    return int(value)
