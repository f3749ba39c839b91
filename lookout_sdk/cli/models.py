"""``lookout models``: train, describe, list, host, stop, wait on, package and delete."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lookout_sdk.cli.exits import ExitCode, fail
from lookout_sdk.cli.options import (
    client_token_option,
    missing_ok_option,
    model_version_option,
    output_option,
    project_option,
    tag_option,
    timeout_option,
    wait_options,
)
from lookout_sdk.cli.output import emit
from lookout_sdk.cli.settings import Settings, pass_settings
from lookout_sdk.cli.waiting import wait_for

if TYPE_CHECKING:
    from lookout_sdk.resources.project import Project
    from lookout_sdk.runtime.polling import Poller

__all__ = ["models", "wait_token"]
_STATUSES = click.Choice(
    ["TRAINED", "TRAINING_FAILED", "HOSTED", "HOSTING_FAILED", "DELETED"], case_sensitive=False
)


@click.group()
def models() -> None:
    """Train, host, stop, wait on, package and delete model versions."""


def _default_output(project: Project) -> str:
    """``s3://<bucket of the training images>/<project>/output/``."""
    from lookout_sdk.errors import InvalidInputError
    from lookout_sdk.records.common import S3Location

    entry = project.dataset("train").list_entries(max_items=1).first()
    try:
        bucket = S3Location.from_uri((entry.source_ref if entry else None) or "").bucket
    except InvalidInputError:
        raise click.UsageError(
            "--s3-output is needed: the train dataset has no entry to take a bucket from"
        ) from None
    return S3Location(bucket, f"{project.name}/output/").uri


@models.command()
@project_option
@click.option(
    "--s3-output",
    help="Where evaluation results go, s3://bucket/prefix/ "
    "(default: <bucket of the training images>/<project>/output/).",
)
@click.option("--description", help="A description of the model version.")
@click.option("--kms-key-id", help="The KMS key that encrypts the model.")
@tag_option
@wait_options(default_timeout=4 * 3600)
@client_token_option
@output_option
@pass_settings
def train(
    settings: Settings,
    project: str,
    s3_output: str | None,
    description: str | None,
    kms_key_id: str | None,
    tags: dict[str, str],
    wait: bool,
    timeout: float,
    client_token: str | None,
) -> None:
    """Train a new model version on the project's datasets."""
    handle = settings.service().project(project)
    poller = handle.create_model(
        output=s3_output or _default_output(handle),
        description=description,
        kms_key_id=kms_key_id,
        tags=tags or None,
        client_token=client_token,
    )
    emit(wait_for(settings, poller, timeout) if wait else poller.record, settings.output)


@models.command()
@project_option
@model_version_option
@output_option
@pass_settings
def describe(settings: Settings, project: str, model_version: str) -> None:
    """Describe a model version: status, metrics, evaluation output, hosting units."""
    emit(settings.service().project(project).model(model_version).describe(), settings.output)


@models.command(name="list")
@project_option
@click.option("--max-items", type=click.IntRange(min=1), help="Stop after this many.")
@output_option
@pass_settings
def list_models(settings: Settings, project: str, max_items: int | None) -> None:
    """List the project's model versions."""
    listing = settings.service().project(project).list_models(max_items=max_items)
    emit(listing.to_list(), settings.output)


