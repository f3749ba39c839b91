"""The queue of background work: jobs with owners and leases, shared by many processes.

Several backend *instances* (processes, or backends opened twice in one process) may
work on one data folder. Each registers with a lease it renews while it runs. A job is
queued in the same transaction as the API call that asks for it, naming the instance
that queued it (its *origin*); it is then *claimed* by exactly one instance, which
becomes its *owner* and holds a lease on it, renewed with the instance's own.

Which instance runs which job:

* An instance runs the jobs it queued itself: a notebook's training runs in the
  notebook, with the engine it chose, and a command that waits for its work waits for
  work it does itself.
* A job whose origin is gone (closed, or its lease ran out) is an *orphan*; instances
  that *adopt* (a notebook, ``lookout serve``) claim orphans, oldest first. Short-lived
  processes (``lookout --local DIR ...``) do not while an adopting instance runs on the
  folder, so a one-off ``describe`` never starts or steals a notebook's work; with none
  running, they adopt too (and finish what they took before they exit), so work left
  by an interrupted command is not stranded.
* A running job whose owner's lease ran out is *taken over* the same way (by its
  origin, or by an instance that may adopt): the job runs again, under a new attempt
  number. On one machine a stopped owner is noticed at once
  (:mod:`~lookout_sdk.local.store.presence`); elsewhere when its lease ends.

Every claim raises the job's attempt number, which *fences* its writes: a job's final
writes and the removal of its row happen in one transaction that first checks the job
is still held under that attempt (:meth:`SqliteJobQueue.fenced`). A run whose lease was
taken over, however late it wakes, cannot commit, so a job's effects happen once.

:class:`JobQueue` is the interface a store offers; :class:`SqliteJobQueue` implements it
on the SQLite store (claims are serialised by ``BEGIN IMMEDIATE``). A PostgreSQL store
implements the same operations with ``SELECT ... FOR UPDATE SKIP LOCKED`` in
:meth:`~JobQueue.claim` and ``now() + interval`` leases; nothing above the store changes.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

import attrs

from lookout_sdk.errors import LookoutError
from lookout_sdk.local.store.database import Store, now
from lookout_sdk.local.store.presence import PresenceLock, probe
from lookout_sdk.records.operations import Operation

__all__ = [
    "LANES",
    "LEASE_SECONDS",
    "Claim",
    "Instance",
    "JobQueue",
    "LeaseLostError",
    "SqliteJobQueue",
    "enqueue",
    "lane_of",
]

#: How long a lease lasts unless renewed, in seconds (renewed every third of that).
LEASE_SECONDS = 30.0
#: The lanes jobs run in, each on its own thread per instance: quick control work
#: (hosting, deletions), dataset imports and updates (which read and check manifests),
#: and heavy work (training, packaging).
LANES = ("control", "data", "heavy")
_LANE_OF: Mapping[Operation, str] = {
    Operation.CREATE_DATASET: "data",
    Operation.UPDATE_DATASET: "data",
    Operation.TRAIN_MODEL: "heavy",
    Operation.PACKAGE_MODEL: "heavy",
}


def lane_of(kind: Operation) -> str:
    """The lane a job of ``kind`` runs in."""
    return _LANE_OF.get(kind, "control")


def enqueue(
    db: sqlite3.Connection,
    kind: Operation,
    project: str,
    target: str,
    *,
    origin: str | None,
    **payload: Any,
) -> None:
    """Queue a job inside the caller's transaction: it exists exactly if the call does.

    ``kind`` is the operation the job carries out (stored as its name); ``origin`` is
    the instance that queues it, which runs it while it lives (``None``: any adopting
    instance may).
    """
    db.execute(
        "INSERT INTO jobs (kind, lane, project, target, payload, created, origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (kind.value, lane_of(kind), project, target, json.dumps(payload), now(), origin),
    )


class LeaseLostError(LookoutError):
    """The job is no longer held under this attempt: another instance took it over."""


@attrs.frozen
class Instance:
    """A backend instance: a unique id, and the process and host it runs in (for humans)."""

    id: str
    pid: int
    host: str
    started: float
    #: Whether it runs orphaned jobs (see the module notes).
    adopts: bool = True

    @classmethod
    def here(cls, *, adopts: bool = True) -> Instance:
        """A new instance of this process."""
        return cls(uuid.uuid4().hex, os.getpid(), socket.gethostname(), now(), adopts)


@attrs.frozen
class Claim:
    """A job an instance holds: what to do, and the attempt that fences its writes."""

    id: int
    kind: str
    lane: str
    project: str
    target: str
    payload: dict[str, Any]
    owner: str
    attempt: int
    origin: str | None


class JobQueue(Protocol):
    """What a store offers the worker: registering instances, claiming and fencing jobs.

    Every method is atomic on its own; :meth:`fenced` joins the caller's writes to the
    check that the job is still held.
    """

    lease: float

    def join(self, instance: Instance) -> None:
        """Register ``instance`` with a fresh lease."""
        ...

    def leave(self, instance: str) -> None:
        """Unregister; the jobs it queued but did not start become orphans."""
        ...

    def renew(self, instance: str) -> None:
        """Extend the instance's lease and those of the jobs it owns."""
        ...

    def reap(self, instance: str) -> list[str]:
        """End at once the leases of instances known to have stopped; return their ids."""
        ...

    def claim(self, instance: str, lanes: Sequence[str], *, adopt: bool) -> Claim | None:
        """Take the oldest job ``instance`` may run in ``lanes``, or ``None``.

        ``adopt``: whether the instance adopts orphans even while other adopting
        instances run.

        One claimer wins: in SQLite under ``BEGIN IMMEDIATE``; in PostgreSQL with
        ``SELECT ... FOR UPDATE SKIP LOCKED`` so claimers never wait on each other.
        """
        ...

    def fenced(
        self, claim: Claim, *, finish: bool = False, essential: bool = False
    ) -> AbstractContextManager[sqlite3.Connection]:
        """A transaction that runs only while ``claim`` still holds its job.

        With ``finish`` the job's row is removed in the same transaction.

        Raises:
            LeaseLostError: another instance has taken the job over.
        """
        ...

    def finish(self, claim: Claim) -> None:
        """Remove the job if ``claim`` still holds it (a task that settled has done so)."""
        ...

    def pending(self, instance: str) -> int:
        """How many jobs ``instance`` queued or owns that have not finished."""
        ...


