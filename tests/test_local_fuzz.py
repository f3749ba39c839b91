"""Seeded fuzzing of the local backend: every answer in the API's own form, no 500s.

A small sample runs every time, in process; the full run (4,000 Lookout and 3,000 S3
requests through a real server) is marked slow, and ``benchmarks/fuzz_local.py``
prints its counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lookout_sdk.local.app import LocalBackend
from lookout_sdk.local.http.server import start_in_thread
from tests.fuzz_requests import (
    Tally,
    lookout_requests,
    run_http,
    run_wsgi,
    s3_requests,
    s3_setup,
)

SEED = 20261


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackend]:
    backend = LocalBackend(tmp_path_factory.mktemp("fuzz") / "data", start_worker=False)
    for request in s3_setup():
        run_wsgi(backend, request)
    yield backend
    backend.close()


def test_a_seeded_sample_of_lookout_requests(backend: LocalBackend) -> None:
    tally = Tally()
    for request in lookout_requests(SEED, 300):
        tally.add(request, run_wsgi(backend, request))
    assert (tally.server_errors, tally.unshaped) == (0, 0), tally.examples


def test_a_seeded_sample_of_s3_requests(backend: LocalBackend) -> None:
    tally = Tally()
    for request in s3_requests(SEED, 300):
        tally.add(request, run_wsgi(backend, request))
    assert (tally.server_errors, tally.unshaped) == (0, 0), tally.examples


@pytest.mark.slow
def test_the_full_run_through_a_real_server(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "data", start_worker=False)
    try:
        with start_in_thread(backend) as server:
            for request in s3_setup():
                run_http(server.host, server.port, request)
            tallies = {}
            for name, requests in (
                ("lookout", lookout_requests(SEED + 1, 4000)),
                ("s3", s3_requests(SEED + 1, 3000)),
            ):
                tally = tallies[name] = Tally()
                for request in requests:
                    tally.add(request, run_http(server.host, server.port, request))
    finally:
        backend.close()
    for name, tally in tallies.items():
        print(
            f"{name}: {tally.total} requests, {tally.server_errors} 500s, {tally.unshaped} unshaped"
        )
    assert all((t.server_errors, t.unshaped) == (0, 0) for t in tallies.values()), {
        name: t.examples for name, t in tallies.items()
    }
