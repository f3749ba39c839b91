"""``lookout datasets``: create from a folder, an S3 prefix or a manifest; inspect; export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from lookout_sdk.cli.options import (
    client_token_option,
    missing_ok_option,
    output_option,
    project_option,
    wait_options,
)
from lookout_sdk.cli.output import emit
from lookout_sdk.cli.settings import Settings, pass_settings
from lookout_sdk.cli.waiting import wait_for

__all__ = ["datasets"]

_TYPES = click.Choice(["train", "test"])


@click.group()
def datasets() -> None:
    """Create datasets from folders, S3 or manifests; inspect and export them."""


def _imported(result: Any) -> dict[str, Any]:
    return {
        "datasets": {kind.value: description for kind, description in result.datasets.items()},
        "manifests": {kind.value: uri for kind, uri in result.manifests.items()},
        "uploaded": len(result.upload.uploaded) if result.upload is not None else 0,
        "skipped": len(result.upload.skipped) if result.upload is not None else 0,
    }


@datasets.command()
@project_option
@click.option(
    "--from-folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder with normal/ and anomaly/ (and masks/), or train/ and test/ of those.",
)
@click.option(
    "--to", "destination", help="With --from-folder: the s3://bucket/prefix/ to upload to."
)
@click.option("--from-s3", "source", help="An s3://bucket/prefix/ in the folder layout.")
@click.option("--manifest", help="With --type: an s3://bucket/key JSON Lines manifest.")
@click.option("--type", "dataset_type", type=_TYPES, help="With --manifest, or alone: empty.")
@click.option(
    "--split",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="Hold out this share of the images, by label, as the test dataset.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split.")
@wait_options(default_timeout=1800)
@client_token_option
@output_option
@pass_settings
def create(
    settings: Settings,
    project: str,
    from_folder: Path | None,
    destination: str | None,
    source: str | None,
    manifest: str | None,
    dataset_type: str | None,
    split: float | None,
    seed: int,
    wait: bool,
    timeout: float,
    client_token: str | None,
) -> None:
    """Create datasets from a folder, an S3 prefix, a manifest, or empty.

    A folder of images is checked, then uploaded; an S3 prefix in the same layout is
    checked where it is. Nothing is uploaded or created if an image is wrong, and both
    wait for the datasets.
    """
    handle = settings.service().project(project)
    sources = [
        name
        for name, value in (
            ("--from-folder", from_folder),
            ("--from-s3", source),
            ("--manifest", manifest),
        )
        if value is not None
    ]
    if len(sources) > 1:
        raise click.UsageError(f"give only one of {', '.join(sources)}")
    if from_folder is not None:
        if not destination:
            raise click.UsageError("--from-folder needs --to s3://bucket/prefix/")
        result = handle.import_folder(
            from_folder,
            destination,
            split=split,
            seed=seed,
            progress=settings.show_progress,
            timeout=timeout,
        )
        emit(_imported(result), settings.output)
        return
    if source is not None:
        result = handle.import_s3(source, split=split, seed=seed, timeout=timeout)
        emit(_imported(result), settings.output)
        return
    if dataset_type is None:
        raise click.UsageError(
            "give --from-folder, --from-s3, or --type (with --manifest or empty)"
        )
    poller = handle.create_dataset(dataset_type, manifest=manifest, client_token=client_token)
    record = (
        wait_for(settings, poller, timeout) if wait else handle.dataset(dataset_type).describe()
    )
    emit(record, settings.output)


@datasets.command()
@project_option
@click.argument("dataset_type", type=_TYPES)
@output_option
@pass_settings
def describe(settings: Settings, project: str, dataset_type: str) -> None:
    """Describe a dataset (status and image counts)."""
    emit(settings.service().project(project).dataset(dataset_type).describe(), settings.output)


@datasets.command()
@project_option
@click.argument("dataset_type", type=_TYPES)
@click.option("--labeled/--unlabeled", default=None, help="Only labelled, or unlabelled, entries.")
@click.option("--anomaly-class", type=click.Choice(["normal", "anomaly"]), help="Only this label.")
@click.option("--before", type=click.DateTime(), help="Only entries created before this time.")
@click.option("--after", type=click.DateTime(), help="Only entries created after this time.")
@click.option("--source-ref-contains", help="Only entries whose image URI contains this.")
@click.option("--max-items", type=click.IntRange(min=1), help="Stop after this many.")
@output_option
@pass_settings
def entries(
    settings: Settings,
    project: str,
    dataset_type: str,
    labeled: bool | None,
    anomaly_class: str | None,
    before: datetime | None,
    after: datetime | None,
    source_ref_contains: str | None,
    max_items: int | None,
) -> None:
    """List a dataset's manifest entries, with any of the service's filters."""
    dataset = settings.service().project(project).dataset(dataset_type)
    listing = dataset.list_entries(
        labeled=labeled,
        anomaly_class=anomaly_class,
        created_before=before,
        created_after=after,
        source_ref_contains=source_ref_contains,
        max_items=max_items,
    )
    emit([entry.data for entry in listing], settings.output)


@datasets.command()
@project_option
@click.argument("dataset_type", type=_TYPES)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@output_option
@pass_settings
def export(settings: Settings, project: str, dataset_type: str, folder: Path) -> None:
    """Download a dataset to FOLDER: its manifest, images and masks."""
    result = settings.service().project(project).dataset(dataset_type).export(folder)
    emit(result, settings.output)


@datasets.command()
@project_option
@click.argument("dataset_type", type=_TYPES)
@wait_options(default_timeout=600)
@missing_ok_option("dataset")
@client_token_option
@output_option
@pass_settings
def delete(
    settings: Settings,
    project: str,
    dataset_type: str,
    wait: bool,
    timeout: float,
    missing_ok: bool,
    client_token: str | None,
) -> None:
    """Delete a dataset."""
    dataset = settings.service().project(project).dataset(dataset_type)
    poller = dataset.delete(missing_ok=missing_ok, client_token=client_token)
    if wait:
        wait_for(settings, poller, timeout)
    emit({"deleted": f"{project}/{dataset_type}"}, settings.output)
