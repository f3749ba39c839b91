"""What each background job of the local backend does.

Every task is written to be safe to run again after a crash: it checks the resource is
still in the state the job expects, and does its writes in one transaction.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import sqlite3
import zipfile
from collections.abc import Sequence
from typing import Any

import attrs

from lookout_sdk.datasets.manifest import ManifestEntry
from lookout_sdk.local.service.context import Context
from lookout_sdk.local.service.datasets import apply_entries, check_lines
from lookout_sdk.local.store import now

__all__ = [
    "delete_dataset",
    "delete_model",
    "import_dataset",
    "interrupted",
    "package_model",
    "start_model",
    "stop_model",
    "train_model",
    "update_dataset",
]

# Minimum labelled images to train (the service's rules).
SINGLE_NORMAL, SINGLE_ANOMALY = 20, 10
TRAIN_NORMAL, TEST_NORMAL, TEST_ANOMALY = 10, 10, 10
_SPLIT_SEED = 20201120


def _set_dataset(
    db: sqlite3.Connection, project: str, kind: str, status: str, message: str | None = None
) -> None:
    db.execute(
        "UPDATE datasets SET status = ?, status_message = ?, updated = ? WHERE project = ? AND type = ?",
        (status, message, now(), project, kind),
    )


def _dataset_status(db: sqlite3.Connection, project: str, kind: str) -> str | None:
    row = db.execute(
        "SELECT status FROM datasets WHERE project = ? AND type = ?", (project, kind)
    ).fetchone()
    return None if row is None else str(row["status"])


def import_dataset(ctx: Context, project: str, kind: str, payload: dict[str, Any]) -> None:
    """Read a manifest from the object store into a new dataset, or fail naming bad lines."""
    try:
        text = ctx.objects.read_uri(payload["manifest"]).decode("utf-8")
    except Exception as error:  # any store failure becomes the dataset's status message
        entries, message = [], f"cannot read the manifest {payload['manifest']}: {error}"
    else:
        entries, message = check_lines(text)
    with ctx.store.transaction() as db:
        if _dataset_status(db, project, kind) != "CREATE_IN_PROGRESS":
            return
        if message is not None:
            _set_dataset(db, project, kind, "CREATE_FAILED", message)
            return
        apply_entries(db, project, kind, entries)
        _set_dataset(db, project, kind, "CREATE_COMPLETE")


def update_dataset(ctx: Context, project: str, kind: str, payload: dict[str, Any]) -> None:
    """Apply all changed lines in one transaction, or none of them."""
    entries, message = check_lines(payload["changes"])
    with ctx.store.transaction() as db:
        if _dataset_status(db, project, kind) != "UPDATE_IN_PROGRESS":
            return
        if message is not None:
            _set_dataset(db, project, kind, "UPDATE_FAILED_ROLLBACK_COMPLETE", message)
            return
        apply_entries(db, project, kind, entries)
        _set_dataset(db, project, kind, "UPDATE_COMPLETE")


def delete_dataset(ctx: Context, project: str, kind: str, payload: dict[str, Any]) -> None:
    """Remove a dataset and its entries."""
    with ctx.store.transaction() as db:
        db.execute("DELETE FROM entries WHERE project = ? AND type = ?", (project, kind))
        db.execute("DELETE FROM datasets WHERE project = ? AND type = ?", (project, kind))


# ----------------------------------------------------------------------------- training


@attrs.frozen
class _Image:
    source: str
    data: bytes
    anomaly: bool
    mask: bytes | None


def _set_model(
    db: sqlite3.Connection,
    project: str,
    version: str,
    status: str,
    message: str | None = None,
    **columns: Any,
) -> None:
    sets = ", ".join(["status = ?", "status_message = ?", *(f"{c} = ?" for c in columns)])
    db.execute(
        f"UPDATE models SET {sets} WHERE project = ? AND version = ?",
        (status, message, *columns.values(), project, int(version)),
    )


def _model_status(db: sqlite3.Connection, project: str, version: str) -> str | None:
    row = db.execute(
        "SELECT status FROM models WHERE project = ? AND version = ?", (project, int(version))
    ).fetchone()
    return None if row is None else str(row["status"])


class TrainingError(Exception):
    """Training cannot go on; the message becomes the model's status message."""


def _labelled(ctx: Context, project: str, kind: str) -> list[ManifestEntry]:
    rows = (
        ctx.store.read()
        .execute(
            "SELECT line FROM entries WHERE project = ? AND type = ? AND label IS NOT NULL ORDER BY seq",
            (project, kind),
        )
        .fetchall()
    )
    return [ManifestEntry.parse(r["line"]) for r in rows]


def _load(ctx: Context, entries: Sequence[ManifestEntry]) -> list[_Image]:
    images = []
    for entry in entries:
        source = entry.source_ref or ""
        try:
            data = ctx.objects.read_uri(source)
            mask = ctx.objects.read_uri(entry.mask_ref) if entry.mask_ref else None
        except Exception as error:
            raise TrainingError(f"cannot read {source}: {error}") from error
        images.append(_Image(source, data, entry.is_anomaly, mask))
    return images


