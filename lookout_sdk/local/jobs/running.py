"""A job as its task sees it: what to do, and fenced transactions for its writes."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from typing import Any

import attrs

from lookout_sdk.local.store.queue import Claim, JobQueue

__all__ = ["Job"]


@attrs.frozen
class Job:
    """A claimed job: what to do, and the queue that fences its writes.

    A task makes every write through :meth:`transaction` or, for its last one,
    :meth:`settle`; both raise :class:`~lookout_sdk.local.store.queue.LeaseLostError`
    when another instance has taken the job over, so a run that lost its lease changes
    nothing.

    Attributes:
        project: the project the job works on.
        target: the dataset type, model version or packaging job name it works on.
        payload: the details the API call queued with the job.
        claim: the claim (job id, owner, attempt).
        queue: the queue holding the job.
    """

    project: str
    target: str
    payload: dict[str, Any]
    claim: Claim
    queue: JobQueue

    @classmethod
    def of(cls, claim: Claim, queue: JobQueue) -> Job:
        """The job ``claim`` holds in ``queue``."""
        return cls(claim.project, claim.target, claim.payload, claim, queue)

    @property
    def key(self) -> str:
        """A name unique to this attempt at this job (for files it writes on the side)."""
        return f"{self.claim.id}-{self.claim.attempt}"

    def transaction(self, *, essential: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        """A transaction that commits only while this attempt still holds the job."""
        return self.queue.fenced(self.claim, essential=essential)

    def settle(self, *, essential: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        """The job's last transaction: its final writes, and the job leaves the queue."""
        return self.queue.fenced(self.claim, finish=True, essential=essential)