_CLAIMABLE = """
WITH adopting (yes) AS (
    SELECT :adopt OR NOT EXISTS (
        SELECT 1 FROM instances WHERE adopts = 1 AND id != :me AND lease_until >= :now)
)
SELECT id FROM jobs, adopting
WHERE lane IN (SELECT value FROM json_each(:lanes)) AND (
    (state = 'queued' AND (origin = :me OR (adopting.yes AND (origin IS NULL OR origin NOT IN (
        SELECT id FROM instances WHERE lease_until >= :now)))))
    OR (state = 'running' AND COALESCE(lease_until, 0) < :now
        AND (adopting.yes OR origin = :me OR owner = :me))
)
ORDER BY id LIMIT 1
"""


class SqliteJobQueue:
    """:class:`JobQueue` on the SQLite store, with presence locks beside the database."""

    def __init__(self, store: Store, *, lease: float = LEASE_SECONDS) -> None:
        self.store = store
        self.lease = lease
        self.locks = store.path.parent / "instances"
        self._held: dict[str, PresenceLock] = {}
        self._joined: dict[str, Instance] = {}
        self._host = socket.gethostname()

    def join(self, instance: Instance) -> None:
        """Register ``instance`` with a fresh lease, holding its presence lock."""
        if instance.id not in self._held:
            self._held[instance.id] = PresenceLock(self.locks, instance.id)
        with self.store.transaction(upkeep=True) as db:
            db.execute(
                "INSERT OR REPLACE INTO instances (id, pid, host, started, lease_until, adopts) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    instance.id,
                    instance.pid,
                    instance.host,
                    instance.started,
                    now() + self.lease,
                    int(instance.adopts),
                ),
            )
            self._joined[instance.id] = instance

    def leave(self, instance: str) -> None:
        """Unregister; the jobs it queued but did not start become orphans."""
        try:
            with self.store.transaction(upkeep=True) as db:
                db.execute(
                    "UPDATE jobs SET origin = NULL WHERE origin = ? AND state = 'queued'",
                    (instance,),
                )
                db.execute("DELETE FROM instances WHERE id = ?", (instance,))
        finally:
            self._joined.pop(instance, None)
            lock = self._held.pop(instance, None)
            if lock is not None:
                lock.close()

    def renew(self, instance: str) -> None:
        """Extend the instance's lease and its jobs' leases (re-registering if reaped)."""
        until = now() + self.lease
        with self.store.transaction(upkeep=True) as db:
            found = db.execute(
                "UPDATE instances SET lease_until = ? WHERE id = ?", (until, instance)
            ).rowcount
            if not found:  # reaped while it was stalled: register again
                joined = self._joined.get(instance) or Instance(
                    instance, os.getpid(), self._host, now()
                )
                db.execute(
                    "INSERT INTO instances (id, pid, host, started, lease_until, adopts) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (instance, joined.pid, joined.host, joined.started, until, int(joined.adopts)),
                )
            db.execute(
                "UPDATE jobs SET lease_until = ? WHERE owner = ? AND state = 'running'",
                (until, instance),
            )

    def reap(self, instance: str) -> list[str]:
        """End the leases of instances on this host whose presence lock is free."""
        rows = (
            self.store.read()
            .execute(
                "SELECT id FROM instances WHERE host = ? AND id != ? AND lease_until >= ?",
                (self._host, instance, now()),
            )
            .fetchall()
        )
        gone = [row["id"] for row in rows if probe(self.locks, row["id"]) is False]
        if gone:
            with self.store.transaction(upkeep=True) as db:
                for stopped in gone:
                    db.execute("UPDATE instances SET lease_until = 0 WHERE id = ?", (stopped,))
                    db.execute(
                        "UPDATE jobs SET lease_until = 0 WHERE owner = ? AND state = 'running'",
                        (stopped,),
                    )
        return gone

    def claim(self, instance: str, lanes: Sequence[str], *, adopt: bool) -> Claim | None:
        """Take the oldest job ``instance`` may run in ``lanes`` (see the module notes).

        An idle poll only reads; the write lock is taken once there is a job to claim,
        and the choice is made again under it.
        """
        values = {"lanes": json.dumps(list(lanes)), "me": instance, "adopt": int(adopt)}
        if self.store.read().execute(_CLAIMABLE, {**values, "now": now()}).fetchone() is None:
            return None
        with self.store.transaction(upkeep=True) as db:
            stamp = now()
            row = db.execute(_CLAIMABLE, {**values, "now": stamp}).fetchone()
            if row is None:
                return None
            job = db.execute(
                "UPDATE jobs SET state = 'running', owner = ?, lease_until = ?, "
                "attempt = attempt + 1 WHERE id = ? RETURNING *",
                (instance, stamp + self.lease, row["id"]),
            ).fetchone()
        return Claim(
            id=job["id"],
            kind=job["kind"],
            lane=job["lane"],
            project=job["project"],
            target=job["target"],
            payload=json.loads(job["payload"]),
            owner=instance,
            attempt=job["attempt"],
            origin=job["origin"],
        )

    @contextmanager
    def fenced(
        self, claim: Claim, *, finish: bool = False, essential: bool = False
    ) -> Iterator[sqlite3.Connection]:
        """A transaction that runs only while ``claim`` still holds its job.

        Raises:
            LeaseLostError: another instance has taken the job over.
        """
        with self.store.transaction(essential=essential) as db:
            held = db.execute(
                "SELECT 1 FROM jobs WHERE id = ? AND owner = ? AND attempt = ?",
                (claim.id, claim.owner, claim.attempt),
            ).fetchone()
            if held is None:
                raise LeaseLostError(
                    f"job {claim.id} ({claim.kind} {claim.project}/{claim.target}) was taken "
                    f"over by another instance; attempt {claim.attempt} is discarded"
                )
            yield db
            if finish:
                db.execute("DELETE FROM jobs WHERE id = ?", (claim.id,))

    def finish(self, claim: Claim) -> None:
        """Remove the job if ``claim`` still holds it (a task that settled has done so)."""
        with self.store.transaction(essential=True) as db:
            db.execute(
                "DELETE FROM jobs WHERE id = ? AND owner = ? AND attempt = ?",
                (claim.id, claim.owner, claim.attempt),
            )

    def pending(self, instance: str) -> int:
        """How many jobs ``instance`` queued or owns that have not finished."""
        row = (
            self.store.read()
            .execute(
                "SELECT COUNT(*) FROM jobs WHERE origin = ? OR owner = ?", (instance, instance)
            )
            .fetchone()
        )
        return int(row[0])

    def forget_stopped(self, older_than: float) -> int:
        """Remove the rows of instances whose lease ended before ``older_than``."""
        with self.store.transaction(essential=True) as db:
            return int(
                db.execute("DELETE FROM instances WHERE lease_until < ?", (older_than,)).rowcount
            )