@models.command()
@project_option
@model_version_option
@click.option("--min-inference-units", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--max-inference-units", type=click.IntRange(min=1), help="Scale up to this many.")
@wait_options(default_timeout=3600)
@client_token_option
@output_option
@pass_settings
def start(
    settings: Settings,
    project: str,
    model_version: str,
    min_inference_units: int,
    max_inference_units: int | None,
    wait: bool,
    timeout: float,
    client_token: str | None,
) -> None:
    """Start hosting a model version, so it can detect."""
    model = settings.service().project(project).model(model_version)
    poller = model.start(
        min_inference_units,
        max_inference_units=max_inference_units,
        client_token=client_token,
    )
    emit(wait_for(settings, poller, timeout) if wait else model.describe(), settings.output)


@models.command()
@project_option
@model_version_option
@wait_options(default_timeout=3600)
@client_token_option
@output_option
@pass_settings
def stop(
    settings: Settings,
    project: str,
    model_version: str,
    wait: bool,
    timeout: float,
    client_token: str | None,
) -> None:
    """Stop hosting a model version."""
    model = settings.service().project(project).model(model_version)
    poller = model.stop(client_token=client_token)
    emit(wait_for(settings, poller, timeout) if wait else model.describe(), settings.output)


@models.command()
@project_option
@click.option("-m", "--model-version", required=True, help="The model version to delete.")
@missing_ok_option("model version")
@wait_options(default_timeout=1800)
@client_token_option
@output_option
@pass_settings
def delete(
    settings: Settings,
    project: str,
    model_version: str,
    missing_ok: bool,
    client_token: str | None,
    wait: bool,
    timeout: float,
) -> None:
    """Delete a model version (stop it first if it is hosted)."""
    model = settings.service().project(project).model(model_version)
    poller = model.delete(missing_ok=missing_ok, client_token=client_token)
    if wait:
        wait_for(settings, poller, timeout)
    emit({"deleted": f"{project}/{model_version}"}, settings.output)


@models.command()
@project_option
@model_version_option
@click.option("--until", "target", type=_STATUSES, required=True, help="The status to wait for.")
@timeout_option(4 * 3600, "Give up after this many seconds (exit code 3).")
@output_option
@pass_settings
def wait(settings: Settings, project: str, model_version: str, target: str, timeout: float) -> None:
    """Wait until a model version reaches a status; exit 1 if it ends in another."""
    from lookout_sdk.errors import ResourceNotFoundError
    from lookout_sdk.records.enums import ResourceType
    from lookout_sdk.records.operations import Operation

    target = target.upper()
    model = settings.service().project(project).model(model_version)
    try:
        record = model.describe()
    except ResourceNotFoundError:
        if target == "DELETED":
            emit({"status": "DELETED"}, settings.output)
            return
        raise
    under_way = Operation.under_way(record.status, resource=ResourceType.MODEL)
    if str(record.status) != target and under_way is not None:
        poller: Poller[Any] = model.poller(under_way)
        wait_for(settings, poller, timeout)
        if target == "DELETED" and under_way.removes_resource:
            emit({"status": "DELETED"}, settings.output)
            return
        record = model.describe()
    emit(record, settings.output)
    if str(record.status) != target:
        fail(f"model {record.version} is {record.status}, not {target}", ExitCode.SERVICE_ERROR)


@models.command()
@project_option
@model_version_option
@click.option("--component-name", required=True, help="The Greengrass component to create.")
@click.option(
    "--s3", "s3_output", required=True, help="Where the component goes, s3://bucket/prefix/."
)
@click.option("--component-version", help="x.y.z (default 1.0.0).")
@click.option("--component-description")
@click.option("--target-device", type=click.Choice(["jetson_xavier"]))
@click.option(
    "--target-platform",
    metavar="OS/ARCH[/ACCELERATOR]",
    help="For example LINUX/X86_64 or LINUX/ARM64/NVIDIA.",
)
@click.option("--compiler-options", help="Needed for an NVIDIA accelerator.")
@click.option("--job-name", help="The packaging job's name (one is made if not given).")
@click.option("--description", help="A description of the packaging job.")
@tag_option
@click.option(
    "--download",
    type=click.Path(path_type=Path),
    help="With --wait: save the edge package here (a file, or a folder for it).",
)
@wait_options(default_timeout=3600)
@client_token_option
@output_option
@pass_settings
def package(
    settings: Settings,
    project: str,
    model_version: str,
    component_name: str,
    s3_output: str,
    component_version: str | None,
    component_description: str | None,
    target_device: str | None,
    target_platform: str | None,
    compiler_options: str | None,
    job_name: str | None,
    description: str | None,
    tags: dict[str, str],
    download: Path | None,
    wait: bool,
    timeout: float,
    client_token: str | None,
) -> None:
    """Package a model version as a Greengrass component (an edge package)."""
    from lookout_sdk.records.common import S3Location
    from lookout_sdk.records.enums import TargetDevice
    from lookout_sdk.records.packaging import GreengrassConfiguration, TargetPlatform

    platform = None
    if target_platform:
        parts = target_platform.split("/")
        if len(parts) not in (2, 3):
            raise click.BadParameter(
                "use OS/ARCH or OS/ARCH/ACCELERATOR", param_hint="--target-platform"
            )
        platform = TargetPlatform.from_api(
            dict(zip(("Os", "Arch", "Accelerator"), parts, strict=False))
        )
    configuration = GreengrassConfiguration(
        component_name=component_name,
        s3_output_location=S3Location.from_uri(s3_output),
        component_version=component_version,
        component_description=component_description,
        compiler_options=compiler_options,
        target_device=TargetDevice(target_device) if target_device else None,
        target_platform=platform,
        tags=tags,
    )
    handle = settings.service().project(project)
    poller = handle.model(model_version).package(
        configuration, job_name=job_name, description=description, client_token=client_token
    )
    if not wait:
        if download is not None:
            raise click.UsageError("--download needs --wait")
        emit(poller.record or {"job_name": poller.identity["job"]}, settings.output)
        return
    record = wait_for(settings, poller, timeout)
    result: dict[str, object] = {"job": record}
    if download is not None:
        result["downloaded"] = handle.packaging_job(record.job_name).download(download)
    emit(result, settings.output)


@click.command(name="wait")
@click.argument("token")
@timeout_option(4 * 3600, "Give up after this many seconds (exit code 3).")
@output_option
@pass_settings
def wait_token(settings: Settings, token: str, timeout: float) -> None:
    """Wait for the operation a TOKEN names (printed by an interrupted or timed-out wait)."""
    poller: Poller[Any] = settings.service().resume(token)
    emit(wait_for(settings, poller, timeout), settings.output)
