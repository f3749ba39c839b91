"""Dataset jobs: importing a manifest, applying an update, deleting a dataset."""

from __future__ import annotations

from typing import Any

from lookout_sdk.local.context import Context
from lookout_sdk.local.store.entries import apply_entries, check_lines
from lookout_sdk.local.store.state import dataset_status, set_dataset_status
from lookout_sdk.manifests.entry import ManifestEntry
from lookout_sdk.records.enums import DatasetStatus

__all__ = ["apply_update", "import_manifest", "remove_dataset"]


def import_manifest(ctx: Context, project: str, kind: str, payload: dict[str, Any]) -> None:
    """Read a manifest from the object store into a new dataset, or fail naming bad lines."""
    entries: list[ManifestEntry] = []
    message: str | None
    try:
        text = ctx.objects.read_uri(payload["manifest"]).decode("utf-8")
    except Exception as error:  # any store failure becomes the dataset's status message
        message = f"cannot read the manifest {payload['manifest']}: {error}"
    else:
        entries, message = check_lines(text)
    _finish(ctx, project, kind, "CREATE", (entries, message))


def apply_update(ctx: Context, project: str, kind: str, payload: dict[str, Any]) -> None:
    """Apply all changed lines in one transaction, or none of them."""
    entries, message = check_lines(payload["changes"])
    _finish(ctx, project, kind, "UPDATE", (entries, message))


def _finish(
    ctx: Context,
    project: str,
    kind: str,
    action: str,
    checked: tuple[list[ManifestEntry], str | None],
) -> None:
    entries, message = checked
    failed = (
        DatasetStatus.CREATE_FAILED
        if action == "CREATE"
        else DatasetStatus.UPDATE_FAILED_ROLLBACK_COMPLETE
    )
    with ctx.store.transaction() as db:
        if dataset_status(db, project, kind) != f"{action}_IN_PROGRESS":
            return  # deleted meanwhile, or already settled by an earlier run
        if message is not None:
            set_dataset_status(db, project, kind, failed, message)
            return
        apply_entries(db, project, kind, entries)
        set_dataset_status(db, project, kind, f"{action}_COMPLETE")


def remove_dataset(ctx: Context, project: str, kind: str, payload: dict[str, Any]) -> None:
    """Remove a dataset and its entries."""
    with ctx.store.transaction() as db:
        db.execute("DELETE FROM entries WHERE project = ? AND type = ?", (project, kind))
        db.execute("DELETE FROM datasets WHERE project = ? AND type = ?", (project, kind))
