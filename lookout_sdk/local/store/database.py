"""The local backend's metadata: one SQLite database in write-ahead-log mode.

Everything the API reports (projects, datasets and their entries, models, packaging
jobs, tags, idempotency tokens) and the queue of background jobs live here. Each API
call runs in one transaction, so a crash leaves either all of a call's writes or none.
The schema carries a version (``PRAGMA user_version``); an older store is migrated
when opened, and opening a store written by a newer version is refused rather than
guessed at.

On a full disk (:mod:`~lookout_sdk.local.store.space`) every write that cannot commit
raises :class:`~lookout_sdk.local.store.space.DiskFullError`, reads keep working, and a
store still opens: an essential write may spend the disk reserve.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from lookout_sdk.errors import LookoutError
from lookout_sdk.local.store.space import DiskFullError, DiskReserve, is_disk_full

__all__ = ["SCHEMA_VERSION", "Store", "StoreVersionError", "now"]

SCHEMA_VERSION = 2

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

# Version 2: jobs have a lane, the instance that queued them (origin), the instance
# running them (owner) with its lease, and an attempt count (the fencing token);
# backend instances register; manifests are staged before they are applied; tokens
# are pruned by age.
_SCHEMA_2 = """
ALTER TABLE jobs ADD COLUMN lane TEXT NOT NULL DEFAULT 'control';
ALTER TABLE jobs ADD COLUMN origin TEXT;
ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until REAL;
ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET lane = 'heavy' WHERE kind IN ('train_model', 'package_model');
UPDATE jobs SET lane = 'data'
    WHERE kind IN ('create_dataset', 'update_dataset', 'import_dataset');
CREATE INDEX IF NOT EXISTS jobs_by_lane ON jobs (lane, state, id);
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner);
CREATE TABLE IF NOT EXISTS instances (
    id TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started REAL NOT NULL,
    lease_until REAL NOT NULL,
    adopts INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS staged_entries (
    job INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    source_ref TEXT NOT NULL,
    line TEXT NOT NULL,
    label TEXT,
    unmasked_anomaly INTEGER NOT NULL DEFAULT 0,
    bad INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job, attempt, line_no)
);
CREATE INDEX IF NOT EXISTS staged_by_source ON staged_entries (job, attempt, source_ref, line_no);
CREATE TABLE IF NOT EXISTS staged_classes (
    job INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    PRIMARY KEY (job, attempt, name)
);
CREATE INDEX IF NOT EXISTS tokens_by_age ON tokens (created);
"""
_MIGRATIONS = {1: _SCHEMA, 2: _SCHEMA_2}


class StoreVersionError(LookoutError, RuntimeError):
    """The store was written by a newer lookout_sdk than this one."""


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


class Store:
    """A thread-safe handle on the backend's SQLite database at ``path``.

    One connection per thread; :meth:`transaction` gives a connection inside an
    immediate transaction (writers queue rather than fail). :attr:`reserve` is the
    disk reserve kept beside the database.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.reserve = DiskReserve(path.parent)
        #: Opened for reads only, because the disk was too full to open it otherwise.
        self.read_only = False
        try:
            self._migrate()
        except DiskFullError:  # the log or its index could not be made: spend the reserve
            self.close()
            if not self.reserve.release():
                self._open_read_only()
                return
            try:
                self._migrate()
            except DiskFullError:
                self.close()
                self._open_read_only()
                return
        self.reserve.ensure()

    def _open_read_only(self) -> None:
        """Serve reads from the database file alone, when the disk cannot hold its index.

        Only safe when the write-ahead log holds nothing the file lacks (the last
        process closed cleanly); then the file is read as it is, and every write is
        refused with :class:`DiskFullError` until the backend is opened again.
        """
        log = self.path.with_name(self.path.name + "-wal")
        if log.exists() and log.stat().st_size > 0:
            raise DiskFullError("the store cannot be opened until space is freed")
        self.read_only = True
        version = int(self.read().execute("PRAGMA user_version").fetchone()[0])
        if version != SCHEMA_VERSION:
            raise DiskFullError("the store needs upgrading, which needs space")

    def _migrate(self) -> None:
        with self.transaction(upkeep=True) as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise StoreVersionError(
                    f"{self.path} has schema version {version}; this lookout_sdk knows "
                    f"{SCHEMA_VERSION}"
                )
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _statements(_MIGRATIONS[step]):
                    db.execute(statement)
            if version != SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            if self.read_only:
                location = f"file:{quote(str(self.path.resolve()))}?immutable=1"
                db = sqlite3.connect(location, uri=True, isolation_level=None)
                db.row_factory = sqlite3.Row
                self._local.db = db
                return db
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                db.row_factory = sqlite3.Row
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
                db.execute("PRAGMA foreign_keys = ON")
            except sqlite3.Error as error:
                db.close()
                if is_disk_full(error, self.path.parent):
                    raise DiskFullError() from error
                raise
            self._local.db = db
        return db

    @contextmanager
    def transaction(
        self, *, essential: bool = False, upkeep: bool = False
    ) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction: committed on success, rolled back on error.

        Args:
            essential: the write frees space or settles work (a delete, a failed job's
                status), so it may spend the disk reserve; ordinary writes are refused
                while the reserve is spent.
            upkeep: a small write that keeps the backend going (a lease, a claim): it
                is tried even while the reserve is spent, without spending it.

        Raises:
            DiskFullError: the disk is full, so the transaction could not commit (it
                was rolled back).
        """
        db = self._connection()
        if db.in_transaction:  # nested use joins the outer transaction
            yield db
            return
        if self.read_only:
            raise DiskFullError("the store is open for reads only until the backend restarts")
        if not self.reserve.admits(essential=essential, upkeep=upkeep):
            raise DiskFullError("writes wait until space is freed")
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                _roll_back(db)
                raise
            db.execute("COMMIT")
        except (sqlite3.Error, OSError) as error:
            _roll_back(db)
            if is_disk_full(error, self.path.parent):
                if essential:
                    self.reserve.release()  # so that trying again can commit
                raise DiskFullError() from error
            raise

    def read(self) -> sqlite3.Connection:
        """A connection for reads outside a transaction."""
        return self._connection()

    def close(self) -> None:
        """Close this thread's connection."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def _roll_back(db: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already (it does on SQLITE_FULL)."""
    if db.in_transaction:
        db.execute("ROLLBACK")


def now() -> float:
    """The current time as Unix seconds, as the API's timestamps are sent."""
    return time.time()
