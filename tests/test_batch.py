"""map_bounded: input order, per-item errors, and a bounded number of items in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from lookout_sdk.errors import InvalidInputError
from lookout_sdk.runtime.batch import DEFAULT_WORKERS, map_bounded, pick_workers


def test_results_keep_input_order_even_when_calls_finish_out_of_order() -> None:
    def slow_for_small(n: int) -> int:
        time.sleep(0.002 * (10 - n))
        return n * n

    items = list(map_bounded(slow_for_small, range(10), workers=4))
    assert [item.source for item in items] == list(range(10))
    assert [item.result for item in items] == [n * n for n in range(10)]


def test_an_error_is_reported_with_its_input_and_the_rest_go_on() -> None:
    def invert(n: int) -> float:
        return 1 / n

    items = list(map_bounded(invert, [2, 0, 4], workers=2))
    assert [item.ok for item in items] == [True, False, True]
    assert isinstance(items[1].error, ZeroDivisionError)
    assert items[1].result is None


def test_inputs_are_drawn_only_as_results_are_taken() -> None:
    drawn = 0
    lock = threading.Lock()

    def source() -> Iterator[int]:
        nonlocal drawn
        for n in range(1000):
            with lock:
                drawn += 1
            yield n

    stream = map_bounded(lambda n: n, source(), workers=2, window=5)
    first = next(stream)
    assert first.result == 0
    assert drawn <= 5  # not the whole input
    stream.close()
    assert drawn <= 6


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="workers"):
        list(map_bounded(str, [1], workers=0))
    with pytest.raises(InvalidInputError, match="window"):
        list(map_bounded(str, [1], window=0))


def test_one_default_worker_count() -> None:
    assert DEFAULT_WORKERS == 8
    assert pick_workers(DEFAULT_WORKERS, None, where="f") == DEFAULT_WORKERS
    with pytest.raises(InvalidInputError, match="max_workers"):
        pick_workers(3, 4, where="f")
