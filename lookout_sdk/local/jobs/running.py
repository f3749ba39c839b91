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
    """A claimed job: its project, target and payload, and the queue that fences it.

    A task makes every write through :meth:`transaction` or, for its last one,
    :meth:`settle`; both raise :class:`~lookout_sdk.local.store.queue.LeaseLostError` when
    another instance has taken the job over, so a run that lost its lease changes
    nothing.
    """

    claim: Claim
    queue: JobQueue

    @property
    def project(self) -> str:
        """The project the job works on."""
        return self.claim.project

    @property
    def target(self) -> str:
        """The dataset type, model version or packaging job name the job works on."""
        return self.claim.target

    @property
    def payload(self) -> dict[str, Any]:
        """The details the API call queued with the job."""
        return self.claim.payload

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
