"""Idempotency tokens for the operations that take a ``ClientToken``."""

from __future__ import annotations

import uuid

__all__ = ["new_client_token"]


def new_client_token() -> str:
    """Return a fresh token: 36 characters of letters, digits and hyphens (a UUID4).

    A token is made once per logical call and sent unchanged on every retry, so the
    service performs the operation once however many attempts it took to reach it.
    """
    return str(uuid.uuid4())
