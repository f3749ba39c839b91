"""Fuzz the local backend through a real server: counts of 500s and unshaped answers.

Sends seeded hostile Lookout for Vision and S3 requests (``tests/fuzz_requests.py``)
as raw bytes to ``start_in_thread`` on 127.0.0.1 and prints, per API, how many
requests were sent, how many got a 500 and how many got an answer that is not in the
API's own error form (the targets are 0 and 0), with up to ten examples.

Usage::

    python benchmarks/fuzz_local.py                      # 4,000 Lookout + 3,000 S3
    python benchmarks/fuzz_local.py --seed 7 --lookout 8000 --s3 6000 --check
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lookout_sdk.local.app import LocalBackend
from lookout_sdk.local.http.server import start_in_thread
from tests.fuzz_requests import (
    Tally,
    lookout_requests,
    run_http,
    s3_requests,
    s3_setup,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20262)
    parser.add_argument("--lookout", type=int, default=4000)
    parser.add_argument("--s3", type=int, default=3000)
    parser.add_argument("--check", action="store_true", help="exit 1 unless 0 and 0")
    options = parser.parse_args()
    logging.disable(logging.CRITICAL)  # the 500s, if any, are counted here
    tallies: dict[str, Tally] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        backend = LocalBackend(Path(folder) / "data", start_worker=False)
        try:
            with start_in_thread(backend) as server:
                for request in s3_setup():
                    run_http(server.host, server.port, request)
                runs = {
                    "lookout": lookout_requests(options.seed, options.lookout),
                    "s3": s3_requests(options.seed, options.s3),
                }
                for name, requests in runs.items():
                    tally = tallies[name] = Tally()
                    for request in requests:
                        tally.add(request, run_http(server.host, server.port, request))
        finally:
            backend.close()
    elapsed = time.perf_counter() - started
    for name, tally in tallies.items():
        print(
            f"{name:8} {tally.total:6d} requests  {tally.server_errors:4d} answers of 500  "
            f"{tally.unshaped:4d} not in the API's form"
        )
        for example in tally.examples:
            print(f"    {example[:240]}")
    print(f"seed {options.seed}, {elapsed:.1f} s")
    bad = sum(t.server_errors + t.unshaped for t in tallies.values())
    return 1 if options.check and bad else 0


if __name__ == "__main__":
    sys.exit(main())
