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

__all__ = ["BatchItem", "map_bounded"]

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


def map_bounded(
    call: Callable[[T], R],
    items: Iterable[T],
    *,
    max_workers: int = 4,
    window: int | None = None,
) -> Iterator[BatchItem[T, R]]:
    """Call ``call`` on each item on ``max_workers`` threads; yield outcomes in order.

    An exception raised for one item is caught and reported in its
    :class:`BatchItem`; the others go on. At most ``window`` items (twice
    ``max_workers`` by default) are in flight at once. Closing the iterator early waits
    for the calls in flight and starts no more.
    """
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    window = window if window is not None else 2 * max_workers
    if window < 1:
        raise ValueError(f"window must be at least 1, not {window}")

    def guarded(item: T) -> BatchItem[T, R]:
        try:
            return BatchItem(item, result=call(item))
        except Exception as error:  # reported with its input; the batch goes on
            return BatchItem(item, error=error)

    pending: deque[Future[BatchItem[T, R]]] = deque()
    source = iter(items)
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="lookout-batch") as pool:
        for item in source:
            pending.append(pool.submit(guarded, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
