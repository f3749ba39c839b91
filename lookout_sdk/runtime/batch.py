"""Running one call over many inputs on a few threads, results in input order.

:func:`map_bounded` keeps at most ``window`` calls in flight, so a million images
stream through in the memory of a few: inputs are drawn from the iterable only as
results are handed back.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

import attrs

from lookout_sdk._deprecation import warn_deprecated
from lookout_sdk.errors import InvalidInputError

__all__ = ["DEFAULT_WORKERS", "BatchItem", "check_workers", "map_bounded", "pick_workers"]

#: How many threads a call that works on many items at once uses when not told: detection
#: batches, uploads, imports and exports alike.
DEFAULT_WORKERS = 8

T = TypeVar("T")
R = TypeVar("R")


@attrs.frozen
class BatchItem(Generic[T, R]):
    """One input of a batch and what came of it: a ``result``, or the ``error`` raised."""

    source: T
    result: R | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None


def check_workers(workers: int, *, parameter: str = "workers") -> int:
    """Return ``workers`` if it is a whole number of at least 1.

    Raises:
        InvalidInputError: it is not.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidInputError.of(
            parameter, f"must be a whole number of at least 1, not {workers!r}"
        )
    return workers


def pick_workers(workers: int, max_workers: int | None, *, where: str) -> int:
    """The thread count of a call that takes ``workers`` and the deprecated ``max_workers``.

    ``where`` names the call in the deprecation warning, which points at its caller.

    Raises:
        InvalidInputError: both are given, or the count is below 1.
    """
    if max_workers is not None:
        if workers != DEFAULT_WORKERS:
            raise InvalidInputError.of("max_workers", "cannot be combined with workers")
        warn_deprecated(f"{where}(max_workers=...)", f"{where}(workers=...)", stacklevel=3)
        return check_workers(max_workers, parameter="max_workers")
    return check_workers(workers)


def map_bounded(
    call: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int = DEFAULT_WORKERS,
    window: int | None = None,
) -> Iterator[BatchItem[T, R]]:
    """Call ``call`` on each item on ``workers`` threads; yield outcomes in order.

    An exception raised for one item is caught and reported in its
    :class:`BatchItem`; the others go on. At most ``window`` items (twice ``workers``
    by default) are in flight at once. Closing the iterator early waits for the calls
    in flight and starts no more.

    Raises:
        InvalidInputError: ``workers`` or ``window`` is below 1.
    """
    check_workers(workers)
    window = check_workers(window if window is not None else 2 * workers, parameter="window")

    def guarded(item: T) -> BatchItem[T, R]:
        try:
            return BatchItem(item, result=call(item))
        except Exception as error:  # reported with its input; the batch goes on
            return BatchItem(item, error=error)

    pending: deque[Future[BatchItem[T, R]]] = deque()
    source = iter(items)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lookout-batch") as pool:
        for item in source:
            pending.append(pool.submit(guarded, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
