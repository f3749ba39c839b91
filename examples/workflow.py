"""The whole Lookout for Vision workflow with lookout_sdk, start to finish.

    python examples/workflow.py                       # the local backend: no AWS account
    python examples/workflow.py --endpoint-url http://127.0.0.1:8080   # `lookout serve`
    python examples/workflow.py --aws --bucket my-bucket                # the real service

It writes a seeded set of synthetic inspection images (textured parts, some with
scratches, holes or stains), imports them as a training and a test dataset, trains and
evaluates a model, hosts it, asks it about a few new images, prints the metrics and the
answers with timings, and then removes everything it made.
"""

from __future__ import annotations

import argparse
import logging
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import lookout_sdk as lv
from lookout_sdk.testing.synthetic import make_image, write_dataset_folder

PROJECT = "example-parts"


@contextmanager
def step(name: str) -> Iterator[None]:
    """Print how long a step took."""
    started = time.perf_counter()
    yield
    print(f"  {name:<34} {time.perf_counter() - started:6.1f} s")


def run(service: lv.LookoutVision, bucket: str, workdir: Path) -> None:
    """Run the workflow against ``service``, keeping sample files in ``workdir``."""
    print(f"endpoint: {service.client.meta.endpoint_url}")
    with step("write 74 synthetic images"):
        folder = write_dataset_folder(workdir / "parts", normal=40, anomaly=34, seed=7)
    project = service.create_project(PROJECT)
    try:
        with step("check, upload and import datasets"):
            imported = project.import_folder(
                folder, f"s3://{bucket}/{PROJECT}/", split=0.3, seed=1, progress=False
            )
        for kind, description in imported.datasets.items():
            stats = description.image_stats
            print(f"    {kind.value:<5} {stats.normal} normal, {stats.anomaly} anomalous")
        with step("train and evaluate"):
            record = project.create_model(output=f"s3://{bucket}/{PROJECT}/output/").result(
                timeout=1800
            )
        metrics = record.performance
        if metrics is not None:
            print(
                f"    model {record.version}: F1 {metrics.f1_score:.3f}, "
                f"precision {metrics.precision:.3f}, recall {metrics.recall:.3f}"
            )
        model = project.model(record.version)
        with step("start hosting"):
            model.start(min_inference_units=1).result(timeout=1800)
        rng = random.Random(2026)
        samples = [
            ("normal", []),
            ("scratch", ["scratch"]),
            ("hole", ["hole"]),
            ("stain", ["stain"]),
        ]
        with step("detect 4 new images"):
            for name, defects in samples:
                result = model.detect(make_image(rng, defects=defects).data)
                verdict = "anomalous" if result.is_anomalous else "normal"
                print(f"    {name:<8} -> {verdict:<9} confidence {result.confidence:.2f}")
        with step("stop hosting"):
            model.stop().result(timeout=1800)
        with step("delete the model"):
            model.delete().result(timeout=1800)
    finally:
        for kind in ("train", "test"):
            project.dataset(kind).delete().result(timeout=600)
        project.delete()
        print("cleaned up")


def main() -> None:
    """Parse options, connect, and run the workflow."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--endpoint-url", help="a Lookout for Vision endpoint (lookout serve)")
    where.add_argument("--aws", action="store_true", help="use AWS with your configuration")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--bucket", default="lookout-example", help="S3 bucket for the images")
    parser.add_argument("-v", "--verbose", action="store_true")
    options = parser.parse_args()
    logging.basicConfig(level=logging.INFO if options.verbose else logging.WARNING)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lookout-example-") as scratch:
        workdir = Path(scratch)
        if options.aws or options.endpoint_url:
            service = lv.LookoutVision(
                region_name=options.region, endpoint_url=options.endpoint_url
            )
        else:
            service = lv.LookoutVision.local(workdir / "local-backend", region_name=options.region)
        with service:
            if not options.aws:
                service.s3_client().create_bucket(Bucket=options.bucket)
            run(service, options.bucket, workdir)
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
