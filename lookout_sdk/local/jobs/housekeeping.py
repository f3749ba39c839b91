"""Housekeeping of a backend instance: leftovers swept on start, and chores while it runs.

On start (:meth:`Housekeeping.on_start`), an instance that finds no other live instance
on its data folder removes what stopped processes left behind: temporary object files
and unindexed object data, training folders of attempts that never settled, staged
manifest lines of jobs that are gone. With another instance running, only files
older than an hour are touched (the object store's own rule), so nothing a live
process is writing disappears.

While it runs, the heartbeat calls :meth:`Housekeeping.beat` (models no longer hosted
are unloaded here; the disk reserve is made again once there is room) and, every few
minutes, :meth:`Housekeeping.round` (ClientToken answers older than
:data:`~lookout_sdk.local.store.tokens.TOKEN_LIFETIME` are deleted, rows of instances
stopped for a day are forgotten, stale staged lines and training folders removed).
"""

from __future__ import annotations

import logging
import re
import shutil
from contextlib import suppress

from lookout_sdk.local.context import Context
from lookout_sdk.local.objects import FolderObjectStore
from lookout_sdk.local.store.database import now
from lookout_sdk.local.store.entries import drop_staged
from lookout_sdk.local.store.queue import Instance, SqliteJobQueue
from lookout_sdk.local.store.tokens import prune_tokens

__all__ = ["Housekeeping"]

_log = logging.getLogger("lookout_sdk.local")
#: How long a stopped instance's row is kept for humans to read, in seconds.
_FORGET_AFTER = 24 * 3600.0
# A training attempt's folder: models/<project>/.<version>.<job>-<attempt>
_ATTEMPT_FOLDER = re.compile(r"\.(\d+)\.(\d+)-(\d+)")


class Housekeeping:
    """The chores of one backend instance on its data folder."""

    def __init__(self, context: Context, queue: SqliteJobQueue, instance: Instance) -> None:
        self.context = context
        self.queue = queue
        self.instance = instance

    def alone(self) -> bool:
        """Whether no other instance holds a live lease on the data folder."""
        row = (
            self.context.store.read()
            .execute(
                "SELECT COUNT(*) FROM instances WHERE id != ? AND lease_until >= ?",
                (self.instance.id, now()),
            )
            .fetchone()
        )
        return int(row[0]) == 0

    def on_start(self) -> None:
        """Sweep what stopped processes left, if no other instance is running."""
        if not self.alone():
            return
        objects = self.context.objects
        if isinstance(objects, FolderObjectStore):
            # A folder store sweeps each bucket when it first opens it, leaving files
            # younger than its sweep age: with no one else writing, none is in flight.
            kept, objects.sweep_age = objects.sweep_age, 0.0
            try:
                objects.list_buckets()
            except Exception as error:  # a sweep must never stop a start
                _log.warning("cannot sweep the object store's leftovers: %s", error)
            finally:
                objects.sweep_age = kept
        self.round()

    def beat(self) -> None:
        """Let go of models no longer hosted (or starting); make the disk reserve again."""
        rows = (
            self.context.store.read()
            .execute(
                "SELECT project, version FROM models WHERE status IN ('HOSTED', 'STARTING_HOSTING')"
            )
            .fetchall()
        )
        self.context.hosted.retain({(row["project"], int(row["version"])) for row in rows})
        self.context.store.reserve.ensure()

    def round(self) -> None:
        """Prune old tokens, forget long-stopped instances, remove stale staged work."""
        with self.context.store.transaction(essential=True) as db:
            pruned = prune_tokens(db)
            drop_staged(db)
        forgotten = self.queue.forget_stopped(now() - _FORGET_AFTER)
        self._sweep_training_folders()
        _log.debug("housekeeping: %d tokens pruned, %d instances forgotten", pruned, forgotten)

    def _sweep_training_folders(self) -> None:
        root = self.context.hosted.root
        if not root.is_dir():
            return
        db = self.context.store.read()
        for project in root.iterdir():
            for folder in project.glob(".*"):
                found = _ATTEMPT_FOLDER.fullmatch(folder.name)
                if found is None:
                    continue
                job, attempt = int(found.group(2)), int(found.group(3))
                row = db.execute(
                    "SELECT 1 FROM jobs WHERE id = ? AND attempt = ? AND state = 'running' "
                    "AND lease_until >= ?",
                    (job, attempt, now()),
                ).fetchone()
                if row is None:  # no live attempt writes it
                    with suppress(OSError):
                        shutil.rmtree(folder)
