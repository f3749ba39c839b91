"""The HTTP server's limits and timeouts: well above ordinary load, well below starvation.

A connection costs the server one file descriptor and a few kilobytes while it waits
(no thread: requests are read by the event loop, and a thread runs only once a request
has arrived whole). What keeps idle, slow and half-open connections from crowding out
real clients is that each kind of wait has a deadline and the count has a ceiling far
above what ordinary clients open.
"""

from __future__ import annotations

import logging

import attrs

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_OBJECT_BYTES", "ServerLimits", "raise_open_files"]

_log = logging.getLogger("lookout_sdk.local")

#: The largest Lookout for Vision request body accepted by default (64 MiB; the API's
#: own largest, UpdateDatasetEntries, is about 14 MB once base64-encoded).
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
#: The largest S3 request body accepted by default (512 MiB, one PutObject or
#: UploadPart; larger files go up in parts). Bodies are spooled to disk past 1 MiB.
DEFAULT_MAX_OBJECT_BYTES = 512 * 1024 * 1024


@attrs.frozen
class ServerLimits:
    """How long the server waits for each part of a request, and how much it takes.

    Attributes:
        idle_timeout: seconds a connection may stay open with no request in progress
            (a fresh one, or a kept-alive one between requests); then it is closed.
        header_timeout: seconds from a request's first byte to the end of its headers;
            then it is answered 408 (S3: 400 ``RequestTimeout``) and closed.
        body_timeout: seconds the server waits for the next bytes of a body.
        write_timeout: seconds the server waits for a client to take the next bytes of
            a response before giving up on it.
        max_connections: open connections at most; past it, the connection that has
            waited longest without sending a whole request is closed to make room.
        max_header_bytes: the largest request line plus headers.
        max_body_bytes: the largest Lookout for Vision request body.
        max_object_bytes: the largest S3 request body.
        spool_bytes: bodies larger than this wait on disk, not in memory.
        threads: threads running the application (requests in progress at once).
        backlog: connections the kernel queues before the server accepts them.
    """

    idle_timeout: float = 20.0
    header_timeout: float = 20.0
    body_timeout: float = 30.0
    write_timeout: float = 60.0
    max_connections: int = 10_000
    max_header_bytes: int = 64 * 1024
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES
    spool_bytes: int = 1024 * 1024
    threads: int = 8
    backlog: int = 2048

    def body_limit(self, service: str) -> int:
        """The largest body accepted for a request to ``service`` (lookoutvision or s3)."""
        return self.max_body_bytes if service == "lookoutvision" else self.max_object_bytes


def raise_open_files(wanted: int) -> int:
    """Raise this process's soft limit of open files towards ``wanted``; return it.

    The hard limit caps it; where there is no such limit to change (Windows), the
    current one is returned unchanged.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as error:
            _log.warning("cannot raise the open-file limit to %d: %s", target, error)
    return wanted if soft == resource.RLIM_INFINITY else int(soft)
