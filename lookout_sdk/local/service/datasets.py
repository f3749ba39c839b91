"""Dataset operations of the local backend, and applying manifest lines to the store."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from lookout_sdk.local.context import Context
from lookout_sdk.local.service.errors import conflict, not_found
from lookout_sdk.local.service.paging import page
from lookout_sdk.local.service.projects import require_project
from lookout_sdk.local.store import now
from lookout_sdk.local.store.queue import enqueue
from lookout_sdk.local.store.state import set_dataset_status
from lookout_sdk.records.enums import DatasetStatus
from lookout_sdk.records.operations import Operation

__all__ = [
    "create_dataset",
    "delete_dataset",
    "describe_dataset",
    "list_dataset_entries",
    "require_dataset",
    "update_dataset_entries",
]

#: A dataset in one of these statuses has a change under way (from the lifecycle table).
_BUSY = frozenset(status for status in DatasetStatus if not status.is_terminal)


def require_dataset(db: sqlite3.Connection, project: str, kind: str) -> sqlite3.Row:
    """The dataset's row, or ResourceNotFoundException."""
    require_project(db, project)
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM datasets WHERE project = ? AND type = ?", (project, kind)
    ).fetchone()
    if row is None:
        raise not_found("DATASET", kind, f"the {kind} dataset of project {project}")
    return row


def create_dataset(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """CreateDataset: empty at once, or from a manifest by the worker."""
    project, kind = params["ProjectName"], params["DatasetType"]
    require_project(db, project)
    if db.execute(
        "SELECT 1 FROM datasets WHERE project = ? AND type = ?", (project, kind)
    ).fetchone():
        raise conflict("DATASET", kind, f"project {project} already has a {kind} dataset")
    source = (params.get("DatasetSource") or {}).get("GroundTruthManifest", {}).get("S3Object")
    status = DatasetStatus.CREATE_IN_PROGRESS if source else DatasetStatus.CREATE_COMPLETE
    stamp = now()
    db.execute(
        "INSERT INTO datasets (project, type, status, created, updated) VALUES (?, ?, ?, ?, ?)",
        (project, kind, status, stamp, stamp),
    )
    if source:
        uri = f"s3://{source['Bucket']}/{source['Key']}"
        enqueue(db, Operation.CREATE_DATASET, project, kind, manifest=uri, origin=ctx.instance)
    return {"DatasetMetadata": {"DatasetType": kind, "CreationTimestamp": stamp, "Status": status}}


def describe_dataset(
    ctx: Context, db: sqlite3.Connection, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeDataset, with image statistics."""
    row = require_dataset(db, params["ProjectName"], params["DatasetType"])
    counts = dict(
        db.execute(
            "SELECT COALESCE(label, ''), COUNT(*) FROM entries WHERE project = ? AND type = ? "
            "GROUP BY label",
            (row["project"], row["type"]),
        ).fetchall()
    )
    normal, anomaly = counts.get("normal", 0), counts.get("anomaly", 0)
    return {
        "DatasetDescription": {
            "ProjectName": row["project"],
            "DatasetType": row["type"],
            "CreationTimestamp": row["created"],
            "LastUpdatedTimestamp": row["updated"],
            "Status": row["status"],
            "StatusMessage": row["status_message"],
            "ImageStats": {
                "Total": sum(counts.values()),
                "Labeled": normal + anomaly,
                "Normal": normal,
                "Anomaly": anomaly,
            },
        }
    }


def _mark_busy(db: sqlite3.Connection, row: sqlite3.Row, status: str) -> None:
    if row["status"] in _BUSY:
        raise conflict("DATASET", row["type"], f"the dataset is {row['status']}")
    set_dataset_status(db, row["project"], row["type"], status)


def update_dataset_entries(
    ctx: Context, db: sqlite3.Connection, params: dict[str, Any]
) -> dict[str, Any]:
    """UpdateDatasetEntries: the worker applies all lines in one transaction, or none."""
    row = require_dataset(db, params["ProjectName"], params["DatasetType"])
    _mark_busy(db, row, DatasetStatus.UPDATE_IN_PROGRESS)
    changes = bytes(params["Changes"]).decode("utf-8", errors="replace")
    enqueue(
        db,
        Operation.UPDATE_DATASET,
        row["project"],
        row["type"],
        changes=changes,
        origin=ctx.instance,
    )
    return {"Status": DatasetStatus.UPDATE_IN_PROGRESS}


def delete_dataset(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """DeleteDataset: refused while a model trains; the worker removes the entries."""
    row = require_dataset(db, params["ProjectName"], params["DatasetType"])
    training = db.execute(
        "SELECT version FROM models WHERE project = ? AND status = 'TRAINING'", (row["project"],)
    ).fetchone()
    if training:
        raise conflict("MODEL", str(training["version"]), "a model of the project is training")
    _mark_busy(db, row, DatasetStatus.DELETE_IN_PROGRESS)
    enqueue(db, Operation.DELETE_DATASET, row["project"], row["type"], origin=ctx.instance)
    return {}


def _timestamp(value: Any) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


def list_dataset_entries(
    ctx: Context, db: sqlite3.Connection, params: dict[str, Any]
) -> dict[str, Any]:
    """ListDatasetEntries with every filter the API has."""
    row = require_dataset(db, params["ProjectName"], params["DatasetType"])
    where = ["project = ?", "type = ?"]
    values: list[Any] = [row["project"], row["type"]]
    labeled = params.get("Labeled")
    if labeled is not None:
        where.append("label IS NOT NULL" if labeled else "label IS NULL")
    if params.get("AnomalyClass"):
        where.append("label = ?")
        values.append(params["AnomalyClass"])
    before, after = (
        _timestamp(params.get("BeforeCreationDate")),
        _timestamp(params.get("AfterCreationDate")),
    )
    if before is not None:
        where.append("created < ?")
        values.append(before)
    if after is not None:
        where.append("created > ?")
        values.append(after)
    if params.get("SourceRefContains"):
        where.append("instr(source_ref, ?) > 0")
        values.append(params["SourceRefContains"])
    return page(
        db,
        "entries",
        where,
        values,
        params,
        order=("seq",),
        key="DatasetEntries",
        convert=lambda row: row["line"],
    )
