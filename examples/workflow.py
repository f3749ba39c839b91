"""The whole Lookout for Vision workflow with lookout_sdk, start to finish.

    python examples/workflow.py                       # the local backend: no AWS account
    python examples/workflow.py --endpoint-url http://127.0.0.1:8080   # `lookout serve`
    python examples/workflow.py --aws --bucket my-bucket                # an AWS endpoint

It writes a seeded set of synthetic inspection images (textured parts, some with
scratches, holes or stains), imports them as a training and a test dataset, trains and
evaluates a model, hosts it, asks it about a few new images, prints the metrics and the
answers with the time each step took, and then removes everything it made. The steps
themselves are in ``lookout_sdk/demo.py`` (also run by ``lookout demo``): read it as the
tour of the SDK.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import lookout_sdk as lv
from lookout_sdk.demo import run_demo


def main() -> None:
    """Parse options, connect, and run the workflow."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--endpoint-url", help="a Lookout for Vision endpoint (lookout serve)")
    where.add_argument("--aws", action="store_true", help="use AWS with your configuration")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--bucket", default="lookout-demo", help="S3 bucket for the images")
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
            summary = run_demo(service, workdir=workdir, bucket=options.bucket, say=print)
    performance = summary.performance
    if performance is not None:
        print(
            f"metrics: F1 {performance.f1_score:.3f}, precision {performance.precision:.3f}, "
            f"recall {performance.recall:.3f}"
        )
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
