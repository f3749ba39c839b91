"""Model jobs that are not training: starting and stopping hosting, deleting a model."""

from __future__ import annotations

import shutil
from typing import Any

from lookout_sdk.local.context import Context
from lookout_sdk.local.store.state import model_status, set_model_status
from lookout_sdk.records.enums import ModelStatus

__all__ = ["remove_model", "start_hosting", "stop_hosting"]


def start_hosting(ctx: Context, project: str, version: str, payload: dict[str, Any]) -> None:
    """Load the model and serve it with one thread per inference unit."""
    if model_status(ctx.store.read(), project, version) != ModelStatus.STARTING_HOSTING:
        return
    try:
        ctx.hosted.load(project, version, int(payload.get("units", 1)))
    except Exception as error:  # a model that will not load fails its hosting, visibly
        with ctx.store.transaction() as db:
            message = f"cannot load the model: {error}"
            set_model_status(db, project, version, ModelStatus.HOSTING_FAILED, message)
        return
    with ctx.store.transaction() as db:
        if model_status(db, project, version) == ModelStatus.STARTING_HOSTING:
            set_model_status(db, project, version, ModelStatus.HOSTED, "The model is running.")


def stop_hosting(ctx: Context, project: str, version: str, payload: dict[str, Any]) -> None:
    """Stop serving the model."""
    ctx.hosted.unload(project, version)
    with ctx.store.transaction() as db:
        if model_status(db, project, version) == ModelStatus.STOPPING_HOSTING:
            set_model_status(db, project, version, ModelStatus.TRAINED, "The model is stopped.")


def remove_model(ctx: Context, project: str, version: str, payload: dict[str, Any]) -> None:
    """Remove the model, its files and its tags."""
    ctx.hosted.unload(project, version)
    shutil.rmtree(ctx.hosted.folder(project, version), ignore_errors=True)
    with ctx.store.transaction() as db:
        db.execute("DELETE FROM tags WHERE arn = ?", (ctx.model_arn(project, version),))
        db.execute("DELETE FROM models WHERE project = ? AND version = ?", (project, int(version)))
