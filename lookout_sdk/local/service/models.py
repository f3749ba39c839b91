"""Model operations of the local backend: training, hosting, detection, deletion."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from lookout_sdk.engine.api_shapes import detect_anomaly_result
from lookout_sdk.errors import InvalidImageError
from lookout_sdk.local.context import Context
from lookout_sdk.local.hosting import ModelNotLoadedError
from lookout_sdk.local.service.errors import conflict, not_found, quota_exceeded, validation
from lookout_sdk.local.service.paging import page
from lookout_sdk.local.service.projects import require_project
from lookout_sdk.local.store import now
from lookout_sdk.local.store.queue import enqueue
from lookout_sdk.local.store.state import set_model_status
from lookout_sdk.records.enums import DatasetStatus, ModelStatus
from lookout_sdk.records.operations import Operation

__all__ = [
    "create_model",
    "delete_model",
    "describe_model",
    "detect_anomalies",
    "list_models",
    "model_description",
    "require_model",
    "start_model",
    "stop_model",
]

_READY_DATASET = (
    DatasetStatus.CREATE_COMPLETE,
    DatasetStatus.UPDATE_COMPLETE,
    DatasetStatus.UPDATE_FAILED_ROLLBACK_COMPLETE,
)


def require_model(db: sqlite3.Connection, project: str, version: str) -> sqlite3.Row:
    """The model's row (``latest`` is the newest version), or ResourceNotFoundException."""
    require_project(db, project)
    row: sqlite3.Row | None
    if version == "latest":
        row = db.execute(
            "SELECT * FROM models WHERE project = ? ORDER BY version DESC LIMIT 1", (project,)
        ).fetchone()
    else:
        row = db.execute(
            "SELECT * FROM models WHERE project = ? AND version = ?", (project, int(version))
        ).fetchone()
    if row is None:
        raise not_found("MODEL", f"{project}/{version}", f"model {version} of project {project}")
    return row


def _metadata(row: sqlite3.Row) -> dict[str, Any]:
    performance = json.loads(row["performance"]) if row["performance"] else None
    return {
        "CreationTimestamp": row["created"],
        "ModelVersion": str(row["version"]),
        "ModelArn": row["arn"],
        "Description": row["description"],
        "Status": row["status"],
        "StatusMessage": row["status_message"],
        "Performance": performance,
    }


def model_description(row: sqlite3.Row) -> dict[str, Any]:
    """The API's ModelDescription of a model row."""
    output = {"Bucket": row["output_bucket"]}
    if row["output_prefix"]:
        output["Prefix"] = row["output_prefix"]
    description = {
        **_metadata(row),
        "OutputConfig": {"S3Location": output},
        "EvaluationManifest": json.loads(row["evaluation_manifest"])
        if row["evaluation_manifest"]
        else None,
        "EvaluationResult": json.loads(row["evaluation_result"])
        if row["evaluation_result"]
        else None,
        "EvaluationEndTimestamp": row["evaluation_end"],
        "KmsKeyId": row["kms_key_id"],
        "MinInferenceUnits": row["min_units"],
        "MaxInferenceUnits": row["max_units"],
    }
    return {key: value for key, value in description.items() if value is not None}


