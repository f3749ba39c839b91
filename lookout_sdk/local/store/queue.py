"""The queue of background work, kept in the store's ``jobs`` table."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from lookout_sdk.local.store.database import now
from lookout_sdk.records.operations import Operation

__all__ = ["enqueue"]


def enqueue(
    db: sqlite3.Connection, kind: Operation, project: str, target: str, **payload: Any
) -> None:
    """Queue a job inside the caller's transaction: it exists exactly if the call does.

    ``kind`` is the operation the job carries out (stored as its name).
    """
    db.execute(
        "INSERT INTO jobs (kind, project, target, payload, created) VALUES (?, ?, ?, ?, ?)",
        (kind.value, project, target, json.dumps(payload), now()),
    )
