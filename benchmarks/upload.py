"""How much faster ``upload_files`` is with 8 workers than with 1, on a slow network.

500 seeded synthetic 64x64 PNG images go to moto's in-process S3, once with
``workers=1`` and once with ``workers=8``, each into a fresh bucket so nothing is
skipped. Every request first sleeps 20 ms in a ``before-send`` handler (registered ahead
of moto's, and returning nothing so that moto still answers), which stands in for a
round trip to S3. The report gives both times and the speedup (sequential time over
concurrent time) against the target, from this one run. The check that a single
``PutObject`` takes at least 20 ms shows the latency is really applied.

Usage::

    python benchmarks/upload.py            # print the report, exit 0
    python benchmarks/upload.py --check    # exit 1 if the target is missed
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

IMAGES = 500
SIZE = (64, 64)
LATENCY = 0.020
WORKERS = 8
TARGET = 4.0
REGION = "us-east-1"


def add_latency(**_: Any) -> None:
    """Stand in for a round trip; returning None lets the next handler (moto) answer."""
    time.sleep(LATENCY)


def write_images(folder: Path) -> list[Path]:
    from lookout_sdk.synthetic import make_image

    rng = random.Random(20240601)
    paths = []
    for number in range(IMAGES):
        path = folder / f"image-{number:04d}.png"
        path.write_bytes(make_image(rng, size=SIZE).data)
        paths.append(path)
    return paths


def timed_upload(s3: Any, paths: list[Path], bucket: str, workers: int) -> float:
    from lookout_sdk.datasets.s3 import UploadItem, upload_files

    s3.create_bucket(Bucket=bucket)
    items = [UploadItem(path, bucket, f"bench/{path.name}") for path in paths]
    started = time.perf_counter()
    report = upload_files(s3, items, workers=workers, progress=False)
    elapsed = time.perf_counter() - started
    if len(report.uploaded) != len(items):
        raise SystemExit(f"{bucket}: expected {len(items)} uploads, got {report}")
    return elapsed


def single_put_seconds(s3: Any) -> float:
    s3.create_bucket(Bucket="bench-latency")
    s3.put_object(Bucket="bench-latency", Key="warm-up", Body=b"x")
    started = time.perf_counter()
    s3.put_object(Bucket="bench-latency", Key="probe", Body=b"x")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args()

    import boto3
    from moto import mock_aws

    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        os.environ.pop(name, None)  # moto supplies fake credentials; nothing reaches AWS

    with tempfile.TemporaryDirectory() as folder, mock_aws():
        paths = write_images(Path(folder))
        size_kb = sum(path.stat().st_size for path in paths) / len(paths) / 1024
        s3 = boto3.client("s3", region_name=REGION)
        s3.meta.events.register_first("before-send.s3", add_latency)
        probe = single_put_seconds(s3)
        if probe < LATENCY:
            print(f"latency not applied: one PutObject took {probe * 1000:.1f} ms")
            return 1
        sequential = timed_upload(s3, paths, "bench-sequential", workers=1)
        concurrent = timed_upload(s3, paths, "bench-concurrent", workers=WORKERS)

    speedup = sequential / concurrent
    verdict = "PASS" if speedup >= TARGET else "FAIL"
    print(
        f"upload_files: {IMAGES} PNG images ({SIZE[0]}x{SIZE[1]}, ~{size_kb:.1f} KB) "
        f"to moto S3, +{LATENCY * 1000:.0f} ms per request"
    )
    print(f"  one PutObject (latency check)   {probe * 1000:8.1f} ms")
    print(f"  sequential (workers=1)          {sequential:8.2f} s")
    print(f"  concurrent (workers={WORKERS})          {concurrent:8.2f} s")
    print(f"  speedup                         {speedup:8.2f}x   target >= {TARGET:g}x   {verdict}")
    return 1 if args.check and verdict == "FAIL" else 0


if __name__ == "__main__":
    sys.exit(main())
