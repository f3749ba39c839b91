"""Idempotency tokens: how long an answer is remembered, and pruning what is older.

The service keeps a ``ClientToken`` valid for eight hours: the same token with the same
parameters within that time gets the first answer back. The backend remembers answers
for exactly :data:`TOKEN_LIFETIME`, replays none older (a token older than that starts
a new call), and housekeeping deletes rows past it, so the table holds at most eight
hours of write calls.
"""

from __future__ import annotations

import sqlite3

from lookout_sdk.local.store.database import now

__all__ = ["TOKEN_LIFETIME", "prune_tokens"]

#: How long a ClientToken's answer is replayed and kept, in seconds (the service's 8 h).
TOKEN_LIFETIME = 8 * 3600.0


def prune_tokens(db: sqlite3.Connection, lifetime: float = TOKEN_LIFETIME) -> int:
    """Delete token rows older than ``lifetime`` seconds; return how many went."""
    return int(db.execute("DELETE FROM tokens WHERE created < ?", (now() - lifetime,)).rowcount)
