"""Reading and setting the status of datasets, models and packaging jobs.

Both the API handlers and the background jobs move resources between states; these
functions are the one place that writes a status, so a status and its message always
change together. Each takes the caller's connection, so it joins the caller's
transaction.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from lookout_sdk.errors import InvalidInputError
from lookout_sdk.local.store.database import now

__all__ = [
    "dataset_status",
    "model_status",
    "set_dataset_status",
    "set_job_status",
    "set_model_status",
]


def dataset_status(db: sqlite3.Connection, project: str, kind: str) -> str | None:
    """The dataset's status, or ``None`` when it does not exist."""
    row = db.execute(
        "SELECT status FROM datasets WHERE project = ? AND type = ?", (project, kind)
    ).fetchone()
    return None if row is None else str(row["status"])


def set_dataset_status(
    db: sqlite3.Connection, project: str, kind: str, status: str, message: str | None = None
) -> None:
    """Set a dataset's status and message, and its last-updated time."""
    db.execute(
        "UPDATE datasets SET status = ?, status_message = ?, updated = ? "
        "WHERE project = ? AND type = ?",
        (status, message, now(), project, kind),
    )


def model_status(db: sqlite3.Connection, project: str, version: int | str) -> str | None:
    """The model's status, or ``None`` when it does not exist."""
    row = db.execute(
        "SELECT status FROM models WHERE project = ? AND version = ?", (project, int(version))
    ).fetchone()
    return None if row is None else str(row["status"])


# The model columns a status change may set alongside the status.
_MODEL_COLUMNS = frozenset(
    {
        "performance",
        "evaluation_manifest",
        "evaluation_result",
        "evaluation_end",
        "min_units",
        "max_units",
    }
)


def set_model_status(
    db: sqlite3.Connection,
    project: str,
    version: int | str,
    status: str,
    message: str | None = None,
    **columns: Any,
) -> None:
    """Set a model's status and message, and any of the columns that go with a change.

    Raises:
        InvalidInputError: a column is not one a status change sets.
    """
    unknown = set(columns) - _MODEL_COLUMNS
    if unknown:
        reason = f"{sorted(unknown)} are not model columns a status change sets"
        raise InvalidInputError.of("columns", reason)
    sets = ", ".join(["status = ?", "status_message = ?", *(f"{c} = ?" for c in columns)])
    db.execute(
        f"UPDATE models SET {sets} WHERE project = ? AND version = ?",
        (status, message, *columns.values(), project, int(version)),
    )


def set_job_status(
    db: sqlite3.Connection,
    project: str,
    name: str,
    status: str,
    message: str | None = None,
    *,
    output: Any = None,
) -> None:
    """Set a packaging job's status and message, and its output details when given."""
    db.execute(
        "UPDATE packaging_jobs SET status = ?, status_message = ?, output = COALESCE(?, output), "
        "updated = ? WHERE project = ? AND name = ?",
        (status, message, json.dumps(output) if output is not None else None, now(), project, name),
    )
