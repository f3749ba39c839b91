"""Running out of disk space: one clear error, and a reserve that keeps deletes working.

When the disk holding the data folder fills, SQLite refuses every write, even a
delete: a commit needs room in the write-ahead log before it can free anything. The
backend therefore keeps a *reserve*: a file of a few megabytes (a tenth of a small
disk, 16 MiB at most) made while there is room. Writes that free space or settle work
(deletes, stopping a model, marking a job failed) are *essential*: when free space runs
short they give the reserve up and commit into the room it leaves. While the reserve is
spent, ordinary writes are refused up front with :class:`DiskFullError`, so the room
stays for deletes (the small *upkeep* writes of leases and job claims still go ahead);
once deletes or the operator have freed twice the reserve's size, the reserve is made
again and writes are accepted as before.

Both sides of the backend use the same words: :data:`DISK_FULL_MESSAGE`.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import threading
import uuid
from contextlib import suppress
from pathlib import Path

from lookout_sdk.errors import LookoutError

__all__ = [
    "DISK_FULL_MESSAGE",
    "DiskFullError",
    "DiskReserve",
    "disk_full_message",
    "is_disk_full",
]

_log = logging.getLogger("lookout_sdk.local")

#: What every disk-full answer of the backend says (the Lookout API and S3 alike).
DISK_FULL_MESSAGE = "the disk holding the data folder is full"
#: The largest reserve kept, in bytes.
MAX_RESERVE = 16 * 1024 * 1024
#: The smallest reserve worth keeping, in bytes.
MIN_RESERVE = 256 * 1024
_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_SQLITE_FULL = 13
_SQLITE_IOERR = 10


_ADVICE = "delete models, datasets or objects, or free space on that disk, and retry"


def disk_full_message(detail: str | None = None) -> str:
    """The whole disk-full message: :data:`DISK_FULL_MESSAGE`, ``detail`` and what to do."""
    return f"{DISK_FULL_MESSAGE}{f' ({detail})' if detail else ''}; {_ADVICE}"


class DiskFullError(LookoutError):
    """A write was refused because the disk holding the data folder is full."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(disk_full_message(detail))


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def is_disk_full(error: BaseException, folder: Path | None = None) -> bool:
    """Whether ``error`` means the disk is full (``ENOSPC``, a quota, ``SQLITE_FULL``).

    SQLite reports some out-of-space failures as I/O errors (growing its shared-memory
    index, for one); with ``folder``, an I/O error while that folder's disk has less
    than :data:`MIN_RESERVE` free counts as full too. An error raised ``from`` one of
    these (the object store's ``InsufficientStorage``, say) counts as well.
    """
    found: BaseException | None = error
    for _ in range(8):  # along a short chain of causes
        if found is None:
            return False
        if _says_full(found, folder):
            return True
        found = found.__cause__
    return False


def _says_full(error: BaseException, folder: Path | None) -> bool:
    if isinstance(error, DiskFullError):
        return True
    if isinstance(error, OSError):
        return error.errno in _ERRNOS
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code == _SQLITE_FULL or "database or disk is full" in str(error):
            return True
        if folder is not None and code is not None and code & 0xFF == _SQLITE_IOERR:
            free = _free_bytes(folder)
            return free is not None and free < MIN_RESERVE
    return False


class DiskReserve:
    """A file holding back space in ``folder`` for essential writes on a full disk.

    Several processes may share one data folder, and so one reserve file: whichever
    gives it up frees the space for all, and whichever finds room makes it again.

    Args:
        folder: the data folder (the reserve is a hidden file in it).
        size: the reserve's size in bytes; by default a tenth of the disk, between
            :data:`MIN_RESERVE` and :data:`MAX_RESERVE`.
    """

    FILE = ".lookout-reserve"

    def __init__(self, folder: Path, size: int | None = None) -> None:
        self.folder = folder
        self.path = folder / self.FILE
        if size is None:
            try:
                total = shutil.disk_usage(folder).total
            except OSError:
                total = MAX_RESERVE * 10
            size = max(MIN_RESERVE, min(MAX_RESERVE, total // 10))
        self.size = size
        self._lock = threading.Lock()

    @property
    def held(self) -> bool:
        """Whether the reserve file is in place."""
        return self.path.exists()

    def free_bytes(self) -> int | None:
        """Free space on the disk, in bytes (``None`` if it cannot be read)."""
        return _free_bytes(self.folder)

    def tight(self) -> bool:
        """Whether free space is below the reserve's size."""
        free = self.free_bytes()
        return free is not None and free < self.size

    def ensure(self) -> bool:
        """Make the reserve if it is missing and the disk has twice its size free.

        Returns whether the reserve is in place afterwards.
        """
        with self._lock:
            if self.held:
                return True
            free = self.free_bytes()
            if free is None or free < 2 * self.size:
                return False
            temp = self.folder / f"{self.FILE}.{uuid.uuid4().hex}.tmp"
            try:
                with temp.open("xb") as handle:
                    _allocate(handle.fileno(), self.size)
                os.replace(temp, self.path)
            except OSError as error:
                with suppress(OSError):
                    temp.unlink()
                if not is_disk_full(error):
                    _log.warning("cannot make the disk reserve %s: %s", self.path, error)
                return False
            _log.info("disk reserve of %d bytes in place at %s", self.size, self.path)
            return True

    def release(self) -> bool:
        """Give the reserve up; return whether there was one to give."""
        with self._lock:
            try:
                self.path.unlink()
            except FileNotFoundError:
                return False
            _log.warning(
                "%s: gave up the disk reserve so deletes can still commit", DISK_FULL_MESSAGE
            )
            return True

    def admits(self, *, essential: bool = False, upkeep: bool = False) -> bool:
        """Whether a write may go ahead now; an essential one may spend the reserve.

        An ordinary write is refused while the reserve is spent and has not been made
        again; an essential one gives the reserve up first when free space is short; an
        upkeep write (renewing a lease, claiming a job: a row changed in place) always
        goes ahead but never spends the reserve.
        """
        if essential:
            if self.tight():
                self.release()
            return True
        return upkeep or self.held or self.ensure() or not self.tight()


def _allocate(descriptor: int, size: int) -> None:
    """Give the open file ``size`` bytes of real disk blocks."""
    try:
        os.posix_fallocate(descriptor, 0, size)
    except (AttributeError, OSError) as error:
        if isinstance(error, OSError) and error.errno in _ERRNOS:
            raise
        block = b"\0" * (1024 * 1024)  # no fallocate here: write zeros instead
        written = 0
        while written < size:
            written += os.write(descriptor, block[: size - written])
    os.fsync(descriptor)
