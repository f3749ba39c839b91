"""The whole Lookout for Vision workflow with lookout_sdk, start to finish.

    python examples/workflow.py --offline          # no AWS account, no network
    python examples/workflow.py --region us-east-1 --bucket my-bucket   # a real endpoint

It creates a project and a training dataset, adds labelled entries, trains a model,
hosts it, asks it about a normal and a defective image, then cleans everything up.
``--offline`` answers the requests with ``simulated_service.py`` in this folder, through
the real boto3 client; otherwise the requests go to the endpoint your AWS
configuration (or ``--endpoint-url``) names, and the images must already be in S3.
"""

from __future__ import annotations

import argparse
import logging
import random
import struct
import sys
import zlib
from pathlib import Path

import boto3

import lookout_sdk as lv
from lookout_sdk.testing import InProcessTransport

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simulated_service import SimulatedService

SIDE = 64


def gray_png(pixels: list[int], side: int = SIDE) -> bytes:
    """Encode ``side`` by ``side`` grey pixels as a PNG, with the standard library only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(pixels[r * side : (r + 1) * side]) for r in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def synthetic_part(rng: random.Random, *, defect: bool) -> bytes:
    """A brushed-metal-like grey texture; a defect is a dark scratch across it."""
    pixels = [128 + rng.randint(-12, 12) for _ in range(SIDE * SIDE)]
    if defect:
        row = rng.randrange(8, SIDE - 8)
        for col in range(10, SIDE - 10):
            pixels[row * SIDE + col] = 20
    return gray_png(pixels)


def manifest_line(bucket: str, key: str, *, anomaly: bool) -> dict[str, object]:
    """One classification entry of a Lookout for Vision manifest."""
    return {
        "source-ref": f"s3://{bucket}/{key}",
        "anomaly-label": 1 if anomaly else 0,
        "anomaly-label-metadata": {
            "class-name": "anomaly" if anomaly else "normal",
            "type": "groundtruth/image-classification",
            "human-annotated": "yes",
            "creation-date": "2026-11-23T00:00:00",
            "job-name": "labeling-job/example",
        },
    }


def run(service: lv.LookoutVision, bucket: str) -> None:
    """Run the workflow against ``service``."""
    project = service.create_project("example-parts")
    print(f"created {project}")
    try:
        train = project.create_dataset("train").result(timeout=300)
        print(f"dataset {train.dataset_type}: {train.status}")
        entries = [manifest_line(bucket, f"parts/normal-{i}.png", anomaly=False) for i in range(20)]
        entries += [
            manifest_line(bucket, f"parts/anomaly-{i}.png", anomaly=True) for i in range(10)
        ]
        updated = project.dataset("train").update_entries(entries).result(timeout=300)
        print(f"entries: {updated.image_stats}")
        print(f"first entry: {project.dataset('train').list_entries(max_items=1).first()}")

        training = project.create_model(output=f"s3://{bucket}/lookout-output/")
        print(f"training model version {training.record.version if training.record else '?'}")
        model_record = training.result(timeout=3600)
        print(f"model {model_record.version}: {model_record.status}")

        model = project.model(model_record.version)
        model.start(min_inference_units=1).result(timeout=1800)
        rng = random.Random(7)
        for label, defect in (("normal part", False), ("scratched part", True)):
            result = model.detect(synthetic_part(rng, defect=defect))
            print(f"{label}: anomalous={result.is_anomalous} confidence={result.confidence:.2f}")
        model.stop().result(timeout=1800)
        model.delete().result(timeout=1800)
    finally:
        for kind in ("train", "test"):
            project.dataset(kind).delete()
        project.delete()
        print("cleaned up")


def main() -> None:
    """Parse options and run the workflow."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="answer requests in-process")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--endpoint-url")
    parser.add_argument("--bucket", default="example-bucket")
    parser.add_argument("-v", "--verbose", action="store_true")
    options = parser.parse_args()
    logging.basicConfig(level=logging.INFO if options.verbose else logging.WARNING)
    if options.offline:
        # Offline there is no real clock to wait on: poll without pausing.
        # The simulated service checks no signatures; any credentials will do.
        polling = lv.PollingPolicy(initial_delay=0.0)
        session = boto3.Session(
            aws_access_key_id="offline", aws_secret_access_key="offline", region_name=options.region
        )
        with lv.LookoutVision(session=session, polling=polling) as service:
            InProcessTransport(service.client, SimulatedService())
            run(service, options.bucket)
    else:
        with lv.LookoutVision(
            region_name=options.region, endpoint_url=options.endpoint_url
        ) as service:
            run(service, options.bucket)


if __name__ == "__main__":
    main()
