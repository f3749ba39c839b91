"""Dataset jobs: importing a manifest, applying an update, deleting a dataset.

Manifests stream through :class:`~lookout_sdk.local.store.entries.ManifestCheck`, so an
import's memory does not grow with the manifest; the entries are staged under the job's
attempt and applied, all or none, in the job's last (fenced) transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from lookout_sdk.local.context import Context
from lookout_sdk.local.jobs.running import Job
from lookout_sdk.local.objects import parse_uri
from lookout_sdk.local.store.entries import (
    ManifestCheck,
    RawLine,
    apply_staged,
    drop_staged,
    manifest_lines,
)
from lookout_sdk.local.store.queue import LeaseLostError
from lookout_sdk.local.store.space import DiskFullError
from lookout_sdk.local.store.state import dataset_status, set_dataset_status
from lookout_sdk.records.enums import DatasetStatus

__all__ = ["apply_update", "import_manifest", "remove_dataset"]

_log = logging.getLogger("lookout_sdk.local")
#: How many entries a deletion removes per transaction.
_DELETE_BATCH = 5000


def import_manifest(ctx: Context, job: Job) -> None:
    """Read a manifest from the object store into a new dataset, or fail naming bad lines."""
    uri = job.payload["manifest"]
    try:
        bucket, key = parse_uri(uri)
        chunks, _ = ctx.objects.stream(bucket, key)
    except Exception as error:  # any store failure becomes the dataset's status message
        _finish(ctx, job, "CREATE", f"cannot read the manifest {uri}: {error}")
        return
    try:
        message = _check(job, manifest_lines(chunks))
    except (LeaseLostError, DiskFullError):
        raise
    except Exception as error:  # the stream broke off
        message = f"cannot read the manifest {uri}: {error}"
    finally:
        chunks.close()
    _finish(ctx, job, "CREATE", message)


def apply_update(ctx: Context, job: Job) -> None:
    """Apply all changed lines in one transaction, or none of them."""
    changes = str(job.payload["changes"]).encode("utf-8")
    _finish(ctx, job, "UPDATE", _check(job, manifest_lines([changes])))


def _check(job: Job, lines: Iterable[RawLine]) -> str | None:
    with job.transaction() as db:
        drop_staged(db, job.claim.id)  # an earlier attempt's rows
    check = ManifestCheck(job.transaction, job.claim.id, job.claim.attempt)
    for line in lines:
        check.add(line)
    return check.finish()


def _finish(ctx: Context, job: Job, action: str, message: str | None) -> None:
    failed = (
        DatasetStatus.CREATE_FAILED
        if action == "CREATE"
        else DatasetStatus.UPDATE_FAILED_ROLLBACK_COMPLETE
    )
    project, kind = job.project, job.target
    try:
        with job.settle(essential=message is not None) as db:
            if dataset_status(db, project, kind) != f"{action}_IN_PROGRESS":
                return  # deleted meanwhile, or already settled by an earlier run
            if message is not None:
                set_dataset_status(db, project, kind, failed, message)
                return
            apply_staged(db, project, kind, job.claim.id, job.claim.attempt)
            set_dataset_status(db, project, kind, f"{action}_COMPLETE")
    finally:
        try:
            with ctx.store.transaction(essential=True) as db:
                drop_staged(db, job.claim.id)
        except DiskFullError as error:  # housekeeping removes them later
            _log.warning("cannot remove the staged lines of job %s: %s", job.claim.id, error)


def remove_dataset(ctx: Context, job: Job) -> None:
    """Remove a dataset and its entries, a batch of entries per transaction."""
    where = "project = ? AND type = ?"
    keys = (job.project, job.target)
    while True:
        with job.transaction(essential=True) as db:
            removed = db.execute(
                f"DELETE FROM entries WHERE rowid IN (SELECT rowid FROM entries WHERE {where} "
                "LIMIT ?)",
                (*keys, _DELETE_BATCH),
            ).rowcount
        if removed < _DELETE_BATCH:
            break
    with job.settle(essential=True) as db:
        db.execute(f"DELETE FROM entries WHERE {where}", keys)
        db.execute(f"DELETE FROM datasets WHERE {where}", keys)
