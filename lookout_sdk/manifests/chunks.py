"""Splitting large dataset updates into requests the service accepts.

One UpdateDatasetEntries request carries at most 10,485,760 bytes of ``Changes`` and
each entry at most 8,192 characters. :func:`plan_chunks` packs entries, in order, into
as few requests as fit; :func:`apply_in_chunks` sends them one after another (a
dataset takes one update at a time), waits for each, and if one fails says exactly
which entries did not get in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from lookout_sdk._boundary import checked
from lookout_sdk.errors import InvalidInputError, LookoutError
from lookout_sdk.manifests.entry import ManifestEntry
from lookout_sdk.manifests.validate import validate_manifest
from lookout_sdk.runtime.timeouts import DEFAULT_TIMEOUT, Timeout

if TYPE_CHECKING:
    from lookout_sdk.records.dataset import DatasetDescription
    from lookout_sdk.runtime.polling import Poller

__all__ = [
    "MAX_CHANGES_BYTES",
    "ChunkedUpdateError",
    "ChunkedUpdateResult",
    "apply_in_chunks",
    "plan_chunks",
]

#: The most bytes one UpdateDatasetEntries request may carry in ``Changes``.
MAX_CHANGES_BYTES = 10_485_760


@checked
def plan_chunks(
    entries: Sequence[ManifestEntry], *, max_bytes: int = MAX_CHANGES_BYTES
) -> list[list[ManifestEntry]]:
    """Group ``entries``, in order, into chunks whose JSON Lines fit in ``max_bytes``.

    Each entry is in exactly one chunk. A chunk's size counts each line's UTF-8 bytes
    and its newline, as :func:`~lookout_sdk.manifests.dump_manifest` writes them.
    """
    chunks: list[list[ManifestEntry]] = []
    current: list[ManifestEntry] = []
    size = 0
    for entry in entries:
        line = len(entry.to_json().encode("utf-8")) + 1
        if line > max_bytes:
            reason = f"is larger than {max_bytes} bytes, the most one request carries"
            raise InvalidInputError.of(f"entry {entry.source_ref}", reason)
        if current and size + line > max_bytes:
            chunks.append(current)
            current, size = [], 0
        current.append(entry)
        size += line
    if current:
        chunks.append(current)
    return chunks


@attrs.frozen
class ChunkedUpdateResult:
    """What a chunked update did: requests sent, entries applied, the final dataset."""

    requests: int
    entries: int
    dataset: DatasetDescription | None


class ChunkedUpdateError(LookoutError):
    """A chunk of a dataset update failed; the entries from it on did not get in.

    ``applied`` counts the entries of the chunks that succeeded; ``not_applied`` lists
    every entry of the failed chunk and of the chunks not sent after it.
    """

    def __init__(self, message: str, *, applied: int, not_applied: Sequence[ManifestEntry]) -> None:
        self.applied = applied
        self.not_applied = tuple(not_applied)
        super().__init__(message)


def apply_in_chunks(
    entries: Iterable[ManifestEntry | str | Any],
    send: Callable[[list[ManifestEntry]], Poller[DatasetDescription]],
    *,
    max_bytes: int = MAX_CHANGES_BYTES,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> ChunkedUpdateResult:
    """Validate ``entries``, then send them chunk by chunk through ``send``.

    ``send`` makes one UpdateDatasetEntries request and returns its poller; each poller
    is waited on (``timeout`` per chunk: omitted, the update's default; ``None``, no
    limit; or seconds) before the next chunk goes.

    Raises:
        ManifestError: an entry would be rejected (nothing is sent).
        ChunkedUpdateError: a chunk failed; it names the entries that did not get in.
    """
    report = validate_manifest(entries)
    report.raise_for_problems()
    chunks = plan_chunks(report.entries, max_bytes=max_bytes)
    applied = 0
    final: DatasetDescription | None = None
    for number, chunk in enumerate(chunks):
        try:
            poller = send(chunk)
            final = poller.result(timeout)
        except LookoutError as error:
            rest = [entry for later in chunks[number:] for entry in later]
            raise ChunkedUpdateError(
                f"chunk {number + 1} of {len(chunks)} failed ({error}); "
                f"{applied} entries were applied and {len(rest)} were not",
                applied=applied,
                not_applied=rest,
            ) from error
        applied += len(chunk)
    return ChunkedUpdateResult(requests=len(chunks), entries=applied, dataset=final)
