"""The local backend's background worker: it carries out queued jobs in order.

Jobs are rows of the store's ``jobs`` table, written in the same transaction as the API
call that asked for them, so an acknowledged call's work is never lost. Two lanes run
side by side: a light one (dataset imports, updates, deletions, hosting) and a heavy one
(training, packaging), so a long training does not hold up starting another model.

After a crash, :meth:`Worker.recover` settles what was running: an interrupted training
becomes TRAINING_FAILED with a message, an interrupted packaging job FAILED, and other
jobs (which are idempotent) run again; models that were hosted are loaded again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from lookout_sdk.local.context import Context
from lookout_sdk.local.jobs import datasets, packaging, serving, training
from lookout_sdk.local.store.queue import enqueue
from lookout_sdk.local.store.state import (
    dataset_status,
    model_status,
    set_dataset_status,
    set_job_status,
    set_model_status,
)
from lookout_sdk.records.enums import DatasetStatus, ModelStatus, PackagingJobStatus
from lookout_sdk.records.operations import Operation

__all__ = ["HEAVY", "Worker", "interrupted", "job_operation"]

_log = logging.getLogger("lookout_sdk.local")
#: Operations whose jobs run in the heavy lane.
HEAVY = frozenset({Operation.TRAIN_MODEL, Operation.PACKAGE_MODEL})
Task = Callable[[Context, str, str, dict[str, Any]], None]
_TASKS: dict[Operation, Task] = {
    Operation.CREATE_DATASET: datasets.import_manifest,
    Operation.UPDATE_DATASET: datasets.apply_update,
    Operation.DELETE_DATASET: datasets.remove_dataset,
    Operation.TRAIN_MODEL: training.run_training,
    Operation.START_MODEL: serving.start_hosting,
    Operation.STOP_MODEL: serving.stop_hosting,
    Operation.DELETE_MODEL: serving.remove_model,
    Operation.PACKAGE_MODEL: packaging.write_edge_package,
}
#: Job kinds stored by earlier versions, which named a dataset import differently.
_OLD_KINDS = {"import_dataset": Operation.CREATE_DATASET}
_DATASET_FAILED: dict[str, DatasetStatus] = {
    DatasetStatus.CREATE_IN_PROGRESS: DatasetStatus.CREATE_FAILED,
    DatasetStatus.UPDATE_IN_PROGRESS: DatasetStatus.UPDATE_FAILED_ROLLBACK_COMPLETE,
}


def job_operation(kind: str) -> Operation:
    """The operation a stored job carries out, from its ``kind`` column."""
    return _OLD_KINDS.get(kind) or Operation(kind)


def interrupted(
    db: sqlite3.Connection,
    kind: Operation,
    project: str,
    target: str,
    reason: str = "was interrupted by a restart",
) -> None:
    """Record that a job did not finish, where its resource shows it."""
    if kind is Operation.TRAIN_MODEL and model_status(db, project, target) == ModelStatus.TRAINING:
        set_model_status(db, project, target, ModelStatus.TRAINING_FAILED, f"training {reason}")
    elif kind is Operation.PACKAGE_MODEL:
        set_job_status(db, project, target, PackagingJobStatus.FAILED, f"packaging {reason}")
    elif (
        kind is Operation.START_MODEL
        and model_status(db, project, target) == ModelStatus.STARTING_HOSTING
    ):
        set_model_status(db, project, target, ModelStatus.HOSTING_FAILED, f"starting {reason}")
    elif kind in (Operation.CREATE_DATASET, Operation.UPDATE_DATASET):
        status = dataset_status(db, project, target)
        if status in _DATASET_FAILED:
            set_dataset_status(db, project, target, _DATASET_FAILED[status], f"the job {reason}")


class Worker:
    """Runs queued jobs on two background threads until :meth:`stop`."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self._wake = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []

    def wake(self) -> None:
        """Tell the lanes that new jobs may be waiting."""
        with self._wake:
            self._wake.notify_all()

    def start(self) -> None:
        """Recover from an earlier run, then start both lanes."""
        self.recover()
        for heavy in (False, True):
            thread = threading.Thread(
                target=self._lane,
                args=(heavy,),
                name=f"lookout-worker-{'heavy' if heavy else 'light'}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current jobs and stop."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def pending(self) -> int:
        """How many jobs are queued or running."""
        row = (
            self.context.store.read()
            .execute("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')")
            .fetchone()
        )
        return int(row[0])

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until no job is queued or running; ``False`` if ``timeout`` came first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.pending():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            with self._wake:
                self._wake.wait(timeout=0.05)
        return True

    def recover(self) -> None:
        """Settle jobs a previous process left running, and reload hosted models."""
        with self.context.store.transaction() as db:
            for job in db.execute("SELECT * FROM jobs WHERE state = 'running'").fetchall():
                operation = job_operation(job["kind"])
                if operation in HEAVY:
                    interrupted(db, operation, job["project"], job["target"])
                    db.execute("DELETE FROM jobs WHERE id = ?", (job["id"],))
                else:
                    db.execute("UPDATE jobs SET state = 'queued' WHERE id = ?", (job["id"],))
            for model in db.execute("SELECT * FROM models WHERE status = 'HOSTED'").fetchall():
                units = model["max_units"] or model["min_units"] or 1
                set_model_status(
                    db, model["project"], model["version"], ModelStatus.STARTING_HOSTING
                )
                enqueue(
                    db, Operation.START_MODEL, model["project"], str(model["version"]), units=units
                )

    def run_pending(self) -> int:
        """Run every queued job in this thread (for tests and tools); return how many ran."""
        count = 0
        while (job := self._claim(heavy=None)) is not None:
            self._run(job)
            count += 1
        return count

    def _lane(self, heavy: bool) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
            job = self._claim(heavy)
            if job is None:
                with self._wake:
                    if not self._stopping:
                        self._wake.wait(timeout=1.0)
                continue
            self._run(job)

    def _claim(self, heavy: bool | None) -> sqlite3.Row | None:
        kinds = sorted(operation.value for operation in HEAVY)
        condition = (
            "" if heavy is None else ("AND kind IN (?, ?)" if heavy else "AND kind NOT IN (?, ?)")
        )
        values = () if heavy is None else tuple(kinds)
        with self.context.store.transaction() as db:
            job: sqlite3.Row | None = db.execute(
                f"SELECT * FROM jobs WHERE state = 'queued' {condition} ORDER BY id LIMIT 1",
                values,
            ).fetchone()
            if job is not None:
                db.execute("UPDATE jobs SET state = 'running' WHERE id = ?", (job["id"],))
        return job

    def _run(self, job: sqlite3.Row) -> None:
        kind, project, target = job_operation(job["kind"]), job["project"], job["target"]
        _log.info("job %s %s/%s started", kind, project, target)
        try:
            _TASKS[kind](self.context, project, target, json.loads(job["payload"]))
        except Exception:
            _log.exception("job %s %s/%s failed unexpectedly", kind, project, target)
            with self.context.store.transaction() as db:
                interrupted(db, kind, project, target, reason="failed unexpectedly")
        finally:
            with self.context.store.transaction() as db:
                db.execute("DELETE FROM jobs WHERE id = ?", (job["id"],))
            self.wake()  # for drain(), and for jobs this one made possible
        _log.info("job %s %s/%s finished", kind, project, target)
