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
from collections.abc import Callable
from typing import Any

from lookout_sdk.local import tasks
from lookout_sdk.local.service.context import Context
from lookout_sdk.local.service.jobs import enqueue

__all__ = ["HEAVY", "Worker"]

_log = logging.getLogger("lookout_sdk.local")
HEAVY = frozenset({"train_model", "package_model"})
_TASKS: dict[str, Callable[[Context, str, str, dict[str, Any]], None]] = {
    "import_dataset": tasks.import_dataset,
    "update_dataset": tasks.update_dataset,
    "delete_dataset": tasks.delete_dataset,
    "train_model": tasks.train_model,
    "start_model": tasks.start_model,
    "stop_model": tasks.stop_model,
    "delete_model": tasks.delete_model,
    "package_model": tasks.package_model,
}


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

    def recover(self) -> None:
        """Settle jobs a previous process left running, and reload hosted models."""
        with self.context.store.transaction() as db:
            for job in db.execute("SELECT * FROM jobs WHERE state = 'running'").fetchall():
                if job["kind"] in HEAVY:
                    tasks.interrupted(db, job["kind"], job["project"], job["target"])
                    db.execute("UPDATE jobs SET state = 'done' WHERE id = ?", (job["id"],))
                else:
                    db.execute("UPDATE jobs SET state = 'queued' WHERE id = ?", (job["id"],))
            for model in db.execute("SELECT * FROM models WHERE status = 'HOSTED'").fetchall():
                units = model["max_units"] or model["min_units"] or 1
                db.execute(
                    "UPDATE models SET status = 'STARTING_HOSTING' WHERE project = ? AND version = ?",
                    (model["project"], model["version"]),
                )
                enqueue(db, "start_model", model["project"], str(model["version"]), units=units)

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
        kinds = sorted(HEAVY)
        condition = (
            "" if heavy is None else ("AND kind IN (?, ?)" if heavy else "AND kind NOT IN (?, ?)")
        )
        values = () if heavy is None else tuple(kinds)
        with self.context.store.transaction() as db:
            job = db.execute(
                f"SELECT * FROM jobs WHERE state = 'queued' {condition} ORDER BY id LIMIT 1",
                values,
            ).fetchone()
            if job is not None:
                db.execute("UPDATE jobs SET state = 'running' WHERE id = ?", (job["id"],))
        return job

    def _run(self, job: sqlite3.Row) -> None:
        kind, project, target = job["kind"], job["project"], job["target"]
        _log.info("job %s %s/%s started", kind, project, target)
        try:
            _TASKS[kind](self.context, project, target, json.loads(job["payload"]))
        except Exception:
            _log.exception("job %s %s/%s failed unexpectedly", kind, project, target)
            with self.context.store.transaction() as db:
                tasks.interrupted(db, kind, project, target, reason="failed unexpectedly")
        finally:
            with self.context.store.transaction() as db:
                db.execute("UPDATE jobs SET state = 'done' WHERE id = ?", (job["id"],))
        _log.info("job %s %s/%s finished", kind, project, target)
