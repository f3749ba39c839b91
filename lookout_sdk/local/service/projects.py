"""Project operations of the local backend."""

from __future__ import annotations

import sqlite3
from typing import Any

from lookout_sdk.local.context import Context
from lookout_sdk.local.service.errors import conflict, not_found, quota_exceeded
from lookout_sdk.local.service.paging import page
from lookout_sdk.local.store import now

__all__ = [
    "create_project",
    "delete_project",
    "describe_project",
    "list_projects",
    "require_project",
]


def require_project(db: sqlite3.Connection, name: str) -> sqlite3.Row:
    """The project's row, or ResourceNotFoundException."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM projects WHERE name = ?", (name,)
    ).fetchone()
    if row is None:
        raise not_found("PROJECT", name)
    return row


def _metadata(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "ProjectArn": row["arn"],
        "ProjectName": row["name"],
        "CreationTimestamp": row["created"],
    }


def create_project(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """CreateProject."""
    name = params["ProjectName"]
    if db.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone():
        raise conflict("PROJECT", name, f"project {name} already exists")
    (count,) = db.execute("SELECT COUNT(*) FROM projects").fetchone()
    if count >= ctx.quotas.projects:
        raise quota_exceeded(f"at most {ctx.quotas.projects} projects", "L-PROJECTS", "PROJECT")
    created = now()
    db.execute(
        "INSERT INTO projects (name, arn, created) VALUES (?, ?, ?)",
        (name, ctx.project_arn(name), created),
    )
    return {"ProjectMetadata": _metadata(require_project(db, name))}


def describe_project(
    ctx: Context, db: sqlite3.Connection, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeProject, with the project's datasets."""
    row = require_project(db, params["ProjectName"])
    datasets = [
        {
            "DatasetType": d["type"],
            "CreationTimestamp": d["created"],
            "Status": d["status"],
            "StatusMessage": d["status_message"],
        }
        for d in db.execute(
            "SELECT * FROM datasets WHERE project = ? ORDER BY type", (row["name"],)
        )
    ]
    return {"ProjectDescription": {**_metadata(row), "Datasets": datasets}}


def list_projects(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """ListProjects, a page at a time."""
    return page(
        db, "projects", (), (), params, order=("created", "name"), key="Projects", convert=_metadata
    )


def delete_project(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """DeleteProject: refused while models remain; its datasets go with it."""
    row = require_project(db, params["ProjectName"])
    (models,) = db.execute(
        "SELECT COUNT(*) FROM models WHERE project = ?", (row["name"],)
    ).fetchone()
    if models:
        raise conflict("PROJECT", row["name"], f"project {row['name']} still has {models} model(s)")
    busy = db.execute(
        "SELECT type FROM datasets WHERE project = ? AND status LIKE '%IN_PROGRESS'", (row["name"],)
    ).fetchone()
    if busy:
        raise conflict("DATASET", busy["type"], f"the {busy['type']} dataset is busy")
    db.execute("DELETE FROM tags WHERE arn = ?", (row["arn"],))
    db.execute("DELETE FROM projects WHERE name = ?", (row["name"],))
    return {"ProjectArn": row["arn"]}
