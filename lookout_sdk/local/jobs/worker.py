"""The local backend's background worker: lanes that claim and run jobs, and a heartbeat.

Jobs are rows of the store's ``jobs`` table, written in the same transaction as the API
call that asked for them, so an acknowledged call's work is never lost. Each backend
instance runs three lanes side by side (:data:`~lookout_sdk.local.store.queue.LANES`):
quick control work, dataset imports and updates, and heavy work, so a long training
does not hold up starting another model and checking a large manifest does not hold up
a deletion. A heartbeat thread renews the instance's lease and those of its jobs, ends
the leases of instances on this machine that have stopped, and runs housekeeping.

Which instance runs which job, and how a job that lost its owner is taken over, is
described in :mod:`lookout_sdk.local.store.queue`. A job taken over runs again under a
new attempt; one that has been interrupted :data:`MAX_ATTEMPTS` times fails its
resource with a message instead. Opening a backend never touches another live
instance's jobs.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Protocol

from lookout_sdk.local.context import Context
from lookout_sdk.local.jobs import datasets, packaging, serving, training
from lookout_sdk.local.jobs.running import Job
from lookout_sdk.local.store.queue import LANES, Claim, Instance, JobQueue, LeaseLostError
from lookout_sdk.local.store.space import DISK_FULL_MESSAGE, is_disk_full
from lookout_sdk.local.store.state import (
    dataset_status,
    model_status,
    set_dataset_status,
    set_job_status,
    set_model_status,
)
from lookout_sdk.records.enums import DatasetStatus, ModelStatus, PackagingJobStatus
from lookout_sdk.records.operations import Operation

__all__ = ["HOUSEKEEPING_EVERY", "MAX_ATTEMPTS", "Chores", "Worker", "interrupted", "job_operation"]

_log = logging.getLogger("lookout_sdk.local")
#: How many times a job whose failure shows on its resource is tried before it fails.
MAX_ATTEMPTS = 3
#: Seconds between housekeeping rounds of the heartbeat.
HOUSEKEEPING_EVERY = 600.0
#: Seconds a lane waits after a failed claim (a full disk, say) before trying again.
_BACK_OFF = 5.0
Task = Callable[[Context, Job], None]
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
#: Jobs that can fail their resource; the others (stopping, deleting) retry until done.
_CAPPED = frozenset(
    {
        Operation.CREATE_DATASET,
        Operation.UPDATE_DATASET,
        Operation.TRAIN_MODEL,
        Operation.START_MODEL,
        Operation.PACKAGE_MODEL,
    }
)
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


class Chores(Protocol):
    """What the heartbeat does besides renewing leases."""

    def beat(self) -> None:
        """Quick chores, at every beat."""
        ...

    def round(self) -> None:
        """Slower chores, every :data:`HOUSEKEEPING_EVERY` seconds."""
        ...


class Worker:
    """Runs this instance's jobs on one thread per lane, with a heartbeat, until :meth:`stop`.

    Args:
        context: what the jobs work with.
        queue: the store's job queue.
        instance: this backend instance (a new one by default).
        adopt: also run orphaned jobs and take over expired ones (see
            :mod:`~lookout_sdk.local.store.queue`); ``False`` for short-lived processes.
        housekeeping: the chores the heartbeat runs.
    """

    def __init__(
        self,
        context: Context,
        queue: JobQueue,
        instance: Instance | None = None,
        *,
        adopt: bool = True,
        housekeeping: Chores | None = None,
    ) -> None:
        self.context = context
        self.queue = queue
        self.instance = instance or Instance.here()
        self.adopt = adopt
        self._housekeeping = housekeeping
        self._wake = threading.Condition()
        self._stopping = False
        self._joined = False
        self._lanes: list[threading.Thread] = []
        self._heartbeat: threading.Thread | None = None
        self._unsettled: list[tuple[Job, Operation, str]] = []
        self._unsettled_lock = threading.Lock()

    # ------------------------------------------------------------------ life cycle

    def recover(self) -> None:
        """Register this instance, and end the leases of instances that have stopped.

        Their jobs are then claimed like any other (and run again); nothing of a live
        instance is touched.
        """
        try:
            self.queue.join(self.instance)
            self._joined = True
            gone = self.queue.reap(self.instance.id)
        except Exception as error:  # a full disk: the heartbeat tries again
            _log.warning("cannot register backend instance %s: %s", self.instance.id, error)
            return
        if gone:
            _log.info("backend instances %s have stopped; their jobs are taken over", gone)

    def start(self) -> None:
        """Register (unless :meth:`recover` did), then start the lanes and the heartbeat."""
        if not self._joined:
            self.recover()
        for lane in LANES:
            thread = threading.Thread(
                target=self._lane, args=(lane,), name=f"lookout-worker-{lane}", daemon=True
            )
            thread.start()
            self._lanes.append(thread)
        self._heartbeat = threading.Thread(
            target=self._beat, name="lookout-worker-heartbeat", daemon=True
        )
        self._heartbeat.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming jobs, wait up to ``timeout`` for the running ones, and unregister.

        A job still running after ``timeout`` keeps its lease (the heartbeat lives on
        until it ends), so no other instance starts it a second time meanwhile.
        """
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._lanes:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._heartbeat is None:
            self._leave()
        elif not any(thread.is_alive() for thread in self._lanes):
            self._heartbeat.join(max(0.1, deadline - time.monotonic()))

    def _leave(self) -> None:
        if not self._joined:
            return
        self._joined = False
        try:
            self.queue.leave(self.instance.id)
        except Exception as error:  # its lease ends on its own
            _log.warning("cannot unregister backend instance %s: %s", self.instance.id, error)

    def wake(self) -> None:
        """Tell the lanes that new jobs may be waiting."""
        with self._wake:
            self._wake.notify_all()

    def pending(self) -> int:
        """How many jobs this instance queued or runs that have not finished."""
        return self.queue.pending(self.instance.id)

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until :meth:`pending` is 0; ``False`` if ``timeout`` came first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.pending():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            with self._wake:
                self._wake.wait(timeout=0.05)
        return True

    def run_pending(self) -> int:
        """Run every job this instance may claim, in this thread; return how many ran."""
        count = 0
        while (claim := self.queue.claim(self.instance.id, LANES, adopt=self.adopt)) is not None:
            self._run(claim)
            count += 1
        return count

    # ------------------------------------------------------------------ threads

    def _idle(self, seconds: float) -> bool:
        """Wait for a wake-up or ``seconds``; whether the worker is stopping."""
        with self._wake:
            if not self._stopping:
                self._wake.wait(timeout=seconds)
            return self._stopping

    def _lane(self, lane: str) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
            try:
                claim = self.queue.claim(self.instance.id, (lane,), adopt=self.adopt)
            except Exception as error:  # a full disk, a locked store: try again later
                _log.warning("lane %s cannot claim a job: %s", lane, error)
                self._idle(_BACK_OFF)
                continue
            if claim is None:
                self._idle(1.0)
                continue
            self._run(claim)

    def _beat(self) -> None:
        every = self.queue.lease / 3
        next_housekeeping = time.monotonic() + HOUSEKEEPING_EVERY  # a round ran on start
        while True:
            if self._idle(every):  # stopping: wait for the lanes, renewing meanwhile
                deadline = time.monotonic() + every
                for thread in self._lanes:
                    thread.join(max(0.0, deadline - time.monotonic()))
                if not any(thread.is_alive() for thread in self._lanes):
                    self._leave()
                    return
            try:
                if not self._joined:
                    self.recover()
                self.queue.renew(self.instance.id)
                if self.queue.reap(self.instance.id):
                    self.wake()
                self._settle_again()
                if self._housekeeping is not None:
                    self._housekeeping.beat()
                    if time.monotonic() >= next_housekeeping:
                        next_housekeeping = time.monotonic() + HOUSEKEEPING_EVERY
                        self._housekeeping.round()
            except Exception as error:  # keep beating: a full disk may clear
                _log.warning("the worker's heartbeat failed: %s", error)

    # ------------------------------------------------------------------ running a job

    def _run(self, claim: Claim) -> None:
        kind = job_operation(claim.kind)
        job = Job.of(claim, self.queue)
        name = f"{kind.value} {claim.project}/{claim.target}"
        if kind in _CAPPED and claim.attempt > MAX_ATTEMPTS:
            times = claim.attempt - 1
            self._give_up(job, kind, f"was interrupted {times} times and is not tried again")
            return
        _log.info(
            "job %s started (job %d, attempt %d, instance %s)",
            name,
            claim.id,
            claim.attempt,
            self.instance.id,
        )
        try:
            _TASKS[kind](self.context, job)
        except LeaseLostError as lost:
            _log.warning("%s", lost)
            return
        except Exception as error:
            if is_disk_full(error):
                reason = f"stopped: {DISK_FULL_MESSAGE}"
            else:
                _log.exception("job %s failed unexpectedly", name)
                reason = f"failed unexpectedly: {error}"
            self._give_up(job, kind, reason)
            return
        finally:
            self.wake()  # for drain(), and for jobs this one made possible
        try:
            self.queue.finish(claim)  # a task that returned early has not settled
        except Exception as error:
            _log.warning("cannot remove finished job %d: %s", claim.id, error)
        _log.info("job %s finished (job %d)", name, claim.id)

    def _give_up(self, job: Job, kind: Operation, reason: str) -> None:
        """Fail the job's resource with ``reason`` and drop the job (later, if it cannot now)."""
        try:
            with job.settle(essential=True) as db:
                interrupted(db, kind, job.project, job.target, reason=reason)
        except LeaseLostError:
            return
        except Exception as error:
            _log.warning("cannot settle job %d yet: %s", job.claim.id, error)
            with self._unsettled_lock:
                self._unsettled.append((job, kind, reason))
        self.wake()

    def _settle_again(self) -> None:
        with self._unsettled_lock:
            waiting, self._unsettled = self._unsettled, []
        for job, kind, reason in waiting:
            self._give_up(job, kind, reason)
