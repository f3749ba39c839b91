"""The model packaging job: the trained model as an edge package, written to S3."""

from __future__ import annotations

import json

from lookout_sdk.edge.package import write_package
from lookout_sdk.local.context import Context
from lookout_sdk.local.jobs.running import Job
from lookout_sdk.local.store.state import set_job_status
from lookout_sdk.records.enums import PackagingJobStatus
from lookout_sdk.records.packaging import DEFAULT_COMPONENT_VERSION, GreengrassConfiguration

__all__ = ["write_edge_package"]


def write_edge_package(ctx: Context, work: Job) -> None:
    """Write the model as an edge package to the job's S3 output location.

    A run that takes over an interrupted one finds the job RUNNING and writes the same
    package to the same key again.
    """
    project, name = work.project, work.target
    job = (
        ctx.store.read()
        .execute("SELECT * FROM packaging_jobs WHERE project = ? AND name = ?", (project, name))
        .fetchone()
    )
    if job is None or job["status"] not in (PackagingJobStatus.CREATED, PackagingJobStatus.RUNNING):
        return
    with work.transaction() as db:
        set_job_status(db, project, name, PackagingJobStatus.RUNNING)
    config = json.loads(job["configuration"])["Greengrass"]
    configuration = GreengrassConfiguration.from_api(config)
    component = configuration.component_name
    location = configuration.package_location
    component_version = configuration.component_version or DEFAULT_COMPONENT_VERSION
    folder = ctx.hosted.folder(project, job["model_version"])
    try:
        package = write_package(
            folder, project=project, model_version=job["model_version"], greengrass=config
        )
        ctx.objects.put(location.bucket, location.key, package)
    except Exception as error:  # any failure is the job's status message
        with work.settle(essential=True) as db:
            message = f"packaging failed: {error}"
            set_job_status(db, project, name, PackagingJobStatus.FAILED, message)
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
    with work.settle() as db:
        done = "The component was written."
        set_job_status(db, project, name, PackagingJobStatus.SUCCEEDED, done, output=output)
