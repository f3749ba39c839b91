"""The local backend's metadata: one SQLite database in write-ahead-log mode.

Everything the API reports (projects, datasets and their entries, models, packaging
jobs, tags, idempotency tokens) and the queue of background jobs live here. Each API
call runs in one transaction, so a crash leaves either all of a call's writes or none.
The schema carries a version (``PRAGMA user_version``); opening a store written by a
newer version is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lookout_sdk.errors import LookoutError

__all__ = ["SCHEMA_VERSION", "Store", "StoreVersionError"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    name TEXT PRIMARY KEY,
    arn TEXT NOT NULL,
    created REAL NOT NULL,
    next_version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS datasets (
    project TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    status_message TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (project, type)
);
CREATE TABLE IF NOT EXISTS entries (
    project TEXT NOT NULL,
    type TEXT NOT NULL,
    source_ref TEXT NOT NULL,
    line TEXT NOT NULL,
    label TEXT,
    created REAL NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (project, type, source_ref),
    FOREIGN KEY (project, type) REFERENCES datasets(project, type) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS entries_by_seq ON entries (project, type, seq);
CREATE TABLE IF NOT EXISTS models (
    project TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    arn TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    status_message TEXT,
    created REAL NOT NULL,
    output_bucket TEXT NOT NULL,
    output_prefix TEXT,
    kms_key_id TEXT,
    performance TEXT,
    evaluation_manifest TEXT,
    evaluation_result TEXT,
    evaluation_end REAL,
    min_units INTEGER,
    max_units INTEGER,
    PRIMARY KEY (project, version)
);
CREATE TABLE IF NOT EXISTS packaging_jobs (
    project TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    model_version TEXT NOT NULL,
    description TEXT,
    configuration TEXT NOT NULL,
    output TEXT,
    status TEXT NOT NULL,
    status_message TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (project, name)
);
CREATE TABLE IF NOT EXISTS tags (
    arn TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT NOT NULL,
    operation TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (token, operation)
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    project TEXT NOT NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    created REAL NOT NULL
);
"""


class StoreVersionError(LookoutError, RuntimeError):
    """The store was written by a newer lookout_sdk than this one."""


class Store:
    """A thread-safe handle on the backend's SQLite database at ``path``.

    One connection per thread; :meth:`transaction` gives a connection inside an
    immediate transaction (writers queue rather than fail).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self.transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreVersionError(
                    f"{path} has schema version {version}; this lookout_sdk knows {SCHEMA_VERSION}"
                )
        db = self._connection()
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction: committed on success, rolled back on error."""
        db = self._connection()
        if db.in_transaction:  # nested use joins the outer transaction
            yield db
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        """A connection for reads outside a transaction."""
        return self._connection()

    def close(self) -> None:
        """Close this thread's connection."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def now() -> float:
    """The current time as Unix seconds, as the API's timestamps are sent."""
    return time.time()
