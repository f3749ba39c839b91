"""Tags on project and model ARNs in the local backend."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from lookout_sdk.local.context import Context
from lookout_sdk.local.service.errors import not_found, quota_exceeded

__all__ = ["list_tags_for_resource", "tag_resource", "untag_resource"]

_ARN = re.compile(r"arn:aws:lookoutvision:[^:]+:\d{12}:(project/([^/]+)|model/([^/]+)/(\d+))")


def _require_arn(db: sqlite3.Connection, arn: str) -> str:
    found = _ARN.fullmatch(arn)
    if found and found.group(2):
        exists = db.execute("SELECT 1 FROM projects WHERE arn = ?", (arn,)).fetchone()
    elif found:
        exists = db.execute("SELECT 1 FROM models WHERE arn = ?", (arn,)).fetchone()
    else:
        exists = None
    if not exists:
        kind = "MODEL" if found and found.group(3) else "PROJECT"
        raise not_found(kind, arn, f"no resource has the ARN {arn}; it")
    return arn


def list_tags_for_resource(
    ctx: Context, db: sqlite3.Connection, params: dict[str, Any]
) -> dict[str, Any]:
    """ListTagsForResource."""
    arn = _require_arn(db, params["ResourceArn"])
    rows = db.execute("SELECT key, value FROM tags WHERE arn = ? ORDER BY key", (arn,)).fetchall()
    return {"Tags": [{"Key": r["key"], "Value": r["value"]} for r in rows]}


def tag_resource(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """TagResource: add or replace, within the per-resource quota."""
    arn = _require_arn(db, params["ResourceArn"])
    for tag in params["Tags"]:
        db.execute(
            "INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
            (arn, tag["Key"], tag["Value"]),
        )
    (count,) = db.execute("SELECT COUNT(*) FROM tags WHERE arn = ?", (arn,)).fetchone()
    if count > ctx.quotas.tags_per_resource:
        raise quota_exceeded(
            f"a resource can have at most {ctx.quotas.tags_per_resource} tags", "L-TAGS"
        )
    return {}


def untag_resource(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """UntagResource."""
    arn = _require_arn(db, params["ResourceArn"])
    for key in params["TagKeys"]:
        db.execute("DELETE FROM tags WHERE arn = ? AND key = ?", (arn, key))
    return {}
