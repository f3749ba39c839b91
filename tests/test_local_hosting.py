"""Hosted models serve several requests at once: one thread per inference unit."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from lookout_sdk.local.hosting import Hosting, ModelNotLoadedError


class _Busy:
    """A stand-in model whose score() reports how many calls run at the same time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.release = threading.Event()

    def score(self, image: bytes) -> str:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.release.wait(timeout=5)
        with self.lock:
            self.running -= 1
        return f"scored {len(image)}"


@pytest.mark.parametrize("units", [1, 3])
def test_requests_run_on_as_many_threads_as_inference_units(
    units: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _Busy()
    monkeypatch.setattr("lookout_sdk.engine.load_model", lambda folder: model)
    hosting = Hosting(tmp_path)
    hosting.load("p", 1, units)
    with ThreadPoolExecutor(max_workers=6) as callers:
        answers = [callers.submit(hosting.detect, "p", 1, b"x" * n) for n in range(6)]
        give_up = time.monotonic() + 5
        while model.most < units and time.monotonic() < give_up:
            time.sleep(0.01)
        started = model.most
        model.release.set()
        results: list[Any] = [answer.result(timeout=10) for answer in answers]
    assert started == units  # never more at once than there are units
    assert model.most == units
    assert results == [f"scored {n}" for n in range(6)]
    hosting.unload("p", 1)
    with pytest.raises(ModelNotLoadedError):
        hosting.detect("p", 1, b"x")
    hosting.close()
