"""The model packaging job: the trained model as an edge package, written to S3."""

from __future__ import annotations

import json
from typing import Any

from lookout_sdk.edge.package import DEFAULT_COMPONENT_VERSION, package_key, write_package
from lookout_sdk.local.context import Context
from lookout_sdk.local.store.state import set_job_status

__all__ = ["package_model"]


def package_model(ctx: Context, project: str, name: str, payload: dict[str, Any]) -> None:
    """Write the model as an edge package to the job's S3 output location."""
    job = (
        ctx.store.read()
        .execute("SELECT * FROM packaging_jobs WHERE project = ? AND name = ?", (project, name))
        .fetchone()
    )
    if job is None or job["status"] != "CREATED":
        return
    with ctx.store.transaction() as db:
        set_job_status(db, project, name, "RUNNING")
    config = json.loads(job["configuration"])["Greengrass"]
    component = config["ComponentName"]
    component_version = config.get("ComponentVersion") or DEFAULT_COMPONENT_VERSION
    folder = ctx.hosted.folder(project, job["model_version"])
    try:
        package = write_package(
            folder, project=project, model_version=job["model_version"], greengrass=config
        )
        location = config["S3OutputLocation"]
        ctx.objects.put(location["Bucket"], package_key(config), package)
    except Exception as error:  # any failure is the job's status message
        with ctx.store.transaction() as db:
            set_job_status(db, project, name, "FAILED", f"packaging failed: {error}")
        return
    arn = (
        f"arn:aws:greengrass:{ctx.region}:{ctx.account}:components:{component}"
        f":versions:{component_version}"
    )
    output = {
        "Greengrass": {
            "ComponentVersionArn": arn,
            "ComponentName": component,
            "ComponentVersion": component_version,
        }
    }
    with ctx.store.transaction() as db:
        set_job_status(db, project, name, "SUCCEEDED", "The component was written.", output=output)
