"""Paging through 200,000 dataset entries: the first page against the last, and the walk.

A local backend (in this process, through the SDK's boto3 client) gets one dataset of
200,000 entries; ListDatasetEntries is then walked with MaxResults=100 (2,000 pages).
The report gives the time of the whole walk and the median time of the first and of the
last page over a few repeats, and their ratio: with keyset paging every page costs the
same (a ratio near 1); with OFFSET the last page cost several times the first.

Usage::

    python benchmarks/paging.py              # print the report, exit 0
    python benchmarks/paging.py --check      # exit 1 if the last page costs over 2x the first
    python benchmarks/paging.py --entries 50000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PAGE = 100
REPEATS = 7
TARGET = 2.0


def _timed(call: Any, **params: Any) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    answer = call(**params)
    return time.perf_counter() - started, answer


def main() -> int:
    """Fill a dataset, walk its entries, and print the page times."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--check", action="store_true", help=f"exit 1 past a {TARGET}x ratio")
    options = parser.parse_args()
    from lookout_sdk.local import connect
    from lookout_sdk.manifests.entry import ManifestEntry

    with tempfile.TemporaryDirectory() as folder, connect(Path(folder) / "data") as service:
        project = service.create_project("paging")
        project.create_dataset("train").result(timeout=60)
        started = time.perf_counter()
        entries = (
            ManifestEntry.classification(f"s3://bucket/images/{i:07d}.png", "normal")
            for i in range(options.entries)
        )
        project.dataset("train").apply_entries(list(entries), timeout=1800)
        filled = time.perf_counter() - started
        ids = {"ProjectName": "paging", "DatasetType": "train", "MaxResults": PAGE}
        listing = service.client.list_dataset_entries
        tokens: list[str | None] = [None]
        seen = 0
        started = time.perf_counter()
        while True:
            token = tokens[-1]
            answer = listing(**ids, **({"NextToken": token} if token else {}))
            seen += len(answer["DatasetEntries"])
            if "NextToken" not in answer:
                break
            tokens.append(answer["NextToken"])
        walk = time.perf_counter() - started
        last = tokens[-1]
        assert last is not None
        first_times = [_timed(listing, **ids)[0] for _ in range(REPEATS)]
        last_times = [_timed(listing, **ids, NextToken=last)[0] for _ in range(REPEATS)]
    first, final = statistics.median(first_times), statistics.median(last_times)
    ratio = final / first
    print(
        f"{options.entries} entries (filled in {filled:.1f} s): {len(tokens)} pages of {PAGE} "
        f"walked in {walk:.1f} s ({seen} entries); first page {first * 1000:.1f} ms, "
        f"last page {final * 1000:.1f} ms, last/first {ratio:.2f} (target <= {TARGET})"
    )
    return 1 if options.check and (ratio > TARGET or seen != options.entries) else 0


if __name__ == "__main__":
    sys.exit(main())
