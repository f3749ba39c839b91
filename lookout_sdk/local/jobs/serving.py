"""Model jobs that are not training: starting and stopping hosting, deleting a model.

Hosting lives in each process's memory. StartModel's job loads the model in the
instance that runs it, to prove it loads; any other instance on the same data folder
loads a HOSTED model when it first answers DetectAnomalies with it
(:meth:`~lookout_sdk.local.hosting.Hosting.detect`).
"""

from __future__ import annotations

import shutil

from lookout_sdk.local.context import Context
from lookout_sdk.local.jobs.running import Job
from lookout_sdk.local.store.state import model_status, set_model_status
from lookout_sdk.records.enums import ModelStatus

__all__ = ["remove_model", "start_hosting", "stop_hosting"]


def start_hosting(ctx: Context, job: Job) -> None:
    """Load the model and serve it with one thread per inference unit."""
    project, version = job.project, job.target
    if model_status(ctx.store.read(), project, version) != ModelStatus.STARTING_HOSTING:
        return
    try:
        ctx.hosted.load(project, version, int(job.payload.get("units", 1)))
    except Exception as error:  # a model that will not load fails its hosting, visibly
        with job.settle(essential=True) as db:
            message = f"cannot load the model: {error}"
            set_model_status(db, project, version, ModelStatus.HOSTING_FAILED, message)
        return
    with job.settle() as db:
        if model_status(db, project, version) == ModelStatus.STARTING_HOSTING:
            set_model_status(db, project, version, ModelStatus.HOSTED, "The model is running.")


def stop_hosting(ctx: Context, job: Job) -> None:
    """Stop serving the model."""
    project, version = job.project, job.target
    ctx.hosted.unload(project, version)
    with job.settle(essential=True) as db:
        if model_status(db, project, version) == ModelStatus.STOPPING_HOSTING:
            set_model_status(db, project, version, ModelStatus.TRAINED, "The model is stopped.")


def remove_model(ctx: Context, job: Job) -> None:
    """Remove the model, its files and its tags."""
    project, version = job.project, job.target
    ctx.hosted.unload(project, version)
    shutil.rmtree(ctx.hosted.folder(project, version), ignore_errors=True)
    with job.settle(essential=True) as db:
        db.execute("DELETE FROM tags WHERE arn = ?", (ctx.model_arn(project, version),))
        db.execute("DELETE FROM models WHERE project = ? AND version = ?", (project, int(version)))
