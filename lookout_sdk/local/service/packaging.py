"""Model packaging jobs of the local backend."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from lookout_sdk.local.context import Context
from lookout_sdk.local.service.errors import conflict, not_found
from lookout_sdk.local.service.models import require_model
from lookout_sdk.local.service.paging import page
from lookout_sdk.local.service.projects import require_project
from lookout_sdk.local.store import now
from lookout_sdk.local.store.queue import enqueue
from lookout_sdk.records.operations import Operation

__all__ = [
    "describe_model_packaging_job",
    "list_model_packaging_jobs",
    "start_model_packaging_job",
]

_METHOD = "Greengrass"


def _metadata(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "JobName": row["name"],
        "ProjectName": row["project"],
        "ModelVersion": row["model_version"],
        "ModelPackagingJobDescription": row["description"],
        "ModelPackagingMethod": _METHOD,
        "Status": row["status"],
        "StatusMessage": row["status_message"],
        "CreationTimestamp": row["created"],
        "LastUpdatedTimestamp": row["updated"],
    }


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def start_model_packaging_job(
    ctx: Context, db: sqlite3.Connection, params: dict[str, Any]
) -> dict[str, Any]:
    """StartModelPackagingJob: record the job; the worker writes the package."""
    model = require_model(db, params["ProjectName"], params["ModelVersion"])
    if model["status"] not in ("TRAINED", "HOSTED", "STARTING_HOSTING", "STOPPING_HOSTING"):
        raise conflict(
            "MODEL", f"{model['project']}/{model['version']}", f"model is {model['status']}"
        )
    name = params.get("JobName") or f"{model['project']}-{model['version']}-{int(now() * 1000)}"
    if db.execute(
        "SELECT 1 FROM packaging_jobs WHERE project = ? AND name = ?", (model["project"], name)
    ).fetchone():
        raise conflict("MODEL_PACKAGE_JOB", name, f"packaging job {name} already exists")
    stamp = now()
    db.execute(
        "INSERT INTO packaging_jobs (project, name, model_version, description, configuration, "
        "status, created, updated) VALUES (?, ?, ?, ?, ?, 'CREATED', ?, ?)",
        (
            model["project"],
            name,
            str(model["version"]),
            params.get("Description"),
            json.dumps(params["Configuration"]),
            stamp,
            stamp,
        ),
    )
    enqueue(db, Operation.PACKAGE_MODEL, model["project"], name, origin=ctx.instance)
    return {"JobName": name}


def describe_model_packaging_job(
    ctx: Context, db: sqlite3.Connection, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeModelPackagingJob, echoing the Greengrass configuration."""
    require_project(db, params["ProjectName"])
    row = db.execute(
        "SELECT * FROM packaging_jobs WHERE project = ? AND name = ?",
        (params["ProjectName"], params["JobName"]),
    ).fetchone()
    if row is None:
        raise not_found(
            "MODEL_PACKAGE_JOB", params["JobName"], f"packaging job {params['JobName']}"
        )
    description = {
        **_metadata(row),
        "ModelPackagingConfiguration": json.loads(row["configuration"]),
        "ModelPackagingOutputDetails": json.loads(row["output"]) if row["output"] else None,
    }
    return {"ModelPackagingDescription": _drop_none(description)}


def list_model_packaging_jobs(
    ctx: Context, db: sqlite3.Connection, params: dict[str, Any]
) -> dict[str, Any]:
    """ListModelPackagingJobs."""
    require_project(db, params["ProjectName"])
    return page(
        db,
        "packaging_jobs",
        ("project = ?",),
        (params["ProjectName"],),
        params,
        order=("created", "name"),
        key="ModelPackagingJobs",
        convert=lambda row: _drop_none(_metadata(row)),
    )
