"""The model packaging job: the trained model's files, as a component, to S3."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from lookout_sdk.local.context import Context
from lookout_sdk.local.store.state import set_job_status

__all__ = ["package_model"]


def package_model(ctx: Context, project: str, name: str, payload: dict[str, Any]) -> None:
    """Write the model's files, with the job's metadata, as a zip to the S3 output."""
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
    component, component_version = config["ComponentName"], config.get("ComponentVersion", "1.0.0")
    folder = ctx.hosted.folder(project, job["model_version"])
    try:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, path.name)
            metadata = {
                "Greengrass": config,
                "Project": project,
                "ModelVersion": job["model_version"],
            }
            archive.writestr("component.json", json.dumps(metadata))
        location = config["S3OutputLocation"]
        key = f"{location.get('Prefix') or ''}{component}-{component_version}.zip"
        ctx.objects.put(location["Bucket"], key, buffer.getvalue())
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
