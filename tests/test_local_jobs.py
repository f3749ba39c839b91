"""The job queue: claims are atomic, leases end, takeovers are fenced, orphans adopted."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from lookout_sdk.local.store import SCHEMA_VERSION, Store
from lookout_sdk.local.store.presence import PresenceLock, probe
from lookout_sdk.local.store.queue import (
    Instance,
    LeaseLostError,
    SqliteJobQueue,
    enqueue,
)
from lookout_sdk.records.operations import Operation


def _queue(path: Path, lease: float = 30.0) -> SqliteJobQueue:
    return SqliteJobQueue(Store(path / "lookout.sqlite3"), lease=lease)


def _queue_jobs(queue: SqliteJobQueue, origin: str | None, count: int) -> None:
    with queue.store.transaction() as db:
        for n in range(count):
            enqueue(db, Operation.DELETE_MODEL, "p", str(n), origin=origin)


def test_each_job_is_claimed_once_by_racing_claimers(tmp_path: Path) -> None:
    queues = [_queue(tmp_path) for _ in range(4)]  # four "processes" on one store
    instances = [Instance.here() for _ in queues]
    for queue, instance in zip(queues, instances, strict=True):
        queue.join(instance)
    _queue_jobs(queues[0], None, 200)
    claimed: list[tuple[int, int]] = []
    lock = threading.Lock()

    def claim_all(queue: SqliteJobQueue, instance: Instance) -> None:
        while (claim := queue.claim(instance.id, ("control",), adopt=True)) is not None:
            with lock:
                claimed.append((claim.id, claim.attempt))

    threads = [
        threading.Thread(target=claim_all, args=pair)
        for pair in zip(queues, instances, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(job for job, _ in claimed) == sorted({job for job, _ in claimed})
    assert len(claimed) == 200
    assert {attempt for _, attempt in claimed} == {1}


def test_an_expired_lease_is_taken_over_and_the_late_run_cannot_commit(tmp_path: Path) -> None:
    queue = _queue(tmp_path, lease=0.2)
    slow, quick = Instance.here(), Instance.here()
    queue.join(slow)
    queue.join(quick)
    _queue_jobs(queue, slow.id, 1)
    first = queue.claim(slow.id, ("control",), adopt=True)
    assert first is not None
    # While the lease runs, no one else may take the job.
    assert queue.claim(quick.id, ("control",), adopt=True) is None
    threading.Event().wait(0.3)  # slow stalls: its lease runs out
    second = queue.claim(quick.id, ("control",), adopt=True)
    assert second is not None
    assert (second.id, second.attempt) == (first.id, 2)
    with pytest.raises(LeaseLostError), queue.fenced(first, finish=True) as db:
        db.execute("UPDATE projects SET next_version = 99")  # never committed
    with queue.fenced(second, finish=True):
        pass
    assert queue.pending(slow.id) == queue.pending(quick.id) == 0


def test_renewed_leases_keep_jobs_and_a_reaped_instance_registers_again(tmp_path: Path) -> None:
    queue = _queue(tmp_path, lease=0.3)
    owner, other = Instance.here(), Instance.here()
    queue.join(owner)
    queue.join(other)
    _queue_jobs(queue, owner.id, 1)
    claim = queue.claim(owner.id, ("control",), adopt=True)
    assert claim is not None
    for _ in range(4):
        threading.Event().wait(0.1)
        queue.renew(owner.id)
    assert queue.claim(other.id, ("control",), adopt=True) is None
    with queue.store.transaction() as db:
        db.execute("DELETE FROM instances WHERE id = ?", (owner.id,))
    queue.renew(owner.id)
    row = queue.store.read().execute("SELECT adopts FROM instances WHERE id = ?", (owner.id,))
    assert row.fetchone() is not None


def test_a_short_lived_instance_leaves_orphans_to_a_running_adopter(tmp_path: Path) -> None:
    queue = _queue(tmp_path)
    gone, notebook, command = (
        Instance.here(),
        Instance.here(),
        Instance.here(adopts=False),
    )
    queue.join(gone)
    _queue_jobs(queue, gone.id, 2)
    queue.leave(gone.id)  # its queued jobs are orphans now
    queue.join(notebook)
    queue.join(command)
    _queue_jobs(queue, command.id, 1)
    own = queue.claim(command.id, ("control",), adopt=False)
    assert own is not None
    assert own.origin == command.id
    assert queue.claim(command.id, ("control",), adopt=False) is None  # orphans: not its own
    orphan = queue.claim(notebook.id, ("control",), adopt=True)
    assert orphan is not None
    assert orphan.origin is None
    queue.leave(notebook.id)  # no adopter runs any more: the command adopts too
    assert queue.claim(command.id, ("control",), adopt=False) is not None


def test_a_live_instances_queued_jobs_stay_with_it(tmp_path: Path) -> None:
    queue = _queue(tmp_path)
    notebook, other = Instance.here(), Instance.here()
    queue.join(notebook)
    queue.join(other)
    _queue_jobs(queue, notebook.id, 1)
    assert queue.claim(other.id, ("control", "data", "heavy"), adopt=True) is None
    assert queue.claim(notebook.id, ("control",), adopt=True) is not None


def test_presence_locks_tell_a_stopped_instance_at_once(tmp_path: Path) -> None:
    lock = PresenceLock(tmp_path, "alive")
    assert probe(tmp_path, "alive") is True
    (tmp_path / "stopped.lock").write_bytes(b"")  # a file no process holds
    assert probe(tmp_path, "stopped") is False
    assert not (tmp_path / "stopped.lock").exists()
    assert probe(tmp_path, "unknown") is None
    lock.close()
    assert probe(tmp_path, "alive") is None


def test_reap_ends_the_leases_of_stopped_instances_on_this_host(tmp_path: Path) -> None:
    queue = _queue(tmp_path)
    stopped, me = Instance.here(), Instance.here()
    queue.join(stopped)
    queue.join(me)
    _queue_jobs(queue, stopped.id, 1)
    claim = queue.claim(stopped.id, ("control",), adopt=True)
    assert claim is not None
    queue._held.pop(stopped.id).close()  # its process ends: the kernel drops the lock
    (queue.locks / f"{stopped.id}.lock").write_bytes(b"")
    assert queue.reap(me.id) == [stopped.id]
    taken = queue.claim(me.id, ("control",), adopt=True)
    assert taken is not None
    assert (taken.id, taken.attempt) == (claim.id, 2)


def test_a_version_1_store_is_migrated_and_its_jobs_run(tmp_path: Path) -> None:
    path = tmp_path / "lookout.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.executescript(
            """
            CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
                project TEXT NOT NULL, target TEXT NOT NULL, payload TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'queued', created REAL NOT NULL);
            CREATE TABLE tokens (token TEXT NOT NULL, operation TEXT NOT NULL,
                fingerprint TEXT NOT NULL, status INTEGER NOT NULL, response TEXT NOT NULL,
                created REAL NOT NULL, PRIMARY KEY (token, operation));
            INSERT INTO jobs (kind, project, target, payload, state, created)
                VALUES ('train_model', 'p', '1', '{}', 'running', 0),
                       ('import_dataset', 'p', 'train', '{}', 'queued', 0);
            PRAGMA user_version = 1;
            """
        )
    queue = SqliteJobQueue(Store(path))
    me = Instance.here()
    queue.join(me)
    version = queue.store.read().execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
    heavy = queue.claim(me.id, ("heavy",), adopt=True)
    data = queue.claim(me.id, ("data",), adopt=True)
    assert heavy is not None
    assert heavy.kind == "train_model"
    assert data is not None
    assert data.kind == "import_dataset"


def test_a_job_interrupted_too_often_fails_its_resource_with_a_message(tmp_path: Path) -> None:
    from lookout_sdk import ModelStatus
    from lookout_sdk.local import LocalBackend, connect
    from lookout_sdk.local.jobs.worker import MAX_ATTEMPTS

    backend = LocalBackend(tmp_path / "data", start_worker=False)
    with connect(backend=backend) as service:
        project = service.create_project("flaky")
        project.create_dataset("train").result(timeout=10)
        version = project.create_model(output="s3://bucket/out/").record
        assert version is not None
        with backend.store.transaction() as db:  # three runs were cut short already
            db.execute("UPDATE jobs SET attempt = ?", (MAX_ATTEMPTS,))
        assert backend.worker.run_pending() == 1
        described = project.model(version.version).describe()
    backend.close()
    assert described.status is ModelStatus.TRAINING_FAILED
    assert described.status_message == (
        f"training was interrupted {MAX_ATTEMPTS} times and is not tried again"
    )
