"""Whole SDK workflows at 30 % injected faults, on Lookout for Vision and S3 requests alike.

A :class:`~lookout_sdk.testing.FaultInjector` sits between the SDK's real boto3 clients
and the local backend's in-process WSGI transport. It throttles (with ``Retry-After``),
answers 500, and drops connections before the server acted and after it acted (the
answer lost). Each workflow creates a project, imports a folder (uploads, manifest,
dataset), trains, hosts, detects, stops and deletes; then nothing may be doubled:
dataset entries, models, objects, projects.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from lookout_sdk import LookoutVision, ModelStatus, PollingPolicy, RetryPolicy
from lookout_sdk.local.app import LocalBackend
from lookout_sdk.local.http.wsgi import WsgiTransport
from lookout_sdk.synthetic import make_image, write_dataset_folder
from lookout_sdk.testing import FaultInjector

BUCKET = "fault-data"
RETRY_AFTER = 1  # seconds, as a throttle asks; the policy's sleep runs 100 times faster
SPEED = 100
NORMAL, ANOMALY = 20, 10


class Sleeps:
    """The retry policy's sleep: records each pause and waits a hundredth of it."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        time.sleep(seconds / SPEED)


@attrs.define
class Rig:
    service: LookoutVision
    faults: FaultInjector
    sleeps: Sleeps
    folder: Path


def make_rig(tmp_path: Path, **faulting: Any) -> Iterator[Rig]:
    backend = LocalBackend(tmp_path / "data")
    faults = FaultInjector(
        WsgiTransport(backend),
        retry_after=RETRY_AFTER,
        **{key: value for key, value in faulting.items() if key != "rate"},
        rate=0.0,
    )
    sleeps = Sleeps()
    # back-offs below Retry-After, so every pause of RETRY_AFTER or more answers a throttle
    retry = RetryPolicy(
        max_attempts=12, initial_backoff=0.05, max_backoff=0.5, deadline=120.0, sleep=sleeps
    )
    polling = PollingPolicy(initial_delay=0.05, max_delay=0.25)
    service = LookoutVision(
        region_name="us-east-1", transport=faults, retry=retry, polling=polling
    )
    service.s3_client().create_bucket(Bucket=BUCKET)
    folder = write_dataset_folder(tmp_path / "parts", normal=NORMAL, anomaly=ANOMALY, seed=3)
    faults.rate = faulting.get("rate", 0.3)  # from here on, faults
    yield Rig(service, faults, sleeps, folder)
    service.close()
    backend.close()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    """Three requests in ten meet a fault of any kind."""
    yield from make_rig(tmp_path, seed=11)


@pytest.fixture
def every_answer_lost_once(tmp_path: Path) -> Iterator[Rig]:
    """Every request is acted on, its answer lost, then sent again: retries must be idempotent."""
    yield from make_rig(tmp_path, rate=1.0, kinds=["reset_after"], once_per_request=True)


def objects_under(service: LookoutVision, prefix: str) -> list[str]:
    pages = service.s3_client().get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=prefix
    )
    return [item["Key"] for page in pages for item in page.get("Contents", ())]


def workflow(rig: Rig, number: int) -> dict[str, Any]:
    """One project's life; returns what it counted."""
    service, name = rig.service, f"faults-{number}"
    project = service.create_project(name)
    destination = f"s3://{BUCKET}/{name}/"
    imported = project.import_folder(rig.folder, destination, progress=False, workers=4)
    entries = [entry.source_ref for entry in project.dataset("train").list_entries()]
    record = project.create_model(output=f"s3://{BUCKET}/{name}/output/").result(timeout=120)
    model = project.model(record.version)
    models = [summary.version for summary in project.list_models()]
    model.start().result(timeout=60)
    rng = random.Random(number)
    normal = model.detect(make_image(rng).data)
    defect = model.detect(make_image(rng, defects=["hole"]).data)
    assert model.stop().result(timeout=60).status is ModelStatus.TRAINED
    images = [key for key in objects_under(service, f"{name}/") if key.endswith(".png")]
    model.delete().result(timeout=60)
    project.delete()
    return {
        "uploaded": len(imported.upload.uploaded) if imported.upload else 0,
        "entries": entries,
        "models": models,
        "images": images,
        "detected": (normal.is_anomalous, defect.is_anomalous),
        "gone": not project.exists(),
    }


def test_ten_workflows_at_30_percent_faults_double_nothing(rig: Rig) -> None:
    started = time.monotonic()
    results = [workflow(rig, number) for number in range(10)]
    elapsed = time.monotonic() - started
    faults, pauses = rig.faults, rig.sleeps.pauses

    for result in results:
        assert result["uploaded"] == NORMAL + ANOMALY
        assert len(result["entries"]) == len(set(result["entries"])) == NORMAL + ANOMALY
        assert result["models"] == ["1"]  # one model per project: no retried CreateModel doubled
        assert len(result["images"]) == NORMAL + ANOMALY
        assert result["detected"][1]  # the defect is found
        assert result["gone"]
    assert list(rig.service.list_projects()) == []

    # Every fault was met by exactly one retry of the policy, and every throttle's pause
    # honoured its Retry-After (back-offs alone stay below it).
    assert faults.total > 200
    assert set(faults.injected) == {"throttle", "server_error", "reset_before", "reset_after"}
    assert len(pauses) == faults.total
    assert sum(pause >= RETRY_AFTER for pause in pauses) == faults.injected["throttle"]
    assert elapsed < 600  # bounded: every wait has a deadline; typically well under a minute
    print(  # the figures, for `pytest -s`
        f"\n{len(results)} workflows in {elapsed:.1f} s; {faults.passed} requests answered, "
        f"{faults.total} faults injected {dict(faults.injected)}, {len(pauses)} retries"
    )


def test_a_workflow_whose_every_answer_is_lost_once_doubles_nothing(
    every_answer_lost_once: Rig,
) -> None:
    rig = every_answer_lost_once
    result = workflow(rig, 0)
    assert len(result["entries"]) == len(set(result["entries"])) == NORMAL + ANOMALY
    assert result["models"] == ["1"]
    assert len(result["images"]) == NORMAL + ANOMALY
    assert result["gone"]
    # every distinct request was acted on twice, its first answer lost; writes included
    faulted = {(method, path) for _, method, path in rig.faults.faulted}
    assert rig.faults.injected["reset_after"] == len(rig.sleeps.pauses) >= 40
    writes = {
        ("POST", "/2020-11-20/projects"),
        ("POST", "/2020-11-20/projects/faults-0/datasets"),
        ("POST", "/2020-11-20/projects/faults-0/models"),
        ("POST", "/2020-11-20/projects/faults-0/models/1/start"),
        ("POST", "/2020-11-20/projects/faults-0/models/1/stop"),
        ("DELETE", "/2020-11-20/projects/faults-0/models/1"),
        ("DELETE", "/2020-11-20/projects/faults-0"),
        ("PUT", f"/{BUCKET}/faults-0/normal/normal-0000.png"),
    }
    assert writes <= faulted, writes - faulted
