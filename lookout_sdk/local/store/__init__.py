"""The local backend's state: one SQLite database, and the rows every layer reads and writes.

:class:`Store` is the database handle; :mod:`~lookout_sdk.local.store.state` reads and
sets the statuses of datasets, models and packaging jobs;
:mod:`~lookout_sdk.local.store.entries` checks and writes dataset entries;
:mod:`~lookout_sdk.local.store.queue` queues background jobs in the caller's transaction.
"""

from __future__ import annotations

from lookout_sdk.local.store.database import SCHEMA_VERSION, Store, StoreVersionError, now

__all__ = ["SCHEMA_VERSION", "Store", "StoreVersionError", "now"]
