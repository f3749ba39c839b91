"""Knowing at once that a process on this machine has stopped: advisory file locks.

Each backend instance holds an exclusive ``flock`` on its own file in a folder beside
the database for as long as it runs. The kernel drops the lock when the process ends,
however it ends (``kill -9`` included), so another process that can take the lock knows
the instance is gone without waiting for its lease to run out. Leases stay the rule;
the locks only shorten the wait on one machine. Where ``fcntl`` is missing (Windows),
:func:`probe` knows nothing and leases alone decide.
"""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from pathlib import Path
from typing import IO

if sys.platform != "win32":
    import fcntl

__all__ = ["PresenceLock", "probe"]


def _lock_path(folder: Path, name: str) -> Path:
    return folder / f"{name}.lock"


class PresenceLock:
    """An exclusive lock on ``<folder>/<name>.lock``, held until :meth:`close`."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = _lock_path(folder, name)
        self._handle: IO[bytes] | None = None
        if sys.platform == "win32":
            return
        folder.mkdir(parents=True, exist_ok=True)
        # Locked under a temporary name and then renamed, so no one can find the file
        # unlocked and take its owner for gone.
        temp = folder / f".{name}.{os.getpid()}.tmp"
        handle = temp.open("wb")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.replace(temp, self.path)
        except BaseException:
            handle.close()
            with suppress(OSError):
                temp.unlink()
            raise
        self._handle = handle

    def close(self) -> None:
        """Remove the file and drop the lock (idempotent)."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        with suppress(OSError):
            self.path.unlink()
        handle.close()


def probe(folder: Path, name: str) -> bool | None:
    """Whether the instance ``name`` still runs.

    ``False`` if its lock is free (it has stopped; its file is then removed), ``True``
    if held, ``None`` if this cannot be told (no file, or no ``fcntl``).
    """
    if sys.platform == "win32":
        return None
    path = _lock_path(folder, name)
    try:
        handle = path.open("rb+")
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return None
        with suppress(OSError):
            path.unlink()
        return False