def _count(entries: Sequence[ManifestEntry], anomaly: bool) -> int:
    return sum(1 for e in entries if e.is_anomaly == anomaly)


def _split(ctx: Context, project: str) -> tuple[list[ManifestEntry], list[ManifestEntry]]:
    train = _labelled(ctx, project, "train")
    has_test = (
        ctx.store.read()
        .execute("SELECT 1 FROM datasets WHERE project = ? AND type = 'test'", (project,))
        .fetchone()
    )
    if has_test:
        test = _labelled(ctx, project, "test")
        if _count(train, False) < TRAIN_NORMAL:
            raise TrainingError(
                f"the train dataset needs at least {TRAIN_NORMAL} labelled normal images"
            )
        if _count(test, False) < TEST_NORMAL or _count(test, True) < TEST_ANOMALY:
            raise TrainingError(
                f"the test dataset needs at least {TEST_NORMAL} normal and {TEST_ANOMALY} "
                f"anomalous labelled images; it has {_count(test, False)} and {_count(test, True)}"
            )
        return train, test
    normal, anomalous = _count(train, False), _count(train, True)
    if normal < SINGLE_NORMAL or anomalous < SINGLE_ANOMALY:
        raise TrainingError(
            f"a single dataset needs at least {SINGLE_NORMAL} normal and {SINGLE_ANOMALY} "
            f"anomalous labelled images; it has {normal} and {anomalous}"
        )
    # The service split a single dataset itself; here a seeded, stratified split.
    rng = random.Random(_SPLIT_SEED)
    test: list[ManifestEntry] = []
    kept: list[ManifestEntry] = []
    for anomaly, share in ((False, 0.2), (True, 0.5)):
        group = [e for e in train if e.is_anomaly == anomaly]
        rng.shuffle(group)
        cut = max(1, round(len(group) * share))
        test += group[:cut]
        kept += group[cut:]
    return kept, test


def _color_map(entries: Sequence[ManifestEntry]) -> list[tuple[str, str]]:
    for entry in entries:
        if entry.color_map:
            return [
                (c.name, c.color)
                for _, c in sorted(entry.color_map.items(), key=lambda i: int(i[0]))
            ]
    return []


def train_model(ctx: Context, project: str, version: str, payload: dict[str, Any]) -> None:
    """Train on the train images, evaluate on the test images, and record the results."""
    from lookout_sdk.local.engine import SimpleEngine, evaluate

    try:
        train_entries, test_entries = _split(ctx, project)
        train, test = _load(ctx, train_entries), _load(ctx, test_entries)
        colors = _color_map([*train_entries, *test_entries])
        anomalous = [i for i in train if i.anomaly]
        model = SimpleEngine().fit(
            [i.data for i in train if not i.anomaly],
            [i.data for i in anomalous],
            anomalous_masks=[i.mask for i in anomalous] if colors else (),
            color_map=colors,
        )
        report = evaluate(
            model,
            [i.data for i in test if not i.anomaly],
            [i.data for i in test if i.anomaly],
            test_masks=[i.mask for i in test if i.anomaly] if colors else None,
            color_map=colors,
        )
    except Exception as error:
        message = str(error) if isinstance(error, TrainingError) else f"training failed: {error}"
        with ctx.store.transaction() as db:
            if _model_status(db, project, version) == "TRAINING":
                _set_model(db, project, version, "TRAINING_FAILED", message)
        return
    folder = ctx.hosted.folder(project, version)
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder)
    with ctx.store.transaction() as db:
        row = db.execute(
            "SELECT output_bucket, output_prefix FROM models WHERE project = ? AND version = ?",
            (project, int(version)),
        ).fetchone()
        if row is None or _model_status(db, project, version) != "TRAINING":
            return
        prefix = f"{row['output_prefix'] or ''}{project}/model/{version}/"
        manifest_key = f"{prefix}evaluation-manifest.jsonl"
        result_key = f"{prefix}evaluation-result.json"
        test_sources = [i.source for i in test if not i.anomaly] + [
            i.source for i in test if i.anomaly
        ]
        lines = [
            json.dumps({"source-ref": source, **row_data}, separators=(",", ":"))
            for source, row_data in zip(test_sources, report.rows, strict=False)
        ]
        ctx.objects.put(row["output_bucket"], manifest_key, ("\n".join(lines) + "\n").encode())
        ctx.objects.put(row["output_bucket"], result_key, report.to_json().encode())
        performance = {"F1Score": report.f1, "Recall": report.recall, "Precision": report.precision}
        _set_model(
            db,
            project,
            version,
            "TRAINED",
            "Training completed.",
            performance=json.dumps(performance),
            evaluation_manifest=json.dumps({"Bucket": row["output_bucket"], "Key": manifest_key}),
            evaluation_result=json.dumps({"Bucket": row["output_bucket"], "Key": result_key}),
            evaluation_end=now(),
        )