def create_model(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """CreateModel: a new version in TRAINING; the worker trains and evaluates it."""
    project = require_project(db, params["ProjectName"])
    train = db.execute(
        "SELECT status FROM datasets WHERE project = ? AND type = 'train'", (project["name"],)
    ).fetchone()
    if train is None:
        raise validation(f"project {project['name']} has no train dataset")
    busy = db.execute(
        "SELECT type, status FROM datasets WHERE project = ? AND status NOT IN (?, ?, ?)",
        (project["name"], *_READY_DATASET),
    ).fetchone()
    if busy:
        raise conflict("DATASET", busy["type"], f"the {busy['type']} dataset is {busy['status']}")
    (count,) = db.execute(
        "SELECT COUNT(*) FROM models WHERE project = ?", (project["name"],)
    ).fetchone()
    if count >= ctx.quotas.models_per_project:
        raise quota_exceeded(
            f"at most {ctx.quotas.models_per_project} models per project", "L-MODELS", "MODEL"
        )
    version = project["next_version"]
    db.execute(
        "UPDATE projects SET next_version = ? WHERE name = ?", (version + 1, project["name"])
    )
    location = params["OutputConfig"]["S3Location"]
    arn = ctx.model_arn(project["name"], version)
    db.execute(
        "INSERT INTO models (project, version, arn, description, status, created, output_bucket, "
        "output_prefix, kms_key_id) VALUES (?, ?, ?, ?, 'TRAINING', ?, ?, ?, ?)",
        (
            project["name"],
            version,
            arn,
            params.get("Description"),
            now(),
            location["Bucket"],
            location.get("Prefix"),
            params.get("KmsKeyId"),
        ),
    )
    for tag in params.get("Tags") or ():
        db.execute(
            "INSERT INTO tags (arn, key, value) VALUES (?, ?, ?)", (arn, tag["Key"], tag["Value"])
        )
    enqueue(db, Operation.TRAIN_MODEL, project["name"], str(version), origin=ctx.instance)
    return {"ModelMetadata": _metadata(require_model(db, project["name"], str(version)))}


def describe_model(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """DescribeModel."""
    return {
        "ModelDescription": model_description(
            require_model(db, params["ProjectName"], params["ModelVersion"])
        )
    }


def list_models(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """ListModels, newest version last."""
    project = require_project(db, params["ProjectName"])
    return page(
        db,
        "models",
        ("project = ?",),
        (project["name"],),
        params,
        order=("version",),
        key="Models",
        convert=_metadata,
    )


def _model_id(row: sqlite3.Row) -> str:
    return f"{row['project']}/{row['version']}"


def start_model(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """StartModel: from TRAINED (or a failed hosting) to STARTING_HOSTING."""
    row = require_model(db, params["ProjectName"], params["ModelVersion"])
    if row["status"] not in (ModelStatus.TRAINED, ModelStatus.HOSTING_FAILED):
        raise conflict("MODEL", _model_id(row), f"model {row['version']} is {row['status']}")
    low = params["MinInferenceUnits"]
    high = params.get("MaxInferenceUnits") or low
    if high < low:
        raise validation("MaxInferenceUnits must not be below MinInferenceUnits")
    if high > ctx.quotas.inference_units:
        raise quota_exceeded(
            f"at most {ctx.quotas.inference_units} inference units", "L-INFERENCE-UNITS", "MODEL"
        )
    set_model_status(
        db,
        row["project"],
        row["version"],
        ModelStatus.STARTING_HOSTING,
        min_units=low,
        max_units=high,
    )
    enqueue(
        db,
        Operation.START_MODEL,
        row["project"],
        str(row["version"]),
        units=high,
        origin=ctx.instance,
    )
    return {"Status": ModelStatus.STARTING_HOSTING}


def stop_model(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """StopModel: from HOSTED to STOPPING_HOSTING."""
    row = require_model(db, params["ProjectName"], params["ModelVersion"])
    if row["status"] not in (ModelStatus.HOSTED, ModelStatus.HOSTING_FAILED):
        raise conflict(
            "MODEL", _model_id(row), f"model {row['version']} is {row['status']}, not hosted"
        )
    set_model_status(db, row["project"], row["version"], ModelStatus.STOPPING_HOSTING)
    enqueue(db, Operation.STOP_MODEL, row["project"], str(row["version"]), origin=ctx.instance)
    return {"Status": ModelStatus.STOPPING_HOSTING}


def delete_model(ctx: Context, db: sqlite3.Connection, params: dict[str, Any]) -> dict[str, Any]:
    """DeleteModel: refused while the model runs or is busy."""
    row = require_model(db, params["ProjectName"], params["ModelVersion"])
    if row["status"] not in (
        ModelStatus.TRAINED,
        ModelStatus.TRAINING_FAILED,
        ModelStatus.HOSTING_FAILED,
    ):
        raise conflict(
            "MODEL", _model_id(row), f"model {row['version']} is {row['status']}; stop it first"
        )
    set_model_status(db, row["project"], row["version"], ModelStatus.DELETING)
    enqueue(db, Operation.DELETE_MODEL, row["project"], str(row["version"]), origin=ctx.instance)
    return {"ModelArn": row["arn"]}


def detect_anomalies(
    ctx: Context, db: sqlite3.Connection, params: dict[str, Any]
) -> dict[str, Any]:
    """DetectAnomalies on a hosted model (a process that did not start it loads it first)."""
    row = require_model(db, params["ProjectName"], params["ModelVersion"])
    if row["status"] != ModelStatus.HOSTED:
        raise conflict(
            "MODEL", _model_id(row), f"model {row['version']} is {row['status']}, not HOSTED"
        )
    content_type = str(params.get("ContentType", "")).split(";")[0].strip().lower()
    if content_type not in ("image/png", "image/jpeg"):
        raise validation(f"ContentType {content_type!r} is not image/png or image/jpeg")
    units = row["max_units"] or row["min_units"] or 1
    try:
        prediction = ctx.hosted.detect(
            row["project"], row["version"], bytes(params["Body"]), units=units
        )
    except InvalidImageError as error:
        raise validation("; ".join(str(problem) for problem in error.problems)) from error
    except ModelNotLoadedError as error:
        raise conflict("MODEL", _model_id(row), f"{error}; start it again") from error
    return {"DetectAnomalyResult": detect_anomaly_result(prediction)}
