"""The whole Lookout for Vision workflow, start to finish, on sample images.

This is what ``lookout demo`` and ``examples/workflow.py`` run, and a compact tour of
the SDK: it writes a seeded set of synthetic inspection images, creates a project,
imports the images as a training and a test dataset, trains and evaluates a model,
hosts it, asks it about new images, and then stops the model and removes what it made
(unless asked to keep it). Needs the ``datasets`` extra, and the ``local`` extra for
the local backend.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from botocore.exceptions import ClientError

from lookout_sdk.records.common import S3Location
from lookout_sdk.records.model import ModelPerformance
from lookout_sdk.runtime.timeouts import Timeout

if TYPE_CHECKING:
    from lookout_sdk.resources.service import LookoutVision

__all__ = ["DEMO_PROJECT", "DemoDetection", "DemoSummary", "run_demo"]

#: The project the demo creates.
DEMO_PROJECT = "lookout-demo"
#: The new images the demo asks the model about: a name and the defects drawn on it.
_SAMPLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("normal", ()),
    ("scratch", ("scratch",)),
    ("hole", ("hole",)),
    ("stain", ("stain",)),
)


@attrs.frozen
class DemoDetection:
    """What the hosted model said about one new image."""

    name: str
    defects: tuple[str, ...]
    is_anomalous: bool
    confidence: float


@attrs.frozen
class DemoSummary:
    """What the demo did, measured.

    Attributes:
        endpoint: The Lookout for Vision endpoint it ran against.
        project: The project it created.
        datasets: Per dataset type, the number of ``normal`` and ``anomaly`` images.
        model_version: The model version it trained.
        performance: The model's evaluation metrics.
        detections: The answers for the new images.
        timings: Seconds per step, in the order the steps ran.
        kept: Whether the project, datasets and model were kept.
        sample_images: With ``keep``, the folder of new images to detect on.
    """

    endpoint: str
    project: str
    datasets: dict[str, dict[str, int]]
    model_version: str
    performance: ModelPerformance | None
    detections: tuple[DemoDetection, ...]
    timings: dict[str, float]
    kept: bool = False
    sample_images: str | None = None


def _ensure_bucket(s3: Any, bucket: str, say: Callable[[str], None]) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        say(f"creating bucket {bucket}")
        s3.create_bucket(Bucket=bucket)


def run_demo(
    service: LookoutVision,
    *,
    workdir: Path,
    bucket: str = DEMO_PROJECT,
    project_name: str = DEMO_PROJECT,
    keep: bool = False,
    timeout: Timeout = 1800.0,
    say: Callable[[str], None] = lambda _: None,
) -> DemoSummary:
    """Run the workflow against ``service``; sample images are written in ``workdir``.

    ``say`` receives a line for each step as it ends. With ``keep``, the project, its
    datasets and the (stopped) model stay, and new images to try are left in
    ``workdir/new``; otherwise everything the demo made is removed, even after a failure.
    ``timeout`` bounds each wait (seconds; ``None`` for no limit; ``DEFAULT_TIMEOUT`` for
    each operation's own default).
    """
    from lookout_sdk.synthetic import make_image, write_dataset_folder

    timings: dict[str, float] = {}

    @contextmanager
    def step(name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        timings[name] = round(time.perf_counter() - started, 3)
        say(f"{name:<36} {timings[name]:7.1f} s")

    endpoint = str(service.client.meta.endpoint_url)
    say(f"endpoint: {endpoint}")
    _ensure_bucket(service.s3_client(), bucket, say)
    with step("write 74 synthetic images"):
        folder = write_dataset_folder(workdir / "parts", normal=40, anomaly=34, seed=7)
    project = service.create_project(project_name)
    finished = False
    try:
        with step("check, upload and import datasets"):
            destination = S3Location(bucket, f"{project_name}/").uri
            imported = project.import_folder(
                folder, destination, split=0.3, seed=1, progress=False, timeout=timeout
            )
        datasets = {
            kind.value: {"normal": d.image_stats.normal, "anomaly": d.image_stats.anomaly}
            for kind, d in imported.datasets.items()
        }
        with step("train and evaluate"):
            training = project.create_model(output=S3Location(bucket, f"{project_name}/output/"))
            record = training.result(timeout)
        if record.performance is not None:
            metrics = record.performance
            say(
                f"model {record.version}: F1 {metrics.f1_score:.3f}, "
                f"precision {metrics.precision:.3f}, recall {metrics.recall:.3f}"
            )
        model = training.model
        with step("start hosting"):
            model.start(min_inference_units=1).result(timeout=timeout)
        rng = random.Random(2026)
        new_images = workdir / "new"
        new_images.mkdir(parents=True, exist_ok=True)
        detections = []
        with step(f"detect {len(_SAMPLES)} new images"):
            for name, defects in _SAMPLES:
                image = make_image(rng, defects=defects).data
                (new_images / f"{name}.png").write_bytes(image)
                result = model.detect(image)
                detections.append(
                    DemoDetection(name, defects, result.is_anomalous, result.confidence)
                )
                verdict = "anomalous" if result.is_anomalous else "normal"
                say(f"  {name:<8} -> {verdict:<9} confidence {result.confidence:.2f}")
        with step("stop hosting"):
            model.stop().result(timeout=timeout)
        finished = True
    finally:
        if not (keep and finished):
            with step("clean up"):
                project.delete(force=True, timeout=timeout)
    return DemoSummary(
        endpoint=endpoint,
        project=project_name,
        datasets=datasets,
        model_version=record.version,
        performance=record.performance,
        detections=tuple(detections),
        timings=timings,
        kept=keep,
        sample_images=str(new_images) if keep else None,
    )