# ----------------------------------------------------------------------------- hosting


def start_model(ctx: Context, project: str, version: str, payload: dict[str, Any]) -> None:
    """Load the model and serve it with one worker per inference unit."""
    if _model_status(ctx.store.read(), project, version) != "STARTING_HOSTING":
        return
    try:
        ctx.hosted.load(project, version, int(payload.get("units", 1)))
    except Exception as error:
        with ctx.store.transaction() as db:
            _set_model(db, project, version, "HOSTING_FAILED", f"cannot load the model: {error}")
        return
    with ctx.store.transaction() as db:
        if _model_status(db, project, version) == "STARTING_HOSTING":
            _set_model(db, project, version, "HOSTED", "The model is running.")


def stop_model(ctx: Context, project: str, version: str, payload: dict[str, Any]) -> None:
    """Stop serving the model."""
    ctx.hosted.unload(project, version)
    with ctx.store.transaction() as db:
        if _model_status(db, project, version) == "STOPPING_HOSTING":
            _set_model(db, project, version, "TRAINED", "The model is stopped.")


def delete_model(ctx: Context, project: str, version: str, payload: dict[str, Any]) -> None:
    """Remove the model, its files and its tags."""
    ctx.hosted.unload(project, version)
    shutil.rmtree(ctx.hosted.folder(project, version), ignore_errors=True)
    with ctx.store.transaction() as db:
        db.execute("DELETE FROM tags WHERE arn = ?", (ctx.model_arn(project, version),))
        db.execute("DELETE FROM models WHERE project = ? AND version = ?", (project, int(version)))


# ----------------------------------------------------------------------------- packaging


def _set_job(
    db: sqlite3.Connection,
    project: str,
    name: str,
    status: str,
    message: str | None,
    output: Any = None,
) -> None:
    db.execute(
        "UPDATE packaging_jobs SET status = ?, status_message = ?, output = COALESCE(?, output), "
        "updated = ? WHERE project = ? AND name = ?",
        (status, message, json.dumps(output) if output is not None else None, now(), project, name),
    )


def package_model(ctx: Context, project: str, name: str, payload: dict[str, Any]) -> None:
    """Write the model's files, with the job's metadata, as a zip to the S3 output."""
    read = ctx.store.read()
    job = read.execute(
        "SELECT * FROM packaging_jobs WHERE project = ? AND name = ?", (project, name)
    ).fetchone()
    if job is None or job["status"] != "CREATED":
        return
    with ctx.store.transaction() as db:
        _set_job(db, project, name, "RUNNING", None)
    config = json.loads(job["configuration"])["Greengrass"]
    component, component_version = config["ComponentName"], config.get("ComponentVersion", "1.0.0")
    folder = ctx.hosted.folder(project, job["model_version"])
    try:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, path.name)
            archive.writestr(
                "component.json",
                json.dumps(
                    {"Greengrass": config, "Project": project, "ModelVersion": job["model_version"]}
                ),
            )
        location = config["S3OutputLocation"]
        key = f"{location.get('Prefix') or ''}{component}-{component_version}.zip"
        ctx.objects.put(location["Bucket"], key, buffer.getvalue())
    except Exception as error:
        with ctx.store.transaction() as db:
            _set_job(db, project, name, "FAILED", f"packaging failed: {error}")
        return
    arn = f"arn:aws:greengrass:{ctx.region}:{ctx.account}:components:{component}:versions:{component_version}"
    output = {
        "Greengrass": {
            "ComponentVersionArn": arn,
            "ComponentName": component,
            "ComponentVersion": component_version,
        }
    }
    with ctx.store.transaction() as db:
        _set_job(db, project, name, "SUCCEEDED", "The component was written.", output)


def interrupted(
    db: sqlite3.Connection,
    kind: str,
    project: str,
    target: str,
    reason: str = "was interrupted by a restart",
) -> None:
    """Record that a job did not finish, where its resource shows it."""
    if kind == "train_model" and _model_status(db, project, target) == "TRAINING":
        _set_model(db, project, target, "TRAINING_FAILED", f"training {reason}")
    elif kind == "package_model":
        _set_job(db, project, target, "FAILED", f"packaging {reason}")
    elif kind == "start_model" and _model_status(db, project, target) == "STARTING_HOSTING":
        _set_model(db, project, target, "HOSTING_FAILED", f"starting {reason}")
    elif kind in ("import_dataset", "update_dataset"):
        status = _dataset_status(db, project, target)
        failed = {
            "CREATE_IN_PROGRESS": "CREATE_FAILED",
            "UPDATE_IN_PROGRESS": "UPDATE_FAILED_ROLLBACK_COMPLETE",
        }
        if status in failed:
            _set_dataset(db, project, target, failed[status], f"the job {reason}")
